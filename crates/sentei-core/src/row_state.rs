//! The state of a row after a change, carried in the audit chain (issue 12, finding 15).
//!
//! The chain proves that its records agree with each other; on its own it says nothing about
//! the rows they speak of, so a database owner could change a user's role, a ledger entry or a
//! stored verdict with SQL and the chain would still verify. Since schema version 8 every
//! record about a user, a ledger entry, an application or an assessment therefore also carries
//! a *state line* of that row as the change left it, covered by the record's hash:
//!
//! ```text
//! user:5 9f86d0…(64 hex) login=1a2b3c4d role=5e6f7a8b department=…
//! ```
//!
//! The 64 hex digits are SHA-256 over the object and every named field's value, so a changed
//! value cannot be hidden behind a matching digest. The short fingerprint after each field name
//! (32 bits of a hash of that field alone) only tells *which* field changed when the digest
//! no longer matches; it proves nothing by itself. Values themselves are never stored: the
//! trail stays as small and as free of personal data and password hashes as it was.
//!
//! `sentei audit verify` reads the last state line of every row and compares it with the row
//! as it is now ([`compare`]). Field names are kept in the line, so a later version that
//! tracks more fields still compares older lines by the fields they named.

use sha2::{Digest, Sha256};

use crate::audit::hex;

