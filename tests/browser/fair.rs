//! A race with a fair window in the pages, in Chinese and in English: the
//! member's grab inside the window is "已登记" with a countdown to the draw,
//! then the result without a reload; a walk-up at the station is registered
//! the same way; staff create the window from the dashboard and watch the
//! automatic draw publish its values.

use serde_json::json;
use ticketgrab::domain::Millis;

use crate::webdriver::Browser;
use crate::{WAIT, shot};
use testkit::app::{TestApp, event_body, spawn_app};

async fn fair_sale(app: &TestApp, id: &str, opens_in_ms: i64, window_secs: i64) {
    let now = Millis::now().0;
    let mut body = event_body(id, "bj", &[("p", 5)], now + opens_in_ms, now + 3_600_000);
    body["fair_window_secs"] = json!(window_secs);
    let (status, made) = app
        .post("/api/v1/admin/events", &app.admin("bj"), body)
        .await;
    assert_eq!(status, 201, "{made}");
}

fn line_has(css: &str, words: &str) -> String {
    format!("(document.querySelector(\"{css}\")?.textContent || '').includes('{words}')")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_is_registered_in_the_window_then_sees_the_draw_s_result() {
    let app = spawn_app().await;
    // A window with room for a slow page: the click must land inside it.
    fair_sale(&app, "cinema", 2_500, 6).await;
    let member = app.member(1, "bj/chaoyang");
    let browser = Browser::start(390, 844).await;
    browser
        .goto(&format!("{}/app#token={member}", app.base))
        .await;
    let card = "[data-event='cinema']";
    browser
        .wait_until(
            "the window said before the opening",
            &line_has(
                &format!("{card} .fairnote"),
                "公平开抢：开抢后 6 秒内提交的一律登记",
            ),
            WAIT,
        )
        .await;
    browser
        .wait_until(
            "the grab button live at the opening",
            &format!("!document.querySelector(\"{card} .grab-button\").disabled"),
            WAIT,
        )
        .await;
    browser.click(&format!("{card} .grab-button")).await;
    browser
        .wait_until(
            "registered, with the draw's countdown",
            &line_has(
                &format!("{card} .fairline"),
                "已登记，开抢后 6 秒统一抽取 · 还有",
            ),
            WAIT,
        )
        .await;
    browser.screenshot(&shot("app-fair-registered.png")).await;
    browser.click("#lang").await;
    browser
        .wait_until(
            "registered, in English",
            &line_has(
                &format!("{card} .fairline"),
                "Registered: drawn 6 s after the opening",
            ),
            WAIT,
        )
        .await;
    // Drawn by the service itself (the window's end, its 5-s grace, the
    // upkeep's next second); the page asks for the result.
    browser
        .wait_until(
            "the result, in English",
            &line_has(&format!("{card} .fairline"), "You won!"),
            2 * WAIT,
        )
        .await;
    browser.click("#lang").await;
    browser
        .wait_until(
            "the result, in Chinese",
            &line_has(&format!("{card} .fairline"), "中签！"),
            WAIT,
        )
        .await;
    browser.screenshot(&shot("app-fair-won.png")).await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_up_is_registered_at_the_station_in_both_languages() {
    let app = spawn_app().await;
    fair_sale(&app, "umbrella", -200, 60).await;
    let station = Browser::start(1024, 768).await;
    station
        .goto(&format!("{}/station#token={}", app.base, app.station("bj")))
        .await;
    station
        .wait_until(
            "the sale at the station",
            "document.querySelector('#s-event') && [...document.querySelector('#s-event').options].some(o => o.value === 'umbrella')",
            WAIT,
        )
        .await;
    station
        .js("const s = document.querySelector('#s-event'); s.value = 'umbrella'; s.dispatchEvent(new Event('change'));")
        .await;
    for (n, words) in [
        (50u64, "已登记，开抢后 60 秒统一抽取"),
        (51, "Registered: drawn 60 s after the opening"),
    ] {
        if n == 51 {
            station.click("#lang").await;
        }
        station.type_into("#swipe", testkit::card(n).digits()).await;
        station
            .js("document.querySelector('#swipe-form').requestSubmit();")
            .await;
        station
            .wait_until(
                "the walk-up's registration",
                &format!("document.querySelector('#result-head').textContent === '{words}'"),
                WAIT,
            )
            .await;
    }
    station
        .screenshot(&shot("station-fair-registered.png"))
        .await;
    station.quit().await;
    let (_, lottery) = app.get("/api/v1/events/umbrella/lottery", "").await;
    assert_eq!(lottery["entries"], 2, "{lottery}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_set_a_fair_window_and_watch_its_draw_published() {
    let app = spawn_app().await;
    let dashboard = Browser::start(1440, 900).await;
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
    dashboard.type_into("#c-id", "park").await;
    dashboard.type_into("#c-title", "公园年票").await;
    dashboard
        .js(
            "document.querySelector('#c-opens').value = localInput(new Date(Date.now() - 1000)); \
             const f = document.querySelector('#c-fair'); f.value = '3'; return true;",
        )
        .await;
    dashboard.type_into("#p-title-1", "年票").await;
    dashboard.type_into("#p-total-1", "5").await;
    dashboard.click("#create").await;
    let card = "[data-event='park']";
    dashboard
        .wait_until(
            "the window on the sale's card",
            &line_has(&format!("{card} .lottery-state"), "公平开抢：前 3 秒登记"),
            WAIT,
        )
        .await;
    let (_, sale) = app.get("/api/v1/admin/events/park", &app.admin("bj")).await;
    assert_eq!(sale["lottery"]["fair_window_secs"], 3, "{sale}");
    for n in 0..3u64 {
        let (status, body) = app
            .grab(&app.member(n, "bj/x"), "park", json!({"pool": "p1"}))
            .await;
        assert_eq!(status, 202, "{body}");
    }
    dashboard
        .wait_until(
            "drawn by itself, its values published",
            &format!(
                "{} && !!document.querySelector(\"{card} .published dd\") && !document.querySelector(\"{card} .act-lottery-export\").classList.contains('hidden')",
                line_has(&format!("{card} .lottery-state"), "3 人登记，已自动抽取")
            ),
            WAIT,
        )
        .await;
    dashboard
        .js(&format!(
            "document.querySelector(\"{card}\").scrollIntoView(); return true;"
        ))
        .await;
    dashboard
        .screenshot(&shot("dashboard-fair-drawn.png"))
        .await;
    dashboard.click("#lang").await;
    dashboard
        .wait_until(
            "in English",
            &line_has(
                &format!("{card} .lottery-state"),
                "3 registered, drawn automatically",
            ),
            WAIT,
        )
        .await;
    let label = dashboard
        .js("return document.querySelector('label[for=c-fair]').textContent;")
        .await;
    assert_eq!(label, json!("Fair window (seconds, 0 for none)"));
    dashboard.quit().await;
}
