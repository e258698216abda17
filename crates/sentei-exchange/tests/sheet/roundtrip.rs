//! Sheets written and read back: nothing lost, typed answers taken exactly, odd edits read.

use sentei_core::judgement::AnswerStatus;
use sentei_core::{Answer, Catalog, Profile};
use sentei_exchange::sheet::Scope;

use crate::workbook::*;

const EXAMPLES: [&str; 5] = [
    "ward-annex",
    "city-checklist",
    "procurement-spec",
    "shunan-2023",
    "sakai",
];

#[test]
fn a_sheet_read_back_untouched_gives_the_same_assessment_for_every_profile() {
    for name in EXAMPLES {
        let (catalog, assessment) = example(name);
        for scope in [Scope::Applicable, Scope::All] {
            let bytes = export(&catalog, &assessment, scope);
            let back = import(&catalog, &bytes).unwrap();
            assert_eq!(back, assessment, "{name} {scope:?}");
        }
    }
}

#[test]
fn the_sheet_lists_applicable_items_or_all_with_the_others_marked() {
    let (catalog, assessment) = example("sakai");
    let profile = catalog.get("sakai").unwrap();
    let judgement = sentei_core::judge(profile, &assessment);
    let applicable = judgement.items.iter().filter(|i| i.applies).count();
    assert!(applicable < profile.items.len());

    let only = cells(&export(&catalog, &assessment, Scope::Applicable), ITEMS);
    assert_eq!(only.len() - 1, applicable);
    let all = cells(&export(&catalog, &assessment, Scope::All), ITEMS);
    assert_eq!(all.len() - 1, profile.items.len());
    let applies = column(&all, "適用");
    let skipped: Vec<_> = all[1..]
        .iter()
        .filter(|r| r[applies].starts_with("対象外: "))
        .collect();
    assert_eq!(skipped.len(), profile.items.len() - applicable);

    // The requirement text is the profile's, word for word.
    let text = column(&all, "要件");
    let first = &profile.items[0];
    assert_eq!(all[row_of(&all, &first.id)][text], first.text);
}

#[test]
fn answers_typed_in_the_sheet_come_back_exactly() {
    let (catalog, assessment) = example("city-checklist");
    let bytes = export(&catalog, &assessment, Scope::Applicable);
    let mut items = cells(&bytes, ITEMS);
    let meta = cells(&bytes, META);
    let (answer, reason, evidence) = (
        column(&items, "回答"),
        column(&items, "理由（満たさない・対象外のとき）"),
        column(&items, "根拠（契約書の条項、報告書など）"),
    );
    let open: Vec<String> = items[1..]
        .iter()
        .filter(|r| r[answer] != "（事実から判定）")
        .map(|r| r[1].clone())
        .take(3)
        .collect();
    assert_eq!(open.len(), 3, "the example has items to answer");
    let typed = [
        (
            "満たさない",
            "データの国外保管があるため<script>alert(1)</script>",
            "",
        ),
        ("対象外（不要）", "当市は該当する情報を扱わない", ""),
        ("満たす", "", "SLA 第4条\n別紙2 \"保管場所\""),
    ];
    for (id, (status, why, proof)) in open.iter().zip(typed) {
        let row = row_of(&items, id);
        items[row][answer] = status.to_owned();
        items[row][reason] = why.to_owned();
        items[row][evidence] = proof.to_owned();
    }
    let back = import(&catalog, &rewrite(&items, &meta, &Edits::default())).unwrap();
    let profile = catalog.get("city-checklist").unwrap();
    let expected = [
        (AnswerStatus::Unmet, Some(typed[0].1), None),
        (AnswerStatus::NotApplicable, Some(typed[1].1), None),
        (AnswerStatus::Met, None, Some(typed[2].2)),
    ];
    for (id, (status, reason, evidence)) in open.iter().zip(expected) {
        let index = profile.item_index(id).unwrap();
        assert_eq!(
            back.answer(index),
            Some(&Answer {
                status,
                reason: reason.map(str::to_owned),
                evidence: evidence.map(str::to_owned),
            }),
            "{id}"
        );
    }
    // Everything not typed is as it was.
    assert_eq!(back.facts, assessment.facts);
    assert_eq!(back.service, assessment.service);
    assert_eq!(back.default, assessment.default);
}

#[test]
fn rows_moved_extra_sheets_merged_cells_and_full_width_ids_are_read_by_id() {
    let (catalog, assessment) = example("sakai");
    let bytes = export(&catalog, &assessment, Scope::All);
    let items = cells(&bytes, ITEMS);
    let meta = cells(&bytes, META);
    let answer = column(&items, "回答");
    let reason = column(&items, "理由（満たさない・対象外のとき）");
    let applies = column(&items, "適用");
    // An item answered in the sheet: one that applies and is not decided by the facts.
    let target = items[1..]
        .iter()
        .find(|r| r[applies].starts_with("適用: ") && r[answer] != "（事実から判定）")
        .map(|r| r[1].clone())
        .unwrap();

    // Rows in reverse order, the target's id in full width with spaces, its answer with
    // trailing spaces in half-width parentheses.
    let mut edited = vec![items[0].clone()];
    edited.extend(items[1..].iter().rev().cloned());
    let row = row_of(&edited, &target);
    edited[row][1] = format!(" {}　", to_full_width(&target));
    edited[row][answer] = "対象外(不要)  ".to_owned();
    edited[row][reason] = "庁外に持ち出さない ".to_owned();
    let edits = Edits {
        extra_sheet_first: true,
        rows_above: 2,
        // The category and text cells of the first data row merged, as people do.
        merges: vec![(3, 2, 3)],
    };
    let back = import(&catalog, &rewrite(&edited, &meta, &edits)).unwrap();

    let profile = catalog.get("sakai").unwrap();
    let index = profile.item_index(&target).unwrap();
    assert_eq!(
        back.answer(index),
        Some(&Answer {
            status: AnswerStatus::NotApplicable,
            reason: Some("庁外に持ち出さない".to_owned()),
            evidence: None,
        })
    );
    let mut expected = assessment.clone();
    expected.answers[index] = back.answers[index].clone();
    assert_eq!(back, expected);
}

#[test]
fn a_sheet_for_another_version_of_the_profile_is_refused() {
    let (catalog, assessment) = example("sakai");
    let text = std::fs::read_to_string(format!(
        "{}/../../profiles/sakai.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("version: \"1\"", "version: \"2\"");
    let mut revised = catalog_without("sakai");
    revised.insert(Profile::from_yaml(&text).unwrap());
    let bytes = export(&revised, &assessment, Scope::Applicable);

    let refused = problems(import(&catalog, &bytes));
    assert_eq!(refused.len(), 1);
    assert!(refused[0].contains("版 2 のもの"), "{refused:?}");
    assert!(refused[0].contains("現在の版は 1"), "{refused:?}");

    let unknown = problems(import(&catalog_without("sakai"), &bytes));
    assert!(
        unknown[0].contains("基準 sakai のものですが、その基準はありません"),
        "{unknown:?}"
    );
}

fn catalog_without(id: &str) -> Catalog {
    let profiles = sentei_core::builtin_profiles()
        .unwrap()
        .into_iter()
        .filter(|p| p.id != id)
        .collect();
    Catalog::new(profiles)
}

fn to_full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(u32::from(c) + 0xFEE0).unwrap(),
            other => other,
        })
        .collect()
}
