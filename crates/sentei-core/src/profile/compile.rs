//! Compiling a profile document into a [`Profile`].
//!
//! Resolves item ids, ranges, levels, facts and certifications; checks each condition's shape;
//! orders items so that every condition reads only items judged before it (rejecting cycles);
//! and writes the Japanese explanations once. All problems are collected, each naming the item
//! or rule and, where known, the line.

use std::collections::HashMap;

use super::document::{CaseDoc, CondDoc, ItemDoc, ProfileDoc, RuleDoc};
use super::{
    Alternative, Case, CaseAnswer, Certification, Item, Level, Profile, RuleKind, Source,
    normalize_id,
};
use crate::condition::{Cond, ItemIdx};
use crate::controls::{ControlLink, Coverage, builtin_controls};
use crate::facts::{CLASSIFICATIONS, CertSet};
use crate::input::{InputError, MAX_TEXT_CHARS, Problem, line_of};
use crate::judgement::Approvals;

/// Most items a profile may hold; the largest source document has under 100.
pub const MAX_ITEMS: usize = 2_000;

pub(super) fn compile(doc: ProfileDoc) -> Result<Profile, InputError> {
    let mut c = Compiler::default();
    c.check_header(&doc);
    let levels = c.levels(&doc);
    c.index_items(&doc.items);
    let scope = c.scope(&doc);
    let rules = c.rules(&doc.rules, &levels);
    let source = Source {
        document: doc.source.document.clone(),
        issuer: doc.source.issuer.clone(),
        date: doc.source.date.clone(),
        file: doc.source.file.clone(),
    };
    let mut items: Vec<Item> = doc
        .items
        .iter()
        .map(|item| c.item(item, &levels, &source))
        .collect();
    for (r, rule) in rules.iter().enumerate() {
        if rule.kind == RuleKind::Skip {
            for &target in &rule.targets {
                if let Some(item) = items.get_mut(target) {
                    item.skip_rules.push(r);
                }
            }
        }
    }
    let order = super::ordering::evaluation_order(&items, &rules).unwrap_or_else(|cycle| {
        let names: Vec<String> = cycle.iter().map(|&i| c.name(i)).collect();
        let first = names.first().cloned().unwrap_or_default();
        c.problem(
            None,
            first,
            format!("条件が循環しています: {}", names.join(" → ")),
        );
        Vec::new()
    });
    let sheet = super::sheet_doc::compile(doc.sheet.as_ref(), &mut c.problems);
    let extra_citation = doc
        .extra_items
        .as_ref()
        .map(|extra| format!("{} {}", source.document, extra.section));
    let (pre_consultation, pre_consultation_citation) = match &doc.workflow {
        Some(workflow) => (
            workflow.pre_consultation,
            workflow
                .section
                .as_ref()
                .map(|section| format!("{} {section}", source.document)),
        ),
        None => (super::PreConsultation::Required, None),
    };
    if !c.problems.is_empty() {
        return Err(InputError::new(c.problems));
    }
    Ok(Profile {
        id: doc.id.value,
        version: doc.version,
        title: doc.title,
        source,
        description: doc.description,
        levels,
        scope,
        out_of_scope: doc.out_of_scope,
        extra_citation,
        items,
        rules,
        sheet,
        pre_consultation,
        pre_consultation_citation,
        order,
        index: c.index,
    })
}

#[derive(Default)]
struct Compiler {
    problems: Vec<Problem>,
    /// Normalized id -> index.
    index: HashMap<String, ItemIdx>,
    /// Ids as written, by index.
    ids: Vec<String>,
}

