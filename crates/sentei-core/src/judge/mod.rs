//! The judgement engine: facts and answers in, an explained verdict out.
//!
//! Judging runs in four passes over the compiled profile, each reading only what the passes
//! before it produced:
//!
//! 1. prohibitions (facts only) — a hit ends the judgement with `prohibited`;
//! 2. in dependency order, whether each item applies and its effective answer
//!    (derived from facts, from certifications, written, or the default);
//! 3. level rules (e.g. "ガバメントクラウド利用の場合はすべて必須");
//! 4. each item's outcome from its level's meaning, then the verdict and its reasons.
//!
//! Rules that switch other items (skips, applicability, level rules, gates and alternative
//! paths) read only what is met *on evidence*: certifications, the facts themselves, or an
//! answer written for the item. `answers.default` fills in answers but never switches a rule:
//! "met by default" is no evidence that a certificate was obtained (docs/domain.md).
//!
//! The engine is deterministic and total: any validated assessment gets a judgement, and
//! mismatched inputs degrade to "unanswered" rather than panicking.

mod reasons;

use crate::assessment::{Answer, Assessment};
use crate::condition::ItemIdx;
use crate::facts::Facts;
use crate::judgement::{
    AnswerSource, AnswerStatus, Approvals, ItemJudgement, Judgement, Outcome, ProfileRef, Role,
    ServiceRef, Verdict,
};
use crate::profile::{
    CaseAnswer, DerivedAnswer, Item, LevelIdx, Meaning, Profile, RuleKind, UnmetEffect,
};

/// Why an extra (service-specific) item applies.
const EXTRA_WHY: &str = "個別の選定条件として追加された項目";
const NEEDS_REASON_NOT_APPLICABLE: &str = "「対象外」とする理由の記入が必要です";
const NEEDS_REASON_UNMET: &str = "満たさない理由の記入が必要です";
const MUST_NOT_NOT_APPLICABLE: &str = "この水準の項目は「対象外」とできません";

/// The effective answer of an item and where it came from.
#[derive(Clone, Copy, Debug)]
struct Effective<'a> {
    status: AnswerStatus,
    source: AnswerSource,
    basis: Option<&'a str>,
    requires: Approvals,
    /// The answer stands but cannot be judged yet: what is missing (e.g. its evidence).
    lacking: Option<&'a str>,
}

impl Effective<'_> {
    /// Met on evidence: by certification, by the facts, or by an answer written for the item.
    fn met_on_evidence(&self) -> bool {
        self.status == AnswerStatus::Met && !self.source.is_default_like() && self.lacking.is_none()
    }
}

const UNANSWERED: Effective<'static> = Effective {
    status: AnswerStatus::Unanswered,
    source: AnswerSource::None,
    basis: None,
    requires: Approvals::NONE,
    lacking: None,
};

/// Where a path made of other items stands (a gate's `from_items`, an item's alternative).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    /// Every counted item is met on evidence.
    Met,
    /// A counted item is unmet or marked not applicable.
    Failed,
    /// Some counted item is unanswered, or met only by `answers.default`.
    Pending { by_default: bool },
}

