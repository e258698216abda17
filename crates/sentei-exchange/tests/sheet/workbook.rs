//! Test helpers: the examples, and workbooks read into plain cells and written back with
//! edits, as a person or another program would leave them.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Workbook, Worksheet};
use sentei_core::{Assessment, Catalog, builtin_profiles};
use sentei_exchange::sheet::{self, Scope, SheetError};

pub const ITEMS: &str = "チェックシート";
pub const META: &str = "sentei";

pub fn catalog() -> Catalog {
    Catalog::new(builtin_profiles().unwrap())
}

/// The example assessment of a profile (examples/PROFILE.yaml).
pub fn example(profile: &str) -> (Catalog, Assessment) {
    let path = format!(
        "{}/../../examples/{profile}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let catalog = catalog();
    let assessment = catalog.parse_assessment(&text).unwrap();
    (catalog, assessment)
}

pub fn export(catalog: &Catalog, assessment: &Assessment, scope: Scope) -> Vec<u8> {
    let profile = catalog.get(&assessment.profile_id).unwrap();
    sheet::export(profile, assessment, scope).unwrap()
}

pub fn import(catalog: &Catalog, bytes: &[u8]) -> Result<Assessment, SheetError> {
    sheet::import("test.xlsx", bytes, catalog).map(|i| i.assessment)
}

/// A sheet's cells as text, row by row from A1.
pub fn cells(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).unwrap();
    let range = workbook.worksheet_range(sheet).unwrap();
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut rows = vec![Vec::new(); first_row as usize];
    for row in range.rows() {
        let mut out = vec![String::new(); first_col as usize];
        out.extend(row.iter().map(|c| match c {
            Data::String(s) => s.clone(),
            Data::Float(f) => format!("{f}"),
            Data::Int(n) => n.to_string(),
            Data::Empty => String::new(),
            other => other.to_string(),
        }));
        rows.push(out);
    }
    rows
}

/// Column of a heading in the items sheet's first row.
pub fn column(rows: &[Vec<String>], heading: &str) -> usize {
    rows[0].iter().position(|h| h == heading).unwrap()
}

/// The row of an item in the items sheet.
pub fn row_of(rows: &[Vec<String>], id: &str) -> usize {
    rows.iter()
        .position(|r| r.get(1).map(String::as_str) == Some(id))
        .unwrap()
}

/// How a rewritten workbook differs from a plain copy.
#[derive(Default)]
pub struct Edits {
    /// A sheet placed before the items sheet, with one cell.
    pub extra_sheet_first: bool,
    /// Empty rows inserted above the heading row.
    pub rows_above: u32,
    /// Cells (row, first col, last col) of the items sheet merged, after the rows above.
    pub merges: Vec<(u32, u16, u16)>,
}

/// Writes the items and meta cells back as a new workbook, as another program would.
pub fn rewrite(items: &[Vec<String>], meta: &[Vec<String>], edits: &Edits) -> Vec<u8> {
    let mut workbook = Workbook::new();
    if edits.extra_sheet_first {
        let extra = workbook.add_worksheet();
        extra.set_name("メモ").unwrap();
        extra
            .write_string(0, 0, "担当者のメモ: 1.12 は確認中")
            .unwrap();
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name(ITEMS).unwrap();
    write_cells(sheet, items, edits.rows_above);
    for &(row, first, last) in &edits.merges {
        let text = items
            .get((row - edits.rows_above) as usize)
            .and_then(|r| r.get(first as usize))
            .cloned()
            .unwrap_or_default();
        let format = rust_xlsxwriter::Format::new();
        sheet
            .merge_range(row, first, row, last, &text, &format)
            .unwrap();
    }
    add_meta(&mut workbook, meta);
    workbook.save_to_buffer().unwrap()
}

/// Writes the non-empty cells of `rows`, starting `rows_above` rows down.
pub fn write_cells(sheet: &mut Worksheet, rows: &[Vec<String>], rows_above: u32) {
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                let r = u32::try_from(r).unwrap() + rows_above;
                sheet
                    .write_string(r, u16::try_from(c).unwrap(), text)
                    .unwrap();
            }
        }
    }
}

/// Adds the hidden sheet with these cells, as the export wrote them.
pub fn add_meta(workbook: &mut Workbook, meta: &[Vec<String>]) {
    let hidden = workbook.add_worksheet();
    hidden.set_name(META).unwrap();
    hidden.set_hidden(true);
    write_cells(hidden, meta, 0);
}

/// The value of a key in the meta sheet's cells.
pub fn meta_value<'a>(meta: &'a mut [Vec<String>], key: &str) -> &'a mut String {
    let row = meta
        .iter()
        .position(|r| r.first().map(String::as_str) == Some(key))
        .unwrap();
    &mut meta[row][1]
}

/// The messages of an import's problems, each with its cell.
pub fn problems(result: Result<Assessment, SheetError>) -> Vec<String> {
    match result {
        Ok(_) => panic!("the sheet was accepted"),
        Err(e) => e.problems.iter().map(ToString::to_string).collect(),
    }
}
