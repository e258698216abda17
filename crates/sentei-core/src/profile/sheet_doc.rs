//! A profile's `sheet:` section as written (docs/profile-format.md), and its compilation into
//! a [`SheetLayout`]: every column, heading and answer word checked, so a layout the import
//! could misread (a column missing, two headings alike, an answer word used twice) is refused
//! with the profile's other problems.

use serde::Deserialize;

use super::normalize_id;
use super::sheet::{
    GENERIC_ANSWERS, GENERIC_COLUMNS, HeaderField, HeaderValue, SheetColumn, SheetLayout, Show,
    generic_answers,
};
use crate::input::Problem;
use crate::judgement::AnswerStatus;

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
