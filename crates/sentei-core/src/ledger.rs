//! The 外部サービス利用台帳 (ledger of approved services), 周南市基準 §5(2)③.
//!
//! An entry holds (ア)–(キ) and the profile and verdict it was approved under. It changes only
//! by new versions — registration, extension (延長), change, renewal (更新), abolition (廃止) —
//! whose rules are here; history is kept by the store, never overwritten. Whether an entry has
//! expired (期限切れ) is read from its period and today's date, never stored.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::input::Problem;

/// Longest text in a ledger field, in characters.
pub const MAX_FIELD_CHARS: usize = 500;

/// The fields (ア)–(キ) of an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerFields {
    /// (ア) 外部サービスの名称（必要に応じて機能名までを含む）
    pub service_name: String,
    /// (イ) 外部サービス提供者の名称
    pub provider: String,
    /// (ウ) 利用目的（業務内容）
    pub purpose: String,
    /// (エ) 取り扱う情報の格付
    pub classification: String,
    /// (オ) 利用期間
    pub period_start: Date,
    pub period_end: Date,
    /// (カ) 利用申請者（所属・氏名）
    pub applicant_department: String,
    pub applicant_name: String,
    /// (キ) 利用者の範囲
    pub user_scope: String,
}

/// Column headings of (ア)–(キ), in order, as the standard words them.
pub const HEADINGS: [&str; 9] = [
    "(ア) 外部サービスの名称",
    "(イ) 外部サービス提供者の名称",
    "(ウ) 利用目的（業務内容）",
    "(エ) 取り扱う情報の格付",
    "(オ) 利用期間（開始）",
    "(オ) 利用期間（終了）",
    "(カ) 利用申請者（所属）",
    "(カ) 利用申請者（氏名）",
    "(キ) 利用者の範囲",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Registered,
    /// Registered from a ledger kept before sentei (a CSV or Excel file), without an
    /// application or an assessment in sentei.
    Imported,
    Extended,
    Changed,
    /// The period renewed through an approved renewal application (更新申請).
    Renewed,
    Abolished,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Registered => "registered",
            ChangeKind::Imported => "imported",
            ChangeKind::Extended => "extended",
            ChangeKind::Changed => "changed",
            ChangeKind::Renewed => "renewed",
            ChangeKind::Abolished => "abolished",
        }
    }

    pub fn parse(name: &str) -> Option<ChangeKind> {
        [
            ChangeKind::Registered,
            ChangeKind::Imported,
            ChangeKind::Extended,
            ChangeKind::Changed,
            ChangeKind::Renewed,
            ChangeKind::Abolished,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Registered => "登録",
            ChangeKind::Imported => "取込",
            ChangeKind::Extended => "延長",
            ChangeKind::Changed => "変更",
            ChangeKind::Renewed => "更新",
            ChangeKind::Abolished => "廃止",
        }
    }
}

/// What makes two entries the same service in the ledger: its name, its provider, the start of
/// its period and the department that applied. A ledger read in twice, or a row repeated in a
/// file, is recognized by it and not registered again.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EntryIdentity {
    pub service_name: String,
    pub provider: String,
    pub period_start: Date,
    pub applicant_department: String,
}

impl LedgerFields {
    pub fn identity(&self) -> EntryIdentity {
        EntryIdentity {
            service_name: self.service_name.clone(),
            provider: self.provider.clone(),
            period_start: self.period_start,
            applicant_department: self.applicant_department.clone(),
        }
    }
}

/// Most entries registered from one file of an existing ledger.
pub const MAX_IMPORTED_ENTRIES: usize = 10_000;

/// An entry read from a ledger kept before sentei, to be registered as it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedEntry {
    /// Where in the file it was read (`台帳 5行目`), kept in the entry's history.
    pub place: String,
    pub fields: LedgerFields,
    /// The file says the service is no longer used (状態 廃止).
    #[serde(default)]
    pub abolished: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerRefusal {
    #[error("廃止された台帳の項目は変更できません")]
    Abolished,
    #[error("延長後の終了日（{new}）は現在の終了日（{current}）より後にしてください")]
    NotLater { current: Date, new: Date },
    #[error("廃止日（{on}）は利用期間の開始日（{start}）以降にしてください")]
    BeforeStart { start: Date, on: Date },
    #[error("変更された項目がありません")]
    Unchanged,
    #[error("{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("、"))]
    Invalid { problems: Vec<Problem> },
}

