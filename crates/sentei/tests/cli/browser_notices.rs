//! Issue #11, item 4, in a real browser against `sentei serve --demo`: an application is
//! submitted and the approver's header shows one more unread notification; the list shows it
//! with a way to its page; opening it, and marking another read, lower the count. The approver
//! returns the application, and the applicant is told (差し戻し) with the reason.

use fantoccini::Locator;

use crate::browser::{Journey, launch};

const RETURN: &str = "利用者の範囲を、課の名前で具体的に書いてください";

/// The notification articles on the page whose title holds `title`.
fn article(title: &str) -> String {
    format!("//article[contains(@class, 'notification')][.//h3[contains(., '{title}')]]")
}

/// Presses the button labelled `label` inside the first article whose title holds `title`.
async fn press_in(j: &Journey, title: &str, label: &str) {
    let xpath = format!("{}//button[normalize-space(.)='{label}']", article(title));
    j.find(Locator::XPath(&xpath)).await.click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_reaches_the_approver_and_its_return_the_applicant_in_a_browser() {
    let Some(browser) = launch().await else {
        return;
    };
    let j = &browser.j;

    // What the approver has unread before.
    j.sign_in("demo-approver").await;
    let before = j.unread().await;
    j.sign_out().await;

    // The applicant applies for a service the approver has answered 協議済.
    j.sign_in("demo-applicant2").await;
    j.open("/applications?status=consulted").await;
    j.click("main table a[href^='/applications/']").await;
    j.status_is("協議済").await;
    let application = j.url().await.split('?').next().unwrap().to_owned();
    let service = j
        .css("dl.facts a[href^='/services/']")
        .await
        .text()
        .await
        .unwrap();
    j.press("利用申請する").await;
    j.status_is("申請中").await;
    j.sign_out().await;

    // The approver's header counts it; the list shows it, unread, with what to do.
    j.sign_in("demo-approver").await;
    assert_eq!(j.unread().await, before + 1);
    j.click("a.notices").await;
    let submitted = format!("「{service}」の利用申請が申請されました");
    j.see(&submitted).await;
    let shown = j
        .find(Locator::XPath(&article(&submitted)))
        .await
        .text()
        .await
        .unwrap();
    assert!(shown.contains("未読"), "{shown}");
    assert!(shown.contains("審査してください"), "{shown}");
    j.shot("notices-1-approver").await;

    // Opening it leads to the application and marks it read.
    press_in(j, &submitted, "開く").await;
    j.status_is("申請中").await;
    assert_eq!(j.url().await.split('?').next().unwrap(), application);
    assert_eq!(j.unread().await, before);

    // Marking another one read lowers the count again.
    if before > 0 {
        j.open("/notifications?unread=1").await;
        let xpath =
            "//article[contains(@class, 'notification')]//button[normalize-space(.)='既読にする']";
        j.find(Locator::XPath(xpath)).await.click().await.unwrap();
        j.url_has("/notifications?done=read").await;
        assert_eq!(j.unread().await, before - 1);
    }

    // The approver returns it with a reason.
    j.client.goto(&application).await.unwrap();
    j.type_into("#comment", RETURN).await;
    j.press("差し戻す").await;
    j.status_is("下書き").await;
    j.sign_out().await;

    // The applicant is told, with the reason.
    j.sign_in("demo-applicant2").await;
    assert!(j.unread().await >= 1);
    j.open("/notifications?unread=1").await;
    let returned = format!("「{service}」の利用申請が差し戻されました");
    j.see(&returned).await;
    let shown = j
        .find(Locator::XPath(&article(&returned)))
        .await
        .text()
        .await
        .unwrap();
    assert!(shown.contains("差し戻された申請"), "{shown}");
    assert!(shown.contains(RETURN), "{shown}");
    j.shot("notices-2-returned").await;
    press_in(j, &returned, "開く").await;
    j.status_is("下書き").await;
    browser.j.client.close().await.unwrap();
}
