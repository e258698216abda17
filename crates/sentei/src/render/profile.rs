//! Profiles in Japanese: the list for `sentei profiles`, every item for `sentei profile show`.

use sentei_core::Profile;
use sentei_core::assessment::Catalog;
use sentei_core::controls::Coverage;
use sentei_core::facts::CLASSIFICATIONS;
use sentei_core::profile::{CaseAnswer, DerivedAnswer, Item, Meaning, RuleKind, describe_items};

use super::columns;

pub fn list(catalog: &Catalog) -> String {
    let mut rows = vec![vec![
        "id".to_owned(),
        "版".to_owned(),
        "項目数".to_owned(),
        "名称".to_owned(),
    ]];
    for p in catalog.profiles() {
        rows.push(vec![
            p.id.clone(),
            p.version.clone(),
            p.items.len().to_string(),
            p.title.clone(),
        ]);
    }
    columns(&rows)
}

pub fn show(profile: &Profile) -> String {
    let name = |i| profile.item_id(i);
    let mut out = format!(
        "{}（{} 版 {}）\n",
        profile.title, profile.id, profile.version
    );
    out.push_str(&format!("出典: {}", profile.source.document));
    if let Some(issuer) = &profile.source.issuer {
        out.push_str(&format!("（{issuer}"));
        if let Some(date) = &profile.source.date {
            out.push_str(&format!("、{date}"));
        }
        out.push('）');
    }
    out.push('\n');
    if !profile.description.is_empty() {
        out.push_str(&format!("{}\n", profile.description));
    }
    let scope: Vec<_> = CLASSIFICATIONS
        .iter()
        .enumerate()
        .filter(|(i, _)| profile.scope & (1 << i) != 0)
        .map(|(_, c)| c.name)
        .collect();
    out.push_str(&format!("対象とする機密性: {}\n", scope.join("、")));
    if let Some(citation) = &profile.extra_citation {
        out.push_str(&format!("個別の選定条件を追加できます（{citation}）\n"));
    }

    out.push_str("\n■ 水準\n");
    for level in &profile.levels {
        out.push_str(&format!(
            "  {}（{}）: {}\n",
            level.name,
            meaning(level.meaning),
            level.description
        ));
    }

    if !profile.rules.is_empty() {
        out.push_str("\n■ 規則\n");
        for rule in &profile.rules {
            let kind = match rule.kind {
                RuleKind::Prohibit => "利用禁止",
                RuleKind::Skip => "適用しない",
                RuleKind::Level => "水準の変更",
            };
            out.push_str(&format!("  [{kind}] {}\n", rule.why));
            out.push_str(&format!("    条件: {}\n", rule.when.describe(&name)));
            if !rule.targets.is_empty() {
                let all = rule.targets.len() == profile.items.len();
                let targets = if all {
                    "すべての項目".to_owned()
                } else {
                    describe_items(&rule.targets, name)
                };
                out.push_str(&format!("    対象: {targets}\n"));
            }
            if let Some(level) = rule.level.and_then(|l| profile.level(l)) {
                out.push_str(&format!("    水準: {}\n", level.name));
            }
            if let Some(section) = &rule.section {
                out.push_str(&format!(
                    "    出典: {} {section}\n",
                    profile.source.document
                ));
            }
        }
    }

    out.push_str(&format!("\n■ 項目（{} 件）\n", profile.items.len()));
    for item in &profile.items {
        out.push_str(&show_item(profile, item));
    }
    out
}

