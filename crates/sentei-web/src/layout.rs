//! What every page shows around its content: the title, the signed-in user, the menu for their
//! role, the CSRF token for forms, and a notice after an action. Also the Japanese labels and
//! date formats pages share.

use sentei_core::access::Capability;
use sentei_core::judgement::Verdict;
use sentei_core::workflow::Status;

use crate::assets;
use crate::auth::Signed;

pub struct Layout {
    pub title: String,
    pub user: Option<UserBar>,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub notice: Option<String>,
    pub css: String,
    pub htmx: String,
}

pub struct UserBar {
    pub name: String,
    pub department: String,
    pub role: &'static str,
    /// Unread notifications.
    pub unread: u64,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The menu, with the capability each entry needs.
const MENU: [(&str, &str, Option<Capability>); 8] = [
    ("/", "ホーム", None),
    ("/services", "サービス", Some(Capability::Read)),
    ("/applications", "利用申請", Some(Capability::Read)),
    ("/ledger", "利用台帳", Some(Capability::Read)),
    ("/profiles", "基準", Some(Capability::Read)),
    ("/audit", "監査記録", Some(Capability::ReadAudit)),
    ("/users", "利用者の管理", Some(Capability::Administer)),
    ("/account", "アカウント", None),
];

impl Layout {
    /// The layout of a page titled `title` at `path`, for `signed` (None before sign-in).
    pub fn new(title: impl Into<String>, signed: Option<&Signed>, path: &str) -> Layout {
        let nav = match signed {
            None => Vec::new(),
            Some(signed) => MENU
                .iter()
                .filter(|(_, _, capability)| capability.is_none_or(|c| signed.actor.can(c)))
                .map(|&(href, label, _)| NavItem {
                    href,
                    label,
                    current: if href == "/" {
                        path == "/"
                    } else {
                        path.starts_with(href)
                    },
                })
                .collect(),
        };
        Layout {
            title: title.into(),
            user: signed.map(|s| UserBar {
                name: s.actor.display_name().to_owned(),
                department: s.actor.department().to_owned(),
                role: s.actor.role().label(),
                unread: s.unread,
            }),
            csrf: signed.map(|s| s.csrf().to_owned()).unwrap_or_default(),
            nav,
            notice: None,
            css: assets::url("style.css"),
            htmx: assets::url("vendor/htmx-2.0.11.min.js"),
        }
    }

    /// Adds the notice for a `done=` code after an action.
    pub fn with_notice(mut self, done: Option<&str>) -> Layout {
        self.notice = done.and_then(notice).map(str::to_owned);
        self
    }
}

/// The message for an action's `done=` code; unknown codes show nothing.
fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "保存しました。",
        "filled" => {
            "未回答だった適用される項目を「満たす（一括）」にして保存しました。一括で回答した項目は、項目ごとの回答と区別して記録し、ほかの項目の適用や水準を変えません。"
        }
        "sheet" => "チェックシートの回答を保存しました。",
        "link-revoked" => "回答リンクを取り消しました。",
        "created" => "作成しました。",
        "draft-deleted" => "下書きの申請を削除しました。",
        "service-deleted" => "サービスを削除しました。",
        "acted" => "手続を進めました。",
        "accepted" => "例外の承認を記録しました。",
        "ledger" => "台帳を更新しました。",
        "imported" => "既存の台帳を取り込みました。",
        "password" => "パスワードを変更しました。",
        "user" => "利用者を更新しました。",
        "deactivated" => {
            "利用者を無効にしました。ログイン中の画面と API トークンもすべて使えなくなりました。"
        }
        "activated" => "利用者を有効に戻しました。",
        "organization" => "組織の名称を変更しました。",
        "token-revoked" => "トークンを無効にしました。",
        "attached" => "ファイルを添付しました。",
        "detached" => "添付ファイルを削除しました。",
        "read" => "既読にしました。",
        "mail" => "メールの受け取り方を保存しました。",
        _ => return None,
    })
}

pub fn verdict_label(verdict: &str) -> &'static str {
    match verdict {
        "approvable" => Verdict::Approvable.label(),
        "conditional" => Verdict::Conditional.label(),
        "incomplete" => Verdict::Incomplete.label(),
        "not_approvable" => Verdict::NotApprovable.label(),
        "prohibited" => Verdict::Prohibited.label(),
        _ => "未評価",
    }
}

pub fn status_label(status: &str) -> &'static str {
    Status::parse(status).map_or("申請なし", Status::label)
}

/// `2026-11-22（令和8年11月22日）`.
pub fn date(date: time::Date) -> String {
    sentei_core::wareki::with_iso(date)
}

/// A time in Japan (JST) to the minute: `2026-11-22 14:05`.
pub fn time(at: time::OffsetDateTime) -> String {
    let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let t = at.to_offset(jst);
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

/// A time in Japan to the minute with the Japanese era beside the date:
/// `2026-11-22（令和8年11月22日） 14:05`.
pub fn time_with_wareki(at: time::OffsetDateTime) -> String {
    let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let t = at.to_offset(jst);
    format!("{} {:02}:{:02}", date(t.date()), t.hour(), t.minute())
}

/// Today in Japan.
pub fn today() -> time::Date {
    let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::now_utc().to_offset(jst).date()
}
