//! Conditions: declarative tests over facts and over other items' answers.
//!
//! Profiles write conditions as data (see `profile::document::CondDoc`); loading compiles them
//! into [`Cond`], with fact names resolved to indexes and allowed values to bitmasks, so that
//! judging evaluates them without allocating. The same value renders itself in Japanese words
//! for `why` texts and for `sentei profile show`.

use crate::facts::{CertSet, FACTS, FactId, UNSET};

/// Index of an item in its profile's document order.
pub type ItemIdx = usize;

/// Bit of a fact's allowed-values mask that stands for "not given".
pub const UNSET_BIT: u16 = 1 << 15;

/// A compiled condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    Const(bool),
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    /// The fact's value is one of `allowed` (bit `i` = choice `i`, [`UNSET_BIT`] = not given).
    Fact {
        fact: FactId,
        allowed: u16,
    },
    /// The service holds at least one of these certifications.
    Certified(CertSet),
    /// The item applies and its effective answer is "met".
    Met(ItemIdx),
}

/// Bit of the allowed-values mask for a stored fact value.
pub fn value_bit(value: u8) -> u16 {
    if value == UNSET || value >= 15 {
        UNSET_BIT
    } else {
        1 << value
    }
}

impl Cond {
    /// Evaluates the condition. `met[i]` must already hold the state of every item the
    /// condition refers to; profile loading orders items so that it does.
    pub fn eval(&self, facts: &crate::facts::Facts, met: &[bool]) -> bool {
        match self {
            Cond::Const(value) => *value,
            Cond::All(parts) => parts.iter().all(|c| c.eval(facts, met)),
            Cond::Any(parts) => parts.iter().any(|c| c.eval(facts, met)),
            Cond::Not(inner) => !inner.eval(facts, met),
            Cond::Fact { fact, allowed } => allowed & value_bit(facts.value(*fact)) != 0,
            Cond::Certified(set) => facts.certifications().intersects(*set),
            Cond::Met(item) => met.get(*item).copied().unwrap_or(false),
        }
    }

    /// Every item the condition refers to.
    pub fn items(&self, out: &mut Vec<ItemIdx>) {
        match self {
            Cond::All(parts) | Cond::Any(parts) => parts.iter().for_each(|c| c.items(out)),
            Cond::Not(inner) => inner.items(out),
            Cond::Met(item) => out.push(*item),
            Cond::Const(_) | Cond::Fact { .. } | Cond::Certified(_) => {}
        }
    }

    /// True when the condition reads only facts, never answers.
    pub fn is_facts_only(&self) -> bool {
        let mut items = Vec::new();
        self.items(&mut items);
        items.is_empty()
    }

    /// The condition in Japanese words. `item_name` gives the id of an item.
    pub fn describe(&self, item_name: &dyn Fn(ItemIdx) -> String) -> String {
        match self {
            Cond::Const(true) => "常に".to_owned(),
            Cond::Const(false) => "なし".to_owned(),
            Cond::All(parts) => join(parts, "、かつ ", item_name),
            Cond::Any(parts) => join(parts, "、または ", item_name),
            Cond::Not(inner) => match inner.as_ref() {
                Cond::Met(item) => format!("項目 {} を満たさない", item_name(*item)),
                Cond::Certified(set) => format!("{}がない", cert_names(*set)),
                Cond::Fact { fact, allowed } => {
                    let every = FACTS
                        .get(*fact)
                        .map_or(0, |d| (1u16 << d.choices().len()) - 1);
                    describe_fact(*fact, (every | UNSET_BIT) & !allowed)
                }
                _ => format!("次に該当しない（{}）", inner.describe(item_name)),
            },
            Cond::Fact { fact, allowed } => describe_fact(*fact, *allowed),
            Cond::Certified(set) => {
                if set.iter().count() == 1 {
                    format!("{}がある", cert_names(*set))
                } else {
                    format!("{}のいずれかがある", cert_names(*set))
                }
            }
            Cond::Met(item) => format!("項目 {} を満たす", item_name(*item)),
        }
    }
}

fn cert_names(set: CertSet) -> String {
    set.iter().map(|c| format!("「{}」", c.label)).collect()
}

