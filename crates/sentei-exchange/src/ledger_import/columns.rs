//! Which column of a ledger holds which field, found from its heading.
//!
//! Ledgers kept in Excel word their headings in many ways: the standard's own "(ア) 外部サービ
//! スの名称", or "サービス名", "事業者名", "利用期間", "担当課". A heading is matched by the
//! words it contains, in an order that keeps near neighbours apart (利用申請者 before 利用者,
//! 提供者の名称 before サービスの名称). A heading that matches nothing is listed and not read.

use crate::sheet::layout::normalize;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    ServiceName,
    Provider,
    Purpose,
    Classification,
    PeriodStart,
    PeriodEnd,
    /// The whole period in one cell.
    Period,
    Department,
    Name,
    /// Department and name in one cell, separated by a space.
    Applicant,
    UserScope,
    /// 利用中 or 廃止.
    Status,
}

impl Field {
    /// The field's name as the standard gives it, for messages and the preview.
    pub fn label(self) -> &'static str {
        match self {
            Field::ServiceName => "(ア) 外部サービスの名称",
            Field::Provider => "(イ) 外部サービス提供者の名称",
            Field::Purpose => "(ウ) 利用目的",
            Field::Classification => "(エ) 取り扱う情報の格付",
            Field::PeriodStart => "(オ) 利用期間（開始）",
            Field::PeriodEnd => "(オ) 利用期間（終了）",
            Field::Period => "(オ) 利用期間",
            Field::Department => "(カ) 利用申請者（所属）",
            Field::Name => "(カ) 利用申請者（氏名）",
            Field::Applicant => "(カ) 利用申請者",
            Field::UserScope => "(キ) 利用者の範囲",
            Field::Status => "状態（利用中・廃止）",
        }
    }
}

/// The field a heading names, if any.
pub fn recognize(heading: &str) -> Option<Field> {
    let h = normalize(heading);
    let h = without_marker(&h);
    let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
    if h.is_empty() || has(&["番号", "No", "NO", "no", "版", "基準", "判定", "備考"]) {
        return None;
    }
    if has(&["提供者", "事業者", "提供元", "ベンダ", "委託先", "契約先"]) {
        return Some(Field::Provider);
    }
    if has(&["申請者", "申請課", "申請部署"]) {
        return Some(if has(&["所属", "課", "部署", "部局"]) {
            Field::Department
        } else if has(&["氏名", "名前", "担当者"]) {
            Field::Name
        } else {
            Field::Applicant
        });
    }
    if has(&["所属", "担当課", "所管課", "部署", "部局", "担当部"]) {
        return Some(Field::Department);
    }
    if has(&["氏名", "担当者"]) {
        return Some(Field::Name);
    }
    if has(&["利用者", "利用範囲"]) {
        return Some(Field::UserScope);
    }
    if has(&["期間", "開始", "終了", "期限", "満了", "利用日"]) {
        return Some(if has(&["開始", "始期", "から"]) {
            Field::PeriodStart
        } else if has(&["終了", "終期", "まで", "期限", "満了"]) {
            Field::PeriodEnd
        } else {
            Field::Period
        });
    }
    if has(&["目的", "業務内容", "用途"]) {
        return Some(Field::Purpose);
    }
    if has(&[
        "格付",
        "機密性",
        "情報の分類",
        "取り扱う情報",
        "取扱情報",
        "情報の区分",
    ]) {
        return Some(Field::Classification);
    }
    if has(&["サービス", "システム", "名称"]) {
        return Some(Field::ServiceName);
    }
    if has(&["状態", "状況", "ステータス"]) {
        return Some(Field::Status);
    }
    None
}

/// The heading without a leading (ア)…(キ) or ア. marker.
fn without_marker(heading: &str) -> &str {
    let markers = ["ア", "イ", "ウ", "エ", "オ", "カ", "キ"];
    for m in markers {
        for form in [
            format!("({m})"),
            format!("（{m}）"),
            format!("{m}."),
            format!("{m}、"),
        ] {
            if let Some(rest) = heading.strip_prefix(form.as_str()) {
                return rest;
            }
        }
    }
    heading
}

/// The columns of a heading row that were recognized, and whether they make a ledger.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    /// (column, field), first column of each field only.
    pub fields: Vec<(usize, Field)>,
    /// Headings not read: (column, heading text, why).
    pub unread: Vec<(usize, String, &'static str)>,
}

