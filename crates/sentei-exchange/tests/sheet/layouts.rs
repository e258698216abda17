//! The check sheets of 000, 001 and 003 in their documents' own columns and headings, read
//! back by heading; the workbook's protection, freezing and printing in every layout; and a
//! sheet written before a profile had its own layout, still read.

use std::io::{Cursor, Read};

use sentei_core::judgement::AnswerStatus;
use sentei_core::{Answer, Profile};
use sentei_exchange::sheet::Scope;

use crate::workbook::*;

/// A source document's text, as kept beside the profiles (profiles/sources/).
fn source(prefix: &str) -> String {
    let dir = format!("{}/../../profiles/sources", env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .unwrap();
    std::fs::read_to_string(file).unwrap()
}

/// The cells of the first line of the document that starts with `start`, split at tabs.
fn line_cells(text: &str, start: &str) -> Vec<String> {
    text.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?}"))
        .split('\t')
        .map(str::to_owned)
        .collect()
}

fn non_empty(cells: &[String]) -> Vec<String> {
    cells.iter().filter(|c| !c.is_empty()).cloned().collect()
}

#[test]
fn the_ward_annex_sheet_has_the_columns_of_000() {
    let (catalog, assessment) = unanswered("ward-annex");
    let profile = catalog.get("ward-annex").unwrap();
    let bytes = export(&catalog, &assessment, Scope::All);
    let table = Table::read(&bytes, profile);
    let document = source("000_");
    // No. / 大区分 / 小区分 / 確認事項 / 要否のレベル (…) / 確認結果 / 不要とした場合その理由
    let headings = line_cells(&document, "No.\t");
    assert_eq!(headings.len(), 7);
    assert_eq!(table.head, 0);
    assert_eq!(table.rows[0][..7], headings[..]);
    // What sentei adds comes after the document's columns.
    assert_eq!(
        table.rows[0][7..],
        ["根拠（契約書の条項、報告書など）", "適用の判断（sentei）"]
    );
    assert_eq!(table.id, 0);
    assert_eq!(table.rows[0][table.answer], "確認結果");
    assert_eq!(table.rows[0][table.reason], "不要とした場合その理由");

    // Every row of the document's table, with its number, 大区分, 小区分 and level.
    let mut rows = 0;
    for line in document.lines() {
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() < 7 || cells[0].parse::<u32>().is_err() {
            continue;
        }
        let row = table.row_of(cells[0]);
        assert_eq!(table.rows[row][..3], cells[..3], "No.{}", cells[0]);
        assert_eq!(table.rows[row][4], cells[4], "No.{}", cells[0]);
        rows += 1;
    }
    assert_eq!(rows, 39);
    assert_eq!(table.items().len(), 39);
}

