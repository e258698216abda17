//! The assessment file as written (`docs/assessment-contract.md`), read from the document's
//! tree so that every problem of its shape is reported at once: unknown keys, missing keys,
//! values of the wrong kind, each with its key path and line.
//!
//! Only the shape is checked here; names and values (facts, items, statuses) are the
//! validator's (`super::Validator`).

use crate::input::tree::{Key, Node, NodeKind};
use crate::input::{Problem, shorten};
use crate::judgement::AnswerStatus;

/// A text value with its line.
#[derive(Clone, Debug)]
pub struct Text {
    pub value: String,
    pub line: Option<u64>,
}

#[derive(Debug, Default)]
pub struct AssessmentDoc {
    pub profile: Option<Text>,
    /// Optional: refuse to judge against any other version of the profile.
    pub profile_version: Option<Text>,
    pub service_name: Option<Text>,
    pub service_provider: Option<Text>,
    pub service_model: Option<Text>,
    /// `facts:` as key/value pairs in file order; names and values are the validator's.
    pub facts: Vec<(Key, Node)>,
    pub facts_line: Option<u64>,
    pub default: Option<(DefaultStatus, Option<u64>)>,
    /// `answers.items:` in file order; answers whose shape was wrong are left out.
    pub items: Vec<(Key, AnswerDoc)>,
    /// Service-specific items (周南市基準 §6), where the profile allows them.
    pub extra_items: Vec<ExtraItemDoc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultStatus {
    Met,
    Unmet,
    Unanswered,
}

/// One answer: a bare status, or a mapping with a reason and evidence.
#[derive(Debug)]
pub struct AnswerDoc {
    pub status: AnswerStatus,
    pub reason: Option<String>,
    pub evidence: Option<String>,
    /// `by: bulk`: given by the editor's 「残りをすべて満たすにする」, not item by item.
    pub bulk: bool,
}

#[derive(Debug)]
pub struct ExtraItemDoc {
    pub id: Text,
    pub text: String,
    pub level: String,
    pub category: Vec<String>,
}

const STATUSES: &str = "met, unmet, not_applicable, unanswered";

/// The path of an item's answer: `answers.items."1.3"`. Ids hold dots and brackets, so they
/// are quoted.
pub fn item_path(id: &str) -> String {
    format!("answers.items.\"{}\"", shorten(id))
}

/// The item id a problem's key path names (`answers.items."1.3".reason` → `1.3`), if any.
pub fn item_of_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("answers.items.\"")?;
    rest.split_once('"').map(|(id, _)| id)
}

/// Reads the document's shape, recording every problem found.
pub fn read(root: &Node, problems: &mut Vec<Problem>) -> AssessmentDoc {
    let mut doc = AssessmentDoc::default();
    let Some(entries) = mapping(root, "（ファイル全体）", problems) else {
        return doc;
    };
    let mut seen = Seen::default();
    for (key, value) in entries {
        match key.text.as_str() {
            "profile" => {
                seen.profile = true;
                doc.profile = text(value, key, "profile", problems);
            }
            "profile_version" => {
                doc.profile_version = text(value, key, "profile_version", problems)
            }
            "service" => {
                seen.service = true;
                read_service(value, key, &mut doc, problems);
            }
            "facts" => {
                seen.facts = true;
                doc.facts_line = key.line;
                if let Some(facts) = mapping(value, "facts", problems) {
                    doc.facts = facts.to_vec();
                }
            }
            "answers" => read_answers(value, &mut doc, problems),
            "extra_items" => read_extra_items(value, &mut doc, problems),
            other => problems.push(unknown_key(
                key,
                other,
                "profile, profile_version, service, facts, answers, extra_items",
            )),
        }
    }
    let root_line = root.line;
    for (present, name, what) in [
        (seen.profile, "profile", "プロファイル（基準）の id"),
        (seen.service, "service", "サービスの名称と提供者"),
        (seen.facts, "facts", "事実（少なくとも classification）"),
    ] {
        if !present {
            problems.push(Problem::new(
                root_line,
                name,
                format!("必須のキー `{name}`（{what}）がありません"),
            ));
        }
    }
    doc
}

#[derive(Default)]
struct Seen {
    profile: bool,
    service: bool,
    facts: bool,
}

fn read_service(value: &Node, key: &Key, doc: &mut AssessmentDoc, problems: &mut Vec<Problem>) {
    let Some(entries) = mapping(value, "service", problems) else {
        return;
    };
    for (k, v) in entries {
        match k.text.as_str() {
            "name" => doc.service_name = text(v, k, "service.name", problems),
            "provider" => doc.service_provider = text(v, k, "service.provider", problems),
            "model" => doc.service_model = text(v, k, "service.model", problems),
            other => problems.push(unknown_key(
                k,
                &format!("service.{other}"),
                "name, provider, model",
            )),
        }
    }
    for (field, present) in [
        ("name", doc.service_name.is_some()),
        ("provider", doc.service_provider.is_some()),
    ] {
        let given = entries.iter().any(|(k, _)| k.text == field);
        if !present && !given {
            problems.push(Problem::new(
                key.line,
                format!("service.{field}"),
                format!("必須のキー `service.{field}` がありません"),
            ));
        }
    }
}

