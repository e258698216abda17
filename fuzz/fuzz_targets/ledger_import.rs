//! Any bytes as an existing ledger to read in (CSV in any encoding, or .xlsx): the rows and
//! their problems, or a clear error, never a panic or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod contained;

fuzz_target!(|bytes: &[u8]| {
    contained::tolerate_contained_calamine_panics();
    if let Ok(file) = sentei_exchange::ledger_import::read("fuzz.csv", bytes) {
        // What the dry run shows must be printable: every row valid, every problem placed.
        for row in &file.rows {
            assert!(row.fields.validate().is_ok(), "an invalid row was accepted");
        }
        for problem in &file.problems {
            assert!(!problem.place.is_empty() && !problem.message.is_empty());
        }
    }
});
