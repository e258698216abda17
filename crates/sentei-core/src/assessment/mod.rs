//! Assessments: a profile, a service, its facts and answers, checked against the profile.
//!
//! [`Catalog::parse_assessment`] is the only way in. It reports every problem at once, each
//! naming the line and key, and produces an [`Assessment`] whose answers are already laid out
//! by item index, so judging never looks anything up by name.

mod document;
mod write;

use document::{AssessmentDoc, DefaultStatus, ExtraItemDoc, Text};
pub use document::{item_of_path, item_path};

use crate::condition::ItemIdx;
use crate::facts::{CLASSIFICATION, CertSet, FACTS, Facts, MODEL, UNSET, fact_id};
use crate::input::tree::{Key, Node, NodeKind};
use crate::input::{
    ASSESSMENT_LIMITS, InputError, Lines, MAX_LISTED, Problem, character_problem, check_text,
    read_tree, shorten,
};
use crate::judgement::AnswerStatus;
use crate::profile::{LevelIdx, Profile};

/// The profiles an installation knows, built-in and added.
#[derive(Debug, Default)]
pub struct Catalog {
    profiles: Vec<Profile>,
}

impl Catalog {
    pub fn new(profiles: Vec<Profile>) -> Catalog {
        Catalog { profiles }
    }

    /// Adds a profile; one with the same id replaces the earlier one (a revised version).
    pub fn insert(&mut self, profile: Profile) {
        match self.profiles.iter_mut().find(|p| p.id == profile.id) {
            Some(slot) => *slot = profile,
            None => self.profiles.push(profile),
        }
    }

    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// Reads an assessment file and checks it against its profile. Every problem is reported
    /// at once (the first [`MAX_LISTED`]), each with its key path and line.
    pub fn parse_assessment(&self, text: &str) -> Result<Assessment, InputError> {
        let root = read_tree(text, ASSESSMENT_LIMITS)?;
        let mut problems = Vec::new();
        let doc = document::read(&root, &mut problems);
        let profile = doc.profile.as_ref().and_then(|named| {
            let found = self.get(named.value.trim());
            if found.is_none() {
                let known: Vec<_> = self.profiles.iter().map(|p| p.id.as_str()).collect();
                problems.push(Problem::new(
                    named.line,
                    "profile",
                    format!(
                        "プロファイル `{}` はありません（使えるもの: {}）",
                        shorten(&named.value),
                        known.join(", ")
                    ),
                ));
            }
            found
        });
        let mut validator = Validator {
            profile,
            problems: Vec::new(),
            count: 0,
        };
        for problem in problems {
            validator.push(problem);
        }
        validator.assessment(doc)
    }
}

/// One item's answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Answer {
    pub status: AnswerStatus,
    pub reason: Option<String>,
    pub evidence: Option<String>,
    /// Given by the editor's 「残りをすべて満たすにする」 (`by: bulk`) rather than for this
    /// item: kept as the item's answer, but counted like `answers.default`, so it never
    /// switches a skip, a level, a gate or an alternative (docs/domain.md).
    pub bulk: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Service {
    pub name: String,
    pub provider: String,
}

/// A service-specific item added by the assessment (周南市基準 §6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExtraItem {
    pub id: String,
    pub category: Vec<String>,
    pub text: String,
    pub level: LevelIdx,
    pub answer: Option<Answer>,
}

/// A validated assessment, laid out for the profile it names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Assessment {
    pub profile_id: String,
    pub service: Service,
    pub facts: Facts,
    /// `answers.default`: `Met` or `Unmet`, or `None` for unanswered.
    pub default: Option<AnswerStatus>,
    /// Explicit answers, by item index of the profile.
    pub answers: Vec<Option<Answer>>,
    pub extra_items: Vec<ExtraItem>,
}

