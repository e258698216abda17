//! An application's page: what it asks for, what it is decided on (the assessment version and
//! judgement pinned at submission), whether the assessment changed since, its consultation,
//! the acceptances, the actions the core rules allow this user now, and its history. Also the
//! page that lists what changed after the pinned version (「承認後に変更あり」).

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, State};
use sentei_core::judgement::Role;
use sentei_core::workflow::{Action, Kind, Status};

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::layout::{self, Layout, verdict_label};
use crate::state::AppState;

pub(crate) struct Needed {
    pub(crate) role: &'static str,
    pub(crate) done: Option<String>,
}

pub(crate) struct EventRow {
    pub(crate) at: String,
    pub(crate) action: &'static str,
    pub(crate) actor: String,
    pub(crate) from: &'static str,
    pub(crate) to: &'static str,
    pub(crate) verdict: &'static str,
    pub(crate) version: i64,
    pub(crate) comment: String,
}

/// The assessment changed after the version decided on: what that means, in words.
pub(crate) struct Changed {
    pub(crate) title: &'static str,
    pub(crate) note: String,
}

/// An item the decision turns on, as the approver's desk shows it: what the document asks,
/// what the applicant answered and why, with the evidence, so the approver decides without
/// opening the editor.
pub(crate) struct DeskItem {
    pub(crate) number: String,
    pub(crate) text: String,
    pub(crate) level: String,
    pub(crate) answer: &'static str,
    pub(crate) reason: String,
    pub(crate) evidence: String,
    /// (link, file name) of the files attached to the item.
    pub(crate) files: Vec<(String, String)>,
    pub(crate) outcome: &'static str,
    pub(crate) outcome_code: &'static str,
    /// Whose acceptance it needs: 「統括情報セキュリティ責任者」, or empty.
    pub(crate) accepted_by: String,
    /// Whether every acceptance it needs is recorded for the version decided on.
    pub(crate) accepted: bool,
}

/// A returned application, or one answered 要修正: who sent it back, when, and why.
pub(crate) struct Returned {
    pub(crate) title: &'static str,
    pub(crate) by: String,
    pub(crate) at: String,
    pub(crate) comment: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "application.html")]
pub struct DetailPage {
    pub(crate) layout: Layout,
    pub(crate) id: i64,
    pub(crate) service_id: i64,
    pub(crate) service_name: String,
    pub(crate) kind: &'static str,
    pub(crate) ledger_entry_id: Option<i64>,
    pub(crate) status: &'static str,
    pub(crate) department: String,
    pub(crate) applicant: String,
    pub(crate) purpose: String,
    pub(crate) period: String,
    pub(crate) user_scope: String,
    pub(crate) assessment_id: i64,
    /// The version decided on: pinned at submission, the current one before.
    pub(crate) assessment_version: i64,
    /// 「申請時の版」 once pinned, 「現在の版」 before.
    pub(crate) version_note: String,
    pub(crate) verdict: &'static str,
    pub(crate) verdict_label: &'static str,
    pub(crate) reasons: Vec<String>,
    pub(crate) changed: Option<Changed>,
    pub(crate) consultation: String,
    pub(crate) acceptances: Vec<Needed>,
    pub(crate) can_accept: bool,
    pub(crate) accept_as: &'static str,
    pub(crate) actions: Vec<(&'static str, &'static str)>,
    /// The items needing an acceptance or blocking approval, with the applicant's answers.
    pub(crate) desk: Vec<DeskItem>,
    /// Why 承認する is not offered yet, one sentence each (for a submitted application).
    pub(crate) not_yet: Vec<String>,
    pub(crate) returned: Option<Returned>,
    /// Whether the user may delete this draft.
    pub(crate) can_delete: bool,
    /// Whether 承認 or 却下 is offered (each is confirmed on a page of its own).
    pub(crate) decides: bool,
    pub(crate) events: Vec<EventRow>,
    /// Why the last action was refused, with the comment or reason as typed.
    pub(crate) problem: Option<String>,
    pub(crate) comment: String,
    pub(crate) reason: String,
}