#[test]
fn the_city_checklist_sheet_has_the_header_and_columns_of_001() {
    let (catalog, assessment) = example("city-checklist");
    let profile = catalog.get("city-checklist").unwrap();
    let bytes = export(&catalog, &assessment, Scope::All);
    let table = Table::read(&bytes, profile);
    let rows = &table.rows;
    let document = source("001_");

    // The fields above the table: the service's and the provider's names filled in, 記入日
    // and 記入者 left for the person.
    let name = non_empty(&line_cells(&document, "外部サービス(クラウドサービス)名称"));
    let provider = non_empty(&line_cells(
        &document,
        "外部サービス(クラウドサービス)提供者名称",
    ));
    assert_eq!(name, ["外部サービス(クラウドサービス)名称", "0", "記入日"]);
    assert_eq!(provider[0], "外部サービス(クラウドサービス)提供者名称");
    assert_eq!(provider[2], "記入者");
    assert_eq!(rows[0][0], name[0]);
    assert_eq!(rows[0][2], assessment.service.name);
    assert_eq!(rows[0][3], name[2]);
    assert_eq!(rows[1][0], provider[0]);
    assert_eq!(rows[1][2], assessment.service.provider);
    assert_eq!(rows[1][3], provider[2]);

    // 区分 / 要件 / 取扱情報が自治体機密性2以上の場合 over 要否 / 適用状況 / 備考(…).
    let upper = non_empty(&line_cells(&document, "区分\t要件\t"));
    let lower = non_empty(&line_cells(&document, "\t\t要否\t"));
    assert_eq!(upper.len(), 3);
    assert_eq!(lower.len(), 3);
    let head = table.head;
    assert_eq!(rows[head][0], upper[0]);
    assert_eq!(rows[head][1], "", "区分 spans the number and the name");
    assert_eq!(rows[head][2], upper[1]);
    assert_eq!(rows[head - 1][3], upper[2]);
    assert_eq!(rows[head][3..6], lower[..]);
    assert_eq!(
        rows[head][6..],
        ["理由（満たさない・対象外のとき）", "適用の判断（sentei）"]
    );
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains(&format!("<mergeCell ref=\"A{0}:B{0}\"/>", head + 1)));
    assert!(sheet.contains(&format!("<mergeCell ref=\"D{0}:F{0}\"/>", head)));

    // Each item row: its number, its category's name, the requirement and 要否.
    let first = table.row_of("1.1");
    assert_eq!(rows[first][1], "セキュリティ評価制度");
    assert_eq!(rows[first][3], "任意");
    assert_eq!(table.items().len(), 28);
}

#[test]
fn the_shunan_sheet_has_the_columns_of_the_annex_of_003() {
    let (catalog, assessment) = unanswered("shunan-2023");
    let profile = catalog.get("shunan-2023").unwrap();
    let bytes = export(&catalog, &assessment, Scope::Applicable);
    let table = Table::read(&bytes, profile);
    let document = source("003_");
    // 項番 / 規定番号 / 区分 / 要件 / 必須／推奨／任意 / 適用状況
    let headings = line_cells(&document, "項番\t");
    assert_eq!(headings.len(), 6);
    assert_eq!(table.rows[0][..6], headings[..]);
    assert_eq!(
        table.rows[0][6..],
        [
            "理由（満たさない・対象外のとき）",
            "根拠（契約書の条項、報告書など）",
            "適用の判断（sentei）"
        ]
    );
    // Items 1–28 apply to classification 2, each with its level as the annex gives it.
    assert_eq!(table.items().len(), 28);
    let mut rows = 0;
    for line in document.lines() {
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() == 6 && cells[0].parse::<u32>().is_ok() {
            let row = table.row_of(cells[0]);
            assert_eq!(table.rows[row][4], cells[4], "項番{}", cells[0]);
            rows += 1;
        }
    }
    assert_eq!(rows, 28);
    assert_eq!(
        table.rows[table.row_of("1")][1],
        "①セキュリティに係る国際規格等の資格・認証の取得"
    );
}

