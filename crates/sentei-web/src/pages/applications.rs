//! Applications (利用申請): the list, creating one, and an application's page with the actions
//! and acceptances the core rules allow this user now.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::extract::PageForm;
use sentei_core::judgement::Role;
use sentei_core::workflow::{Action, Status};
use sentei_store::NewApplication;
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::layout::{self, Layout, verdict_label};
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
            },
        )
        .await?;
    Ok(Redirect::to(&format!("/applications/{}?done=created", application.id)).into_response())
}

pub(super) struct Needed {
    pub(super) role: &'static str,
    pub(super) done: Option<String>,
}

pub(super) struct EventRow {
    pub(super) at: String,
    pub(super) action: &'static str,
    pub(super) actor: String,
    pub(super) from: &'static str,
    pub(super) to: &'static str,
    pub(super) verdict: &'static str,
    pub(super) version: i64,
    pub(super) comment: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "application.html")]
pub struct DetailPage {
    pub(super) layout: Layout,
    pub(super) id: i64,
    pub(super) service_id: i64,
    pub(super) service_name: String,
    pub(super) status: &'static str,
    pub(super) department: String,
    pub(super) applicant: String,
    pub(super) purpose: String,
    pub(super) period: String,
    pub(super) user_scope: String,
    pub(super) assessment_id: i64,
    pub(super) assessment_version: i64,
    pub(super) verdict: &'static str,
    pub(super) verdict_label: &'static str,
    pub(super) reasons: Vec<String>,
    pub(super) acceptances: Vec<Needed>,
    pub(super) can_accept: bool,
    pub(super) accept_as: &'static str,
    pub(super) actions: Vec<(&'static str, &'static str)>,
    pub(super) events: Vec<EventRow>,
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

/// An application with everything its page, the printable report and the report's API show:
/// its review (judged afresh), service, history, when each acceptance was recorded, and the
/// names of the people involved. Gathered once, shown in each surface's own way.
pub(crate) struct Gathered {
    pub(crate) review: sentei_store::Review,
    pub(crate) service: sentei_store::ServiceView,
    pub(crate) events: Vec<sentei_store::EventView>,
    accepted_at: Vec<(Role, i64, time::OffsetDateTime)>,
    names: std::collections::HashMap<i64, String>,
}

impl Gathered {
    pub(crate) async fn load(
        state: &AppState,
        actor: &sentei_store::Actor,
        id: i64,
    ) -> Result<Gathered, AppError> {
        let review = state.store.review(actor, &state.catalog, id).await?;
        let service = state
            .store
            .service(actor, review.application.service_id)
            .await?;
        let events = state.store.application_events(actor, id).await?;
        let accepted_at = state.store.acceptance_times(actor, id).await?;
        let mut ids: Vec<i64> = events.iter().map(|e| e.actor_id).collect();
        ids.push(review.application.applicant_id);
        ids.extend(review.acceptances.iter().map(|a| a.user_id));
        let names = state.store.display_names(actor, &ids).await?;
        Ok(Gathered {
            review,
            service,
            events,
            accepted_at,
            names,
        })
    }

    /// A user's display name.
    pub(crate) fn name(&self, id: i64) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("利用者 {id}"))
    }

    /// When an acceptance was recorded (the latest record for its role and version).
    pub(crate) fn accepted_at(
        &self,
        acceptance: &sentei_core::workflow::Acceptance,
    ) -> Option<time::OffsetDateTime> {
        self.accepted_at
            .iter()
            .rev()
            .find(|(r, v, _)| *r == acceptance.role && *v == acceptance.assessment_version)
            .map(|(_, _, at)| *at)
    }
}

/// The application as its page shows it; the printable report shows the same.
pub(super) async fn load(
    state: &AppState,
    signed: &Signed,
    id: i64,
) -> Result<DetailPage, AppError> {
    let gathered = Gathered::load(state, &signed.actor, id).await?;
    Ok(detail_page(signed, &gathered))
}

/// The application's page from what was gathered.
pub(super) fn detail_page(signed: &Signed, gathered: &Gathered) -> DetailPage {
    let review = &gathered.review;
    let app = &review.application;
    let service = &gathered.service;
    let id = app.id;
    let name = |id: i64| gathered.name(id);
    let acceptances = review
        .required_approvals
        .iter()
        .filter(|_| review.verdict == sentei_core::Verdict::Conditional)
        .map(|role| Needed {
            role: role.label(),
            done: review
                .acceptances
                .iter()
                .find(|a| a.role == role && a.assessment_version == review.assessment_version)
                .map(|a| {
                    let at = gathered.accepted_at(a).map_or_else(String::new, |at| {
                        format!("（{}）", layout::time_with_wareki(at))
                    });
                    format!("{}: {}{at}", name(a.user_id), a.reason)
                }),
        })
        .collect();
    let label = |status: &str| Status::parse(status).map_or("作成", Status::label);
    DetailPage {
        layout: Layout::new(
            format!("申請 {id}（{}）", service.name),
            Some(signed),
            "/applications",
        ),
        id,
        service_id: service.id,
        service_name: service.name.clone(),
        status: app.status.label(),
        department: app.department.clone(),
        applicant: name(app.applicant_id),
        purpose: app.purpose.clone(),
        period: format!(
            "{} 〜 {}",
            layout::date(app.period_start),
            layout::date(app.period_end)
        ),
        user_scope: app.user_scope.clone(),
        assessment_id: app.assessment_id,
        assessment_version: review.assessment_version,
        verdict: review.verdict.as_str(),
        verdict_label: verdict_label(review.verdict.as_str()),
        reasons: review.reasons.clone(),
        acceptances,
        can_accept: review.may_accept.is_some(),
        accept_as: review.may_accept.map_or("", Role::label),
        actions: review
            .actions
            .iter()
            .map(|a| (a.as_str(), a.label()))
            .collect(),
        events: gathered
            .events
            .iter()
            .map(|e| EventRow {
                at: layout::time_with_wareki(e.at),
                action: Action::parse(&e.action).map_or("", Action::label),
                actor: name(e.actor_id),
                from: label(&e.from_status),
                to: label(&e.to_status),
                verdict: verdict_label(&e.verdict),
                version: e.assessment_version,
                comment: e.comment.clone(),
            })
            .collect(),
    }
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
    state
        .store
        .act(
            &signed.actor,
            &state.catalog,
            id,
            action,
            &form.comment,
            form.seen_assessment_version,
        )
        .await?;
    Ok(Redirect::to(&format!("/applications/{id}?done=acted")).into_response())
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
    state
        .store
        .accept(&signed.actor, &state.catalog, id, &form.reason)
        .await?;
    Ok(Redirect::to(&format!("/applications/{id}?done=accepted")).into_response())
}
