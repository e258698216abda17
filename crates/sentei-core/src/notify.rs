//! Notifications (お知らせ): who is told of what, and in which words.
//!
//! A step of the workflow tells the people who must act next (an application waiting for the
//! approver, an acceptance only the CISO can give) and the applicant whose application was
//! answered, returned or decided. A ledger entry nearing the end of its period, or past it,
//! tells the department that uses the service, once for each stage. The store writes each
//! notification in the same transaction as the event (so none is lost and none is invented);
//! the in-app list and the mails are made from what is written here.

use std::fmt;

use time::Date;

use crate::judgement::{Approvals, Role, Verdict};
use crate::workflow::{Action, Kind, UserRole};

/// Days before the end of a ledger entry's period from which its department is told.
pub const EXPIRY_NOTICE_DAYS: i64 = 90;

/// Longest e-mail address accepted (RFC 5321's limit for a path).
pub const MAX_EMAIL_CHARS: usize = 254;

/// What a notification tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// To approvers: an applicant asks for pre-consultation.
    ConsultationRequested,
    /// To approvers: an application was submitted.
    Submitted,
    /// To approvers: an application was submitted again with its assessment as changed.
    Resubmitted,
    /// To CISOs: a submitted application needs the CISO's acceptance.
    AcceptanceNeeded,
    /// To approvers: the CISO recorded an acceptance; the application can be decided.
    CisoAccepted,
    /// To the applicant: the consultation was answered 協議済.
    Consulted,
    /// To the applicant: the consultation was answered 要修正.
    RevisionRequested,
    /// To the applicant: the application was returned for changes.
    Returned,
    /// To the applicant.
    Approved,
    /// To the applicant.
    Rejected,
    /// To the department: the period ends within [`EXPIRY_NOTICE_DAYS`] days.
    Expiring,
    /// To the department: the period has ended (期限切れ).
    Expired,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 12] = [
        NoticeKind::ConsultationRequested,
        NoticeKind::Submitted,
        NoticeKind::Resubmitted,
        NoticeKind::AcceptanceNeeded,
        NoticeKind::CisoAccepted,
        NoticeKind::Consulted,
        NoticeKind::RevisionRequested,
        NoticeKind::Returned,
        NoticeKind::Approved,
        NoticeKind::Rejected,
        NoticeKind::Expiring,
        NoticeKind::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::ConsultationRequested => "consultation_requested",
            NoticeKind::Submitted => "submitted",
            NoticeKind::Resubmitted => "resubmitted",
            NoticeKind::AcceptanceNeeded => "acceptance_needed",
            NoticeKind::CisoAccepted => "ciso_accepted",
            NoticeKind::Consulted => "consulted",
            NoticeKind::RevisionRequested => "revision_requested",
            NoticeKind::Returned => "returned",
            NoticeKind::Approved => "approved",
            NoticeKind::Rejected => "rejected",
            NoticeKind::Expiring => "expiring",
            NoticeKind::Expired => "expired",
        }
    }

    pub fn parse(name: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The heading of the list the in-app page groups it under.
    pub fn group(self) -> &'static str {
        match self {
            NoticeKind::ConsultationRequested
            | NoticeKind::Submitted
            | NoticeKind::Resubmitted
            | NoticeKind::CisoAccepted => "対応を待っている申請",
            NoticeKind::AcceptanceNeeded => "例外の承認が必要な申請",
            NoticeKind::Consulted | NoticeKind::RevisionRequested => "事前協議の回答",
            NoticeKind::Returned => "差し戻された申請",
            NoticeKind::Approved | NoticeKind::Rejected => "申請の結果",
            NoticeKind::Expiring | NoticeKind::Expired => "利用期間の終了",
        }
    }
}

/// Who is to be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The applicant of the application.
    Applicant,
    /// Every active user of the organization with this role, except the one who acted.
    Everyone(UserRole),
}

