//! Real-browser tests: Debian's headless Chromium against the real server and
//! a real Redis. Screenshots go to target/browser/ for a person to look at.

mod archives;
mod fair;
mod lottery;
mod parts;
mod people;
mod programs;
mod register;
mod webdriver;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;
use ticketgrab::domain::Millis;

use crate::webdriver::Browser;
use testkit::app::spawn_app;

pub(crate) fn shot(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/browser")
        .join(name)
}

pub(crate) const WAIT: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_create_an_event_watch_stock_drop_live_and_pause_it() {
    let app = spawn_app().await;
    let mut browser = Browser::start(1440, 900).await;
    browser
        .goto(&format!("{}/dashboard#token={}", app.base, app.admin("bj")))
        .await;
    browser
        .wait_until(
            "the board",
            "!document.querySelector('#board').classList.contains('hidden')",
            WAIT,
        )
        .await;
    assert_eq!(browser.fields_without_labels().await, json!([]));

    // Create the sale through the form, as staff would.
    browser.type_into("#c-id", "live-sale").await;
    browser.type_into("#c-title", "公园年票 rehearsal").await;
    // The union is picked from the list; the staff's own comes first.
    assert_eq!(
        browser
            .js("return document.querySelector('#c-org').value;")
            .await,
        json!("bj")
    );
    browser
        .js("document.querySelector('#c-opens').value = localInput(new Date(Date.now() - 60000));")
        .await;
    browser
        .js("document.querySelector('#c-price').value = '5.5';")
        .await;
    browser.type_into("#p-title-1", "年票").await;
    browser.type_into("#p-total-1", "50").await;
    let typed = browser
        .js("return document.querySelector('#c-opens').value;")
        .await;
    browser.click("#create").await;
    let card = "[data-event='live-sale']";
    browser
        .wait_until(
            "the new event",
            &format!("document.querySelector(\"{card} .remaining\").textContent === '50'"),
            WAIT,
        )
        .await;
    // The form is read in Beijing time on a device in New York.
    let (_, created) = app
        .get("/api/v1/events/live-sale", &app.member(1, "bj/x"))
        .await;
    let opens =
        chrono::DateTime::parse_from_rfc3339(created["opens_at"].as_str().unwrap()).unwrap();
    // A datetime-local input drops ":00" seconds from its value.
    let typed = typed.as_str().unwrap();
    let seconds = if typed.len() == 16 { ":00" } else { "" };
    let meant = chrono::DateTime::parse_from_rfc3339(&format!("{typed}{seconds}+08:00")).unwrap();
    assert_eq!(opens, meant, "typed {typed} (Beijing), created {created}");

    // Grabs arrive through the API; the page follows through the stream.
    for n in 0..12 {
        let (status, body) = app
            .grab(&app.member(n, "bj/x"), "live-sale", json!({"pool": "p1"}))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    browser
        .wait_until(
            "remaining stock to drop to 38",
            &format!("document.querySelector(\"{card} .remaining\").textContent === '38'"),
            WAIT,
        )
        .await;
    browser.wait_until("the chart to show the grabs", &format!("[...document.querySelectorAll(\"{card} .chart rect\")].some(r => Number(r.getAttribute('height')) > 0)"), WAIT).await;
    // The day's totals at the top; only the actions that apply.
    browser
        .wait_until(
            "the totals",
            "document.querySelector('#totals').textContent.startsWith('共 1 个活动 · 总数 50 · 已售 12')",
            WAIT,
        )
        .await;
    let shown = |sel: &str| {
        format!("getComputedStyle(document.querySelector(\"{card} {sel}\")).display !== 'none'")
    };
    assert_eq!(
        browser
            .js(&format!(
                "return [{}, {}, {}];",
                shown(".act-pause"),
                shown(".act-resume"),
                shown(".act-close")
            ))
            .await,
        json!([true, false, true])
    );
    browser.screenshot(&shot("dashboard-1440.png")).await;

    browser.click(&format!("{card} .act-pause")).await;
    browser
        .wait_until(
            "the paused badge",
            &format!("document.querySelector(\"{card} .status\").textContent === '已暂停'"),
            WAIT,
        )
        .await;
    let (_, detail) = app
        .get("/api/v1/admin/events/live-sale", &app.admin("bj"))
        .await;
    assert_eq!(detail["sale_status"], "paused");
    assert_eq!(detail["price_fen"], 550, "the price is entered in yuan");
    browser
        .wait_until(
            "resume instead of pause",
            &format!("{} && !({})", shown(".act-resume"), shown(".act-pause")),
            WAIT,
        )
        .await;

    browser.click(&format!("{card} .act-audit")).await;
    browser
        .wait_until(
            "the audit result",
            &format!("document.querySelector(\"{card} .result\").textContent === '核对通过'"),
            WAIT,
        )
        .await;

    browser.click("#lang").await;
    browser
        .wait_until(
            "English labels",
            "document.querySelector('h1').textContent === 'Ticket grab dashboard'",
            WAIT,
        )
        .await;

    browser.set_size(390, 844).await;
    browser
        .wait_until("the narrow layout", "window.innerWidth <= 400", WAIT)
        .await;
    assert!(
        browser.fits_width().await,
        "the dashboard scrolls sideways at 390 px"
    );
    browser.screenshot(&shot("dashboard-390.png")).await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_grabs_when_the_sale_opens_and_sees_the_qr_code() {
    let app = spawn_app().await;
    // The browser first: a cold Chromium start must not eat the countdown.
    let mut browser = Browser::start(390, 844).await;
    let now = Millis::now().0;
    app.create_event("umbrella", "bj", &[("u", 5)], now + 6_000, now + 3_600_000)
        .await;
    // A sale about to end: once over, it is no longer one to take part in.
    app.create_event("ending", "bj", &[("e", 5)], now - 60_000, now + 3_000)
        .await;
    browser
        .goto(&format!(
            "{}/app#token={}",
            app.base,
            app.member(1, "bj/chaoyang")
        ))
        .await;
    let card = "[data-event='umbrella']";
    browser
        .wait_until(
            "the sale",
            &format!("document.querySelector(\"{card}\") !== null"),
            WAIT,
        )
        .await;
    browser
        .wait_until(
            "the ended sale gone from the list",
            "document.querySelector(\"[data-event='ending']\")?.classList.contains('hidden')",
            WAIT,
        )
        .await;
    assert_eq!(browser.fields_without_labels().await, json!([]));
    assert_eq!(
        browser
            .js(&format!(
                "return document.querySelector(\"{card} .grab-button\").disabled;"
            ))
            .await,
        json!(true),
        "live before the opening"
    );
    assert!(
        browser
            .js(&format!(
                "return document.querySelector(\"{card} .countdown\").textContent;"
            ))
            .await
            .as_str()
            .unwrap()
            .contains("00:0")
    );
    browser.screenshot(&shot("app-390-countdown.png")).await;

    browser
        .wait_until(
            "the opening",
            &format!("!document.querySelector(\"{card} .grab-button\").disabled"),
            WAIT,
        )
        .await;
    browser.click(&format!("{card} .grab-button")).await;
    browser
        .wait_until(
            "the ticket",
            &format!("document.querySelector(\"{card} .result\").textContent.startsWith('抢到了')"),
            WAIT,
        )
        .await;
    browser.wait_until("its QR code", "(() => { const img = document.querySelector('#tickets img'); return img && img.complete && img.naturalWidth > 0; })()", WAIT).await;
    let (_, mine) = app
        .get("/api/v1/me/reservations", &app.member(1, "bj/chaoyang"))
        .await;
    let code = mine["reservations"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(
        browser
            .js("return document.querySelector('#tickets .code').textContent;")
            .await,
        json!(code)
    );
    assert!(
        browser.fits_width().await,
        "the member page scrolls sideways at 390 px"
    );
    browser.screenshot(&shot("app-390-ticket.png")).await;

    // No second tap to make: the card says the member has the ticket, and
    // the grab button is gone (a retry is safe all the same: the API's tests).
    browser
        .wait_until(
            "the card of a held ticket",
            &format!("document.querySelector(\"{card} .have\").textContent.includes('{code}') && document.querySelector(\"{card} form.grab\").classList.contains('hidden')"),
            WAIT,
        )
        .await;
    // Said once: the grab's answer names the ticket, so the card's own
    // "you have" line stays hidden beside it.
    assert_eq!(
        browser
            .js(&format!(
                "return document.querySelector(\"{card} .have\").classList.contains('hidden');"
            ))
            .await,
        json!(true)
    );
    // The large-text switch shows when it is on.
    let look = "return getComputedStyle(document.querySelector('#large')).backgroundColor;";
    let off = browser.js(look).await;
    browser.click("#large").await;
    assert_eq!(
        browser
            .js("return document.querySelector('#large').getAttribute('aria-pressed');")
            .await,
        json!("true")
    );
    assert_ne!(
        browser.js(look).await,
        off,
        "the pressed switch looks the same"
    );
    browser.click("#large").await;

    browser.set_size(1440, 900).await;
    assert!(browser.fits_width().await);
    browser.screenshot(&shot("app-1440.png")).await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_takes_two_seats_of_a_family_sale_on_one_ticket() {
    let app = spawn_app().await;
    let browser = Browser::start(390, 844).await;
    let now = Millis::now().0;
    let mut body = testkit::app::event_body(
        "kids-theatre",
        "bj",
        &[("show-1", 9)],
        now - 1_000,
        now + 3_600_000,
    );
    body["max_seats"] = json!(2);
    let (status, created) = app
        .post("/api/v1/admin/events", &app.admin("bj"), body)
        .await;
    assert_eq!(status, 201, "{created}");
    browser
        .goto(&format!("{}/app#token={}", app.base, app.member(4, "bj/x")))
        .await;
    let card = "[data-event='kids-theatre']";
    browser
        .wait_until(
            "the seats picker",
            &format!("document.querySelector(\"{card} select.seats\") !== null"),
            WAIT,
        )
        .await;
    assert_eq!(browser.fields_without_labels().await, json!([]));
    browser
        .js(&format!(
            "document.querySelector(\"{card} select.seats\").value = '2';"
        ))
        .await;
    browser
        .wait_until(
            "the open sale",
            &format!("!document.querySelector(\"{card} .grab-button\").disabled"),
            WAIT,
        )
        .await;
    browser.click(&format!("{card} .grab-button")).await;
    browser
        .wait_until(
            "a ticket that admits two",
            "[...document.querySelectorAll('#tickets .seats')].some(s => s.textContent === '可入场 2 人')",
            WAIT,
        )
        .await;
    let (_, mine) = app
        .get("/api/v1/me/reservations", &app.member(4, "bj/x"))
        .await;
    assert_eq!(mine["reservations"][0]["seats"], 2);
    let (_, view) = app
        .get("/api/v1/events/kids-theatre", &app.member(4, "bj/x"))
        .await;
    assert_eq!(view["pools"][0]["remaining"], 7);
    browser.screenshot(&shot("app-390-family.png")).await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_issues_by_card_and_redeems_scanned_tickets_once() {
    let app = spawn_app().await;
    let mut browser = Browser::start(390, 844).await;
    let now = Millis::now().0;
    let mut city =
        testkit::app::event_body("city", "bj", &[("p", 10)], now - 1_000, now + 3_600_000);
    city["max_seats"] = json!(2);
    let umbrella =
        testkit::app::event_body("umbrella", "bj", &[("u", 10)], now - 1_000, now + 3_600_000);
    let chaoyang = testkit::app::event_body(
        "chaoyang",
        "bj/chaoyang",
        &[("p", 5)],
        now - 1_000,
        now + 3_600_000,
    );
    for body in [city, umbrella, chaoyang] {
        let (status, created) = app
            .post("/api/v1/admin/events", &app.admin("bj"), body)
            .await;
        assert_eq!(status, 201, "{created}");
    }
    let (_, theirs) = app
        .grab(
            &app.member(1, "bj/chaoyang/x"),
            "chaoyang",
            json!({"pool": "p"}),
        )
        .await;
    let theirs = theirs["code"].as_str().unwrap().to_owned();
    let mut umbrellas = Vec::new();
    for n in [2, 3] {
        let (_, got) = app
            .grab(&app.member(n, "bj/x"), "umbrella", json!({"pool": "u"}))
            .await;
        umbrellas.push(got["code"].as_str().unwrap().to_owned());
    }

    // A Haidian station: the city-wide sale is on its screen, Chaoyang's is not.
    browser
        .goto(&format!(
            "{}/station#token={}",
            app.base,
            app.station("bj/haidian")
        ))
        .await;
    browser
        .wait_until(
            "the sale",
            "document.querySelector('#s-event').value === 'city'",
            WAIT,
        )
        .await;
    assert_eq!(
        browser
            .js("return document.querySelectorAll('#s-event option').length;")
            .await,
        json!(2)
    );
    browser
        .js("const s = document.querySelector('#s-event'); s.value = 'city'; s.dispatchEvent(new Event('change'));")
        .await;
    assert_eq!(browser.fields_without_labels().await, json!([]));
    let head = "document.querySelector('#result-head').textContent";

    // Issue two seats by card, as a card reader types it and presses Enter.
    browser
        .js("document.querySelector('#s-seats').value = '2';")
        .await;
    let typed = format!("{}\u{E007}", testkit::card(5).digits());
    browser.type_into("#swipe", &typed).await;
    browser
        .wait_until(
            "the issued ticket",
            &format!("{head}.startsWith('出票成功')"),
            WAIT,
        )
        .await;
    let detail = browser
        .js("return document.querySelector('#result-detail').textContent;")
        .await;
    assert!(detail.as_str().unwrap().contains("2 人"), "{detail}");
    browser.screenshot(&shot("station-390-issued.png")).await;
    let (_, mine) = app
        .get("/api/v1/me/reservations", &app.member(5, "bj/x"))
        .await;
    let code = mine["reservations"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(mine["reservations"][0]["seats"], 2);

    // Its QR code, scanned: redeemed once, then already used.
    browser
        .type_into("#swipe", &format!("TG1:city:{code}\u{E007}"))
        .await;
    browser
        .wait_until(
            "the redemption",
            &format!("{head} === '已核销 · 请入场 2 人'"),
            WAIT,
        )
        .await;
    assert_eq!(
        browser
            .js("return document.querySelector('#result').classList.contains('ok');")
            .await,
        json!(true)
    );
    browser
        .type_into("#swipe", &format!("TG1:city:{code}\u{E007}"))
        .await;
    browser
        .wait_until(
            "already used",
            &format!("{head}.startsWith('已使用（首次核销')"),
            WAIT,
        )
        .await;
    assert_eq!(
        browser
            .js("return document.querySelector('#result').classList.contains('bad');")
            .await,
        json!(true)
    );
    browser.screenshot(&shot("station-390-used.png")).await;

    // Another sale's ticket while the city sale is selected: named, and not
    // redeemed unless staff confirm it.
    let confirm_shown = "!document.querySelector('#confirm').classList.contains('hidden')";
    let other_sale = "这张票属于「Sale umbrella · Pool u」，不是当前选择的「Sale city」";
    browser
        .type_into("#swipe", &format!("TG1:umbrella:{}\u{E007}", umbrellas[0]))
        .await;
    browser
        .wait_until(
            "the question",
            &format!("{confirm_shown} && {head} === '{other_sale}'"),
            WAIT,
        )
        .await;
    browser.click("#confirm-no").await;
    browser
        .wait_until("not redeemed", &format!("{head} === '未核销'"), WAIT)
        .await;
    let ticket = |code: &str| format!("/api/v1/me/reservations/umbrella/{code}");
    let (_, kept) = app
        .get(&ticket(&umbrellas[0]), &app.member(2, "bj/x"))
        .await;
    assert_eq!(kept["status"], "active", "{kept}");
    // A bare code typed: the same question, then confirmed.
    browser
        .type_into("#swipe", &format!("{}\u{E007}", umbrellas[1]))
        .await;
    browser
        .wait_until(
            "the question for a typed code",
            &format!("{confirm_shown} && {head} === '{other_sale}'"),
            WAIT,
        )
        .await;
    browser.click("#confirm-yes").await;
    browser
        .wait_until(
            "redeemed once confirmed",
            &format!("{head} === '已核销 · 请入场 1 人'"),
            WAIT,
        )
        .await;
    let detail = browser
        .js("return document.querySelector('#result-detail').textContent;")
        .await;
    assert!(
        detail
            .as_str()
            .unwrap()
            .starts_with("Sale umbrella · Pool u · "),
        "{detail}"
    );
    let (_, used) = app
        .get(&ticket(&umbrellas[1]), &app.member(3, "bj/x"))
        .await;
    assert_eq!(used["status"], "redeemed", "{used}");
    // A card that fails its check digit says so, in the page's language.
    browser.click("#mode-issue").await;
    browser
        .type_into("#swipe", "6217000000000000011\u{E007}")
        .await;
    browser
        .wait_until(
            "the card's reason",
            &format!("{head}.startsWith('卡号校验位不对')"),
            WAIT,
        )
        .await;

    // A Chaoyang member's ticket at the Haidian station.
    browser
        .type_into("#swipe", &format!("TG1:chaoyang:{theirs}\u{E007}"))
        .await;
    browser
        .wait_until(
            "another union's ticket",
            &format!("{head} === '不在本工会范围'"),
            WAIT,
        )
        .await;
    assert_eq!(
        browser.js("return [document.querySelector('#count-issued').textContent, document.querySelector('#count-redeemed').textContent];").await,
        json!(["1", "2"])
    );
    let (_, still) = app
        .get(
            &format!("/api/v1/me/reservations/chaoyang/{theirs}"),
            &app.member(1, "bj/chaoyang/x"),
        )
        .await;
    assert_eq!(still["status"], "active");
    assert!(
        browser.fits_width().await,
        "the station screen scrolls sideways"
    );
    browser.set_size(1440, 900).await;
    browser.screenshot(&shot("station-1440.png")).await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_pays_a_held_ticket_before_its_deadline_in_demo_mode() {
    let app = testkit::app::spawn_app_with(&["--demo", "--demo-opens-in", "0"]).await;
    let browser = Browser::start(390, 844).await;
    // The demo's cinema sale is priced: a grab is a hold for 15 minutes.
    browser
        .goto(&format!("{}/app#token={}", app.base, app.member(7, "bj/x")))
        .await;
    let card = "[data-event='cinema-5yuan']";
    browser
        .wait_until(
            "the open cinema sale",
            &format!("document.querySelector(\"{card} .grab-button\") && !document.querySelector(\"{card} .grab-button\").disabled"),
            WAIT,
        )
        .await;
    browser.click(&format!("{card} .grab-button")).await;
    browser
        .wait_until(
            "the hold",
            &format!(
                "document.querySelector(\"{card} .result\").textContent.startsWith('已为您保留')"
            ),
            WAIT,
        )
        .await;
    browser
        .wait_until(
            "the pay-by countdown",
            "(document.querySelector('#tickets .pay-by') || {}).textContent?.startsWith('支付剩余时间 14:') || (document.querySelector('#tickets .pay-by') || {}).textContent?.startsWith('支付剩余时间 15:')",
            WAIT,
        )
        .await;
    browser.screenshot(&shot("app-390-held.png")).await;
    browser.click("#tickets .pay").await;
    browser
        .wait_until(
            "the paid ticket",
            "document.querySelector('#status').textContent === '支付成功，票已生效。' && !document.querySelector('#tickets .pay')",
            WAIT,
        )
        .await;
    let (_, mine) = app
        .get("/api/v1/me/reservations", &app.member(7, "bj/x"))
        .await;
    let ticket = &mine["reservations"][0];
    assert_eq!(
        (&ticket["event"], &ticket["status"]),
        (&json!("cinema-5yuan"), &json!("active"))
    );
    browser.screenshot(&shot("app-390-paid.png")).await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_joins_the_waiting_list_and_the_returned_ticket_appears_by_itself() {
    let app = spawn_app().await;
    app.create_open_event("park", &[("pass", 1)]).await;
    let (holder, waiter) = (app.member(1, "bj/x"), app.member(2, "bj/x"));
    let (status, ticket) = app.grab(&holder, "park", json!({"pool": "pass"})).await;
    assert_eq!(status, 201, "{ticket}");
    let browser = Browser::start(390, 844).await;
    browser
        .goto(&format!("{}/app#token={waiter}", app.base))
        .await;
    let card = "[data-event='park']";
    browser
        .wait_until(
            "the waiting-list button on the sold-out sale",
            &format!("(document.querySelector(\"{card} .wait-button\") || {{classList: {{contains: () => true}}}}).classList.contains('hidden') === false"),
            WAIT,
        )
        .await;
    browser.click(&format!("{card} .wait-button")).await;
    browser
        .wait_until(
            "the member's place",
            &format!("document.querySelector(\"{card} .waittext\").textContent === '候补中：第 1 位（1 人）'"),
            WAIT,
        )
        .await;
    browser.screenshot(&shot("app-390-waiting.png")).await;
    // The holder gives the ticket back: it is the waiting member's, and the
    // page shows it without a reload.
    let code = ticket["code"].as_str().unwrap();
    let (status, _) = app
        .delete(&format!("/api/v1/me/reservations/park/{code}"), &holder)
        .await;
    assert_eq!(status, 200);
    browser
        .wait_until(
            "the ticket from the waiting list",
            &format!("document.querySelector(\"{card} .result\").textContent.startsWith('候补成功！票号') && document.querySelector('#tickets img') !== null && document.querySelector(\"{card} .waitline\").classList.contains('hidden')"),
            WAIT,
        )
        .await;
    browser.screenshot(&shot("app-390-waited.png")).await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_member_page_says_when_what_and_what_to_do_in_plain_words() {
    let app = spawn_app().await;
    let now = Millis::now().0;
    app.create_event(
        "later",
        "bj",
        &[("pass", 5)],
        now + 7_200_000,
        now + 9_000_000,
    )
    .await;
    app.create_event(
        "theatre",
        "bj",
        &[("show-1", 5), ("show-2", 5), ("show-3", 5)],
        now - 1_000,
        now + 3_600_000,
    )
    .await;
    let browser = Browser::start(390, 844).await;
    browser
        .goto(&format!("{}/app#token={}", app.base, app.member(5, "bj/x")))
        .await;
    let later = "[data-event='later']";
    browser
        .wait_until(
            "the sale's day and time beside the countdown",
            &format!("(document.querySelector(\"{later} .countdown\") || {{}}).textContent?.startsWith('开抢时间 ') && document.querySelector(\"{later} .countdown\").textContent.includes('距开抢')"),
            WAIT,
        )
        .await;
    // "My tickets" is one tap away from the top.
    assert_eq!(
        browser
            .js("return getComputedStyle(document.querySelector('#to-tickets')).display !== 'none' && document.querySelector('#to-tickets').getAttribute('href')")
            .await,
        json!("#tickets-title")
    );
    // Ranked choices cannot name a show twice.
    let theatre = "[data-event='theatre']";
    browser
        .js(&format!(
            "const s = document.querySelectorAll(\"{theatre} .choice\"); s[0].value = 'show-1'; s[0].dispatchEvent(new Event('change', {{bubbles: true}}));"
        ))
        .await;
    assert_eq!(
        browser
            .js(&format!("return [...document.querySelectorAll(\"{theatre} .choice\")[1].options].find(o => o.value === 'show-1').disabled"))
            .await,
        json!(true)
    );
    // After the grab the card says so, with no live grab button.
    browser.click(&format!("{theatre} .grab-button")).await;
    browser
        .wait_until(
            "the card of a sale the member holds a ticket for",
            &format!("document.querySelector(\"{theatre} .have\").textContent.startsWith('您已抢到：') && document.querySelector(\"{theatre} .have\").textContent.includes(' · 票号 ') && document.querySelector(\"{theatre} form.grab\").classList.contains('hidden')"),
            WAIT,
        )
        .await;
    // Large text, remembered (a fresh load of the page, not a hash change).
    browser.click("#large").await;
    browser.goto("about:blank").await;
    browser
        .goto(&format!("{}/app#token={}", app.base, app.member(5, "bj/x")))
        .await;
    browser
        .wait_until(
            "large text after a reload",
            "document.documentElement.classList.contains('large') && getComputedStyle(document.body).fontSize === '20px'",
            WAIT,
        )
        .await;
    browser.screenshot(&shot("app-390-large.png")).await;
    // A refused sign-in says what to do, in words.
    browser.goto("about:blank").await;
    browser
        .goto(&format!("{}/app#token=not-a-token", app.base))
        .await;
    browser
        .wait_until(
            "the expired-login message",
            "document.querySelector('#status').textContent.startsWith('登录已过期：请回到工会App')",
            WAIT,
        )
        .await;
    browser.quit().await;
}