impl LedgerFields {
    /// Checks the fields: none empty or overlong, the period in order.
    pub fn validate(&self) -> Result<(), LedgerRefusal> {
        let mut problems = Vec::new();
        let texts = [
            (
                &self.service_name,
                "service_name",
                "(ア) 外部サービスの名称",
            ),
            (&self.provider, "provider", "(イ) 外部サービス提供者の名称"),
            (&self.purpose, "purpose", "(ウ) 利用目的"),
            (
                &self.classification,
                "classification",
                "(エ) 取り扱う情報の格付",
            ),
            (
                &self.applicant_department,
                "applicant_department",
                "(カ) 利用申請者の所属",
            ),
            (
                &self.applicant_name,
                "applicant_name",
                "(カ) 利用申請者の氏名",
            ),
            (&self.user_scope, "user_scope", "(キ) 利用者の範囲"),
        ];
        for (text, key, label) in texts {
            if text.trim().is_empty() {
                problems.push(Problem::new(None, key, format!("{label}が空です")));
            } else if text.chars().count() > MAX_FIELD_CHARS {
                problems.push(Problem::new(
                    None,
                    key,
                    format!("{label}は {MAX_FIELD_CHARS} 文字以内にしてください"),
                ));
            } else if let Some(message) =
                crate::input::character_problem(text, crate::input::Lines::Many)
            {
                // A cell of a spreadsheet may hold line breaks; nothing else unprintable.
                problems.push(Problem::new(None, key, format!("{label}: {message}")));
            }
        }
        if self.period_end < self.period_start {
            problems.push(Problem::new(
                None,
                "period_end",
                format!(
                    "(オ) 利用期間の終了日（{}）が開始日（{}）より前です",
                    self.period_end, self.period_start
                ),
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LedgerRefusal::Invalid { problems })
        }
    }

    /// Whether the entry's period ends within `days` days from `today` (today included), or
    /// has already ended: an expiry view that left out the expired would hide the most urgent.
    pub fn expires_within(&self, today: Date, days: u16) -> bool {
        self.period_end <= today.saturating_add(time::Duration::days(i64::from(days)))
    }

    /// Whether the period ended before `today` (期限切れ): the last day of the period is still
    /// within it.
    pub fn is_expired(&self, today: Date) -> bool {
        self.period_end < today
    }
}

/// An entry's state in words: 廃止, 期限切れ (in use, its period ended before `today`) or 利用中.
pub fn state_label(fields: &LedgerFields, abolished: bool, today: Date) -> &'static str {
    if abolished {
        "廃止"
    } else if fields.is_expired(today) {
        "期限切れ"
    } else {
        "利用中"
    }
}

/// How an approved change or renewal application rewrites an entry: with the fields it was
/// approved with. A renewal must end later than the entry does now; neither applies to an
/// abolished entry.
pub fn approved(
    current: &LedgerFields,
    abolished: bool,
    renewal: bool,
    new: LedgerFields,
) -> Result<LedgerFields, LedgerRefusal> {
    if abolished {
        return Err(LedgerRefusal::Abolished);
    }
    new.validate()?;
    if renewal && new.period_end <= current.period_end {
        return Err(LedgerRefusal::NotLater {
            current: current.period_end,
            new: new.period_end,
        });
    }
    Ok(new)
}

/// The fields after extending the period to `new_end`.
pub fn extend(
    current: &LedgerFields,
    abolished: bool,
    new_end: Date,
) -> Result<LedgerFields, LedgerRefusal> {
    if abolished {
        return Err(LedgerRefusal::Abolished);
    }
    if new_end <= current.period_end {
        return Err(LedgerRefusal::NotLater {
            current: current.period_end,
            new: new_end,
        });
    }
    Ok(LedgerFields {
        period_end: new_end,
        ..current.clone()
    })
}

/// The fields after a change (e.g. a new purpose or user scope).
pub fn change(
    current: &LedgerFields,
    abolished: bool,
    new: LedgerFields,
) -> Result<LedgerFields, LedgerRefusal> {
    if abolished {
        return Err(LedgerRefusal::Abolished);
    }
    new.validate()?;
    if &new == current {
        return Err(LedgerRefusal::Unchanged);
    }
    Ok(new)
}

