//! Reading a filled check sheet back into an assessment file, all or nothing.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use sentei_core::judgement::AnswerStatus;
use sentei_core::profile::SheetLayout;
use sentei_core::profile::sheet::Show;
use sentei_core::{Assessment, Catalog};
use serde_json::{Map, Value, json};

use super::layout::{self, *};
use super::{SheetError, SheetProblem, guard};

/// Rows and columns beyond these are not a check sheet: refused before reading further.
const MAX_ROWS: u32 = 10_000;
const MAX_COLS: u16 = 64;

/// A sheet read back: the assessment file it makes, and that file checked.
#[derive(Debug)]
pub struct Imported {
    /// The assessment file of the contract (JSON, which is also YAML).
    pub document: Value,
    /// The same, read by the contract's validator.
    pub assessment: Assessment,
    /// How many items' answers the sheet carried.
    pub answered: usize,
}

/// Reads a filled workbook (`name` is the file's name, for messages) against the catalog.
pub fn import(name: &str, bytes: &[u8], catalog: &Catalog) -> Result<Imported, SheetError> {
    let checked = guard::check(name, bytes)?;
    let mut workbook = contained(|| Xlsx::new(Cursor::new(bytes)))?.map_err(|e| {
        SheetError::one(SheetProblem::file(format!(
            "{name} は Excel ブック（.xlsx）として読めません（{e}）"
        )))
    })?;
    let meta = read_meta(&mut workbook)?;
    let base = check_meta(&meta, catalog)?;
    let open: Vec<&str> = meta
        .get(KEY_ITEMS)
        .map(|ids| ids.lines().filter(|l| !l.is_empty()).collect())
        .unwrap_or_default();
    let cells = read_items(name, &mut workbook, &base.profile.sheet, checked)?;
    let (answers, rows_of) = answers_of(&cells, &open, &base)?;
    let answered = answers.len();
    let document = with_answers(base.document, answers);
    match catalog.parse_assessment(&document.to_string()) {
        Ok(assessment) => Ok(Imported {
            document,
            assessment,
            answered,
        }),
        Err(error) => Err(SheetError {
            problems: error
                .problems
                .iter()
                .map(|p| problem_at_item(p, &rows_of, cells.columns[ANSWER]))
                .collect(),
        }),
    }
}

/// Runs a call into calamine, turning a panic inside it into a clear error (see
/// `untrusted.rs`).
fn contained<T>(call: impl FnOnce() -> T) -> Result<T, SheetError> {
    crate::untrusted::contained(call).map_err(|()| {
        SheetError::one(SheetProblem::file(
            "ファイルの内部構造に矛盾があるため読めません。Excel で開いて保存し直してから、もう一度お試しください",
        ))
    })
}

/// What the hidden sheet says, checked: the profile exists in this version, and nothing was
/// changed since it was written.
struct Base<'c> {
    document: Value,
    profile: &'c sentei_core::Profile,
}

fn read_meta(workbook: &mut Xlsx<Cursor<&[u8]>>) -> Result<HashMap<String, String>, SheetError> {
    let not_ours = || {
        SheetError::one(SheetProblem::file(
            "sentei が書き出したチェックシートではありません（隠しシート sentei がありません）。sentei からチェックシートを書き出して、それに記入してください",
        ))
    };
    if !workbook.sheet_names().iter().any(|n| n == META_SHEET) {
        return Err(not_ours());
    }
    let mut reader =
        contained(|| workbook.worksheet_cells_reader(META_SHEET))?.map_err(|_| not_ours())?;
    let mut by_row: BTreeMap<u32, (String, String)> = BTreeMap::new();
    let mut seen = 0usize;
    while let Some(cell) = contained(|| reader.next_cell())?.map_err(|_| not_ours())? {
        let (row, col) = cell.get_position();
        seen += 1;
        if row > 50 || col > 2 || seen > 200 {
            return Err(SheetError::one(SheetProblem::file(
                "隠しシート sentei が書き換えられています。sentei から書き出し直してください",
            )));
        }
        let text = crate::untrusted::cell_text(cell.get_value()).unwrap_or_default();
        let slot = by_row.entry(row).or_default();
        match col {
            0 => slot.0 = text,
            1 => slot.1 = text,
            _ => {}
        }
    }
    Ok(by_row
        .into_values()
        .filter(|(k, _)| !k.is_empty())
        .collect())
}

