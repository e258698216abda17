//! Compiling conditions as written in profiles into [`Cond`]: one head key, known facts,
//! values, items and certifications, bounded nesting.

use super::document::{CondDoc, CondTestDoc, ScalarDoc};
use crate::condition::{Cond, ItemIdx, UNSET_BIT};
use crate::facts::{CertSet, Choice, FACTS, fact_id};

/// Deepest nesting of all / any / not in one condition.
const MAX_COND_DEPTH: usize = 16;

/// Compiles a condition; `lookup` resolves item ids. The error is the problem in Japanese.
pub(super) fn compile(
    doc: &CondDoc,
    depth: usize,
    lookup: &dyn Fn(&str) -> Option<ItemIdx>,
) -> Result<Cond, String> {
    if depth > MAX_COND_DEPTH {
        return Err(format!(
            "条件の入れ子が深すぎます（{MAX_COND_DEPTH} 段まで）"
        ));
    }
    let test: &CondTestDoc = match doc {
        CondDoc::Const(value) => return Ok(Cond::Const(*value)),
        CondDoc::Test(test) => test,
    };
    let modifiers = [
        test.is.is_some(),
        test.in_.is_some(),
        test.not_in.is_some(),
        test.unset.is_some(),
    ];
    let modifier_count = modifiers.iter().filter(|m| **m).count();
    if test.fact.is_none() && modifier_count > 0 {
        return Err("is / in / not_in / unset は fact と一緒に書いてください".to_owned());
    }
    let heads = [
        test.all.is_some(),
        test.any.is_some(),
        test.not.is_some(),
        test.fact.is_some(),
        test.certified.is_some(),
        test.met.is_some(),
    ];
    if heads.iter().filter(|h| **h).count() != 1 {
        return Err(
            "条件には all / any / not / fact / certified / met のいずれか一つだけを書いてください"
                .to_owned(),
        );
    }
    if let Some(parts) = test.all.as_ref().or(test.any.as_ref()) {
        if parts.is_empty() {
            return Err("all / any の中に条件が一つもありません".to_owned());
        }
        let parts = parts
            .iter()
            .map(|p| compile(p, depth + 1, lookup))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(if test.all.is_some() {
            Cond::All(parts)
        } else {
            Cond::Any(parts)
        });
    }
    if let Some(inner) = &test.not {
        return Ok(Cond::Not(Box::new(compile(inner, depth + 1, lookup)?)));
    }
    if let Some(names) = &test.certified {
        let mut set = CertSet::EMPTY;
        for name in names {
            set = set.with(CertSet::named(name).ok_or_else(|| {
                format!(
                    "認証 `{name}` はありません（使える値: {}）",
                    choice_names(crate::facts::CERTIFICATIONS)
                )
            })?);
        }
        if set.is_empty() {
            return Err("certified の一覧が空です".to_owned());
        }
        return Ok(Cond::Certified(set));
    }
    if let Some(id) = &test.met {
        return lookup(id)
            .map(Cond::Met)
            .ok_or_else(|| format!("存在しない項目 `{id}` を参照しています"));
    }
    let name = test.fact.as_deref().unwrap_or_default();
    let fact = fact_id(name).ok_or_else(|| {
        let names: Vec<_> = FACTS.iter().map(|f| f.name).collect();
        format!(
            "事実 `{name}` はありません（使える事実: {}）",
            names.join(", ")
        )
    })?;
    let def = &FACTS[fact];
    if modifier_count > 1 {
        return Err(format!(
            "fact: {name} には is / in / not_in / unset のどれか一つを書いてください"
        ));
    }
    let values = |list: &[ScalarDoc]| -> Result<u16, String> {
        let mut mask = 0u16;
        for value in list {
            let index = def.choice_index(&value.0).ok_or_else(|| {
                format!(
                    "事実 `{name}` に値 `{}` はありません（使える値: {}）",
                    value.0,
                    choice_names(def.choices())
                )
            })?;
            mask |= 1 << index;
        }
        Ok(mask)
    };
    let every_value = (1u16 << def.choices().len()) - 1;
    let allowed = if let Some(value) = &test.is {
        values(std::slice::from_ref(value))?
    } else if let Some(list) = &test.in_ {
        values(list)?
    } else if let Some(list) = &test.not_in {
        (every_value & !values(list)?) | UNSET_BIT
    } else if let Some(unset) = test.unset {
        if unset { UNSET_BIT } else { every_value }
    } else if def.is_flag() {
        0b10
    } else {
        return Err(format!(
            "fact: {name} には is / in / not_in / unset のいずれかを書いてください"
        ));
    };
    Ok(Cond::Fact { fact, allowed })
}

/// The names of some choices, for messages.
pub(super) fn choice_names(choices: &[Choice]) -> String {
    choices
        .iter()
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(", ")
}