/// Judges an assessment against its profile.
pub fn judge<'a>(profile: &'a Profile, assessment: &'a Assessment) -> Judgement<'a> {
    let facts = &assessment.facts;
    let mut judgement = Judgement {
        profile: ProfileRef {
            id: &profile.id,
            version: &profile.version,
        },
        service: ServiceRef {
            name: &assessment.service.name,
            provider: &assessment.service.provider,
            model: facts.value_name(crate::facts::MODEL).unwrap_or("saas"),
        },
        classification: facts.classification_name(),
        verdict: Verdict::Approvable,
        reasons: Vec::new(),
        required_approvals: Approvals::NONE,
        items: Vec::with_capacity(profile.items.len() + assessment.extra_items.len()),
    };

    if let Some(rule) = profile
        .rules
        .iter()
        .find(|r| r.kind == RuleKind::Prohibit && r.when.eval(facts, &[]))
    {
        for item in &profile.items {
            judgement.items.push(skipped(profile, item, &rule.why));
        }
        judgement.verdict = Verdict::Prohibited;
        judgement.reasons.push(match &rule.section {
            Some(section) => format!("{}（{} {}）", rule.why, profile.source.document, section),
            None => rule.why.clone(),
        });
        return judgement;
    }

    let n = profile.items.len();
    let mut applies = vec![false; n];
    let mut why: Vec<&'a str> = vec![""; n];
    let mut effective = vec![UNANSWERED; n];
    // What conditions read: applicable and met on evidence (see the module comment).
    let mut met = vec![false; n];
    let mut rule_fired: Vec<Option<bool>> = vec![None; profile.rules.len()];
    for &i in &profile.order {
        let Some(item) = profile.items.get(i) else {
            continue;
        };
        let (does_apply, reason) = applicability(profile, item, facts, &met, &mut rule_fired);
        applies[i] = does_apply;
        why[i] = reason;
        effective[i] = effective_answer(item, assessment, i, facts, &met, &applies, &effective);
        met[i] = does_apply && effective[i].met_on_evidence();
    }

    let mut levels: Vec<LevelIdx> = profile.items.iter().map(|item| item.level).collect();
    let mut level_rule: Vec<Option<&'a str>> = vec![None; n];
    for rule in profile.rules.iter().filter(|r| r.kind == RuleKind::Level) {
        let Some(level) = rule.level else { continue };
        if rule.when.eval(facts, &met) {
            for &t in &rule.targets {
                if let (Some(slot), Some(note)) = (levels.get_mut(t), level_rule.get_mut(t)) {
                    *slot = level;
                    *note = Some(&rule.why);
                }
            }
        }
    }

    for (i, item) in profile.items.iter().enumerate() {
        let answer = assessment.answer(i);
        let meaning = meaning_of(profile, levels[i]);
        // The alternative path stands in only for an item that is not met itself.
        let alternative = item
            .alternative
            .as_ref()
            .filter(|_| applies[i] && effective[i].status != AnswerStatus::Met)
            .map(|alt| {
                let must = |j: ItemIdx| meaning_of(profile, levels[j]) == Meaning::Must;
                (alt, path(&alt.items, &applies, &effective, must))
            });
        let (outcome, basis, requires) = match alternative {
            _ if !applies[i] => (Outcome::Skipped, None, Approvals::NONE),
            Some((alt, Path::Met)) => (Outcome::Met, Some(alt.basis.as_str()), Approvals::NONE),
            Some((alt, Path::Pending { .. })) => (
                Outcome::Missing,
                Some(alt.pending_basis.as_str()),
                Approvals::NONE,
            ),
            _ => decide(
                meaning,
                item.unmet_effect,
                not_applicable_rule(item, facts, &met),
                &effective[i],
                answer,
            ),
        };
        judgement.items.push(ItemJudgement {
            id: &item.id,
            level: level_name(profile, levels[i]),
            applies: applies[i],
            why: why[i],
            answer: effective[i].status,
            answer_source: effective[i].source,
            outcome,
            basis,
            level_rule: level_rule[i],
            reason: answer.and_then(|a| a.reason.as_deref()),
            evidence: answer.and_then(|a| a.evidence.as_deref()),
            requires,
            citation: &item.citation,
        });
    }

    let extra_citation = profile.extra_citation.as_deref().unwrap_or("");
    for extra in &assessment.extra_items {
        let answer = extra.answer.as_ref();
        let effective = written_answer(answer, assessment.default);
        let (outcome, basis, requires) = decide(
            meaning_of(profile, extra.level),
            None,
            NotApplicable::Refused(MUST_NOT_NOT_APPLICABLE),
            &effective,
            answer,
        );
        judgement.items.push(ItemJudgement {
            id: &extra.id,
            level: level_name(profile, extra.level),
            applies: true,
            why: EXTRA_WHY,
            answer: effective.status,
            answer_source: effective.source,
            outcome,
            basis,
            level_rule: None,
            reason: answer.and_then(|a| a.reason.as_deref()),
            evidence: answer.and_then(|a| a.evidence.as_deref()),
            requires,
            citation: extra_citation,
        });
    }

    judgement.verdict = judgement
        .items
        .iter()
        .map(|item| item.outcome.verdict_floor())
        .max()
        .unwrap_or(Verdict::Approvable);
    judgement.required_approvals = match judgement.verdict {
        Verdict::Prohibited | Verdict::NotApprovable => Approvals::NONE,
        _ => judgement
            .items
            .iter()
            .filter(|item| item.outcome == Outcome::NeedsAcceptance)
            .fold(Approvals::NONE.with(Role::Approver), |all, item| {
                all.union(item.requires)
            }),
    };
    judgement.reasons = reasons::explain(&judgement);
    judgement
}

