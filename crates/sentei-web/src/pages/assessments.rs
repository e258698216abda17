//! The assessment editor: every item with its verbatim text, citation and level; answers,
//! reasons and evidence; the verdict recomputed as answers change (htmx), and saves that never
//! silently overwrite someone else's.
//!
//! The form is turned into the contract's assessment document and read by the same validator
//! as `sentei assess`, then judged by the same engine: the page decides nothing itself.

use std::borrow::Cow;

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sentei_core::access::Capability;
use sentei_core::assessment::Catalog;
use sentei_core::facts::{CERTIFICATIONS, FACTS, MODEL};
use sentei_core::judgement::{AnswerSource, AnswerStatus, Judgement};
use sentei_core::profile::Meaning;
use sentei_core::workflow::{Status, may_author_assessment};
use sentei_core::{Assessment, Profile, judge};
use sentei_store::{StoreError, StoredAssessment};

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::layout::{self, Layout};
use crate::pages::assessment_form::{
    BULK, FOLLOWS_DEFAULT, FormState, document_of, profile_of, stored_default,
};
use crate::pages::evidence::{self, EvidenceRow};
use crate::pages::{Done, form_pairs};
use crate::state::AppState;
use crate::words::{self, Part};

pub struct VerdictView {
    code: &'static str,
    label: &'static str,
    approvals: String,
    /// Each reason with its items, to link to their rows.
    reasons: Vec<Vec<Part>>,
    /// Applicable items a person answers that have no answer yet.
    remaining: usize,
}

pub struct FactInput {
    name: &'static str,
    label: &'static str,
    flag: bool,
    required: bool,
    checked: bool,
    choices: Vec<(&'static str, &'static str, bool)>,
}

/// One item as the editor shows it. The profile's texts and the form's answers are borrowed:
/// a page of the largest profile copies none of its requirement texts.
pub struct ItemView<'a> {
    index: usize,
    id: Cow<'a, str>,
    /// The number the document prints (sentei's id where it prints none).
    number: Cow<'a, str>,
    level: String,
    meaning: &'static str,
    category: String,
    text: Cow<'a, str>,
    citation: Cow<'a, str>,
    note: Option<&'a str>,
    applies: bool,
    why: String,
    outcome: &'static str,
    outcome_label: &'static str,
    basis: Option<String>,
    answerable: bool,
    status: &'static str,
    reason: &'a str,
    evidence: &'a str,
}

#[derive(Template, WebTemplate)]
#[template(path = "assessment.html")]
pub struct EditorPage<'a> {
    layout: Layout,
    id: i64,
    service_id: i64,
    service_name: String,
    profile_id: String,
    profile_title: String,
    profile_version: String,
    version: i64,
    form_version: i64,
    updated: String,
    editable: bool,
    /// What saving means for the applications that use this assessment.
    notes: Vec<String>,
    conflict: Option<String>,
    verdict: Option<VerdictView>,
    problems: Vec<String>,
    models: Vec<(&'static str, &'static str, bool)>,
    facts: Vec<FactInput>,
    certifications: Vec<(&'static str, &'static str, bool)>,
    items: Vec<ItemView<'a>>,
    answer_choices: Vec<(&'static str, &'static str)>,
    can_link: bool,
    /// Why no link can be made now (no public URL set), shown instead of the form.
    link_problem: Option<&'static str>,
    links: Vec<LinkRow>,
    evidence: Vec<EvidenceRow>,
    evidence_targets: Vec<(String, String, bool)>,
    attach_problem: Option<String>,
    /// The editor's script (filters, confirmations), with its content-hashed URL.
    script: String,
}

/// A vendor answer link as the editor lists it.
pub struct LinkRow {
    id: i64,
    contact: String,
    expires: String,
    last_used: String,
    state: &'static str,
    active: bool,
}

impl From<sentei_store::VendorLinkView> for LinkRow {
    fn from(link: sentei_store::VendorLinkView) -> LinkRow {
        LinkRow {
            id: link.id,
            active: link.active(),
            state: if link.revoked {
                "取り消し済み"
            } else if link.active() {
                "有効"
            } else {
                "期限切れ"
            },
            contact: link.contact,
            expires: layout::time(link.expires_at),
            last_used: link
                .last_used_at
                .map_or_else(|| "未使用".to_owned(), layout::time),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "assessment_preview.html")]
pub struct Preview<'a> {
    verdict: Option<VerdictView>,
    problems: Vec<String>,
    items: Vec<ItemView<'a>>,
}

