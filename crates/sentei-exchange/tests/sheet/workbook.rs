//! Test helpers: the examples, and workbooks read into plain cells and written back with
//! edits, as a person or another program would leave them.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Workbook, Worksheet};
use sentei_core::profile::sheet::Show;
use sentei_core::{Assessment, Catalog, Profile, builtin_profiles};
use sentei_exchange::sheet::{self, Scope, SheetError};

pub const ITEMS: &str = "チェックシート";
pub const META: &str = "sentei";

/// The profiles with an example assessment (examples/PROFILE.yaml): the three in their
/// documents' layouts first, then two in the generic one.
pub const EXAMPLES: [&str; 5] = [
    "ward-annex",
    "city-checklist",
    "shunan-2023",
    "procurement-spec",
    "sakai",
];

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

/// An assessment of a profile with no answers and few facts: every item of classification 2
/// is to be answered.
pub fn unanswered(profile: &str) -> (Catalog, Assessment) {
    let catalog = catalog();
    let text = format!(
        "profile: {profile}\nservice: {{ name: 例のSaaS, provider: 例示株式会社 }}\nfacts: {{ classification: \"2\" }}\n"
    );
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

/// The items sheet of a workbook in any profile's layout, its columns found by the
/// profile's headings.
pub struct Table {
    pub rows: Vec<Vec<String>>,
    /// The heading row (0 in the generic layout).
    pub head: usize,
    pub id: usize,
    pub answer: usize,
    pub reason: usize,
    pub evidence: usize,
    pub applies: usize,
    pub text: usize,
}

impl Table {
    pub fn read(bytes: &[u8], profile: &Profile) -> Table {
        let rows = cells(bytes, ITEMS);
        let layout = &profile.sheet;
        let id_heading = layout.heading(Show::Id);
        let head = rows
            .iter()
            .position(|r| r.iter().any(|c| c == id_heading))
            .unwrap();
        let at = |show: Show| {
            rows[head]
                .iter()
                .position(|h| h == layout.heading(show))
                .unwrap_or_else(|| panic!("no {show:?} column in {:?}", rows[head]))
        };
        Table {
            head,
            id: at(Show::Id),
            answer: at(Show::Answer),
            reason: at(Show::Reason),
            evidence: at(Show::Evidence),
            applies: at(Show::Applies),
            text: at(Show::Text),
            rows,
        }
    }

    /// The rows of items, below the headings.
    pub fn items(&self) -> std::ops::Range<usize> {
        self.head + 1..self.rows.len()
    }

    /// The row of an item.
    pub fn row_of(&self, id: &str) -> usize {
        self.items()
            .find(|&r| self.rows[r].get(self.id).map(String::as_str) == Some(id))
            .unwrap()
    }

    /// The rows a person answers: the item applies and the facts do not decide it.
    pub fn open(&self) -> Vec<usize> {
        self.items()
            .filter(|&r| {
                self.rows[r][self.applies].starts_with("適用: ")
                    && self.rows[r][self.answer] != "（事実から判定）"
            })
            .collect()
    }

    /// The rows of items that do not apply.
    pub fn closed(&self) -> Vec<usize> {
        self.items()
            .filter(|&r| self.rows[r][self.applies].starts_with("対象外: "))
            .collect()
    }

    pub fn id_of(&self, row: usize) -> String {
        self.rows[row][self.id].clone()
    }
}

/// A cell's name as Excel shows it, for columns A to Z.
pub fn cell_name(row: usize, col: usize) -> String {
    format!(
        "{}{}",
        char::from(b'A' + u8::try_from(col).unwrap()),
        row + 1
    )
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
