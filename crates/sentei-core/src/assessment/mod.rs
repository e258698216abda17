//! Assessments: a profile, a service, its facts and answers, checked against the profile.
//!
//! [`Catalog::parse_assessment`] is the only way in. It reports every problem at once, each
//! naming the line and key, and produces an [`Assessment`] whose answers are already laid out
//! by item index, so judging never looks anything up by name.

mod document;
mod write;

use document::{AssessmentDoc, DefaultStatus, ExtraItemDoc, FactValue, FactsDoc};
use serde_saphyr::Spanned;

use crate::condition::ItemIdx;
use crate::facts::{CLASSIFICATION, CertSet, FACTS, Facts, MODEL, UNSET, fact_id};
use crate::input::{
    ASSESSMENT_LIMITS, InputError, Lines, Problem, character_problem, check_text, line_of,
    parse_yaml,
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

    /// Reads an assessment file and checks it against its profile.
    pub fn parse_assessment(&self, text: &str) -> Result<Assessment, InputError> {
        let doc: AssessmentDoc = parse_yaml(text, ASSESSMENT_LIMITS)?;
        let Some(profile) = self.get(&doc.profile.value) else {
            let known: Vec<_> = self.profiles.iter().map(|p| p.id.as_str()).collect();
            return Err(InputError::one(Problem::new(
                line_of(&doc.profile),
                "profile",
                format!(
                    "プロファイル `{}` はありません（使えるもの: {}）",
                    doc.profile.value,
                    known.join(", ")
                ),
            )));
        };
        Validator::new(profile).assessment(doc)
    }
}

/// One item's answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Answer {
    pub status: AnswerStatus,
    pub reason: Option<String>,
    pub evidence: Option<String>,
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
    profile: &'p Profile,
    problems: Vec<Problem>,
}

