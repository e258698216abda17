//! Writing an assessment back as the assessment file of the contract.
//!
//! The store keeps assessments in the same format `sentei assess` reads, so any stored
//! assessment can be exported, inspected and judged again by hand. Reading what this writes
//! gives back an equal assessment (a property test checks it).

use serde_json::{Map, Value, json};

use super::{Answer, Assessment};
use crate::facts::{FACTS, MODEL, UNSET};
use crate::judgement::AnswerStatus;
use crate::profile::Profile;

impl Assessment {
    /// The assessment as a contract document (JSON). Facts at their default are left out.
    pub fn to_document(&self, profile: &Profile) -> Value {
        let mut facts = Map::new();
        for (id, def) in FACTS.iter().enumerate() {
            let value = self.facts.value(id);
            let default = def.default.unwrap_or(UNSET);
            if id == MODEL || value == UNSET || (value == default && !def.required) {
                continue;
            }
            let written = match def.choices().get(usize::from(value)) {
                Some(choice) if def.is_flag() => Value::Bool(choice.name == "true"),
                Some(choice) => Value::String(choice.name.to_owned()),
                None => continue,
            };
            facts.insert(def.name.to_owned(), written);
        }
        let certifications: Vec<Value> = self
            .facts
            .certifications()
            .iter()
            .map(|c| Value::String(c.name.to_owned()))
            .collect();
        if !certifications.is_empty() {
            facts.insert("certifications".to_owned(), Value::Array(certifications));
        }

        let mut items = Map::new();
        for (item, answer) in profile.items.iter().zip(&self.answers) {
            if let Some(answer) = answer {
                items.insert(item.id.clone(), answer_value(answer));
            }
        }
        for extra in &self.extra_items {
            if let Some(answer) = &extra.answer {
                items.insert(extra.id.clone(), answer_value(answer));
            }
        }
        let mut answers = Map::new();
        if let Some(default) = self.default {
            answers.insert("default".to_owned(), status_value(default));
        }
        if !items.is_empty() {
            answers.insert("items".to_owned(), Value::Object(items));
        }

        let mut document = Map::new();
        document.insert("profile".to_owned(), Value::String(self.profile_id.clone()));
        document.insert(
            "service".to_owned(),
            json!({
                "name": self.service.name,
                "provider": self.service.provider,
                "model": self.facts.value_name(MODEL).unwrap_or("saas"),
            }),
        );
        document.insert("facts".to_owned(), Value::Object(facts));
        if !answers.is_empty() {
            document.insert("answers".to_owned(), Value::Object(answers));
        }
        if !self.extra_items.is_empty() {
            let extras: Vec<Value> = self
                .extra_items
                .iter()
                .map(|e| {
                    json!({
                        "id": e.id,
                        "text": e.text,
                        "level": profile.level(e.level).map_or("", |l| l.name.as_str()),
                        "category": e.category,
                    })
                })
                .collect();
            document.insert("extra_items".to_owned(), Value::Array(extras));
        }
        Value::Object(document)
    }
}

fn status_value(status: AnswerStatus) -> Value {
    // The enum serializes to its contract spelling.
    serde_json::to_value(status).unwrap_or(Value::Null)
}

fn answer_value(answer: &Answer) -> Value {
    if answer.reason.is_none() && answer.evidence.is_none() && !answer.bulk {
        return status_value(answer.status);
    }
    let mut map = Map::new();
    map.insert("status".to_owned(), status_value(answer.status));
    if answer.bulk {
        map.insert("by".to_owned(), Value::String("bulk".to_owned()));
    }
    if let Some(reason) = &answer.reason {
        map.insert("reason".to_owned(), Value::String(reason.clone()));
    }
    if let Some(evidence) = &answer.evidence {
        map.insert("evidence".to_owned(), Value::String(evidence.clone()));
    }
    Value::Object(map)
}