/// One field of a row as tracked: its name (internal, English) and its value as text.
pub type Field = (&'static str, String);

/// The state line of `object` (`user:5`) whose fields are `fields`.
pub fn state_line(object: &str, fields: &[Field]) -> String {
    let mut line = format!("{object} {}", full_digest(object, fields));
    for (name, value) in fields {
        line.push(' ');
        line.push_str(name);
        line.push('=');
        line.push_str(&fingerprint(object, name, value));
    }
    line
}

/// The word that ends a removal line: `application:7 removed`. (A state line's second part
/// is 64 hex digits, so the two cannot be confused.)
const REMOVED: &str = "removed";

/// The line recording that `object` was removed by the change (a draft or service deleted):
/// from then on the row is expected to be absent, and one that appears again is unrecorded.
pub fn removal_line(object: &str) -> String {
    format!("{object} {REMOVED}")
}

/// Whether a recorded line says its row was removed.
pub fn is_removal(line: &str) -> bool {
    line.split(' ').nth(1) == Some(REMOVED)
}

/// The object a state line is about (`user:5`), or `None` when the line is not one.
pub fn object_of(line: &str) -> Option<&str> {
    line.split(' ').next().filter(|o| o.contains(':'))
}

/// The state lines of a record's text (one per line), with their objects.
pub fn lines(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines()
        .filter_map(|line| object_of(line).map(|object| (object, line)))
}

/// How a row compares with the last state the chain recorded for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateCheck {
    /// The row is as the chain last recorded it.
    Same,
    /// The row was changed without a record; the fields whose fingerprints differ (empty when
    /// the digest differs but no fingerprint does, which a 32-bit fingerprint may miss).
    Changed(Vec<&'static str>),
}

/// Compares the row `object` as it is now (`current`, all its tracked fields) with a recorded
/// state line, by the fields the line names. A field the line names that the row no longer has
/// counts as changed; so does a line recorded for another object.
pub fn compare(object: &str, recorded: &str, current: &[Field]) -> StateCheck {
    let mut parts = recorded.split(' ');
    let _recorded_for = parts.next();
    let digest = parts.next().unwrap_or_default();
    let mut named: Vec<Field> = Vec::new();
    let mut changed = Vec::new();
    for part in parts {
        let (name, print) = part.split_once('=').unwrap_or((part, ""));
        match current.iter().find(|(n, _)| *n == name) {
            Some((n, value)) => {
                if fingerprint(object, n, value) != print {
                    changed.push(*n);
                }
                named.push((n, value.clone()));
            }
            // A name this version does not track: the row cannot match it.
            None => return StateCheck::Changed(changed),
        }
    }
    if full_digest(object, &named) == digest {
        StateCheck::Same
    } else {
        StateCheck::Changed(changed)
    }
}

/// What a tracked field is called on pages and in the command line's messages.
pub fn field_label(name: &str) -> &str {
    match name {
        "login" => "ログイン名",
        "display_name" => "氏名",
        "department" => "所属",
        "role" => "役割",
        "active" => "有効・無効",
        "password_hash" => "パスワード",
        "email" => "メールアドレス",
        "mail_mode" => "メールの受け取り方",
        "application_id" => "申請",
        "version" => "版",
        "status" => "状態",
        "service_name" => "サービスの名称",
        "provider" => "提供者",
        "purpose" => "利用目的",
        "classification" => "取り扱う情報の分類",
        "period_start" => "利用期間の始まり",
        "period_end" => "利用期間の終わり",
        "applicant_department" => "申請した課",
        "applicant_name" => "申請者",
        "user_scope" => "利用者の範囲",
        "profile_id" => "基準",
        "profile_version" => "基準の版",
        "verdict" => "判定",
        "service_id" => "サービス",
        "assessment_id" => "評価",
        "applicant_id" => "申請者",
        "kind" => "申請の種類",
        "ledger_entry_id" => "台帳の項目",
        "pinned_version" => "申請した評価の版",
        "pinned_profile_id" => "申請した基準",
        "pinned_profile_version" => "申請した基準の版",
        "pinned_verdict" => "申請した判定",
        "pinned_judgement" => "申請した判定の内容",
        "acceptances" => "例外の承認",
        "document" => "評価の内容（事実・回答・理由・根拠）",
        "judgement" => "判定の内容",
        "updated_by" => "最後に保存した人",
        other => other,
    }
}

/// SHA-256 (hex) over the object and each field's name and value, length-prefixed so that no
/// two different rows serialize alike.
fn full_digest(object: &str, fields: &[Field]) -> String {
    let mut hasher = Sha256::new();
    prefixed(&mut hasher, object.as_bytes());
    for (name, value) in fields {
        prefixed(&mut hasher, name.as_bytes());
        prefixed(&mut hasher, value.as_bytes());
    }
    hex(&hasher.finalize())
}

/// 32 bits (hex) of a hash of one field: enough to tell which field changed, too short to
/// prove anything (the full digest does that).
fn fingerprint(object: &str, name: &str, value: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [object, name, value] {
        prefixed(&mut hasher, part.as_bytes());
    }
    hex(&hasher.finalize()[..4])
}

fn prefixed(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: &str, department: &str) -> Vec<Field> {
        vec![
            ("login", "tanaka".to_owned()),
            ("role", role.to_owned()),
            ("department", department.to_owned()),
        ]
    }

    #[test]
    fn a_row_as_recorded_compares_the_same() {
        let line = state_line("user:5", &user("applicant", "市民課"));
        assert!(line.starts_with("user:5 "), "{line}");
        assert_eq!(object_of(&line), Some("user:5"));
        assert_eq!(
            compare("user:5", &line, &user("applicant", "市民課")),
            StateCheck::Same
        );
        // Values are not in the line, only hashes of them.
        assert!(!line.contains("applicant") && !line.contains("市民課"));
    }

    #[test]
    fn a_changed_field_is_named() {
        let line = state_line("user:5", &user("applicant", "市民課"));
        assert_eq!(
            compare("user:5", &line, &user("admin", "市民課")),
            StateCheck::Changed(vec!["role"])
        );
        assert_eq!(
            compare("user:5", &line, &user("admin", "情報政策課")),
            StateCheck::Changed(vec!["role", "department"])
        );
        // The same values under another object do not match: a line cannot be moved to
        // another row.
        let other = state_line("user:6", &user("applicant", "市民課"));
        assert_ne!(
            compare("user:5", &other, &user("applicant", "市民課")),
            StateCheck::Same
        );
    }

    #[test]
    fn a_forged_fingerprint_does_not_pass_the_digest() {
        // Someone who changes the role and rewrites the role's fingerprint in the line still
        // fails the full digest.
        let before = state_line("user:5", &user("applicant", "市民課"));
        let after = state_line("user:5", &user("admin", "市民課"));
        let forged = format!(
            "{} {}",
            before.split(' ').take(2).collect::<Vec<_>>().join(" "),
            after.split(' ').skip(2).collect::<Vec<_>>().join(" ")
        );
        assert_eq!(
            compare("user:5", &forged, &user("admin", "市民課")),
            StateCheck::Changed(vec![])
        );
    }

    #[test]
    fn older_lines_compare_by_the_fields_they_name() {
        // A line written when only login and role were tracked still compares the same
        // after department is tracked too.
        let old = state_line(
            "user:5",
            &[
                ("login", "tanaka".to_owned()),
                ("role", "applicant".to_owned()),
            ],
        );
        assert_eq!(
            compare("user:5", &old, &user("applicant", "市民課")),
            StateCheck::Same
        );
        // A field this version does not know cannot match.
        let unknown = format!("{old} colour=00000000");
        assert!(matches!(
            compare("user:5", &unknown, &user("applicant", "市民課")),
            StateCheck::Changed(_)
        ));
    }

    #[test]
    fn lines_are_read_back_with_their_objects() {
        let text = [
            state_line("user:5", &user("applicant", "市民課")),
            state_line("ledger:7", &[("status", "active".to_owned())]),
        ]
        .join("\n");
        let objects: Vec<&str> = lines(&text).map(|(o, _)| o).collect();
        assert_eq!(objects, ["user:5", "ledger:7"]);
        assert_eq!(field_label("role"), "役割");
    }
}
