//! The audit trail's hash chain.
//!
//! Every write appends a record (who, when, what, on which object, and a digest of the change)
//! whose hash covers the previous record's hash, so altering, removing or reordering any record
//! breaks the chain from that point. [`verify`] recomputes it and names the first break.
//!
//! The chain proves the records agree with each other; on its own it cannot tell that the
//! newest records were cut off, nor that a row was changed without a record. So the store
//! publishes the head of each chain outside the database after every write (a head file, a log
//! line), which `sentei audit verify` compares with the chain, and records since schema version
//! 8 carry the state of the rows they are about ([`crate::row_state`]), which it compares with
//! the rows as they are.
//!
//! A digest proves a change but tells a person nothing, so records since schema version 6 also
//! carry a [`Summary`] in Japanese (「所属: 市民課 → 情報政策課」), covered by the hash like every
//! other field; older records have none and hash as they always did. What that proves and what
//! not: docs/adr/0010-readable-audit-summaries.md.

use std::fmt;

use sha2::{Digest, Sha256};

/// The previous hash of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit record as appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// 1, 2, 3, ... within one organization.
    pub seq: i64,
    /// Microseconds since the Unix epoch, UTC.
    pub at_micros: i64,
    /// The login of who acted, or `system`.
    pub actor: String,
    /// What was done, e.g. `application.approve`.
    pub action: String,
    /// On what, e.g. `application:42`.
    pub object: String,
    /// SHA-256 (hex) of the change, see [`digest_of`].
    pub digest: String,
    /// What changed, for people (see [`Summary`]); `None` on records made before summaries.
    pub summary: Option<String>,
    /// The state of the rows the record is about as the change left them, one line each (see
    /// [`crate::row_state`]); `None` on records made before schema version 8 and on records
    /// about nothing tracked.
    pub states: Option<String>,
}

/// A record as stored: the entry with its chain hashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainedEntry {
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// SHA-256 (hex) of a change, serialized as JSON. `serde_json::Value` keeps object keys sorted,
/// so equal changes give equal digests.
pub fn digest_of(change: &serde_json::Value) -> String {
    hex(&Sha256::digest(change.to_string().as_bytes()))
}

/// Marks the states field in a record's hash.
const STATES_TAG: &[u8] = b"states\0";

/// The hash of `entry` chained after a record whose hash is `prev_hash`.
pub fn chain_hash(prev_hash: &str, entry: &AuditEntry) -> String {
    let mut hasher = Sha256::new();
    // Every field is length-prefixed, so no two different records serialize alike.
    for field in [
        prev_hash.as_bytes(),
        &entry.seq.to_be_bytes(),
        &entry.at_micros.to_be_bytes(),
        entry.actor.as_bytes(),
        entry.action.as_bytes(),
        entry.object.as_bytes(),
        entry.digest.as_bytes(),
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field);
    }
    // An eighth field only when there is a summary: records made before summaries keep their
    // hashes, and a summary (even an empty one) cannot be added or removed unnoticed.
    if let Some(summary) = &entry.summary {
        hasher.update((summary.len() as u64).to_be_bytes());
        hasher.update(summary.as_bytes());
    }
    // Then, only when there are states, a tag and the states: a record without states hashes
    // as before, and the tag keeps states from being read as a summary.
    if let Some(states) = &entry.states {
        for field in [STATES_TAG, states.as_bytes()] {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field);
        }
    }
    hex(&hasher.finalize())
}

/// Chains a new entry after `prev_hash`.
pub fn chain(prev_hash: &str, entry: AuditEntry) -> ChainedEntry {
    let hash = chain_hash(prev_hash, &entry);
    ChainedEntry {
        entry,
        prev_hash: prev_hash.to_owned(),
        hash,
    }
}

/// A verified chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainSummary {
    pub count: u64,
    /// Hash of the last record (GENESIS for an empty chain).
    pub head: String,
}