/// The verdict and approvals of many assessments, judged on every core.
///
/// For re-judging stored assessments after a profile changes. Returns one summary per input,
/// in input order. `find_profile` gives each assessment its profile; an assessment whose
/// profile is missing gets `None`.
pub fn judge_all<'p, F>(
    assessments: &[Assessment],
    find_profile: F,
) -> Vec<Option<(Verdict, Approvals)>>
where
    F: Fn(&str) -> Option<&'p Profile> + Sync,
{
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let summarize = |a: &Assessment| {
        find_profile(&a.profile_id).map(|p| {
            let j = judge(p, a);
            (j.verdict, j.required_approvals)
        })
    };
    // Threads pay off only when each has a few hundred judgements to do.
    if workers == 1 || assessments.len() < 256 {
        return assessments.iter().map(summarize).collect();
    }
    let chunk = assessments.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = assessments
            .chunks(chunk)
            .map(|part| {
                (
                    part.len(),
                    scope.spawn(|| part.iter().map(summarize).collect::<Vec<_>>()),
                )
            })
            .collect();
        handles
            .into_iter()
            // A worker that panicked (a bug) yields no summaries rather than misaligned ones.
            .flat_map(|(len, h)| h.join().unwrap_or_else(|_| vec![None; len]))
            .collect()
    })
}

fn skipped<'a>(profile: &'a Profile, item: &'a Item, why: &'a str) -> ItemJudgement<'a> {
    ItemJudgement {
        id: &item.id,
        level: level_name(profile, item.level),
        applies: false,
        why,
        answer: AnswerStatus::Unanswered,
        answer_source: AnswerSource::None,
        outcome: Outcome::Skipped,
        basis: None,
        level_rule: None,
        reason: None,
        evidence: None,
        requires: Approvals::NONE,
        citation: &item.citation,
    }
}

fn level_name(profile: &Profile, level: LevelIdx) -> &str {
    profile.level(level).map_or("", |l| l.name.as_str())
}

fn meaning_of(profile: &Profile, level: LevelIdx) -> Meaning {
    // Compilation guarantees the index; "must" is the safe reading if it were ever wrong.
    profile.level(level).map_or(Meaning::Must, |l| l.meaning)
}

/// Whether an item applies, and the rule or fact that says so.
fn applicability<'a>(
    profile: &'a Profile,
    item: &'a Item,
    facts: &Facts,
    met: &[bool],
    rule_fired: &mut [Option<bool>],
) -> (bool, &'a str) {
    if item
        .applies_when
        .as_ref()
        .is_some_and(|cond| !cond.eval(facts, met))
    {
        return (false, &item.why_not);
    }
    for &r in &item.skip_rules {
        let Some(rule) = profile.rules.get(r) else {
            continue;
        };
        let fired = match rule_fired.get(r).copied().flatten() {
            Some(fired) => fired,
            None => {
                let fired = rule.when.eval(facts, met);
                if let Some(slot) = rule_fired.get_mut(r) {
                    *slot = Some(fired);
                }
                fired
            }
        };
        if fired {
            return (false, &rule.why);
        }
    }
    (true, &item.why_applies)
}

