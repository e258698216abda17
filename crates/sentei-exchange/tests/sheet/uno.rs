//! Sheets filled in by LibreOffice itself: a headless LibreOffice of the test's own, driven
//! through its UNO bridge by `lo_type.py` (Debian's /usr/bin/python3 with python3-uno), enters
//! answers, reasons and evidence cell by cell in every layout, is asked to enter text into
//! locked cells too, and saves the workbook as "Calc MS Excel 2007 XML". The import must give
//! exactly the answers entered; a locked cell changed anyway (the UNO cell API does not enforce
//! protection) must be refused by its cell. Skipped with a message when LibreOffice or
//! python3-uno is missing, unless SENTEI_REQUIRE_LIBREOFFICE is set (`.ci/run` sets it).
//!
//! The text goes in through the cell API, not the keyboard path (.uno:EnterString): with
//! Debian's libreoffice-calc-nogui, Calc's UI files are not installed and LibreOffice 7.4 aborts
//! shortly after any view dispatch (see lo_type.py).

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use sentei_core::judgement::AnswerStatus;
use sentei_core::{Answer, Assessment, Catalog};
use sentei_exchange::sheet::Scope;
use serde_json::{Value, json};

use crate::workbook::*;

/// Debian's Python, which has the `uno` module; not a pyenv or virtualenv one.
const PYTHON: &str = "/usr/bin/python3";
/// Longest the script may take for all the sheets, LibreOffice's first start included.
const SCRIPT_DEADLINE: Duration = Duration::from_secs(240);

