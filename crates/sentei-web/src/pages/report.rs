//! The printable assessment report of an application: designed for A4 paper (print CSS), to
//! file with the approval. The service, the profile and its version, the verdict and its
//! reasons, every item with its answer, evidence and outcome, the acceptances, and the history
//! with names and dates (和暦 beside ISO dates) — all as pinned when the application was
//! submitted, so the record shows what was decided however the assessment changes afterwards.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, State};
use sentei_core::judgement::{AnswerStatus, Outcome};
use sentei_core::record::RecordedJudgement;
use sentei_store::Actor;

use super::application_view::{self, DetailPage, Gathered};
use super::evidence::EvidenceRow;
use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::layout;
use crate::state::AppState;

/// One item as the report shows it.
pub(crate) struct ReportItem {
    pub(crate) id: String,
    /// The number people know it by (`Profile::item_number`).
    pub(crate) number: String,
    /// Who must accept it before approval.
    pub(crate) requires: Vec<sentei_core::judgement::Role>,
    pub(crate) categories: Vec<String>,
    pub(crate) text: String,
    pub(crate) level: String,
    pub(crate) applies: bool,
    pub(crate) why: String,
    pub(crate) answer: AnswerStatus,
    pub(crate) reason: String,
    pub(crate) evidence: String,
    pub(crate) outcome: Outcome,
}

impl ReportItem {
    /// The outcome's colour class.
    pub fn outcome_code(&self) -> &'static str {
        match self.outcome {
            Outcome::Met | Outcome::NotNeeded | Outcome::Noted => "ok",
            Outcome::Skipped => "skipped",
            Outcome::RiskAccepted | Outcome::NeedsAcceptance => "conditional",
            Outcome::Missing | Outcome::MissingReason => "missing",
            Outcome::Blocking => "blocking",
        }
    }
}

/// What the report of an application shows, gathered once for the printable page and for
/// `GET /api/v1/applications/{id}/report`.
pub(crate) struct Report {
    pub(crate) application: Gathered,
    pub(crate) profile_title: String,
    pub(crate) profile_id: String,
    /// The profile version the assessment was judged against.
    pub(crate) profile_version: String,
    /// The classification's name in assessment files (`2`, `3B`, ...).
    pub(crate) classification: String,
    /// Its Japanese label.
    pub(crate) classification_label: String,
    pub(crate) provider: String,
    pub(crate) items: Vec<ReportItem>,
    /// The evidence files: as attached when the application was submitted, once it was;
    /// those attached now before that.
    pub(crate) evidence: Vec<sentei_store::AttachmentView>,
    /// Whether `evidence` is as of the submission.
    pub(crate) evidence_pinned: bool,
}

/// Gathers an application's report: the application as its page shows it, and the version
/// it is decided on (pinned at submission) item by item, as recorded.
pub(crate) async fn gather(state: &AppState, actor: &Actor, id: i64) -> Result<Report, AppError> {
    let application = Gathered::load(state, actor, id).await?;
    let review = &application.review;
    let recorded = RecordedJudgement::parse(&review.judgement).map_err(|_| {
        AppError::Refused("この申請の判定の記録を読めません。管理者に連絡してください".to_owned())
    })?;
    let profile = state.catalog.get(&recorded.profile.id);
    let extra = |id: &str| {
        review
            .document
            .as_ref()
            .and_then(|d| d["extra_items"].as_array())
            .and_then(|items| items.iter().find(|e| e["id"] == id))
            .map(|e| {
                (
                    vec!["個別の選定条件".to_owned()],
                    e["text"].as_str().unwrap_or_default().to_owned(),
                )
            })
    };
    let items = recorded
        .items
        .iter()
        .map(|j| {
            let defined = profile.and_then(|p| p.item(&j.id));
            let (categories, text) = defined
                .map(|i| (i.category.clone(), i.text.clone()))
                .or_else(|| extra(&j.id))
                .unwrap_or_default();
            ReportItem {
                id: j.id.clone(),
                number: profile.map_or_else(|| j.id.clone(), |p| p.number_of(&j.id)),
                requires: j.requires.clone(),
                categories,
                text,
                level: j.level.clone(),
                applies: j.applies,
                why: j.why.clone(),
                answer: j.answer,
                reason: j.reason.clone().unwrap_or_default(),
                evidence: j.evidence.clone().unwrap_or_default(),
                outcome: j.outcome,
            }
        })
        .collect();
    let assessment_id = review.application.assessment_id;
    let pinned_at = review.application.pinned.as_ref().and_then(|p| p.at);
    let evidence = match pinned_at {
        Some(at) => state.store.attachments_at(actor, assessment_id, at).await?,
        None => state.store.attachments(actor, assessment_id).await?,
    };
    Ok(Report {
        evidence,
        evidence_pinned: pinned_at.is_some(),
        profile_title: profile.map_or_else(|| recorded.profile.id.clone(), |p| p.title.clone()),
        profile_id: recorded.profile.id.clone(),
        profile_version: recorded.profile.version.clone(),
        classification_label: recorded.classification_label().to_owned(),
        classification: recorded.classification.clone(),
        provider: recorded.service.provider.clone(),
        items,
        application,
    })
}