impl Assessment {
    /// An assessment with no answers, for building one in code (tests, imports).
    pub fn blank(profile: &Profile, service: Service, facts: Facts) -> Assessment {
        Assessment {
            profile_id: profile.id.clone(),
            service,
            facts,
            default: None,
            answers: vec![None; profile.items.len()],
            extra_items: Vec::new(),
        }
    }

    pub fn answer(&self, item: ItemIdx) -> Option<&Answer> {
        self.answers.get(item).and_then(Option::as_ref)
    }
}

/// Longest service or provider name, in characters.
const MAX_NAME_CHARS: usize = 500;
/// Most service-specific items one assessment may add.
const MAX_EXTRA_ITEMS: usize = 200;

struct Validator<'p> {
    /// `None` when the file names no profile or an unknown one: what can be checked without
    /// it still is, so one round of corrections is enough.
    profile: Option<&'p Profile>,
    /// The first [`MAX_LISTED`] problems; `count` counts them all.
    problems: Vec<Problem>,
    count: usize,
}

impl<'p> Validator<'p> {
    fn push(&mut self, problem: Problem) {
        self.count += 1;
        if self.problems.len() < MAX_LISTED {
            self.problems.push(problem);
        }
    }

    fn problem(&mut self, line: Option<u64>, key: impl Into<String>, message: impl Into<String>) {
        self.push(Problem::new(line, key, message));
    }

    fn assessment(mut self, doc: AssessmentDoc) -> Result<Assessment, InputError> {
        if let (Some(profile), Some(version)) = (self.profile, doc.profile_version.as_ref())
            && version.value != profile.version
        {
            self.problem(
                version.line,
                "profile_version",
                format!(
                    "プロファイル {} の版は `{}` です（指定された版: `{}`）",
                    profile.id,
                    profile.version,
                    shorten(&version.value)
                ),
            );
        }
        let service = Service {
            name: self.name(doc.service_name.as_ref(), "service.name"),
            provider: self.name(doc.service_provider.as_ref(), "service.provider"),
        };
        let mut facts = self.facts(&doc.facts, doc.facts_line);
        if let Some(model) = &doc.service_model {
            let def = &FACTS[MODEL];
            match def.choice_index(&model.value) {
                Some(index) => facts.set(MODEL, index),
                None => self.bad_value(model.line, "service.model", &model.value, MODEL),
            }
        }
        self.check_fact_dependencies(&doc.facts, &facts);
        let default = doc.default.and_then(|(d, _)| match d {
            DefaultStatus::Met => Some(AnswerStatus::Met),
            DefaultStatus::Unmet => Some(AnswerStatus::Unmet),
            DefaultStatus::Unanswered => None,
        });
        let mut extra_items = self.extra_items(&doc.extra_items);
        let items = self.profile.map_or(0, |p| p.items.len());
        let mut answers: Vec<Option<Answer>> = vec![None; items];
        for (key, answer) in doc.items {
            let line = key.line;
            let path = item_path(&key.text);
            let answer = self.answer(answer, line, &path);
            let Some(profile) = self.profile else {
                continue;
            };
            if let Some(index) = profile.item_index(&key.text) {
                self.check_answer_against_facts(profile, index, &answer, &facts, line, &path);
                if let Some(slot) = answers.get_mut(index) {
                    if slot.is_some() {
                        // "1.10" and "１．１０" name one item; which one wins would depend on
                        // the order of the keys.
                        self.problem(
                            line,
                            path,
                            format!(
                                "項目 {} への回答が二つあります（全角・半角の違いなどで同じ項目を指しています）",
                                profile.item_id(index)
                            ),
                        );
                    }
                    *slot = Some(answer);
                }
            } else if let Some(extra) = extra_items.iter_mut().find(|e| e.id == key.text.trim()) {
                extra.answer = Some(answer);
            } else {
                self.problem(
                    line,
                    path,
                    format!(
                        "項目 `{}` はプロファイル {} にありません",
                        shorten(&key.text),
                        profile.id
                    ),
                );
            }
        }
        let profile = match self.profile {
            Some(profile) if self.count == 0 => profile,
            _ => {
                // In the order of the file, as a person corrects it.
                self.problems.sort_by_key(|p| p.line.unwrap_or(u64::MAX));
                return Err(InputError::counted(self.problems, self.count));
            }
        };
        Ok(Assessment {
            profile_id: profile.id.clone(),
            service,
            facts,
            default,
            answers,
            extra_items,
        })
    }

