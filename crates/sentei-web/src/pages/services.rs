//! The registry of services: list with filters, registration, a service's page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::extract::PageForm;
use sentei_core::access::Capability;
use sentei_core::facts::{CERTIFICATIONS, CLASSIFICATIONS, FACTS};
use sentei_core::judgement::Verdict;
use sentei_core::workflow::Status;
use sentei_store::{NewService, ServiceQuery, ServiceView};
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::layout::{self, Layout, status_label, verdict_label};
use crate::pages::{Done, Pager, nonempty, options, query_string};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    search: String,
    classification: Option<String>,
    verdict: Option<String>,
    status: Option<String>,
    provider: Option<String>,
    #[serde(default)]
    page: u64,
    /// What was just done (`service-deleted`), for the notice.
    done: Option<String>,
}

struct Row {
    id: i64,
    name: String,
    provider: String,
    classification: String,
    verdict: String,
    verdict_label: &'static str,
    status_label: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "services.html")]
pub struct ListPage {
    layout: Layout,
    can_register: bool,
    search: String,
    classifications: Vec<(String, String, bool)>,
    verdicts: Vec<(String, String, bool)>,
    statuses: Vec<(String, String, bool)>,
    providers: Vec<(String, String, bool)>,
    rows: Vec<Row>,
    pager: Pager,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(filters): Query<Filters>,
) -> Result<ListPage, PageError> {
    let query = ServiceQuery {
        search: filters.search.clone(),
        provider: nonempty(&filters.provider),
        classification: nonempty(&filters.classification),
        verdict: nonempty(&filters.verdict),
        status: nonempty(&filters.status),
        page: filters.page,
        page_size: 50,
    };
    let page = state.store.services(&signed.actor, &query).await?;
    let providers = state.store.providers(&signed.actor).await?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let (classification, verdict, status, provider) = (
        text(&filters.classification),
        text(&filters.verdict),
        text(&filters.status),
        text(&filters.provider),
    );
    let pager = Pager::of(
        &page,
        "/services",
        &query_string(&[
            ("search", &filters.search),
            ("classification", &classification),
            ("verdict", &verdict),
            ("status", &status),
            ("provider", &provider),
        ]),
    );
    Ok(ListPage {
        layout: Layout::new("サービス", Some(&signed), "/services")
            .with_notice(filters.done.as_deref()),
        can_register: signed.actor.can(Capability::Register),
        classifications: options(
            CLASSIFICATIONS.iter().map(|c| (c.label, c.label)),
            &classification,
        ),
        verdicts: options(
            [
                Verdict::Approvable,
                Verdict::Conditional,
                Verdict::Incomplete,
                Verdict::NotApprovable,
                Verdict::Prohibited,
            ]
            .into_iter()
            .map(|v| (v.as_str(), v.label())),
            &verdict,
        ),
        statuses: options(
            Status::ALL.into_iter().map(|s| (s.as_str(), s.label())),
            &status,
        ),
        providers: options(
            providers.iter().map(|p| (p.as_str(), p.as_str())),
            &provider,
        ),
        rows: page.items.iter().map(row).collect(),
        search: filters.search,
        pager,
    })
}

fn row(s: &ServiceView) -> Row {
    Row {
        id: s.id,
        name: s.name.clone(),
        provider: s.provider.clone(),
        classification: s.classification.clone(),
        verdict: s.verdict.clone(),
        verdict_label: verdict_label(&s.verdict),
        status_label: status_label(&s.status),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "service_new.html")]
pub struct NewPage {
    layout: Layout,
    problem: Option<String>,
    name: String,
    provider: String,
    description: String,
}

pub async fn new_form(Extension(signed): Extension<Signed>) -> NewPage {
    NewPage {
        layout: Layout::new("サービスの登録", Some(&signed), "/services"),
        problem: None,
        name: String::new(),
        provider: String::new(),
        description: String::new(),
    }
}

