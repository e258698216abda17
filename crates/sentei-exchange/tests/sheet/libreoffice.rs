//! Sheets filled and then re-saved by LibreOffice (Debian's `libreoffice`), as a vendor on
//! LibreOffice sends them back. Skipped with a message when LibreOffice is not installed,
//! unless SENTEI_REQUIRE_LIBREOFFICE is set (`.ci/run` sets it).

use std::path::Path;
use std::process::Command;

use sentei_core::judgement::AnswerStatus;
use sentei_exchange::sheet::Scope;

use crate::workbook::*;

/// The workbook as LibreOffice saves it again, or `None` when there is no LibreOffice.
fn resaved_by_libreoffice(bytes: &[u8]) -> Option<Vec<u8>> {
    let found = Command::new("libreoffice")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("SENTEI_REQUIRE_LIBREOFFICE").is_none(),
            "SENTEI_REQUIRE_LIBREOFFICE is set but libreoffice is not installed"
        );
        eprintln!("skipped: libreoffice is not installed (apt install libreoffice-calc-nogui)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("filled.xlsx");
    std::fs::write(&input, bytes).unwrap();
    let out = dir.path().join("out");
    // A profile directory of its own, so parallel runs and a user's LibreOffice do not meet.
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.path().join("lo").display()
    );
    let status = Command::new("libreoffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
        ])
        .arg(&out)
        .arg(&input)
        .output()
        .unwrap();
    let saved = out.join("filled.xlsx");
    assert!(
        Path::new(&saved).exists(),
        "libreoffice did not save: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    Some(std::fs::read(saved).unwrap())
}

#[test]
fn a_filled_sheet_resaved_by_libreoffice_gives_exactly_the_answers_typed() {
    let (catalog, assessment) = example("shunan-2023");
    let bytes = export(&catalog, &assessment, Scope::All);
    let mut items = cells(&bytes, ITEMS);
    let meta = cells(&bytes, META);
    let answer = column(&items, "回答");
    let reason = column(&items, "理由（満たさない・対象外のとき）");
    let evidence = column(&items, "根拠（契約書の条項、報告書など）");
    let applies = column(&items, "適用");
    let rows: Vec<usize> = (1..items.len())
        .filter(|&r| {
            items[r][applies].starts_with("適用: ") && items[r][answer] != "（事実から判定）"
        })
        .take(2)
        .collect();
    items[rows[0]][answer] = "満たさない".to_owned();
    items[rows[0]][reason] = "国外のデータセンターを使う（<b>注意</b>）".to_owned();
    items[rows[1]][answer] = "満たす".to_owned();
    items[rows[1]][evidence] = "契約書 第12条 =SUM(A1)".to_owned();
    let filled = rewrite(&items, &meta, &Edits::default());

    let Some(resaved) = resaved_by_libreoffice(&filled) else {
        return;
    };
    let direct = import(&catalog, &filled).unwrap();
    let back = import(&catalog, &resaved).unwrap();
    assert_eq!(back, direct);
    let profile = catalog.get("shunan-2023").unwrap();
    let first = profile.item_index(&items[rows[0]][1]).unwrap();
    let answer = back.answer(first).unwrap();
    assert_eq!(answer.status, AnswerStatus::Unmet);
    assert_eq!(
        answer.reason.as_deref(),
        Some("国外のデータセンターを使う（<b>注意</b>）")
    );
    let second = profile.item_index(&items[rows[1]][1]).unwrap();
    assert_eq!(
        back.answer(second).unwrap().evidence.as_deref(),
        Some("契約書 第12条 =SUM(A1)")
    );
}

#[test]
fn a_sheet_resaved_by_libreoffice_untouched_reads_as_written() {
    let (catalog, assessment) = example("sakai");
    let bytes = export(&catalog, &assessment, Scope::Applicable);
    let Some(resaved) = resaved_by_libreoffice(&bytes) else {
        return;
    };
    assert_eq!(import(&catalog, &resaved).unwrap(), assessment);
}