impl Compiler {
    fn problem(&mut self, line: Option<u64>, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(line, key, message));
    }

    fn check_header(&mut self, doc: &ProfileDoc) {
        let id = &doc.id.value;
        let valid_id = !id.is_empty()
            && id.len() <= 64
            && id
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-');
        if !valid_id {
            self.problem(
                line_of(&doc.id),
                "id",
                format!("プロファイル id `{id}` は英小文字・数字・ハイフン（64 文字まで）で書いてください"),
            );
        }
        if doc.version.trim().is_empty() {
            self.problem(None, "version", "版 (version) が空です");
        }
        if doc.title.trim().is_empty() {
            self.problem(None, "title", "名称 (title) が空です");
        }
        if doc.source.document.trim().is_empty() {
            self.problem(None, "source.document", "出典の文書名が空です");
        }
    }

    fn levels(&mut self, doc: &ProfileDoc) -> Vec<Level> {
        if doc.levels.is_empty() {
            self.problem(None, "levels", "水準 (levels) が一つもありません");
        }
        let mut levels: Vec<Level> = Vec::new();
        for level in &doc.levels {
            if level.name.trim().is_empty() {
                self.problem(None, "levels", "水準の名前が空です");
            } else if levels.iter().any(|l| l.name == level.name) {
                self.problem(
                    None,
                    "levels",
                    format!("水準 `{}` が重複しています", level.name),
                );
            }
            levels.push(Level {
                name: level.name.clone(),
                meaning: level.meaning,
                description: level.description.clone(),
            });
        }
        levels
    }

    fn index_items(&mut self, items: &[ItemDoc]) {
        if items.is_empty() {
            self.problem(None, "items", "項目 (items) が一つもありません");
        }
        if items.len() > MAX_ITEMS {
            self.problem(
                None,
                "items",
                format!(
                    "項目が多すぎます（{} 件。上限は {MAX_ITEMS} 件です）",
                    items.len()
                ),
            );
        }
        for (i, item) in items.iter().enumerate() {
            let id = &item.id.value;
            let line = line_of(&item.id);
            let key = normalize_id(id);
            if key.is_empty() || key.len() > 64 || key.contains("..") || key == "*" {
                self.problem(
                    line,
                    id.clone(),
                    "項目番号は空にできず、64 文字以内で、`..` や `*` を含めません",
                );
            } else if let std::collections::hash_map::Entry::Vacant(slot) = self.index.entry(key) {
                slot.insert(i);
            } else {
                self.problem(
                    line,
                    id.clone(),
                    format!("項目番号 `{id}` が重複しています"),
                );
            }
            self.ids.push(id.clone());
        }
    }

    fn scope(&mut self, doc: &ProfileDoc) -> u16 {
        let all = (1u16 << CLASSIFICATIONS.len()) - 1;
        let Some(names) = &doc.classifications else {
            return all;
        };
        if names.is_empty() {
            self.problem(
                None,
                "classifications",
                "対象とする機密性が一つもありません",
            );
        }
        let mut scope = 0;
        for name in names {
            match CLASSIFICATIONS.iter().position(|c| c.name == name.as_str()) {
                Some(i) => scope |= 1 << i,
                None => self.problem(
                    None,
                    "classifications",
                    format!(
                        "機密性 `{name}` はありません（使える値: {}）",
                        super::conditions::choice_names(CLASSIFICATIONS)
                    ),
                ),
            }
        }
        scope
    }

    /// The items named by ids and ranges (`"1.6..1.28"`, `"*"`), in document order.
    fn targets(&mut self, specs: &[String], line: Option<u64>, owner: &str) -> Vec<ItemIdx> {
        let mut out = Vec::new();
        for spec in specs {
            if spec == "*" {
                out.extend(0..self.ids.len());
            } else if let Some((from, to)) = spec.split_once("..") {
                match (self.lookup(from), self.lookup(to)) {
                    (Some(a), Some(b)) if a <= b => out.extend(a..=b),
                    (Some(_), Some(_)) => self.problem(
                        line,
                        owner.to_owned(),
                        format!("範囲 `{spec}` は文書の順に書いてください（始まり..終わり）"),
                    ),
                    _ => self.problem(
                        line,
                        owner.to_owned(),
                        format!("範囲 `{spec}` に存在しない項目番号があります"),
                    ),
                }
            } else {
                match self.lookup(spec) {
                    Some(i) => out.push(i),
                    None => self.problem(
                        line,
                        owner.to_owned(),
                        format!("存在しない項目 `{spec}` を参照しています"),
                    ),
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn lookup(&self, id: &str) -> Option<ItemIdx> {
        self.index.get(&normalize_id(id)).copied()
    }

    fn rules(&mut self, docs: &[RuleDoc], levels: &[Level]) -> Vec<super::Rule> {
        let mut rules: Vec<super::Rule> = Vec::new();
        for doc in docs {
            let id = doc.id.value.clone();
            let line = line_of(&doc.id);
            if id.trim().is_empty() {
                self.problem(line, "rules", "規則の id が空です");
            } else if rules.iter().any(|r| r.id == id) {
                self.problem(line, id.clone(), format!("規則 `{id}` が重複しています"));
            }
            if doc.why.trim().is_empty() {
                self.problem(line, id.clone(), "規則の説明 (why) が空です");
            }
            let when = self.cond_or_false(&doc.when, line, &id);
            let mut targets = self.targets(&doc.items, line, &id);
            let except = self.targets(&doc.except, line, &id);
            targets.retain(|t| !except.contains(t));
            let mut level = None;
            match doc.kind {
                RuleKind::Prohibit => {
                    if !doc.items.is_empty() || doc.level.is_some() {
                        self.problem(
                            line,
                            id.clone(),
                            "prohibit の規則には items も level も書きません",
                        );
                    }
                    if !when.is_facts_only() {
                        self.problem(
                            line,
                            id.clone(),
                            "prohibit の規則の条件は事実 (facts) だけで書いてください",
                        );
                    }
                }
                RuleKind::Skip => {
                    if targets.is_empty() {
                        self.problem(
                            line,
                            id.clone(),
                            "skip の規則に対象の項目 (items) がありません",
                        );
                    }
                    if doc.level.is_some() {
                        self.problem(line, id.clone(), "skip の規則には level を書きません");
                    }
                }
                RuleKind::Level => {
                    if targets.is_empty() {
                        self.problem(
                            line,
                            id.clone(),
                            "level の規則に対象の項目 (items) がありません",
                        );
                    }
                    level = match &doc.level {
                        Some(name) => {
                            let found = levels.iter().position(|l| &l.name == name);
                            if found.is_none() {
                                self.problem(
                                    line,
                                    id.clone(),
                                    format!("水準 `{name}` は定義されていません"),
                                );
                            }
                            found
                        }
                        None => {
                            self.problem(
                                line,
                                id.clone(),
                                "level の規則に新しい水準 (level) がありません",
                            );
                            None
                        }
                    };
                }
            }
            rules.push(super::Rule {
                id,
                kind: doc.kind,
                when,
                targets,
                level,
                why: doc.why.clone(),
                section: doc.section.clone(),
            });
        }
        rules
    }

    fn item(&mut self, doc: &ItemDoc, levels: &[Level], source: &Source) -> Item {
        let id = doc.id.value.clone();
        let line = line_of(&doc.id);
        let this = self.lookup(&id);
        if doc.text.trim().is_empty() {
            self.problem(line, id.clone(), "要件の文 (text) が空です");
        }
        if doc.text.chars().count() > MAX_TEXT_CHARS {
            self.problem(line, id.clone(), "要件の文 (text) が長すぎます");
        }
        if doc.section.trim().is_empty() {
            self.problem(line, id.clone(), "出典の箇所 (section) が空です");
        }
        let level = levels
            .iter()
            .position(|l| l.name == doc.level)
            .unwrap_or_else(|| {
                let known: Vec<_> = levels.iter().map(|l| l.name.as_str()).collect();
                self.problem(
                    line,
                    id.clone(),
                    format!(
                        "水準 `{}` は定義されていません（定義済み: {}）",
                        doc.level,
                        known.join(", ")
                    ),
                );
                0
            });
        if doc.because.is_some() && doc.applies_when.is_none() {
            self.problem(
                line,
                id.clone(),
                "because は applies_when と一緒に書いてください",
            );
        }
        let applies_when = doc
            .applies_when
            .as_ref()
            .map(|c| self.cond_or_false(c, line, &id));
        let certification = doc.certification.as_ref().map(|cert| {
            let any_of = self.certs(&cert.any_of, line, &id);
            let decisive_when = cert
                .decisive_when
                .as_ref()
                .map_or(Cond::Const(false), |c| self.cond_or_false(c, line, &id));
            if !decisive_when.is_facts_only() {
                self.problem(
                    line,
                    id.clone(),
                    "decisive_when は事実 (facts) だけで書いてください",
                );
            }
            let labels: Vec<_> = any_of.iter().map(|c| c.label).collect();
            let needed = match labels.as_slice() {
                [one] => (*one).to_owned(),
                many => format!("{} のいずれか", many.join("、")),
            };
            Certification {
                any_of,
                decisive_when,
                evaluation: cert.evaluation,
                basis_met: format!("認証により満たす（{}）", labels.join("、")),
                basis_unmet: format!("必要な認証がない（{needed}）"),
                basis_needs_evidence: format!(
                    "{needed}がないため、「満たす」とするには根拠の欄に拠り所とした認定・認証を書いてください"
                ),
            }
        });
        let derived = doc
            .derived
            .as_ref()
            .map(|cases| self.cases(cases, line, &id, this));
        if derived.is_some() && (certification.is_some() || doc.alternative.is_some()) {
            self.problem(
                line,
                id.clone(),
                "derived の項目には certification も alternative も書けません",
            );
        }
        let alternative = doc.alternative.as_ref().map(|specs| {
            let items = self.targets(specs, line, &id);
            if items.is_empty() || this.is_some_and(|t| items.contains(&t)) {
                self.problem(
                    line,
                    id.clone(),
                    "alternative には自分以外の項目を一つ以上書いてください",
                );
            }
            let names = self.describe_ids(&items);
            let basis =
                format!("代替の {names} のうち適用される必須項目をすべて満たすため、満たすとみなす");
            let pending_basis = format!(
                "代替の {names} のうち適用される必須項目を、項目ごとに回答してください（すべて満たせば満たすとみなします。既定の回答 (answers.default) は根拠になりません）"
            );
            Alternative {
                items,
                basis,
                pending_basis,
            }
        });
        if doc.arises_when.is_some() && !doc.if_it_arises {
            self.problem(
                line,
                id.clone(),
                "arises_when は if_it_arises: true と一緒に書いてください",
            );
        }
        let arises_when = doc
            .arises_when
            .as_ref()
            .map(|c| self.cond_or_false(c, line, &id));
        let arises_basis = arises_when.as_ref().map_or_else(String::new, |cond| {
            format!(
                "{}ため、この項目の場合に当たり「対象外」とできません",
                cond.describe(&|i| self.name(i))
            )
        });
        let (why_applies, why_not) = match &applies_when {
            None => ("常に適用".to_owned(), "対象外".to_owned()),
            Some(cond) => {
                let words = cond.describe(&|i| self.name(i));
                let why_not = match &doc.because {
                    Some(because) => format!("対象外: {because}（条件: {words}）"),
                    None => format!("対象外: 条件「{words}」に当たらない"),
                };
                (format!("適用（条件: {words}）"), why_not)
            }
        };
        let controls = self.controls(doc, line, &id);
        Item {
            citation: format!("{} {}", source.document, doc.section),
            id,
            category: doc.category.clone(),
            text: doc.text.clone(),
            level,
            section: doc.section.clone(),
            applies_when,
            because: doc.because.clone(),
            why_applies,
            why_not,
            skip_rules: Vec::new(),
            certification,
            derived,
            alternative,
            unmet_effect: doc.unmet_effect,
            if_it_arises: doc.if_it_arises,
            arises_when,
            arises_basis,
            note: doc.note.clone(),
            number: doc.number.clone(),
            controls,
        }
    }

    /// The item's shared controls, each known to the vocabulary and named once.
    fn controls(&mut self, doc: &ItemDoc, line: Option<u64>, id: &str) -> Vec<ControlLink> {
        let vocabulary = builtin_controls();
        let mut links: Vec<ControlLink> = Vec::new();
        let written = doc
            .controls
            .iter()
            .map(|c| (c, Coverage::Full))
            .chain(doc.controls_partly.iter().map(|c| (c, Coverage::Partly)));
        for (control, coverage) in written {
            if vocabulary.get(control).is_none() {
                self.problem(
                    line,
                    id.to_owned(),
                    format!(
                        "共有の管理策 `{}` は語彙 (profiles/controls.yaml) にありません",
                        crate::input::shorten(control)
                    ),
                );
            } else if links.iter().any(|l| &l.control == control) {
                self.problem(
                    line,
                    id.to_owned(),
                    format!(
                        "共有の管理策 `{control}` が 2 回書かれています（controls と controls_partly のどちらか一方に、1 回だけ書いてください）"
                    ),
                );
            } else {
                links.push(ControlLink {
                    control: control.clone(),
                    coverage,
                });
            }
        }
        links
    }

    fn cases(
        &mut self,
        docs: &[CaseDoc],
        line: Option<u64>,
        id: &str,
        this: Option<ItemIdx>,
    ) -> Vec<Case> {
        if docs.is_empty() {
            self.problem(line, id.to_owned(), "derived に場合が一つもありません");
        }
        let cases: Vec<Case> = docs
            .iter()
            .map(|doc| {
                let when = self.cond_or_false(&doc.when, line, id);
                let answer = match (&doc.answer, &doc.from_items) {
                    (Some(answer), None) => CaseAnswer::Fixed(*answer),
                    (None, Some(specs)) => {
                        let items = self.targets(specs, line, id);
                        if items.is_empty() || this.is_some_and(|t| items.contains(&t)) {
                            self.problem(line, id.to_owned(), "from_items には自分以外の項目を書いてください");
                        }
                        let pending_basis = format!(
                            "{}（{} を項目ごとに回答してください。既定の回答 (answers.default) は根拠になりません）",
                            doc.why.trim_end_matches('。'),
                            self.describe_ids(&items)
                        );
                        CaseAnswer::FromItems { items, pending_basis }
                    }
                    _ => {
                        self.problem(line, id.to_owned(), "derived の各場合には answer か from_items のどちらか一つを書いてください");
                        CaseAnswer::Fixed(super::DerivedAnswer::Unanswered)
                    }
                };
                if doc.why.trim().is_empty() {
                    self.problem(line, id.to_owned(), "derived の各場合に説明 (why) が必要です");
                }
                if doc.else_next && doc.from_items.is_none() {
                    self.problem(line, id.to_owned(), "else_next は from_items と一緒に書いてください");
                }
                Case {
                    when,
                    answer,
                    requires: Approvals::of(&doc.requires),
                    else_next: doc.else_next,
                    why: doc.why.clone(),
                }
            })
            .collect();
        if cases.last().is_some_and(|c| c.when != Cond::Const(true)) {
            self.problem(
                line,
                id.to_owned(),
                "derived の最後の場合は `when: true` にして、どの場合にも当てはまらない入力をなくしてください",
            );
        }
        cases
    }

    fn certs(&mut self, names: &[String], line: Option<u64>, owner: &str) -> CertSet {
        if names.is_empty() {
            self.problem(line, owner.to_owned(), "認証の一覧が空です");
        }
        let mut set = CertSet::EMPTY;
        for name in names {
            match CertSet::named(name) {
                Some(cert) => set = set.with(cert),
                None => self.problem(
                    line,
                    owner.to_owned(),
                    format!(
                        "認証 `{name}` はありません（使える値: {}）",
                        super::conditions::choice_names(crate::facts::CERTIFICATIONS)
                    ),
                ),
            }
        }
        set
    }

    fn cond_or_false(&mut self, doc: &CondDoc, line: Option<u64>, owner: &str) -> Cond {
        match self.cond(doc, 0) {
            Ok(cond) => cond,
            Err(message) => {
                self.problem(line, owner.to_owned(), message);
                Cond::Const(false)
            }
        }
    }

    fn cond(&self, doc: &CondDoc, depth: usize) -> Result<Cond, String> {
        super::conditions::compile(doc, depth, &|id| self.lookup(id))
    }

    fn name(&self, i: ItemIdx) -> String {
        self.ids.get(i).cloned().unwrap_or_default()
    }

    fn describe_ids(&self, items: &[ItemIdx]) -> String {
        super::describe_items(items, |i| self.name(i))
    }
}

#[cfg(test)]
#[path = "compile_tests.rs"]
mod tests;
