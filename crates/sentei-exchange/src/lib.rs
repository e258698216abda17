//! sentei-exchange: files in and out of sentei, in the layouts people already use.
//!
//! The ledger as CSV that Excel opens correctly, and check sheets as Excel workbooks, written
//! and read back defensively.

pub mod ledger_csv;
pub mod ledger_xlsx;
pub mod sheet;
