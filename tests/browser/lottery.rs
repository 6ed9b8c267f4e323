//! A lottery sale (抽签) in the browser: staff create it with the dashboard's
//! form; a member enters from the app, withdraws and enters again; a walk-up
//! enters at the station by card; after the close staff enter the public
//! value and run the draw from the dashboard; the member sees the result.

use serde_json::{Value, json};

use crate::webdriver::Browser;
use crate::{WAIT, shot};
use testkit::app::spawn_app;

const CJK: &str = r#"
  const root = document.body.cloneNode(true);
  root.querySelectorAll('[lang^="zh"], script, style').forEach(n => n.remove());
  return [...(root.textContent.match(/[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+/g) || [])];"#;

async fn text(browser: &Browser, css: &str) -> String {
    let got = browser
        .js(&format!(
            "return (document.querySelector(\"{css}\") || {{}}).textContent || '';"
        ))
        .await;
    got.as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_run_a_lottery_that_members_enter_and_see_the_result_of() {
    let app = spawn_app().await;
    let admin = app.admin("bj");
    let dashboard = Browser::start(1440, 900).await;
    dashboard
        .goto(&format!("{}/dashboard#token={admin}", app.base))
        .await;
    dashboard
        .wait_until(
            "the board",
            "!document.querySelector('#board').classList.contains('hidden')",
            WAIT,
        )
        .await;
    // The form: a lottery whose registration closes in 25 s, drawn then.
    dashboard.type_into("#c-id", "concert").await;
    dashboard.type_into("#c-title", "新年音乐会").await;
    dashboard.type_into("#c-title-en", "New Year concert").await;
    dashboard
        .js("const m = document.querySelector('#c-mode'); m.value = 'lottery'; m.dispatchEvent(new Event('change'));")
        .await;
    assert_eq!(
        dashboard
            .js("return document.querySelector('#lottery-fields').classList.contains('hidden');")
            .await,
        json!(false)
    );
    assert_eq!(dashboard.fields_without_labels().await, json!([]));
    dashboard
        .js(
            "const o = new Date(Date.now() - 60000), c = new Date(Date.now() + 25000);
             document.querySelector('#c-opens').value = localInput(o);
             document.querySelector('#c-closes').value = localInput(c);
             document.querySelector('#c-draw').value = localInput(c);
             document.querySelector('#c-seats').value = '2';",
        )
        .await;
    dashboard
        .type_into("#c-source", "drand round 5000000")
        .await;
    dashboard.type_into("#p-title-1", "晚场").await;
    dashboard.type_into("#p-title-en-1", "Evening").await;
    dashboard.type_into("#p-total-1", "2").await;
    dashboard.click("#create").await;
    let card = "[data-event='concert']";
    dashboard
        .wait_until(
            "the lottery's card",
            &format!("!!document.querySelector(\"{card} .lottery-state\") && document.querySelector(\"{card} .status\").textContent === '报名中' && !document.querySelector(\"{card} .summary-line\").textContent.includes('报名中')"),
            WAIT,
        )
        .await;
    let (status, event) = app.get("/api/v1/events/concert/lottery", &admin).await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["public_source"], "drand round 5000000");

    // A member enters from the app, withdraws, and enters again.
    let member = app.member(1, "bj/x");
    let phone = Browser::start(390, 844).await;
    phone
        .goto(&format!("{}/app#token={member}", app.base))
        .await;
    let mine = "[data-event='concert']";
    phone
        .wait_until(
            "the enter button",
            &format!("(document.querySelector(\"{mine} .grab-button\") || {{}}).textContent === '报名抽签' && !document.querySelector(\"{mine} .grab-button\").disabled"),
            WAIT,
        )
        .await;
    phone.click(&format!("{mine} .grab-button")).await;
    phone
        .wait_until(
            "the entry",
            &format!("document.querySelector(\"{mine} .lotline\").textContent.startsWith('已报名：晚场，1 人 · 会员号 ')"),
            WAIT,
        )
        .await;
    assert!(phone.fits_width().await);
    phone.screenshot(&shot("app-390-lottery-entered.png")).await;
    phone.js("window.confirm = () => true;").await;
    phone.click(&format!("{mine} .withdraw-button")).await;
    phone
        .wait_until(
            "the withdrawal",
            &format!("document.querySelector(\"{mine} .result\").textContent === '已取消报名。' && !document.querySelector(\"{mine} .grab\").classList.contains('hidden')"),
            WAIT,
        )
        .await;
    let (status, _) = app.get("/api/v1/events/concert/entry", &member).await;
    assert_eq!(status, 404);
    phone.click(&format!("{mine} .grab-button")).await;
    phone
        .wait_until(
            "the entry again",
            &format!(
                "document.querySelector(\"{mine} .lotline\").textContent.startsWith('已报名：')"
            ),
            WAIT,
        )
        .await;

    // A walk-up enters at the station by card; four more from the app.
    let station = Browser::start(1024, 768).await;
    station
        .goto(&format!("{}/station#token={}", app.base, app.station("bj")))
        .await;
    station
        .wait_until(
            "the lottery at the station",
            "document.querySelector('#s-event') && [...document.querySelector('#s-event').options].some(o => o.value === 'concert')",
            WAIT,
        )
        .await;
    station
        .js("const s = document.querySelector('#s-event'); s.value = 'concert'; s.dispatchEvent(new Event('change'));")
        .await;
    assert_eq!(text(&station, "#issue-words").await, "报名抽签（刷卡）");
    let card50 = testkit::card(50);
    station.type_into("#swipe", card50.digits()).await;
    station
        .js("document.querySelector('#swipe-form').requestSubmit();")
        .await;
    station
        .wait_until(
            "the walk-up's entry",
            "document.querySelector('#result-head').textContent === '已报名抽签'",
            WAIT,
        )
        .await;
    station
        .screenshot(&shot("station-lottery-entered.png"))
        .await;
    station.quit().await;
    for n in 2..6 {
        let (status, body) = app
            .post(
                "/api/v1/events/concert/entry",
                &app.member(n, "bj/x"),
                json!({"pool": "p1", "seats": 1}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    dashboard
        .wait_until(
            "the entries counted live",
            &format!(
                "document.querySelector(\"{card} .summary-line\").textContent.includes('报名 6 人')"
            ),
            WAIT,
        )
        .await;

    // After the close: the public value, then the draw.
    dashboard
        .js(&format!(
            "document.querySelector(\"{card} details\").open = true;"
        ))
        .await;
    dashboard
        .wait_until(
            "the public value field, once registration closed",
            &format!("!document.querySelector(\"{card} .public-value input\").disabled"),
            std::time::Duration::from_secs(40),
        )
        .await;
    dashboard
        .type_into(&format!("{card} .public-value input"), "9f3a2c")
        .await;
    dashboard
        .click(&format!("{card} .public-value button[type=submit]"))
        .await;
    dashboard
        .wait_until(
            "the draw button",
            &format!("!document.querySelector(\"{card} .act-draw\").classList.contains('hidden')"),
            WAIT,
        )
        .await;
    dashboard.click(&format!("{card} .act-draw")).await;
    dashboard
        .wait_until(
            "the published draw",
            &format!("document.querySelector(\"{card} .status\").textContent === '已抽签' && document.querySelector(\"{card} .published\").textContent.includes('种子')"),
            WAIT,
        )
        .await;
    dashboard
        .screenshot(&shot("dashboard-lottery-drawn.png"))
        .await;

    // The member's result, as the store has it.
    let (_, entry) = app.get("/api/v1/events/concert/entry", &member).await;
    let want = match entry["result"].as_str() {
        Some("won") => "中签！",
        Some("waiting") => "未中签：",
        _ => panic!("{entry}"),
    };
    phone
        .wait_until(
            "the result",
            &format!(
                "document.querySelector(\"{mine} .lotline\").textContent.startsWith('{want}')"
            ),
            WAIT,
        )
        .await;
    phone.screenshot(&shot("app-390-lottery-result.png")).await;
    // In English, nothing Chinese is left but staff's own words.
    phone.click("#lang").await;
    phone
        .wait_until(
            "English",
            &format!("document.documentElement.lang === 'en' && !/[\\u4e00-\\u9fff]/.test(document.querySelector(\"{mine} .lotline\").textContent)"),
            WAIT,
        )
        .await;
    let left: Value = phone.js(CJK).await;
    assert_eq!(
        left.as_array().map(|a| a.len()),
        Some(0),
        "Chinese left on the English page: {left}"
    );
    phone
        .screenshot(&shot("app-390-lottery-result-en.png"))
        .await;
    phone.quit().await;
    dashboard.quit().await;
}
