//! Malformed and hostile files: each gets a clear message, and nothing is produced.

use std::io::{Cursor, Write};

use rust_xlsxwriter::{Formula, Workbook};
use sentei_exchange::sheet::Scope;
use zip::write::SimpleFileOptions;

use crate::workbook::*;

#[test]
fn a_truncated_file_is_refused_as_unreadable() {
    let (catalog, assessment) = example("sakai");
    let bytes = export(&catalog, &assessment, Scope::Applicable);
    let refused = problems(import(&catalog, &bytes[..bytes.len() / 2]));
    assert!(refused[0].contains("途中で切れています"), "{refused:?}");
    let refused = problems(import(&catalog, b"not a workbook at all"));
    assert!(
        refused[0].contains("Excel ブック（.xlsx）として読めません"),
        "{refused:?}"
    );
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_inflated() {
    // 64 MiB of zeros deflate to about 64 KiB: a ratio of about a thousand.
    let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    archive
        .start_file("xl/worksheets/sheet1.xml", deflated)
        .unwrap();
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..64 {
        archive.write_all(&zeros).unwrap();
    }
    let bytes = archive.finish().unwrap().into_inner();
    assert!(bytes.len() < 1024 * 1024);
    let refused = problems(import(&catalog(), &bytes));
    assert!(refused[0].contains("圧縮率が異常です"), "{refused:?}");
}

#[test]
fn many_parts_that_together_inflate_too_far_are_refused() {
    // Each part is below the ratio check's floor; together they claim more than the bound.
    let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let zeros = vec![0u8; 1024 * 1024];
    for n in 0..101 {
        archive
            .start_file(format!("xl/media/part{n}.xml"), deflated)
            .unwrap();
        archive.write_all(&zeros).unwrap();
    }
    let bytes = archive.finish().unwrap().into_inner();
    let refused = problems(import(&catalog(), &bytes));
    assert!(refused[0].contains("展開すると大きすぎます"), "{refused:?}");
}

#[test]
fn a_part_that_lies_about_its_size_is_refused() {
    // 2 MiB of zeros whose headers say 1,000 bytes: below every declared-size check.
    let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    archive
        .start_file("xl/sharedStrings.xml", deflated)
        .unwrap();
    archive.write_all(&vec![0u8; 2 * 1024 * 1024]).unwrap();
    let mut bytes = archive.finish().unwrap().into_inner();
    let lie = 1_000u32.to_le_bytes();
    // The uncompressed size sits 22 bytes into a local header, 24 into a central one.
    for (signature, offset) in [(0x04034b50u32, 22), (0x02014b50u32, 24)] {
        let at = bytes
            .windows(4)
            .position(|w| w == signature.to_le_bytes())
            .unwrap();
        bytes[at + offset..at + offset + 4].copy_from_slice(&lie);
    }
    let refused = problems(import(&catalog(), &bytes));
    assert!(
        refused[0].contains("大きさが申告と違います") || refused[0].contains("展開できません"),
        "{refused:?}"
    );
}

#[test]
fn a_workbook_with_macros_is_refused() {
    let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
    archive
        .start_file("xl/vbaProject.bin", SimpleFileOptions::default())
        .unwrap();
    archive
        .write_all(b"Attribute VB_Name = \"Module1\"")
        .unwrap();
    let bytes = archive.finish().unwrap().into_inner();
    let refused = problems(import(&catalog(), &bytes));
    assert!(refused[0].contains("マクロ"), "{refused:?}");
}

#[test]
fn a_sheet_using_the_last_of_1048576_rows_is_refused_by_its_cell() {
    let (catalog, assessment) = example("sakai");
    let bytes = export(&catalog, &assessment, Scope::Applicable);
    let items = cells(&bytes, ITEMS);
    let meta = cells(&bytes, META);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(ITEMS).unwrap();
    write_cells(sheet, &items[..1], 0);
    sheet.write_string(1_048_575, 1, "1.1").unwrap();
    add_meta(&mut workbook, &meta);
    let refused = problems(import(&catalog, &workbook.save_to_buffer().unwrap()));
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].starts_with("チェックシート!B1048576: シートが大きすぎます"),
        "{refused:?}"
    );
}

