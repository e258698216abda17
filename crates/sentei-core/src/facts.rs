//! The facts of a service and of its use: what decides which items of a profile apply.
//!
//! The set of facts is fixed by the assessment contract (`docs/assessment-contract.md`).
//! This module is the one registry of their names, Japanese labels and allowed values:
//! parsing, condition checking and the Japanese rendering of conditions all read it, so a
//! new fact is added here once and nowhere else.

/// Index of a fact in [`FACTS`].
pub type FactId = usize;

/// One allowed value of a choice fact, or one certification.
#[derive(Debug)]
pub struct Choice {
    /// The name used in assessment files (`local_breakout`, `3B`, ...).
    pub name: &'static str,
    /// The Japanese label shown to people.
    pub label: &'static str,
}

/// What kind of value a fact holds.
#[derive(Debug)]
pub enum FactKind {
    /// `true` or `false`; defaults to `false`.
    Flag,
    /// One of a fixed list of values.
    Choice(&'static [Choice]),
}

/// The definition of one fact.
#[derive(Debug)]
pub struct FactDef {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FactKind,
    /// Index of the default value; `None` means "unset" until given.
    pub default: Option<u8>,
    pub required: bool,
    /// The fact only means something when another fact has one of some values
    /// (`breakout_configuration` only under `connection: local_breakout`): set to anything but
    /// its default otherwise, it contradicts that fact and the assessment is refused.
    pub only_with: Option<OnlyWith>,
}

/// The values of another fact under which a fact has meaning.
#[derive(Debug)]
pub struct OnlyWith {
    pub fact: &'static str,
    pub values: &'static [&'static str],
}

impl FactDef {
    /// The allowed values of a choice fact (`true`/`false` labels for flags).
    pub fn choices(&self) -> &'static [Choice] {
        match self.kind {
            FactKind::Flag => FLAG_CHOICES,
            FactKind::Choice(choices) => choices,
        }
    }

    /// Index of the value called `name`, if it is allowed.
    pub fn choice_index(&self, name: &str) -> Option<u8> {
        self.choices()
            .iter()
            .position(|c| c.name == name)
            .and_then(|i| u8::try_from(i).ok())
    }

    pub fn is_flag(&self) -> bool {
        matches!(self.kind, FactKind::Flag)
    }
}

const FLAG_CHOICES: &[Choice] = &[
    Choice {
        name: "false",
        label: "いいえ",
    },
    Choice {
        name: "true",
        label: "はい",
    },
];

pub const CLASSIFICATIONS: &[Choice] = &[
    Choice {
        name: "1",
        label: "機密性1",
    },
    Choice {
        name: "2",
        label: "機密性2",
    },
    Choice {
        name: "3",
        label: "機密性3",
    },
    Choice {
        name: "3A",
        label: "機密性3A",
    },
    Choice {
        name: "3B",
        label: "機密性3B",
    },
    Choice {
        name: "3C",
        label: "機密性3C",
    },
];

const MODELS: &[Choice] = &[
    Choice {
        name: "saas",
        label: "SaaS",
    },
    Choice {
        name: "paas",
        label: "PaaS",
    },
    Choice {
        name: "iaas",
        label: "IaaS",
    },
];

const CONNECTIONS: &[Choice] = &[
    Choice {
        name: "local_breakout",
        label: "ローカルブレイクアウト方式",
    },
    Choice {
        name: "internet_pc",
        label: "インターネットパソコン方式",
    },
    Choice {
        name: "lgwan_asp",
        label: "LGWAN-ASP 利用方式",
    },
    Choice {
        name: "government_cloud",
        label: "ガバメントクラウド方式",
    },
];

const BREAKOUT_CONFIGURATIONS: &[Choice] = &[
    Choice {
        name: "A",
        label: "A（認証・ウイルス定義体の取得のみ）",
    },
    Choice {
        name: "B",
        label: "B（ファイルを庁内に取り込まない）",
    },
    Choice {
        name: "C",
        label: "C（外部とファイル送受信を行い内部に取り込む）",
    },
];

const INTERNET_PC_GROUNDS: &[Choice] = &[
    Choice {
        name: "none",
        label: "該当なし",
    },
    Choice {
        name: "internet_only_function",
        label: "業務に必要な機能がインターネットクラウドのみで提供されている",
    },
    Choice {
        name: "limited_sharing_means",
        label: "外部事業者との情報共有・ファイル共有の実現方法が限られる",
    },
];

