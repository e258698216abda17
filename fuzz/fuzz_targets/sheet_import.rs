//! Any bytes as an uploaded check sheet: a clear error or an assessment, never a panic or an
//! unbounded allocation.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use sentei_core::{Catalog, builtin_profiles};

mod contained;

static CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| Catalog::new(builtin_profiles().unwrap_or_default()));

fuzz_target!(|bytes: &[u8]| {
    contained::tolerate_contained_calamine_panics();
    let _ = sentei_exchange::sheet::import("fuzz.xlsx", bytes, &CATALOG);
});
