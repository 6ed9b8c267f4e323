//! Reserved shares and allotments in the dashboard, in Chinese and in
//! English: staff set them on a pool in the create form, see each part live
//! on the sale's card, and move seats between them; a member's grab takes
//! from their share and the card follows.

use serde_json::json;

use crate::webdriver::Browser;
use crate::{WAIT, shot};
use testkit::app::spawn_app;

fn has(css: &str, words: &str) -> String {
    format!(
        "[...document.querySelectorAll(\"{css}\")].some(e => e.textContent.includes('{words}'))"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_set_shares_and_allotments_see_them_and_move_seats() {
    let app = spawn_app().await;
    let dashboard = Browser::start(1280, 900).await;
    dashboard
        .goto(&format!("{}/dashboard#token={}", app.base, app.admin("bj")))
        .await;
    dashboard
        .wait_until(
            "the board",
            "!document.querySelector('#board').classList.contains('hidden')",
            WAIT,
        )
        .await;
    assert_eq!(dashboard.fields_without_labels().await, json!([]));
    dashboard.type_into("#c-id", "cinema").await;
    dashboard.type_into("#c-title", "五元观影").await;
    dashboard.type_into("#p-title-1", "首映场").await;
    dashboard.type_into("#p-total-1", "10").await;
    dashboard.type_into("#p-shares-1", "hardship:3").await;
    dashboard
        .type_into("#p-allot-1", "bj/chaoyang:2，bj/haidian:1")
        .await;
    // Released an hour after the opening, before the close.
    dashboard
        .js(
            "document.querySelector('#c-opens').value = localInput(new Date(Date.now() - 1000)); \
             document.querySelector('#c-closes').value = localInput(new Date(Date.now() + 86400e3)); \
             const at = localInput(new Date(Date.now() + 3600e3)); \
             document.querySelector('#p-shares-at-1').value = at; \
             document.querySelector('#p-allot-at-1').value = at; return true;",
        )
        .await;
    dashboard.click("#create").await;
    let card = "[data-event='cinema']";
    dashboard
        .wait_until(
            "the parts on the sale's card",
            &format!(
                "{} && {}",
                has(&format!("{card} .part"), "s1 hardship：剩 3 / 3"),
                has(&format!("{card} .part"), "a2 bj/haidian：剩 1 / 1")
            ),
            WAIT,
        )
        .await;
    let (_, sale) = app
        .get("/api/v1/admin/events/cinema", &app.admin("bj"))
        .await;
    assert_eq!(sale["pools"][0]["parts"][1]["org"], "bj/chaoyang", "{sale}");

    // A hardship member's grab takes from the share.
    let token = app.tokens.member_in(
        &testkit::card(1),
        &ticketgrab::domain::OrgPath::parse("bj/x").unwrap(),
        &[ticketgrab::domain::Group::parse("hardship").unwrap()],
        3_600,
    );
    let (status, body) = app.grab(&token, "cinema", json!({"pool": "p1"})).await;
    assert_eq!(status, 201, "{body}");
    dashboard
        .wait_until(
            "the share's seat taken, live",
            &has(&format!("{card} .part"), "s1 hardship：剩 2 / 3"),
            WAIT,
        )
        .await;

    // Chaoyang gives one seat to Haidian.
    dashboard
        .js(&format!(
            "const f = document.querySelector(\"{card} .move\"); f.from.value = 'a1'; f.to.value = 'a2'; \
             f.seats.value = '1'; f.requestSubmit(); return true;"
        ))
        .await;
    dashboard
        .wait_until(
            "moved",
            &format!(
                "{} && {}",
                has(&format!("{card} .result"), "已调整：a1 剩 1，a2 剩 2"),
                has(&format!("{card} .part"), "a2 bj/haidian：剩 2 / 1")
            ),
            WAIT,
        )
        .await;
    dashboard
        .js(&format!(
            "document.querySelector(\"{card}\").scrollIntoView(); return true;"
        ))
        .await;
    dashboard.screenshot(&shot("dashboard-parts.png")).await;
    dashboard.click("#lang").await;
    dashboard
        .wait_until(
            "in English",
            &has(
                &format!("{card} .part"),
                "a2 bj/haidian: 2 / 1 left, released",
            ),
            WAIT,
        )
        .await;
    // More than a part has: refused, in words.
    dashboard
        .js(&format!(
            "const f = document.querySelector(\"{card} .move\"); f.from.value = 'a1'; f.to.value = 'public'; \
             f.seats.value = '5'; f.requestSubmit(); return true;"
        ))
        .await;
    dashboard
        .wait_until(
            "the refusal",
            &format!(
                "document.querySelector(\"{card} .result\").classList.contains('bad') && {}",
                has(&format!("{card} .part"), "a1 bj/chaoyang: 1 / 2 left")
            ),
            WAIT,
        )
        .await;
    dashboard.quit().await;
}