fn join(parts: &[Cond], separator: &str, item_name: &dyn Fn(ItemIdx) -> String) -> String {
    let words: Vec<String> = parts
        .iter()
        .map(|c| match c {
            Cond::All(_) | Cond::Any(_) => format!("（{}）", c.describe(item_name)),
            _ => c.describe(item_name),
        })
        .collect();
    words.join(separator)
}

fn describe_fact(fact: FactId, allowed: u16) -> String {
    let Some(def) = FACTS.get(fact) else {
        return String::from("（不明な条件）");
    };
    if def.is_flag() {
        return match allowed & 0b11 {
            0b10 => format!("「{}」に該当する", def.label),
            0b01 => format!("「{}」に該当しない", def.label),
            _ if allowed & UNSET_BIT != 0 => format!("「{}」が未指定", def.label),
            _ => format!("「{}」の値によらない", def.label),
        };
    }
    let choices = def.choices();
    let labels = |keep: bool| -> Vec<String> {
        choices
            .iter()
            .enumerate()
            .filter(|(i, _)| (allowed & (1 << i) != 0) == keep)
            .map(|(_, c)| format!("「{}」", c.label))
            .collect()
    };
    let named = labels(true);
    let excluded = labels(false);
    let unset = allowed & UNSET_BIT != 0;
    // "Anything but X, or not given" reads best as what it excludes.
    if unset && !excluded.is_empty() && excluded.len() < named.len() {
        let which = if excluded.len() == 1 {
            "ではない"
        } else {
            "のいずれでもない"
        };
        return format!("「{}」が{}{which}", def.label, excluded.concat());
    }
    match (named.len(), unset) {
        (0, true) => format!("「{}」が未指定", def.label),
        (0, false) => format!("「{}」がどの値でもない", def.label),
        (1, false) => format!("「{}」が{}", def.label, named.concat()),
        (_, false) => format!("「{}」が{}のいずれか", def.label, named.concat()),
        (_, true) => format!(
            "「{}」が{}のいずれか、または未指定",
            def.label,
            named.concat()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Facts, fact_id};

    fn fact(name: &str, allowed: u16) -> Cond {
        Cond::Fact {
            fact: fact_id(name).unwrap(),
            allowed,
        }
    }

    #[test]
    fn facts_compare_by_bitmask_including_unset() {
        let facts = Facts::with_classification(4); // 3B
        assert!(fact("classification", 0b11_0000).eval(&facts, &[]));
        assert!(!fact("classification", 0b00_0011).eval(&facts, &[]));
        assert!(fact("connection", UNSET_BIT).eval(&facts, &[]));
        assert!(!fact("connection", 0b1).eval(&facts, &[]));
    }

    #[test]
    fn combinators_and_item_references() {
        let facts = Facts::with_classification(1);
        let met = [true, false];
        assert!(Cond::Any(vec![Cond::Met(1), Cond::Met(0)]).eval(&facts, &met));
        assert!(!Cond::All(vec![Cond::Met(1), Cond::Met(0)]).eval(&facts, &met));
        assert!(Cond::Not(Box::new(Cond::Met(1))).eval(&facts, &met));
        // An item outside the slice counts as not met rather than panicking.
        assert!(!Cond::Met(99).eval(&facts, &met));
    }

    #[test]
    fn describes_itself_in_japanese() {
        let name = |i: ItemIdx| format!("1.{i}");
        assert_eq!(
            fact("government_cloud", 0b10).describe(&name),
            "「ガバメントクラウドを利用する」に該当する"
        );
        assert_eq!(
            fact("classification", 0b11_0000).describe(&name),
            "「取り扱う情報の機密性」が「機密性3B」「機密性3C」のいずれか"
        );
        assert_eq!(
            Cond::Any(vec![Cond::Met(1), Cond::Met(2)]).describe(&name),
            "項目 1.1 を満たす、または 項目 1.2 を満たす"
        );
        let certified = Cond::Certified(CertSet::named("ismap").unwrap());
        assert_eq!(
            certified.describe(&name),
            "「ISMAP クラウドサービスリスト登録」がある"
        );
        assert_eq!(
            Cond::Not(Box::new(Cond::Met(1))).describe(&name),
            "項目 1.1 を満たさない"
        );
        assert_eq!(
            Cond::Not(Box::new(fact("model", 0b001))).describe(&name),
            "「サービス形態」が「SaaS」ではない"
        );
    }
}
