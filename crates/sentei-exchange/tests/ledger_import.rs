//! Ledgers read in: sentei's own exports (CSV in UTF-8 and CP932, .xlsx) come back as they
//! went out; ledgers laid out as departments keep them (a title row, one period column in 和暦,
//! one applicant column, date cells) are read; every unreadable row is named with its reason;
//! hostile and malformed files are refused with a message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use sentei_core::assessment::Catalog;
use sentei_core::ledger::LedgerFields;
use sentei_exchange::ledger_import::{self, LedgerFile};
use sentei_exchange::{ledger_csv, ledger_xlsx};
use sentei_store::LedgerEntryView;
use time::macros::date;

fn catalog() -> Catalog {
    Catalog::new(sentei_core::builtin_profiles().unwrap())
}

fn fields(n: usize) -> LedgerFields {
    LedgerFields {
        service_name: format!("電子申請サービス{n}"),
        provider: "例示株式会社".to_owned(),
        purpose: "住民からの申請受付".to_owned(),
        classification: "機密性2".to_owned(),
        period_start: date!(2026 - 04 - 01),
        period_end: date!(2027 - 03 - 31),
        applicant_department: "市民課".to_owned(),
        applicant_name: "周南 太郎".to_owned(),
        user_scope: "部局内に限る".to_owned(),
    }
}

fn entries() -> Vec<LedgerEntryView> {
    (1..=3)
        .map(|n| {
            let mut f = fields(n);
            if n == 2 {
                // A cell a spreadsheet would run: exported with an apostrophe, read back as typed.
                f.purpose = "=HYPERLINK(\"http://example.invalid\")".to_owned();
                f.classification = "機密性3A".to_owned();
            }
            LedgerEntryView {
                id: i64::try_from(n).unwrap(),
                application_id: Some(10),
                version: 1,
                abolished: n == 3,
                fields: f,
                profile_id: "shunan-2023".to_owned(),
                profile_version: "1".to_owned(),
                verdict: "approvable".to_owned(),
                updated_at: time::OffsetDateTime::UNIX_EPOCH,
            }
        })
        .collect()
}