/// The first place the chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainBreak {
    /// The record's fields no longer give its hash.
    Altered { seq: i64 },
    /// A record is missing before this one (seq skipped).
    Missing { expected: i64, found: i64 },
    /// The record does not follow the one before it (removed and renumbered, or reordered).
    OutOfOrder { seq: i64 },
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainBreak::Altered { seq } => write!(
                f,
                "記録 {seq} が改ざんされています（内容がハッシュと一致しません）"
            ),
            ChainBreak::Missing { expected, found } => {
                write!(
                    f,
                    "記録 {expected} が削除されています（次に記録 {found} が続いています）"
                )
            }
            ChainBreak::OutOfOrder { seq } => {
                write!(
                    f,
                    "記録 {seq} が直前の記録に続いていません（削除または並べ替えがあります）"
                )
            }
        }
    }
}

/// Verifies a chain record by record, so a long chain can be read in batches.
#[derive(Clone, Debug)]
pub struct Verifier {
    prev: String,
    next_seq: i64,
    count: u64,
}

impl Default for Verifier {
    fn default() -> Verifier {
        Verifier {
            prev: GENESIS.to_owned(),
            next_seq: 1,
            count: 0,
        }
    }
}

impl Verifier {
    /// Checks the next record in seq order.
    pub fn push(&mut self, record: &ChainedEntry) -> Result<(), ChainBreak> {
        let seq = record.entry.seq;
        if seq > self.next_seq {
            return Err(ChainBreak::Missing {
                expected: self.next_seq,
                found: seq,
            });
        }
        if seq < self.next_seq || record.prev_hash != self.prev {
            return Err(ChainBreak::OutOfOrder { seq });
        }
        if chain_hash(&self.prev, &record.entry) != record.hash {
            return Err(ChainBreak::Altered { seq });
        }
        self.prev.clone_from(&record.hash);
        self.next_seq += 1;
        self.count += 1;
        Ok(())
    }

    pub fn summary(&self) -> ChainSummary {
        ChainSummary {
            count: self.count,
            head: self.prev.clone(),
        }
    }
}

/// Verifies records given in seq order.
pub fn verify(records: impl IntoIterator<Item = ChainedEntry>) -> Result<ChainSummary, ChainBreak> {
    let mut verifier = Verifier::default();
    for record in records {
        verifier.push(&record)?;
    }
    Ok(verifier.summary())
}

/// Bytes as lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// What an audit action means, in Japanese, for people reading the trail
/// (`application.approve` → 申請を承認). Unknown actions are shown as recorded.
pub fn action_label(action: &str) -> String {
    use crate::ledger::ChangeKind;
    use crate::workflow::Action;
    let fixed = match action {
        "organization.create" => "組織を作成",
        "user.add" => "利用者を追加",
        "user.set_role" => "利用者の役割を変更",
        "user.password" => "パスワードを設定",
        "user.password_reset" => "パスワードを再設定",
        "user.password_change_required" => "初期パスワードの変更を求める",
        "user.sign_in" => "ログイン",
        "user.sign_out" => "ログアウト",
        "user.sign_in_failed" => "ログインの失敗",
        "user.sign_in_throttled" => "ログインの試行を制限",
        "user.edit" => "利用者の情報を変更",
        "user.deactivate" => "利用者を無効化",
        "user.activate" => "利用者を有効化",
        "user.import" => "利用者を取込",
        "organization.rename" => "組織の名称を変更",
        "token.create" => "API トークンを発行",
        "token.revoke" => "API トークンを無効化",
        "service.create" => "サービスを登録",
        "service.delete" => "サービスを削除",
        "application.delete" => "下書きの申請を削除",
        "assessment.create" => "評価を作成",
        "assessment.save" => "評価を保存",
        "attachment.add" => "添付ファイルを追加",
        "application.create" => "利用申請を作成",
        "application.accept" => "例外の承認を記録",
        "vendor_link.create" => "回答リンクを発行",
        "vendor_link.revoke" => "回答リンクを取り消し",
        "audit.row_states" => "行の状態を記録",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_owned();
    }
    if let Some(action) = action.strip_prefix("application.").and_then(Action::parse) {
        return format!("申請: {}", action.noun());
    }
    if let Some(kind) = action.strip_prefix("ledger.").and_then(ChangeKind::parse) {
        return format!("台帳: {}", kind.label());
    }
    action.to_owned()
}