#[derive(Deserialize)]
pub struct NewForm {
    name: String,
    provider: String,
    #[serde(default)]
    description: String,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    PageForm(form): PageForm<NewForm>,
) -> Result<Response, PageError> {
    let created = state
        .store
        .create_service(
            &signed.actor,
            NewService {
                name: form.name.clone(),
                provider: form.provider.clone(),
                description: form.description.clone(),
            },
        )
        .await;
    match created {
        Ok(service) => {
            Ok(Redirect::to(&format!("/services/{}?done=created", service.id)).into_response())
        }
        Err(error) => {
            let error = AppError::from(error);
            let AppError::Refused(problem) = error else {
                return Err(PageError(error));
            };
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                NewPage {
                    layout: Layout::new("サービスの登録", Some(&signed), "/services"),
                    problem: Some(problem),
                    name: form.name,
                    provider: form.provider,
                    description: form.description,
                },
            )
                .into_response())
        }
    }
}

struct AssessmentRow {
    id: i64,
    profile: String,
    verdict: String,
    verdict_label: &'static str,
    version: i64,
    updated: String,
}

struct ApplicationRow {
    id: i64,
    kind: &'static str,
    status: &'static str,
    purpose: String,
    period: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "service.html")]
pub struct ServicePage {
    pub(crate) layout: Layout,
    service: ServiceView,
    facts: Vec<(&'static str, String)>,
    assessments: Vec<AssessmentRow>,
    applications: Vec<ApplicationRow>,
    can_register: bool,
    can_apply: bool,
    /// Whether the user may delete the service: no application names it, and the user is of
    /// the department that assesses it, or the system administrator.
    can_delete: bool,
    profiles: Vec<(String, String)>,
    classifications: Vec<(&'static str, &'static str)>,
    pub(crate) draft: DraftForm,
    /// Why the draft application was refused.
    pub(crate) problem: Option<String>,
}

/// The form that makes a draft application, as typed.
pub(crate) struct DraftForm {
    pub(crate) assessment_id: i64,
    pub(crate) purpose: String,
    pub(crate) user_scope: String,
    pub(crate) period_start: String,
    pub(crate) period_end: String,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<ServicePage, PageError> {
    let page = service_page(&state, &signed, id).await?;
    Ok(ServicePage {
        layout: page.layout.with_notice(done.done.as_deref()),
        ..page
    })
}

/// The service's page; a refused draft application comes back on it with `draft` and
/// `problem` set.
pub(crate) async fn service_page(
    state: &AppState,
    signed: &Signed,
    id: i64,
) -> Result<ServicePage, AppError> {
    let actor = &signed.actor;
    let service = state.store.service(actor, id).await?;
    let assessments = state.store.assessments_of_service(actor, id).await?;
    let facts = assessments
        .first()
        .map(|a| facts_of(&a.document))
        .unwrap_or_default();
    let applications: Vec<ApplicationRow> = state
        .store
        .applications(actor, None, 1, 200)
        .await?
        .items
        .into_iter()
        .filter(|a| a.service_id == id)
        .map(|a| ApplicationRow {
            id: a.id,
            kind: a.kind.label(),
            status: a.status.label(),
            purpose: a.purpose,
            period: format!(
                "{} 〜 {}",
                layout::date(a.period_start),
                layout::date(a.period_end)
            ),
        })
        .collect();
    let owner = assessments
        .iter()
        .find(|a| a.department.trim() != actor.department().trim())
        .or(assessments.first())
        .map_or(actor.department(), |a| a.department.as_str());
    let can_delete = applications.is_empty()
        && sentei_core::workflow::may_delete(
            sentei_core::workflow::Deletable::UnusedService,
            actor.role(),
            actor.department(),
            owner,
        )
        .is_ok();
    let title_of = |profile: &str| {
        state
            .catalog
            .get(profile)
            .map_or_else(|| profile.to_owned(), |p| p.title.clone())
    };
    let today = layout::today();
    Ok(ServicePage {
        layout: Layout::new(service.name.clone(), Some(signed), "/services"),
        draft: DraftForm {
            assessment_id: assessments.first().map_or(0, |a| a.id),
            purpose: String::new(),
            user_scope: String::new(),
            period_start: today.to_string(),
            period_end: (today + time::Duration::days(364)).to_string(),
        },
        problem: None,
        facts,
        assessments: assessments
            .iter()
            .map(|a| AssessmentRow {
                id: a.id,
                profile: title_of(&a.profile_id),
                verdict: a.verdict.clone(),
                verdict_label: verdict_label(&a.verdict),
                version: a.version,
                updated: layout::time(a.updated_at),
            })
            .collect(),
        applications,
        can_delete,
        can_register: actor.can(Capability::Register),
        can_apply: actor.can(Capability::Apply),
        profiles: state
            .catalog
            .profiles()
            .iter()
            .map(|p| (p.id.clone(), p.title.clone()))
            .collect(),
        classifications: CLASSIFICATIONS.iter().map(|c| (c.name, c.label)).collect(),
        service,
    })
}

/// The facts of an assessment document, labelled for people.
pub fn facts_of(document: &serde_json::Value) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(model) = document["service"]["model"].as_str() {
        // As the documents spell them (SaaS, not SAAS: docs/glossary.md).
        let label = FACTS
            .iter()
            .find(|d| d.name == "model")
            .and_then(|d| d.choices().iter().find(|c| c.name == model))
            .map_or_else(|| model.to_owned(), |c| c.label.to_owned());
        out.push(("サービス形態", label));
    }
    for def in FACTS.iter().filter(|d| d.name != "model") {
        let value = &document["facts"][def.name];
        let label = match value {
            serde_json::Value::Bool(true) => "はい".to_owned(),
            serde_json::Value::String(name) => def
                .choices()
                .iter()
                .find(|c| c.name == name)
                .map_or_else(|| name.clone(), |c| c.label.to_owned()),
            _ => continue,
        };
        out.push((def.label, label));
    }
    let certs: Vec<&str> = document["facts"]["certifications"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| c.as_str())
                .filter_map(|name| {
                    CERTIFICATIONS
                        .iter()
                        .find(|c| c.name == name)
                        .map(|c| c.label)
                })
                .collect()
        })
        .unwrap_or_default();
    if !certs.is_empty() {
        out.push(("認証", certs.join("、")));
    }
    out
}

