//! Messages of the rules in the words pages use.
//!
//! The validator and the engine write for people who edit assessment files too: their messages
//! name the key to fix (`facts.connection`), the values as written in a file (`local_breakout`,
//! `ismap`) and items by sentei's id (`common-12`). A page shows none of that
//! (docs/glossary.md): keys become the labels of the facts the form shows (「接続方式」), values
//! their labels, and items the number the document prints. Reasons of a verdict are also split
//! into their items, so that a page can link each to its row.

use sentei_core::Profile;
use sentei_core::facts::{CERTIFICATIONS, FACTS};

/// A message with internal keys, values and ids replaced by what the page shows.
pub fn for_people(message: &str, profile: Option<&Profile>) -> String {
    // 「…」は接続方式 (facts.connection) が… : the label is already there.
    let mut text = without_key_in_brackets(message);
    // A key between spaces reads as a word of the sentence; a label in 「」 needs none.
    for (key, label) in FACTS
        .iter()
        .map(|d| (format!("facts.{}", d.name), format!("「{}」", d.label)))
        .chain([("facts.certifications".to_owned(), "「認証」".to_owned())])
    {
        text = text.replace(&format!(" {key} "), &label);
        text = text.replace(&format!("{key} "), &label);
        text = text.replace(&key, &label);
    }
    for def in FACTS.iter() {
        text = text.replace(&format!("`{}`", def.name), &format!("「{}」", def.label));
        for choice in def.choices() {
            // 「ローカルブレイクアウト方式」(local_breakout): the label is already there.
            text = text.replace(&format!("」({})", choice.name), "」");
        }
    }
    // Lists in Japanese sentences take 「、」.
    text = text.replace(", ", "、");
    words(&text, |word| {
        if let Some(cert) = CERTIFICATIONS.iter().find(|c| c.name == word) {
            return Some(cert.label.to_owned());
        }
        let item = profile?.items.iter().find(|i| i.id == word)?;
        item.number.clone()
    })
}

/// `text` without ` (facts.name)`: the validator names the key beside the fact's label.
fn without_key_in_brackets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("(facts.") {
        let Some(len) = rest[start..].find(')') else {
            break;
        };
        out.push_str(rest[..start].trim_end_matches(' '));
        rest = rest[start + len + 1..].trim_start_matches(' ');
    }
    out.push_str(rest);
    out
}

/// `text` with each run of ASCII letters, digits, `_` and `-` replaced where `map` says.
fn words(text: &str, map: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            match map(word) {
                Some(shown) => out.push_str(&shown),
                None => out.push_str(word),
            }
            word.clear();
        }
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A piece of a verdict's reason: text, or an item to link to its row.
#[derive(Clone, Debug)]
pub enum Part {
    Text(String),
    /// An item: its index in the editor's rows and the number people know it by.
    Item(usize, String),
}

/// A reason of a verdict split into text and items. The engine writes reasons as
/// 「{item}: {why}」 or 「{what}: {item}, {item}, …」 (sentei-core `judge::reasons`); anything
/// else is text. `ids` are the editor's rows in order (profile items, then added items).
pub fn reason_parts(
    reason: &str,
    ids: &[(String, String)],
    profile: Option<&Profile>,
) -> Vec<Part> {
    let find = |id: &str| {
        ids.iter()
            .position(|(known, _)| known == id)
            .map(|index| Part::Item(index, ids[index].1.clone()))
    };
    let Some((head, tail)) = reason.split_once(": ") else {
        return vec![Part::Text(for_people(reason, profile))];
    };
    if let Some(item) = find(head) {
        return vec![item, Part::Text(format!(": {}", for_people(tail, profile)))];
    }
    let listed: Option<Vec<Part>> = tail.split(", ").map(find).collect();
    match listed {
        Some(items) if !items.is_empty() => {
            let mut parts = vec![Part::Text(format!("{}: ", for_people(head, profile)))];
            for (n, item) in items.into_iter().enumerate() {
                if n > 0 {
                    parts.push(Part::Text("、".to_owned()));
                }
                parts.push(item);
            }
            parts
        }
        _ => vec![Part::Text(for_people(reason, profile))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sakai() -> Profile {
        sentei_core::builtin_profiles()
            .unwrap_or_default()
            .into_iter()
            .find(|p| p.id == "sakai")
            .expect("the built-in sakai profile")
    }

    #[test]
    fn keys_values_and_ids_become_the_labels_pages_show() {
        let profile = sakai();
        let shown = for_people(
            "「ローカルブレイクアウトの利用構成」は接続方式 (facts.connection) が「ローカルブレイクアウト方式」(local_breakout)のときだけ指定できます（いまは「LGWAN-ASP 利用方式」(lgwan_asp)）",
            Some(&profile),
        );
        assert_eq!(
            shown,
            "「ローカルブレイクアウトの利用構成」は接続方式が「ローカルブレイクアウト方式」のときだけ指定できます（いまは「LGWAN-ASP 利用方式」）"
        );
        let shown = for_people(
            "facts.certifications に ismap, ismap_liu のいずれかがあるため、項目 common-12 を「対象外」とはできません",
            Some(&profile),
        );
        assert_eq!(
            shown,
            "「認証」に ISMAP クラウドサービスリスト登録、ISMAP-LIU クラウドサービスリスト登録 のいずれかがあるため、項目 別紙1① No.12 を「対象外」とはできません"
        );
        assert!(!for_people("必須の事実 `classification` がありません", None).contains('`'));
    }

    #[test]
    fn reasons_name_their_items_for_links() {
        let profile = sakai();
        let ids = [
            ("1", "1"),
            ("common-2", "別紙1① No.2"),
            ("common-12", "別紙1① No.12"),
        ]
        .map(|(id, number)| (id.to_owned(), number.to_owned()));
        let parts = reason_parts(
            "未回答の項目があります: common-2, common-12",
            &ids,
            Some(&profile),
        );
        let linked: Vec<(usize, String)> = parts
            .iter()
            .filter_map(|p| match p {
                Part::Item(i, n) => Some((*i, n.clone())),
                Part::Text(_) => None,
            })
            .collect();
        assert_eq!(
            linked,
            [
                (1, "別紙1① No.2".to_owned()),
                (2, "別紙1① No.12".to_owned())
            ]
        );
        // Text that only looks like a list of ids stays text.
        let parts = reason_parts("判定: 1, 機密性2", &ids, None);
        assert!(matches!(parts.as_slice(), [Part::Text(_)]));
    }
}