    fn name(&mut self, value: Option<&Text>, key: &str) -> String {
        let Some(value) = value else {
            // Missing altogether: reported with the shape of the file.
            return String::new();
        };
        let text = value.value.trim();
        if text.is_empty() {
            self.problem(value.line, key, "空にできません");
        } else if text.chars().count() > MAX_NAME_CHARS {
            self.problem(
                value.line,
                key,
                format!("{MAX_NAME_CHARS} 文字以内で書いてください"),
            );
        } else if let Some(message) = character_problem(text, Lines::One) {
            self.problem(value.line, key, message);
        }
        text.to_owned()
    }

    fn bad_value(&mut self, line: Option<u64>, key: &str, value: &str, fact: usize) {
        let names: Vec<_> = FACTS[fact].choices().iter().map(|c| c.name).collect();
        self.problem(
            line,
            key,
            format!(
                "`{}` は使えない値です（使える値: {}）",
                shorten(value),
                names.join(", ")
            ),
        );
    }

    fn facts(&mut self, entries: &[(Key, Node)], facts_line: Option<u64>) -> Facts {
        let mut facts = Facts::with_classification(UNSET);
        let mut certifications = CertSet::EMPTY;
        let mut classification_line = None;
        for (key, value) in entries {
            let line = key.line;
            let path = format!("facts.{}", shorten(&key.text));
            let value_line = value.line.or(line);
            if key.text == "certifications" {
                match &value.kind {
                    NodeKind::List(list) => {
                        for name in list {
                            let known = name.text().and_then(CertSet::named);
                            match known {
                                Some(cert) => certifications = certifications.with(cert),
                                None => {
                                    let names: Vec<_> = crate::facts::CERTIFICATIONS
                                        .iter()
                                        .map(|c| c.name)
                                        .collect();
                                    let shown = name.text().map_or_else(
                                        || name.kind_name().to_owned(),
                                        |t| format!("`{}`", shorten(t)),
                                    );
                                    self.problem(
                                        name.line.or(line),
                                        path.clone(),
                                        format!(
                                            "認証 {shown} はありません（使える値: {}）",
                                            names.join(", ")
                                        ),
                                    );
                                }
                            }
                        }
                    }
                    NodeKind::Null => {}
                    _ => self.problem(
                        value_line,
                        path,
                        "認証は一覧（[ismap, soc2] のような形）で書いてください",
                    ),
                }
                continue;
            }
            let Some(id) = fact_id(&key.text).filter(|&id| id != MODEL) else {
                let message = if key.text == "model" {
                    "サービス形態は service.model に書いてください".to_owned()
                } else {
                    let mut names: Vec<_> = FACTS
                        .iter()
                        .filter(|f| f.name != "model")
                        .map(|f| f.name)
                        .collect();
                    names.push("certifications");
                    format!(
                        "不明な事実 `{}` です（使える事実: {}）",
                        shorten(&key.text),
                        names.join(", ")
                    )
                };
                self.problem(line, path, message);
                continue;
            };
            if id == CLASSIFICATION {
                classification_line = line;
            }
            let def = &FACTS[id];
            match (&value.kind, def.is_flag()) {
                (NodeKind::Null, _) => facts.set(id, def.default.unwrap_or(UNSET)),
                (NodeKind::Bool(flag), true) => facts.set(id, u8::from(*flag)),
                (NodeKind::Scalar(text), false) => match def.choice_index(text) {
                    Some(index) => facts.set(id, index),
                    None => self.bad_value(value_line, &path, text, id),
                },
                (_, true) => self.problem(value_line, path, "true または false で書いてください"),
                (_, false) => self.bad_value(value_line, &path, value.kind_name(), id),
            }
        }
        facts.set_certifications(certifications);
        let classification = facts.value(CLASSIFICATION);
        if classification == UNSET {
            // A bad value was reported where it was read; only a missing or empty one is left.
            let reported = self
                .problems
                .iter()
                .any(|p| p.key.as_deref() == Some("facts.classification"));
            if !reported {
                self.problem(
                    classification_line.or(facts_line),
                    "facts.classification",
                    "必須の事実 `classification`（取り扱う情報の機密性）がありません",
                );
            }
        } else if let Some(profile) = self.profile.filter(|p| !p.covers(classification)) {
            let scope: Vec<_> = crate::facts::CLASSIFICATIONS
                .iter()
                .enumerate()
                .filter(|(i, _)| profile.scope & (1 << i) != 0)
                .map(|(_, c)| c.name)
                .collect();
            let message = match &profile.out_of_scope {
                Some(text) => format!("{text}（このプロファイルの対象: {}）", scope.join(", ")),
                None => format!(
                    "プロファイル {} は機密性 {} を対象としていません（対象: {}）",
                    profile.id,
                    facts.classification_name(),
                    scope.join(", ")
                ),
            };
            self.problem(classification_line, "facts.classification", message);
        }
        facts
    }

