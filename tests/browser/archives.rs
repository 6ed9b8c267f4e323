//! The dashboard's archives: staff archive a sale that is over from its
//! card; it leaves the board and appears among the archives with its
//! figures, and this year's line counts it.

use serde_json::json;
use ticketgrab::domain::Millis;

use crate::webdriver::Browser;
use crate::{WAIT, shot};
use testkit::app::spawn_app_with;

#[tokio::test]
async fn staff_archive_a_finished_sale_from_the_dashboard() {
    let app = spawn_app_with(&["--archive-min-age-days", "0"]).await;
    let now = Millis::now().0;
    app.create_event("over", "bj", &[("p", 10)], now - 1_000, now + 2_000)
        .await;
    app.create_event("selling", "bj", &[("p", 10)], now - 1_000, now + 3_600_000)
        .await;
    for n in 0..3 {
        let (status, _) = app
            .grab(&app.member(n, "bj/x"), "over", json!({"pool": "p"}))
            .await;
        assert_eq!(status, 201);
    }
    let browser = Browser::start(1280, 900).await;
    browser
        .goto(&format!("{}/dashboard#token={}", app.base, app.admin("bj")))
        .await;
    // The button shows once the sale's window is over, not on a selling sale.
    browser
        .wait_until(
            "the archive button of the finished sale",
            "(() => { const b = document.querySelector('[data-event=over] .act-archive'); return b && !b.classList.contains('hidden'); })()",
            WAIT,
        )
        .await;
    let selling = browser
        .js("return document.querySelector('[data-event=selling] .act-archive').classList.contains('hidden');")
        .await;
    assert_eq!(selling, json!(true));
    browser
        .js("window.confirm = () => true; return true;")
        .await;
    browser
        .js("document.querySelector('[data-event=over] details').open = true; return true;")
        .await;
    browser.click("[data-event=over] .act-archive").await;
    browser
        .wait_until(
            "the sale among the archives, off the board",
            "!document.querySelector('#events [data-event=over]') && !!document.querySelector('#archives li[data-event=over]')",
            WAIT,
        )
        .await;
    let line = browser
        .js("return document.querySelector('#archives li[data-event=over]').textContent;")
        .await;
    assert!(line.as_str().unwrap().contains("3 张票"), "{line}");
    let year = browser
        .js("return document.querySelector('#archives .year').textContent;")
        .await;
    assert!(year.as_str().unwrap().contains("1 场活动"), "{year}");
    browser.screenshot(&shot("dashboard-archives.png")).await;
    browser.quit().await;
}