/// A row of the printed item table: a heading where the category changes, so that a
/// category shared by many items is printed once, or an item.
pub enum ReportRow {
    Category(String),
    Item(ReportItem),
}

/// How many items came to each outcome, for the summary page.
pub struct Counts {
    total: usize,
    applicable: usize,
    /// (label, colour class, count) of each outcome that occurs, most serious first.
    outcomes: Vec<(&'static str, &'static str, usize)>,
}

impl Counts {
    fn of(items: &[ReportItem]) -> Counts {
        use Outcome as O;
        let order = [
            O::Blocking,
            O::Missing,
            O::MissingReason,
            O::NeedsAcceptance,
            O::RiskAccepted,
            O::Noted,
            O::NotNeeded,
            O::Met,
        ];
        let outcomes = order
            .into_iter()
            .filter_map(|outcome| {
                let n = items.iter().filter(|i| i.outcome == outcome).count();
                let class = items.iter().find(|i| i.outcome == outcome)?.outcome_code();
                Some((outcome.label(), class, n))
            })
            .collect();
        Counts {
            total: items.len(),
            applicable: items.iter().filter(|i| i.applies).count(),
            outcomes,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "report.html")]
pub struct ReportPage {
    app: DetailPage,
    profile_title: String,
    profile_version: String,
    classification: String,
    provider: String,
    /// The verdict's reasons, items named by their document numbers.
    reasons: Vec<String>,
    counts: Counts,
    /// The stamp boxes of the 決裁欄.
    boxes: Vec<String>,
    /// The applicable items, under their category headings.
    rows: Vec<ReportRow>,
    /// The items that do not apply, grouped by why: (their numbers, why).
    skipped: Vec<(String, String)>,
    evidence: Vec<EvidenceRow>,
    evidence_pinned: bool,
    printed: String,
    printed_by: String,
    css: String,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<ReportPage, PageError> {
    let report = gather(&state, &signed.actor, id).await?;
    let app = application_view::detail_page(&signed, &report.application);
    let profile = state.catalog.get(&report.profile_id);
    let reasons = app
        .reasons
        .iter()
        .map(|r| crate::words::for_people(r, profile))
        .collect();
    let mut boxes = state.config.approval_boxes();
    // Where the verdict needs the CISO's approval of an exception, the record has their box.
    let ciso = sentei_core::judgement::Role::Ciso.label();
    if app.acceptances.iter().any(|a| a.role == ciso) && !boxes.iter().any(|b| b == ciso) {
        boxes.push(ciso.to_owned());
    }
    Ok(ReportPage {
        profile_title: report.profile_title,
        profile_version: report.profile_version,
        classification: report.classification_label,
        provider: report.provider,
        reasons,
        counts: Counts::of(&report.items),
        boxes,
        skipped: skipped(&report.items),
        rows: rows(report.items.into_iter().filter(|i| i.applies).collect()),
        evidence: report.evidence.into_iter().map(EvidenceRow::from).collect(),
        evidence_pinned: report.evidence_pinned,
        printed: layout::time_with_wareki(time::OffsetDateTime::now_utc()),
        printed_by: signed.actor.display_name().to_owned(),
        css: app.layout.css.clone(),
        app,
    })
}

/// The items that do not apply, one line per reason: a profile skips whole ranges for one
/// reason (the 22 measures of 別紙1②), which printed item by item fill pages with one sentence.
fn skipped(items: &[ReportItem]) -> Vec<(String, String)> {
    let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
    for item in items.iter().filter(|i| !i.applies) {
        match groups.iter_mut().find(|(_, why)| *why == item.why) {
            Some((numbers, _)) => numbers.push(&item.number),
            None => groups.push((vec![&item.number], &item.why)),
        }
    }
    groups
        .into_iter()
        .map(|(numbers, why)| {
            let why = why.strip_prefix("対象外: ").unwrap_or(why);
            (numbers.join("、"), why.to_owned())
        })
        .collect()
}

/// The item table's rows: each item, after a heading row wherever its category (all but the
/// last level) differs from the one before; the last level, often a row's own name (004 表1),
/// goes before the item's text where it changes.
fn rows(items: Vec<ReportItem>) -> Vec<ReportRow> {
    let mut rows = Vec::with_capacity(items.len() * 2);
    let (mut last_head, mut last_name) = (String::new(), String::new());
    for mut item in items {
        let (head, name) = match item.categories.split_last() {
            Some((name, head)) if !head.is_empty() => (head.join(" / "), name.clone()),
            Some((name, _)) => (name.clone(), String::new()),
            None => (String::new(), String::new()),
        };
        if head != last_head && !head.is_empty() {
            rows.push(ReportRow::Category(head.clone()));
            last_name.clear();
        }
        if name != last_name && !name.is_empty() {
            item.text = format!("【{name}】{}", item.text);
        }
        (last_head, last_name) = (head, name);
        rows.push(ReportRow::Item(item));
    }
    rows
}
