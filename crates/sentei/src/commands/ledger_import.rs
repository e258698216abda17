//! `sentei ledger import`: a ledger kept before sentei, read in all or nothing, with a dry run
//! that lists what would be registered and every row that cannot be read.

use std::path::Path;

use sentei_core::ledger::ImportedEntry;
use sentei_exchange::ledger_import::{self, LedgerFile};
use sentei_store::{ImportSource, LedgerImportPlan};

use super::{open, operator, store_failure};
use crate::config::Config;
use crate::failure::Failure;
use crate::files::{display, read_bytes};

pub async fn import(
    config: &Config,
    org: Option<&str>,
    file: &Path,
    as_login: &str,
    dry_run: bool,
) -> Result<String, Failure> {
    let name = display(file);
    let bytes = read_bytes(file, ledger_import::MAX_FILE_BYTES)?;
    let read = ledger_import::read(&name, &bytes).map_err(|e| {
        Failure::problems(&name, e.problems.iter().map(ToString::to_string).collect())
    })?;
    let store = open(config).await?;
    let actor = store
        .acting_as(&operator(&store, org).await?, as_login)
        .await
        .map_err(|e| store_failure(&e))?;
    if !read.problems.is_empty() {
        let mut lines: Vec<String> = read.problems.iter().map(ToString::to_string).collect();
        lines.push(format!(
            "読み取れる {} 行も取り込んでいません。上の行を直してから、もう一度実行してください",
            read.rows.len()
        ));
        return Err(Failure::problems(&name, lines));
    }
    let plan = if dry_run {
        store.plan_ledger_import(&actor, &read.rows).await
    } else {
        let source = ImportSource::of(&name, &bytes);
        store.import_ledger(&actor, &source, &read.rows).await
    }
    .map_err(|e| store_failure(&e))?;
    Ok(report(&name, &read, &plan, dry_run))
}

/// What was (or would be) done, for people: the columns as read, the entries, and the rows
/// already in the ledger.
fn report(name: &str, read: &LedgerFile, plan: &LedgerImportPlan, dry_run: bool) -> String {
    let mut out = format!(
        "{name}: {} 行を読み取りました\n列の対応:\n",
        read.rows.len()
    );
    for column in &read.columns {
        let meaning = match column.read_as {
            Ok(field) => field.to_owned(),
            Err(why) => format!("読み込みません（{why}）"),
        };
        out.push_str(&format!(
            "  {} {} → {meaning}\n",
            column.place, column.heading
        ));
    }
    let verb = if dry_run {
        "登録する項目"
    } else {
        "登録した項目"
    };
    out.push_str(&format!("{verb}（{} 件）:\n", plan.create.len()));
    for (n, index) in plan.create.iter().enumerate() {
        let id = plan
            .created_ids
            .get(n)
            .map_or_else(String::new, |id| format!(" → 台帳番号 {id}"));
        out.push_str(&format!("  {}{id}\n", line(&read.rows[*index])));
    }
    if !plan.existing.is_empty() {
        out.push_str(&format!(
            "既に台帳にある項目（{} 件。登録しません）:\n",
            plan.existing.len()
        ));
        for (index, id) in &plan.existing {
            out.push_str(&format!("  {} = 台帳番号 {id}\n", line(&read.rows[*index])));
        }
    }
    if dry_run {
        out.push_str("（確認のみです。台帳は変更していません）\n");
    }
    out
}

fn line(row: &ImportedEntry) -> String {
    let f = &row.fields;
    format!(
        "{}: {}／{}／{}／{}〜{}／{} {}{}",
        row.place,
        f.service_name,
        f.provider,
        f.classification,
        f.period_start,
        f.period_end,
        f.applicant_department,
        f.applicant_name,
        if row.abolished { "（廃止）" } else { "" }
    )
}
