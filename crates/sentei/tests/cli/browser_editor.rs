//! The editor of a long check sheet and the printed record, in a real browser against
//! `sentei serve --demo` (issue 13, items 2 and 6): the applicant narrows the rows with the
//! filters, answers the rest with 「残りをすべて満たすにする」 after confirming, and the
//! approver prints the record of the demo's conditional application (堺市, 78 items) to an A4
//! PDF whose first page is the summary with the 決裁欄.
//!
//! Screenshots at 1400 px and at phone width (390 px) are kept in `target/screenshots/`.

use std::process::Command;

use crate::browser::{Journey, launch};

/// A desktop and a phone held upright.
const WIDTHS: [(u32, &str); 2] = [(1400, "-1400"), (390, "-390")];

/// The demo's draft assessment of 外部サービス選定基準 (000), of 市民課: 34 items unanswered.
const DRAFT_ASSESSMENT: &str = "/assessments/5";
/// The demo's application approved with both acceptances (堺市, 3B, 78 items).
const CONDITIONAL_APPLICATION: &str = "/applications/2";

/// Saves the window at each width, checking nothing runs off its side.
async fn shots(j: &Journey, name: &str) {
    for (width, suffix) in WIDTHS {
        j.client.set_window_size(width, 1000).await.unwrap();
        let overflow = j
            .client
            .execute(
                "const d = document.documentElement; return d.scrollWidth - d.clientWidth;",
                vec![],
            )
            .await
            .unwrap();
        let file = j.shots.join(format!("{name}{suffix}.png"));
        std::fs::write(&file, j.client.screenshot().await.unwrap()).unwrap();
        assert_eq!(
            overflow.as_i64(),
            Some(0),
            "wider than {width} px: {}",
            file.display()
        );
    }
    j.client.set_window_size(1400, 1000).await.unwrap();
}

/// The rows of the editor a person sees now.
async fn visible_rows(j: &Journey) -> i64 {
    j.client
        .execute(
            "return Array.from(document.querySelectorAll('fieldset.item')).filter(r => !r.hidden && r.offsetParent !== null).length;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap()
}

/// The count in the verdict box: 「未回答 N 件」, 0 when it is not shown.
async fn remaining(j: &Journey) -> i64 {
    let verdict = j.css("#verdict").await.text().await.unwrap();
    verdict
        .split("未回答 ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .map_or(0, |n| n.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_filters_and_fills_the_rest_and_the_record_prints_in_a_few_pages() {
    let Some(browser) = launch().await else {
        return;
    };
    let j = &browser.j;
    j.client.set_window_size(1400, 1000).await.unwrap();

    j.sign_in("demo-applicant").await;
    j.open(DRAFT_ASSESSMENT).await;
    j.see("項目（39 件）").await;
    let all = visible_rows(j).await;
    let unanswered = remaining(j).await;
    assert!(unanswered > 0 && unanswered < all, "{unanswered} of {all}");
    shots(j, "7-editor").await;

    // 未回答だけ: exactly the unanswered rows, at once, without a page load.
    j.click("input[data-filter='unanswered']").await;
    assert_eq!(visible_rows(j).await, unanswered);
    j.see(&format!("{unanswered} 件を表示しています（全 {all} 件）"))
        .await;
    shots(j, "7-editor-unanswered").await;
    j.click("input[data-filter='unanswered']").await;
    assert_eq!(visible_rows(j).await, all);

    // A link in the verdict takes the reader to its row.
    j.click("#verdict a[href^='#item-']").await;
    assert!(j.url().await.contains("#item-"));

    // 残りをすべて満たすにする asks first; declining changes nothing.
    j.click("button[formaction$='/fill']").await;
    j.client.dismiss_alert().await.unwrap();
    assert_eq!(remaining(j).await, unanswered);
    j.click("button[formaction$='/fill']").await;
    j.client.accept_alert().await.unwrap();
    j.see("「満たす（一括）」にして保存しました").await;
    assert_eq!(remaining(j).await, 0);
    let filled = j
        .client
        .execute(
            "return document.querySelectorAll('input[value=\"bulk\"]:checked').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(filled.as_i64(), Some(unanswered));
    j.click("input[data-filter='unanswered']").await;
    assert_eq!(visible_rows(j).await, 0);
    shots(j, "7-editor-filled").await;
    j.sign_out().await;

    // The approver prints the record of the conditional application.
    j.sign_in("demo-approver").await;
    j.open(&format!("{CONDITIONAL_APPLICATION}/report")).await;
    j.see("決裁欄").await;
    shots(j, "8-record").await;
    let pdf = j
        .client
        .print(
            fantoccini::wd::PrintConfiguration::builder()
                .size(fantoccini::wd::PrintSize::A4)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let file = j.shots.join("8-record.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let info = Command::new("pdfinfo").arg(&file).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // A summary page, the history, then 48 applicable items of verbatim requirement text and
    // one line per reason for the 30 that do not apply: a few pages, not one page per item.
    assert!(
        (3..=7).contains(&pages),
        "{pages} pages: {}",
        file.display()
    );
    let first = Command::new("pdftotext")
        .args(["-f", "1", "-l", "1", "-layout"])
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let first = String::from_utf8_lossy(&first.stdout);
    for summary in [
        "外部サービス利用判断の記録",
        "決裁欄",
        "起案",
        "審査",
        "承認",
        "統括情報セキュリティ責任者",
        "堺市クラウドサービス利用判断基準 第2版",
        "判定: 条件付きで承認可能",
        "項目 78 件",
        "例外の承認",
    ] {
        assert!(first.contains(summary), "{summary} not on page 1:\n{first}");
    }
    // The item table starts on a page of its own.
    assert!(!first.contains("適用される項目"), "{first}");
    browser.j.client.close().await.unwrap();
}
