//! The member register in the pages, in Chinese and in English: the
//! federation's staff import it from the dashboard and read its report
//! (refused lines by number, cards masked); a station is refused a card the
//! register puts in another union, in words naming the sale's union, and is
//! told when a card is not in the register.

use ticketgrab::domain::Millis;

use crate::webdriver::Browser;
use crate::{WAIT, shot};
use testkit::app::{event_body, spawn_app};
use testkit::card;

fn has(css: &str, words: &str) -> String {
    format!("(document.querySelector(\"{css}\")?.textContent || '').includes('{words}')")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_import_the_register_and_a_station_hears_what_it_says() {
    let app = spawn_app().await;
    let now = Millis::now().0;
    let sale = event_body(
        "chaoyang",
        "bj/chaoyang",
        &[("p", 9)],
        now - 1_000,
        now + 3_600_000,
    );
    let (status, made) = app
        .post("/api/v1/admin/events", &app.admin("bj"), sale)
        .await;
    assert_eq!(status, 201, "{made}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("register.csv");
    let bad = format!("{}0", card(9).digits());
    std::fs::write(
        &file,
        format!(
            "card,org,groups\n{},bj/dongcheng,hardship\n{},bj/dongcheng,\n{bad},bj,\n",
            card(1).digits(),
            card(2).digits(),
        ),
    )
    .unwrap();

    let dashboard = Browser::start(1280, 900).await;
    dashboard
        .goto(&format!("{}/dashboard#token={}", app.base, app.admin("bj")))
        .await;
    dashboard
        .wait_until(
            "the register's section",
            &has("#register .count", "名册中共 0 张会员卡"),
            WAIT,
        )
        .await;
    for (words, line) in [
        (
            "已导入：3 行，设置 2，新增 2，移除 0，未导入 1",
            "第 4 行：卡号应为16至19位数字",
        ),
        (
            "Imported: 3 rows, 2 set, 0 new, 0 removed, 1 refused.",
            "line 4: ",
        ),
    ] {
        if line.starts_with("line") {
            dashboard.click("#lang").await;
        }
        dashboard.attach_file("#r-file", &file).await;
        dashboard.click("#r-import").await;
        dashboard
            .wait_until(
                "the import's report",
                &has("#register .report", words),
                WAIT,
            )
            .await;
        assert_eq!(
            dashboard
                .js(&format!("return {}", has("#register .refused", line)))
                .await,
            true
        );
        let page = dashboard.js("return document.body.textContent").await;
        assert!(
            !page.as_str().unwrap().contains(&bad),
            "a refused number is never repeated"
        );
    }
    dashboard.screenshot(&shot("dashboard-register.png")).await;
    dashboard.quit().await;

    let station = Browser::start(1024, 768).await;
    station
        .goto(&format!(
            "{}/station#token={}",
            app.base,
            app.station("bj/chaoyang")
        ))
        .await;
    station
        .wait_until(
            "the sale at the station",
            "document.querySelector('#s-event') && [...document.querySelector('#s-event').options].some(o => o.value === 'chaoyang')",
            WAIT,
        )
        .await;
    let swipe = async |n: u64, words: &[&str]| {
        station.type_into("#swipe", card(n).digits()).await;
        station
            .js("document.querySelector('#swipe-form').requestSubmit();")
            .await;
        let all: Vec<String> = words.iter().map(|w| has("#result-head", w)).collect();
        station
            .wait_until("the station's answer", &all.join(" && "), WAIT)
            .await;
    };
    swipe(1, &["会员名册显示此卡不属于本活动的工会（bj/chaoyang）"]).await;
    swipe(5, &["出票成功", "未在会员名册中，请核对会员卡"]).await;
    station.click("#lang").await;
    swipe(
        2,
        &[
            "The member register puts this card outside this sale",
            "(bj/chaoyang)",
        ],
    )
    .await;
    swipe(
        6,
        &[
            "Ticket issued",
            "Not in the member register: check the card",
        ],
    )
    .await;
    station.screenshot(&shot("station-register.png")).await;
    station.quit().await;
    let (_, event) = app
        .get("/api/v1/admin/events/chaoyang", &app.admin("bj"))
        .await;
    assert_eq!(event["pools"][0]["active"], 2, "{event}");
}
