//! One entry of the ledger: its fields and state (利用中・期限切れ・廃止), what it was approved
//! under and whether the assessment changed since (「承認後に変更あり」), its history, the
//! change and renewal applications for it — which applicants start here — and the approver's
//! direct extension, change and abolition.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sentei_core::access::Capability;
use sentei_core::workflow::Kind;
use sentei_store::{LedgerEntryView, NewApplication};
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::extract::PageForm;
use crate::layout::{self, Layout, verdict_label};
use crate::pages::Done;
use crate::state::AppState;

struct VersionRow {
    version: i64,
    kind: &'static str,
    at: String,
    by: String,
    period: String,
    scope: String,
    application: Option<i64>,
    comment: String,
}

struct ApplicationRow {
    id: i64,
    kind: &'static str,
    status: &'static str,
    period: String,
}

/// The change or renewal application form, as shown or as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    assessment_id: i64,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    user_scope: String,
    #[serde(default)]
    period_start: String,
    #[serde(default)]
    period_end: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "ledger_entry.html")]
pub struct EntryPage {
    layout: Layout,
    entry: LedgerEntryView,
    state: &'static str,
    state_label: &'static str,
    period: String,
    profile: String,
    verdict: &'static str,
    /// The application the entry stands on changed after its approval.
    changed_after: Option<i64>,
    history: Vec<VersionRow>,
    applications: Vec<ApplicationRow>,
    can_keep: bool,
    /// Applicants may apply for a change or renewal: the entry stands on an application in
    /// sentei and is not abolished.
    can_apply: bool,
    assessments: Vec<(i64, String)>,
    form: ApplyForm,
    problem: Option<String>,
    today: String,
    /// The approver's direct records (延長, 変更, 廃止) as typed, after a refusal.
    kept: Kept,
}

/// What the approver typed into the forms that record directly, and which of them was refused
/// and why: the page comes back with it all, the message beside the form it is about.
#[derive(Default)]
pub(crate) struct Kept {
    new_end: String,
    extend_comment: String,
    purpose: Option<String>,
    user_scope: Option<String>,
    change_comment: String,
    on: Option<String>,
    abolish_comment: String,
    /// (`extend`, `change` or `abolish`, the problem).
    problem: Option<(&'static str, String)>,
}

impl Kept {
    fn problem_of(&self, form: &str) -> Option<&str> {
        self.problem
            .as_ref()
            .filter(|(which, _)| *which == form)
            .map(|(_, message)| message.as_str())
    }

    pub(crate) fn extend_problem(&self) -> Option<&str> {
        self.problem_of("extend")
    }

    pub(crate) fn change_problem(&self) -> Option<&str> {
        self.problem_of("change")
    }

