//! Programs (普惠) in the pages: a member sees "本年度已获 1/2 张" on every
//! sale of a program and the cap's refusal in plain words, in Chinese and in
//! English; staff see what a program reached on the dashboard, in both.

use serde_json::json;
use ticketgrab::domain::Millis;

use crate::webdriver::Browser;
use crate::{WAIT, shot};
use testkit::app::{TestApp, event_body, spawn_app};

async fn program_with_sales(app: &TestApp) {
    let admin = app.admin("bj");
    let now = Millis::now().0;
    let (status, body) = app
        .post(
            "/api/v1/admin/programs",
            &admin,
            json!({
                "id": "puhui", "title": "2027年市总普惠抢票", "org": "bj", "cap": 2,
                "starts_at": Millis(now - 86_400_000).rfc3339(),
                "ends_at": Millis(now + 300 * 86_400_000).rfc3339(),
                "draw_order": "fewer_wins_first",
            }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    for id in ["park", "cinema", "theatre"] {
        let mut body = event_body(id, "bj", &[("p", 5)], now - 1_000, now + 3_600_000);
        body["program"] = json!("puhui");
        let (status, made) = app.post("/api/v1/admin/events", &admin, body).await;
        assert_eq!(status, 201, "{made}");
    }
}

#[tokio::test]
async fn a_member_sees_what_they_hold_of_the_program_on_every_sale() {
    let app = spawn_app().await;
    program_with_sales(&app).await;
    let member = app.member(1, "bj/chaoyang");
    for sale in ["park", "cinema"] {
        let (status, _) = app.grab(&member, sale, json!({"pool": "p"})).await;
        assert_eq!(status, 201);
    }
    let browser = Browser::start(390, 844).await;
    browser
        .goto(&format!("{}/app#token={member}", app.base))
        .await;
    for sale in ["park", "cinema", "theatre"] {
        browser
            .wait_until(
                "the program's line on each of its sales",
                &format!(
                    "(document.querySelector(\"[data-event='{sale}'] .program\")?.textContent || '').includes('本年度已获 2/2 张')"
                ),
                WAIT,
            )
            .await;
    }
    // At the cap, a grab is refused in plain words.
    browser.click("[data-event='theatre'] .grab-button").await;
    browser
        .wait_until(
            "the cap's refusal",
            "(document.querySelector(\"[data-event='theatre'] .result\")?.textContent || '').includes('最多 2 张')",
            WAIT,
        )
        .await;
    browser.click("#lang").await;
    browser
        .wait_until(
            "the line in English",
            "(document.querySelector(\"[data-event='theatre'] .program\")?.textContent || '').includes('2 of 2 tickets this year')",
            WAIT,
        )
        .await;
    browser.click("[data-event='theatre'] .grab-button").await;
    browser
        .wait_until(
            "the cap's refusal in English",
            "(document.querySelector(\"[data-event='theatre'] .result\")?.textContent || '').includes('limit of tickets')",
            WAIT,
        )
        .await;
    browser.screenshot(&shot("app-program.png")).await;
    browser.quit().await;
}

#[tokio::test]
async fn staff_see_what_a_program_reached() {
    let app = spawn_app().await;
    program_with_sales(&app).await;
    for n in 0..3 {
        let (status, _) = app
            .grab(&app.member(n, "bj/x"), "park", json!({"pool": "p"}))
            .await;
        assert_eq!(status, 201);
    }
    // Member 0 also in the cinema, which opened at the same minute and comes
    // first by id: the park's three then hold two first-time winners.
    for n in [0, 7] {
        let (status, _) = app
            .grab(&app.member(n, "bj/x"), "cinema", json!({"pool": "p"}))
            .await;
        assert_eq!(status, 201);
    }
    let browser = Browser::start(1280, 900).await;
    browser
        .goto(&format!("{}/dashboard#token={}", app.base, app.admin("bj")))
        .await;
    browser
        .wait_until(
            "the program's reach",
            "(document.querySelector('#programs li[data-program=puhui] .reached')?.textContent || '').includes('惠及 4 位会员')",
            WAIT,
        )
        .await;
    let text = browser
        .js("return document.querySelector('#programs li[data-program=puhui]').textContent;")
        .await;
    let text = text.as_str().unwrap();
    assert!(
        text.contains("1 张 3 人") && text.contains("2 张 1 人"),
        "{text}"
    );
    assert!(text.contains("首次获票 2 人（67%）"), "{text}");
    assert!(text.contains("获票少者优先"), "{text}");
    browser.click("#lang").await;
    browser
        .wait_until(
            "the reach in English",
            "(document.querySelector('#programs li[data-program=puhui] .reached')?.textContent || '').includes('4 members reached')",
            WAIT,
        )
        .await;
    let text = browser
        .js("return document.querySelector('#programs li[data-program=puhui]').textContent;")
        .await;
    assert!(
        text.as_str()
            .unwrap()
            .contains("2 first-time winners (67%)"),
        "{text}"
    );
    browser
        .js("document.querySelector('#programs').scrollIntoView(); return true;")
        .await;
    browser.screenshot(&shot("dashboard-programs.png")).await;
    browser.quit().await;
}

#[tokio::test]
async fn staff_create_a_program_and_a_sale_in_it_from_the_dashboard() {
    let app = spawn_app().await;
    let browser = Browser::start(1440, 900).await;
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
    browser
        .js("document.querySelector('#programs details').open = true; return true;")
        .await;
    browser.type_into("#pg-id", "spring").await;
    browser.type_into("#pg-title", "春季普惠").await;
    browser
        .js("const c = document.querySelector('#pg-cap'); c.value = '1'; \
             document.querySelector('#pg-starts').value = localInput(new Date(Date.now() - 86400000)); \
             document.querySelector('#pg-ends').value = localInput(new Date(Date.now() + 90 * 86400000)); \
             document.querySelector('#pg-order').value = 'fewer_wins_first'; return true;")
        .await;
    browser.click("#pg-create").await;
    browser
        .wait_until(
            "the new program, and it offered to new sales",
            "!!document.querySelector('#programs li[data-program=spring]') && !!document.querySelector('#c-program option[value=spring]')",
            WAIT,
        )
        .await;
    browser.type_into("#c-id", "spring-park").await;
    browser.type_into("#c-title", "春季公园").await;
    browser
        .js(
            "document.querySelector('#c-opens').value = localInput(new Date(Date.now() - 60000)); \
             document.querySelector('#c-program').value = 'spring'; return true;",
        )
        .await;
    browser.type_into("#p-title-1", "年票").await;
    browser.type_into("#p-total-1", "5").await;
    browser.click("#create").await;
    browser
        .wait_until(
            "the sale on the board",
            "!!document.querySelector(\"[data-event='spring-park']\")",
            WAIT,
        )
        .await;
    let (_, sale) = app
        .get("/api/v1/admin/events/spring-park", &app.admin("bj"))
        .await;
    assert_eq!(sale["program"], "spring", "{sale}");
    let (_, program) = app
        .get("/api/v1/admin/programs/spring", &app.admin("bj"))
        .await;
    assert_eq!(
        (
            program["program"]["cap"].as_u64(),
            program["program"]["draw_order"].as_str()
        ),
        (Some(1), Some("fewer_wins_first"))
    );
    browser.click("#lang").await;
    let label = browser
        .js("return document.querySelector('label[for=c-program]').textContent;")
        .await;
    assert_eq!(label, json!("Program (optional)"));
    browser.quit().await;
}
