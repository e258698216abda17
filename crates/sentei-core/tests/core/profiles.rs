//! The built-in profiles are faithful to their source documents: every item is there, in the
//! document's order, with its text verbatim and its level as written.

use std::path::Path;

use sentei_core::{Profile, builtin_profiles};

fn profile(id: &str) -> Profile {
    builtin_profiles()
        .expect("built-in profiles compile")
        .into_iter()
        .find(|p| p.id == id)
        .expect("the profile is built in")
}

fn source_text(profile: &Profile) -> String {
    let file = profile
        .source
        .file
        .as_deref()
        .expect("each built-in names its source file");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../profiles/sources")
        .join(file);
    std::fs::read_to_string(path).expect("the source text is in the repository")
}

/// Text without whitespace: PDF extraction breaks lines and pages at arbitrary points.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn ids(profile: &Profile) -> Vec<&str> {
    profile.items.iter().map(|i| i.id.as_str()).collect()
}

fn level_of<'a>(profile: &'a Profile, id: &str) -> &'a str {
    let item = profile.item(id).unwrap_or_else(|| panic!("{id} exists"));
    &profile.levels[item.level].name
}

#[test]
fn every_item_text_is_verbatim_from_its_source_document() {
    for profile in builtin_profiles().unwrap() {
        let source = squeeze(&source_text(&profile));
        for item in &profile.items {
            for line in item.text.lines() {
                assert!(
                    source.contains(&squeeze(line)),
                    "{} {}: {line:?} is not in the source text",
                    profile.id,
                    item.id
                );
            }
        }
    }
}

#[test]
fn every_item_has_a_citation_naming_document_and_section() {
    for profile in builtin_profiles().unwrap() {
        for item in &profile.items {
            assert!(
                item.citation.starts_with(&profile.source.document),
                "{}",
                item.citation
            );
            assert!(
                item.citation.len() > profile.source.document.len() + 1,
                "{}",
                item.citation
            );
        }
    }
}

#[test]
fn ward_annex_has_39_items_with_the_documents_levels() {
    let p = profile("ward-annex");
    let expected: Vec<String> = (1..=39).map(|n| n.to_string()).collect();
    assert_eq!(ids(&p), expected);
    let count = |level: &str| {
        p.items
            .iter()
            .filter(|i| p.levels[i.level].name == level)
            .count()
    };
    assert_eq!(
        (count("必須"), count("高"), count("中"), count("低")),
        (17, 18, 3, 1)
    );
    assert_eq!(level_of(&p, "29"), "低");
    assert_eq!(
        p.item("38").unwrap().text,
        "外部サービスの利用終了時に、外部サービスで取り扱った区の全ての情報が外部サービス基盤上から漏えいを来さない方法で確実に削除されること。なお、削除する対象はバックアップ等により複製されたものも含むこと。 これらについて外部サービスの利用終了時に、区に情報の廃棄の実施報告書を提出すること。"
    );
    assert_eq!(
        p.item("2").unwrap().category,
        [
            "外部サービス提供者に係る事項",
            "外部サービス提供者の選定基準",
            "国内リージョンおよびデータの保存"
        ]
    );
}

#[test]
fn city_checklist_has_1_1_to_1_28() {
    let p = profile("city-checklist");
    let expected: Vec<String> = (1..=28).map(|n| format!("1.{n}")).collect();
    assert_eq!(ids(&p), expected);
    assert_eq!(level_of(&p, "1.5"), "必須");
    assert_eq!(level_of(&p, "1.15"), "任意");
    assert_eq!(level_of(&p, "1.28"), "任意");
    assert_eq!(
        p.item("1.12").unwrap().text,
        "サービス上のユーザ所有データ(バックアップデータを含む。)の所在地が日本国内に限定できること。"
    );
    assert_eq!(
        p.item("1.14").unwrap().text,
        "準拠法、裁判管轄を国内に指定できること。"
    );
    // The between-row note in 1.8's cell is a rule, not part of the requirement.
    assert_eq!(
        p.item("1.8").unwrap().text,
        "サーバを提供する組織(CSP)が、ISO/IEC 27001:2013相当の認証を取得していること。"
    );
    assert_eq!(p.rules.len(), 7);
}

#[test]
fn procurement_spec_has_ten_categories_and_66_items() {
    let p = profile("procurement-spec");
    let per_category = [11, 10, 13, 4, 4, 4, 9, 3, 6, 2];
    let mut expected = Vec::new();
    for (c, count) in per_category.iter().enumerate() {
        for n in 1..=*count {
            expected.push(format!("{}({n})", c + 1));
        }
    }
    assert_eq!(ids(&p), expected);
    assert_eq!(level_of(&p, "7(4)"), "任意");
    assert!(
        p.items
            .iter()
            .filter(|i| i.id != "7(4)")
            .all(|i| p.levels[i.level].name == "必須")
    );
    assert_eq!(
        p.item("2(6)").unwrap().text,
        "外部及び内部からの不正アクセスを防止するためにファイアウォールを設置していること。"
    );
    assert_eq!(
        p.item("9(6)").unwrap().text,
        "預託データを他国に保管していないこと。ただし、他国に保管されていても日本の法令の範囲内で運用できる場合には差し支えない。"
    );
}

