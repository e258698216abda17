//! The printable assessment report of an application: designed for A4 paper (print CSS), to
//! file with the approval. The service, the profile and its version, the verdict and its
//! reasons, every item with its answer, evidence and outcome, the acceptances, and the history
//! with names and dates (和暦 beside ISO dates).

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, State};
use sentei_core::judge;

use super::applications::{self, DetailPage};
use crate::auth::Signed;
use crate::error::PageError;
use crate::layout;
use crate::state::AppState;

/// One item as printed.
pub struct ReportItem {
    id: String,
    category: String,
    text: String,
    level: String,
    applies: bool,
    why: String,
    answer: &'static str,
    reason: String,
    evidence: String,
    outcome: &'static str,
    outcome_code: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "report.html")]
pub struct ReportPage {
    app: DetailPage,
    profile_title: String,
    profile_id: String,
    profile_version: String,
    classification: String,
    provider: String,
    items: Vec<ReportItem>,
    printed: String,
    printed_by: String,
    css: String,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<ReportPage, PageError> {
    let app = applications::load(&state, &signed, id).await?;
    let stored = state
        .store
        .assessment(&signed.actor, app.assessment_id)
        .await?;
    let (profile, assessment) = super::read_stored(&state, &stored)?;
    let judgement = judge(profile, &assessment);
    let texts = profile
        .items
        .iter()
        .map(|i| (i.category.join(" / "), i.text.as_str()))
        .chain(
            assessment
                .extra_items
                .iter()
                .map(|e| ("個別の選定条件".to_owned(), e.text.as_str())),
        );
    let items = judgement
        .items
        .iter()
        .zip(texts)
        .map(|(j, (category, text))| ReportItem {
            id: j.id.to_owned(),
            category,
            text: text.to_owned(),
            level: j.level.to_owned(),
            applies: j.applies,
            why: j.why.to_owned(),
            answer: j.answer.label(),
            reason: j.reason.unwrap_or_default().to_owned(),
            evidence: j.evidence.unwrap_or_default().to_owned(),
            outcome: j.outcome.label(),
            outcome_code: outcome_code(j.outcome),
        })
        .collect();
    let classification = sentei_core::facts::CLASSIFICATIONS
        .get(usize::from(
            assessment.facts.value(sentei_core::facts::CLASSIFICATION),
        ))
        .map_or_else(
            || judgement.classification.to_owned(),
            |c| c.label.to_owned(),
        );
    Ok(ReportPage {
        profile_title: profile.title.clone(),
        profile_id: profile.id.clone(),
        profile_version: stored.profile_version.clone(),
        classification,
        provider: assessment.service.provider.clone(),
        items,
        printed: layout::time_with_wareki(time::OffsetDateTime::now_utc()),
        printed_by: signed.actor.display_name().to_owned(),
        css: app.layout.css.clone(),
        app,
    })
}

fn outcome_code(outcome: sentei_core::judgement::Outcome) -> &'static str {
    use sentei_core::judgement::Outcome as O;
    match outcome {
        O::Met | O::NotNeeded | O::Noted => "ok",
        O::Skipped => "skipped",
        O::RiskAccepted | O::NeedsAcceptance => "conditional",
        O::Missing | O::MissingReason => "missing",
        O::Blocking => "blocking",
    }
}