fn read(name: &str, bytes: &[u8]) -> LedgerFile {
    ledger_import::read(name, bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn refused(name: &str, bytes: &[u8]) -> String {
    ledger_import::read(name, bytes).unwrap_err().to_string()
}

fn assert_same_as_exported(file: &LedgerFile) {
    let expected = entries();
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert_eq!(file.rows.len(), expected.len());
    for (row, entry) in file.rows.iter().zip(&expected) {
        assert_eq!(row.fields, entry.fields);
        assert_eq!(row.abolished, entry.abolished);
    }
}

/// A day after every entry's period: each is exported as 期限切れ, still in use.
const LONG_AFTER: time::Date = time::macros::date!(2099 - 01 - 01);

#[test]
fn our_own_csv_export_reads_back_exactly_in_utf8_and_cp932() {
    let csv = ledger_csv::write(&entries(), LONG_AFTER, &catalog()).unwrap();
    assert!(csv.contains(",期限切れ,"), "{csv}");
    let file = read("台帳.csv", csv.as_bytes());
    assert_same_as_exported(&file);
    assert_eq!(file.rows[0].place, "2行目");
    let (cp932, _) = ledger_csv::to_cp932(&csv);
    assert!(std::str::from_utf8(&cp932).is_err(), "really Shift_JIS");
    assert_same_as_exported(&read("台帳.csv", &cp932));
    let unread: Vec<&str> = file
        .columns
        .iter()
        .filter(|c| c.read_as.is_err())
        .map(|c| c.heading.as_str())
        .collect();
    assert_eq!(unread, ["台帳番号", "版", "基準", "判定"]);
}

#[test]
fn our_own_xlsx_export_reads_back_exactly() {
    let bytes = ledger_xlsx::write(&entries(), LONG_AFTER, &catalog()).unwrap();
    let file = read("台帳.xlsx", &bytes);
    assert_same_as_exported(&file);
    assert_eq!(file.rows[1].place, "外部サービス利用台帳 3行目");
}

/// A ledger as a department keeps it: a title and a blank row above the headings, the period
/// in one column in 和暦, applicant department and name in one column, full-width digits.
const DEPARTMENT_CSV: &str = "\
外部サービス利用台帳（令和８年度）,,,,,,,
,,,,,,,
No.,サービス名,事業者名,利用目的,情報の格付,利用期間,利用申請者,利用者の範囲
1,Ｗｅｂ会議システム,例示通信株式会社,庁内会議,２,令和８年４月１日～令和９年３月３１日,総務課　山田 花子,全庁
2,電子申請,例示株式会社,申請受付,機密性3a,R8.4.1-R9.3.31,市民課 周南太郎,部局内

3,日程調整,例示合同会社,日程調整,機密性1,2026/4/1から2027/3/31まで,企画課 佐藤一郎,課内
";

#[test]
fn a_department_ledger_with_a_title_one_period_column_and_wareki_is_read() {
    let file = read("部署の台帳.csv", DEPARTMENT_CSV.as_bytes());
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    let got: Vec<_> = file
        .rows
        .iter()
        .map(|r| {
            (
                r.place.as_str(),
                r.fields.service_name.as_str(),
                r.fields.classification.as_str(),
                r.fields.period_start,
                r.fields.period_end,
                r.fields.applicant_department.as_str(),
                r.fields.applicant_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "4行目",
                "Ｗｅｂ会議システム",
                "機密性2",
                date!(2026 - 04 - 01),
                date!(2027 - 03 - 31),
                "総務課",
                "山田 花子"
            ),
            (
                "5行目",
                "電子申請",
                "機密性3A",
                date!(2026 - 04 - 01),
                date!(2027 - 03 - 31),
                "市民課",
                "周南太郎"
            ),
            (
                "7行目",
                "日程調整",
                "機密性1",
                date!(2026 - 04 - 01),
                date!(2027 - 03 - 31),
                "企画課",
                "佐藤一郎"
            ),
        ]
    );
    // Saved on Windows: CR LF line ends give the same rows.
    let crlf = read(
        "部署の台帳.csv",
        DEPARTMENT_CSV.replace('\n', "\r\n").as_bytes(),
    );
    assert_eq!(crlf.rows, file.rows);
    let no = &file.columns[0];
    assert_eq!(
        (no.place.as_str(), no.heading.as_str()),
        ("3行目 A列", "No.")
    );
    assert!(no.read_as.is_err());
    assert_eq!(file.columns[5].read_as, Ok("(オ) 利用期間"));
}

#[test]
fn every_unreadable_row_is_named_with_its_reasons_and_the_good_rows_still_listed() {
    let text = "\
サービス名,事業者名,利用目的,格付,利用開始日,利用終了日,所属,氏名,利用者の範囲,状態
良い行,A社,目的,2,2026/4/1,2027/3/31,市民課,周南太郎,課内,利用中
日付が違う,B社,目的,2,令和8年2月30日,2027/3/31,市民課,周南太郎,課内,
和暦の範囲外,C社,目的,2,2026/4/1,平成31年5月1日,市民課,周南太郎,課内,
空の目的,D社,,2,2026/4/1,2027/3/31,市民課,周南太郎,課内,
逆の期間,E社,目的,2,2027/4/1,2026/3/31,市民課,周南太郎,課内,
状態が不明,F社,目的,2,2026/4/1,2027/3/31,市民課,周南太郎,課内,休止
良い行,A社,目的,2,2026/4/1,2027/3/31,市民課,周南太郎,課内,利用中
廃止した,G社,目的,2,2020/4/1,2021/3/31,市民課,周南太郎,課内,廃止
";
    let file = read("台帳.csv", text.as_bytes());
    let names: Vec<_> = file
        .rows
        .iter()
        .map(|r| (r.fields.service_name.as_str(), r.abolished))
        .collect();
    assert_eq!(names, [("良い行", false), ("廃止した", true)]);
    let problems: Vec<String> = file.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "3行目 E列: (オ) 利用期間（開始）: 令和8年2月30日という日はありません".to_owned(),
            "4行目 F列: (オ) 利用期間（終了）: 平成31年5月1日は平成の期間にありません".to_owned(),
            "5行目: (ウ) 利用目的が空です".to_owned(),
            "6行目: (オ) 利用期間の終了日（2026-03-31）が開始日（2027-04-01）より前です".to_owned(),
            "7行目 J列: 状態「休止」は「利用中」か「廃止」にしてください".to_owned(),
            "8行目: 2行目 と同じ項目です（名称・提供者・開始日・所属が同じ）".to_owned(),
        ]
    );
}

