//! Laws of the engine, checked on random assessments of every built-in profile.

use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use sentei_core::assessment::{Catalog, Service};
use sentei_core::facts::{CertSet, FACT_COUNT, FACTS, Facts};
use sentei_core::judgement::{AnswerSource, AnswerStatus, Outcome, Role, Verdict};
use sentei_core::{Answer, Assessment, Profile, builtin_profiles, judge, judge_all};

pub(crate) static CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| Catalog::new(builtin_profiles().expect("built-in profiles compile")));
pub(crate) static PROFILES: LazyLock<&[Profile]> = LazyLock::new(|| CATALOG.profiles());

fn status() -> impl Strategy<Value = AnswerStatus> {
    prop_oneof![
        Just(AnswerStatus::Met),
        Just(AnswerStatus::Unmet),
        Just(AnswerStatus::NotApplicable),
        Just(AnswerStatus::Unanswered),
    ]
}

fn answer() -> impl Strategy<Value = Option<Answer>> {
    proptest::option::weighted(0.7, (status(), any::<bool>(), any::<bool>())).prop_map(|a| {
        a.map(|(status, reason, evidence)| Answer {
            bulk: false,
            status,
            reason: reason.then(|| "理由".to_owned()),
            evidence: evidence.then(|| "根拠".to_owned()),
        })
    })
}