impl<'p> Validator<'p> {
    fn new(profile: &'p Profile) -> Validator<'p> {
        Validator {
            profile,
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, line: Option<u64>, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(line, key, message));
    }

    fn assessment(mut self, doc: AssessmentDoc) -> Result<Assessment, InputError> {
        if let Some(version) = doc
            .profile_version
            .as_ref()
            .filter(|v| v.value != self.profile.version)
        {
            self.problem(
                line_of(version),
                "profile_version",
                format!(
                    "プロファイル {} の版は `{}` です（指定された版: `{}`）",
                    self.profile.id, self.profile.version, version.value
                ),
            );
        }
        let service = Service {
            name: self.name(&doc.service.name, "service.name"),
            provider: self.name(&doc.service.provider, "service.provider"),
        };
        let mut facts = self.facts(&doc.facts);
        if let Some(model) = &doc.service.model {
            let def = &FACTS[MODEL];
            match def.choice_index(&model.value) {
                Some(index) => facts.set(MODEL, index),
                None => self.bad_value(line_of(model), "service.model", &model.value, MODEL),
            }
        }
        let default = doc.answers.default.as_ref().and_then(|d| match d.value {
            DefaultStatus::Met => Some(AnswerStatus::Met),
            DefaultStatus::Unmet => Some(AnswerStatus::Unmet),
            DefaultStatus::Unanswered => None,
        });
        let extra_items = self.extra_items(&doc.extra_items);
        let mut answers = vec![None; self.profile.items.len()];
        let mut extra_items = extra_items;
        for (key, answer) in doc.answers.items.0 {
            let line = line_of(&key);
            let path = format!("answers.items.{}", key.value);
            let answer = self.answer(answer.value.0, line, &path);
            if let Some(index) = self.profile.item_index(&key.value) {
                self.check_answer_against_facts(index, &answer, &facts, line, &path);
                if let Some(slot) = answers.get_mut(index) {
                    *slot = Some(answer);
                }
            } else if let Some(extra) = extra_items.iter_mut().find(|e| e.id == key.value.trim()) {
                extra.answer = Some(answer);
            } else {
                self.problem(
                    line,
                    path,
                    format!(
                        "項目 `{}` はプロファイル {} にありません",
                        key.value, self.profile.id
                    ),
                );
            }
        }
        if !self.problems.is_empty() {
            return Err(InputError {
                problems: self.problems,
            });
        }
        Ok(Assessment {
            profile_id: self.profile.id.clone(),
            service,
            facts,
            default,
            answers,
            extra_items,
        })
    }

    fn name(&mut self, value: &Spanned<String>, key: &str) -> String {
        let text = value.value.trim();
        if text.is_empty() {
            self.problem(line_of(value), key, "空にできません");
        } else if text.chars().count() > MAX_NAME_CHARS {
            self.problem(
                line_of(value),
                key,
                format!("{MAX_NAME_CHARS} 文字以内で書いてください"),
            );
        } else if let Some(message) = character_problem(text, Lines::One) {
            self.problem(line_of(value), key, message);
        }
        text.to_owned()
    }

    fn bad_value(&mut self, line: Option<u64>, key: &str, value: &str, fact: usize) {
        let names: Vec<_> = FACTS[fact].choices().iter().map(|c| c.name).collect();
        self.problem(
            line,
            key,
            format!(
                "`{value}` は使えない値です（使える値: {}）",
                names.join(", ")
            ),
        );
    }

    fn facts(&mut self, doc: &Spanned<FactsDoc>) -> Facts {
        let mut facts = Facts::with_classification(UNSET);
        let mut certifications = CertSet::EMPTY;
        let mut classification_line = None;
        for (key, value) in &doc.value.0 {
            let line = line_of(key);
            let path = format!("facts.{}", key.value);
            if key.value == "certifications" {
                match &value.value {
                    FactValue::List(list) => {
                        for name in list {
                            match CertSet::named(&name.value) {
                                Some(cert) => certifications = certifications.with(cert),
                                None => {
                                    let names: Vec<_> = crate::facts::CERTIFICATIONS
                                        .iter()
                                        .map(|c| c.name)
                                        .collect();
                                    self.problem(
                                        line_of(name).or(line),
                                        path.clone(),
                                        format!(
                                            "認証 `{}` はありません（使える値: {}）",
                                            name.value,
                                            names.join(", ")
                                        ),
                                    );
                                }
                            }
                        }
                    }
                    FactValue::Null => {}
                    _ => self.problem(
                        line,
                        path,
                        "認証は一覧（[ismap, soc2] のような形）で書いてください",
                    ),
                }
                continue;
            }
            let Some(id) = fact_id(&key.value).filter(|&id| id != MODEL) else {
                let message = if key.value == "model" {
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
                        key.value,
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
            let value_line = line_of(value).or(line);
            match (&value.value, def.is_flag()) {
                (FactValue::Null, _) => facts.set(id, def.default.unwrap_or(UNSET)),
                (FactValue::Flag(flag), true) => facts.set(id, u8::from(*flag)),
                (FactValue::Text(text), false) => match def.choice_index(text) {
                    Some(index) => facts.set(id, index),
                    None => self.bad_value(value_line, &path, text, id),
                },
                (_, true) => self.problem(value_line, path, "true または false で書いてください"),
                (_, false) => self.bad_value(value_line, &path, "（一覧や真偽値）", id),
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
                    classification_line.or(line_of(doc)),
                    "facts.classification",
                    "必須の事実 `classification`（取り扱う情報の機密性）がありません",
                );
            }
        } else if !self.profile.covers(classification) {
            let scope: Vec<_> = crate::facts::CLASSIFICATIONS
                .iter()
                .enumerate()
                .filter(|(i, _)| self.profile.scope & (1 << i) != 0)
                .map(|(_, c)| c.name)
                .collect();
            let message = match &self.profile.out_of_scope {
                Some(text) => format!("{text}（このプロファイルの対象: {}）", scope.join(", ")),
                None => format!(
                    "プロファイル {} は機密性 {} を対象としていません（対象: {}）",
                    self.profile.id,
                    facts.classification_name(),
                    scope.join(", ")
                ),
            };
            self.problem(classification_line, "facts.classification", message);
        }
        facts
    }

    fn answer(&mut self, doc: document::AnswerDoc, line: Option<u64>, path: &str) -> Answer {
        let clean =
            |text: Option<String>| text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        let reason = clean(doc.reason);
        let evidence = clean(doc.evidence);
        for (text, field) in [(&reason, "reason"), (&evidence, "evidence")] {
            if let Some(text) = text {
                check_text(text, line, &format!("{path}.{field}"), &mut self.problems);
            }
        }
        Answer {
            status: doc.status,
            reason,
            evidence,
        }
    }

    /// An explicit answer may not contradict what the facts already decide.
    fn check_answer_against_facts(
        &mut self,
        index: ItemIdx,
        answer: &Answer,
        facts: &Facts,
        line: Option<u64>,
        path: &str,
    ) {
        let Some(item) = self.profile.items.get(index) else {
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
        let Some(cert) = &item.certification else {
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
        if docs.is_empty() {
            return Vec::new();
        }
        if self.profile.extra_citation.is_none() {
            self.problem(
                docs.first().and_then(|d| line_of(&d.id)),
                "extra_items",
                format!(
                    "プロファイル {} は個別の選定条件 (extra_items) を受け付けません",
                    self.profile.id
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
            let line = line_of(&doc.id);
            let id = doc.id.value.trim().to_owned();
            let key = format!("extra_items.{id}");
            if id.is_empty() || id.chars().count() > 64 {
                self.problem(line, key.clone(), "番号 (id) は空にできず、64 文字以内です");
            } else if self.profile.item_index(&id).is_some() || out.iter().any(|e| e.id == id) {
                self.problem(
                    line,
                    key.clone(),
                    format!("番号 `{id}` はすでに使われています"),
                );
            }
            if doc.text.trim().is_empty() {
                self.problem(line, key.clone(), "要件の文 (text) が空です");
            }
            check_text(&doc.text, line, &key, &mut self.problems);
            let level = self.profile.level_index(&doc.level).unwrap_or_else(|| {
                let known: Vec<_> = self
                    .profile
                    .levels
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect();
                self.problem(
                    line,
                    key.clone(),
                    format!(
                        "水準 `{}` はありません（使える水準: {}）",
                        doc.level,
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