#[test]
fn answers_in_the_words_of_000_come_back_and_the_generic_words_still_do() {
    let (catalog, assessment) = unanswered("ward-annex");
    let profile = catalog.get("ward-annex").unwrap();
    let bytes = export(&catalog, &assessment, Scope::Applicable);
    let mut table = Table::read(&bytes, profile);
    let meta = cells(&bytes, META);
    let typed = [
        (
            "確認済 (不適切と考えられるものなし)",
            AnswerStatus::Met,
            "",
            "SOC2 報告書",
        ),
        ("確認済", AnswerStatus::Met, "", ""),
        (
            "不要",
            AnswerStatus::NotApplicable,
            "庁内の情報を扱わない",
            "",
        ),
        ("満たさない", AnswerStatus::Unmet, "SLA がない", ""),
        (
            "対象外（不要）",
            AnswerStatus::NotApplicable,
            "使わない機能",
            "",
        ),
        ("met", AnswerStatus::Met, "", "契約書 第3条"),
        (
            "確認済（不適切と考えられるものなし）",
            AnswerStatus::Met,
            "",
            "",
        ),
    ];
    let open = table.open();
    let mut expected = assessment.clone();
    for (&row, (word, status, reason, evidence)) in open.iter().zip(typed) {
        table.rows[row][table.answer] = word.to_owned();
        table.rows[row][table.reason] = reason.to_owned();
        table.rows[row][table.evidence] = evidence.to_owned();
        let index = profile.item_index(&table.id_of(row)).unwrap();
        expected.answers[index] = Some(Answer {
            bulk: false,
            status,
            reason: Some(reason).filter(|r| !r.is_empty()).map(str::to_owned),
            evidence: Some(evidence).filter(|e| !e.is_empty()).map(str::to_owned),
        });
    }
    let back = import(&catalog, &rewrite(&table.rows, &meta, &Edits::default())).unwrap();
    assert_eq!(back, expected);

    // The dropdown offers the document's words.
    assert_eq!(
        dropdown(&bytes),
        "確認済 (不適切と考えられるものなし),満たさない,不要,未回答"
    );
    // A word of no answer is named with the words there are.
    table.rows[open[0]][table.answer] = "確認中".to_owned();
    let refused = problems(import(
        &catalog,
        &rewrite(&table.rows, &meta, &Edits::default()),
    ));
    assert_eq!(
        refused,
        [format!(
            "チェックシート!{}: 回答「確認中」は選べません（確認済 (不適切と考えられるものなし)・満たさない・不要・未回答のいずれか）",
            cell_name(open[0], table.answer)
        )]
    );
}

#[test]
fn every_layout_unlocks_only_the_answer_cells_freezes_its_headings_and_prints_on_a4() {
    for name in EXAMPLES {
        for (catalog, assessment) in [example(name), unanswered(name)] {
            let profile = catalog.get(name).unwrap();
            let bytes = export(&catalog, &assessment, Scope::All);
            let table = Table::read(&bytes, profile);
            let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
            let styles = cell_styles(&part(&bytes, "xl/styles.xml"));

            let mut unlocked = Vec::new();
            for (cell, style) in sheet_cells(&sheet) {
                let (wrapped, locked) = styles[style];
                assert!(wrapped, "{name}: {cell} does not wrap its text");
                if !locked {
                    unlocked.push(cell);
                }
            }
            let mut expected: Vec<String> = table
                .open()
                .into_iter()
                .flat_map(|r| {
                    let mut cols = [table.answer, table.reason, table.evidence];
                    cols.sort_unstable();
                    cols.map(|c| cell_name(r, c))
                })
                .collect();
            expected.sort();
            unlocked.sort();
            assert!(!expected.is_empty(), "{name}");
            assert_eq!(unlocked, expected, "{name}");

            assert!(sheet.contains("<sheetProtection"), "{name}");
            assert!(
                sheet.contains(&format!(
                    "<pane ySplit=\"{}\" topLeftCell=\"A{}\" activePane=\"bottomLeft\" state=\"frozen\"/>",
                    table.head + 1,
                    table.head + 2
                )),
                "{name}"
            );
            // Rows say their height, so LibreOffice shows and prints the wrapped text in full
            // (Excel would fit them itself): the item rows of long requirements are taller.
            let heights: Vec<f64> = sheet
                .match_indices(" ht=\"")
                .map(|(at, _)| {
                    let rest = &sheet[at + 5..];
                    rest[..rest.find('"').unwrap()].parse().unwrap()
                })
                .collect();
            assert!(
                heights.len() > table.open().len(),
                "{name}: rows without a height"
            );
            assert!(heights.iter().any(|h| *h >= 48.0), "{name}: {heights:?}");
            assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{name}");
            for setting in [
                "paperSize=\"9\"",
                "orientation=\"landscape\"",
                "fitToHeight=\"0\"",
            ] {
                assert!(sheet.contains(setting), "{name}: no {setting}");
            }
            assert_eq!(dropdown(&bytes), profile.sheet.labels().join(","), "{name}");
            let workbook = part(&bytes, "xl/workbook.xml");
            assert!(
                workbook.contains("<sheet name=\"sentei\" sheetId=\"2\" state=\"hidden\""),
                "{name}"
            );
        }
    }
}