/// Who is told of a step of the workflow, and what. `required` is what the judgement decided
/// on needs accepted (for a submission, the one just pinned).
pub fn after_action(action: Action, required: Approvals) -> Vec<(Audience, NoticeKind)> {
    use Audience::{Applicant, Everyone};
    let approvers = Everyone(UserRole::Approver);
    match action {
        Action::StartPreConsultation => vec![(approvers, NoticeKind::ConsultationRequested)],
        Action::ConcludeConsultation => vec![(Applicant, NoticeKind::Consulted)],
        Action::RequestRevision => vec![(Applicant, NoticeKind::RevisionRequested)],
        Action::Submit | Action::Resubmit => {
            let kind = if action == Action::Submit {
                NoticeKind::Submitted
            } else {
                NoticeKind::Resubmitted
            };
            let mut told = vec![(approvers, kind)];
            if required.contains(Role::Ciso) {
                told.push((Everyone(UserRole::Ciso), NoticeKind::AcceptanceNeeded));
            }
            told
        }
        Action::Return => vec![(Applicant, NoticeKind::Returned)],
        Action::Approve => vec![(Applicant, NoticeKind::Approved)],
        Action::Reject => vec![(Applicant, NoticeKind::Rejected)],
    }
}

/// Who is told of an acceptance recorded for `role`: when the CISO has accepted, the approvers
/// may decide.
pub fn after_acceptance(role: Role) -> Vec<(Audience, NoticeKind)> {
    match role {
        Role::Ciso => vec![(
            Audience::Everyone(UserRole::Approver),
            NoticeKind::CisoAccepted,
        )],
        Role::Approver => Vec::new(),
    }
}

/// Which users of the entry's department are told that its period ends: those who file its
/// renewal (the department's information security managers).
pub fn told_of_expiry(role: UserRole) -> bool {
    role == UserRole::Applicant
}

/// The stage of a ledger entry's period that its department is told of, if any: 期限切れ from
/// the day after the end, and from [`EXPIRY_NOTICE_DAYS`] days before, that it ends soon.
pub fn expiry_stage(period_end: Date, today: Date) -> Option<NoticeKind> {
    if today > period_end {
        Some(NoticeKind::Expired)
    } else if (period_end - today).whole_days() <= EXPIRY_NOTICE_DAYS {
        Some(NoticeKind::Expiring)
    } else {
        None
    }
}

/// The facts a notification about an application speaks of.
#[derive(Clone, Debug)]
pub struct ApplicationFacts<'a> {
    pub service_name: &'a str,
    pub kind: Kind,
    /// Who acted: 「田中 一郎（情報政策課）」.
    pub actor: &'a str,
    pub comment: &'a str,
    /// The verdict decided on and what it needs accepted.
    pub verdict: Verdict,
    pub required: Approvals,
}

/// The facts a notification about a ledger entry speaks of.
#[derive(Clone, Debug)]
pub struct EntryFacts<'a> {
    pub service_name: &'a str,
    pub department: &'a str,
    pub period_end: Date,
    pub today: Date,
}

/// A notification's words: a one-line title and a few sentences, polite Japanese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Words {
    pub title: String,
    pub body: String,
}

