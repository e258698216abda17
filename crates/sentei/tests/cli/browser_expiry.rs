//! Issue #11, item 3, in a real browser against the demo's ledger: entries past their period's
//! end are 期限切れ, counted on the home page, listed first in the expiry view and included in
//! the 30, 60 and 90-day filters; a renewal (更新申請) approved the same way as any application
//! extends the period, and the entry is no longer 期限切れ.

use crate::browser::{Journey, launch};

/// The number on the home page's card that links to `href` (「2 件」).
async fn count_on_home(j: &Journey, href: &str) -> usize {
    j.open("/").await;
    let shown = j
        .css(&format!("a[href='{href}']"))
        .await
        .text()
        .await
        .unwrap();
    shown.trim_end_matches(" 件").trim().parse().unwrap()
}

/// The status column of the ledger page's rows, top to bottom.
async fn statuses(j: &Journey) -> Vec<String> {
    j.css("table.ledger").await;
    let shown = j
        .client
        .execute(
            "return Array.from(document.querySelectorAll('table.ledger tbody tr'))
                .map(r => r.lastElementChild.textContent.trim());",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(shown).unwrap()
}

fn today_in_japan() -> time::Date {
    let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap();
    time::OffsetDateTime::now_utc().to_offset(jst).date()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_entries_come_first_and_a_renewal_ends_their_expiry_in_a_browser() {
    let Some(browser) = launch().await else {
        return;
    };
    let j = &browser.j;
    j.sign_in("demo-applicant").await;
    let expired = count_on_home(j, "/ledger?expiring=expired").await;
    let within_30 = count_on_home(j, "/ledger?expiring=30").await;
    let within_90 = count_on_home(j, "/ledger?expiring=90").await;
    assert!(expired >= 1, "the demo has expired entries");
    assert!(
        within_30 > expired,
        "the 30 days hold the expired and those expiring soon: {within_30}"
    );
    assert!(within_90 >= within_30);
    j.shot("expiry-1-home").await;

    // The expired view: exactly the entries the home page counts, each 期限切れ.
    j.click("a[href='/ledger?expiring=expired']").await;
    let rows = statuses(j).await;
    assert_eq!(rows.len(), expired, "{rows:?}");
    assert!(rows.iter().all(|s| s == "期限切れ"), "{rows:?}");

    // Each filter includes the expired, listed first.
    for (days, count) in [
        ("30", Some(within_30)),
        ("60", None),
        ("90", Some(within_90)),
    ] {
        j.css("#expiring")
            .await
            .select_by_value(days)
            .await
            .unwrap();
        j.press("絞り込む").await;
        j.see("期限切れの）項目を先に").await;
        let rows = statuses(j).await;
        if let Some(count) = count {
            assert_eq!(rows.len(), count, "{days} days: {rows:?}");
        }
        let first = rows.iter().take_while(|s| *s == "期限切れ").count();
        assert_eq!(first, expired, "{days} days: {rows:?}");
        assert!(rows.len() > expired, "{days} days: {rows:?}");
        assert!(rows[expired..].iter().all(|s| s != "期限切れ"));
    }
    j.shot("expiry-2-within-90").await;

    // The applicant renews the first expired entry: a 更新申請 for a year from today.
    j.open("/ledger?expiring=expired").await;
    j.click("table.ledger tbody tr a[href^='/ledger/']").await;
    j.see("利用期間が終わっています").await;
    let entry = j.url().await;
    let new_end = today_in_japan() + time::Duration::days(365);
    j.css("#kind")
        .await
        .select_by_value("renewal")
        .await
        .unwrap();
    j.client
        .execute(
            "document.getElementById('period_end').value = arguments[0];",
            vec![serde_json::json!(new_end.to_string())],
        )
        .await
        .unwrap();
    j.press("下書きを作る").await;
    j.status_is("下書き").await;
    j.see("更新申請").await;
    let application = j.url().await.split('?').next().unwrap().to_owned();
    j.press("利用申請する").await;
    j.status_is("申請中").await;

    // The approver approves it as any application.
    j.switch("demo-approver", &application).await;
    j.press("承認する").await;
    j.press("承認を確定する").await;
    j.status_is("承認済み").await;

    // The entry runs to the new end and is no longer 期限切れ; the home page counts one less.
    j.client.goto(&entry).await.unwrap();
    j.see(&new_end.to_string()).await;
    let text = j.text().await;
    assert!(!text.contains("利用期間が終わっています"), "{text}");
    let state = j.css("dl.facts span[class^='s-']").await.text().await;
    assert_eq!(state.unwrap(), "利用中");
    j.see("更新").await;
    j.shot("expiry-3-renewed").await;
    assert_eq!(
        count_on_home(j, "/ledger?expiring=expired").await,
        expired - 1
    );
    browser.j.client.close().await.unwrap();
}