#[derive(Deserialize)]
pub struct NewAssessmentForm {
    profile: String,
    classification: String,
}

/// Starts an assessment of the service against a profile, with nothing answered yet.
pub async fn new_assessment(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<NewAssessmentForm>,
) -> Result<Response, PageError> {
    let service = state.store.service(&signed.actor, id).await?;
    let document = serde_json::json!({
        "profile": form.profile,
        "service": { "name": service.name, "provider": service.provider },
        "facts": { "classification": form.classification },
    });
    let assessment = state
        .store
        .create_assessment(&signed.actor, &state.catalog, id, &document.to_string())
        .await?;
    Ok(Redirect::to(&format!("/assessments/{}?done=created", assessment.id)).into_response())
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirmed: String,
}

/// Deletes a service no application names, with its assessments, after a page that asks.
pub async fn delete(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<DeleteForm>,
) -> Result<Response, PageError> {
    let actor = &signed.actor;
    if form.confirmed != "yes" {
        let service = state.store.service(actor, id).await?;
        let assessments = state.store.assessments_of_service(actor, id).await?;
        let mut confirm = crate::pages::confirm::ConfirmPage::new(
            &signed,
            format!("{} の削除", service.name),
            "このサービスを削除します。評価（チェックシート）と添付ファイル、回答リンクもともに削除され、元に戻せません（監査記録には、削除したことと内容が残ります）。",
            format!("/services/{id}/delete"),
            "削除を確定する",
            format!("/services/{id}"),
        );
        confirm.danger = true;
        confirm.facts = vec![
            ("サービス".to_owned(), service.name),
            ("提供者".to_owned(), service.provider),
            (
                "ともに削除する評価".to_owned(),
                if assessments.is_empty() {
                    "なし".to_owned()
                } else {
                    format!("{} 件", assessments.len())
                },
            ),
        ];
        return Ok(confirm.into_response());
    }
    state.store.delete_service(actor, id).await?;
    Ok(Redirect::to("/services?done=service-deleted").into_response())
}
