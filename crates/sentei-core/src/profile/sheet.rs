//! How a profile's check sheet is laid out: the columns and headings of its source document.
//!
//! A profile may describe its sheet in a `sheet:` section (docs/profile-format.md): which
//! columns in which order, their headings as the document writes them, an optional block of
//! fields above the table, and the document's words for the answers. Without one, the sheet
//! has the generic layout ([`SheetLayout::generic`]). Whatever the layout, the sheet keeps
//! what reading it back needs: a column with the item id and the answer, reason and evidence
//! columns, each found again by its heading.

use serde::Deserialize;

use super::normalize_id;
use crate::input::Problem;
use crate::judgement::AnswerStatus;

/// What a column shows.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Show {
    /// The row's running number (1, 2, ...).
    Number,
    /// The item's id, exactly as the document numbers it; the import matches rows by it.
    Id,
    /// The item's categories: one part (`part: 2`) or all of them joined.
    Category,
    /// The requirement, verbatim.
    Text,
    /// The level that applies to this service.
    Level,
    /// Whether the item applies, and why.
    Applies,
    /// The answer (a dropdown); read back.
    Answer,
    /// Why unmet or not applicable; read back.
    Reason,
    /// The evidence; read back.
    Evidence,
}

impl Show {
    /// The columns the import reads back, in the order it keeps them.
    pub const READ: [Show; 4] = [Show::Id, Show::Answer, Show::Reason, Show::Evidence];

    fn name(self) -> &'static str {
        match self {
            Show::Number => "number",
            Show::Id => "id",
            Show::Category => "category",
            Show::Text => "text",
            Show::Level => "level",
            Show::Applies => "applies",
            Show::Answer => "answer",
            Show::Reason => "reason",
            Show::Evidence => "evidence",
        }
    }

    /// The heading and width (in characters) of the column in the generic layout.
    pub fn generic(self) -> (&'static str, f64) {
        match self {
            Show::Number => ("番号", 6.0),
            Show::Id => ("項目番号", 12.0),
            Show::Category => ("区分", 22.0),
            Show::Text => ("要件", 60.0),
            Show::Level => ("水準", 8.0),
            Show::Applies => ("適用", 24.0),
            Show::Answer => ("回答", 14.0),
            Show::Reason => ("理由（満たさない・対象外のとき）", 30.0),
            Show::Evidence => ("根拠（契約書の条項、報告書など）", 30.0),
        }
    }
}

/// The generic layout's columns, in order.
const GENERIC_COLUMNS: [Show; 9] = [
    Show::Number,
    Show::Id,
    Show::Category,
    Show::Text,
    Show::Level,
    Show::Applies,
    Show::Answer,
    Show::Reason,
    Show::Evidence,
];

/// The answers every sheet understands: the generic dropdown label first, then the other
/// words accepted when read back (the contract's codes, ○ and ×).
pub const GENERIC_ANSWERS: [(AnswerStatus, &[&str]); 4] = [
    (AnswerStatus::Met, &["満たす", "met", "○", "〇"]),
    (AnswerStatus::Unmet, &["満たさない", "unmet", "×", "x"]),
    (
        AnswerStatus::NotApplicable,
        &["対象外（不要）", "not_applicable", "対象外", "不要"],
    ),
    (AnswerStatus::Unanswered, &["未回答", "unanswered"]),
];

#[derive(Clone, Debug, PartialEq)]
pub struct SheetColumn {
    pub show: Show,
    /// For [`Show::Category`]: the part shown (1 is the first); `None` joins them all.
    pub part: Option<usize>,
    /// The heading; empty when the previous column's heading spans this one.
    pub heading: String,
    /// A heading over this and the neighbouring columns with the same group, a row above.
    pub group: Option<String>,
    pub width: f64,
}

/// What a field above the table shows.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HeaderValue {
    /// The service's name.
    Service,
    /// The provider's name.
    Provider,
}