    /// A fact that only means something under another fact's value contradicts that fact when
    /// it is given while the value is not chosen (`breakout_configuration: C` under
    /// `connection: lgwan_asp`). Declared beside the facts (`FactDef::only_with`).
    fn check_fact_dependencies(&mut self, entries: &[(Key, Node)], facts: &Facts) {
        for (id, def) in FACTS.iter().enumerate() {
            let Some(only) = &def.only_with else { continue };
            if facts.value(id) == def.default.unwrap_or(UNSET) {
                continue;
            }
            let Some(parent) = fact_id(only.fact) else {
                continue;
            };
            let parent_value = facts.value_name(parent);
            if parent_value.is_some_and(|v| only.values.contains(&v)) {
                continue;
            }
            let line = entries
                .iter()
                .find(|(k, _)| k.text == def.name)
                .and_then(|(k, _)| k.line);
            let parent_def = &FACTS[parent];
            let named = |value: &str| {
                let label = parent_def
                    .choice_index(value)
                    .and_then(|i| parent_def.choices().get(usize::from(i)))
                    .map_or(value, |c| c.label);
                format!("「{label}」({value})")
            };
            let wanted: Vec<String> = only.values.iter().map(|v| named(v)).collect();
            let now = match parent_value {
                Some(value) => format!("いまは{}", named(value)),
                None => "いまは指定されていません".to_owned(),
            };
            self.problem(
                line,
                format!("facts.{}", def.name),
                format!(
                    "「{}」は{} (facts.{}) が{}のときだけ指定できます（{now}）。どちらかを直してください",
                    def.label,
                    parent_def.label,
                    only.fact,
                    wanted.join("・")
                ),
            );
        }
    }

    fn answer(&mut self, doc: document::AnswerDoc, line: Option<u64>, path: &str) -> Answer {
        let clean =
            |text: Option<String>| text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        let reason = clean(doc.reason);
        let evidence = clean(doc.evidence);
        for (text, field) in [(&reason, "reason"), (&evidence, "evidence")] {
            if let Some(text) = text {
                let mut found = Vec::new();
                check_text(text, line, &format!("{path}.{field}"), &mut found);
                found.into_iter().for_each(|p| self.push(p));
            }
        }
        Answer {
            status: doc.status,
            reason,
            evidence,
            bulk: doc.bulk,
        }
    }

