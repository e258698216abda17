//! How a profile's check sheet is laid out: the columns and headings of its source document.
//!
//! A profile may describe its sheet in a `sheet:` section (docs/profile-format.md): which
//! columns in which order, their headings as the document writes them, an optional block of
//! fields above the table, and the document's words for the answers. Without one, the sheet
//! has the generic layout ([`SheetLayout::generic`]). Whatever the layout, the sheet keeps
//! what reading it back needs: a column with the item id and the answer, reason and evidence
//! columns, each found again by its heading. The section as written, and the checks that
//! make it a layout, are in `sheet_doc.rs`.

use serde::Deserialize;

use super::normalize_id;
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

    pub(super) fn name(self) -> &'static str {
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
pub(super) const GENERIC_COLUMNS: [Show; 9] = [
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

pub(super) fn generic_answers() -> Vec<(AnswerStatus, Vec<String>)> {
    GENERIC_ANSWERS
        .iter()
        .map(|(status, words)| (*status, vec![words[0].to_owned()]))
        .collect()
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
}