#[test]
fn shunan_has_twelve_characteristics_and_28_annex_items() {
    let p = profile("shunan-2023");
    let mut expected: Vec<String> = (1..=12).map(|n| format!("risk-{n}")).collect();
    expected.extend((1..=28).map(|n| n.to_string()));
    assert_eq!(ids(&p), expected);
    let levels: Vec<&str> = (1..=28).map(|n| level_of(&p, &n.to_string())).collect();
    assert_eq!(
        levels,
        [
            "推奨", "任意", "任意", "推奨", "推奨", "任意", "任意", "推奨", "必須", "必須", "必須",
            "必須", "必須", "必須", "必須", "任意", "任意", "推奨", "推奨", "必須", "必須", "必須",
            "必須", "必須", "必須", "必須", "必須", "必須"
        ]
    );
    assert_eq!(
        p.item("14").unwrap().text,
        "次期サービスへ移行するためのデータ提供が可能なこと。"
    );
    assert!(
        p.item("risk-10")
            .unwrap()
            .text
            .starts_with("⑩外部サービスの利用開始後であっても")
    );
    assert_eq!(
        p.levels
            .iter()
            .find(|l| l.name == "推奨")
            .unwrap()
            .description
            .split('。')
            .next()
            .unwrap(),
        "満たすべきだが、代替サービスが他にない場合等に満たさないことを許容できる要件"
    );
    assert!(p.extra_citation.as_deref().unwrap().ends_with("6 その他"));
}

#[test]
fn sakai_numbers_items_as_the_document_does() {
    let p = profile("sakai");
    let all = ids(&p);
    assert_eq!(all.len(), 78);
    let with = |prefix: &str| all.iter().filter(|id| id.starts_with(prefix)).count();
    assert_eq!(with("t1-"), 12);
    assert_eq!(with("common-"), 13);
    assert_eq!(with("ipc-"), 22);
    assert_eq!(with("su-"), 3);
    assert_eq!(with("3.1(2)("), 19);
    assert_eq!(with("3.2"), 3);
    assert_eq!(all[..3], ["2(2)", "3.1(1)(ア)", "3.1(1)(イ)"]);
    assert!(
        p.item("t1-1")
            .unwrap()
            .category
            .iter()
            .any(|c| c == "クラウドサービスからファイルダウンロード制限")
    );
    assert_eq!(
        p.item("t1-12").unwrap().text,
        "通信路上の盗聴・改ざんによる被害を最小化するために、暗号技術を用いて通信路上のデータを暗号化する。通信路上のデータ漏えいが発生しても、暗号化により攻撃者にとって無意味なものとする。"
    );
    assert_eq!(
        p.item("common-12").unwrap().text,
        "特定個人番号を含むデータについて本市と外部サービス環境を接続する際、LGWAN回線またはガバメントクラウド専用線を使用すること。"
    );
    assert_eq!(
        p.item("ipc-22").unwrap().text,
        "暗号化機能及びウイルス対策機能を有する外部記録媒体を使用する。"
    );
    assert_eq!(
        p.item("3.1(2)(エ)①").unwrap().text,
        "情報資産は、日本国の法律が及ぶ範囲に設置すること。"
    );
    // Full-width input finds the same item.
    assert_eq!(
        p.item_index("３．１（２）（エ）①"),
        p.item_index("3.1(2)(エ)①")
    );
}

#[test]
fn only_shunan_requires_pre_consultation_and_cites_its_clause() {
    use sentei_core::profile::PreConsultation;
    for p in builtin_profiles().unwrap() {
        let expected = if p.id == "shunan-2023" {
            PreConsultation::Required
        } else {
            PreConsultation::Optional
        };
        assert_eq!(p.pre_consultation, expected, "{}", p.id);
    }
    let shunan = profile("shunan-2023");
    let clause = "事前協議した上で";
    assert!(source_text(&shunan).contains(clause));
    assert_eq!(
        shunan.pre_consultation_citation.as_deref(),
        Some("周南市外部サービス利用基準 5(2)①")
    );
    // A profile that says nothing requires it: the standard workflow.
    let minimal = "id: our-town\nversion: \"1\"\ntitle: t\nsource: { document: 〇〇町基準 }\nlevels: [{ name: 必須, meaning: must }]\nitems: [{ id: \"1\", text: 要件, level: 必須, section: \"1\" }]\n";
    assert_eq!(
        Profile::from_yaml(minimal).unwrap().pre_consultation,
        PreConsultation::Required
    );
}

/// Pages name an item by the document's own number, and by sentei's id only where the
/// document has none (issue 13): the approver reads them beside the source document.
#[test]
fn items_are_numbered_as_their_documents_number_them() {
    let number = |profile_id: &str, item: &str| {
        let profile = profile(profile_id);
        profile.number_of(item)
    };
    assert_eq!(number("city-checklist", "1.3"), "1.3");
    assert_eq!(number("procurement-spec", "7(4)"), "7(4)");
    assert_eq!(number("ward-annex", "9"), "No.9");
    assert_eq!(number("shunan-2023", "5"), "項番5");
    assert_eq!(number("sakai", "3.1(1)(イ)"), "3.1(1)(イ)");
    assert_eq!(
        number("sakai", "t1-4"),
        "3.1(1)(ウ)① 表1「パッチ適用」",
        "the table's row, not sentei's t1-4"
    );
    // Where the profile writes the document's number (`number:`), that number.
    assert_eq!(number("sakai", "common-2"), "別紙1① No.2");
    assert_eq!(number("shunan-2023", "risk-2"), "1(4)②");
    // Three conditions under one proviso: the document gives them no numbers of their own.
    assert_eq!(number("sakai", "su-1"), "3.1(1)(イ) ただし書き（su-1）");
    // An item the profile does not have keeps the id it was given.
    assert_eq!(number("sakai", "extra-1"), "extra-1");
}
