//! Ledgers kept before sentei, read in: a CSV file or an Excel workbook laid out as the
//! department keeps it, turned into ledger entries (ア)–(キ).
//!
//! The heading row is found among the first rows (a title above it is fine) and its columns
//! are recognized by their wording (`columns.rs`); dates may be western or 和暦 (`dates.rs`).
//! Every row is read independently: a row that cannot be read is reported with its place and
//! every reason, and the others are still shown, so one dry run lists everything to fix.
//! Nothing is stored here; the store applies the rows all or nothing.

mod columns;
mod dates;
pub(crate) mod table;

use std::collections::HashMap;
use std::fmt;

use sentei_core::facts::CLASSIFICATIONS;
use sentei_core::ledger::{EntryIdentity, ImportedEntry, LedgerFields, MAX_IMPORTED_ENTRIES};

pub use columns::{Field, recognize};
pub use dates::{parse_date, parse_period};
pub use table::MAX_FILE_BYTES;

use crate::sheet::layout::normalize;
use columns::Columns;
use table::Table;

/// How many rows from the top the heading row is looked for in.
const HEADING_SEARCH_ROWS: usize = 30;

/// Something that keeps a row (or the file) from being read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub place: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// A column of the heading row and what it was read as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnUse {
    pub place: String,
    pub heading: String,
    /// The field read from it, or why it is not read.
    pub read_as: Result<&'static str, &'static str>,
}

/// What a ledger file holds: the rows that can be read and every one that cannot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerFile {
    /// The entries the readable rows would create, in file order.
    pub rows: Vec<ImportedEntry>,
    pub problems: Vec<Problem>,
    pub columns: Vec<ColumnUse>,
}

/// The file as a whole cannot be read (not a ledger, too large, no heading row…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl FileError {
    fn of(place: &str, message: impl Into<String>) -> FileError {
        FileError {
            problems: vec![Problem {
                place: place.to_owned(),
                message: message.into(),
            }],
        }
    }
}

/// Reads a ledger file (CSV or .xlsx, told apart by content); `name` is the file's name, for
/// messages. Never panics, whatever the bytes.
pub fn read(name: &str, bytes: &[u8]) -> Result<LedgerFile, FileError> {
    let table = table::read(name, bytes).map_err(|message| FileError::of(name, message))?;
    let Some((heading_row, columns)) = heading_row(&table) else {
        return Err(FileError::of(
            name,
            "見出しの行が見つかりません。先頭の行に「(ア) 外部サービスの名称」「(イ) 外部サービス提供者の名称」などの見出しを置いてください",
        ));
    };
    let missing = columns.missing();
    if !missing.is_empty() {
        return Err(FileError::of(
            &table.row_place(heading_row),
            format!(
                "見出しに次の項目にあたる列がありません: {}",
                missing.join("、")
            ),
        ));
    }
    let mut file = LedgerFile {
        rows: Vec::new(),
        problems: Vec::new(),
        columns: column_uses(&table, heading_row, &columns),
    };
    let mut seen: HashMap<EntryIdentity, String> = HashMap::new();
    for (&row, cells) in table.rows.range(heading_row + 1..) {
        match entry_of(&table, row, cells, &columns) {
            Ok(imported) => {
                let key = imported.fields.identity();
                if let Some(first) = seen.get(&key) {
                    file.problems.push(Problem {
                        place: imported.place,
                        message: format!(
                            "{first} と同じ項目です（名称・提供者・開始日・所属が同じ）"
                        ),
                    });
                } else {
                    seen.insert(key, imported.place.clone());
                    file.rows.push(imported);
                }
            }
            Err(problems) => file.problems.extend(problems),
        }
        if file.rows.len() > MAX_IMPORTED_ENTRIES {
            return Err(FileError::of(
                name,
                format!(
                    "項目が多すぎます（1 回に {MAX_IMPORTED_ENTRIES} 件まで取り込めます。ファイルを分けてください）"
                ),
            ));
        }
    }
    if file.rows.is_empty() && file.problems.is_empty() {
        return Err(FileError::of(
            &table.row_place(heading_row),
            "見出しの下に台帳の項目がありません",
        ));
    }
    Ok(file)
}

/// The first row near the top whose headings name the service and two other fields.
fn heading_row(table: &Table) -> Option<(u32, Columns)> {
    table
        .rows
        .iter()
        .take(HEADING_SEARCH_ROWS)
        .map(|(row, cells)| (*row, Columns::from_headings(cells)))
        .find(|(_, columns)| columns.looks_like_heading())
}

fn column_uses(table: &Table, row: u32, columns: &Columns) -> Vec<ColumnUse> {
    let cells = table.rows.get(&row).map(Vec::as_slice).unwrap_or_default();
    let mut uses: Vec<(usize, ColumnUse)> = columns
        .fields
        .iter()
        .map(|(col, field)| (*col, Ok(field.label())))
        .chain(columns.unread.iter().map(|(col, _, why)| (*col, Err(*why))))
        .map(|(col, read_as)| {
            let col16 = u16::try_from(col).unwrap_or(u16::MAX);
            let heading = cells.get(col).cloned().unwrap_or_default();
            (
                col,
                ColumnUse {
                    place: table.place(row, col16),
                    heading: heading.trim().to_owned(),
                    read_as,
                },
            )
        })
        .collect();
    uses.sort_by_key(|(col, _)| *col);
    uses.into_iter().map(|(_, u)| u).collect()
}

