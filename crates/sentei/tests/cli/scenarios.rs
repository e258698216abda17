//! Golden scenarios: every file under `tests/scenarios/` is an assessment and what its
//! judgement must say. They pin each conditional rule of each profile (docs/domain.md) and the
//! messages for invalid input, through the real binary and the judgement JSON of the contract.
//!
//! A scenario file:
//!
//! ```yaml
//! name: what the scenario shows
//! input: |            # the assessment file, written to assessment.yaml
//!   profile: ...
//! expect:
//!   exit: 0           # 2 for invalid input
//!   verdict: conditional
//!   required_approvals: [approver, ciso]
//!   reasons_contain: ["..."]
//!   items:            # by id, or a range "1.16..1.28" in output order
//!     "1.6": { applies: false, outcome: skipped, why_contains: "1.1 (ISMAP)" }
//!   stderr_contains: ["assessment.yaml:7: facts.colour"]
//! quote: 「…」          # optional: the source document's words the scenario reads; checked to
//!                       # be in the source text of the folder's profile (whitespace ignored)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::{sentei, text};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    name: String,
    input: String,
    #[serde(default)]
    stdin: bool,
    expect: Expect,
    #[serde(default)]
    quote: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    #[serde(default)]
    exit: i32,
    #[serde(default)]
    verdict: Option<String>,
    #[serde(default)]
    required_approvals: Option<Vec<String>>,
    #[serde(default)]
    reasons_contain: Vec<String>,
    #[serde(default)]
    items: BTreeMap<String, ItemExpect>,
    #[serde(default)]
    item_count: Option<usize>,
    #[serde(default)]
    applying_count: Option<usize>,
    #[serde(default)]
    stderr_contains: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemExpect {
    applies: Option<bool>,
    outcome: Option<String>,
    answer: Option<String>,
    answer_source: Option<String>,
    level: Option<String>,
    why_contains: Option<String>,
    basis_contains: Option<String>,
    level_rule_contains: Option<String>,
    requires: Option<Vec<String>>,
    citation_contains: Option<String>,
}

fn scenario_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("the scenarios folder exists") {
            let path = entry.expect("a readable entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_scenario_holds() {
    let files = scenario_files();
    assert!(
        files.len() >= 40,
        "expected at least 40 scenarios, found {}",
        files.len()
    );
    let failures: Vec<String> = files.iter().filter_map(|f| run(f).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

fn run(file: &Path) -> Result<(), String> {
    let label = file
        .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")))
        .unwrap_or(file)
        .display()
        .to_string();
    let source = std::fs::read_to_string(file).map_err(|e| format!("{label}: {e}"))?;
    let scenario: Scenario =
        serde_saphyr::from_str(&source).map_err(|e| format!("{label}: not a scenario: {e}"))?;
    if let Some(quote) = &scenario.quote {
        check_quote(file, quote).map_err(|e| format!("{label}: {e}"))?;
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let output = if scenario.stdin {
        sentei(
            dir.path(),
            &["assess", "-", "--format", "json"],
            Some(&scenario.input),
        )
    } else {
        std::fs::write(dir.path().join("assessment.yaml"), &scenario.input)
            .map_err(|e| e.to_string())?;
        sentei(
            dir.path(),
            &["assess", "assessment.yaml", "--format", "json"],
            None,
        )
    };
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    let mut problems = Vec::new();
    check(
        &scenario.expect,
        output.status.code(),
        &stdout,
        &stderr,
        &mut problems,
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{label} ({}):\n  - {}\n  stderr: {}",
            scenario.name,
            problems.join("\n  - "),
            stderr.trim()
        ))
    }
}

/// The quoted words are the document's: in the source text of the profile named by the
/// scenario's folder, whitespace ignored (the texts were extracted from PDFs).
fn check_quote(file: &Path, quote: &str) -> Result<(), String> {
    let folder = file
        .parent()
        .and_then(Path::file_name)
        .and_then(|f| f.to_str())
        .unwrap_or("");
    let profiles = sentei_core::builtin_profiles().map_err(|(id, e)| format!("{id}: {e}"))?;
    let profile = profiles
        .iter()
        .find(|p| p.id == folder)
        .ok_or_else(|| format!("a quote needs the folder to be a profile id, not {folder}"))?;
    let source_file = profile.source.file.as_deref().unwrap_or("");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../profiles/sources")
        .join(source_file);
    let source = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let squeeze = |t: &str| -> String {
        t.chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '「' | '」' | '…'))
            .collect()
    };
    let source = squeeze(&source);
    for part in quote.split('…') {
        if !source.contains(&squeeze(part)) {
            return Err(format!("the quote {part:?} is not in {source_file}"));
        }
    }
    Ok(())
}