fn check_meta<'c>(
    meta: &HashMap<String, String>,
    catalog: &'c Catalog,
) -> Result<Base<'c>, SheetError> {
    let refuse = |message: String| Err(SheetError::one(SheetProblem::file(message)));
    let get = |key: &str| meta.get(key).map(String::as_str).unwrap_or("");
    if get(KEY_FORMAT) != FORMAT {
        return refuse(format!(
            "このチェックシートの形式（{}）は読めません。sentei から書き出し直してください",
            get(KEY_FORMAT)
        ));
    }
    let (profile_id, version) = (get(KEY_PROFILE), get(KEY_VERSION));
    let expected = layout::checksum(profile_id, version, get(KEY_BASE), get(KEY_ITEMS));
    if get(KEY_CHECKSUM) != expected {
        return refuse(
            "隠しシート sentei が書き換えられています（検査値が合いません）。sentei から書き出し直してください"
                .to_owned(),
        );
    }
    let Some(profile) = catalog.get(profile_id) else {
        return refuse(format!(
            "このチェックシートは基準 {profile_id} のものですが、その基準はありません"
        ));
    };
    if profile.version != version {
        return refuse(format!(
            "このチェックシートは基準 {profile_id} の版 {version} のものです。現在の版は {} です。新しい版で書き出し直してください",
            profile.version
        ));
    }
    let document: Value = serde_json::from_str(get(KEY_BASE)).map_err(|e| {
        SheetError::one(SheetProblem::file(format!(
            "隠しシート sentei の評価を読めません（{e}）"
        )))
    })?;
    Ok(Base { document, profile })
}

/// The cells of the items sheet that matter: by row, the texts of the id, answer, reason and
/// evidence columns, found by their headings.
struct ItemCells {
    rows: BTreeMap<u32, [Option<String>; 4]>,
    columns: [u16; 4],
}

/// Positions in [`ItemCells`]' arrays, as in [`Show::READ`].
const ID: usize = 0;
const ANSWER: usize = 1;

/// The heading row as it is being read: for each column read back, the columns whose heading
/// it may have, with the preference of that heading (0 is the generic one).
struct HeadingRow {
    row: u32,
    found: [Vec<(usize, u16)>; 4],
}

impl HeadingRow {
    /// The column of each heading, the preferred heading where several are there.
    fn columns(&self, layout: &SheetLayout) -> Result<[u16; 4], SheetError> {
        let mut columns = [0u16; 4];
        for (k, found) in self.found.iter().enumerate() {
            match found.iter().min() {
                Some(&(_, c)) => columns[k] = c,
                None => {
                    let heading = layout.heading(Show::READ[k]);
                    return Err(SheetError::one(SheetProblem::at(
                        ITEMS_SHEET,
                        self.row,
                        0,
                        format!("見出しの行に「{heading}」の列がありません"),
                    )));
                }
            }
        }
        Ok(columns)
    }
}