/// The words of a notification about an application.
pub fn application_words(kind: NoticeKind, facts: &ApplicationFacts<'_>) -> Words {
    let service = facts.service_name;
    let what = match facts.kind {
        Kind::New => "利用申請".to_owned(),
        other => other.label().to_owned(),
    };
    let comment = facts.comment.trim();
    let with_comment = |text: String| {
        if comment.is_empty() {
            text
        } else {
            format!("{text}\n\nコメント: {comment}")
        }
    };
    let needs = |roles: Approvals| -> String {
        let names: Vec<&str> = roles.iter().map(Role::label).collect();
        if names.is_empty() {
            String::new()
        } else {
            format!(
                "承認の前に{}による例外の承認（理由つき）が必要です。",
                names.join("と")
            )
        }
    };
    let verdict = facts.verdict.label();
    let actor = facts.actor;
    let (title, body) = match kind {
        NoticeKind::ConsultationRequested => (
            format!("「{service}」の事前協議の依頼が届きました"),
            with_comment(format!(
                "{actor}から、「{service}」の{what}について事前協議の依頼がありました。内容を確認し、「協議済」か「要修正」で回答してください。"
            )),
        ),
        NoticeKind::Submitted | NoticeKind::Resubmitted => {
            let verb = if kind == NoticeKind::Submitted {
                "申請"
            } else {
                "再申請"
            };
            (
                format!("「{service}」の{what}が{}されました", verb),
                format!(
                    "{actor}から「{service}」の{what}が{verb}されました。判定は「{verdict}」です。{}審査してください。",
                    needs(facts.required)
                ),
            )
        }
        NoticeKind::AcceptanceNeeded => (
            format!("「{service}」の{what}に統括情報セキュリティ責任者による例外の承認が必要です"),
            format!(
                "{actor}から申請された「{service}」の{what}は、判定が「{verdict}」で、統括情報セキュリティ責任者による例外の承認（理由つき）が必要です。内容を確認し、例外の承認を記録してください。"
            ),
        ),
        NoticeKind::CisoAccepted => (
            format!(
                "「{service}」の{what}に統括情報セキュリティ責任者による例外の承認が記録されました"
            ),
            with_comment(format!(
                "{actor}が「{service}」の{what}について例外の承認を記録しました。承認・却下・差し戻しを判断できます。"
            )),
        ),
        NoticeKind::Consulted => (
            format!("「{service}」の事前協議に「協議済」と回答がありました"),
            with_comment(format!(
                "{actor}から、「{service}」の事前協議に「協議済」と回答がありました。利用申請できます。"
            )),
        ),
        NoticeKind::RevisionRequested => (
            format!("「{service}」の事前協議に「要修正」と回答がありました"),
            with_comment(format!(
                "{actor}から、「{service}」の事前協議に「要修正」と回答がありました。コメントに沿って評価を見直し、もう一度事前協議を依頼してください。"
            )),
        ),
        NoticeKind::Returned => (
            format!("「{service}」の{what}が差し戻されました"),
            with_comment(format!(
                "{actor}が「{service}」の{what}を差し戻しました。申請は下書きに戻っています。コメントに沿って見直し、もう一度申請してください。"
            )),
        ),
        NoticeKind::Approved => (
            format!("「{service}」の{what}が承認されました"),
            with_comment(format!(
                "{actor}が「{service}」の{what}を承認しました。外部サービス利用台帳に記録されています。"
            )),
        ),
        NoticeKind::Rejected => (
            format!("「{service}」の{what}が却下されました"),
            with_comment(format!("{actor}が「{service}」の{what}を却下しました。")),
        ),
        NoticeKind::Expiring | NoticeKind::Expired => {
            (format!("「{service}」についてのお知らせ"), String::new())
        }
    };
    Words { title, body }
}

/// The words of a notification about a ledger entry's period.
pub fn entry_words(kind: NoticeKind, facts: &EntryFacts<'_>) -> Words {
    let service = facts.service_name;
    let end = crate::wareki::with_iso(facts.period_end);
    let department = facts.department;
    if kind == NoticeKind::Expired {
        Words {
            title: format!("「{service}」の利用期間が終わりました（期限切れ）"),
            body: format!(
                "{department}の「{service}」は、利用期間が {end} に終わりました。引き続き使う場合は、台帳の項目の画面から更新申請をしてください。使わない場合は、情報システム管理者に廃止を依頼してください。"
            ),
        }
    } else {
        let days = (facts.period_end - facts.today).whole_days();
        Words {
            title: format!(
                "「{service}」の利用期間が {} に終わります",
                facts.period_end
            ),
            body: format!(
                "{department}の「{service}」は、利用期間が {end} に終わります（あと {days} 日）。引き続き使う場合は、台帳の項目の画面から更新申請をしてください。"
            ),
        }
    }
}

/// How a user wants notifications by e-mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum MailMode {
    /// One mail for each notification.
    #[default]
    Each,
    /// One mail a day with everything since the last.
    Digest,
    /// No mail; the in-app list only.
    Off,
}

impl MailMode {
    pub const ALL: [MailMode; 3] = [MailMode::Each, MailMode::Digest, MailMode::Off];

    pub fn as_str(self) -> &'static str {
        match self {
            MailMode::Each => "each",
            MailMode::Digest => "digest",
            MailMode::Off => "off",
        }
    }

    pub fn parse(name: &str) -> Option<MailMode> {
        MailMode::ALL.into_iter().find(|m| m.as_str() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            MailMode::Each => "お知らせごとに送る",
            MailMode::Digest => "1 日 1 回まとめて送る",
            MailMode::Off => "送らない（画面のお知らせだけ）",
        }
    }
}

impl fmt::Display for MailMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why an e-mail address is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "メールアドレスの形が正しくありません（例: tanaka@example.lg.jp。半角で、空白を含めずに書いてください）"
)]
pub struct BadAddress;

