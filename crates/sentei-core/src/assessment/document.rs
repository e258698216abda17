//! The assessment file as written (`docs/assessment-contract.md`): serde types that keep the
//! line of every key the validator may need to point at.

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::judgement::AnswerStatus;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentDoc {
    pub profile: Spanned<String>,
    /// Optional: refuse to judge against any other version of the profile.
    #[serde(default)]
    pub profile_version: Option<Spanned<String>>,
    pub service: ServiceDoc,
    pub facts: Spanned<FactsDoc>,
    #[serde(default)]
    pub answers: AnswersDoc,
    /// Service-specific items (周南市基準 §6), where the profile allows them.
    #[serde(default)]
    pub extra_items: Vec<ExtraItemDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDoc {
    pub name: Spanned<String>,
    pub provider: Spanned<String>,
    #[serde(default)]
    pub model: Option<Spanned<String>>,
}

/// `facts:` as key/value pairs in file order; names and values are checked by the validator.
#[derive(Debug, Default)]
pub struct FactsDoc(pub Vec<(Spanned<String>, Spanned<FactValue>)>);

#[derive(Debug)]
pub enum FactValue {
    Null,
    Flag(bool),
    Text(String),
    List(Vec<Spanned<String>>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersDoc {
    #[serde(default)]
    pub default: Option<Spanned<DefaultStatus>>,
    #[serde(default)]
    pub items: ItemAnswersDoc,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DefaultStatus {
    Met,
    Unmet,
    Unanswered,
}

/// `answers.items:` as pairs in file order.
#[derive(Debug, Default)]
pub struct ItemAnswersDoc(pub Vec<(Spanned<String>, Spanned<AnswerForm>)>);

/// One answer: a bare status, or a mapping with a reason and evidence.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerDoc {
    pub status: AnswerStatus,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub evidence: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraItemDoc {
    pub id: Spanned<String>,
    pub text: String,
    pub level: String,
    #[serde(default)]
    pub category: Vec<String>,
}

impl<'de> Deserialize<'de> for FactsDoc {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_pairs(deserializer).map(FactsDoc)
    }
}

impl<'de> Deserialize<'de> for ItemAnswersDoc {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_pairs(deserializer).map(ItemAnswersDoc)
    }
}

/// A mapping as a list of pairs, keeping order and the line of each key.
fn deserialize_pairs<'de, D, V>(deserializer: D) -> Result<Vec<(Spanned<String>, V)>, D::Error>
where
    D: de::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Pairs<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> Visitor<'de> for Pairs<V> {
        type Value = Vec<(Spanned<String>, V)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a mapping")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut pairs = Vec::new();
            while let Some(pair) = map.next_entry()? {
                pairs.push(pair);
            }
            Ok(pairs)
        }
    }
    deserializer.deserialize_any(Pairs(std::marker::PhantomData))
}

impl<'de> Deserialize<'de> for FactValue {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = FactValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false, a name, a number or a list")
            }
            fn visit_unit<E: de::Error>(self) -> Result<FactValue, E> {
                Ok(FactValue::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<FactValue, E> {
                Ok(FactValue::Null)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<FactValue, E> {
                Ok(FactValue::Flag(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FactValue, E> {
                Ok(FactValue::Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FactValue, E> {
                Ok(FactValue::Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<FactValue, E> {
                Ok(FactValue::Text(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FactValue, E> {
                Ok(FactValue::Text(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FactValue, A::Error> {
                let mut list = Vec::new();
                while let Some(value) = seq.next_element()? {
                    list.push(value);
                }
                Ok(FactValue::List(list))
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

/// An answer may be written as just its status: `"1.12": unmet`.
pub(crate) fn answer_from_status(status: AnswerStatus) -> AnswerDoc {
    AnswerDoc {
        status,
        reason: None,
        evidence: None,
    }
}

/// Accepts both forms of an answer.
#[derive(Debug)]
pub struct AnswerForm(pub AnswerDoc);

impl<'de> Deserialize<'de> for AnswerForm {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FormVisitor;
        impl<'de> Visitor<'de> for FormVisitor {
            type Value = AnswerForm;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a status (met, unmet, not_applicable, unanswered) or a mapping with status",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AnswerForm, E> {
                let status = AnswerStatus::deserialize(de::value::StrDeserializer::<E>::new(v))?;
                Ok(AnswerForm(answer_from_status(status)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<AnswerForm, A::Error> {
                AnswerDoc::deserialize(de::value::MapAccessDeserializer::new(map)).map(AnswerForm)
            }
        }
        deserializer.deserialize_any(FormVisitor)
    }
}
