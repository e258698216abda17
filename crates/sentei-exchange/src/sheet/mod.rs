//! Check sheets as Excel workbooks: what vendors and departments fill in today.
//!
//! [`export`] writes an assessment as a workbook: one visible sheet with a row per item in the
//! profile's layout (`Profile::sheet`: its source document's columns and headings, or the
//! generic number, item id, categories, requirement text verbatim, level, whether it applies
//! and why, answer, reason and evidence), the answer, reason and evidence cells the only
//! unlocked ones, and a hidden sheet carrying what the import needs to rebuild the assessment
//! file: the profile and its version, the service and its facts, and a checksum over them.
//!
//! [`import`] reads a filled workbook back into an assessment file of the contract. The file
//! is untrusted: it is checked as a zip archive before any XML is parsed (size, entry count,
//! total uncompressed size, compression ratio, macros; see `guard.rs`), read cell by cell
//! without allocating the sheet's whole range, and formulas are never evaluated (calamine
//! gives the value Excel or LibreOffice cached). Columns are found by their headings (the
//! layout's or the generic ones) and items matched by id, not by row, so moved rows, extra
//! sheets and merged cells do not matter; every problem names its cell.

mod export;
pub(crate) mod guard;
mod import;
pub(crate) mod layout;

pub use export::{Scope, export};
pub use guard::MAX_FILE_BYTES;
pub use import::{Imported, import};

use std::fmt;

/// A problem with a sheet, named by its cell when it has one (`チェックシート!G12`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetProblem {
    pub cell: Option<String>,
    pub message: String,
}

impl SheetProblem {
    fn file(message: impl Into<String>) -> SheetProblem {
        SheetProblem {
            cell: None,
            message: message.into(),
        }
    }

    fn at(sheet: &str, row: u32, col: u16, message: impl Into<String>) -> SheetProblem {
        SheetProblem {
            cell: Some(format!("{sheet}!{}", layout::cell_name(row, col))),
            message: message.into(),
        }
    }
}

impl fmt::Display for SheetProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cell {
            Some(cell) => write!(f, "{cell}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Every problem found; nothing was produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetError {
    pub problems: Vec<SheetProblem>,
}

impl SheetError {
    fn one(problem: SheetProblem) -> SheetError {
        SheetError {
            problems: vec![problem],
        }
    }
}

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, problem) in self.problems.iter().enumerate() {
            if n > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SheetError {}