/// The object of an audit record as a label and, for records with a page, its path
/// (`application:42` → 申請 42, `/applications/42`).
pub fn object_label(object: &str) -> (String, Option<String>) {
    let Some((kind, id)) = object.split_once(':') else {
        return (object.to_owned(), None);
    };
    let (label, path) = match kind {
        "organization" => ("組織", None),
        "login" => ("ログイン名", None),
        "address" => ("接続元", None),
        "user" => ("利用者", None),
        "token" => ("トークン", None),
        "service" => ("サービス", Some("services")),
        "assessment" => ("評価", Some("assessments")),
        "application" => ("申請", Some("applications")),
        "ledger" => ("台帳", Some("ledger")),
        "attachment" => ("添付", None),
        _ => return (object.to_owned(), None),
    };
    let path = path
        .filter(|_| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        .map(|p| format!("/{p}/{id}"));
    (format!("{label} {id}"), path)
}

/// Most lines a summary keeps; the rest are counted (「ほか 12 件」).
pub const MAX_SUMMARY_LINES: usize = 30;
/// Most characters of one line of a summary.
pub const MAX_SUMMARY_LINE_CHARS: usize = 300;

/// What a change did, in Japanese lines for people reading the trail: 「項目: 前 → 後」 for
/// each field that changed, or a plain note. Bounded, so a record stays small whatever the
/// change: at most [`MAX_SUMMARY_LINES`] lines of [`MAX_SUMMARY_LINE_CHARS`] characters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    lines: Vec<String>,
    more: usize,
}

impl Summary {
    pub fn new() -> Summary {
        Summary::default()
    }

    /// 「field: before → after」 when the two differ; an empty value reads 「（なし）」.
    pub fn change(&mut self, field: &str, before: &str, after: &str) -> &mut Summary {
        if before != after {
            let shown = |v: &str| {
                if v.trim().is_empty() {
                    "（なし）".to_owned()
                } else {
                    one_line(v)
                }
            };
            self.note(&format!("{field}: {} → {}", shown(before), shown(after)));
        }
        self
    }

    /// 「field: value」.
    pub fn value(&mut self, field: &str, value: &str) -> &mut Summary {
        let value = if value.trim().is_empty() {
            "（なし）".to_owned()
        } else {
            one_line(value)
        };
        self.note(&format!("{field}: {value}"))
    }