/// A labelled field above the table: the label, then its value (blank when it has none,
/// for writing by hand on the printed sheet).
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderField {
    pub label: String,
    pub value: Option<HeaderValue>,
    /// How many columns the label and the value take.
    pub label_columns: u16,
    pub value_columns: u16,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SheetLayout {
    /// Rows of fields above the table.
    pub header: Vec<Vec<HeaderField>>,
    pub columns: Vec<SheetColumn>,
    /// The words for each answer; the first is offered in the dropdown. Read back, these
    /// are accepted along with [`GENERIC_ANSWERS`].
    pub answers: Vec<(AnswerStatus, Vec<String>)>,
}

impl SheetLayout {
    /// The layout of a profile that does not describe its own: number, item id, categories,
    /// requirement, level, applies and why, answer, reason, evidence.
    pub fn generic() -> SheetLayout {
        SheetLayout {
            header: Vec::new(),
            columns: GENERIC_COLUMNS
                .iter()
                .map(|&show| {
                    let (heading, width) = show.generic();
                    SheetColumn {
                        show,
                        part: None,
                        heading: heading.to_owned(),
                        group: None,
                        width,
                    }
                })
                .collect(),
            answers: generic_answers(),
        }
    }

    /// The column showing `show` (for categories, the first), with its number.
    pub fn column(&self, show: Show) -> Option<(u16, &SheetColumn)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.show == show)
            .map(|(i, c)| (u16::try_from(i).unwrap_or(u16::MAX), c))
    }

    /// The heading of the column showing `show`, or the generic one when there is none.
    pub fn heading(&self, show: Show) -> &str {
        self.column(show)
            .map_or(show.generic().0, |(_, c)| c.heading.as_str())
    }

    /// The headings a column read back may have, in order of preference: the generic one
    /// (so sheets written before the profile had a layout of its own are read), then this
    /// layout's.
    pub fn read_headings(&self, show: Show) -> Vec<&str> {
        let mut headings = vec![show.generic().0];
        let own = self.heading(show);
        if normalize_id(own) != normalize_id(show.generic().0) {
            headings.push(own);
        }
        headings
    }

    /// The dropdown's label of an answer.
    pub fn label(&self, status: AnswerStatus) -> &str {
        self.answers
            .iter()
            .find(|(s, _)| *s == status)
            .and_then(|(_, words)| words.first())
            .map_or("", String::as_str)
    }

    /// The dropdown's labels, in the order met, unmet, not applicable, unanswered.
    pub fn labels(&self) -> Vec<&str> {
        self.answers
            .iter()
            .filter_map(|(_, words)| words.first().map(String::as_str))
            .collect()
    }

    /// The status a typed answer means: this layout's words, then the generic ones, in full
    /// or half width, with spaces anywhere. `None` when it is none of them.
    pub fn parse_answer(&self, text: &str) -> Option<AnswerStatus> {
        let text = normalize_id(text);
        let own = self.answers.iter().find_map(|(status, words)| {
            words
                .iter()
                .any(|w| normalize_id(w) == text)
                .then_some(*status)
        });
        own.or_else(|| {
            GENERIC_ANSWERS.iter().find_map(|(status, words)| {
                words
                    .iter()
                    .any(|w| normalize_id(w) == text)
                    .then_some(*status)
            })
        })
    }
}

fn generic_answers() -> Vec<(AnswerStatus, Vec<String>)> {
    GENERIC_ANSWERS
        .iter()
        .map(|(status, words)| (*status, vec![words[0].to_owned()]))
        .collect()
}