/// Whether LibreOffice and python3-uno are installed; when not, says so, or fails when they
/// are required.
fn uno_available() -> bool {
    let office = Command::new("libreoffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let uno = Command::new(PYTHON)
        .args(["-c", "import uno"])
        .output()
        .is_ok_and(|o| o.status.success());
    if office && uno {
        return true;
    }
    assert!(
        std::env::var_os("SENTEI_REQUIRE_LIBREOFFICE").is_none(),
        "SENTEI_REQUIRE_LIBREOFFICE is set but libreoffice ({office}) or python3-uno ({uno}) is missing"
    );
    eprintln!(
        "skipped: libreoffice or python3-uno is not installed (apt install libreoffice-calc-nogui python3-uno)"
    );
    false
}

/// A headless LibreOffice listening on a pipe of its own, with a profile directory of its own.
/// Dropping it kills its whole process group (the wrapper, oosplash and soffice.bin), also
/// when the test fails.
struct Office {
    child: Child,
    pipe: String,
}

impl Office {
    fn start(dir: &Path) -> Office {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let pipe = format!("sentei-test-{}-{nanos}", std::process::id());
        let profile = format!(
            "-env:UserInstallation=file://{}",
            dir.join("lo-profile").display()
        );
        let child = Command::new("libreoffice")
            .arg(profile)
            .args([
                "--headless",
                "--invisible",
                "--nologo",
                "--norestore",
                "--nodefault",
                "--nolockcheck",
            ])
            .arg(format!("--accept=pipe,name={pipe};urp;"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so that the guard ends every process it starts.
            .process_group(0)
            .spawn()
            .unwrap();
        Office { child, pipe }
    }
}

impl Drop for Office {
    fn drop(&mut self) {
        // Asked to end first, so that oosplash reaps soffice.bin; killed if it has not ended
        // within five seconds.
        let group = format!("-{}", self.child.id());
        let signal = |name: &str| {
            let _ = Command::new("kill")
                .args([name, "--", &group])
                .stderr(Stdio::null())
                .status();
        };
        signal("-TERM");
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        signal("-KILL");
        let _ = self.child.wait();
    }
}

/// Runs lo_type.py on the jobs against the office; its JSON answer.
fn enter_in_libreoffice(office: &Office, jobs: &Value) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sheet/lo_type.py");
    let mut child = Command::new(PYTHON)
        .arg(script)
        .arg(&office.pipe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(jobs.to_string().as_bytes())
        .unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    let output = receiver
        .recv_timeout(SCRIPT_DEADLINE)
        .unwrap_or_else(|_| panic!("lo_type.py took longer than {SCRIPT_DEADLINE:?}"))
        .unwrap();
    assert!(
        output.status.success(),
        "lo_type.py failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// One sheet: what is entered where, and what the import must give.
struct Entered {
    catalog: Catalog,
    name: &'static str,
    output: PathBuf,
    expected: Assessment,
    /// Locked cells asked for, with what they held before.
    locked: Vec<(String, String)>,
    /// The same sheet with a locked answer cell changed anyway: where, and the file.
    forced: Option<(String, PathBuf)>,
}

#[test]
fn answers_entered_in_libreoffice_come_back_exactly_in_every_layout() {
    if !uno_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut jobs = Vec::new();
    let mut sheets = Vec::new();
    for name in EXAMPLES {
        let (catalog, assessment) = unanswered(name);
        let profile = catalog.get(name).unwrap();
        let bytes = export(&catalog, &assessment, Scope::All);
        let table = Table::read(&bytes, profile);
        let layout = &profile.sheet;
        let open = table.open();
        // (row, answer, reason, evidence), the answers in the words of the layout's dropdown.
        let typed = [
            (
                open[0],
                AnswerStatus::Unmet,
                "国外のデータセンターを使う（<b>注意</b>）",
                "",
            ),
            (
                open[1],
                AnswerStatus::Met,
                "",
                "SLA 第4条\n別紙2 \"保管場所\" & 'x'",
            ),
            (
                open[2],
                AnswerStatus::NotApplicable,
                "当市は該当する情報を扱わない",
                "利用規約 第3条",
            ),
        ];
        let mut cells = Vec::new();
        let mut expected = assessment.clone();
        for (row, status, reason, evidence) in typed {
            for (col, text) in [
                (table.answer, layout.label(status)),
                (table.reason, reason),
                (table.evidence, evidence),
            ] {
                if !text.is_empty() {
                    cells.push(json!({ "cell": cell_name(row, col), "text": text }));
                }
            }
            let index = profile.item_index(&table.id_of(row)).unwrap();
            expected.answers[index] = Some(Answer {
                bulk: false,
                status,
                reason: Some(reason).filter(|r| !r.is_empty()).map(str::to_owned),
                evidence: Some(evidence).filter(|e| !e.is_empty()).map(str::to_owned),
            });
        }
        // Locked cells: the requirement of an item answered, and the answer of one that does
        // not apply. LibreOffice reports them locked and leaves them as they were.
        let met = layout.label(AnswerStatus::Met);
        let closed = table.closed().first().copied();
        let mut locked = vec![(open[0], table.text)];
        locked.extend(closed.map(|row| (row, table.answer)));
        for &(row, col) in &locked {
            cells.push(json!({ "cell": cell_name(row, col), "text": met }));
        }

        let input = dir.path().join(format!("{name}.xlsx"));
        let output = dir.path().join(format!("{name}-typed.xlsx"));
        std::fs::write(&input, &bytes).unwrap();
        jobs.push(json!({ "input": input, "output": output, "sheet": ITEMS, "cells": cells }));
        // The same sheet with the locked answer of an item that does not apply changed.
        let forced = closed.map(|row| {
            let cell = cell_name(row, table.answer);
            let output = dir.path().join(format!("{name}-forced.xlsx"));
            jobs.push(json!({
                "input": input,
                "output": output,
                "sheet": ITEMS,
                "cells": [{ "cell": cell, "text": met, "force": true }],
            }));
            (cell, output)
        });
        sheets.push(Entered {
            catalog,
            name,
            output,
            expected,
            locked: locked
                .into_iter()
                .map(|(row, col)| (cell_name(row, col), table.rows[row][col].clone()))
                .collect(),
            forced,
        });
    }
    assert!(sheets.iter().any(|s| s.forced.is_some()));

    let office = Office::start(dir.path());
    let results = enter_in_libreoffice(&office, &Value::Array(jobs.clone()));
    drop(office);

    let results: Vec<&Value> = results.as_array().unwrap().iter().collect();
    let outcome = |output: &Path| {
        let at = jobs
            .iter()
            .position(|j| j["output"].as_str() == output.to_str())
            .unwrap();
        (&jobs[at], results[at])
    };
    for sheet in &sheets {
        let name = sheet.name;
        // LibreOffice holds what was entered in the open cells; it reported the locked ones
        // locked and kept what they held.
        let (job, result) = outcome(&sheet.output);
        for (asked, done) in job["cells"]
            .as_array()
            .unwrap()
            .iter()
            .zip(result["cells"].as_array().unwrap())
        {
            let cell = asked["cell"].as_str().unwrap();
            let now = done["now"].as_str().unwrap();
            let locked = done["locked"].as_bool().unwrap();
            match sheet.locked.iter().find(|(c, _)| c == cell) {
                Some((_, before)) => {
                    assert!(locked, "{name} {cell} is locked in LibreOffice");
                    assert_eq!(now, before, "{name} {cell} is kept");
                }
                None => {
                    assert!(!locked, "{name} {cell} is open in LibreOffice");
                    assert_eq!(now, asked["text"].as_str().unwrap(), "{name} {cell}");
                }
            }
        }
        let saved = std::fs::read(&sheet.output).unwrap();
        let back = import(&sheet.catalog, &saved).unwrap();
        assert_eq!(back, sheet.expected, "{name}");

        // A locked cell changed anyway is refused by its cell, and nothing is imported.
        if let Some((cell, output)) = &sheet.forced {
            let (_, result) = outcome(output);
            assert_eq!(result["cells"][0]["locked"], json!(true), "{name} {cell}");
            let refused = problems(import(&sheet.catalog, &std::fs::read(output).unwrap()));
            assert!(
                refused
                    .iter()
                    .any(|p| p.starts_with(&format!("{ITEMS}!{cell}: 項目 "))
                        && p.contains("ここでは回答できません")),
                "{name}: {refused:?}"
            );
        }
    }
}