const ANSWER_CHOICES: [(&str, &str); 4] = [
    ("met", "満たす"),
    ("unmet", "満たさない"),
    ("not_applicable", "対象外（不要）"),
    ("unanswered", "未回答"),
];

pub async fn show(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let stored = state.store.assessment(&signed.actor, id).await?;
    let form = FormState::from_stored(&state.catalog, &stored);
    let mut page = editor(&state, &signed, &stored, &form, Vec::new()).await?;
    page.layout = page.layout.with_notice(done.done.as_deref());
    Ok(page.into_response())
}

/// Judges the form without saving: a fragment for htmx, or the whole page without script.
pub async fn preview(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: String,
) -> Result<Response, PageError> {
    let stored = state.store.assessment(&signed.actor, id).await?;
    let form = FormState::from_pairs(&form_pairs(&body)?);
    if headers.contains_key("hx-request") {
        let profile = profile_of(&state.catalog, &stored)?;
        let (judged, problems) = judge_form(&state.catalog, &stored, &form);
        let items = item_views(profile, judged.as_ref().map(|(a, _)| a.as_ref()), &form);
        return Ok(Preview {
            verdict: judged.as_ref().map(|(_, v)| v.clone_view()),
            problems,
            items,
        }
        .into_response());
    }
    Ok(editor(&state, &signed, &stored, &form, Vec::new())
        .await?
        .into_response())
}

/// Saves the form over the version it was loaded from.
pub async fn save(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    body: String,
) -> Result<Response, PageError> {
    let stored = state.store.assessment(&signed.actor, id).await?;
    let pairs = form_pairs(&body)?;
    let form = FormState::from_pairs(&pairs);
    save_form(&state, &signed, &stored, &pairs, &form, "saved").await
}