// ---- The `sheet:` section as written ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetDoc {
    #[serde(default)]
    pub header: Vec<Vec<HeaderFieldDoc>>,
    pub columns: Vec<ColumnDoc>,
    #[serde(default)]
    pub answers: Option<AnswersDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnDoc {
    pub show: Show,
    #[serde(default)]
    pub part: Option<usize>,
    #[serde(default)]
    pub heading: Option<String>,
    /// No heading of its own: the previous column's heading spans this one.
    #[serde(default)]
    pub shares_heading: bool,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub width: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderFieldDoc {
    pub label: String,
    #[serde(default)]
    pub value: Option<HeaderValue>,
    #[serde(default)]
    pub label_columns: Option<u16>,
    #[serde(default)]
    pub value_columns: Option<u16>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersDoc {
    #[serde(default)]
    pub met: Option<WordsDoc>,
    #[serde(default)]
    pub unmet: Option<WordsDoc>,
    #[serde(default)]
    pub not_applicable: Option<WordsDoc>,
    #[serde(default)]
    pub unanswered: Option<WordsDoc>,
}

/// One word, or several: the first is the dropdown's label, the others are also accepted.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum WordsDoc {
    One(String),
    Many(Vec<String>),
}

impl WordsDoc {
    fn words(&self) -> Vec<String> {
        match self {
            WordsDoc::One(word) => vec![word.clone()],
            WordsDoc::Many(words) => words.clone(),
        }
    }
}

/// Most columns a layout may have; the import reads at most 64.
const MAX_COLUMNS: usize = 40;
/// Longest heading, label or answer word.
const MAX_HEADING_CHARS: usize = 200;
const MAX_ANSWER_CHARS: usize = 50;
/// Excel's limit on a dropdown's list, written as one comma-separated string.
const MAX_LIST_CHARS: usize = 255;

/// The layout a `sheet:` section describes, checked; the generic one when there is none.
pub(super) fn compile(doc: Option<&SheetDoc>, problems: &mut Vec<Problem>) -> SheetLayout {
    let Some(doc) = doc else {
        return SheetLayout::generic();
    };
    let mut problem =
        |key: String, message: String| problems.push(Problem::new(None, key, message));
    let mut columns: Vec<SheetColumn> = Vec::new();
    if doc.columns.is_empty() || doc.columns.len() > MAX_COLUMNS {
        problem(
            "sheet.columns".to_owned(),
            format!("列 (columns) は 1〜{MAX_COLUMNS} 列で書いてください"),
        );
    }
    for (n, column) in doc.columns.iter().enumerate() {
        let key = format!("sheet.columns[{}]", n + 1);
        let (generic_heading, generic_width) = column.show.generic();
        if column.part.is_some() && column.show != Show::Category {
            problem(
                key.clone(),
                "part は show: category の列にだけ書けます".to_owned(),
            );
        }
        if column.part.is_some_and(|p| p == 0 || p > 16) {
            problem(
                key.clone(),
                "part は 1〜16 で書いてください（1 が最初の区分）".to_owned(),
            );
        }
        let heading = if column.shares_heading {
            if n == 0 {
                problem(
                    key.clone(),
                    "最初の列は shares_heading にできません".to_owned(),
                );
            }
            if column.heading.is_some() {
                problem(
                    key.clone(),
                    "shares_heading の列には heading を書きません（前の列の見出しがかかります）"
                        .to_owned(),
                );
            }
            if Show::READ.contains(&column.show) {
                problem(
                    key.clone(),
                    format!(
                        "show: {} の列は読み込むときに見出しで探すので、自分の見出しが必要です",
                        column.show.name()
                    ),
                );
            }
            String::new()
        } else {
            let heading = column.heading.as_deref().unwrap_or(generic_heading);
            check_words(heading, MAX_HEADING_CHARS, &key, "見出し", &mut problem);
            heading.to_owned()
        };
        if let Some(group) = &column.group {
            check_words(group, MAX_HEADING_CHARS, &key, "group", &mut problem);
        }
        let width = column.width.unwrap_or(generic_width);
        if !(1.0..=255.0).contains(&width) {
            problem(
                key.clone(),
                "幅 (width) は 1〜255 で書いてください".to_owned(),
            );
        }
        columns.push(SheetColumn {
            show: column.show,
            part: column.part,
            heading,
            group: column.group.clone(),
            width,
        });
    }
    check_columns(&columns, &mut problem);

    let mut header = Vec::new();
    for (r, row) in doc.header.iter().enumerate() {
        let mut fields = Vec::new();
        for (f, field) in row.iter().enumerate() {
            let key = format!("sheet.header[{}][{}]", r + 1, f + 1);
            check_words(&field.label, MAX_HEADING_CHARS, &key, "label", &mut problem);
            let label_columns = field.label_columns.unwrap_or(1);
            let value_columns = field.value_columns.unwrap_or(1);
            if !(1..=10).contains(&label_columns) || !(1..=10).contains(&value_columns) {
                problem(
                    key,
                    "label_columns と value_columns は 1〜10 で書いてください".to_owned(),
                );
            }
            fields.push(HeaderField {
                label: field.label.clone(),
                value: field.value,
                label_columns,
                value_columns,
            });
        }
        header.push(fields);
    }
    if header.len() > 10 {
        problem(
            "sheet.header".to_owned(),
            "表の上の欄 (header) は 10 行までです".to_owned(),
        );
    }

    let mut answers = generic_answers();
    if let Some(given) = &doc.answers {
        for (status, words) in [
            (AnswerStatus::Met, &given.met),
            (AnswerStatus::Unmet, &given.unmet),
            (AnswerStatus::NotApplicable, &given.not_applicable),
            (AnswerStatus::Unanswered, &given.unanswered),
        ] {
            if let (Some(words), Some(slot)) =
                (words, answers.iter_mut().find(|(s, _)| *s == status))
            {
                slot.1 = words.words();
            }
        }
        check_answers(&answers, &mut problem);
    }
    SheetLayout {
        header,
        columns,
        answers,
    }
}

fn check_words(
    text: &str,
    max: usize,
    key: &str,
    what: &str,
    problem: &mut impl FnMut(String, String),
) {
    if text.trim().is_empty() {
        problem(key.to_owned(), format!("{what} が空です"));
    } else if text.chars().count() > max {
        problem(
            key.to_owned(),
            format!("{what} が長すぎます（{max} 文字まで）"),
        );
    }
}

/// Each column read back appears once, and the import cannot mistake one column for another.
fn check_columns(columns: &[SheetColumn], problem: &mut impl FnMut(String, String)) {
    let key = "sheet.columns".to_owned();
    for show in GENERIC_COLUMNS {
        let count = columns.iter().filter(|c| c.show == show).count();
        let required = Show::READ.contains(&show);
        if required && count != 1 {
            problem(
                key.clone(),
                format!(
                    "show: {} の列がちょうど 1 つ必要です（読み込みに使います。今は {count} つ）",
                    show.name()
                ),
            );
        } else if show == Show::Category {
            let mut parts: Vec<Option<usize>> = columns
                .iter()
                .filter(|c| c.show == show)
                .map(|c| c.part)
                .collect();
            let all = parts.len();
            parts.sort_unstable();
            parts.dedup();
            if parts.len() != all {
                problem(
                    key.clone(),
                    "show: category の列が同じ part で 2 回あります".to_owned(),
                );
            }
        } else if count > 1 {
            problem(
                key.clone(),
                format!("show: {} の列が 2 回あります", show.name()),
            );
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for column in columns.iter().filter(|c| !c.heading.is_empty()) {
        let heading = normalize_id(&column.heading);
        if seen.contains(&heading) {
            problem(
                key.clone(),
                format!("見出し「{}」が 2 回あります", column.heading),
            );
        }
        seen.push(heading.clone());
        // Another column's generic heading would be read back as that column.
        for read in Show::READ {
            if read != column.show && normalize_id(read.generic().0) == heading {
                problem(
                    key.clone(),
                    format!(
                        "見出し「{}」は show: {} の列の見出しとして読まれるので、show: {} の列には使えません",
                        column.heading,
                        read.name(),
                        column.show.name()
                    ),
                );
            }
        }
    }
}

/// Every word names one status, and the dropdown fits Excel's limit.
fn check_answers(
    answers: &[(AnswerStatus, Vec<String>)],
    problem: &mut impl FnMut(String, String),
) {
    let key = "sheet.answers".to_owned();
    let mut seen: Vec<(String, AnswerStatus)> = GENERIC_ANSWERS
        .iter()
        .flat_map(|(status, words)| words.iter().map(|w| (normalize_id(w), *status)))
        .collect();
    let mut own: Vec<String> = Vec::new();
    for (status, words) in answers {
        if words.is_empty() {
            problem(key.clone(), "回答の言葉が空です".to_owned());
        }
        for word in words {
            check_words(word, MAX_ANSWER_CHARS, &key, "回答の言葉", problem);
            if word.contains(',') {
                problem(
                    key.clone(),
                    format!("回答の言葉「{word}」に半角のカンマは使えません"),
                );
            }
            let normalized = normalize_id(word);
            if own.contains(&normalized)
                || seen.iter().any(|(w, s)| *w == normalized && s != status)
            {
                problem(
                    key.clone(),
                    format!("回答の言葉「{word}」が 2 つの回答に使われています"),
                );
            }
            own.push(normalized.clone());
            seen.push((normalized, *status));
        }
    }
    let list: usize = answers
        .iter()
        .filter_map(|(_, words)| words.first())
        .map(|w| w.chars().count() + 1)
        .sum();
    if list > MAX_LIST_CHARS {
        problem(
            key,
            format!("回答の一覧が長すぎます（Excel の一覧は {MAX_LIST_CHARS} 文字まで）"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generic_layout_reads_its_own_words_and_the_codes() {
        let generic = SheetLayout::generic();
        assert_eq!(generic.heading(Show::Answer), "回答");
        assert_eq!(generic.read_headings(Show::Id), vec!["項目番号"]);
        assert_eq!(
            generic.labels(),
            vec!["満たす", "満たさない", "対象外（不要）", "未回答"]
        );
        assert_eq!(generic.parse_answer(" 満たす "), Some(AnswerStatus::Met));
        assert_eq!(
            generic.parse_answer("対象外(不要)"),
            Some(AnswerStatus::NotApplicable)
        );
        assert_eq!(
            generic.parse_answer("ｕｎｍｅｔ"),
            Some(AnswerStatus::Unmet)
        );
        assert_eq!(generic.parse_answer("○"), Some(AnswerStatus::Met));
        assert_eq!(generic.parse_answer("たぶん"), None);
        for (status, words) in GENERIC_ANSWERS {
            assert_eq!(generic.parse_answer(words[0]), Some(status));
            assert_eq!(generic.label(status), words[0]);
        }
    }

    const PROFILE: &str = "id: town\nversion: \"1\"\ntitle: 町の基準\nsource: { document: 町の基準 }\nlevels:\n  - { name: 必須, meaning: must }\nitems:\n  - { id: \"1\", category: [大, 小], text: 要件, level: 必須, section: \"1\" }\n";

    fn compiled(sheet: &str) -> Result<SheetLayout, Vec<String>> {
        crate::profile::Profile::from_yaml(&format!("{PROFILE}sheet:\n{sheet}"))
            .map(|p| p.sheet)
            .map_err(|e| e.problems.iter().map(ToString::to_string).collect())
    }

    const READ: &str =
        "    - { show: answer, heading: 結果 }\n    - { show: reason }\n    - { show: evidence }\n";

    #[test]
    fn a_layout_takes_its_headings_words_and_fields_from_the_profile() {
        let layout = compiled(&format!(
            "  header:\n    - [{{ label: 名称, value: service, label_columns: 2 }}, {{ label: 記入日 }}]\n  columns:\n    - {{ show: id, heading: No. }}\n    - {{ show: category, part: 2, heading: 小区分, width: 30 }}\n{READ}  answers:\n    met: [確認済, 確認済み]\n    not_applicable: 不要\n"
        ))
        .unwrap();
        assert_eq!(layout.heading(Show::Id), "No.");
        assert_eq!(layout.read_headings(Show::Id), vec!["項目番号", "No."]);
        assert_eq!(
            layout.read_headings(Show::Reason),
            vec!["理由（満たさない・対象外のとき）"]
        );
        assert_eq!(layout.columns[1].part, Some(2));
        assert_eq!(layout.columns[1].width, 30.0);
        assert_eq!(layout.header[0][0].label_columns, 2);
        assert_eq!(layout.header[0][0].value, Some(HeaderValue::Service));
        assert_eq!(
            layout.labels(),
            vec!["確認済", "満たさない", "不要", "未回答"]
        );
        assert_eq!(layout.parse_answer("確認済み"), Some(AnswerStatus::Met));
        assert_eq!(layout.parse_answer("満たす"), Some(AnswerStatus::Met));
        assert_eq!(
            layout.parse_answer("対象外（不要）"),
            Some(AnswerStatus::NotApplicable)
        );
    }

    #[test]
    fn a_layout_the_import_could_misread_is_refused() {
        let refused = |sheet: &str, needle: &str| {
            let problems = compiled(sheet).unwrap_err();
            assert!(
                problems.iter().any(|p| p.contains(needle)),
                "expected {needle:?} in {problems:?}"
            );
        };
        refused(
            "  columns:\n    - { show: id }\n    - { show: reason }\n    - { show: evidence }\n",
            "show: answer の列がちょうど 1 つ必要です",
        );
        refused(
            &format!(
                "  columns:\n    - {{ show: id }}\n    - {{ show: text, heading: 結果 }}\n{READ}"
            ),
            "見出し「結果」が 2 回あります",
        );
        refused(
            &format!(
                "  columns:\n    - {{ show: id }}\n    - {{ show: text, heading: 回答 }}\n{READ}"
            ),
            "見出し「回答」は show: answer の列の見出しとして読まれる",
        );
        refused(
            &format!(
                "  columns:\n    - {{ show: text }}\n    - {{ show: id, shares_heading: true }}\n{READ}"
            ),
            "show: id の列は読み込むときに見出しで探すので",
        );
        refused(
            &format!("  columns:\n    - {{ show: id, part: 1 }}\n{READ}"),
            "part は show: category の列にだけ書けます",
        );
        refused(
            &format!(
                "  columns:\n    - {{ show: id }}\n{READ}  answers:\n    not_applicable: 満たす\n"
            ),
            "回答の言葉「満たす」が 2 つの回答に使われています",
        );
        refused(
            &format!(
                "  columns:\n    - {{ show: id }}\n{READ}  answers:\n    met: \"はい,確認済\"\n"
            ),
            "半角のカンマは使えません",
        );
        refused(
            &format!("  columns:\n    - {{ show: id, heading: \" \" }}\n{READ}"),
            "見出し が空です",
        );
        refused("  columns:\n    - { show: colour }\n", "colour");
    }
}