/// Any facts and answers for one of the built-in profiles, valid or not.
pub(crate) fn case() -> impl Strategy<Value = (usize, Assessment)> {
    (0..PROFILES.len()).prop_flat_map(|p| {
        let items = PROFILES[p].items.len();
        (
            Just(p),
            0u8..6,
            proptest::collection::vec(0u8..6, FACT_COUNT),
            // Services hold few certifications; a dense random set would nearly always hold a
            // decisive one and leave the other paths untested.
            proptest::collection::vec(0..sentei_core::facts::CERTIFICATIONS.len(), 0..4),
            proptest::option::of(prop_oneof![
                Just(AnswerStatus::Met),
                Just(AnswerStatus::Unmet)
            ]),
            proptest::collection::vec(answer(), items),
        )
            .prop_map(|(p, classification, values, certs, default, answers)| {
                let mut facts = Facts::with_classification(classification);
                for (id, raw) in values.into_iter().enumerate().skip(1) {
                    // Only what a file can say: a valid choice, or "not given" for facts
                    // without a default.
                    let def = &FACTS[id];
                    let count = def.choices().len() as u8;
                    let value = match raw % (count + 1) {
                        v if v == count => def.default.unwrap_or(sentei_core::facts::UNSET),
                        v => v,
                    };
                    facts.set(id, value);
                }
                // A fact that only means something under another fact's value is left at its
                // default otherwise, as a file must (a contradiction is an input error).
                for (id, def) in FACTS.iter().enumerate() {
                    if let Some(only) = &def.only_with {
                        let parent = sentei_core::facts::fact_id(only.fact).unwrap();
                        let fits = facts
                            .value_name(parent)
                            .is_some_and(|v| only.values.contains(&v));
                        if !fits {
                            facts.set(id, def.default.unwrap_or(sentei_core::facts::UNSET));
                        }
                    }
                }
                let bits = certs.iter().fold(0u16, |bits, &c| bits | (1 << c));
                facts.set_certifications(CertSet::from_bits(bits));
                let mut assessment = Assessment::blank(
                    &PROFILES[p],
                    Service {
                        name: "例のSaaS".to_owned(),
                        provider: "例示株式会社".to_owned(),
                    },
                    facts,
                );
                assessment.default = default;
                assessment.answers = answers;
                (p, assessment)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Meeting a requirement never makes things worse: turning any applicable unmet or
    /// unanswered item that a person answers into "met" never worsens the verdict.
    #[test]
    fn meeting_an_item_never_worsens_the_verdict((p, assessment) in case()) {
        let profile = &PROFILES[p];
        let before = judge(profile, &assessment);
        for (i, item) in before.items.iter().enumerate() {
            let answerable = matches!(item.answer_source, AnswerSource::Answer | AnswerSource::Default | AnswerSource::None);
            let open = matches!(item.answer, AnswerStatus::Unmet | AnswerStatus::Unanswered);
            if !(item.applies && answerable && open) {
                continue;
            }
            let mut improved = assessment.clone();
            improved.answers[i] = Some(Answer { bulk: false, status: AnswerStatus::Met, reason: None, evidence: None });
            let after = judge(profile, &improved);
            prop_assert!(
                after.verdict <= before.verdict,
                "{}: meeting {} turned {:?} into {:?}", profile.id, item.id, before.verdict, after.verdict
            );
        }
    }

    /// Items come out in the document's order, every one of them, then the added ones.
    #[test]
    fn items_come_out_in_document_order((p, assessment) in case()) {
        let profile = &PROFILES[p];
        let judgement = judge(profile, &assessment);
        let ids: Vec<&str> = judgement.items.iter().map(|i| i.id).collect();
        let expected: Vec<&str> = profile.items.iter().map(|i| i.id.as_str()).collect();
        prop_assert_eq!(ids, expected);
    }

    /// The same input always gives byte-identical JSON.
    #[test]
    fn judging_is_deterministic((p, assessment) in case()) {
        let profile = &PROFILES[p];
        let first = judge(profile, &assessment).to_json();
        let copy = assessment.clone();
        prop_assert_eq!(&first, &judge(profile, &copy).to_json());
        prop_assert_eq!(&first, &judge(profile, &assessment).to_json());
    }

    /// The verdict is the worst outcome, approvals follow the contract, and there is always
    /// a reason.
    #[test]
    fn verdict_reasons_and_approvals_are_consistent((p, assessment) in case()) {
        let profile = &PROFILES[p];
        let j = judge(profile, &assessment);
        prop_assert!(!j.reasons.is_empty());
        if j.verdict != Verdict::Prohibited {
            let worst = j.items.iter().map(|i| i.outcome.verdict_floor()).max().unwrap_or(Verdict::Approvable);
            prop_assert_eq!(worst, j.verdict);
        }
        let blocked = matches!(j.verdict, Verdict::Prohibited | Verdict::NotApprovable);
        prop_assert_eq!(j.required_approvals.contains(Role::Approver), !blocked);
        if blocked {
            prop_assert!(j.required_approvals.is_empty());
        }
        for item in &j.items {
            prop_assert_eq!(item.outcome == Outcome::Skipped, !item.applies);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// What the store writes is what `sentei assess` reads: a valid assessment written as a
    /// document and read back is the same assessment.
    #[test]
    fn documents_round_trip((p, assessment) in case()) {
        let catalog = &*CATALOG;
        let profile = &PROFILES[p];
        let text = assessment.to_document(profile).to_string();
        // Random cases include combinations the validator refuses (e.g. answers that
        // contradict certifications, classifications outside the profile); skip those.
        // prop_assume fails the test if it rejects too many cases, so it cannot pass vacuously.
        let read = catalog.parse_assessment(&text);
        prop_assume!(read.is_ok());
        prop_assert_eq!(&read.unwrap(), &assessment);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Arbitrary text never panics the assessment reader.
    #[test]
    fn any_text_is_read_or_refused(text in ".{0,400}") {
        let _ = CATALOG.parse_assessment(&text);
    }

    /// Nor do assessment-shaped documents with random keys and values.
    #[test]
    fn any_assessment_shaped_document_is_read_or_refused(
        profile in prop_oneof![Just("city-checklist"), Just("sakai"), Just("shunan-2023"), Just("x")],
        pairs in proptest::collection::vec((
            prop_oneof![
                Just("classification".to_owned()),
                Just("connection".to_owned()),
                Just("certifications".to_owned()),
                Just("model".to_owned()),
                Just("government_cloud".to_owned()),
                "[a-z_]{1,12}",
            ],
            prop_oneof![Just("\"2\"".to_owned()), Just("3B".to_owned()), Just("true".to_owned()), Just("[ismap, x]".to_owned()), Just("~".to_owned()), Just("{a: 1}".to_owned()), "[ -~]{0,12}"],
        ), 0..8),
        answers in proptest::collection::vec(("[0-9.()a-z\\-]{1,8}", prop_oneof![Just("met"), Just("{status: unmet}"), Just("{reason: x}"), Just("[1]"), Just("nope")]), 0..6),
    ) {
        let mut text = format!("profile: {profile}\nservice: {{ name: a, provider: b }}\nfacts:\n");
        for (k, v) in &pairs {
            text.push_str(&format!("  {k}: {v}\n"));
        }
        text.push_str("answers:\n  items:\n");
        for (k, v) in &answers {
            text.push_str(&format!("    \"{k}\": {v}\n"));
        }
        if let Ok(assessment) = CATALOG.parse_assessment(&text) {
            let profile = CATALOG.get(&assessment.profile_id).unwrap();
            let _ = judge(profile, &assessment).to_json();
        }
    }

    /// Damaged profile files are refused with problems, never a panic.
    #[test]
    fn damaged_profiles_are_refused_not_panicked_on(which in 0usize..5, cut in 0usize..40_000, junk in "[ -~\n]{0,30}") {
        let (_, text) = sentei_core::profile::BUILTIN_SOURCES[which];
        let mut at = cut.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let damaged = format!("{}{junk}", &text[..at]);
        if let Err(e) = Profile::from_yaml(&damaged) {
            prop_assert!(!e.problems.is_empty());
        }
    }
}

#[test]
fn judging_in_parallel_gives_the_same_verdicts_in_the_same_order() {
    let catalog = Catalog::new(builtin_profiles().unwrap());
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = proptest::collection::vec(case(), 600);
    let cases = strategy.new_tree(&mut runner).unwrap().current();
    let assessments: Vec<Assessment> = cases.into_iter().map(|(_, a)| a).collect();
    let parallel = judge_all(&assessments, |id| catalog.get(id));
    let sequential: Vec<_> = assessments
        .iter()
        .map(|a| {
            let j = judge(catalog.get(&a.profile_id).unwrap(), a);
            Some((j.verdict, j.required_approvals))
        })
        .collect();
    assert_eq!(parallel, sequential);
}