/// 「残りをすべて満たすにする」: the form as typed, with every applicable item a person answers
/// and nobody has answered set to 「満たす（一括）」, saved like the form. The answers are written
/// for their items but marked as given by this action (`by: bulk`), so that, like the CLI's
/// `answers.default: met`, they never switch a skip, a level, a gate or an alternative
/// (docs/domain.md), and the audit trail reads 「満たす（一括）」 for each.
pub async fn fill(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    body: String,
) -> Result<Response, PageError> {
    let stored = state.store.assessment(&signed.actor, id).await?;
    let pairs = form_pairs(&body)?;
    let mut form = FormState::from_pairs(&pairs);
    let profile = profile_of(&state.catalog, &stored)?;
    let (judged, problems) = judge_form(&state.catalog, &stored, &form);
    let Some((assessment, _)) = judged else {
        // What keeps the form from being judged is what the editor shows.
        let page = editor(&state, &signed, &stored, &form, problems).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let judgement = judge(profile, &assessment);
    let rows: Vec<usize> = unanswered_rows(&judgement, profile)
        .filter(|&index| form.answer(index).0 == "unanswered")
        .collect();
    drop(judgement);
    drop(assessment);
    for index in rows {
        form.set_status(index, BULK);
    }
    save_form(&state, &signed, &stored, &pairs, &form, "filled").await
}

/// Saves `form` over the version the page was loaded from (the `version` field), answering a
/// conflict or a refusal with the editor and the form as typed.
async fn save_form(
    state: &AppState,
    signed: &Signed,
    stored: &StoredAssessment,
    pairs: &[(String, String)],
    form: &FormState,
    done: &str,
) -> Result<Response, PageError> {
    let id = stored.id;
    let version: i64 = pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| AppError::BadRequest("評価の版がありません".to_owned()))?;
    let document = document_of(&state.catalog, stored, form)?;
    let saved = state
        .store
        .save_assessment(
            &signed.actor,
            &state.catalog,
            id,
            version,
            &document.to_string(),
        )
        .await;
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/assessments/{id}?done={done}")).into_response()),
        Err(StoreError::Conflict {
            message,
            current_version,
        }) => {
            let latest = state.store.assessment(&signed.actor, id).await?;
            let mut page = editor(state, signed, &latest, form, Vec::new()).await?;
            page.conflict = Some(message);
            // A second save, after looking, is a deliberate overwrite of this version.
            page.form_version = current_version;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(StoreError::Invalid(error)) => {
            let profile = state.catalog.get(&stored.profile_id);
            let problems = error
                .problems
                .iter()
                .map(|p| problem_text(p, profile))
                .collect();
            let page = editor(state, signed, stored, form, problems).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(PageError(other.into())),
    }
}

/// What saving this assessment means for the applications pinned to one of its versions.
fn pinned_notes(using: &[sentei_store::ApplicationView], version: i64) -> Vec<String> {
    using
        .iter()
        .filter_map(|a| {
            let pinned = a.pinned.as_ref()?;
            let at = pinned.assessment_version;
            Some(match a.status {
                Status::Submitted if at == version => format!(
                    "申請 {} は、この評価の版 {at} で申請中です。保存すると新しい版になり、申請者が再申請するまで承認も却下もされません。",
                    a.id
                ),
                Status::Submitted => format!(
                    "申請 {} は版 {at} で申請されたままです。現在の版で判断するには、申請者が再申請してください。",
                    a.id
                ),
                Status::Approved => format!(
                    "申請 {} は、この評価の版 {at} で承認されています。保存した変更は、変更申請が承認されるまで台帳に反映されません。",
                    a.id
                ),
                _ => return None,
            })
        })
        .collect()
}

async fn editor<'a>(
    state: &'a AppState,
    signed: &Signed,
    stored: &StoredAssessment,
    form: &'a FormState,
    mut problems: Vec<String>,
) -> Result<EditorPage<'a>, AppError> {
    let profile = profile_of(&state.catalog, stored)?;
    // Two independent reads, side by side rather than one after the other.
    let (service, using, links, evidence) = tokio::try_join!(
        state.store.service(&signed.actor, stored.service_id),
        state
            .store
            .applications_of_assessment(&signed.actor, stored.id),
        state.store.vendor_links(&signed.actor, stored.id),
        state.store.attachments(&signed.actor, stored.id),
    )?;
    let (judged, form_problems) = judge_form(&state.catalog, stored, form);
    // The store refuses a save for the same reasons the form is judged by: show each once.
    for problem in form_problems {
        if !problems.contains(&problem) {
            problems.push(problem);
        }
    }
    let refusal = state.store.edit_refusal(&signed.actor, stored);
    let editable = refusal.is_none();
    let notes = match &refusal {
        None => pinned_notes(&using, stored.version),
        // Someone who registers assessments is told why this one is not theirs to write.
        Some(refusal) if signed.actor.can(Capability::Register) => vec![refusal.to_string()],
        Some(_) => Vec::new(),
    };
    // Links are made by whoever may write the assessment.
    let can_link = may_author_assessment(
        signed.actor.role(),
        signed.actor.department(),
        &stored.department,
    )
    .is_ok();
    let items = item_views(profile, judged.as_ref().map(|(a, _)| a.as_ref()), form);
    Ok(EditorPage {
        layout: Layout::new(
            format!("評価 {}（{}）", stored.id, service.name),
            Some(signed),
            "/services",
        ),
        id: stored.id,
        service_id: service.id,
        service_name: service.name,
        profile_id: profile.id.clone(),
        profile_title: profile.title.clone(),
        profile_version: stored.profile_version.clone(),
        version: stored.version,
        form_version: stored.version,
        updated: layout::time(stored.updated_at),
        editable,
        notes,
        conflict: None,
        verdict: judged.as_ref().map(|(_, v)| v.clone_view()),
        problems,
        models: FACTS[MODEL]
            .choices()
            .iter()
            .map(|c| (c.name, c.label, c.name == form.model))
            .collect(),
        facts: fact_inputs(form),
        certifications: CERTIFICATIONS
            .iter()
            .map(|c| {
                (
                    c.name,
                    c.label,
                    form.certifications.iter().any(|n| n == c.name),
                )
            })
            .collect(),
        items,
        answer_choices: answer_choices(&stored.document),
        can_link,
        link_problem: state
            .config
            .public_origin
            .is_none()
            .then_some(crate::pages::vendor::NO_PUBLIC_URL),
        links: links.into_iter().map(LinkRow::from).collect(),
        evidence: evidence.into_iter().map(EvidenceRow::from).collect(),
        evidence_targets: evidence::targets(profile.items.iter().map(|i| i.id.as_str()), ""),
        attach_problem: None,
        script: crate::assets::url("editor.js"),
    })
}

/// The editor with an attachment refused: the problem shown by the form, the item kept.
pub(crate) async fn with_attach_problem(
    state: &AppState,
    signed: &Signed,
    id: i64,
    item: &str,
    problem: String,
) -> Result<Response, AppError> {
    let stored = state.store.assessment(&signed.actor, id).await?;
    let form = FormState::from_stored(&state.catalog, &stored);
    let mut page = editor(state, signed, &stored, &form, Vec::new()).await?;
    let profile = profile_of(&state.catalog, &stored)?;
    page.evidence_targets = evidence::targets(profile.items.iter().map(|i| i.id.as_str()), item);
    page.attach_problem = Some(problem);
    Ok(page.into_response())
}