/// Whether an item may be answered 対象外 at the "must" level, and if not, why.
#[derive(Clone, Copy, Debug)]
enum NotApplicable<'a> {
    /// With the reason the circumstance does not arise.
    WithReason,
    Refused(&'a str),
}

fn not_applicable_rule<'a>(item: &'a Item, facts: &Facts, met: &[bool]) -> NotApplicable<'a> {
    if !item.if_it_arises {
        return NotApplicable::Refused(MUST_NOT_NOT_APPLICABLE);
    }
    match &item.arises_when {
        Some(cond) if cond.eval(facts, met) => NotApplicable::Refused(&item.arises_basis),
        _ => NotApplicable::WithReason,
    }
}

/// Where a path made of other items stands; `counts` says which applicable items count.
fn path(
    items: &[ItemIdx],
    applies: &[bool],
    so_far: &[Effective<'_>],
    counts: impl Fn(ItemIdx) -> bool,
) -> Path {
    let mut pending = false;
    let mut by_default = false;
    for &j in items {
        if !applies.get(j).copied().unwrap_or(false) || !counts(j) {
            continue;
        }
        let Some(e) = so_far.get(j) else {
            pending = true;
            continue;
        };
        match e.status {
            AnswerStatus::Unmet | AnswerStatus::NotApplicable => return Path::Failed,
            _ if e.met_on_evidence() => {}
            AnswerStatus::Met if e.source.is_default_like() => {
                pending = true;
                by_default = true;
            }
            _ => pending = true,
        }
    }
    if pending {
        Path::Pending { by_default }
    } else {
        Path::Met
    }
}

/// The answer that counts: derived from facts, from certifications, written, or the default.
fn effective_answer<'a>(
    item: &'a Item,
    assessment: &'a Assessment,
    index: ItemIdx,
    facts: &Facts,
    met: &[bool],
    applies: &[bool],
    so_far: &[Effective<'a>],
) -> Effective<'a> {
    if let Some(cases) = &item.derived {
        for case in cases.iter().filter(|c| c.when.eval(facts, met)) {
            let (status, basis) = match &case.answer {
                CaseAnswer::Fixed(DerivedAnswer::Met) => (AnswerStatus::Met, &case.why),
                CaseAnswer::Fixed(DerivedAnswer::Unmet) => (AnswerStatus::Unmet, &case.why),
                CaseAnswer::Fixed(DerivedAnswer::Unanswered) => {
                    (AnswerStatus::Unanswered, &case.why)
                }
                CaseAnswer::FromItems {
                    items,
                    pending_basis,
                } => match path(items, applies, so_far, |_| true) {
                    Path::Met => (AnswerStatus::Met, &case.why),
                    Path::Failed if case.else_next => continue,
                    Path::Failed => (AnswerStatus::Unmet, &case.why),
                    Path::Pending { by_default: true } => (AnswerStatus::Unanswered, pending_basis),
                    Path::Pending { by_default: false } => (AnswerStatus::Unanswered, &case.why),
                },
            };
            return Effective {
                status,
                source: AnswerSource::Facts,
                basis: Some(basis),
                requires: case.requires,
                lacking: None,
            };
        }
        return Effective {
            source: AnswerSource::Facts,
            ..UNANSWERED
        };
    }
    let written = assessment.answer(index);
    if let Some(cert) = &item.certification {
        let held = facts.certifications().intersects(cert.any_of);
        let decisive = cert.decisive_when.eval(facts, met);
        // The reviewer's own evaluation stands over the certificates it may rely on.
        if let Some(answer) =
            written.filter(|a| cert.evaluation && a.status != AnswerStatus::Unanswered)
        {
            let unsupported = answer.status == AnswerStatus::Met
                && !held
                && decisive
                && answer.evidence.is_none();
            return Effective {
                lacking: unsupported.then_some(cert.basis_needs_evidence.as_str()),
                ..written_answer(Some(answer), None)
            };
        }
        if held {
            return Effective {
                status: AnswerStatus::Met,
                source: AnswerSource::Certification,
                basis: Some(&cert.basis_met),
                requires: Approvals::NONE,
                lacking: None,
            };
        }
        if decisive {
            return Effective {
                status: AnswerStatus::Unmet,
                source: AnswerSource::Certification,
                basis: Some(&cert.basis_unmet),
                requires: Approvals::NONE,
                lacking: None,
            };
        }
    }
    written_answer(written, assessment.default)
}