    /// An explicit answer may not contradict what the facts already decide.
    fn check_answer_against_facts(
        &mut self,
        profile: &Profile,
        index: ItemIdx,
        answer: &Answer,
        facts: &Facts,
        line: Option<u64>,
        path: &str,
    ) {
        let Some(item) = profile.items.get(index) else {
            return;
        };
        if item.is_derived() {
            self.problem(
                line,
                path,
                format!(
                    "項目 {} は事実 (facts) から判定されるため、回答は書けません",
                    item.id
                ),
            );
            return;
        }
        // Where the certificates only pre-fill the reviewer's evaluation, any answer stands.
        let Some(cert) = item.certification.as_ref().filter(|c| !c.evaluation) else {
            return;
        };
        let held = facts.certifications().intersects(cert.any_of);
        let decisive = cert.decisive_when.eval(facts, &[]);
        let names: Vec<_> = cert.any_of.iter().map(|c| c.name).collect();
        let names = names.join(", ");
        match answer.status {
            AnswerStatus::Unmet | AnswerStatus::NotApplicable if held => self.problem(
                line,
                path,
                format!(
                    "facts.certifications に {names} のいずれかがあるため、項目 {} を「{}」とはできません",
                    item.id,
                    answer.status.label()
                ),
            ),
            AnswerStatus::Met | AnswerStatus::NotApplicable if !held && decisive => self.problem(
                line,
                path,
                format!(
                    "項目 {} は認証の有無で判定されます。{names} のいずれもないため「{}」とはできません（認証があれば facts.certifications に書いてください）",
                    item.id,
                    answer.status.label()
                ),
            ),
            _ => {}
        }
    }

    fn extra_items(&mut self, docs: &[ExtraItemDoc]) -> Vec<ExtraItem> {
        let Some(profile) = self.profile.filter(|_| !docs.is_empty()) else {
            return Vec::new();
        };
        if profile.extra_citation.is_none() {
            self.problem(
                docs.first().and_then(|d| d.id.line),
                "extra_items",
                format!(
                    "プロファイル {} は個別の選定条件 (extra_items) を受け付けません",
                    profile.id
                ),
            );
            return Vec::new();
        }
        if docs.len() > MAX_EXTRA_ITEMS {
            self.problem(
                None,
                "extra_items",
                format!("個別の選定条件は {MAX_EXTRA_ITEMS} 件までです"),
            );
            return Vec::new();
        }
        let mut out: Vec<ExtraItem> = Vec::new();
        for doc in docs {
            let line = doc.id.line;
            let id = doc.id.value.trim().to_owned();
            let key = format!("extra_items.\"{}\"", shorten(&id));
            if id.is_empty() || id.chars().count() > 64 {
                self.problem(line, key.clone(), "番号 (id) は空にできず、64 文字以内です");
            } else if profile.item_index(&id).is_some() || out.iter().any(|e| e.id == id) {
                self.problem(
                    line,
                    key.clone(),
                    format!("番号 `{}` はすでに使われています", shorten(&id)),
                );
            }
            if doc.text.trim().is_empty() {
                self.problem(line, key.clone(), "要件の文 (text) が空です");
            }
            let mut found = Vec::new();
            check_text(&doc.text, line, &key, &mut found);
            found.into_iter().for_each(|p| self.push(p));
            let level = profile.level_index(&doc.level).unwrap_or_else(|| {
                let known: Vec<_> = profile.levels.iter().map(|l| l.name.as_str()).collect();
                self.problem(
                    line,
                    key.clone(),
                    format!(
                        "水準 `{}` はありません（使える水準: {}）",
                        shorten(&doc.level),
                        known.join(", ")
                    ),
                );
                0
            });
            out.push(ExtraItem {
                id,
                category: doc.category.clone(),
                text: doc.text.trim().to_owned(),
                level,
                answer: None,
            });
        }
        out
    }
}