/// The facts, in the order of the assessment contract. `model` is read from `service.model`.
pub const FACTS: &[FactDef] = &[
    FactDef {
        name: "classification",
        label: "取り扱う情報の機密性",
        kind: FactKind::Choice(CLASSIFICATIONS),
        default: None,
        required: true,
        only_with: None,
    },
    FactDef {
        name: "model",
        label: "サービス形態",
        kind: FactKind::Choice(MODELS),
        default: Some(0),
        required: false,
        only_with: None,
    },
    flag("government_cloud", "ガバメントクラウドを利用する"),
    flag(
        "direct_internet_access",
        "庁内通信回線を経由せずインターネットから直接利用する",
    ),
    flag("uses_generative_ai", "生成AIを利用したサービスである"),
    flag(
        "business_outsourcing",
        "業務委託サービス提供事業者が提供する",
    ),
    FactDef {
        name: "connection",
        label: "接続方式",
        kind: FactKind::Choice(CONNECTIONS),
        default: None,
        required: false,
        only_with: None,
    },
    FactDef {
        name: "breakout_configuration",
        label: "ローカルブレイクアウトの利用構成",
        kind: FactKind::Choice(BREAKOUT_CONFIGURATIONS),
        default: None,
        required: false,
        only_with: Some(OnlyWith {
            fact: "connection",
            values: &["local_breakout"],
        }),
    },
    FactDef {
        name: "internet_pc_ground",
        label: "インターネットパソコン方式の例外事由",
        kind: FactKind::Choice(INTERNET_PC_GROUNDS),
        default: Some(0),
        required: false,
        only_with: Some(OnlyWith {
            fact: "connection",
            values: &["internet_pc"],
        }),
    },
    FactDef {
        only_with: Some(OnlyWith {
            fact: "connection",
            values: &["internet_pc"],
        }),
        ..flag(
            "internet_virtual_pc",
            "インターネット仮想パソコンを使用する",
        )
    },
    flag(
        "security_update_service",
        "セキュリティ関連サービス（定義ファイルや IP アドレス・URL リスト等の更新配信のみ）である",
    ),
    flag("handles_my_number", "特定個人情報（マイナンバー）を含む"),
    flag(
        "citizen_service_critical",
        "停止すると市民サービスに多大な影響を与える",
    ),
    flag("uses_external_media", "外部記憶媒体を利用する"),
    flag("links_other_services", "他サービスと連携する機能がある"),
    // Not in the contract's list; an optional extension for 002 4(3) ("アプリケーションを変更する場合"):
    // true says the circumstance arises, so 4(3) cannot be answered 対象外.
    flag("application_changes", "アプリケーション自体を変更する"),
];

const fn flag(name: &'static str, label: &'static str) -> FactDef {
    FactDef {
        name,
        label,
        kind: FactKind::Flag,
        default: Some(0),
        required: false,
        only_with: None,
    }
}

/// Number of facts; the size of [`Facts`]' value array.
pub const FACT_COUNT: usize = FACTS.len();

/// Index of the fact called `name`.
pub fn fact_id(name: &str) -> Option<FactId> {
    FACTS.iter().position(|f| f.name == name)
}

/// Index of `classification` in [`FACTS`]; fixed by the table above.
pub const CLASSIFICATION: FactId = 0;
/// Index of `model` in [`FACTS`].
pub const MODEL: FactId = 1;

/// Certifications a service or its platform may hold (`facts.certifications`).
pub const CERTIFICATIONS: &[Choice] = &[
    Choice {
        name: "ismap",
        label: "ISMAP クラウドサービスリスト登録",
    },
    Choice {
        name: "ismap_liu",
        label: "ISMAP-LIU クラウドサービスリスト登録",
    },
    Choice {
        name: "aspic",
        label: "ASPIC クラウドサービス情報開示認定",
    },
    Choice {
        name: "lgwan_asp",
        label: "LGWAN-ASP",
    },
    Choice {
        name: "asp_iso27001",
        label: "アプリケーション提供事業者の ISO/IEC 27001 認証",
    },
    Choice {
        name: "asp_pmark",
        label: "アプリケーション提供事業者のプライバシーマーク",
    },
    Choice {
        name: "csp_ismap",
        label: "ISMAP 登録サービス上に構築",
    },
    Choice {
        name: "csp_iso27001",
        label: "クラウドサービスプロバイダーの ISO/IEC 27001 認証",
    },
    Choice {
        name: "csp_iso27017",
        label: "クラウドサービスプロバイダーの ISO/IEC 27017 認証",
    },
    Choice {
        name: "csp_iso27018",
        label: "クラウドサービスプロバイダーの ISO/IEC 27018 認証",
    },
    Choice {
        name: "csp_pci_dss",
        label: "クラウドサービスプロバイダーの PCI DSS 準拠",
    },
    Choice {
        name: "csp_pmark",
        label: "クラウドサービスプロバイダーのプライバシーマーク",
    },
    Choice {
        name: "soc2",
        label: "SOC 報告書",
    },
];

/// A set of certifications, one bit per entry of [`CERTIFICATIONS`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CertSet(u16);

impl CertSet {
    pub const EMPTY: CertSet = CertSet(0);