fn written_answer<'a>(answer: Option<&Answer>, default: Option<AnswerStatus>) -> Effective<'a> {
    // An answer written for the item overrides the default, "unanswered" included.
    match (answer.map(|a| (a.status, a.bulk)), default) {
        (Some((status, bulk)), _) => Effective {
            status,
            source: if bulk {
                AnswerSource::Bulk
            } else {
                AnswerSource::Answer
            },
            ..UNANSWERED
        },
        (_, Some(status)) => Effective {
            status,
            source: AnswerSource::Default,
            ..UNANSWERED
        },
        _ => UNANSWERED,
    }
}

/// An applicable item's outcome, the reason for it, and who must accept it.
fn decide<'a>(
    meaning: Meaning,
    unmet_effect: Option<UnmetEffect>,
    not_applicable: NotApplicable<'a>,
    effective: &Effective<'a>,
    answer: Option<&Answer>,
) -> (Outcome, Option<&'a str>, Approvals) {
    let has_reason = answer.is_some_and(|a| a.reason.is_some());
    let approver = Approvals::NONE.with(Role::Approver);
    if let Some(lacking) = effective.lacking {
        return (Outcome::MissingReason, Some(lacking), Approvals::NONE);
    }
    match effective.status {
        AnswerStatus::Met if !effective.requires.is_empty() => (
            Outcome::NeedsAcceptance,
            effective.basis,
            effective.requires,
        ),
        AnswerStatus::Met => (Outcome::Met, effective.basis, Approvals::NONE),
        AnswerStatus::Unanswered => (Outcome::Missing, effective.basis, Approvals::NONE),
        AnswerStatus::NotApplicable => match (meaning, not_applicable) {
            (Meaning::Must, NotApplicable::Refused(why)) => {
                (Outcome::Blocking, Some(why), Approvals::NONE)
            }
            _ if has_reason => (Outcome::NotNeeded, None, Approvals::NONE),
            _ => (
                Outcome::MissingReason,
                Some(NEEDS_REASON_NOT_APPLICABLE),
                Approvals::NONE,
            ),
        },
        AnswerStatus::Unmet => {
            // A gate explains itself; anything a person answered needs their reason.
            let reason_needed = effective.source != AnswerSource::Facts && !has_reason;
            let accept = |requires: Approvals| {
                if reason_needed {
                    (
                        Outcome::MissingReason,
                        Some(NEEDS_REASON_UNMET),
                        Approvals::NONE,
                    )
                } else {
                    (Outcome::NeedsAcceptance, effective.basis, requires)
                }
            };
            match meaning {
                Meaning::Must if unmet_effect == Some(UnmetEffect::Conditional) => accept(approver),
                Meaning::Must => (Outcome::Blocking, effective.basis, Approvals::NONE),
                Meaning::Should => accept(approver.union(effective.requires)),
                Meaning::May => (Outcome::Noted, effective.basis, Approvals::NONE),
                Meaning::Decision if reason_needed => (
                    Outcome::MissingReason,
                    Some(NEEDS_REASON_UNMET),
                    Approvals::NONE,
                ),
                Meaning::Decision => (Outcome::RiskAccepted, effective.basis, Approvals::NONE),
            }
        }
    }
}