fn check(
    expect: &Expect,
    code: Option<i32>,
    stdout: &str,
    stderr: &str,
    problems: &mut Vec<String>,
) {
    if code != Some(expect.exit) {
        problems.push(format!("exit status {code:?}, expected {}", expect.exit));
    }
    for needle in &expect.stderr_contains {
        if !stderr.contains(needle.as_str()) {
            problems.push(format!("stderr lacks {needle:?}"));
        }
    }
    if expect.exit != 0 {
        if !stdout.is_empty() {
            problems.push(format!(
                "invalid input must write nothing, wrote {stdout:?}"
            ));
        }
        return;
    }
    let json: Value = match serde_json::from_str(stdout) {
        Ok(json) => json,
        Err(e) => {
            problems.push(format!("stdout is not one JSON object: {e}"));
            return;
        }
    };
    if let Some(verdict) = &expect.verdict
        && json["verdict"] != verdict.as_str()
    {
        problems.push(format!("verdict {}, expected {verdict}", json["verdict"]));
    }
    if let Some(approvals) = &expect.required_approvals {
        let actual: Vec<&str> = json["required_approvals"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if actual != *approvals {
            problems.push(format!(
                "required_approvals {actual:?}, expected {approvals:?}"
            ));
        }
    }
    let reasons: Vec<&str> = json["reasons"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for needle in &expect.reasons_contain {
        if !reasons.iter().any(|r| r.contains(needle.as_str())) {
            problems.push(format!(
                "no reason contains {needle:?}; reasons: {reasons:?}"
            ));
        }
    }
    let items = json["items"].as_array().cloned().unwrap_or_default();
    if let Some(count) = expect.item_count
        && items.len() != count
    {
        problems.push(format!("{} items, expected {count}", items.len()));
    }
    if let Some(count) = expect.applying_count {
        let applying = items.iter().filter(|i| i["applies"] == true).count();
        if applying != count {
            problems.push(format!("{applying} items apply, expected {count}"));
        }
    }
    for (key, item_expect) in &expect.items {
        let selected = select(&items, key);
        if selected.is_empty() {
            problems.push(format!("no item {key}"));
        }
        for item in selected {
            check_item(item, item_expect, problems);
        }
    }
}

/// The items called `key`, or the run `from..to` in output order.
fn select<'a>(items: &'a [Value], key: &str) -> Vec<&'a Value> {
    let position = |id: &str| items.iter().position(|i| i["id"] == id);
    match key.split_once("..") {
        Some((from, to)) => match (position(from), position(to)) {
            (Some(a), Some(b)) if a <= b => items[a..=b].iter().collect(),
            _ => Vec::new(),
        },
        None => items.iter().filter(|i| i["id"] == key).collect(),
    }
}

fn check_item(item: &Value, expect: &ItemExpect, problems: &mut Vec<String>) {
    let id = item["id"].as_str().unwrap_or("?");
    let mut field = |name: &str, wanted: Option<&str>, contains: bool| {
        let Some(wanted) = wanted else { return };
        let actual = item[name].as_str().unwrap_or("");
        let ok = if contains {
            actual.contains(wanted)
        } else {
            actual == wanted
        };
        if !ok {
            problems.push(format!(
                "item {id}: {name} is {actual:?}, expected {}{wanted:?}",
                if contains { "to contain " } else { "" }
            ));
        }
    };
    field("outcome", expect.outcome.as_deref(), false);
    field("answer", expect.answer.as_deref(), false);
    field("answer_source", expect.answer_source.as_deref(), false);
    field("level", expect.level.as_deref(), false);
    field("why", expect.why_contains.as_deref(), true);
    field("basis", expect.basis_contains.as_deref(), true);
    field("level_rule", expect.level_rule_contains.as_deref(), true);
    field("citation", expect.citation_contains.as_deref(), true);
    if let Some(applies) = expect.applies
        && item["applies"] != applies
    {
        problems.push(format!(
            "item {id}: applies is {}, expected {applies}",
            item["applies"]
        ));
    }
    if let Some(requires) = &expect.requires {
        let actual: Vec<&str> = item["requires"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if actual != *requires {
            problems.push(format!(
                "item {id}: requires {actual:?}, expected {requires:?}"
            ));
        }
    }
}