    /// The set holding the certification called `name`, if it exists.
    pub fn named(name: &str) -> Option<CertSet> {
        CERTIFICATIONS
            .iter()
            .position(|c| c.name == name)
            .map(|i| CertSet(1 << i))
    }

    pub fn with(self, other: CertSet) -> CertSet {
        CertSet(self.0 | other.0)
    }

    pub fn intersects(self, other: CertSet) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The certifications in the set, in registry order.
    pub fn iter(self) -> impl Iterator<Item = &'static Choice> {
        CERTIFICATIONS
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, c)| c)
    }

    /// Builds a set from raw bits; bits beyond the registry are dropped.
    pub fn from_bits(bits: u16) -> CertSet {
        CertSet(bits & ((1 << CERTIFICATIONS.len()) - 1))
    }
}

/// The value of every fact for one assessment.
///
/// Values are stored as indexes into each fact's choices (`0`/`1` for flags), `UNSET` where a
/// fact without a default was not given. Compact and `Copy`, so judging allocates nothing for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Facts {
    values: [u8; FACT_COUNT],
    certifications: CertSet,
}

/// Stored value of a fact that was not given and has no default.
pub const UNSET: u8 = u8::MAX;

impl Facts {
    /// Every fact at its default, with the given classification (an index into
    /// [`CLASSIFICATIONS`]).
    pub fn with_classification(classification: u8) -> Facts {
        let mut values = [UNSET; FACT_COUNT];
        for (value, def) in values.iter_mut().zip(FACTS) {
            *value = def.default.unwrap_or(UNSET);
        }
        values[CLASSIFICATION] = classification;
        Facts {
            values,
            certifications: CertSet::EMPTY,
        }
    }

    /// The stored value of a fact: a choice index, or [`UNSET`].
    pub fn value(&self, id: FactId) -> u8 {
        self.values.get(id).copied().unwrap_or(UNSET)
    }

    /// Sets a fact; an index beyond the fact's choices is stored as [`UNSET`].
    pub fn set(&mut self, id: FactId, value: u8) {
        let Some(def) = FACTS.get(id) else { return };
        let valid = usize::from(value) < def.choices().len();
        if let Some(slot) = self.values.get_mut(id) {
            *slot = if valid { value } else { UNSET };
        }
    }

    pub fn flag(&self, id: FactId) -> bool {
        self.value(id) == 1
    }

    pub fn certifications(&self) -> CertSet {
        self.certifications
    }

    pub fn set_certifications(&mut self, certifications: CertSet) {
        self.certifications = certifications;
    }

    /// The classification's name (`"2"`, `"3B"`, ...).
    pub fn classification_name(&self) -> &'static str {
        CLASSIFICATIONS
            .get(usize::from(self.value(CLASSIFICATION)))
            .map_or("?", |c| c.name)
    }

    /// The value of a fact as written in assessment files, `None` when unset.
    pub fn value_name(&self, id: FactId) -> Option<&'static str> {
        let def = FACTS.get(id)?;
        def.choices()
            .get(usize::from(self.value(id)))
            .map(|c| c.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_indexes_name_the_right_facts() {
        assert_eq!(FACTS[CLASSIFICATION].name, "classification");
        assert_eq!(FACTS[MODEL].name, "model");
    }

    #[test]
    fn fact_names_are_unique() {
        for (i, a) in FACTS.iter().enumerate() {
            for b in &FACTS[i + 1..] {
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn choices_fit_the_condition_bitmask() {
        // Conditions keep allowed values in a u16 with one bit reserved for "unset".
        for def in FACTS {
            assert!(
                def.choices().len() < 15,
                "{} has too many choices",
                def.name
            );
        }
        assert!(CERTIFICATIONS.len() <= 16);
    }

    #[test]
    fn defaults_apply_and_unset_values_stay_unset() {
        let facts = Facts::with_classification(3);
        assert_eq!(facts.classification_name(), "3A");
        assert_eq!(facts.value_name(MODEL), Some("saas"));
        let connection = fact_id("connection").unwrap();
        assert_eq!(facts.value(connection), UNSET);
        assert_eq!(facts.value_name(connection), None);
        assert!(!facts.flag(fact_id("government_cloud").unwrap()));
    }

    #[test]
    fn out_of_range_values_are_stored_as_unset() {
        let mut facts = Facts::with_classification(0);
        facts.set(MODEL, 200);
        assert_eq!(facts.value(MODEL), UNSET);
    }

    #[test]
    fn cert_sets_combine_and_list_in_registry_order() {
        let set = CertSet::named("soc2")
            .unwrap()
            .with(CertSet::named("ismap").unwrap());
        let names: Vec<_> = set.iter().map(|c| c.name).collect();
        assert_eq!(names, ["ismap", "soc2"]);
        assert!(set.intersects(CertSet::named("ismap").unwrap()));
        assert!(!set.intersects(CertSet::named("aspic").unwrap()));
        assert_eq!(CertSet::named("nope"), None);
    }
}