/// The judgement of the form as a document, or the problems that keep it from being one.
fn judge_form<'f>(
    catalog: &Catalog,
    stored: &StoredAssessment,
    form: &'f FormState,
) -> (Option<(Cow<'f, Assessment>, VerdictView)>, Vec<String>) {
    if let Some(assessment) = &form.stored
        && let Some(profile) = catalog.get(&assessment.profile_id)
    {
        let view = VerdictView::of(&judge(profile, assessment), profile, assessment);
        return (Some((Cow::Borrowed(assessment), view)), Vec::new());
    }
    let profile = catalog.get(&stored.profile_id);
    let document = match document_of(catalog, stored, form) {
        Ok(document) => document,
        Err(error) => return (None, vec![error.message()]),
    };
    match catalog.parse_assessment(&document.to_string()) {
        Ok(assessment) => {
            let view = catalog
                .get(&assessment.profile_id)
                .map(|profile| VerdictView::of(&judge(profile, &assessment), profile, &assessment));
            match view {
                Some(view) => (Some((Cow::Owned(assessment), view)), Vec::new()),
                None => (None, vec!["基準が見つかりません".to_owned()]),
            }
        }
        Err(error) => (
            None,
            error
                .problems
                .iter()
                .map(|p| problem_text(p, profile))
                .collect(),
        ),
    }
}

/// A problem as the editor shows it: the message alone, which names the item or fact, in the
/// words of the page (「接続方式」, not `facts.connection`). The line and key point into the
/// document the form was turned into, which no one here sees.
fn problem_text(problem: &sentei_core::Problem, profile: Option<&Profile>) -> String {
    words::for_people(&problem.message, profile)
}

/// Each row of the editor as (id, the number people know it by): profile items, then added.
fn row_numbers(profile: &Profile, assessment: &Assessment) -> Vec<(String, String)> {
    profile
        .items
        .iter()
        .map(|i| (i.id.clone(), i.shown_number().to_owned()))
        .chain(
            assessment
                .extra_items
                .iter()
                .map(|e| (e.id.clone(), e.id.clone())),
        )
        .collect()
}

impl VerdictView {
    fn of(judgement: &Judgement<'_>, profile: &Profile, assessment: &Assessment) -> VerdictView {
        let rows = row_numbers(profile, assessment);
        VerdictView {
            code: judgement.verdict.as_str(),
            label: judgement.verdict.label(),
            approvals: judgement
                .required_approvals
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("、"),
            reasons: judgement
                .reasons
                .iter()
                .map(|r| words::reason_parts(r, &rows, Some(profile)))
                .collect(),
            remaining: unanswered_rows(judgement, profile).count(),
        }
    }

    fn clone_view(&self) -> VerdictView {
        VerdictView {
            code: self.code,
            label: self.label,
            approvals: self.approvals.clone(),
            reasons: self.reasons.clone(),
            remaining: self.remaining,
        }
    }
}

/// The rows 「残りをすべて満たすにする」 answers: applicable, answered by a person (not by
/// the facts or other items), and without an answer.
fn unanswered_rows<'j>(
    judgement: &'j Judgement<'_>,
    profile: &'j Profile,
) -> impl Iterator<Item = usize> + 'j {
    judgement
        .items
        .iter()
        .enumerate()
        .filter(move |(index, judged)| {
            let by_people = profile
                .items
                .get(*index)
                .is_none_or(|item| judged.answered_by_people(item));
            by_people
                && judged.applies
                && judged.outcome == sentei_core::judgement::Outcome::Missing
                && judged.answer == AnswerStatus::Unanswered
        })
        .map(|(index, _)| index)
}

fn fact_inputs(form: &FormState) -> Vec<FactInput> {
    FACTS
        .iter()
        .filter(|d| d.name != "model")
        .map(|def| {
            let value = form.facts.get(def.name).map(String::as_str).unwrap_or("");
            let default = def
                .default
                .and_then(|i| def.choices().get(usize::from(i)))
                .map_or("", |c| c.name);
            let current = if value.is_empty() && !def.is_flag() {
                default
            } else {
                value
            };
            FactInput {
                name: def.name,
                label: def.label,
                flag: def.is_flag(),
                required: def.required,
                checked: value == "true",
                choices: def
                    .choices()
                    .iter()
                    .map(|c| (c.name, c.label, c.name == current))
                    .collect(),
            }
        })
        .collect()
}