#[test]
fn an_edited_hidden_sheet_or_a_foreign_workbook_is_refused() {
    let (catalog, assessment) = example("sakai");
    let bytes = export(&catalog, &assessment, Scope::Applicable);
    let items = cells(&bytes, ITEMS);
    let mut meta = cells(&bytes, META);
    let base = meta_value(&mut meta, "assessment");
    *base = base.replace("3B", "2");
    let refused = problems(import(&catalog, &rewrite(&items, &meta, &Edits::default())));
    assert!(refused[0].contains("検査値が合いません"), "{refused:?}");

    let mut plain = Workbook::new();
    plain
        .add_worksheet()
        .write_string(0, 0, "項目番号")
        .unwrap();
    let refused = problems(import(&catalog, &plain.save_to_buffer().unwrap()));
    assert!(
        refused[0].contains("隠しシート sentei がありません"),
        "{refused:?}"
    );
}

#[test]
fn every_bad_row_is_named_by_its_cell_and_nothing_is_imported() {
    for name in EXAMPLES {
        let (catalog, assessment) = unanswered(name);
        let profile = catalog.get(name).unwrap();
        let bytes = export(&catalog, &assessment, Scope::All);
        let mut table = Table::read(&bytes, profile);
        let meta = cells(&bytes, META);
        let (id, answer) = (table.id, table.answer);
        let open = table.open();
        let items = &mut table.rows;
        items[open[0]][answer] = "たぶん".to_owned();
        items[open[1]][id] = "9.99".to_owned();
        let duplicate = items[open[3]][id].clone();
        items[open[2]][id] = duplicate.clone();
        let missing = items[open[4]][id].clone();
        let mut expect = vec![
            format!(
                "{ITEMS}!{}: 回答「たぶん」は選べません",
                cell_name(open[0], answer)
            ),
            format!(
                "{ITEMS}!{}: 項目番号 `9.99` は基準 {name} にありません",
                cell_name(open[1], id)
            ),
            format!("項目 {duplicate} が 2 回あります"),
            format!("項目 {missing} の行がシート「チェックシート」にありません"),
        ];
        // An item that does not apply, answered anyway (not every example has one).
        if let Some(&closed) = table.closed().first() {
            table.rows[closed][answer] = profile
                .sheet
                .label(sentei_core::judgement::AnswerStatus::Met)
                .to_owned();
            let after_removal = if closed > open[4] { closed - 1 } else { closed };
            expect.push(format!(
                "{ITEMS}!{}: 項目 ",
                cell_name(after_removal, answer)
            ));
        }
        table.rows.remove(open[4]);
        let refused = problems(import(
            &catalog,
            &rewrite(&table.rows, &meta, &Edits::default()),
        ));
        for wanted in &expect {
            assert!(
                refused.iter().any(|p| p.contains(wanted.as_str())),
                "{name}: missing {wanted:?} in {refused:?}"
            );
        }
    }
}

#[test]
fn formulas_are_not_evaluated_only_their_saved_values_are_read() {
    for name in EXAMPLES {
        let (catalog, assessment) = example(name);
        let profile = catalog.get(name).unwrap();
        let bytes = export(&catalog, &assessment, Scope::Applicable);
        let table = Table::read(&bytes, profile);
        let meta = cells(&bytes, META);
        let row = table.open()[0];
        let id = table.id_of(row);
        let mut blank = table.rows.clone();
        blank[row][table.answer] = String::new();
        let rewritten = rewrite_with_formula(&blank, &meta, row, table.answer);
        let back = import(&catalog, &rewritten).unwrap();
        let index = profile.item_index(&id).unwrap();
        // The formula would give 満たさない; the value saved with it says 満たす.
        assert_eq!(
            back.answer(index).map(|a| a.status),
            Some(sentei_core::judgement::AnswerStatus::Met),
            "{name}"
        );
    }
}

fn rewrite_with_formula(
    items: &[Vec<String>],
    meta: &[Vec<String>],
    row: usize,
    col: usize,
) -> Vec<u8> {
    rewrite_with(items, meta, row, col, r#"="満たさ"&"ない""#)
}

fn rewrite_with(
    items: &[Vec<String>],
    meta: &[Vec<String>],
    row: usize,
    col: usize,
    formula: &str,
) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(ITEMS).unwrap();
    write_cells(sheet, items, 0);
    let formula = Formula::new(formula).set_result("満たす");
    sheet
        .write_formula(
            u32::try_from(row).unwrap(),
            u16::try_from(col).unwrap(),
            formula,
        )
        .unwrap();
    add_meta(&mut workbook, meta);
    workbook.save_to_buffer().unwrap()
}

