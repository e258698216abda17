//! The assessment editor's form as state: read from the stored assessment or from the posted
//! fields, and turned back into the contract's assessment document, which the editor then
//! validates and judges like any assessment file.

use std::collections::HashMap;

use sentei_core::assessment::Catalog;
use sentei_core::facts::{FACTS, FactKind};
use sentei_core::judgement::AnswerStatus;
use sentei_core::{Assessment, Profile};
use sentei_store::StoredAssessment;
use serde_json::{Map, Value, json};

use crate::error::AppError;

/// Most items plus added items one form may carry.
const MAX_ITEMS: usize = 2_500;

/// What the form says, whether or not it is valid yet.
pub(super) struct FormState {
    /// The stored assessment, parsed, when the form shows it unchanged: judged as it is,
    /// without turning the form back into a document and parsing that again.
    pub(super) stored: Option<Assessment>,
    pub(super) model: String,
    pub(super) facts: HashMap<String, String>,
    pub(super) certifications: Vec<String>,
    /// (status, reason, evidence) by item index (profile items, then added items). The status
    /// is a contract status, or [`FOLLOWS_DEFAULT`] for an item left to `answers.default`.
    pub(super) answers: Vec<(String, String, String)>,
}

/// The form's status of an item left to the stored `answers.default`. Saving keeps it so: the
/// default fills in answers but is no evidence that switches a rule (docs/domain.md), so the
/// editor must not turn it into answers written item by item.
pub(super) const FOLLOWS_DEFAULT: &str = "default";

/// The form's status of an item answered 「満たす」 by 「残りをすべて満たすにする」 (`by: bulk`).
/// Saving keeps it so until someone answers the item themselves: like the default, it is no
/// evidence that switches a rule.
pub(super) const BULK: &str = "bulk";

/// The stored document's `answers.default`, if it has one.
pub(super) fn stored_default(document: &Value) -> Option<AnswerStatus> {
    match document["answers"]["default"].as_str() {
        Some("met") => Some(AnswerStatus::Met),
        Some("unmet") => Some(AnswerStatus::Unmet),
        _ => None,
    }
}

