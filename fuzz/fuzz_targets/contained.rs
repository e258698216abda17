//! Shared by the targets that read workbooks: the readers contain panics inside calamine (see
//! `untrusted.rs` in sentei-exchange) and turn them into errors; those are not findings. Any
//! other panic aborts, as libfuzzer expects.

use std::sync::Once;

pub fn tolerate_contained_calamine_panics() {
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
