//! Issue #11, item 7, in a real browser against `sentei serve --demo`: the administrator moves a
//! user to another department and someone guesses the CISO's password until made to wait. The
//! auditor finds each with the audit page's filters (who, what, which days), reads what
//! changed in words (「所属: 子育て支援課 → 情報政策課」), downloads the same records as CSV,
//! and sees the failed sign-ins and the one record of the wait they caused.

use crate::browser::{Journey, launch};

const MOVED: &str = "所属: 子育て支援課 → 情報政策課";

fn today_in_japan() -> time::Date {
    let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap();
    time::OffsetDateTime::now_utc().to_offset(jst).date()
}

/// Sets the audit page's filters and applies them.
async fn filter(j: &Journey, actor: &str, action: &str, from: time::Date, to: time::Date) {
    j.open("/audit").await;
    j.css("#actor").await.select_by_value(actor).await.unwrap();
    j.css("#action")
        .await
        .select_by_value(action)
        .await
        .unwrap();
    j.client
        .execute(
            "document.getElementById('from').value = arguments[0];
             document.getElementById('to').value = arguments[1];",
            vec![
                serde_json::json!(from.to_string()),
                serde_json::json!(to.to_string()),
            ],
        )
        .await
        .unwrap();
    j.press("絞り込む").await;
    j.url_has("from=").await;
}

/// The text of the records' table.
async fn records(j: &Journey) -> String {
    j.css("main table").await.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_auditor_filters_reads_and_exports_the_trail_in_a_browser() {
    let Some(browser) = launch().await else {
        return;
    };
    let j = &browser.j;

    // The administrator moves 申込 次郎 to 情報政策課.
    j.sign_in("demo-admin").await;
    j.open("/users/demo-applicant2").await;
    j.type_into("#department", "情報政策課").await;
    j.press("保存する").await;
    j.url_has("done=user").await;
    j.sign_out().await;

    // Someone guesses the CISO's password: five wrong passwords are verified, then the
    // attempts are made to wait, and waiting twice is one record.
    for attempt in 1..=7 {
        j.open("/login").await;
        j.type_into("#login", "demo-ciso").await;
        j.type_into("#password", "wrong-password").await;
        j.press("ログイン").await;
        let expected = if attempt <= 5 {
            "ログイン名またはパスワードが違います"
        } else {
            "少し間をおいていただいています"
        };
        j.see(expected).await;
    }

    j.sign_in("demo-auditor").await;
    let today = today_in_japan();
    let tomorrow = today.next_day().unwrap();

    // Who, what and which days: the move, in words, by the administrator.
    filter(j, "demo-admin", "user.edit", today, today).await;
    j.see("1 件（新しい順）").await;
    let shown = records(j).await;
    assert!(shown.contains(MOVED), "{shown}");
    assert!(shown.contains("管理 五郎"), "{shown}");
    assert!(shown.contains("利用者の情報を変更"), "{shown}");
    j.shot("audit-1-filtered").await;

    // The same records as CSV, for Excel: UTF-8 with a BOM, only what the filters pick.
    let csv = j
        .css("#audit-csv")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(
        csv.contains("actor=demo-admin") && csv.contains("action=user.edit"),
        "{csv}"
    );
    let download = j.fetch(&csv).await;
    assert_eq!(download.status, 200);
    assert!(
        download
            .header("content-disposition")
            .starts_with("attachment"),
        "{:?}",
        download.headers
    );
    let text = String::from_utf8(download.bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a BOM for Excel");
    assert!(text.contains(MOVED), "{text}");
    assert!(text.contains("demo-admin"), "{text}");
    assert!(!text.contains("ログインの失敗"), "{text}");

    // Another range of days holds none of it; a range that ends before it starts is refused.
    filter(j, "demo-admin", "user.edit", tomorrow, tomorrow).await;
    j.see("0 件（新しい順）").await;
    filter(j, "demo-admin", "", tomorrow, today).await;
    j.see("期間の始まり").await;

    // The failed sign-ins, by the address they came from, and the one wait they caused.
    filter(j, "address:127.0.0.1", "user.sign_in_failed", today, today).await;
    j.see("5 件（新しい順）").await;
    let shown = records(j).await;
    assert!(shown.contains("ログイン名: demo-ciso"), "{shown}");
    assert!(shown.contains("パスワードが違います"), "{shown}");
    assert!(!shown.contains("wrong-password"), "{shown}");
    filter(
        j,
        "address:127.0.0.1",
        "user.sign_in_throttled",
        today,
        today,
    )
    .await;
    j.see("1 件（新しい順）").await;
    let shown = records(j).await;
    assert!(shown.contains("ログインの試行を制限"), "{shown}");
    assert!(
        shown.contains("理由: このログイン名へのログインの失敗が続いたため"),
        "{shown}"
    );
    j.shot("audit-2-sign-in-waits").await;
    browser.j.client.close().await.unwrap();
}