fn read_items(
    name: &str,
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    layout: &SheetLayout,
    checked: guard::Checked,
) -> Result<ItemCells, SheetError> {
    if !workbook.sheet_names().iter().any(|n| n == ITEMS_SHEET) {
        return Err(SheetError::one(SheetProblem::file(format!(
            "シート「{ITEMS_SHEET}」がありません（あるシート: {}）",
            workbook.sheet_names().join("、")
        ))));
    }
    let unreadable = |e: calamine::XlsxError| {
        SheetError::one(SheetProblem::file(format!(
            "シート「{ITEMS_SHEET}」を読めません（{e}）"
        )))
    };
    let mut reader =
        contained(|| workbook.worksheet_cells_reader(ITEMS_SHEET))?.map_err(unreadable)?;
    let headings: [Vec<String>; 4] = Show::READ.map(|show| {
        layout
            .read_headings(show)
            .into_iter()
            .map(layout::normalize)
            .collect()
    });
    let heading_of = |text: &str| -> Vec<(usize, usize)> {
        let text = layout::normalize(text);
        let mut found = Vec::new();
        for (k, accepted) in headings.iter().enumerate() {
            if let Some(preference) = accepted.iter().position(|h| *h == text) {
                found.push((k, preference));
            }
        }
        found
    };
    let mut header: Option<HeadingRow> = None;
    // The cells of the current row while the heading row is not yet found.
    let mut before: Vec<(u32, u16, String)> = Vec::new();
    let mut columns: Option<[u16; 4]> = None;
    let mut rows: BTreeMap<u32, [Option<String>; 4]> = BTreeMap::new();
    let mut budget = guard::CellBudget::default();
    let mut formulas = crate::untrusted::Formulas::default();
    let mut elsewhere = Vec::new();
    while let Some(cell) =
        contained(|| reader.next_cell_with_formula_metadata())?.map_err(unreadable)?
    {
        budget
            .take(name)
            .map_err(|message| SheetError::one(SheetProblem::file(message)))?;
        let (row, col) = cell.pos;
        let value = &cell.value;
        let col16 = u16::try_from(col).unwrap_or(u16::MAX);
        if let Some(message) = formulas.elsewhere(cell.formula.as_ref()) {
            elsewhere.push(SheetProblem::at(ITEMS_SHEET, row, col16, message));
            continue;
        }
        if matches!(value, DataRef::Empty) {
            continue;
        }
        if row >= MAX_ROWS || col16 >= MAX_COLS {
            return Err(SheetError::one(SheetProblem::at(
                ITEMS_SHEET,
                row,
                col16,
                format!(
                    "シートが大きすぎます（チェックシートは {MAX_ROWS} 行・{MAX_COLS} 列までです）"
                ),
            )));
        }
        let text = match crate::untrusted::cell_text(value) {
            Ok(text) => text,
            Err(message) => {
                return Err(SheetError::one(SheetProblem::at(
                    ITEMS_SHEET,
                    row,
                    col16,
                    message,
                )));
            }
        };
        // The heading row is the first with an id column's heading; the other headings sit
        // beside it, on either side. Rows above it (fields, group headings) are not read.
        if header.is_none() {
            if before.first().is_some_and(|(r, _, _)| *r != row) {
                before.clear();
            }
            if heading_of(&text).iter().any(|(k, _)| *k == ID) {
                let mut found: [Vec<(usize, u16)>; 4] = Default::default();
                for (_, c, earlier) in before.drain(..) {
                    for (k, preference) in heading_of(&earlier) {
                        found[k].push((preference, c));
                    }
                }
                header = Some(HeadingRow { row, found });
            } else {
                before.push((row, col16, text));
                continue;
            }
        }
        let Some(heading_row) = &mut header else {
            continue;
        };
        if heading_row.row == row {
            for (k, preference) in heading_of(&text) {
                heading_row.found[k].push((preference, col16));
            }
            continue;
        }
        let columns = match columns {
            Some(columns) => columns,
            None => *columns.insert(heading_row.columns(layout)?),
        };
        if let Some(k) = columns.iter().position(|c| *c == col16) {
            rows.entry(row).or_default()[k] = Some(text);
        }
    }
    if !elsewhere.is_empty() {
        return Err(SheetError {
            problems: elsewhere,
        });
    }
    if checked.external_links && !formulas.found {
        return Err(SheetError::one(SheetProblem::file(
            crate::untrusted::linked_elsewhere(name),
        )));
    }
    let Some(heading_row) = header else {
        return Err(SheetError::one(SheetProblem::file(format!(
            "シート「{ITEMS_SHEET}」に見出し「{}」の行がありません",
            layout.heading(Show::Id)
        ))));
    };
    let columns = match columns {
        Some(columns) => columns,
        None => heading_row.columns(layout)?,
    };
    Ok(ItemCells { rows, columns })
}

/// The answers the sheet carries, by item id, in sheet order.
type Answers = Vec<(String, Value)>;
/// The row each item was found on.
type RowsOf = HashMap<String, u32>;

