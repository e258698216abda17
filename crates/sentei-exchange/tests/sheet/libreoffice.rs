//! Sheets filled and then re-saved by LibreOffice (Debian's `libreoffice`), as a vendor on
//! LibreOffice sends them back, in every profile's layout. Skipped with a message when
//! LibreOffice is not installed, unless SENTEI_REQUIRE_LIBREOFFICE is set (`.ci/run` sets it).

use std::path::Path;
use std::process::Command;

use sentei_core::judgement::AnswerStatus;
use sentei_exchange::sheet::Scope;

use crate::workbook::*;

/// Whether LibreOffice is installed; when it is not, says so, or fails when it is required.
pub fn libreoffice_found() -> bool {
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
    }
    found
}

/// The workbooks as LibreOffice saves them again (one run for all), or `None` when there is
/// no LibreOffice.
fn resaved_by_libreoffice(workbooks: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if !libreoffice_found() {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<_> = workbooks
        .iter()
        .enumerate()
        .map(|(n, bytes)| {
            let input = dir.path().join(format!("filled-{n}.xlsx"));
            std::fs::write(&input, bytes).unwrap();
            input
        })
        .collect();
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
        .args(&inputs)
        .output()
        .unwrap();
    Some(
        (0..workbooks.len())
            .map(|n| {
                let saved = out.join(format!("filled-{n}.xlsx"));
                assert!(
                    Path::new(&saved).exists(),
                    "libreoffice did not save {}: {}",
                    saved.display(),
                    String::from_utf8_lossy(&status.stderr)
                );
                std::fs::read(saved).unwrap()
            })
            .collect(),
    )
}

#[test]
fn a_filled_sheet_resaved_by_libreoffice_gives_exactly_the_answers_typed() {
    let mut filled = Vec::new();
    let mut typed = Vec::new();
    for name in EXAMPLES {
        let (catalog, assessment) = example(name);
        let profile = catalog.get(name).unwrap();
        let bytes = export(&catalog, &assessment, Scope::All);
        let mut table = Table::read(&bytes, profile);
        let meta = cells(&bytes, META);
        let rows = table.open();
        let (first, second) = (rows[0], rows[1]);
        table.rows[first][table.answer] = profile.sheet.label(AnswerStatus::Unmet).to_owned();
        table.rows[first][table.reason] = "国外のデータセンターを使う（<b>注意</b>）".to_owned();
        table.rows[second][table.answer] = profile.sheet.label(AnswerStatus::Met).to_owned();
        table.rows[second][table.evidence] = "契約書 第12条 =SUM(A1)".to_owned();
        filled.push(rewrite(&table.rows, &meta, &Edits::default()));
        typed.push((catalog, name, table.id_of(first), table.id_of(second)));
    }

    let Some(resaved) = resaved_by_libreoffice(&filled) else {
        return;
    };
    for ((catalog, name, first, second), (filled, resaved)) in
        typed.iter().zip(filled.iter().zip(&resaved))
    {
        let direct = import(catalog, filled).unwrap();
        let back = import(catalog, resaved).unwrap();
        assert_eq!(&back, &direct, "{name}");
        let profile = catalog.get(name).unwrap();
        let answer = back.answer(profile.item_index(first).unwrap()).unwrap();
        assert_eq!(answer.status, AnswerStatus::Unmet, "{name}");
        assert_eq!(
            answer.reason.as_deref(),
            Some("国外のデータセンターを使う（<b>注意</b>）"),
            "{name}"
        );
        let answer = back.answer(profile.item_index(second).unwrap()).unwrap();
        assert_eq!(answer.status, AnswerStatus::Met, "{name}");
        assert_eq!(
            answer.evidence.as_deref(),
            Some("契約書 第12条 =SUM(A1)"),
            "{name}"
        );
    }
}

#[test]
fn a_sheet_resaved_by_libreoffice_untouched_reads_as_written() {
    let examples: Vec<_> = EXAMPLES.iter().map(|name| example(name)).collect();
    let exported: Vec<Vec<u8>> = examples
        .iter()
        .map(|(catalog, assessment)| export(catalog, assessment, Scope::Applicable))
        .collect();
    let Some(resaved) = resaved_by_libreoffice(&exported) else {
        return;
    };
    for ((catalog, assessment), resaved) in examples.iter().zip(&resaved) {
        assert_eq!(
            &import(catalog, resaved).unwrap(),
            assessment,
            "{}",
            assessment.profile_id
        );
    }
}
