//! Any text as a municipality's profile file: problems named, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sentei_core::Profile;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = Profile::from_yaml(text);
    }
});