#[test]
fn a_workbook_with_date_cells_a_title_and_another_sheet_first_is_read() {
    let mut workbook = Workbook::new();
    workbook.add_worksheet().set_name("説明").unwrap();
    let sheet = workbook.add_worksheet();
    sheet.set_name("利用台帳").unwrap();
    let date_format = Format::new().set_num_format("ggge\"年\"m\"月\"d\"日\"");
    sheet.write_string(0, 0, "外部サービス利用台帳").unwrap();
    let headings = [
        "(ア) 外部サービスの名称",
        "(イ) 外部サービス提供者の名称",
        "(ウ) 利用目的（業務内容）",
        "(エ) 取り扱う情報の格付",
        "(オ) 利用期間（開始）",
        "(オ) 利用期間（終了）",
        "(カ) 利用申請者（所属）",
        "(カ) 利用申請者（氏名）",
        "(キ) 利用者の範囲",
    ];
    for (col, h) in headings.iter().enumerate() {
        sheet
            .write_string(2, u16::try_from(col).unwrap(), *h)
            .unwrap();
    }
    let texts = ["チャット", "例示株式会社", "連絡", "機密性2"];
    for row in [3u32, 4] {
        for (col, t) in texts.iter().enumerate() {
            sheet
                .write_string(row, u16::try_from(col).unwrap(), *t)
                .unwrap();
        }
        for (col, t) in ["情報政策課", "周南 次郎", "全庁"].iter().enumerate() {
            sheet
                .write_string(row, u16::try_from(col + 6).unwrap(), *t)
                .unwrap();
        }
    }
    let start = ExcelDateTime::from_ymd(2026, 4, 1).unwrap();
    let end = ExcelDateTime::from_ymd(2027, 3, 31).unwrap();
    sheet
        .write_datetime_with_format(3, 4, &start, &date_format)
        .unwrap();
    sheet
        .write_datetime_with_format(3, 5, &end, &date_format)
        .unwrap();
    // Row 5: a formula whose cached value is an error: reported, never evaluated.
    sheet.write_string(4, 0, "別のチャット").unwrap();
    sheet.write_string(4, 4, "令和8年4月1日").unwrap();
    sheet
        .write_formula(4, 5, Formula::new("=1/0").set_result("#DIV/0!"))
        .unwrap();
    let file = read("台帳.xlsx", &workbook.save_to_buffer().unwrap());
    assert_eq!(file.rows.len(), 1, "{:?}", file.problems);
    assert_eq!(file.rows[0].place, "利用台帳 4行目");
    assert_eq!(file.rows[0].fields.period_start, date!(2026 - 04 - 01));
    assert_eq!(file.rows[0].fields.period_end, date!(2027 - 03 - 31));
    let problems: Vec<String> = file.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("利用台帳!F5: セルがエラー値（"),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("利用台帳!F5: (オ) 利用期間（終了）: 日付がありません"),
        "{problems:?}"
    );
}

#[test]
fn files_that_are_not_a_ledger_are_refused_with_the_reason() {
    assert!(
        refused("メモ.csv", "メモ,日付\n会議,4/1\n".as_bytes())
            .contains("見出しの行が見つかりません")
    );
    let missing = refused("台帳.csv", "サービス名,事業者,目的\nA,B,C\n".as_bytes());
    assert!(
        missing.starts_with("1行目: 見出しに次の項目にあたる列がありません: (エ) 取り扱う情報の格付、(オ) 利用期間、(カ) 利用申請者、(キ) 利用者の範囲"),
        "{missing}"
    );
    let headings_only = ledger_csv::headings().join(",");
    assert!(
        refused("台帳.csv", headings_only.as_bytes())
            .contains("見出しの下に台帳の項目がありません")
    );
    assert!(
        refused("台帳.xls", &[0xD0, 0xCF, 0x11, 0xE0, 0, 0]).contains("古い Excel 形式（.xls）")
    );
    assert!(
        refused("台帳.csv", &[0x82, 0xA0, 0xFF, 0xFF, 0x80]).contains("文字コードを判別できません")
    );
}

