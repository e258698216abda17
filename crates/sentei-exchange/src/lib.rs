//! sentei-exchange: files in and out of sentei, in the layouts people already use.
//!
//! The ledger as CSV that Excel opens correctly, ledgers kept elsewhere read in, and check
//! sheets as Excel workbooks, written and read back defensively; users as a file for the April
//! transfers.

pub mod audit_csv;
pub mod ledger_csv;
pub mod ledger_import;
pub mod ledger_xlsx;
pub mod sheet;
mod untrusted;
pub mod users_file;