/// The fields after abolishing the service on `on`: the period ends then, if not earlier.
pub fn abolish(
    current: &LedgerFields,
    abolished: bool,
    on: Date,
) -> Result<LedgerFields, LedgerRefusal> {
    if abolished {
        return Err(LedgerRefusal::Abolished);
    }
    if on < current.period_start {
        return Err(LedgerRefusal::BeforeStart {
            start: current.period_start,
            on,
        });
    }
    Ok(LedgerFields {
        period_end: current.period_end.min(on),
        ..current.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn entry() -> LedgerFields {
        LedgerFields {
            service_name: "電子申請サービス".to_owned(),
            provider: "例示株式会社".to_owned(),
            purpose: "住民からの申請受付".to_owned(),
            classification: "機密性2".to_owned(),
            period_start: date!(2026 - 04 - 01),
            period_end: date!(2027 - 03 - 31),
            applicant_department: "市民課".to_owned(),
            applicant_name: "周南 太郎".to_owned(),
            user_scope: "部局内に限る".to_owned(),
        }
    }

    #[test]
    fn extension_moves_the_end_later_only() {
        let e = entry();
        assert_eq!(
            extend(&e, false, date!(2028 - 03 - 31)).unwrap().period_end,
            date!(2028 - 03 - 31)
        );
        assert!(matches!(
            extend(&e, false, date!(2027 - 03 - 31)),
            Err(LedgerRefusal::NotLater { .. })
        ));
        assert_eq!(
            extend(&e, true, date!(2028 - 03 - 31)),
            Err(LedgerRefusal::Abolished)
        );
    }

    #[test]
    fn abolition_ends_the_period_and_is_final() {
        let e = entry();
        let ended = abolish(&e, false, date!(2026 - 10 - 01)).unwrap();
        assert_eq!(ended.period_end, date!(2026 - 10 - 01));
        assert_eq!(
            abolish(&e, false, date!(2030 - 01 - 01))
                .unwrap()
                .period_end,
            e.period_end
        );
        assert!(matches!(
            abolish(&e, false, date!(2026 - 01 - 01)),
            Err(LedgerRefusal::BeforeStart { .. })
        ));
        assert_eq!(
            abolish(&e, true, date!(2026 - 10 - 01)),
            Err(LedgerRefusal::Abolished)
        );
        assert_eq!(change(&e, true, entry()), Err(LedgerRefusal::Abolished));
    }

    #[test]
    fn changes_must_change_something_valid() {
        let e = entry();
        assert_eq!(change(&e, false, entry()), Err(LedgerRefusal::Unchanged));
        let mut wider = entry();
        wider.user_scope = "全庁".to_owned();
        assert_eq!(change(&e, false, wider.clone()).unwrap(), wider);
        let mut broken = entry();
        broken.purpose = " ".to_owned();
        broken.period_end = date!(2020 - 01 - 01);
        let Err(LedgerRefusal::Invalid { problems }) = change(&e, false, broken) else {
            panic!()
        };
        assert_eq!(problems.len(), 2);
        assert!(problems[0].message.contains("(ウ) 利用目的が空です"));
    }

    #[test]
    fn the_same_entry_is_known_by_name_provider_start_and_department() {
        let e = entry();
        let mut reworded = entry();
        reworded.purpose = "別の言い方".to_owned();
        reworded.period_end = date!(2030 - 03 - 31);
        assert_eq!(e.identity(), reworded.identity());
        let mut other = entry();
        other.applicant_department = "総務課".to_owned();
        assert_ne!(e.identity(), other.identity());
        let mut later = entry();
        later.period_start = date!(2026 - 05 - 01);
        assert_ne!(e.identity(), later.identity());
    }

    #[test]
    fn expiry_counts_from_today_inclusive_and_includes_the_expired() {
        let e = entry(); // ends 2027-03-31
        assert!(e.expires_within(date!(2027 - 03 - 01), 30));
        assert!(e.expires_within(date!(2027 - 03 - 31), 0));
        assert!(!e.expires_within(date!(2027 - 02 - 28), 30));
        assert!(
            e.expires_within(date!(2027 - 04 - 01), 30),
            "already ended: the most urgent"
        );
        assert!(!e.is_expired(date!(2027 - 03 - 31)), "the last day is in");
        assert!(e.is_expired(date!(2027 - 04 - 01)));
    }

    #[test]
    fn approved_renewals_end_later_and_nothing_revives_an_abolished_entry() {
        let e = entry();
        let mut renewed = entry();
        renewed.period_end = date!(2028 - 03 - 31);
        assert_eq!(
            approved(&e, false, true, renewed.clone()),
            Ok(renewed.clone())
        );
        assert!(matches!(
            approved(&e, false, true, entry()),
            Err(LedgerRefusal::NotLater { .. })
        ));
        assert_eq!(
            approved(&e, false, false, entry()),
            Ok(entry()),
            "a change may keep the fields: what changed is the assessment"
        );
        assert_eq!(
            approved(&e, true, true, renewed),
            Err(LedgerRefusal::Abolished)
        );
    }
}

#[cfg(test)]
mod json_tests {
    use super::LedgerFields;

    #[test]
    fn dates_are_iso_in_json() {
        let fields = LedgerFields {
            service_name: "a".into(),
            provider: "b".into(),
            purpose: "c".into(),
            classification: "機密性2".into(),
            period_start: time::macros::date!(2026 - 04 - 01),
            period_end: time::macros::date!(2027 - 03 - 31),
            applicant_department: "d".into(),
            applicant_name: "e".into(),
            user_scope: "f".into(),
        };
        let json = serde_json::to_value(&fields).unwrap();
        assert_eq!(json["period_start"], "2026-04-01");
        assert_eq!(
            serde_json::from_value::<LedgerFields>(json).unwrap(),
            fields
        );
    }
}
