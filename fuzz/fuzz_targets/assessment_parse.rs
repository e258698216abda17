//! Any text as an assessment file: problems named by line and key, never a panic.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use sentei_core::{Catalog, builtin_profiles, judge};

static CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| Catalog::new(builtin_profiles().unwrap_or_default()));

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    // What parses is judged too: a valid assessment must never make the engine panic.
    if let Ok(assessment) = CATALOG.parse_assessment(text)
        && let Some(profile) = CATALOG.get(&assessment.profile_id)
    {
        let _ = judge(profile, &assessment).to_json();
    }
});