impl FormState {
    /// The stored assessment as the form shows it: each item's written answer, or "follows
    /// the default" where the document has one.
    pub(super) fn from_stored(catalog: &Catalog, stored: &StoredAssessment) -> FormState {
        let doc = &stored.document;
        let mut facts = HashMap::new();
        if let Some(map) = doc["facts"].as_object() {
            for (name, value) in map {
                match value {
                    Value::Bool(b) => {
                        facts.insert(name.clone(), b.to_string());
                    }
                    Value::String(s) => {
                        facts.insert(name.clone(), s.clone());
                    }
                    _ => {}
                }
            }
        }
        let certifications = doc["facts"]["certifications"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let parsed = catalog.parse_assessment(&doc.to_string()).ok();
        let profile = catalog.get(&stored.profile_id);
        let mut answers = Vec::new();
        if let (Some(assessment), Some(profile)) = (&parsed, profile) {
            let defaulted = assessment.default.is_some();
            for (i, item) in profile.items.iter().enumerate() {
                let explicit = assessment.answer(i);
                answers.push(match explicit {
                    Some(a) => answer_tuple(a.status, explicit),
                    None if defaulted && !item.is_derived() => follows_default(),
                    None => answer_tuple(AnswerStatus::Unanswered, None),
                });
            }
            for extra in &assessment.extra_items {
                answers.push(match &extra.answer {
                    Some(a) => answer_tuple(a.status, Some(a)),
                    None if defaulted => follows_default(),
                    None => answer_tuple(AnswerStatus::Unanswered, None),
                });
            }
        }
        FormState {
            stored: parsed,
            model: doc["service"]["model"]
                .as_str()
                .unwrap_or("saas")
                .to_owned(),
            facts,
            certifications,
            answers,
        }
    }

    pub(super) fn from_pairs(pairs: &[(String, String)]) -> FormState {
        let mut form = FormState {
            stored: None,
            model: "saas".to_owned(),
            facts: HashMap::new(),
            certifications: Vec::new(),
            answers: Vec::new(),
        };
        for (key, value) in pairs {
            if key == "model" {
                form.model.clone_from(value);
            } else if key == "cert" {
                form.certifications.push(value.clone());
            } else if let Some(name) = key.strip_prefix("f.") {
                form.facts.insert(name.to_owned(), value.clone());
            } else if let Some((kind, index)) = key.split_once('.') {
                let Ok(index) = index.parse::<usize>() else {
                    continue;
                };
                if !matches!(kind, "s" | "r" | "e") {
                    continue;
                }
                if let Some(slot) = form.slot(index) {
                    match kind {
                        "s" => slot.0.clone_from(value),
                        "r" => slot.1.clone_from(value),
                        _ => slot.2.clone_from(value),
                    }
                }
            }
        }
        form
    }

    /// Sets an item's status, keeping its reason and evidence.
    pub(super) fn set_status(&mut self, index: usize, status: &str) {
        if let Some(slot) = self.slot(index) {
            status.clone_into(&mut slot.0);
        }
    }

    /// The (status, reason, evidence) of an item, made unanswered if the form had none;
    /// `None` past the most items a form may carry.
    fn slot(&mut self, index: usize) -> Option<&mut (String, String, String)> {
        if index >= MAX_ITEMS {
            return None;
        }
        if self.answers.len() <= index {
            self.answers.resize(
                index + 1,
                ("unanswered".to_owned(), String::new(), String::new()),
            );
        }
        self.answers.get_mut(index)
    }

    pub(super) fn answer(&self, index: usize) -> (&str, &str, &str) {
        self.answers
            .get(index)
            .map_or(("unanswered", "", ""), |(s, r, e)| {
                (s.as_str(), r.as_str(), e.as_str())
            })
    }
}

fn follows_default() -> (String, String, String) {
    (FOLLOWS_DEFAULT.to_owned(), String::new(), String::new())
}

fn answer_tuple(
    status: AnswerStatus,
    explicit: Option<&sentei_core::Answer>,
) -> (String, String, String) {
    let status = serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unanswered".to_owned());
    let status = if explicit.is_some_and(|a| a.bulk) {
        BULK.to_owned()
    } else {
        status
    };
    let reason = explicit.and_then(|a| a.reason.clone()).unwrap_or_default();
    let evidence = explicit
        .and_then(|a| a.evidence.clone())
        .unwrap_or_default();
    (status, reason, evidence)
}

/// The contract's assessment document for the form: the stored one (its profile, service and
/// added items) with the form's facts and answers.
pub(super) fn document_of(
    catalog: &Catalog,
    stored: &StoredAssessment,
    form: &FormState,
) -> Result<Value, AppError> {
    let profile = profile_of(catalog, stored)?;
    let mut document = stored.document.clone();
    let default = stored_default(&stored.document);
    let mut facts = Map::new();
    for def in FACTS.iter().filter(|d| d.name != "model") {
        let value = form.facts.get(def.name).map(|v| v.trim()).unwrap_or("");
        match def.kind {
            FactKind::Flag if value == "true" => {
                facts.insert(def.name.to_owned(), Value::Bool(true));
            }
            FactKind::Choice(_) if !value.is_empty() => {
                facts.insert(def.name.to_owned(), Value::String(value.to_owned()));
            }
            _ => {}
        }
    }
    if !form.certifications.is_empty() {
        facts.insert("certifications".to_owned(), json!(form.certifications));
    }
    document["facts"] = Value::Object(facts);
    document["service"]["model"] = Value::String(form.model.clone());
    let ids = profile
        .items
        .iter()
        .map(|i| i.id.clone())
        .chain(
            document["extra_items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["id"].as_str().map(str::to_owned)),
        )
        .collect::<Vec<_>>();
    let mut items = Map::new();
    for (index, id) in ids.iter().enumerate() {
        if profile
            .items
            .get(index)
            .is_some_and(|item| item.is_derived())
        {
            continue;
        }
        let (status, reason, evidence) = form.answer(index);
        let (reason, evidence) = (reason.trim(), evidence.trim());
        let blank = reason.is_empty() && evidence.is_empty();
        if (status == "unanswered" && blank) || (status == FOLLOWS_DEFAULT && default.is_some()) {
            continue;
        }
        // "Follows the default" without one left to follow is unanswered.
        let (status, bulk) = match status {
            FOLLOWS_DEFAULT => ("unanswered", false),
            BULK => ("met", true),
            other => (other, false),
        };
        let mut answer = Map::new();
        answer.insert("status".to_owned(), Value::String(status.to_owned()));
        if bulk {
            answer.insert("by".to_owned(), Value::String(BULK.to_owned()));
        }
        if !reason.is_empty() {
            answer.insert("reason".to_owned(), Value::String(reason.to_owned()));
        }
        if !evidence.is_empty() {
            answer.insert("evidence".to_owned(), Value::String(evidence.to_owned()));
        }
        items.insert(id.clone(), Value::Object(answer));
    }
    // Items left to the default stay so; every other answer is written out.
    document["answers"] = match default {
        Some(default) => json!({ "default": default, "items": items }),
        None => json!({ "items": items }),
    };
    Ok(document)
}

pub(super) fn profile_of<'c>(
    catalog: &'c Catalog,
    stored: &StoredAssessment,
) -> Result<&'c Profile, AppError> {
    catalog
        .get(&stored.profile_id)
        .ok_or_else(|| AppError::NotFound(format!("基準 {} が見つかりません", stored.profile_id)))
}