/// An application with everything its page, the printable report and the report's API show:
/// its review (what it is decided on), service, history, when each acceptance was recorded,
/// the ledger entry it made or changed, and the names of the people involved. Gathered once,
/// shown in each surface's own way.
pub(crate) struct Gathered {
    pub(crate) review: sentei_store::Review,
    pub(crate) service: sentei_store::ServiceView,
    pub(crate) events: Vec<sentei_store::EventView>,
    pub(crate) entry: Option<i64>,
    accepted_at: Vec<(Role, i64, time::OffsetDateTime)>,
    names: std::collections::HashMap<i64, String>,
    citation: Option<String>,
}

impl Gathered {
    pub(crate) async fn load(
        state: &AppState,
        actor: &sentei_store::Actor,
        id: i64,
    ) -> Result<Gathered, AppError> {
        let review = state.store.review(actor, &state.catalog, id).await?;
        let (service, events, accepted_at, made) = tokio::try_join!(
            state.store.service(actor, review.application.service_id),
            state.store.application_events(actor, id),
            state.store.acceptance_times(actor, id),
            state.store.ledger_entry_of_application(actor, id),
        )?;
        let mut ids: Vec<i64> = events.iter().map(|e| e.actor_id).collect();
        ids.push(review.application.applicant_id);
        ids.extend(review.acceptances.iter().map(|a| a.user_id));
        let names = state.store.display_names(actor, &ids).await?;
        let citation = review
            .application
            .pinned
            .as_ref()
            .map(|p| p.profile_id.as_str())
            .or_else(|| review.document.as_ref().and_then(|d| d["profile"].as_str()))
            .and_then(|id| state.catalog.get(id))
            .and_then(|p| p.pre_consultation_citation.clone());
        Ok(Gathered {
            entry: made.or(review.application.ledger_entry_id),
            review,
            service,
            events,
            accepted_at,
            names,
            citation,
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

    /// The note for an assessment that changed after the version decided on.
    pub(crate) fn changed(&self) -> Option<Changed> {
        let review = &self.review;
        if !review.changed_since_pinned {
            return None;
        }
        let (decided, now) = (review.assessment_version, review.current_assessment_version);
        Some(match review.application.status {
            Status::Approved => Changed {
                title: "承認後に変更あり",
                note: format!(
                    "この申請は評価の版 {decided} で承認されました。その後、評価は変更されています（現在の版 {now}）。変更は、変更申請が同じ手続で承認されるまで台帳に反映されません。"
                ),
            },
            Status::Submitted => Changed {
                title: "申請後に変更あり",
                note: format!(
                    "この申請は評価の版 {decided} で申請されました。その後、評価は変更されています（現在の版 {now}）。申請者が再申請するか、差し戻すまで、承認も却下もできません。"
                ),
            },
            _ => Changed {
                title: "判断後に変更あり",
                note: format!(
                    "この申請は評価の版 {decided} で判断されました。その後、評価は変更されています（現在の版 {now}）。"
                ),
            },
        })
    }

    /// The pre-consultation as it stands, in one sentence.
    fn consultation(&self) -> String {
        let review = &self.review;
        let rule = if review.consultation_required {
            match &self.citation {
                Some(citation) => format!("この基準では事前協議が必要です（{citation}）。"),
                None => "この基準では事前協議が必要です。".to_owned(),
            }
        } else {
            "この基準では事前協議は任意です。".to_owned()
        };
        let answer = match review.consulted_version {
            Some(v)
                if review.application.status == Status::Consulted
                    && v != review.current_assessment_version =>
            {
                format!(
                    "評価の版 {v} に「協議済」の回答がありますが、その後に評価が変更されたため、もう一度事前協議が必要です。"
                )
            }
            Some(v) => format!("評価の版 {v} に「協議済」の回答があります。"),
            None => String::new(),
        };
        format!("{rule}{answer}")
    }
}

/// The application as its page shows it, with the approver's desk: the items the decision
/// turns on, read from the version decided on (the report gathers the same).
pub(crate) async fn load(
    state: &AppState,
    signed: &Signed,
    id: i64,
) -> Result<DetailPage, AppError> {
    let report = super::report::gather(state, &signed.actor, id).await?;
    let mut page = detail_page(signed, &report.application);
    page.desk = desk(&report);
    page.not_yet = not_yet(&report.application.review, &page.desk, &report.items);
    Ok(page)
}

/// The items that need an acceptance or block approval, in the document's order.
fn desk(report: &super::report::Report) -> Vec<DeskItem> {
    use sentei_core::judgement::Outcome;
    let review = &report.application.review;
    let assessment = review.application.assessment_id;
    report
        .items
        .iter()
        .filter(|i| {
            matches!(
                i.outcome,
                Outcome::NeedsAcceptance
                    | Outcome::Blocking
                    | Outcome::Missing
                    | Outcome::MissingReason
            )
        })
        .map(|i| DeskItem {
            number: i.number.clone(),
            text: i.text.clone(),
            level: i.level.clone(),
            answer: i.answer.label(),
            reason: i.reason.clone(),
            evidence: i.evidence.clone(),
            files: report
                .evidence
                .iter()
                .filter(|f| f.item_id == i.id)
                .map(|f| {
                    (
                        format!("/assessments/{assessment}/attachments/{}", f.link_id),
                        f.file_name.clone(),
                    )
                })
                .collect(),
            outcome: i.outcome.label(),
            outcome_code: i.outcome_code(),
            accepted_by: i
                .requires
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("・"),
            accepted: !i.requires.is_empty()
                && i.requires
                    .iter()
                    .all(|r| !review.missing_acceptances.contains(r)),
        })
        .collect()
}

/// Why approval is not offered yet, for a submitted application: each missing acceptance
/// with the items that need it, by number, then any other refusal the rules give the
/// reviewer looking at it.
fn not_yet(
    review: &sentei_store::Review,
    desk: &[DeskItem],
    items: &[super::report::ReportItem],
) -> Vec<String> {
    use sentei_core::workflow::Refusal;
    if review.application.status != Status::Submitted || review.actions.contains(&Action::Approve) {
        return Vec::new();
    }
    let needing = |role: Role| {
        let numbers: Vec<&str> = items
            .iter()
            .filter(|i| i.requires.contains(&role))
            .map(|i| i.number.as_str())
            .collect();
        if numbers.is_empty() {
            // Judgements recorded before items named their acceptor: every item waiting.
            desk.iter()
                .filter(|d| d.outcome_code == "conditional")
                .map(|d| d.number.clone())
                .collect::<Vec<_>>()
                .join("、")
        } else {
            numbers.join("、")
        }
    };
    let mut lines: Vec<String> = review
        .missing_acceptances
        .iter()
        .map(|&role| {
            let numbers = needing(role);
            if numbers.is_empty() {
                format!("{}による例外の承認がまだ記録されていません。", role.label())
            } else {
                // 「項目 1.3」, but 「項番1」 and 「No.9」 say what they are already.
                let word = if numbers.starts_with(|c: char| c.is_ascii_digit()) {
                    "項目 "
                } else {
                    ""
                };
                format!(
                    "{}による例外の承認がまだ記録されていません（{word}{numbers}）。",
                    role.label()
                )
            }
        })
        .collect();
    match &review.approval_refusal {
        Some(Refusal::MissingAcceptance { .. }) | None => {}
        Some(other) => lines.push(format!("{other}。")),
    }
    lines
}

/// The application's page from what was gathered.
pub(crate) fn detail_page(signed: &Signed, gathered: &Gathered) -> DetailPage {
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
    let version_note = match (&app.pinned, app.status) {
        (Some(p), Status::Approved) => format!(
            "承認した版（{} に申請）",
            p.at.map_or_else(String::new, layout::time)
        ),
        (Some(p), _) => format!(
            "申請した版（{} に申請）",
            p.at.map_or_else(String::new, layout::time)
        ),
        (None, _) => "現在の版（申請するとこの版で固定されます）".to_owned(),
    };
    let title = match app.kind {
        Kind::New => format!("申請 {id}（{}）", service.name),
        kind => format!("{} {id}（{}）", kind.label(), service.name),
    };
    DetailPage {
        layout: Layout::new(title, Some(signed), "/applications"),
        id,
        service_id: service.id,
        service_name: service.name.clone(),
        kind: app.kind.label(),
        ledger_entry_id: gathered.entry,
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
        version_note,
        verdict: review.verdict.as_str(),
        verdict_label: verdict_label(review.verdict.as_str()),
        reasons: review.reasons.clone(),
        changed: gathered.changed(),
        consultation: gathered.consultation(),
        acceptances,
        can_accept: review.may_accept.is_some(),
        accept_as: review.may_accept.map_or("", Role::label),
        actions: review
            .actions
            .iter()
            .map(|a| (a.as_str(), a.label()))
            .collect(),
        decides: review
            .actions
            .iter()
            .any(|a| matches!(a, Action::Approve | Action::Reject)),
        desk: Vec::new(),
        not_yet: Vec::new(),
        returned: returned(gathered),
        can_delete: app.status == Status::Draft
            && sentei_core::workflow::may_delete(
                sentei_core::workflow::Deletable::Draft,
                signed.actor.role(),
                signed.actor.department(),
                &app.department,
            )
            .is_ok(),
        events: gathered
            .events
            .iter()
            .map(|e| EventRow {
                at: layout::time_with_wareki(e.at),
                action: Action::parse(&e.action).map_or("", Action::event),
                actor: name(e.actor_id),
                from: label(&e.from_status),
                to: label(&e.to_status),
                verdict: verdict_label(&e.verdict),
                version: e.assessment_version,
                comment: e.comment.clone(),
            })
            .collect(),
        problem: None,
        comment: String::new(),
        reason: String::new(),
    }
}

/// For a draft sent back (差し戻し, or 要修正 to a consultation): the last event that did it.
fn returned(gathered: &Gathered) -> Option<Returned> {
    if gathered.review.application.status != Status::Draft {
        return None;
    }
    let last = gathered.events.last()?;
    let title = match Action::parse(&last.action)? {
        Action::Return => "差し戻し",
        Action::RequestRevision => "要修正（事前協議）",
        _ => return None,
    };
    Some(Returned {
        title,
        by: gathered.name(last.actor_id),
        at: layout::time_with_wareki(last.at),
        comment: last.comment.clone(),
    })
}

/// One difference as the changes page lists it.
pub(crate) struct DifferenceRow {
    pub(crate) subject: String,
    /// The requirement's text, for an item.
    pub(crate) text: String,
    pub(crate) before: String,
    pub(crate) after: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "application_changes.html")]
pub struct ChangesPage {
    layout: Layout,
    id: i64,
    assessment_id: i64,
    pinned_version: i64,
    current_version: i64,
    approved: bool,
    entry: Option<i64>,
    can_apply: bool,
    rows: Vec<DifferenceRow>,
}

/// What changed in the assessment after the version the application pinned.
pub async fn changes(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<ChangesPage, PageError> {
    let actor = &signed.actor;
    let changes = state
        .store
        .changes_since_pinned(actor, &state.catalog, id)
        .await?;
    let app = &changes.application;
    let profile = app
        .pinned
        .as_ref()
        .and_then(|p| state.catalog.get(&p.profile_id));
    let entry = state.store.ledger_entry_of_application(actor, id).await?;
    let rows = changes
        .differences
        .iter()
        .map(|d| DifferenceRow {
            subject: d.subject.clone(),
            text: d
                .item
                .as_deref()
                .and_then(|item| profile.and_then(|p| p.item(item)))
                .map_or_else(String::new, |i| i.text.clone()),
            before: d.before.clone(),
            after: d.after.clone(),
        })
        .collect();
    Ok(ChangesPage {
        layout: Layout::new(
            format!(
                "申請 {id}: 評価の変更（版 {} → 版 {}）",
                changes.pinned_version, changes.current_version
            ),
            Some(&signed),
            "/applications",
        ),
        id,
        assessment_id: app.assessment_id,
        pinned_version: changes.pinned_version,
        current_version: changes.current_version,
        approved: app.status == Status::Approved,
        entry,
        can_apply: actor.can(sentei_core::access::Capability::Apply),
        rows,
    })
}
