//! The people-facing parts in both languages: what a ticket says (titles,
//! the show, the place, how to use it), one language at a time on every
//! page, and a dashboard that a busy day's eight sales fit on.

use serde_json::{Value, json};
use ticketgrab::domain::Millis;

use crate::webdriver::Browser;
use crate::{WAIT, shot};
use testkit::app::{TestApp, spawn_app, spawn_app_with};

/// Chinese characters and full-width punctuation shown in the page, in text
/// and in the attributes people read (placeholders, labels of images),
/// leaving out what is marked as Chinese (`lang="zh-CN"`: staff's own words
/// that have no English version, such as a venue).
const CJK_SHOWN: &str = r#"
  const root = document.body.cloneNode(true);
  root.querySelectorAll('[lang^="zh"], script, style').forEach(n => n.remove());
  const cjk = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+/g;
  const found = [...(root.textContent.match(cjk) || [])];
  root.querySelectorAll('[placeholder], [aria-label], [alt], [title]').forEach(el => {
    for (const a of ['placeholder', 'aria-label', 'alt', 'title']) found.push(...((el.getAttribute(a) || '').match(cjk) || []));
  });
  return found;"#;

/// The children's theatre as staff would set it up: Chinese and English
/// titles, a venue, notes, and each show's own time.
async fn theatre(app: &TestApp, opens: i64) -> i64 {
    // A week on, at 09:00 Beijing time (01:00 UTC).
    let show = (opens / 86_400_000 + 7) * 86_400_000 + 3_600_000;
    let (status, body) = app
        .post(
            "/api/v1/admin/events",
            &app.admin("bj"),
            json!({
                "id": "theatre", "title": "儿童剧《小马过河》",
                "title_en": "Children's theatre: The Pony Crosses the River",
                "venue": "北京儿童艺术剧院", "notes": "请提前20分钟入场。\n一票可入场所选人数。",
                "org": "bj", "opens_at": Millis(opens).rfc3339(),
                "closes_at": Millis(opens + 3_600_000).rfc3339(),
                "price_fen": 0, "max_seats": 2,
                "pools": [
                    {"id": "show-1", "title": "第1场", "title_en": "Show 1", "total": 1,
                     "starts_at": Millis(show).rfc3339()},
                    {"id": "show-2", "title": "第2场", "title_en": "Show 2", "total": 5,
                     "starts_at": Millis(show + 7_200_000).rfc3339()},
                ],
            }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    show
}

async fn text(browser: &Browser, css: &str) -> String {
    browser
        .js(&format!(
            "return (document.querySelector(\"{css}\") || {{}}).textContent || '';"
        ))
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn english(browser: &Browser, what: &str) {
    browser.click("#lang").await;
    browser
        .wait_until(
            &format!("{what} in English"),
            "document.documentElement.lang === 'en'",
            WAIT,
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_says_which_show_when_and_where_in_either_language() {
    let app = spawn_app().await;
    let now = Millis::now().0;
    theatre(&app, now - 1_000).await;
    // Someone took the only seat of the first show: a ranked grab gets the second.
    let (status, _) = app
        .grab(&app.member(9, "bj/x"), "theatre", json!({"pool": "show-1"}))
        .await;
    assert_eq!(status, 201);
    let mut browser = Browser::start(390, 844).await;
    browser
        .goto(&format!("{}/app#token={}", app.base, app.member(1, "bj/x")))
        .await;
    let card = "[data-event='theatre']";
    browser
        .wait_until(
            "the sale with its place",
            &format!("document.querySelector(\"{card} .about\")?.textContent.includes('北京儿童艺术剧院')"),
            WAIT,
        )
        .await;
    assert_eq!(
        text(&browser, &format!("{card} .title")).await,
        "儿童剧《小马过河》"
    );
    assert!(
        text(&browser, &format!("{card} .notes"))
            .await
            .starts_with("请提前20分钟入场")
    );
    // A show is picked by its title and its day and time.
    let option = text(&browser, &format!("{card} .choice option[value='show-2']")).await;
    // Shows at 09:00 and 11:00 Beijing time, on a device in New York.
    assert!(
        option.starts_with("第2场 · ") && option.ends_with("11:00"),
        "{option}"
    );
    assert_eq!(
        text(&browser, ".tz-note").await,
        "所有时间均为北京时间（UTC+8）"
    );
    browser
        .js(&format!(
            "const s = document.querySelectorAll(\"{card} .choice\"); s[0].value = 'show-1'; s[1].value = 'show-2'; s[0].dispatchEvent(new Event('change', {{bubbles: true}}));"
        ))
        .await;
    browser.click(&format!("{card} .grab-button")).await;
    browser
        .wait_until(
            "the answer naming the show it got",
            &format!("document.querySelector(\"{card} .result\").textContent.startsWith('抢到了！第2场 · ')"),
            WAIT,
        )
        .await;
    let ticket = "#tickets .ticket";
    browser
        .wait_until(
            "the ticket with its titles",
            &format!("document.querySelector(\"{ticket} .what\")?.textContent === '儿童剧《小马过河》 · 第2场'"),
            WAIT,
        )
        .await;
    let when = text(&browser, &format!("{ticket} .when")).await;
    assert!(
        when.starts_with("时间 ") && when.contains("地点 北京儿童艺术剧院"),
        "{when}"
    );
    assert!(
        text(&browser, &format!("{ticket} .notes"))
            .await
            .contains("一票可入场所选人数")
    );
    assert!(browser.fits_width().await);
    browser
        .js("document.querySelector('#tickets-title').scrollIntoView();")
        .await;
    browser.screenshot(&shot("ticket-390-zh.png")).await;

    // English: every label, the titles staff gave in English; nothing else
    // Chinese but the venue and notes staff wrote only in Chinese.
    english(&browser, "the member page").await;
    browser
        .wait_until(
            "the English titles",
            &format!("document.querySelector(\"{ticket} .what\")?.textContent === \"Children's theatre: The Pony Crosses the River · Show 2\""),
            WAIT,
        )
        .await;
    assert_eq!(
        browser.js(CJK_SHOWN).await,
        json!([]),
        "Chinese left on the English member page"
    );
    assert!(
        text(&browser, &format!("{ticket} .when"))
            .await
            .starts_with("When ")
    );
    browser.screenshot(&shot("ticket-390-en.png")).await;
    browser.set_size(1440, 900).await;
    assert!(browser.fits_width().await);
    browser.screenshot(&shot("app-1440-en.png")).await;

    // The choice is remembered: a fresh load of the page stays English.
    browser.goto("about:blank").await;
    browser
        .goto(&format!("{}/app#token={}", app.base, app.member(1, "bj/x")))
        .await;
    browser
        .wait_until(
            "English after a reload",
            &format!("document.documentElement.lang === 'en' && document.querySelector(\"{card} .title\")?.textContent === \"Children's theatre: The Pony Crosses the River\""),
            WAIT,
        )
        .await;
    assert_eq!(browser.js(CJK_SHOWN).await, json!([]));

    // The station screen and the dashboard, in English too.
    browser
        .goto(&format!(
            "{}/station#token={}",
            app.base,
            app.station("bj/x")
        ))
        .await;
    browser
        .wait_until(
            "the station's sales",
            "document.querySelectorAll('#s-event option').length > 0",
            WAIT,
        )
        .await;
    assert_eq!(
        browser.js(CJK_SHOWN).await,
        json!([]),
        "Chinese left on the English station screen"
    );
    browser
        .goto(&format!("{}/dashboard#token={}", app.base, app.admin("bj")))
        .await;
    browser
        .wait_until(
            "the board",
            "document.querySelector('[data-event=theatre] .title')?.textContent.startsWith(\"Children's\")",
            WAIT,
        )
        .await;
    assert_eq!(
        browser.js(CJK_SHOWN).await,
        json!([]),
        "Chinese left on the English dashboard"
    );
    browser.screenshot(&shot("dashboard-1440-en.png")).await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_days_eight_sales_fit_the_dashboard_and_stay_live() {
    // The shipped per-member limit (2/s, bursts of 5); the crowd below is
    // one tap per member.
    let app = spawn_app_with(&["--member-rate", "2", "--member-burst", "5"]).await;
    let now = Millis::now().0;
    let ids: Vec<String> = (1..=8).map(|i| format!("sale-{i}")).collect();
    for id in &ids {
        app.create_event(
            id,
            "bj/chaoyang",
            &[("p", 200)],
            now - 1_000,
            now + 3_600_000,
        )
        .await;
    }
    let mut browser = Browser::start(1440, 900).await;
    browser
        .goto(&format!("{}/dashboard#token={}", app.base, app.admin("bj")))
        .await;
    browser
        .wait_until(
            "eight sales",
            "document.querySelectorAll('#events [data-event]').length === 8",
            WAIT,
        )
        .await;
    // Eight sales selling at once: every line follows.
    let mut clients = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let (app_base, id) = (app.base.clone(), id.clone());
        let tokens: Vec<String> = (0..(10 + i as u64))
            .map(|n| app.member(1_000 * i as u64 + n, "bj/chaoyang"))
            .collect();
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().no_proxy().build().unwrap();
            for token in tokens {
                let resp = client
                    .post(format!("{app_base}/api/v1/events/{id}/reservations"))
                    .bearer_auth(token)
                    .json(&json!({"pool": "p"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 201);
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    browser
        .wait_until(
            "each sale's stock on its line",
            "[...Array(8).keys()].every(i => document.querySelector(`[data-event=sale-${i + 1}] .summary-line`).textContent.startsWith(`剩余 ${190 - i} / 200`))",
            WAIT,
        )
        .await;
    // A compact list: all eight lines on one screen, each opening into its detail.
    let fits = browser
        .js("return [...document.querySelectorAll('#events [data-event]')].map(c => Math.round(c.getBoundingClientRect().bottom));")
        .await;
    assert!(
        fits.as_array()
            .unwrap()
            .iter()
            .all(|b| b.as_i64().unwrap() <= 900),
        "card bottoms at 1440×900: {fits}"
    );
    assert_eq!(
        browser
            .js("return document.querySelectorAll('#events details.more[open]').length;")
            .await,
        json!(0)
    );
    // The rate and the totals; the chart has its scale.
    let line = text(&browser, "[data-event=sale-8] .summary-line").await;
    assert!(line.contains("张/秒"), "{line}");
    browser
        .wait_until(
            "the day's totals",
            "document.querySelector('#totals').textContent.startsWith('共 8 个活动 · 总数 1600 · 已售 108')",
            WAIT,
        )
        .await;
    browser.screenshot(&shot("dashboard-1440-busy.png")).await;
    browser.click("[data-event=sale-1] summary").await;
    browser
        .wait_until(
            "the detail with the chart's scale",
            "document.querySelector('[data-event=sale-1] .axis-y').textContent.startsWith('峰值 ') && document.querySelector('[data-event=sale-1] .axis-x').textContent.includes('现在')",
            WAIT,
        )
        .await;

    // Refused answers are counted where staff see them: a member tapping
    // too fast is told 429, and the line says so.
    let member = app.member(77, "bj/chaoyang");
    let mut limited = 0;
    for _ in 0..30 {
        let (status, _) = app.grab(&member, "sale-1", json!({"pool": "p"})).await;
        limited += u32::from(status == 429);
    }
    assert!(limited > 0, "30 taps in a row were never limited");
    browser
        .wait_until(
            "the 429 count",
            "/限流\\(429\\) [1-9]/.test(document.querySelector('#refused').textContent)",
            WAIT,
        )
        .await;

    // The union is picked from a list, the staff's own first; closing asks first.
    let orgs: Value = browser
        .js("return [...document.querySelectorAll('#c-org option')].map(o => o.value);")
        .await;
    assert_eq!(orgs[0], "bj");
    assert!(
        orgs.as_array()
            .unwrap()
            .iter()
            .any(|o| o == "bj/chaoyang/hepingjie")
    );
    browser.js("window.confirm = () => false;").await;
    browser.click("[data-event=sale-1] .act-close").await;
    let (_, detail) = app
        .get("/api/v1/admin/events/sale-1", &app.admin("bj"))
        .await;
    assert_eq!(
        detail["sale_status"], "open",
        "a refused confirmation closes nothing"
    );

    browser.set_size(390, 844).await;
    browser
        .wait_until("the phone layout", "window.innerWidth <= 400", WAIT)
        .await;
    assert!(
        browser.fits_width().await,
        "the dashboard scrolls sideways at 390 px"
    );
    browser.screenshot(&shot("dashboard-390-busy.png")).await;
    browser.quit().await;
}

/// The screenshot pass: every page at a phone's and a desktop's size, in
/// both languages, on the demo's sales (which include a priced sale, a
/// lottery and shows with times): nothing scrolls sideways, an English page
/// shows no Chinese but staff's own words, and each is saved to look at.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_at_both_sizes_in_both_languages() {
    let app = spawn_app_with(&["--demo", "--demo-opens-in", "0"]).await;
    let pages = [
        (
            "app",
            app.member(1, "bj/chaoyang/x"),
            "document.querySelectorAll('#events [data-event]').length > 0",
        ),
        (
            "station",
            app.station("bj/chaoyang"),
            "document.querySelectorAll('#s-event option').length > 0",
        ),
        (
            "dashboard",
            app.admin("bj"),
            "document.querySelectorAll('[data-event]').length > 0",
        ),
    ];
    let mut browser = Browser::start(390, 844).await;
    for (width, height) in [(390, 844), (1440, 900)] {
        browser.set_size(width, height).await;
        for lang in ["zh", "en"] {
            for (page, token, ready) in &pages {
                browser
                    .goto(&format!("{}/{page}#token={token}", app.base))
                    .await;
                // The language is the page's saved choice: set, then reloaded.
                browser
                    .js(&format!(
                        "localStorage.setItem('tg-lang', '{lang}'); location.reload();"
                    ))
                    .await;
                let html_lang = if lang == "zh" { "zh-CN" } else { "en" };
                browser
                    .wait_until(
                        &format!("{page} in {lang} at {width}"),
                        &format!("document.documentElement.lang === '{html_lang}' && {ready}"),
                        WAIT,
                    )
                    .await;
                assert!(
                    browser.fits_width().await,
                    "{page} scrolls sideways at {width} px in {lang}"
                );
                if lang == "en" {
                    assert_eq!(
                        browser.js(CJK_SHOWN).await,
                        json!([]),
                        "Chinese on the English {page} at {width} px"
                    );
                }
                browser
                    .screenshot(&shot(&format!("pass-{page}-{width}-{lang}.png")))
                    .await;
            }
        }
    }
    browser.quit().await;
}