#[test]
fn hostile_and_malformed_files_are_refused_before_they_cost_anything() {
    let bytes = ledger_xlsx::write(&entries(), LONG_AFTER, &catalog()).unwrap();
    assert!(refused("台帳.xlsx", &bytes[..bytes.len() / 2]).contains("途中で切れています"));
    let huge = vec![b'a'; ledger_import::MAX_FILE_BYTES + 1];
    assert!(refused("台帳.csv", &huge).contains("大きすぎます"));
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "サービス名").unwrap();
    sheet.write_string(1_048_575, 0, "最後の行").unwrap();
    let message = refused("台帳.xlsx", &workbook.save_to_buffer().unwrap());
    assert!(
        message.contains("Sheet1!A20001: シートが大きすぎます"),
        "{message}"
    );
    let wide = format!("{}\n", vec!["x"; 65].join(","));
    assert!(refused("台帳.csv", wide.as_bytes()).contains("列が多すぎます"));
    let many = format!(
        "{}\n{}",
        ledger_csv::headings().join(","),
        "x\n".repeat(20_000)
    );
    assert!(refused("台帳.csv", many.as_bytes()).contains("行が多すぎます"));
}

/// The fuzzer's seed ledgers (fuzz/seeds/ledger_import) are real ledgers: each encoding and
/// separator gives the same entries.
#[test]
fn the_seed_ledgers_read_the_same_in_every_encoding() {
    let seed = |name: &str| {
        let path = format!(
            "{}/../../fuzz/seeds/ledger_import/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        read(name, &std::fs::read(path).unwrap())
    };
    let department = seed("department.csv");
    assert!(department.problems.is_empty(), "{:?}", department.problems);
    assert_eq!(department.rows.len(), 3);
    assert_eq!(department.rows[2].fields.purpose, "日程\n調整");
    assert_eq!(department.rows[2].place, "7行目");
    assert_eq!(seed("department-cp932.csv").rows, department.rows);

    let exported = seed("exported.csv");
    assert!(exported.problems.is_empty(), "{:?}", exported.problems);
    let states: Vec<_> = exported.rows.iter().map(|r| r.abolished).collect();
    assert_eq!(states, [false, true]);
    assert_eq!(exported.rows[0].fields.purpose, "=HYPERLINK(\"x\")");
    assert_eq!(exported.rows[1].fields.period_start, date!(2019 - 04 - 01));
    assert_eq!(seed("tabs-utf16.txt").rows, exported.rows);
}

/// The workbook on which fuzzing found calamine's overflow (tests/sheet/found): the ledger
/// reader contains it too and answers with an error.
#[test]
fn a_workbook_that_makes_calamine_overflow_is_an_error_not_a_crash() {
    let path = format!(
        "{}/tests/sheet/found/dimension-end-before-start.xlsx",
        env!("CARGO_MANIFEST_DIR")
    );
    let result = ledger_import::read("台帳.xlsx", &std::fs::read(path).unwrap());
    assert!(result.is_err(), "{result:?}");
}

#[test]
fn issue_12_a_ledger_cell_taken_from_another_workbook_makes_its_row_unreadable() {
    // Finding 16: the period's end was linked to a department's own file.
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("台帳").unwrap();
    let headings = [
        "(ア) 外部サービスの名称",
        "(イ) 外部サービス提供者の名称",
        "(ウ) 利用目的",
        "(エ) 格付",
        "利用開始日",
        "利用終了日",
        "担当課",
        "氏名",
        "利用者の範囲",
    ];
    for (col, h) in headings.iter().enumerate() {
        sheet
            .write_string(0, u16::try_from(col).unwrap(), *h)
            .unwrap();
    }
    let row = [
        "チャット",
        "例示株式会社",
        "連絡",
        "機密性2",
        "2026-04-01",
        "2027-03-31",
        "情報政策課",
        "周南 次郎",
        "全庁",
    ];
    for r in [1u32, 2] {
        for (col, t) in row.iter().enumerate() {
            sheet
                .write_string(r, u16::try_from(col).unwrap(), *t)
                .unwrap();
        }
    }
    sheet.write_string(2, 0, "別のチャット").unwrap();
    sheet
        .write_formula(
            2,
            5,
            Formula::new("='[1]部署の台帳'!F9").set_result("2027-03-31"),
        )
        .unwrap();
    let file = read("台帳.xlsx", &workbook.save_to_buffer().unwrap());
    assert_eq!(file.rows.len(), 1, "{:?}", file.problems);
    let problems: Vec<String> = file.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "台帳!F3: 数式がほかのブックを参照しています（='[1]部署の台帳'!F9）。参照先の値は確かめられないため読み込みません。値を直接入力して保存し直してください"
        ]
    );
}