#[test]
fn a_sheet_written_before_the_profile_had_its_own_layout_is_still_read() {
    for name in ["ward-annex", "city-checklist", "shunan-2023"] {
        let (catalog, assessment) = example(name);
        let profile = catalog.get(name).unwrap();
        let generic = without_layout(name);
        assert_eq!(generic.version, profile.version);
        let bytes =
            sentei_exchange::sheet::export(&generic, &assessment, Scope::Applicable).unwrap();
        let mut table = Table::read(&bytes, &generic);
        assert_eq!(table.rows[0][1], "項目番号", "{name}");
        let meta = cells(&bytes, META);
        let row = table.open()[0];
        table.rows[row][table.answer] = "満たさない".to_owned();
        table.rows[row][table.reason] = "旧い形のシートで回答".to_owned();
        let back = import(&catalog, &rewrite(&table.rows, &meta, &Edits::default())).unwrap();
        let index = profile.item_index(&table.id_of(row)).unwrap();
        let answer = back.answer(index).unwrap();
        assert_eq!(answer.status, AnswerStatus::Unmet, "{name}");
        assert_eq!(answer.reason.as_deref(), Some("旧い形のシートで回答"));
        let mut expected = assessment.clone();
        expected.answers[index] = back.answers[index].clone();
        assert_eq!(back, expected, "{name}");
    }
}

/// The built-in profile without its `sheet:` section: same id and version, generic layout.
fn without_layout(name: &str) -> Profile {
    let (_, text) = sentei_core::profile::BUILTIN_SOURCES
        .iter()
        .find(|(file, _)| file.starts_with(name))
        .unwrap();
    let start = text.find("\nsheet:\n").unwrap();
    let end = text.find("\nitems:\n").unwrap();
    let text = format!("{}{}", &text[..start], &text[end..]);
    let profile = Profile::from_yaml(&text).unwrap();
    assert_eq!(profile.sheet, sentei_core::profile::SheetLayout::generic());
    profile
}

/// A part of the workbook's zip archive, as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The list of the answer column's dropdown, as written in the sheet.
fn dropdown(bytes: &[u8]) -> String {
    let sheet = part(bytes, "xl/worksheets/sheet1.xml");
    let start = sheet.find("<formula1>\"").unwrap() + "<formula1>\"".len();
    let end = start + sheet[start..].find("\"</formula1>").unwrap();
    sheet[start..end].to_owned()
}

/// For each cell format of the workbook: whether it wraps text, and whether it is locked.
fn cell_styles(styles: &str) -> Vec<(bool, bool)> {
    let start = styles.find("<cellXfs").unwrap();
    let end = styles.find("</cellXfs>").unwrap();
    styles[start..end]
        .split("<xf ")
        .skip(1)
        .map(|xf| {
            (
                xf.contains("wrapText=\"1\""),
                !xf.contains("<protection locked=\"0\"/>"),
            )
        })
        .collect()
}

/// Every cell of a sheet's XML with its format's number.
fn sheet_cells(sheet: &str) -> Vec<(String, usize)> {
    sheet
        .split("<c r=\"")
        .skip(1)
        .map(|c| {
            let cell = c[..c.find('"').unwrap()].to_owned();
            let style = c
                .split_once(" s=\"")
                .filter(|(before, _)| !before.contains('>'))
                .map_or(0, |(_, after)| {
                    after[..after.find('"').unwrap()].parse().unwrap()
                });
            (cell, style)
        })
        .collect()
}