/// An e-mail address as people type it, trimmed; empty means none. Plain ASCII `local@domain`
/// only: the municipality's relay is not assumed to speak SMTPUTF8.
pub fn email_address(text: &str) -> Result<String, BadAddress> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    let Some((local, domain)) = text.split_once('@') else {
        return Err(BadAddress);
    };
    let allowed = |c: char| c.is_ascii_graphic() && !"<>()[]\\,;:\"@".contains(c);
    let fine = text.chars().count() <= MAX_EMAIL_CHARS
        && !local.is_empty()
        && local.len() <= 64
        && local.chars().all(allowed)
        && !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if fine {
        Ok(text.to_owned())
    } else {
        Err(BadAddress)
    }
}

/// One notification as a mail tells it.
#[derive(Clone, Debug)]
pub struct Notice<'a> {
    pub title: &'a str,
    pub body: &'a str,
    /// The page to open, as a full address when sentei's address is known.
    pub link: Option<String>,
    pub at: time::OffsetDateTime,
}

/// A mail to send: subject and plain-text body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub body: String,
}

const SUBJECT_PREFIX: &str = "【sentei】";

fn footer() -> &'static str {
    "-- \nこのメールは sentei（外部サービス選定）から自動で送信しています。返信されても読めません。\nメールの受け取り方（お知らせごと・1 日 1 回まとめて・送らない）は、sentei の「お知らせ」の画面で変えられます。"
}

