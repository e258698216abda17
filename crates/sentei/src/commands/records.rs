//! Reading the records: the ledger (table, CSV, JSON) and the audit trail's verification.

use sentei_store::{LedgerEntryView, LedgerQuery};
use serde_json::json;

use std::path::Path;

use super::{open, open_reading, operator, store_failure};
use crate::cli::LedgerFormat;
use crate::config::{Config, Origin};
use crate::failure::Failure;
use crate::render::columns;

/// Today in Japan (JST, UTC+9, no daylight saving), for "expiring within N days".
pub fn today_in_japan() -> time::Date {
    let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::now_utc().to_offset(jst).date()
}

pub async fn ledger(
    config: &Config,
    profiles_dir: Option<&std::path::Path>,
    org: Option<&str>,
    expiring: Option<u16>,
    search: &str,
    include_abolished: bool,
    format: LedgerFormat,
) -> Result<String, Failure> {
    // Criteria are named by their titles in the files people read.
    let catalog = crate::files::catalog(profiles_dir)?;
    let store = open(config).await?;
    let actor = operator(&store, org).await?;
    let today = today_in_japan();
    let query = LedgerQuery {
        search: search.to_owned(),
        include_abolished,
        expiring_within: expiring,
        today: Some(today),
        ..LedgerQuery::default()
    };
    let entries = store
        .ledger_export(&actor, &query)
        .await
        .map_err(|e| store_failure(&e))?;
    Ok(match format {
        LedgerFormat::Table => table(&entries, today),
        LedgerFormat::Csv => sentei_exchange::ledger_csv::write(&entries, today, &catalog)
            .map_err(|e| Failure::internal(format!("CSV を書けません（{e}）")))?,
        LedgerFormat::CsvCp932 => {
            let csv = sentei_exchange::ledger_csv::write(&entries, today, &catalog)
                .map_err(|e| Failure::internal(format!("CSV を書けません（{e}）")))?;
            let (bytes, replaced) = sentei_exchange::ledger_csv::to_cp932(&csv);
            if replaced > 0 {
                eprintln!("sentei: Shift_JIS にない文字 {replaced} 字を 〓 にしました");
            }
            // Not UTF-8, so written here rather than returned as text.
            let _ = crate::files::write_stdout_bytes(&bytes);
            String::new()
        }
        LedgerFormat::Xlsx => {
            if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                return Err(Failure::usage(
                    "Excel ファイルは端末に表示できません。`> 台帳.xlsx` のようにファイルへ書き出してください",
                ));
            }
            let bytes = sentei_exchange::ledger_xlsx::write(&entries, today, &catalog)
                .map_err(|e| Failure::internal(format!("Excel ファイルを書けません（{e}）")))?;
            let _ = crate::files::write_stdout_bytes(&bytes);
            String::new()
        }
        LedgerFormat::Json => json(&entries, today),
    })
}

fn table(entries: &[LedgerEntryView], today: time::Date) -> String {
    let mut rows = vec![
        [
            "番号",
            "(ア) サービス",
            "(イ) 提供者",
            "(エ) 格付",
            "(オ) 利用期間",
            "(カ) 所属",
            "状態",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for e in entries {
        let f = &e.fields;
        rows.push(vec![
            e.id.to_string(),
            f.service_name.clone(),
            f.provider.clone(),
            f.classification.clone(),
            format!("{} 〜 {}", f.period_start, f.period_end),
            f.applicant_department.clone(),
            e.state_label(today).to_owned(),
        ]);
    }
    let mut out = columns(&rows);
    out.push_str(&format!("{} 件\n", entries.len()));
    out
}

fn json(entries: &[LedgerEntryView], today: time::Date) -> String {
    let list: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "version": e.version,
                "status": if e.abolished { "abolished" } else { "active" },
                "expired": e.is_expired(today),
                "fields": e.fields,
                "profile": { "id": e.profile_id, "version": e.profile_version },
                "verdict": e.verdict,
                "application_id": e.application_id,
            })
        })
        .collect();
    serde_json::Value::Array(list).to_string() + "\n"
}

pub async fn verify(
    config: &Config,
    org: Option<&str>,
    expect_head: Option<&str>,
    head_file: Option<&Path>,
) -> Result<String, Failure> {
    let store = open_reading(config).await?;
    // The file given, else the configured one. A configured default that is not there yet
    // (no write since it was configured) is said, not an error; a file named by hand or in the
    // configuration file must be there.
    let mut lines = Vec::new();
    let file = match (head_file, &config.audit.head_file) {
        (Some(given), _) => Some(given.to_owned()),
        (None, Some(configured))
            if config.audit.head_file_origin == Origin::Default && !configured.exists() =>
        {
            lines.push(format!(
                "末尾を書き出すファイル {} がまだないため、書き出された末尾とは比べていません",
                configured.display()
            ));
            None
        }
        (None, configured) => configured.clone(),
    };
    if file.is_none() && lines.is_empty() && expect_head.is_none() {
        lines.push(
            "末尾を書き出すファイルが設定されていないため、末尾から切り取られた記録は確かめていません（設定の [audit] head_file か --head-file で指定できます）".to_owned(),
        );
    }
    let results = store
        .verify_audit_with(org, file.as_deref())
        .await
        .map_err(|e| store_failure(&e))?;
    if expect_head.is_some() && results.len() != 1 {
        return Err(Failure::usage(
            "--expect-head は --org で組織を一つに絞って使ってください",
        ));
    }
    let mut broken = false;
    let mut chain_broken = false;
    for result in results {
        let code = &result.org_code;
        match &result.result {
            Ok(summary) => {
                let head_ok = expect_head.is_none_or(|h| h == summary.head);
                broken |= !head_ok;
                lines.push(format!(
                    "{code}: 記録 {} 件の鎖を検証しました。末尾のハッシュ: {}",
                    summary.count, summary.head
                ));
                if !head_ok {
                    lines.push(format!(
                        "{code}: 末尾のハッシュが指定の値と一致しません（末尾の記録が削除されたか、その後に記録が追加されています）"
                    ));
                }
            }
            Err(_) => chain_broken = true,
        }
        if let Some(published) = &result.published
            && published.problem.is_none()
        {
            lines.push(format!(
                "{code}: {} に書き出された末尾 {} 件（最新は記録 {}）と一致しました",
                published.file.display(),
                published.count,
                published.newest.unwrap_or(0)
            ));
        }
        if result.result.is_ok() && result.rows.is_empty() {
            lines.push(format!(
                "{code}: 利用者・台帳の項目・申請・評価の {} 行が、監査記録が最後に記録した状態と一致しました",
                result.rows_checked
            ));
        }
        for problem in result.problems() {
            lines.push(format!("{code}: {problem}"));
        }
        broken |= !result.holds();
    }
    let text = lines.join("\n") + "\n";
    if broken {
        let what = if chain_broken {
            "監査記録の鎖が壊れています"
        } else {
            "監査記録と一致しないところがあります"
        };
        Err(Failure {
            code: 1,
            message: format!("{text}sentei: {what}"),
        })
    } else {
        Ok(text)
    }
}