fn item_views<'a>(
    profile: &'a Profile,
    assessment: Option<&Assessment>,
    form: &'a FormState,
) -> Vec<ItemView<'a>> {
    let judgement = assessment.map(|a| judge(profile, a));
    let mut views: Vec<ItemView> = profile
        .items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let judged = judgement.as_ref().and_then(|j| j.items.get(index));
            let level = judged.map_or_else(
                || {
                    profile
                        .level(item.level)
                        .map_or(String::new(), |l| l.name.clone())
                },
                |j| j.level.to_owned(),
            );
            let meaning = profile
                .levels
                .iter()
                .find(|l| l.name == level)
                .map_or(Meaning::May, |l| l.meaning);
            let (status, reason, evidence) = form.answer(index);
            let from_facts = judged.is_some_and(|j| j.answer_source == AnswerSource::Certification);
            ItemView {
                index,
                id: Cow::Borrowed(&item.id),
                number: Cow::Borrowed(item.shown_number()),
                level,
                meaning: match meaning {
                    Meaning::Must => "must",
                    Meaning::Should => "should",
                    Meaning::May => "may",
                    Meaning::Decision => "decision",
                },
                category: item.category.join(" / "),
                text: Cow::Borrowed(&item.text),
                citation: Cow::Borrowed(&item.citation),
                note: item.note.as_deref(),
                applies: judged.is_none_or(|j| j.applies),
                why: judged.map_or_else(String::new, |j| j.why.to_owned()),
                outcome: judged.map_or("missing", |j| outcome_code(j.outcome)),
                outcome_label: judged.map_or("未判定", |j| j.outcome.label()),
                basis: judged
                    .and_then(|j| j.basis.map(str::to_owned))
                    .or_else(|| from_facts.then(|| "認証（事実）から判定されます".to_owned())),
                answerable: !item.is_derived(),
                status: static_status(status),
                reason,
                evidence,
            }
        })
        .collect();
    if let (Some(assessment), Some(judgement)) = (assessment, &judgement) {
        for (offset, extra) in assessment.extra_items.iter().enumerate() {
            let index = profile.items.len() + offset;
            let Some(judged) = judgement.items.get(index) else {
                continue;
            };
            let (status, reason, evidence) = form.answer(index);
            views.push(ItemView {
                index,
                id: Cow::Owned(extra.id.clone()),
                number: Cow::Owned(extra.id.clone()),
                level: judged.level.to_owned(),
                meaning: "may",
                category: "個別の選定条件".to_owned(),
                text: Cow::Owned(extra.text.clone()),
                citation: Cow::Owned(judged.citation.to_owned()),
                note: None,
                applies: true,
                why: judged.why.to_owned(),
                outcome: outcome_code(judged.outcome),
                outcome_label: judged.outcome.label(),
                basis: judged.basis.map(str::to_owned),
                answerable: true,
                status: static_status(status),
                reason,
                evidence,
            });
        }
    }
    views
}

/// The answers an item may take in the editor: where the stored document has a default, first
/// "follow the default", which keeps the item unanswered item by item.
fn answer_choices(document: &serde_json::Value) -> Vec<(&'static str, &'static str)> {
    let default = match stored_default(document) {
        Some(AnswerStatus::Met) => Some((FOLLOWS_DEFAULT, "既定の回答（満たす）")),
        Some(AnswerStatus::Unmet) => Some((FOLLOWS_DEFAULT, "既定の回答（満たさない）")),
        _ => None,
    };
    default.into_iter().chain(ANSWER_CHOICES).collect()
}

fn static_status(status: &str) -> &'static str {
    if status == FOLLOWS_DEFAULT {
        return FOLLOWS_DEFAULT;
    }
    if status == BULK {
        return BULK;
    }
    ANSWER_CHOICES
        .iter()
        .find(|(code, _)| *code == status)
        .map_or("unanswered", |(code, _)| code)
}

fn outcome_code(outcome: sentei_core::judgement::Outcome) -> &'static str {
    use sentei_core::judgement::Outcome as O;
    match outcome {
        O::Skipped => "skipped",
        O::Met => "met",
        O::NotNeeded => "not_needed",
        O::Noted => "noted",
        O::RiskAccepted => "risk_accepted",
        O::NeedsAcceptance => "needs_acceptance",
        O::Missing => "missing",
        O::MissingReason => "missing_reason",
        O::Blocking => "blocking",
    }
}