    pub(crate) fn abolish_problem(&self) -> Option<&str> {
        self.problem_of("abolish")
    }
}

/// A refused direct record: the entry's page again, with what was typed and why; errors that
/// are not a refusal of the input (permission, not found) stay error pages.
async fn kept_again(
    state: &AppState,
    signed: &Signed,
    id: i64,
    error: AppError,
    kept: Kept,
) -> Result<Response, PageError> {
    let status = error.status();
    let (AppError::Refused(problem) | AppError::Conflict(problem)) = error else {
        return Err(PageError(error));
    };
    let which = kept.problem.as_ref().map_or("extend", |(w, _)| *w);
    let mut page = entry_page(state, signed, id, None, None).await?;
    page.kept = Kept {
        problem: Some((which, problem)),
        ..kept
    };
    // 422 for what was typed, 409 when someone changed the entry first.
    Ok((status, page).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<EntryPage, PageError> {
    let page = entry_page(&state, &signed, id, None, None).await?;
    Ok(EntryPage {
        layout: page.layout.with_notice(done.done.as_deref()),
        ..page
    })
}

/// A change or renewal application for the entry; refused, the page again with the form as
/// typed and why.
pub async fn apply(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ApplyForm>,
) -> Result<Response, PageError> {
    let created = async {
        let app = state
            .store
            .application_for_entry(&signed.actor, id)
            .await?
            .ok_or_else(|| {
                AppError::Refused(
                    "この項目は既存の台帳から取り込んだもので、sentei での申請がありません。サービスを登録して新規の利用申請をしてください".to_owned(),
                )
            })?;
        let kind = match form.kind.as_str() {
            "renewal" => Kind::Renewal,
            _ => Kind::Change,
        };
        let created = state
            .store
            .create_application(
                &signed.actor,
                NewApplication {
                    service_id: app.service_id,
                    assessment_id: form.assessment_id,
                    purpose: form.purpose.clone(),
                    user_scope: form.user_scope.clone(),
                    period_start: date(&form.period_start, "利用期間の開始日")?,
                    period_end: date(&form.period_end, "利用期間の終了日")?,
                    kind,
                    ledger_entry_id: Some(id),
                },
            )
            .await?;
        Ok::<_, AppError>(created)
    }
    .await;
    match created {
        Ok(app) => {
            Ok(Redirect::to(&format!("/applications/{}?done=created", app.id)).into_response())
        }
        Err(AppError::Refused(problem) | AppError::Conflict(problem)) => {
            let page = entry_page(&state, &signed, id, Some(form), Some(problem)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(PageError(other)),
    }
}

async fn entry_page(
    state: &AppState,
    signed: &Signed,
    id: i64,
    form: Option<ApplyForm>,
    problem: Option<String>,
) -> Result<EntryPage, AppError> {
    let actor = &signed.actor;
    let entry = state.store.ledger_entry(actor, id).await?;
    let (history, applications, approved_by) = tokio::try_join!(
        state.store.ledger_history(actor, id),
        state.store.applications_for_entry(actor, id),
        state.store.application_for_entry(actor, id),
    )?;
    let ids: Vec<i64> = history.iter().filter_map(|v| v.recorded_by).collect();
    let names = state.store.display_names(actor, &ids).await?;
    let imported = entry.profile_id.is_empty();
    let profile = match state.catalog.get(&entry.profile_id) {
        Some(p) => format!("{}（版 {}）", p.title, entry.profile_version),
        None if imported => {
            "既存の台帳から取り込んだ項目（sentei での評価はありません）".to_owned()
        }
        None => entry.profile_id.clone(),
    };
    let changed_after = match entry.application_id {
        Some(app) => state
            .store
            .review(actor, &state.catalog, app)
            .await?
            .changed_since_pinned
            .then_some(app),
        None => None,
    };
    let assessments = match &approved_by {
        Some(app) => state
            .store
            .assessments_of_service(actor, app.service_id)
            .await?
            .into_iter()
            .map(|a| {
                (
                    a.id,
                    format!(
                        "評価 {}（版 {}・{}）",
                        a.id,
                        a.version,
                        verdict_label(&a.verdict)
                    ),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    let today = layout::today();
    let form = form.unwrap_or_else(|| ApplyForm {
        kind: "change".to_owned(),
        assessment_id: approved_by.as_ref().map_or(0, |a| a.assessment_id),
        purpose: entry.fields.purpose.clone(),
        user_scope: entry.fields.user_scope.clone(),
        period_start: entry.fields.period_start.to_string(),
        period_end: entry.fields.period_end.to_string(),
    });
    Ok(EntryPage {
        layout: Layout::new(
            format!("台帳 {id}（{}）", entry.fields.service_name),
            Some(signed),
            "/ledger",
        ),
        state: if entry.abolished {
            "abolished"
        } else if entry.is_expired(today) {
            "expired"
        } else {
            "active"
        },
        state_label: entry.state_label(today),
        period: format!(
            "{} 〜 {}",
            layout::date(entry.fields.period_start),
            layout::date(entry.fields.period_end)
        ),
        verdict: if imported {
            ""
        } else {
            verdict_label(&entry.verdict)
        },
        profile,
        changed_after,
        history: history
            .iter()
            .map(|v| VersionRow {
                version: v.version,
                kind: v.kind.label(),
                at: layout::time(v.recorded_at),
                by: v
                    .recorded_by
                    .and_then(|u| names.get(&u).cloned())
                    .unwrap_or_default(),
                period: format!("{} 〜 {}", v.fields.period_start, v.fields.period_end),
                scope: v.fields.user_scope.clone(),
                application: v.application_id,
                comment: v.comment.clone(),
            })
            .collect(),
        applications: applications
            .into_iter()
            .map(|a| ApplicationRow {
                id: a.id,
                kind: a.kind.label(),
                status: a.status.label(),
                period: format!("{} 〜 {}", a.period_start, a.period_end),
            })
            .collect(),
        can_keep: actor.can(Capability::KeepLedger),
        can_apply: actor.can(Capability::Apply) && approved_by.is_some() && !entry.abolished,
        assessments,
        form,
        problem,
        today: today.to_string(),
        kept: Kept::default(),
        entry,
    })
}

fn date(text: &str, what: &str) -> Result<time::Date, AppError> {
    time::Date::parse(
        text.trim(),
        &time::format_description::well_known::Iso8601::DATE,
    )
    .map_err(|_| AppError::Refused(format!("{what}を 2026-04-01 の形で入力してください")))
}

#[derive(Deserialize)]
pub struct ExtendForm {
    version: i64,
    new_end: String,
    #[serde(default)]
    comment: String,
}

pub async fn extend(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ExtendForm>,
) -> Result<Response, PageError> {
    let done = async {
        let new_end = date(&form.new_end, "新しい終了日")?;
        state
            .store
            .extend_ledger(&signed.actor, id, form.version, new_end, &form.comment)
            .await?;
        Ok::<_, AppError>(())
    }
    .await;
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/ledger/{id}?done=ledger")).into_response()),
        Err(error) => {
            let kept = Kept {
                new_end: form.new_end,
                extend_comment: form.comment,
                problem: Some(("extend", String::new())),
                ..Kept::default()
            };
            kept_again(&state, &signed, id, error, kept).await
        }
    }
}

#[derive(Deserialize)]
pub struct ChangeForm {
    version: i64,
    purpose: String,
    user_scope: String,
    #[serde(default)]
    comment: String,
}

pub async fn change(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ChangeForm>,
) -> Result<Response, PageError> {
    let mut fields = state.store.ledger_entry(&signed.actor, id).await?.fields;
    fields.purpose = form.purpose.trim().to_owned();
    fields.user_scope = form.user_scope.trim().to_owned();
    let done = state
        .store
        .change_ledger(&signed.actor, id, form.version, fields, &form.comment)
        .await;
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/ledger/{id}?done=ledger")).into_response()),
        Err(error) => {
            let kept = Kept {
                purpose: Some(form.purpose),
                user_scope: Some(form.user_scope),
                change_comment: form.comment,
                problem: Some(("change", String::new())),
                ..Kept::default()
            };
            kept_again(&state, &signed, id, error.into(), kept).await
        }
    }
}

#[derive(Deserialize)]
pub struct AbolishForm {
    version: i64,
    on: String,
    #[serde(default)]
    comment: String,
}

pub async fn abolish(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<AbolishForm>,
) -> Result<Response, PageError> {
    let done = async {
        let on = date(&form.on, "廃止日")?;
        state
            .store
            .abolish_ledger(&signed.actor, id, form.version, on, &form.comment)
            .await?;
        Ok::<_, AppError>(())
    }
    .await;
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/ledger/{id}?done=ledger")).into_response()),
        Err(error) => {
            let kept = Kept {
                on: Some(form.on),
                abolish_comment: form.comment,
                problem: Some(("abolish", String::new())),
                ..Kept::default()
            };
            kept_again(&state, &signed, id, error, kept).await
        }
    }
}
