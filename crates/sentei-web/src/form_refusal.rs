//! A page form that could not be read (a field missing, a number that is not one) shown back
//! as typed: in the site's layout, the field named in Japanese with the problem beside it,
//! every value as sent, and a button that sends it again to the same address. Whatever the
//! form, nobody meets the framework's English (`Failed to deserialize form body`) or loses
//! what they typed (issue 13).

use askama::Template;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};

use crate::auth::Signed;
use crate::layout::Layout;

/// Every field of the site's forms, with its label; `human` fields are typed by people and
/// shown to correct, the others (ids, versions, tokens) are kept as they were.
const FIELDS: &[(&str, &str, bool)] = &[
    ("name", "名称", true),
    ("provider", "提供者の名称", true),
    ("description", "説明", true),
    ("purpose", "(ウ) 利用目的（業務内容）", true),
    ("user_scope", "(キ) 利用者の範囲", true),
    ("period_start", "(オ) 利用期間の開始日", true),
    ("period_end", "(オ) 利用期間の終了日", true),
    ("new_end", "新しい終了日", true),
    ("on", "廃止した日", true),
    ("comment", "コメント", true),
    ("reason", "例外を承認する理由", true),
    ("contact", "回答する方（事業者の担当者）", true),
    ("days", "有効な日数", true),
    ("login", "ログイン名", true),
    ("password", "パスワード", true),
    ("current", "現在のパスワード", true),
    ("new", "新しいパスワード", true),
    ("department", "課", true),
    ("email", "メールアドレス", true),
    ("role", "役割", true),
    ("scope", "トークンでできること", true),
    ("mode", "メールの受け取り方", true),
    ("profile", "基準", true),
    ("classification", "取り扱う情報の機密性", true),
    ("kind", "申請の種類", false),
    ("action", "操作", false),
    ("service_id", "サービス", false),
    ("assessment_id", "評価", false),
    ("ledger_entry_id", "台帳の項目", false),
    ("seen_assessment_version", "確認した評価の版", false),
    ("version", "版", false),
    ("document", "評価の内容", false),
    ("preview", "取り込む内容", false),
    ("rows", "取り込む行", false),
    ("file", "ファイル", false),
    ("confirmed", "確認", false),
    ("end_tokens", "API トークンも無効にする", false),
    ("open", "開くページ", false),
    ("next", "ログイン後のページ", false),
    ("csrf", "確認用の符号", false),
];

/// Fields whose values are never shown back.
const SECRET: [&str; 3] = ["password", "current", "new"];

fn known(name: &str) -> Option<(&'static str, bool)> {
    FIELDS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, label, human)| (label, human))
}

/// One field of the form as it is shown again.
#[derive(Debug)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub value: String,
    /// Shown to be corrected (a person typed it), or kept hidden as it was.
    pub human: bool,
    pub secret: bool,
    /// What is wrong with it.
    pub problem: Option<String>,
    /// A longer text: a text area rather than one line.
    pub long: bool,
}

#[derive(Template)]
#[template(path = "form_refused.html")]
pub struct Refused {
    layout: Layout,
    message: String,
    action: String,
    back: String,
    fields: Vec<Field>,
}

impl std::fmt::Debug for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refused")
            .field("message", &self.message)
            .field("action", &self.action)
            .finish_non_exhaustive()
    }
}

impl Refused {
    /// The refusal of the form sent to `parts` with `body`, from serde's `path` (the field that
    /// did not parse, `.` when the form as a whole did not) and its `error` (in English, never
    /// shown: only the field it names is used).
    pub fn new(parts: &Parts, body: &[u8], path: &str, error: &str) -> Refused {
        let signed = parts.extensions.get::<Signed>();
        let culprit = if path.is_empty() || path == "." {
            // 「missing field `purpose`」: the name is between the backticks.
            error
                .split('`')
                .nth(1)
                .map(str::to_owned)
                .unwrap_or_default()
        } else {
            path.to_owned()
        };
        let missing = error.starts_with("missing field");
        tracing::info!(
            request_id = crate::guard::request_id().unwrap_or_default(),
            field = %culprit,
            detail = %error,
            "form refused"
        );
        let mut fields: Vec<Field> = form_urlencoded::parse(body)
            .map(|(name, value)| field(&name, value.into_owned()))
            .collect();
        let (label, human) = known(&culprit).unwrap_or(("入力欄", false));
        let problem = match (missing, human) {
            (true, true) => format!("「{label}」が入力されていません。入力してください"),
            (false, true) => format!(
                "「{label}」を読み取れません。正しい形で入力してください（日付は 2026-04-01、日数は数字で）"
            ),
            (_, false) => format!(
                "ページの内容が古いか、欠けています（{label}）。元のページを開き直して、もう一度お試しください"
            ),
        };
        match fields.iter_mut().find(|f| f.name == culprit) {
            Some(f) => f.problem = Some(problem.clone()),
            None if human => {
                let mut added = field(&culprit, String::new());
                added.problem = Some(problem.clone());
                fields.push(added);
            }
            None => {}
        }
        Refused {
            layout: Layout::new("入力内容を確かめてください", signed, parts.uri.path()),
            message: problem,
            action: parts.uri.path().to_owned(),
            back: back(parts),
            fields,
        }
    }
}

fn field(name: &str, value: String) -> Field {
    let (label, human) = known(name).unwrap_or(("入力欄", false));
    let secret = SECRET.contains(&name);
    Field {
        name: name.to_owned(),
        label: label.to_owned(),
        long: value.contains('\n')
            || matches!(name, "purpose" | "comment" | "reason" | "description"),
        value: if secret { String::new() } else { value },
        human,
        secret,
        problem: None,
    }
}

/// Where 「送らずに戻る」 goes: the page the form was on, when it is a page of this site.
fn back(parts: &Parts) -> String {
    let referer = parts
        .headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let host = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let path = referer
        .split_once("://")
        .and_then(|(_, rest)| rest.strip_prefix(host))
        .filter(|_| !host.is_empty())
        .unwrap_or("");
    if path.starts_with('/')
        && !path.starts_with("//")
        && path
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    {
        path.to_owned()
    } else {
        "/".to_owned()
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let body = self.render().unwrap_or_else(|_| self.message.clone());
        (StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response()
    }
}
