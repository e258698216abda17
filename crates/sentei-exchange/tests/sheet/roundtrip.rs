//! Sheets written and read back: nothing lost, typed answers taken exactly, odd edits read.

use sentei_core::judgement::AnswerStatus;
use sentei_core::{Answer, Catalog, Profile};
use sentei_exchange::sheet::Scope;

use crate::workbook::*;

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
fn answers_typed_in_the_sheet_come_back_exactly_in_every_layout() {
    for name in EXAMPLES {
        let (catalog, assessment) = example(name);
        let profile = catalog.get(name).unwrap();
        let bytes = export(&catalog, &assessment, Scope::Applicable);
        let mut table = Table::read(&bytes, profile);
        let meta = cells(&bytes, META);
        let open: Vec<String> = table
            .open()
            .into_iter()
            .take(3)
            .map(|r| table.id_of(r))
            .collect();
        assert_eq!(open.len(), 3, "{name}: the example has items to answer");
        // Each typed in the words of the profile's dropdown.
        let layout = &profile.sheet;
        let typed = [
            (
                AnswerStatus::Unmet,
                "データの国外保管があるため<script>alert(1)</script>",
                "",
            ),
            (
                AnswerStatus::NotApplicable,
                "当市は該当する情報を扱わない",
                "",
            ),
            (AnswerStatus::Met, "", "SLA 第4条\n別紙2 \"保管場所\""),
        ];
        for (id, (status, why, proof)) in open.iter().zip(typed) {
            let row = table.row_of(id);
            table.rows[row][table.answer] = layout.label(status).to_owned();
            table.rows[row][table.reason] = why.to_owned();
            table.rows[row][table.evidence] = proof.to_owned();
        }
        let back = import(&catalog, &rewrite(&table.rows, &meta, &Edits::default())).unwrap();
        for (id, (status, reason, evidence)) in open.iter().zip(typed) {
            let index = profile.item_index(id).unwrap();
            assert_eq!(
                back.answer(index),
                Some(&Answer {
                    bulk: false,
                    status,
                    reason: Some(reason).filter(|r| !r.is_empty()).map(str::to_owned),
                    evidence: Some(evidence).filter(|e| !e.is_empty()).map(str::to_owned),
                }),
                "{name} {id}"
            );
        }
        // Everything not typed is as it was.
        let mut expected = assessment.clone();
        for id in &open {
            let index = profile.item_index(id).unwrap();
            expected.answers[index] = back.answers[index].clone();
        }
        assert_eq!(back, expected, "{name}");
    }
}

#[test]
fn rows_moved_extra_sheets_merged_cells_and_full_width_ids_are_read_by_id() {
    for name in EXAMPLES {
        let (catalog, assessment) = example(name);
        let profile = catalog.get(name).unwrap();
        let bytes = export(&catalog, &assessment, Scope::All);
        let table = Table::read(&bytes, profile);
        let meta = cells(&bytes, META);
        // An item answered in the sheet: one that applies and is not decided by the facts.
        let target = table.id_of(table.open()[0]);

        // Item rows in reverse order, the target's id in full width with spaces, its answer
        // with trailing spaces in half-width parentheses.
        let mut edited = table.rows[..=table.head].to_vec();
        edited.extend(table.rows[table.items()].iter().rev().cloned());
        let moved = Table {
            rows: edited,
            ..table
        };
        let row = moved.row_of(&target);
        let mut edited = moved.rows.clone();
        edited[row][moved.id] = format!(" {}　", to_full_width(&target));
        edited[row][moved.answer] = "対象外(不要)  ".to_owned();
        edited[row][moved.reason] = "庁外に持ち出さない ".to_owned();
        let rows_above = 2;
        let edits = Edits {
            extra_sheet_first: true,
            rows_above,
            // Two cells of the first item row merged, as people do.
            merges: vec![(
                u32::try_from(rows_above as usize + moved.head + 1).unwrap(),
                u16::try_from(moved.text - 1).unwrap(),
                u16::try_from(moved.text).unwrap(),
            )],
        };
        let back = import(&catalog, &rewrite(&edited, &meta, &edits)).unwrap();

        let index = profile.item_index(&target).unwrap();
        let evidence = &edited[row][moved.evidence];
        assert_eq!(
            back.answer(index),
            Some(&Answer {
                bulk: false,
                status: AnswerStatus::NotApplicable,
                reason: Some("庁外に持ち出さない".to_owned()),
                evidence: Some(evidence.clone()).filter(|e| !e.is_empty()),
            }),
            "{name}"
        );
        let mut expected = assessment.clone();
        expected.answers[index] = back.answers[index].clone();
        assert_eq!(back, expected, "{name}");
    }
}

#[test]
fn a_sheet_for_another_version_of_the_profile_is_refused() {
    let (catalog, assessment) = example("sakai");
    let text = std::fs::read_to_string(format!(
        "{}/../../profiles/sakai.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("version: \"2\"", "version: \"3\"");
    let mut revised = catalog_without("sakai");
    revised.insert(Profile::from_yaml(&text).unwrap());
    let bytes = export(&revised, &assessment, Scope::Applicable);

    let refused = problems(import(&catalog, &bytes));
    assert_eq!(refused.len(), 1);
    assert!(refused[0].contains("版 3 のもの"), "{refused:?}");
    assert!(refused[0].contains("現在の版は 2"), "{refused:?}");

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

/// A problem the assessment reader finds in an item's answer is shown at that item's answer
/// cell, not as a problem of the whole file: the sheet import and the other surfaces share
/// one reader and one wording (issue 10).
#[test]
fn a_problem_in_an_answer_is_shown_at_its_cell() {
    let (catalog, assessment) = example("city-checklist");
    let profile = catalog.get("city-checklist").unwrap();
    let bytes = export(&catalog, &assessment, Scope::Applicable);
    let mut table = Table::read(&bytes, profile);
    let meta = cells(&bytes, META);
    let row = table.open()[0];
    let id = table.id_of(row);
    table.rows[row][table.answer] = profile.sheet.label(AnswerStatus::Unmet).to_owned();
    table.rows[row][table.reason] = "長".repeat(20_001);
    let refused = problems(import(
        &catalog,
        &rewrite(&table.rows, &meta, &Edits::default()),
    ));
    assert_eq!(refused.len(), 1, "{refused:?}");
    let cell = cell_name(row, table.answer);
    assert!(
        refused[0].starts_with(&format!("チェックシート!{cell}: 文字数が多すぎます")),
        "{id}: {refused:?}"
    );
}