fn read_answers(value: &Node, doc: &mut AssessmentDoc, problems: &mut Vec<Problem>) {
    let Some(entries) = mapping(value, "answers", problems) else {
        return;
    };
    for (k, v) in entries {
        match k.text.as_str() {
            "default" => doc.default = read_default(v, k, problems),
            "items" => {
                let Some(items) = mapping(v, "answers.items", problems) else {
                    continue;
                };
                for (id, answer) in items {
                    if let Some(answer) = read_answer(answer, id, problems) {
                        doc.items.push((id.clone(), answer));
                    }
                }
            }
            other => problems.push(unknown_key(
                k,
                &format!("answers.{other}"),
                "default, items",
            )),
        }
    }
}

fn read_default(
    value: &Node,
    key: &Key,
    problems: &mut Vec<Problem>,
) -> Option<(DefaultStatus, Option<u64>)> {
    let line = value.line.or(key.line);
    if value.kind == NodeKind::Null {
        // `default:` with nothing after it: no default, like an empty section.
        return None;
    }
    let status = match value.text() {
        Some("met") => DefaultStatus::Met,
        Some("unmet") => DefaultStatus::Unmet,
        Some("unanswered") => DefaultStatus::Unanswered,
        _ => {
            let shown = shown(value);
            let extra = if value.text() == Some("not_applicable") {
                "。「対象外」は項目ごとに理由を書いて回答してください"
            } else {
                ""
            };
            problems.push(Problem::new(
                line,
                "answers.default",
                format!("{shown} は使えない値です（使える値: met, unmet, unanswered）{extra}"),
            ));
            return None;
        }
    };
    Some((status, line))
}

fn read_answer(value: &Node, id: &Key, problems: &mut Vec<Problem>) -> Option<AnswerDoc> {
    let path = item_path(&id.text);
    let line = value.line.or(id.line);
    match &value.kind {
        NodeKind::Scalar(_) => status(value, &path, line, problems).map(|status| AnswerDoc {
            status,
            reason: None,
            evidence: None,
            bulk: false,
        }),
        NodeKind::Map(entries) => {
            let mut answer = AnswerDoc {
                status: AnswerStatus::Unanswered,
                reason: None,
                evidence: None,
                bulk: false,
            };
            let mut status_seen = false;
            let mut ok = true;
            for (k, v) in entries {
                let field_path = format!("{path}.{}", shorten(&k.text));
                match k.text.as_str() {
                    "status" => {
                        status_seen = true;
                        match status(v, &field_path, v.line.or(k.line), problems) {
                            Some(s) => answer.status = s,
                            None => ok = false,
                        }
                    }
                    "reason" => answer.reason = free_text(v, k, &field_path, problems),
                    "evidence" => answer.evidence = free_text(v, k, &field_path, problems),
                    "by" => match v.text() {
                        Some("bulk") => answer.bulk = true,
                        _ => {
                            ok = false;
                            problems.push(Problem::new(
                                v.line.or(k.line),
                                field_path,
                                "回答の出どころ (by) に書けるのは bulk（「残りをすべて満たすにする」で回答したもの）だけです",
                            ));
                        }
                    },
                    other => {
                        ok = false;
                        problems.push(unknown_key(
                            k,
                            &format!("{path}.{other}"),
                            "status, reason, evidence, by",
                        ));
                    }
                }
            }
            if !status_seen {
                problems.push(Problem::new(
                    line,
                    format!("{path}.status"),
                    format!("回答の状態 (status) がありません（使える値: {STATUSES}）"),
                ));
                return None;
            }
            ok.then_some(answer)
        }
        _ => {
            problems.push(Problem::new(
                line,
                path,
                format!(
                    "回答は状態（{STATUSES}）か、status・reason・evidence の対応表で書いてください（{}が書かれています）",
                    value.kind_name()
                ),
            ));
            None
        }
    }
}

fn status(
    value: &Node,
    path: &str,
    line: Option<u64>,
    problems: &mut Vec<Problem>,
) -> Option<AnswerStatus> {
    let status = match value.text() {
        Some("met") => AnswerStatus::Met,
        Some("unmet") => AnswerStatus::Unmet,
        Some("not_applicable") => AnswerStatus::NotApplicable,
        Some("unanswered") => AnswerStatus::Unanswered,
        _ => {
            problems.push(Problem::new(
                line,
                path,
                format!("{} は使えない値です（使える値: {STATUSES}）", shown(value)),
            ));
            return None;
        }
    };
    Some(status)
}