fn show_item(profile: &Profile, item: &Item) -> String {
    let name = |i| profile.item_id(i);
    let level = profile.level(item.level).map_or("", |l| l.name.as_str());
    let mut lines = vec![format!(
        "{} [{level}] {}",
        item.id,
        item.category.join(" / ")
    )];
    lines.extend(item.text.lines().map(|l| format!("    {}", l.trim())));
    let mut meta: Vec<Vec<String>> = Vec::new();
    if let Some(cond) = &item.applies_when {
        let mut words = cond.describe(&name);
        if let Some(because) = &item.because {
            words.push_str(&format!("（{because}）"));
        }
        meta.push(vec!["適用条件".to_owned(), words]);
    }
    if let Some(cert) = &item.certification {
        let names: Vec<_> = cert.any_of.iter().map(|c| c.label).collect();
        let decisive = cert.decisive_when.describe(&name);
        let how = if cert.evaluation {
            "のいずれかがあれば満たすとして記入済み。項目ごとの回答（理由・根拠つき）が優先"
        } else {
            "のいずれかがあれば満たす"
        };
        meta.push(vec![
            "認証".to_owned(),
            format!(
                "{} {how}（認証だけで判定する条件: {decisive}）",
                names.join("、")
            ),
        ]);
    }
    if let Some(alt) = &item.alternative {
        meta.push(vec!["代替".to_owned(), alt.basis.clone()]);
    }
    for (n, case) in item.derived.iter().flatten().enumerate() {
        let answer = match &case.answer {
            CaseAnswer::Fixed(DerivedAnswer::Met) => "満たす".to_owned(),
            CaseAnswer::Fixed(DerivedAnswer::Unmet) => "満たさない".to_owned(),
            CaseAnswer::Fixed(DerivedAnswer::Unanswered) => "未確定".to_owned(),
            CaseAnswer::FromItems { items, .. } if case.else_next => format!(
                "{} をすべて満たせば満たす（満たさない項目があれば次の判定へ）",
                describe_items(items, name)
            ),
            CaseAnswer::FromItems { items, .. } => {
                format!("{} をすべて満たせば満たす", describe_items(items, name))
            }
        };
        let roles: Vec<_> = case.requires.iter().map(|r| r.label()).collect();
        let approval = if roles.is_empty() {
            String::new()
        } else {
            format!("、{}の承認が必要", roles.join("と"))
        };
        meta.push(vec![
            format!("判定{}", n + 1),
            format!(
                "{} ならば {answer}{approval}: {}",
                case.when.describe(&name),
                case.why
            ),
        ]);
    }
    if item.unmet_effect.is_some() {
        meta.push(vec![
            "満たさない場合".to_owned(),
            "理由を書けば条件付き（情報システム管理者による例外の承認）".to_owned(),
        ]);
    }
    if item.if_it_arises {
        let mut words = "その場合に当たらなければ、理由を書いて「対象外」とできる".to_owned();
        if let Some(cond) = &item.arises_when {
            words.push_str(&format!(
                "（{}ときは当たるため対象外にできない）",
                cond.describe(&name)
            ));
        }
        meta.push(vec!["対象外".to_owned(), words]);
    }
    if let Some(note) = &item.note {
        meta.push(vec!["注記".to_owned(), note.replace('\n', " ")]);
    }
    if !item.controls.is_empty() {
        meta.push(vec![
            "共有の管理策".to_owned(),
            sentei_core::controls::describe(&item.controls),
        ]);
    }
    meta.push(vec!["出典".to_owned(), item.citation.clone()]);
    for m in &mut meta {
        m.insert(0, "   ".to_owned());
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out.push_str(&columns(&meta));
    out.push('\n');
    out
}

/// `sentei profile controls`: each shared control by group, with the items of every profile in
/// the catalog that ask about it (partly ones marked).
pub fn controls(catalog: &Catalog) -> String {
    let vocabulary = sentei_core::controls::builtin_controls();
    let mut out = format!(
        "共有の管理策（{} 件）: 基準ごとの項目が尋ねている事柄です。（一部）は、その管理策だけでは項目を満たさないものです。\n",
        vocabulary.len()
    );
    let mut group = "";
    for control in vocabulary.iter() {
        if control.group != group {
            group = &control.group;
            out.push_str(&format!("\n■ {group}\n"));
        }
        out.push_str(&format!("{}\n    {}\n", control.name, control.description));
        let mut rows = Vec::new();
        for profile in catalog.profiles() {
            let items: Vec<String> = profile
                .items
                .iter()
                .filter_map(|item| {
                    let link = item.controls.iter().find(|l| l.control == control.id)?;
                    Some(match link.coverage {
                        Coverage::Full => item.id.clone(),
                        Coverage::Partly => format!("{}（一部）", item.id),
                    })
                })
                .collect();
            if !items.is_empty() {
                rows.push(vec![
                    "   ".to_owned(),
                    format!("{}:", profile.title),
                    items.join("、"),
                ]);
            }
        }
        out.push_str(&columns(&rows));
    }
    out
}

fn meaning(meaning: Meaning) -> &'static str {
    match meaning {
        Meaning::Must => "満たさなければ承認不可",
        Meaning::Should => "満たさなければ理由と例外の承認が必要",
        Meaning::May => "満たさなくても記録のみ",
        Meaning::Decision => "リスクの受容か低減かを決める",
    }
}
