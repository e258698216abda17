//! Applications (利用申請): the list, creating one (new, or a change or renewal of a ledger
//! entry), and the actions and acceptances on an application's page (`application_view.rs`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::extract::PageForm;
use sentei_core::workflow::{Action, Kind, Status};
use sentei_store::NewApplication;
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::layout::{self, Layout};
use crate::pages::application_view::{DetailPage, load};
use crate::pages::{Done, Pager, ServiceNames, nonempty, options, query_string};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Filters {
    status: Option<String>,
    #[serde(default)]
    page: u64,
}

struct Row {
    id: i64,
    service: String,
    kind: &'static str,
    status: &'static str,
    department: String,
    period: String,
    updated: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "applications.html")]
pub struct ListPage {
    layout: Layout,
    statuses: Vec<(String, String, bool)>,
    rows: Vec<Row>,
    pager: Pager,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(filters): Query<Filters>,
) -> Result<ListPage, PageError> {
    let status = nonempty(&filters.status);
    let parsed = status.as_deref().and_then(Status::parse);
    let page = state
        .store
        .applications(&signed.actor, parsed, filters.page, 50)
        .await?;
    let names = ServiceNames::load(
        &state,
        &signed.actor,
        page.items.iter().map(|a| a.service_id),
    )
    .await?;
    let status = status.unwrap_or_default();
    let pager = Pager::of(
        &page,
        "/applications",
        &query_string(&[("status", &status)]),
    );
    Ok(ListPage {
        layout: Layout::new("利用申請", Some(&signed), "/applications"),
        statuses: options(
            Status::ALL.into_iter().map(|s| (s.as_str(), s.label())),
            &status,
        ),
        rows: page
            .items
            .into_iter()
            .map(|a| Row {
                id: a.id,
                service: names.get(a.service_id),
                kind: a.kind.label(),
                status: a.status.label(),
                department: a.department,
                period: format!("{} 〜 {}", a.period_start, a.period_end),
                updated: layout::time(a.updated_at),
            })
            .collect(),
        pager,
    })
}

#[derive(Deserialize)]
pub struct NewForm {
    service_id: i64,
    assessment_id: i64,
    purpose: String,
    user_scope: String,
    period_start: String,
    period_end: String,
    /// `change` or `renewal` with the ledger entry it is for; a new use otherwise.
    #[serde(default)]
    kind: String,
    ledger_entry_id: Option<i64>,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    PageForm(form): PageForm<NewForm>,
) -> Result<Response, PageError> {
    let date = |text: &str, what: &str| {
        time::Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
            .map_err(|_| AppError::Refused(format!("{what}を 2026-04-01 の形で入力してください")))
    };
    let application = state
        .store
        .create_application(
            &signed.actor,
            NewApplication {
                service_id: form.service_id,
                assessment_id: form.assessment_id,
                purpose: form.purpose,
                user_scope: form.user_scope,
                period_start: date(&form.period_start, "利用期間の開始日")?,
                period_end: date(&form.period_end, "利用期間の終了日")?,
                kind: Kind::parse(&form.kind).unwrap_or(Kind::New),
                ledger_entry_id: form.ledger_entry_id,
            },
        )
        .await?;
    Ok(Redirect::to(&format!("/applications/{}?done=created", application.id)).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<DetailPage, PageError> {
    let mut page = load(&state, &signed, id).await?;
    page.layout = page.layout.with_notice(done.done.as_deref());
    Ok(page)
}

#[derive(Deserialize)]
pub struct ActForm {
    action: String,
    #[serde(default)]
    comment: String,
    seen_assessment_version: Option<i64>,
}

pub async fn act(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ActForm>,
) -> Result<Response, PageError> {
    let action = Action::parse(&form.action)
        .ok_or_else(|| AppError::BadRequest("不明な操作です".to_owned()))?;
    let acted = state
        .store
        .act(
            &signed.actor,
            &state.catalog,
            id,
            action,
            &form.comment,
            form.seen_assessment_version,
        )
        .await;
    match acted {
        Ok(_) => Ok(Redirect::to(&format!("/applications/{id}?done=acted")).into_response()),
        Err(refused) => {
            refused_again(
                &state,
                &signed,
                id,
                refused.into(),
                form.comment,
                String::new(),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct AcceptForm {
    reason: String,
}

pub async fn accept(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<AcceptForm>,
) -> Result<Response, PageError> {
    let accepted = state
        .store
        .accept(&signed.actor, &state.catalog, id, &form.reason)
        .await;
    match accepted {
        Ok(()) => Ok(Redirect::to(&format!("/applications/{id}?done=accepted")).into_response()),
        Err(refused) => {
            refused_again(
                &state,
                &signed,
                id,
                refused.into(),
                String::new(),
                form.reason,
            )
            .await
        }
    }
}

/// A refused action: the application's page again, saying why, with what was typed.
async fn refused_again(
    state: &AppState,
    signed: &Signed,
    id: i64,
    error: AppError,
    comment: String,
    reason: String,
) -> Result<Response, PageError> {
    let (AppError::Refused(problem) | AppError::Conflict(problem)) = error else {
        return Err(PageError(error));
    };
    let mut page = load(state, signed, id).await?;
    page.problem = Some(problem);
    page.comment = comment;
    page.reason = reason;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