#[test]
fn a_sheet_whose_dimension_ends_before_it_starts_is_refused_not_a_panic() {
    // Found by fuzz/run.sh (sheet_import): calamine subtracts the start of a sheet's
    // `<dimension ref>` from its end, which overflows when the end comes first. The file the
    // fuzzer made is now refused before calamine (a part larger than it declares) ...
    let found = include_bytes!("found/dimension-end-before-start.xlsx");
    assert_eq!(problems(import(&catalog(), found)).len(), 1);

    // ... so the same defect is rebuilt in an otherwise sound workbook, which reaches calamine.
    let (catalog, assessment) = example("sakai");
    let bytes = export(&catalog, &assessment, Scope::Applicable);
    let mut source = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
    let mut rebuilt = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for index in 0..source.len() {
        let mut part = source.by_index(index).unwrap();
        let name = part.name().unwrap().into_owned();
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut part, &mut content).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(content).unwrap();
            let start = xml.find("<dimension ref=\"").unwrap() + "<dimension ref=\"".len();
            let end = start + xml[start..].find('"').unwrap();
            content = format!("{}B2:A1{}", &xml[..start], &xml[end..]).into_bytes();
        }
        rebuilt
            .start_file(name, SimpleFileOptions::default())
            .unwrap();
        rebuilt.write_all(&content).unwrap();
    }
    let bytes = rebuilt.finish().unwrap().into_inner();
    // Builds with overflow checks panic inside calamine, contained into a clear refusal;
    // release builds wrap and read the sheet as written. Never a crash.
    match import(&catalog, &bytes) {
        Err(e) => assert!(
            e.to_string()
                .contains("ファイルの内部構造に矛盾があるため読めません"),
            "{e}"
        ),
        Ok(back) => assert_eq!(back, assessment),
    }
}

/// The workbook with its shared strings replaced by `shared_strings` (deflated), every other
/// part as it was.
fn with_shared_strings(bytes: &[u8], shared_strings: &[u8]) -> Vec<u8> {
    let mut source = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for index in 0..source.len() {
        let mut part = source.by_index(index).unwrap();
        let name = part.name().unwrap().into_owned();
        if name == "xl/sharedStrings.xml" {
            continue;
        }
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut part, &mut content).unwrap();
        archive.start_file(name, deflated).unwrap();
        archive.write_all(&content).unwrap();
    }
    archive
        .start_file("xl/sharedStrings.xml", deflated)
        .unwrap();
    archive.write_all(shared_strings).unwrap();
    archive.finish().unwrap().into_inner()
}

/// Shared strings of `count` distinct texts, each its number repeated `repeats` times
/// (compressing about as well as real text does, far below the ratio check), declaring
/// `declared` of them.
fn shared_strings(count: usize, repeats: usize, declared: u64) -> Vec<u8> {
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{declared}" uniqueCount="{declared}">"#
    )
    .into_bytes();
    for n in 0..count {
        xml.extend_from_slice(b"<si><t>");
        xml.extend_from_slice(format!("{n:07}").repeat(repeats).as_bytes());
        xml.extend_from_slice(b"</t></si>");
    }
    xml.extend_from_slice(b"</sst>");
    xml
}

#[test]
fn issue_12_huge_shared_strings_under_the_ratio_check_are_refused() {
    // Finding 4: a workbook under 2 MB whose shared strings inflate to ~20 MB, compressed
    // about twenty times: far below the ratio check and the 100 MB bound, so only the bound
    // on shared strings catches it, before calamine reads a single one.
    let (catalog, assessment) = example("sakai");
    let sheet = export(&catalog, &assessment, Scope::Applicable);
    let strings = shared_strings(350_000, 7, 350_000);
    assert!(strings.len() > 16 * 1024 * 1024);
    let hostile = with_shared_strings(&sheet, &strings);
    assert!(hostile.len() < 2 * 1024 * 1024, "{}", hostile.len());
    let refused = problems(import(&catalog, &hostile));
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with("test.xlsx はセルの文字列が大きすぎます（")
            && refused[0].contains("上限は 16777216 バイトです"),
        "{refused:?}"
    );
}

