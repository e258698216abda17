//! Issue #11, items 5 and 7, in a real browser against `sentei serve --demo`: an applicant is
//! signed in and using the pages when the administrator deactivates them; their very next page
//! is the sign-in page, and signing in again is refused. The auditor then finds the
//! deactivation and the refused sign-in with the audit page's filters, each with what changed
//! in words.

use crate::browser::launch;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_user_is_signed_out_at_once_and_the_auditor_finds_it() {
    let Some(browser) = launch().await else {
        return;
    };
    let j = &browser.j;

    // The applicant is signed in and working.
    j.sign_in("demo-applicant2").await;
    j.open("/services").await;
    j.see("サービス").await;
    j.open("/applications").await;
    j.see("利用申請").await;
    let applicants = j.client.get_named_cookie("sentei_session").await.unwrap();

    // Meanwhile the administrator deactivates them (the same browser, another session).
    j.client.delete_cookie("sentei_session").await.unwrap();
    j.sign_in("demo-admin").await;
    j.open("/users").await;
    j.click("a[href='/users/demo-applicant2']").await;
    j.see("ログイン名 demo-applicant2").await;
    j.press("無効にする").await;
    j.see("利用者を無効にしました").await;
    j.see("無効（ログインできません）").await;
    j.shot("people-1-deactivated").await;

    // The applicant's next page is the sign-in page.
    j.client.delete_cookie("sentei_session").await.unwrap();
    j.client.add_cookie(applicants).await.unwrap();
    j.open("/applications").await;
    j.css("form.login").await;
    assert!(j.url().await.contains("/login"), "{}", j.url().await);
    // And signing in again is refused.
    j.type_into("#login", "demo-applicant2").await;
    j.type_into("#password", "sentei-demo-2026").await;
    j.press("ログイン").await;
    j.see("ログイン名またはパスワードが違います").await;

    // The auditor finds both with the filters.
    j.sign_in("demo-auditor").await;
    j.open("/audit").await;
    j.click("#action option[value='user.deactivate']").await;
    j.press("絞り込む").await;
    j.see("1 件（新しい順）").await;
    j.see("ログイン名: demo-applicant2").await;
    j.see("状態: 有効 → 無効").await;
    j.see("管理 五郎").await;
    let csv = j
        .css("#audit-csv")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(csv, "/audit.csv?action=user.deactivate");
    j.shot("people-2-audit-filtered").await;
    j.click("#action option[value='user.sign_in_failed']").await;
    j.press("絞り込む").await;
    j.see("無効にされた利用者です").await;
    j.see("ログインしていない人（接続元 127.0.0.1）").await;
    browser.j.client.close().await.unwrap();
}