fn time_in_japan(at: time::OffsetDateTime) -> String {
    let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let t = at.to_offset(jst);
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

/// The mail for one notification, to `name`.
pub fn single_mail(name: &str, notice: &Notice<'_>) -> Mail {
    let mut body = format!("{name} 様\n\n{}\n", notice.body);
    if let Some(link) = &notice.link {
        body.push_str(&format!("\n{link}\n"));
    }
    body.push('\n');
    body.push_str(footer());
    body.push('\n');
    Mail {
        subject: format!("{SUBJECT_PREFIX}{}", notice.title),
        body,
    }
}

/// The daily mail with every notification since the last, oldest first, to `name`.
pub fn digest_mail(name: &str, day: Date, notices: &[Notice<'_>]) -> Mail {
    let mut body = format!(
        "{name} 様\n\nsentei からのお知らせが {} 件あります（{} までの分）。\n",
        notices.len(),
        crate::wareki::with_iso(day)
    );
    for (n, notice) in notices.iter().enumerate() {
        body.push_str(&format!(
            "\n■ {}. {}（{}）\n{}\n",
            n + 1,
            notice.title,
            time_in_japan(notice.at),
            notice.body
        ));
        if let Some(link) = &notice.link {
            body.push_str(&format!("{link}\n"));
        }
    }
    body.push('\n');
    body.push_str(footer());
    body.push('\n');
    Mail {
        subject: format!(
            "{SUBJECT_PREFIX}お知らせのまとめ（{} 件、{}）",
            notices.len(),
            day
        ),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn each_step_tells_who_acts_next() {
        let none = Approvals::NONE;
        let ciso = Approvals::of(&[Role::Ciso]);
        let approvers = Audience::Everyone(UserRole::Approver);
        assert_eq!(
            after_action(Action::StartPreConsultation, none),
            vec![(approvers, NoticeKind::ConsultationRequested)]
        );
        assert_eq!(
            after_action(Action::Submit, none),
            vec![(approvers, NoticeKind::Submitted)]
        );
        assert_eq!(
            after_action(Action::Resubmit, ciso),
            vec![
                (approvers, NoticeKind::Resubmitted),
                (
                    Audience::Everyone(UserRole::Ciso),
                    NoticeKind::AcceptanceNeeded
                )
            ]
        );
        for (action, kind) in [
            (Action::ConcludeConsultation, NoticeKind::Consulted),
            (Action::RequestRevision, NoticeKind::RevisionRequested),
            (Action::Return, NoticeKind::Returned),
            (Action::Approve, NoticeKind::Approved),
            (Action::Reject, NoticeKind::Rejected),
        ] {
            assert_eq!(
                after_action(action, ciso),
                vec![(Audience::Applicant, kind)]
            );
        }
        assert_eq!(
            after_acceptance(Role::Ciso),
            vec![(approvers, NoticeKind::CisoAccepted)]
        );
        assert!(after_acceptance(Role::Approver).is_empty());
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn expiry_is_told_from_ninety_days_before_and_once_past_the_end() {
        let end = date!(2027 - 03 - 31);
        assert_eq!(expiry_stage(end, date!(2026 - 12 - 30)), None);
        assert_eq!(
            expiry_stage(end, date!(2026 - 12 - 31)),
            Some(NoticeKind::Expiring)
        );
        assert_eq!(expiry_stage(end, end), Some(NoticeKind::Expiring));
        assert_eq!(
            expiry_stage(end, date!(2027 - 04 - 01)),
            Some(NoticeKind::Expired)
        );
        assert!(told_of_expiry(UserRole::Applicant));
        assert!(!told_of_expiry(UserRole::Auditor));
    }

    #[test]
    fn words_are_polite_japanese_with_the_comment() {
        let facts = ApplicationFacts {
            service_name: "クラウド会計",
            kind: Kind::New,
            actor: "承認 花子（情報政策課）",
            comment: "暗号化の根拠を添付してください",
            verdict: Verdict::Conditional,
            required: Approvals::of(&[Role::Approver, Role::Ciso]),
        };
        let returned = application_words(NoticeKind::Returned, &facts);
        assert_eq!(
            returned.title,
            "「クラウド会計」の利用申請が差し戻されました"
        );
        assert!(
            returned
                .body
                .ends_with("コメント: 暗号化の根拠を添付してください")
        );
        let submitted = application_words(NoticeKind::Submitted, &facts);
        assert!(
            submitted
                .body
                .contains("情報システム管理者と統括情報セキュリティ責任者による例外の承認"),
            "{}",
            submitted.body
        );
        let renewal = ApplicationFacts {
            kind: Kind::Renewal,
            ..facts
        };
        assert!(
            application_words(NoticeKind::Approved, &renewal)
                .title
                .contains("更新申請が承認されました")
        );
        let entry = EntryFacts {
            service_name: "Web 会議",
            department: "総務課",
            period_end: date!(2027 - 03 - 31),
            today: date!(2027 - 03 - 01),
        };
        let soon = entry_words(NoticeKind::Expiring, &entry);
        assert!(soon.body.contains("あと 30 日"), "{}", soon.body);
        assert!(soon.body.contains("令和9年3月31日"), "{}", soon.body);
        assert!(
            entry_words(NoticeKind::Expired, &entry)
                .title
                .contains("期限切れ")
        );
    }

    #[test]
    fn mails_address_the_person_and_digests_list_every_notice() {
        let at = datetime!(2027-03-01 00:30 UTC);
        let one = Notice {
            title: "題1",
            body: "本文1",
            link: Some("https://sentei.example.lg.jp/applications/3".to_owned()),
            at,
        };
        let two = Notice {
            title: "題2",
            body: "本文2",
            link: None,
            at,
        };
        let mail = single_mail("田中 一郎", &one);
        assert_eq!(mail.subject, "【sentei】題1");
        assert!(mail.body.starts_with("田中 一郎 様\n\n本文1\n"));
        assert!(
            mail.body
                .contains("https://sentei.example.lg.jp/applications/3")
        );
        let digest = digest_mail("田中 一郎", date!(2027 - 03 - 01), &[one, two]);
        assert_eq!(
            digest.subject,
            "【sentei】お知らせのまとめ（2 件、2027-03-01）"
        );
        assert!(digest.body.contains("■ 1. 題1（2027-03-01 09:30）"));
        assert!(digest.body.contains("■ 2. 題2"));
    }

    #[test]
    fn addresses_are_plain_and_optional() {
        assert_eq!(email_address("  "), Ok(String::new()));
        assert_eq!(
            email_address(" tanaka@example.lg.jp "),
            Ok("tanaka@example.lg.jp".to_owned())
        );
        for bad in [
            "tanaka",
            "@example.jp",
            "tanaka@",
            "田中@example.jp",
            "a b@example.jp",
            "a@exa mple.jp",
            "a@-x.jp",
            "a@x..jp",
            "a@b@c.jp",
            "a\r\nBcc: x@y.jp@example.jp",
        ] {
            assert_eq!(email_address(bad), Err(BadAddress), "{bad}");
        }
        for mode in MailMode::ALL {
            assert_eq!(MailMode::parse(mode.as_str()), Some(mode));
        }
    }
}
