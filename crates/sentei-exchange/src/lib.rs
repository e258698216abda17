//! sentei-exchange: files in and out of sentei, in the layouts people already use.
//!
//! Today: the ledger as CSV that Excel opens correctly. Check sheets (.xlsx) and printable
//! reports come with issue #5.

pub mod ledger_csv;
