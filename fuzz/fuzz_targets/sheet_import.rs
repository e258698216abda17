//! Any bytes as an uploaded check sheet: a clear error or an assessment, never a panic or an
//! unbounded allocation.
#![no_main]

use std::sync::{LazyLock, Once};

use libfuzzer_sys::fuzz_target;
use sentei_core::{Catalog, builtin_profiles};

static CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| Catalog::new(builtin_profiles().unwrap_or_default()));

/// The importer contains panics inside calamine (see `contained` in the importer) and turns
/// them into errors; those are not findings. Any other panic aborts, as libfuzzer expects.
fn tolerate_contained_calamine_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let in_calamine = info
                .location()
                .is_some_and(|l| l.file().contains("/calamine-"));
            if !in_calamine {
                eprintln!("{info}");
                std::process::abort();
            }
        }));
    });
}

fuzz_target!(|bytes: &[u8]| {
    tolerate_contained_calamine_panics();
    let _ = sentei_exchange::sheet::import("fuzz.xlsx", bytes, &CATALOG);
});