/// One row as an entry, or every problem it has.
fn entry_of(
    table: &Table,
    row: u32,
    cells: &[String],
    columns: &Columns,
) -> Result<ImportedEntry, Vec<Problem>> {
    let mut problems = Vec::new();
    let place = |col: usize| table.place(row, u16::try_from(col).unwrap_or(u16::MAX));
    for ((_, col), message) in table.bad_cells.range((row, 0)..=(row, u16::MAX)) {
        problems.push(Problem {
            place: place(usize::from(*col)),
            message: message.clone(),
        });
    }
    let cell = |field: Field| -> Option<(usize, String)> {
        let col = columns.of(field)?;
        Some((col, cells.get(col).map_or_else(String::new, |c| text(c))))
    };
    let text_of = |field: Field| cell(field).map(|(_, t)| t).unwrap_or_default();
    let date_of = |field: Field, problems: &mut Vec<Problem>| {
        let (col, text) = cell(field)?;
        dates::parse_date(&text)
            .map_err(|message| {
                problems.push(Problem {
                    place: place(col),
                    message: format!("{}: {message}", field.label()),
                })
            })
            .ok()
    };
    let period = match (
        columns
            .of(Field::PeriodStart)
            .zip(columns.of(Field::PeriodEnd)),
        cell(Field::Period),
    ) {
        (Some(_), _) => {
            let start = date_of(Field::PeriodStart, &mut problems);
            let end = date_of(Field::PeriodEnd, &mut problems);
            start.zip(end)
        }
        (None, Some((col, text))) => dates::parse_period(&text)
            .map_err(|message| {
                problems.push(Problem {
                    place: place(col),
                    message: format!("{}: {message}", Field::Period.label()),
                })
            })
            .ok(),
        (None, None) => None,
    };
    let (department, name) = match cell(Field::Applicant) {
        Some((col, text)) if columns.of(Field::Department).is_none() => {
            match text.split_once(char::is_whitespace) {
                Some((d, n)) => (d.trim().to_owned(), n.trim().to_owned()),
                None if text.is_empty() => (String::new(), String::new()),
                None => {
                    problems.push(Problem {
                        place: place(col),
                        message: format!(
                            "{}: 「{text}」の所属と氏名を空白で区切ってください（例: 市民課 周南太郎）",
                            Field::Applicant.label()
                        ),
                    });
                    (text.clone(), String::new())
                }
            }
        }
        _ => (text_of(Field::Department), text_of(Field::Name)),
    };
    let abolished = match cell(Field::Status) {
        Some((col, status)) => match normalize(&status).as_str() {
            // 期限切れ is how sentei's own export marks an entry in use past its period.
            "" | "利用中" | "使用中" | "有効" | "運用中" | "期限切れ" => false,
            "廃止" | "廃止済" | "廃止済み" => true,
            _ => {
                problems.push(Problem {
                    place: place(col),
                    message: format!("状態「{status}」は「利用中」か「廃止」にしてください"),
                });
                false
            }
        },
        None => false,
    };
    let Some((period_start, period_end)) = period else {
        return Err(problems);
    };
    let fields = LedgerFields {
        service_name: text_of(Field::ServiceName),
        provider: text_of(Field::Provider),
        purpose: text_of(Field::Purpose),
        classification: classification(&text_of(Field::Classification)),
        period_start,
        period_end,
        applicant_department: department,
        applicant_name: name,
        user_scope: text_of(Field::UserScope),
    };
    if let Err(sentei_core::ledger::LedgerRefusal::Invalid { problems: invalid }) =
        fields.validate()
    {
        problems.extend(invalid.into_iter().map(|p| Problem {
            place: table.row_place(row),
            message: p.message,
        }));
    }
    if problems.is_empty() {
        Ok(ImportedEntry {
            place: table.row_place(row),
            fields,
            abolished,
        })
    } else {
        Err(problems)
    }
}

/// A cell's text, trimmed, line ends as LF whatever the file used, without the apostrophe an
/// export put before a leading = + - @.
fn text(cell: &str) -> String {
    let cell = cell.trim().replace("\r\n", "\n");
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_owned(),
        _ => cell,
    }
}

/// The classification as the ledger names it (機密性2, 機密性3A…) when it is one of the
/// standard's, however written (２, 機密性２, 3a); otherwise as written.
fn classification(text: &str) -> String {
    let key = normalize(text).to_uppercase();
    let key = key.strip_prefix("機密性").unwrap_or(&key);
    CLASSIFICATIONS
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(key))
        .map_or_else(|| text.to_owned(), |c| c.label.to_owned())
}