impl Columns {
    pub fn from_headings(headings: &[String]) -> Columns {
        let mut columns = Columns::default();
        for (col, heading) in headings.iter().enumerate() {
            if heading.trim().is_empty() {
                continue;
            }
            match recognize(heading) {
                Some(field) if columns.of(field).is_none() => columns.fields.push((col, field)),
                Some(_) => {
                    columns
                        .unread
                        .push((col, heading.clone(), "同じ意味の列が前にあります"))
                }
                None => columns
                    .unread
                    .push((col, heading.clone(), "台帳の項目にあたりません")),
            }
        }
        columns
    }

    pub fn of(&self, field: Field) -> Option<usize> {
        self.fields
            .iter()
            .find(|(_, f)| *f == field)
            .map(|(col, _)| *col)
    }

    /// How many fields were found; a heading row has the service name and two others.
    pub fn looks_like_heading(&self) -> bool {
        self.of(Field::ServiceName).is_some() && self.fields.len() >= 3
    }

    /// The fields a ledger needs that no column holds, by label.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        for field in [
            Field::ServiceName,
            Field::Provider,
            Field::Purpose,
            Field::Classification,
        ] {
            if self.of(field).is_none() {
                missing.push(field.label());
            }
        }
        let has_period = self.of(Field::Period).is_some()
            || (self.of(Field::PeriodStart).is_some() && self.of(Field::PeriodEnd).is_some());
        if !has_period {
            missing.push(Field::Period.label());
        }
        let has_applicant = self.of(Field::Applicant).is_some()
            || (self.of(Field::Department).is_some() && self.of(Field::Name).is_some());
        if !has_applicant {
            missing.push(Field::Applicant.label());
        }
        if self.of(Field::UserScope).is_none() {
            missing.push(Field::UserScope.label());
        }
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standards_headings_and_our_export_are_recognized() {
        let expected = [
            Field::ServiceName,
            Field::Provider,
            Field::Purpose,
            Field::Classification,
            Field::PeriodStart,
            Field::PeriodEnd,
            Field::Department,
            Field::Name,
            Field::UserScope,
        ];
        for (heading, field) in sentei_core::ledger::HEADINGS.iter().zip(expected) {
            assert_eq!(recognize(heading), Some(field), "{heading}");
        }
        for ignored in ["台帳番号", "版", "基準", "判定", "備考"] {
            assert_eq!(recognize(ignored), None, "{ignored}");
        }
        assert_eq!(recognize("状態"), Some(Field::Status));
    }

    #[test]
    fn headings_as_departments_write_them() {
        let cases = [
            ("サービス名", Field::ServiceName),
            ("システム名称", Field::ServiceName),
            ("事業者名", Field::Provider),
            ("提供元", Field::Provider),
            ("利用目的", Field::Purpose),
            ("業務内容", Field::Purpose),
            ("情報の格付", Field::Classification),
            ("機密性", Field::Classification),
            ("利用期間", Field::Period),
            ("利用開始日", Field::PeriodStart),
            ("利用終了日", Field::PeriodEnd),
            ("契約期限", Field::PeriodEnd),
            ("担当課", Field::Department),
            ("所属", Field::Department),
            ("申請者氏名", Field::Name),
            ("利用申請者", Field::Applicant),
            ("利用者の範囲", Field::UserScope),
            ("利用範囲", Field::UserScope),
            ("ア．外部サービスの名称", Field::ServiceName),
            ("（イ）外部サービス提供者の名称", Field::Provider),
        ];
        for (heading, field) in cases {
            assert_eq!(recognize(heading), Some(field), "{heading}");
        }
        assert_eq!(recognize("メモ"), None);
    }

    #[test]
    fn missing_fields_are_named_and_alternatives_accepted() {
        let headings = |h: &[&str]| h.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let one_cell = Columns::from_headings(&headings(&[
            "サービス名",
            "事業者",
            "目的",
            "格付",
            "利用期間",
            "利用申請者",
            "利用者の範囲",
            "メモ",
            "サービス名称",
        ]));
        assert!(one_cell.missing().is_empty());
        assert_eq!(one_cell.unread.len(), 2);
        assert_eq!(one_cell.unread[1].2, "同じ意味の列が前にあります");
        let partial = Columns::from_headings(&headings(&["サービス名", "利用開始日", "所属"]));
        assert!(partial.looks_like_heading());
        assert_eq!(
            partial.missing(),
            [
                "(イ) 外部サービス提供者の名称",
                "(ウ) 利用目的",
                "(エ) 取り扱う情報の格付",
                "(オ) 利用期間",
                "(カ) 利用申請者",
                "(キ) 利用者の範囲"
            ]
        );
    }
}
