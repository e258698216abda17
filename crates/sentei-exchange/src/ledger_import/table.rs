//! A ledger file as a table of text cells: CSV (UTF-8 with or without a byte-order mark,
//! Shift_JIS/CP932, or UTF-16 as Excel's "Unicode text"; commas or tabs) or an .xlsx workbook
//! (checked as a zip archive first, read cell by cell, formulas never evaluated).

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};

use crate::sheet::layout::cell_name;
use crate::untrusted::contained;

/// Largest ledger file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Most rows read (headings and title rows included).
pub const MAX_ROWS: u32 = 20_000;
/// Most columns read.
pub const MAX_COLS: u16 = 64;

/// The cells of a file, by row; what a cell could not give is kept as a problem for its row.
#[derive(Debug, Default)]
pub struct Table {
    /// The sheet read, for a workbook; names cells as `台帳!C5`.
    pub sheet: Option<String>,
    /// Rows by 0-based row number; each row's cells by 0-based column.
    pub rows: BTreeMap<u32, Vec<String>>,
    /// Cells whose value could not be read (an error value), by (row, column).
    pub bad_cells: BTreeMap<(u32, u16), String>,
}

impl Table {
    /// Where a cell is, as people find it: `台帳!F5` in a workbook, `5行目 F列` in a CSV file.
    pub fn place(&self, row: u32, col: u16) -> String {
        let name = cell_name(row, col);
        match &self.sheet {
            Some(sheet) => format!("{sheet}!{name}"),
            None => {
                let letters = name.trim_end_matches(|c: char| c.is_ascii_digit());
                format!("{}行目 {letters}列", u64::from(row) + 1)
            }
        }
    }

    /// Where a row is: `台帳 5行目` or `5行目`.
    pub fn row_place(&self, row: u32) -> String {
        match &self.sheet {
            Some(sheet) => format!("{sheet} {}行目", u64::from(row) + 1),
            None => format!("{}行目", u64::from(row) + 1),
        }
    }
}

/// The file as a table; `Err` with a Japanese message naming the file when it cannot be read.
pub fn read(name: &str, bytes: &[u8]) -> Result<Table, String> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{name} は大きすぎます（{} バイト。上限は {MAX_FILE_BYTES} バイトです）",
            bytes.len()
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return workbook(name, bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(format!(
            "{name} は古い Excel 形式（.xls）です。Excel で「Excel ブック（.xlsx）」か CSV として保存し直してください"
        ));
    }
    csv_table(name, &decode(name, bytes)?)
}

/// The text of a CSV file in whichever encoding it was saved.
fn decode(name: &str, bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec()).map_err(|e| {
            format!(
                "{name} は UTF-8 の印がありますが、{} バイト目が UTF-8 として読めません",
                e.utf8_error().valid_up_to() + 4
            )
        });
    }
    for (bom, encoding) in [
        (&[0xFF, 0xFE][..], encoding_rs::UTF_16LE),
        (&[0xFE, 0xFF][..], encoding_rs::UTF_16BE),
    ] {
        if bytes.starts_with(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[2..]);
            if had_errors {
                return Err(format!("{name} は UTF-16 として読めない部分があります"));
            }
            return Ok(text.into_owned());
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(format!(
            "{name} の文字コードを判別できません（UTF-8 でも Shift_JIS でもありません）。Excel で「CSV UTF-8」として保存し直してください"
        ));
    }
    Ok(text.into_owned())
}

fn csv_table(name: &str, text: &str) -> Result<Table, String> {
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut table = Table::default();
    let mut record = csv::StringRecord::new();
    // The row as a spreadsheet shows it: the csv reader skips blank lines, a spreadsheet
    // does not, and a quoted cell spanning lines is still one row.
    let mut row: u32 = 0;
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            format!(
                "{name} の {}行目を CSV として読めません（{e}）",
                u64::from(row) + 1
            )
        })?;
        if !more {
            break;
        }
        // A record's position is where the reader began looking for it, before the blank
        // lines it skipped.
        let start = record.position().map_or(0, |p| p.byte());
        let start = usize::try_from(start).unwrap_or(usize::MAX);
        let blank_lines = blank_lines_at(text.as_bytes(), start);
        let skipped = u32::try_from(blank_lines).unwrap_or(u32::MAX);
        row = row.saturating_add(skipped);
        if row >= MAX_ROWS {
            return Err(format!(
                "{name} は行が多すぎます（{MAX_ROWS} 行まで読み込めます）"
            ));
        }
        if record.len() > usize::from(MAX_COLS) {
            return Err(format!(
                "{name} の {}行目は列が多すぎます（{} 列。{MAX_COLS} 列まで読み込めます）",
                u64::from(row) + 1,
                record.len()
            ));
        }
        if record.iter().any(|cell| !cell.trim().is_empty()) {
            table
                .rows
                .insert(row, record.iter().map(str::to_owned).collect());
        }
        row = row.saturating_add(1);
    }
    Ok(table)
}