    /// A line as it is.
    pub fn note(&mut self, line: &str) -> &mut Summary {
        if self.lines.len() >= MAX_SUMMARY_LINES {
            self.more += 1;
            return self;
        }
        let line = one_line(line);
        let line = if line.chars().count() > MAX_SUMMARY_LINE_CHARS {
            let mut cut: String = line.chars().take(MAX_SUMMARY_LINE_CHARS - 1).collect();
            cut.push('…');
            cut
        } else {
            line
        };
        self.lines.push(line);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The lines joined by newlines, with the count of those left out; `None` when empty.
    pub fn text(&self) -> Option<String> {
        if self.lines.is_empty() {
            return None;
        }
        let mut text = self.lines.join("\n");
        if self.more > 0 {
            text.push_str(&format!("\nほか {} 件", self.more));
        }
        Some(text)
    }
}

/// A value on one line: line breaks and other control characters become spaces.
fn one_line(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The actor recorded for a failed sign-in: nobody is signed in, so the record names where the
/// attempt came from (`address:203.0.113.5`). A colon never occurs in a login, so this cannot
/// be mistaken for a user.
pub fn address_actor(address: &str) -> String {
    let address: String = address
        .chars()
        .filter(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '[' | ']'))
        .take(64)
        .collect();
    let address = if address.is_empty() {
        "unknown".to_owned()
    } else {
        address
    };
    format!("address:{address}")
}

/// Who acted, for actors that are not users: the operator, a vendor link, an address.
/// `None` for a user's login, which callers show with the user's name.
pub fn actor_label(actor: &str) -> Option<String> {
    if actor == "system" {
        return Some("システム（コマンドの操作員）".to_owned());
    }
    if let Some(link) = actor.strip_prefix("vendor:") {
        return Some(format!("事業者（回答リンク {link}）"));
    }
    if let Some(address) = actor.strip_prefix("address:") {
        let address = if address == "unknown" {
            "不明"
        } else {
            address
        };
        return Some(format!("ログインしていない人（接続元 {address}）"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(n: i64) -> Vec<ChainedEntry> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let entry = AuditEntry {
                    seq,
                    at_micros: 1_700_000_000_000_000 + seq,
                    actor: "tanaka".to_owned(),
                    action: "application.submit".to_owned(),
                    object: format!("application:{seq}"),
                    digest: digest_of(&serde_json::json!({ "n": seq })),
                    summary: (seq % 2 == 0).then(|| format!("氏名: 前 → 後 {seq}")),
                    states: (seq % 3 == 0).then(|| format!("user:{seq} 00 role=00")),
                };
                let record = chain(&prev, entry);
                prev = record.hash.clone();
                record
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_reports_its_head() {
        let chain = records(5);
        let head = chain[4].hash.clone();
        assert_eq!(verify(chain), Ok(ChainSummary { count: 5, head }));
        assert_eq!(verify(Vec::new()).unwrap().head, GENESIS);
    }

    #[test]
    fn altering_any_field_is_found_at_that_record() {
        for field in 0..5 {
            let mut chain = records(5);
            let e = &mut chain[2].entry;
            match field {
                0 => e.actor.push('x'),
                1 => e.action = "application.approve".to_owned(),
                2 => e.object.push('0'),
                3 => e.digest = digest_of(&serde_json::json!({ "n": 99 })),
                _ => e.at_micros += 1,
            }
            assert_eq!(
                verify(chain),
                Err(ChainBreak::Altered { seq: 3 }),
                "field {field}"
            );
        }
        // A summary is covered too: changed, removed, or added where there was none.
        for change in 0..3 {
            let mut chain = records(5);
            match change {
                0 => chain[3].entry.summary = Some("氏名: 前 → 別".to_owned()),
                1 => chain[3].entry.summary = None,
                _ => chain[2].entry.summary = Some(String::new()),
            }
            let seq = if change == 2 { 3 } else { 4 };
            assert_eq!(
                verify(chain),
                Err(ChainBreak::Altered { seq }),
                "change {change}"
            );
        }
        // And so are the rows' states: changed, removed, added, or passed off as a summary.
        for change in 0..4 {
            let mut chain = records(5);
            match change {
                0 => chain[2].entry.states = Some("user:3 11 role=00".to_owned()),
                1 => chain[2].entry.states = None,
                2 => chain[1].entry.states = Some(String::new()),
                _ => {
                    let e = &mut chain[2].entry;
                    e.summary = e.states.take();
                }
            }
            let seq = if change == 2 { 2 } else { 3 };
            assert_eq!(
                verify(chain),
                Err(ChainBreak::Altered { seq }),
                "change {change}"
            );
        }
    }

    #[test]
    fn removing_a_record_is_found() {
        let mut chain = records(5);
        chain.remove(1);
        assert_eq!(
            verify(chain),
            Err(ChainBreak::Missing {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn removing_and_renumbering_is_found() {
        let mut chain = records(5);
        chain.remove(1);
        for (i, r) in chain.iter_mut().enumerate() {
            r.entry.seq = i as i64 + 1;
        }
        assert_eq!(verify(chain), Err(ChainBreak::OutOfOrder { seq: 2 }));
    }

    #[test]
    fn reordering_is_found() {
        // Read back by seq, swapped records show up with each other's numbers.
        let mut chain = records(5);
        chain.swap(1, 2);
        chain[1].entry.seq = 2;
        chain[2].entry.seq = 3;
        assert_eq!(verify(chain), Err(ChainBreak::OutOfOrder { seq: 2 }));
    }

    #[test]
    fn records_without_a_summary_hash_as_before_summaries() {
        // A record of schema version 4, hashed by the seven fields only (the expected hash was
        // computed apart, from the length-prefixed fields).
        let entry = AuditEntry {
            seq: 1,
            at_micros: 1_700_000_000_000_000,
            actor: "tanaka".to_owned(),
            action: "service.create".to_owned(),
            object: "service:1".to_owned(),
            digest: digest_of(&serde_json::json!({})),
            summary: None,
            states: None,
        };
        assert_eq!(
            chain_hash(GENESIS, &entry),
            "6ed0e6befbe6fe3d3be6571383560dbbc780b8168e7d1974e5d5612f572409ac"
        );
    }

    #[test]
    fn summaries_read_before_and_after_and_stay_small() {
        let mut summary = Summary::new();
        summary
            .change("所属", "市民課", "情報政策課")
            .change("氏名", "同じ", "同じ")
            .change("メールアドレス", "", "a@b.jp")
            .value("理由", "一行目\n二行目");
        assert_eq!(
            summary.text().unwrap(),
            "所属: 市民課 → 情報政策課\nメールアドレス: （なし） → a@b.jp\n理由: 一行目 二行目"
        );
        assert_eq!(Summary::new().text(), None);
        let mut long = Summary::new();
        for n in 0..(MAX_SUMMARY_LINES + 12) {
            long.value(&format!("項目 {n}"), &"長".repeat(1000));
        }
        let text = long.text().unwrap();
        assert!(text.ends_with("\nほか 12 件"), "{text}");
        assert!(
            text.lines()
                .all(|l| l.chars().count() <= MAX_SUMMARY_LINE_CHARS)
        );
    }

    #[test]
    fn actors_who_are_not_users_read_in_japanese() {
        assert_eq!(actor_label("tanaka"), None);
        assert_eq!(actor_label("vendor:3").unwrap(), "事業者（回答リンク 3）");
        assert_eq!(
            actor_label(&address_actor("203.0.113.5")).unwrap(),
            "ログインしていない人（接続元 203.0.113.5）"
        );
        assert_eq!(address_actor("<script>"), "address:c");
        assert_eq!(address_actor(""), "address:unknown");
        assert_eq!(address_actor(&"1".repeat(500)).len(), "address:".len() + 64);
    }

    #[test]
    fn digests_do_not_depend_on_key_order() {
        let a: serde_json::Value = serde_json::from_str(r#"{"b":1,"a":2}"#).unwrap();
        let b: serde_json::Value = serde_json::from_str(r#"{"a":2,"b":1}"#).unwrap();
        assert_eq!(digest_of(&a), digest_of(&b));
    }

    #[test]
    fn actions_and_objects_read_in_japanese() {
        assert_eq!(action_label("application.approve"), "申請: 承認");
        assert_eq!(action_label("ledger.abolished"), "台帳: 廃止");
        assert_eq!(action_label("user.sign_in"), "ログイン");
        assert_eq!(
            action_label("user.sign_in_throttled"),
            "ログインの試行を制限"
        );
        assert_eq!(action_label("something.new"), "something.new");
        assert_eq!(
            object_label("application:42"),
            ("申請 42".to_owned(), Some("/applications/42".to_owned()))
        );
        assert_eq!(object_label("user:3"), ("利用者 3".to_owned(), None));
        assert_eq!(
            object_label("address:192.0.2.7"),
            ("接続元 192.0.2.7".to_owned(), None)
        );
        assert_eq!(
            object_label("ledger:x/../y"),
            ("台帳 x/../y".to_owned(), None)
        );
        assert_eq!(object_label("odd"), ("odd".to_owned(), None));
    }
}