fn read_extra_items(value: &Node, doc: &mut AssessmentDoc, problems: &mut Vec<Problem>) {
    let list = match &value.kind {
        NodeKind::List(list) => list.as_slice(),
        NodeKind::Null => &[],
        _ => {
            problems.push(Problem::new(
                value.line,
                "extra_items",
                format!(
                    "個別の選定条件は一覧（- id: …）で書いてください（{}が書かれています）",
                    value.kind_name()
                ),
            ));
            return;
        }
    };
    for (n, node) in list.iter().enumerate() {
        let path = format!("extra_items[{}]", n + 1);
        let Some(entries) = mapping(node, &path, problems) else {
            continue;
        };
        let mut id = None;
        let mut text_value = None;
        let mut level = None;
        let mut category = Vec::new();
        for (k, v) in entries {
            let field = format!("{path}.{}", shorten(&k.text));
            match k.text.as_str() {
                "id" => id = text(v, k, &field, problems),
                "text" => text_value = text(v, k, &field, problems),
                "level" => level = text(v, k, &field, problems),
                "category" => category = text_list(v, &field, problems),
                other => problems.push(unknown_key(
                    k,
                    &format!("{path}.{other}"),
                    "id, text, level, category",
                )),
            }
        }
        let mut missing = |name: &str| {
            problems.push(Problem::new(
                node.line,
                format!("{path}.{name}"),
                format!("必須のキー `{name}` がありません"),
            ));
        };
        match (id, text_value, level) {
            (Some(id), Some(text), Some(level)) => doc.extra_items.push(ExtraItemDoc {
                id,
                text: text.value,
                level: level.value,
                category,
            }),
            (id, text, level) => {
                for (present, name) in [
                    (id.is_some(), "id"),
                    (text.is_some(), "text"),
                    (level.is_some(), "level"),
                ] {
                    let given = entries.iter().any(|(k, _)| k.text == name);
                    if !present && !given {
                        missing(name);
                    }
                }
            }
        }
    }
}

/// A mapping's entries, or a problem saying it should be one. `null` is an empty mapping.
fn mapping<'n>(
    node: &'n Node,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<&'n [(Key, Node)]> {
    let entries = node.entries();
    if entries.is_none() {
        problems.push(Problem::new(
            node.line,
            path,
            format!(
                "キーと値の対応表（キー: 値）で書いてください（{}が書かれています）",
                node.kind_name()
            ),
        ));
    }
    entries
}

/// A text value (a number counts as its text), or a problem.
fn text(node: &Node, key: &Key, path: &str, problems: &mut Vec<Problem>) -> Option<Text> {
    match node.text() {
        Some(value) => Some(Text {
            value: value.to_owned(),
            line: node.line.or(key.line),
        }),
        None => {
            problems.push(Problem::new(
                node.line.or(key.line),
                path,
                format!(
                    "文字列で書いてください（{}が書かれています）",
                    node.kind_name()
                ),
            ));
            None
        }
    }
}

/// Free text (a reason, evidence): empty when null, a problem when a list or mapping.
fn free_text(node: &Node, key: &Key, path: &str, problems: &mut Vec<Problem>) -> Option<String> {
    match &node.kind {
        NodeKind::Null => None,
        NodeKind::Bool(b) => Some(b.to_string()),
        _ => text(node, key, path, problems).map(|t| t.value),
    }
}

fn text_list(node: &Node, path: &str, problems: &mut Vec<Problem>) -> Vec<String> {
    match &node.kind {
        NodeKind::List(list) => list
            .iter()
            .filter_map(|n| match n.text() {
                Some(t) => Some(t.to_owned()),
                None => {
                    problems.push(Problem::new(
                        n.line,
                        path,
                        "区分は文字列の一覧で書いてください",
                    ));
                    None
                }
            })
            .collect(),
        NodeKind::Null => Vec::new(),
        _ => {
            problems.push(Problem::new(
                node.line,
                path,
                "区分は文字列の一覧（[大区分, 小区分] のような形）で書いてください",
            ));
            Vec::new()
        }
    }
}

fn unknown_key(key: &Key, path: &str, allowed: &str) -> Problem {
    Problem::new(
        key.line,
        path,
        format!(
            "不明なキー `{}` です（使えるキー: {allowed}）",
            shorten(&key.text)
        ),
    )
}

/// A value as quoted in a message.
fn shown(node: &Node) -> String {
    match &node.kind {
        NodeKind::Scalar(text) => format!("`{}`", shorten(text)),
        NodeKind::Bool(b) => format!("`{b}`"),
        other => match other {
            NodeKind::Null => "空の値".to_owned(),
            _ => node.kind_name().to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{item_of_path, item_path};

    #[test]
    fn item_paths_are_quoted_and_read_back() {
        assert_eq!(item_path("3.1(1)(イ)"), "answers.items.\"3.1(1)(イ)\"");
        assert_eq!(item_of_path(&item_path("1.3")), Some("1.3"));
        assert_eq!(item_of_path("answers.items.\"1.3\".reason"), Some("1.3"));
        assert_eq!(item_of_path("facts.connection"), None);
    }
}
