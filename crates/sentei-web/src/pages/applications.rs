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
use crate::pages::confirm::ConfirmPage;
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
    /// A draft sent back (差し戻し or 要修正).
    returned: bool,
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
    // A draft sent back says so in the list too, not only on its page.
    let mut returned = std::collections::HashSet::new();
    for a in page.items.iter().filter(|a| a.status == Status::Draft) {
        let events = state.store.application_events(&signed.actor, a.id).await?;
        let last = events.last().and_then(|e| Action::parse(&e.action));
        if matches!(last, Some(Action::Return | Action::RequestRevision)) {
            returned.insert(a.id);
        }
    }
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
                returned: returned.contains(&a.id),
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
        time::Date::parse(
            text.trim(),
            &time::format_description::well_known::Iso8601::DATE,
        )
        .map_err(|_| AppError::Refused(format!("(オ) {what}を 2026-04-01 の形で入力してください")))
    };
    let created = async {
        let new = NewApplication {
            service_id: form.service_id,
            assessment_id: form.assessment_id,
            purpose: form.purpose.clone(),
            user_scope: form.user_scope.clone(),
            period_start: date(&form.period_start, "利用期間の開始日")?,
            period_end: date(&form.period_end, "利用期間の終了日")?,
            kind: Kind::parse(&form.kind).unwrap_or(Kind::New),
            ledger_entry_id: form.ledger_entry_id,
        };
        Ok::<_, AppError>(state.store.create_application(&signed.actor, new).await?)
    }
    .await;
    match created {
        Ok(application) => Ok(Redirect::to(&format!(
            "/applications/{}?done=created",
            application.id
        ))
        .into_response()),
        // Refused: the service's page again, with the form as typed and why.
        Err(AppError::Refused(problem)) => {
            let mut page =
                crate::pages::services::service_page(&state, &signed, form.service_id).await?;
            page.draft = crate::pages::services::DraftForm {
                assessment_id: form.assessment_id,
                purpose: form.purpose,
                user_scope: form.user_scope,
                period_start: form.period_start,
                period_end: form.period_end,
            };
            page.problem = Some(problem);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(PageError(other)),
    }
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
    /// `yes` once the person confirmed 承認 or 却下 on the page that asks.
    #[serde(default)]
    confirmed: String,
}

pub async fn act(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ActForm>,
) -> Result<Response, PageError> {
    let action = Action::parse(&form.action)
        .ok_or_else(|| AppError::BadRequest("不明な操作です".to_owned()))?;
    if matches!(action, Action::Approve | Action::Reject) && form.confirmed != "yes" {
        return confirm_decision(&state, &signed, id, action, form).await;
    }
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

/// The page that asks before 承認 or 却下: what is decided, on which version, with which
/// acceptances, and the comment once more. Refusals the rules would give are shown on the
/// application's page at once, before anyone is asked to confirm.
async fn confirm_decision(
    state: &AppState,
    signed: &Signed,
    id: i64,
    action: Action,
    form: ActForm,
) -> Result<Response, PageError> {
    let page = load(state, signed, id).await?;
    let offered = page
        .actions
        .iter()
        .any(|(code, _)| *code == action.as_str());
    if action.needs_comment() && form.comment.trim().is_empty() {
        let refusal = sentei_core::workflow::Refusal::CommentRequired { action };
        return refused_again(
            state,
            signed,
            id,
            AppError::Refused(refusal.to_string()),
            form.comment,
            String::new(),
        )
        .await;
    }
    if !offered {
        // Not possible now: the store says why, on the application's page.
        let refused = state
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
        return match refused {
            Ok(_) => Ok(Redirect::to(&format!("/applications/{id}?done=acted")).into_response()),
            Err(error) => {
                refused_again(state, signed, id, error.into(), form.comment, String::new()).await
            }
        };
    }
    let (title, question, button, danger) = match action {
        Action::Approve => (
            format!("申請 {id} の承認"),
            "この申請を承認します。承認すると、外部サービス利用台帳に登録され、取り消せません。内容を確かめてください。",
            "承認を確定する",
            false,
        ),
        _ => (
            format!("申請 {id} の却下"),
            "この申請を却下します。却下すると、この申請は終わり、やり直すには新しく申請します。内容を確かめてください。",
            "却下を確定する",
            true,
        ),
    };
    let mut confirm = ConfirmPage::new(
        signed,
        title,
        question,
        format!("/applications/{id}/act"),
        button,
        format!("/applications/{id}"),
    );
    confirm.danger = danger;
    let accepted: Vec<String> = page
        .acceptances
        .iter()
        .map(|a| match &a.done {
            Some(done) => format!("{}（{done}）", a.role),
            None => format!("{}（まだ記録されていません）", a.role),
        })
        .collect();
    confirm.facts = vec![
        ("サービス".to_owned(), page.service_name.clone()),
        ("種類".to_owned(), page.kind.to_owned()),
        (
            "(カ) 利用申請者".to_owned(),
            format!("{}　{}", page.department, page.applicant),
        ),
        ("(ウ) 利用目的".to_owned(), page.purpose.clone()),
        ("(オ) 利用期間".to_owned(), page.period.clone()),
        ("(キ) 利用者の範囲".to_owned(), page.user_scope.clone()),
        (
            "判断する評価".to_owned(),
            format!(
                "評価 {}（版 {}）: {}",
                page.assessment_id, page.assessment_version, page.verdict_label
            ),
        ),
    ];
    if !accepted.is_empty() {
        confirm
            .facts
            .push(("例外の承認".to_owned(), accepted.join("、")));
    }
    confirm.hidden = vec![
        ("action", action.as_str().to_owned()),
        (
            "seen_assessment_version",
            form.seen_assessment_version
                .map_or_else(String::new, |v| v.to_string()),
        ),
    ];
    let label = if action == Action::Reject {
        "コメント（却下の理由。申請者に伝わります）"
    } else {
        "コメント（任意。申請者に伝わります）"
    };
    confirm.comment = Some((label.to_owned(), form.comment));
    Ok(confirm.into_response())
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirmed: String,
}

/// Deletes a draft application (取り下げ), after a page that asks.
pub async fn delete(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<DeleteForm>,
) -> Result<Response, PageError> {
    if form.confirmed != "yes" {
        let app = state.store.application(&signed.actor, id).await?;
        let service = state.store.service(&signed.actor, app.service_id).await?;
        let mut confirm = ConfirmPage::new(
            &signed,
            format!("申請 {id} の削除"),
            "この下書きの申請を削除します。申請は取り下げられ、元に戻せません（監査記録には、削除したことと内容が残ります）。",
            format!("/applications/{id}/delete"),
            "削除を確定する",
            format!("/applications/{id}"),
        );
        confirm.danger = true;
        confirm.facts = vec![
            ("サービス".to_owned(), service.name),
            ("状態".to_owned(), app.status.label().to_owned()),
            ("(ウ) 利用目的".to_owned(), app.purpose),
        ];
        return Ok(confirm.into_response());
    }
    let app = state.store.application(&signed.actor, id).await?;
    state.store.delete_draft(&signed.actor, id).await?;
    Ok(Redirect::to(&format!("/services/{}?done=draft-deleted", app.service_id)).into_response())
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
