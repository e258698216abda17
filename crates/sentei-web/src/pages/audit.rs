//! The audit trail for auditors and administrators: filtered by who acted, what was done and
//! a range of dates (in Japan), each record with what changed in words beside its digest,
//! exported as CSV with the same filters, and the verification of its hash chain.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sentei_core::audit::{action_label, actor_label, object_label};
use sentei_exchange::audit_csv;
use sentei_store::AuditQuery;
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::layout::{self, Layout};
use crate::pages::{Pager, nonempty, query_string};
use crate::state::AppState;

/// The filters, as the form sends them.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    page: u64,
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl Filters {
    /// The store's query; a date that is not one is a problem to show.
    fn query(&self, page_size: u64) -> Result<AuditQuery, String> {
        let day = |text: &Option<String>, what: &str| -> Result<Option<time::Date>, String> {
            nonempty(text)
                .map(|t| {
                    time::Date::parse(&t, &time::format_description::well_known::Iso8601::DATE)
                        .map_err(|_| format!("{what}の日付は 2026-04-01 の形で入力してください"))
                })
                .transpose()
        };
        Ok(AuditQuery {
            actor: nonempty(&self.actor),
            action: nonempty(&self.action),
            from: day(&self.from, "期間の始まり")?,
            to: day(&self.to, "期間の終わり")?,
            page: self.page,
            page_size,
        })
    }

    /// The filters as a query string, without the page.
    fn query_string(&self) -> String {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        query_string(&[
            ("actor", &text(&self.actor)),
            ("action", &text(&self.action)),
            ("from", &text(&self.from)),
            ("to", &text(&self.to)),
        ])
    }
}

struct Row {
    seq: i64,
    at: String,
    who: String,
    login: String,
    action: String,
    object: String,
    /// The page of the object, if it has one.
    link: Option<String>,
    summary: Vec<String>,
    digest: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    layout: Layout,
    verification: Option<String>,
    verified: bool,
    problem: Option<String>,
    actors: Vec<(String, String, bool)>,
    actions: Vec<(String, String, bool)>,
    from: String,
    to: String,
    filtered: bool,
    csv: String,
    rows: Vec<Row>,
    pager: Pager,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    page(&state, &signed, &filters, None).await
}

/// Verifies the organization's chain, then shows the trail with the result.
pub async fn verify(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Result<Response, PageError> {
    let orgs = state.store.organizations().await?;
    let code = orgs
        .iter()
        .find(|o| o.id == signed.actor.org_id())
        .map(|o| o.code.clone())
        .unwrap_or_default();
    let result = state.store.verify_audit(Some(&code)).await?;
    // The chain, the heads published outside the database and the rows compared with the
    // chain (issue 12, finding 15): any problem is shown, each in its own sentence.
    let verification = result.first().map(|r| match (&r.result, r.holds()) {
        (Ok(summary), true) => (
            format!(
                "記録 {} 件の鎖を検証しました。改ざんはありません。利用者・台帳の項目・申請・評価の {} 行も、監査記録が最後に記録した状態と一致しました。末尾のハッシュ: {}",
                summary.count, r.rows_checked, summary.head
            ),
            true,
        ),
        (Err(_), _) => (
            format!("監査記録の鎖が壊れています: {}", r.problems().join(" ／ ")),
            false,
        ),
        (Ok(_), false) => (
            format!(
                "監査記録と一致しないところがあります: {}",
                r.problems().join(" ／ ")
            ),
            false,
        ),
    });
    page(&state, &signed, &Filters::default(), verification).await
}

async fn page(
    state: &AppState,
    signed: &Signed,
    filters: &Filters,
    verification: Option<(String, bool)>,
) -> Result<Response, PageError> {
    let names = state.store.names_by_login(&signed.actor).await?;
    let (actors, actions) = state.store.audit_choices(&signed.actor).await?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let (actor, action) = (text(&filters.actor), text(&filters.action));
    let mut shown = AuditPage {
        layout: Layout::new("監査記録", Some(signed), "/audit"),
        verified: verification.as_ref().is_some_and(|v| v.1),
        verification: verification.map(|v| v.0),
        problem: None,
        actors: actors
            .iter()
            .map(|a| (a.clone(), actor_choice(a, &names), *a == actor))
            .collect(),
        actions: actions
            .iter()
            .map(|a| (a.clone(), action_label(a), *a == action))
            .collect(),
        from: text(&filters.from),
        to: text(&filters.to),
        filtered: !filters.query_string().is_empty(),
        csv: format!("/audit.csv?{}", filters.query_string()),
        rows: Vec::new(),
        pager: Pager {
            page: 1,
            pages: 1,
            total: 0,
            prev: None,
            next: None,
        },
    };
    let found = match filters.query(100) {
        Ok(query) => state.store.audit_search(&signed.actor, &query).await,
        Err(problem) => {
            shown.problem = Some(problem);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response());
        }
    };
    let records = match found {
        Ok(records) => records,
        Err(error) => match AppError::from(error) {
            AppError::Refused(problem) => {
                shown.problem = Some(problem);
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response());
            }
            other => return Err(PageError(other)),
        },
    };
    shown.rows = records.items.iter().map(|r| row(r, &names)).collect();
    shown.pager = Pager::of(&records, "/audit", &filters.query_string());
    Ok(shown.into_response())
}

/// An actor as the filter offers it: 「田中 一郎（tanaka）」 for a user, or what a non-user is.
fn actor_choice(actor: &str, names: &HashMap<String, String>) -> String {
    match (actor_label(actor), names.get(actor)) {
        (Some(label), _) => label,
        (None, Some(name)) => format!("{name}（{actor}）"),
        (None, None) => actor.to_owned(),
    }
}

fn row(r: &sentei_store::AuditView, names: &HashMap<String, String>) -> Row {
    let (object, link) = object_label(&r.object);
    let who = audit_csv::who(&r.actor, names);
    Row {
        seq: r.seq,
        at: layout::time(r.at),
        login: if actor_label(&r.actor).is_none() && who != r.actor {
            r.actor.clone()
        } else {
            String::new()
        },
        who,
        action: action_label(&r.action),
        object,
        link,
        summary: r
            .summary
            .as_deref()
            .map(|s| s.lines().map(str::to_owned).collect())
            .unwrap_or_default(),
        digest: r.digest.chars().take(16).collect(),
    }
}

/// The filtered trail as CSV (UTF-8 with BOM), oldest first, for auditors' spreadsheets.
pub async fn csv(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let query = filters
        .query(0)
        .map_err(|problem| PageError(AppError::Refused(problem)))?;
    let records = state.store.audit_export(&signed.actor, &query).await?;
    let names = state.store.names_by_login(&signed.actor).await?;
    let body = audit_csv::write(&records, &names).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let name = format!("attachment; filename=\"audit-{}.csv\"", layout::today());
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