/// How many blank lines begin at `start`: line ends in a row, a CR LF counted once, and the
/// LF of a CR LF whose CR ended the line before not counted at all.
fn blank_lines_at(text: &[u8], start: usize) -> usize {
    let run = text.get(start..).unwrap_or_default();
    let run = &run[..run
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .unwrap_or(run.len())];
    let run = match (start.checked_sub(1).and_then(|i| text.get(i)), run.first()) {
        (Some(b'\r'), Some(b'\n')) => &run[1..],
        _ => run,
    };
    run.iter()
        .enumerate()
        .filter(|(i, b)| match b {
            b'\n' => *i == 0 || run[i - 1] != b'\r',
            _ => true,
        })
        .count()
}

/// The ledger's sheet of a workbook: the first whose name has 台帳 in it, else the first.
fn workbook(name: &str, bytes: &[u8]) -> Result<Table, String> {
    let checked = crate::sheet::guard::check(name, bytes).map_err(|e| e.to_string())?;
    let unreadable = |e: &dyn std::fmt::Display| {
        format!("{name} は Excel ブック（.xlsx）として読めません（{e}）")
    };
    let crashed =
        |_| format!("{name} は Excel ブック（.xlsx）として読めません（内部の形式が壊れています）");
    let mut book: Xlsx<_> = contained(|| Xlsx::new(Cursor::new(bytes)))
        .map_err(crashed)?
        .map_err(|e| unreadable(&e))?;
    let names = book.sheet_names();
    let Some(sheet) = names
        .iter()
        .find(|n| n.contains("台帳"))
        .or_else(|| names.first())
        .cloned()
    else {
        return Err(format!("{name} にシートがありません"));
    };
    let mut table = Table {
        sheet: Some(sheet.clone()),
        ..Table::default()
    };
    let mut reader = contained(|| book.worksheet_cells_reader(&sheet))
        .map_err(crashed)?
        .map_err(|e| unreadable(&e))?;
    let mut budget = crate::sheet::guard::CellBudget::default();
    let mut formulas = crate::untrusted::Formulas::default();
    while let Some(cell) = contained(|| reader.next_cell_with_formula_metadata())
        .map_err(crashed)?
        .map_err(|e| unreadable(&e))?
    {
        budget.take(name)?;
        let (row, col) = cell.pos;
        let value = &cell.value;
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        // A cell whose value came from another workbook makes its row unreadable, by its
        // cell; rows above the headings are not imported, so one there changes nothing.
        if row < MAX_ROWS
            && col < MAX_COLS
            && let Some(message) = formulas.elsewhere(cell.formula.as_ref())
        {
            table.bad_cells.insert((row, col), message);
        }
        if matches!(value, DataRef::Empty) {
            continue;
        }
        if row >= MAX_ROWS || col >= MAX_COLS {
            return Err(format!(
                "{sheet}!{}: シートが大きすぎます（台帳は {MAX_ROWS} 行・{MAX_COLS} 列まで読み込めます）",
                cell_name(row.min(MAX_ROWS), col.min(MAX_COLS))
            ));
        }
        let text = match crate::untrusted::cell_text(value) {
            Ok(text) => text,
            Err(message) => {
                table.bad_cells.insert((row, col), message);
                String::new()
            }
        };
        let cells = table.rows.entry(row).or_default();
        let at = usize::from(col);
        if cells.len() <= at {
            cells.resize(at + 1, String::new());
        }
        cells[at] = text;
    }
    if checked.external_links && !formulas.found {
        return Err(crate::untrusted::linked_elsewhere(name));
    }
    Ok(table)
}