#[test]
fn issue_12_too_many_shared_strings_or_a_huge_declared_count_are_refused() {
    let (catalog, assessment) = example("sakai");
    let sheet = export(&catalog, &assessment, Scope::Applicable);
    // Many short texts: small in bytes, each a String of its own once read.
    let many = with_shared_strings(&sheet, &shared_strings(400_001, 1, 10));
    let refused = problems(import(&catalog, &many));
    assert!(
        refused[0].contains("セルの文字列の種類が多すぎます（400001 個。上限は 400000 個です）"),
        "{refused:?}"
    );
    // calamine reserves room for the declared count before reading: a few bytes that
    // would claim a hundred gigabytes are refused by the declaration alone.
    let declared = with_shared_strings(&sheet, &shared_strings(3, 1, 4_000_000_000));
    let refused = problems(import(&catalog, &declared));
    assert!(
        refused[0].contains("（4000000000 個。上限は 400000 個です）"),
        "{refused:?}"
    );
    // Within the bounds the same construction reads (the guard refuses only what it must).
    let fine = with_shared_strings(&sheet, &shared_strings(3, 1, 3));
    assert!(
        problems(import(&catalog, &fine))
            .iter()
            .all(|p| !p.contains("多すぎます")),
    );
}

#[test]
fn issue_12_a_sheet_of_too_many_empty_cells_is_refused_by_the_cell_count() {
    // Formatted cells without values are read one by one too: they count.
    let (catalog, assessment) = example("sakai");
    let bytes = export(&catalog, &assessment, Scope::Applicable);
    let items = cells(&bytes, ITEMS);
    let meta = cells(&bytes, META);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(ITEMS).unwrap();
    write_cells(sheet, &items, 0);
    let format = rust_xlsxwriter::Format::new().set_bold();
    let below = u32::try_from(items.len()).unwrap() + 1;
    for row in below..below + 6_300 {
        for col in 0..64 {
            sheet.write_blank(row, col, &format).unwrap();
        }
    }
    add_meta(&mut workbook, &meta);
    let refused = problems(import(&catalog, &workbook.save_to_buffer().unwrap()));
    assert_eq!(
        refused,
        ["test.xlsx はセルが多すぎます（空のセルを含めて 400000 個まで読み込めます）"]
    );
}

#[test]
fn issue_12_an_answer_taken_from_another_workbook_is_refused_by_its_cell() {
    // Finding 16: the value saved with `[1]…` came from a file nobody here can see.
    let (catalog, assessment) = example("sakai");
    let profile = catalog.get("sakai").unwrap();
    let bytes = export(&catalog, &assessment, Scope::Applicable);
    let table = Table::read(&bytes, profile);
    let meta = cells(&bytes, META);
    let row = table.open()[0];
    let rewritten = rewrite_with(&table.rows, &meta, row, table.answer, "=[1]回答!G5");
    let refused = problems(import(&catalog, &rewritten));
    let cell = format!("{ITEMS}!{}", cell_name(row, table.answer));
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with(&format!(
            "{cell}: 数式がほかのブックを参照しています（=[1]回答!G5）"
        )),
        "{refused:?}"
    );
    // A formula within the workbook is still read by its saved value.
    let here = rewrite_with(&table.rows, &meta, row, table.answer, "=回答!G5");
    assert!(import(&catalog, &here).is_ok());
}

#[test]
fn issue_12_a_workbook_linked_to_others_where_no_cell_shows_it_is_refused() {
    // A link used only through a defined name: no cell names the other file.
    let (catalog, assessment) = example("sakai");
    let bytes = export(&catalog, &assessment, Scope::Applicable);
    let mut source = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
    let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for index in 0..source.len() {
        archive
            .raw_copy_file(source.by_index_raw(index).unwrap())
            .unwrap();
    }
    archive
        .start_file(
            "xl/externalLinks/externalLink1.xml",
            SimpleFileOptions::default(),
        )
        .unwrap();
    archive
        .write_all(br#"<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook><sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>"#)
        .unwrap();
    let linked = archive.finish().unwrap().into_inner();
    let refused = problems(import(&catalog, &linked));
    assert_eq!(
        refused,
        [
            "test.xlsx はほかのブックへのリンクを含んでいます。参照先の値は確かめられないため読み込みません。Excel の「データ」→「リンクの編集」で「リンクの解除」をしてから保存し直してください"
        ]
    );
}
