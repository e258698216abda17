//! The audit trail as CSV for auditors: every record the audit page's filters pick, oldest
//! first, in the page's Japanese words (who by name, what was done, on what, the change in
//! words), with the digest and chain hash that prove it. UTF-8 with a byte-order mark and CRLF
//! line ends, so Excel opens it as written, and no cell a spreadsheet would run as a formula.

use std::collections::HashMap;

use sentei_core::audit::{action_label, actor_label, object_label};
use sentei_store::AuditView;

use crate::ledger_csv::neutralize;

/// The column headings.
pub const HEADINGS: [&str; 9] = [
    "番号",
    "日時（日本時間）",
    "操作した人",
    "ログイン名",
    "操作",
    "対象",
    "変更の内容",
    "変更のハッシュ値（SHA-256）",
    "記録のハッシュ値",
];

/// Who acted, in words: a user's name from `names` (by login), or what a non-user actor is.
pub fn who(actor: &str, names: &HashMap<String, String>) -> String {
    actor_label(actor)
        .or_else(|| names.get(actor).cloned())
        .unwrap_or_else(|| actor.to_owned())
}

/// A time in Japan to the second: `2026-11-22 14:05:09`.
pub fn jst(at: time::OffsetDateTime) -> String {
    let offset = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let t = at.to_offset(offset);
    format!(
        "{} {:02}:{:02}:{:02}",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The records as CSV text, starting with a byte-order mark; `names` gives users' names.
pub fn write(records: &[AuditView], names: &HashMap<String, String>) -> Result<String, csv::Error> {
    let mut buffer = Vec::with_capacity(256 + records.len() * 320);
    buffer.extend_from_slice("\u{FEFF}".as_bytes());
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(buffer);
    writer.write_record(HEADINGS)?;
    for r in records {
        let login = if actor_label(&r.actor).is_some() {
            String::new()
        } else {
            r.actor.clone()
        };
        let cells = [
            r.seq.to_string(),
            jst(r.at),
            who(&r.actor, names),
            login,
            action_label(&r.action),
            object_label(&r.object).0,
            r.summary.clone().unwrap_or_default(),
            r.digest.clone(),
            r.hash.clone(),
        ];
        writer.write_record(cells.iter().map(|cell| neutralize(cell)))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_in_japanese_and_nothing_runs_as_a_formula() {
        let record = |seq: i64, actor: &str, action: &str, summary: Option<&str>| AuditView {
            seq,
            at: time::macros::datetime!(2026-04-01 00:30:05 UTC),
            actor: actor.to_owned(),
            action: action.to_owned(),
            object: "user:7".to_owned(),
            digest: "ab".repeat(32),
            hash: "cd".repeat(32),
            summary: summary.map(str::to_owned),
        };
        let names = HashMap::from([("yamamoto".to_owned(), "=山本 六郎".to_owned())]);
        let text = write(
            &[
                record(
                    1,
                    "yamamoto",
                    "user.edit",
                    Some("所属: 市民課 → 情報政策課"),
                ),
                record(2, "address:192.0.2.9", "user.sign_in_failed", None),
                record(3, "system", "user.deactivate", Some("-1")),
            ],
            &names,
        )
        .unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "\u{FEFF}番号,日時（日本時間）,操作した人,ログイン名,操作,対象,変更の内容,変更のハッシュ値（SHA-256）,記録のハッシュ値"
        );
        assert!(
            lines[1].starts_with(
                "1,2026-04-01 09:30:05,'=山本 六郎,yamamoto,利用者の情報を変更,利用者 7,所属: 市民課 → 情報政策課,"
            ),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].starts_with("2,2026-04-01 09:30:05,ログインしていない人（接続元 192.0.2.9）,,ログインの失敗,利用者 7,,"),
            "{}",
            lines[2]
        );
        assert!(lines[3].contains(",'-1,"), "{}", lines[3]);
    }
}