/// The answers of the open items, and the row each was found on.
fn answers_of(
    cells: &ItemCells,
    open: &[&str],
    base: &Base<'_>,
) -> Result<(Answers, RowsOf), SheetError> {
    let layout = &base.profile.sheet;
    let open_by_key: HashMap<String, &str> =
        open.iter().map(|id| (layout::normalize(id), *id)).collect();
    let known: HashMap<String, &str> = base
        .profile
        .items
        .iter()
        .map(|i| i.id.as_str())
        .chain(
            base.document["extra_items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["id"].as_str()),
        )
        .map(|id| (layout::normalize(id), id))
        .collect();
    let mut problems = Vec::new();
    let mut answers = Vec::new();
    let mut rows_of: HashMap<String, u32> = HashMap::new();
    let at = |row: u32, k: usize, message: String| {
        SheetProblem::at(ITEMS_SHEET, row, cells.columns[k], message)
    };
    for (&row, values) in &cells.rows {
        let [id, answer, reason, evidence] = values
            .clone()
            .map(|v| v.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()));
        let Some(id) = id else {
            if answer.is_some() || reason.is_some() || evidence.is_some() {
                problems.push(at(
                    row,
                    ID,
                    "項目番号がありません。行を動かしたときは項目番号も一緒に動かしてください"
                        .to_owned(),
                ));
            }
            continue;
        };
        let key = layout::normalize(&id);
        let Some(&item) = open_by_key.get(&key) else {
            match known.get(&key) {
                Some(item) => {
                    let typed = answer.as_deref().filter(|a| *a != FROM_FACTS);
                    if typed.is_some() || reason.is_some() || evidence.is_some() {
                        problems.push(at(row, ANSWER, format!(
                            "項目 {item} は事実から判定されるか、対象外のため、ここでは回答できません"
                        )));
                    }
                }
                None => problems.push(at(
                    row,
                    ID,
                    format!("項目番号 `{id}` は基準 {} にありません", base.profile.id),
                )),
            }
            continue;
        };
        if let Some(first) = rows_of.insert(item.to_owned(), row) {
            problems.push(at(
                row,
                ID,
                format!(
                    "項目 {item} が 2 回あります（{} 行目にもあります）",
                    u64::from(first) + 1
                ),
            ));
            continue;
        }
        let status = match answer.as_deref() {
            None => None,
            Some(typed) => match layout.parse_answer(typed) {
                Some(status) => Some(status),
                None => {
                    problems.push(at(
                        row,
                        ANSWER,
                        format!(
                            "回答「{typed}」は選べません（{}のいずれか）",
                            layout.labels().join("・")
                        ),
                    ));
                    continue;
                }
            },
        };
        if status.is_none() && reason.is_none() && evidence.is_none() {
            continue;
        }
        let mut value = Map::new();
        value.insert(
            "status".to_owned(),
            status_code(status.unwrap_or(AnswerStatus::Unanswered)),
        );
        if let Some(reason) = reason {
            value.insert("reason".to_owned(), Value::String(reason));
        }
        if let Some(evidence) = evidence {
            value.insert("evidence".to_owned(), Value::String(evidence));
        }
        answers.push((item.to_owned(), Value::Object(value)));
    }
    for id in open {
        if !rows_of.contains_key(*id) {
            problems.push(SheetProblem::file(format!(
                "項目 {id} の行がシート「{ITEMS_SHEET}」にありません。行を消さずに、回答を「未回答」にしてください"
            )));
        }
    }
    if problems.is_empty() {
        Ok((answers, rows_of))
    } else {
        Err(SheetError { problems })
    }
}

fn status_code(status: AnswerStatus) -> Value {
    serde_json::to_value(status).unwrap_or_else(|_| json!("unanswered"))
}

/// The base document with the sheet's answers added to `answers.items`. A base that is not
/// an object is left as it is: the validator then says what is wrong with it.
fn with_answers(mut document: Value, answers: Vec<(String, Value)>) -> Value {
    if answers.is_empty() {
        return document;
    }
    let Some(root) = document.as_object_mut() else {
        return document;
    };
    let section = root
        .entry("answers")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(section) = section.as_object_mut() else {
        return document;
    };
    let items = section
        .entry("items")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(items) = items.as_object_mut() {
        for (id, answer) in answers {
            items.insert(id, answer);
        }
    }
    document
}

/// A validator problem, placed on the answer cell of the item it names when there is one.
fn problem_at_item(
    problem: &sentei_core::Problem,
    rows_of: &HashMap<String, u32>,
    answer_column: u16,
) -> SheetProblem {
    let row = problem
        .key
        .as_deref()
        .and_then(sentei_core::assessment::item_of_path)
        .and_then(|id| rows_of.get(id));
    match row {
        Some(&row) => SheetProblem {
            cell: Some(format!(
                "{ITEMS_SHEET}!{}",
                layout::cell_name(row, answer_column)
            )),
            message: problem.message.clone(),
        },
        None => SheetProblem::file(problem.message.clone()),
    }
}
