//! The grab's own lane (src/http/lane.rs) and the router's grab route give
//! the same answers. The lane serves `/api/v1/events/park/reservations`; the
//! same grab written `/api/v1/events/%70ark/reservations` goes through the
//! router (the lane leaves percent escapes to the router's decoding), so each
//! request below is sent both ways and the two answers compared.

use axum::http::{Method, StatusCode};
use serde_json::json;
use testkit::router::{Answer, TestRouter};

const LANE: &str = "/api/v1/events/park/reservations";
const ROUTER: &str = "/api/v1/events/%70ark/reservations";

/// What a client sees of an answer, but for the fresh request id.
fn seen(a: &Answer) -> (StatusCode, String, String, Vec<(String, String)>) {
    let mut headers: Vec<(String, String)> = a
        .headers
        .iter()
        .filter(|(name, _)| name.as_str() != "x-request-id")
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("?").to_owned()))
        .collect();
    headers.sort();
    (
        a.status,
        a.content_type.clone(),
        a.body.to_string(),
        headers,
    )
}

/// Sends the request through the lane and through the router.
async fn both(
    r: &TestRouter,
    path_of: impl Fn(&str) -> String,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (Answer, Answer) {
    let lane = r
        .send_with_headers(Method::POST, &path_of(LANE), headers, body)
        .await;
    let router = r
        .send_with_headers(Method::POST, &path_of(ROUTER), headers, body)
        .await;
    (lane, router)
}

async fn same(r: &TestRouter, headers: &[(&str, &str)], body: Option<&str>) -> Answer {
    let (lane, router) = both(r, |p| p.to_owned(), headers, body).await;
    assert_eq!(seen(&lane), seen(&router), "lane vs router");
    lane
}

#[tokio::test]
async fn the_lane_answers_every_grab_as_the_router_does() {
    let r = TestRouter::new(&["--body-limit", "400"]);
    r.create_open_event("park", &[("pass", 2)]).await;
    let bearer = |n| format!("Bearer {}", r.member(n, "bj/x"));
    let (one, two, three) = (bearer(1), bearer(2), bearer(3));
    let auth = |b: &str| ("authorization", b.to_owned());
    let pass = Some(r#"{"pool":"pass"}"#);

    // Refusals: token, body, pool, seats, size; nothing is sold by them.
    same(&r, &[], pass)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    same(&r, &[("authorization", "Bearer not.a.token")], pass)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let (name, value) = auth(&one);
    let member_one = [(name, value.as_str())];
    for body in [
        None,
        Some("{"),
        Some(r#"{"pool":"pass","extra":1}"#),
        Some(r#"{"pool":"nope"}"#),
        Some(r#"{"pool":"pass","seats":0}"#),
        Some(r#"{"pool":"pass","seats":"2"}"#),
    ] {
        let answer = same(&r, &member_one, body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body:?}");
    }
    let huge = json!({"choices": vec!["pass"; 200]}).to_string();
    same(&r, &member_one, Some(&huge))
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    // An unknown event, both ways.
    let (lane, router) = both(
        &r,
        |p| p.replace("park", "nope").replace("%70ark", "%6Eope"),
        &member_one,
        pass,
    )
    .await;
    assert_eq!(seen(&lane), seen(&router));
    lane.problem(StatusCode::NOT_FOUND, "not_found");

    // A new ticket one way is the held ticket the other way.
    let router_first = r
        .send_with_headers(Method::POST, ROUTER, &member_one, pass)
        .await;
    assert_eq!(router_first.status, StatusCode::CREATED);
    let lane_retry = r
        .send_with_headers(Method::POST, LANE, &member_one, pass)
        .await;
    assert_eq!(lane_retry.status, StatusCode::OK);
    assert_eq!(lane_retry.body, router_first.body);
    assert_eq!(
        lane_retry.headers.get("location"),
        router_first.headers.get("location")
    );
    let (name, value) = auth(&two);
    let member_two = [(name, value.as_str())];
    let lane_first = r
        .send_with_headers(Method::POST, LANE, &member_two, pass)
        .await;
    assert_eq!(lane_first.status, StatusCode::CREATED);
    let router_retry = r
        .send_with_headers(Method::POST, ROUTER, &member_two, pass)
        .await;
    assert_eq!(router_retry.status, StatusCode::OK);
    assert_eq!(router_retry.body, lane_first.body);

    // Sold out, in both languages, with the client's request id echoed.
    let (name, value) = auth(&three);
    for lang in ["en", "zh-CN"] {
        let headers = [
            (name, value.as_str()),
            ("accept-language", lang),
            ("x-request-id", "lane-test-1"),
        ];
        let answer = same(&r, &headers, pass).await;
        answer.problem(StatusCode::CONFLICT, "sold_out");
        assert_eq!(answer.headers["x-request-id"], "lane-test-1");
    }
}

#[tokio::test]
async fn the_lane_keeps_the_router_s_window_and_rate_limit_answers() {
    let r = TestRouter::new(&["--member-rate", "1", "--member-burst", "1"]);
    let now = ticketgrab::domain::Millis::now().0;
    r.create_event("park", &[("pass", 5)], now + 3_600_000, now + 7_200_000)
        .await;
    let bearer = format!("Bearer {}", r.member(1, "bj/x"));
    let headers = [("authorization", bearer.as_str())];
    let pass = Some(r#"{"pool":"pass"}"#);
    // The first grab spends the member's burst on a sale not yet open, the
    // second is over the member's rate: the same answers both ways.
    let (lane, router) = both(&r, |p| p.to_owned(), &headers, pass).await;
    lane.problem(StatusCode::CONFLICT, "not_open");
    router.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let (lane, router) = both(&r, |p| p.to_owned(), &headers, pass).await;
    assert_eq!(seen(&lane), seen(&router));
    lane.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(lane.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn the_lane_spends_the_same_per_ip_budget() {
    let r = TestRouter::new(&["--ip-rate", "1", "--ip-burst", "2"]);
    r.create_open_event("park", &[("pass", 5)]).await;
    let bearer = format!("Bearer {}", r.member(1, "bj/x"));
    let headers = [("authorization", bearer.as_str())];
    let pass = Some(r#"{"pool":"pass"}"#);
    // The admin's event creation spent one of the two; the lane spends the
    // other, and then both ways are over the limit.
    let lane = r
        .send_with_headers(Method::POST, LANE, &headers, pass)
        .await;
    assert_eq!(lane.status, StatusCode::CREATED);
    let (lane, router) = both(&r, |p| p.to_owned(), &headers, pass).await;
    assert_eq!(seen(&lane), seen(&router));
    lane.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

/// The value of the metric line that starts with `series` (labels in the
/// order Prometheus writes them: by name), or 0 when there is none.
fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Load shedding, the request timeout and the latency metric, both ways. A
/// frozen Redis holds a grab past the request timeout, and while it hangs it
/// holds the only in-flight slot, so a second grab is shed: each way is the
/// slow one once and the shed one once, with the same answers and the same
/// counts under the grab's route.
#[tokio::test]
async fn the_lane_sheds_times_out_and_is_measured_as_the_router() {
    let redis = testkit::RedisServer::start();
    let url = redis.url();
    let flags = [
        "--redis-url",
        &url,
        "--max-in-flight",
        "1",
        "--request-timeout-ms",
        "500",
        "--store-timeout-ms",
        "20000",
    ];
    let r = TestRouter::new(&flags);
    r.create_open_event("park", &[("pass", 5)]).await;
    let tokens: Vec<String> = (1..=4)
        .map(|n| format!("Bearer {}", r.member(n, "bj/x")))
        .collect();
    let pass = Some(r#"{"pool":"pass"}"#);
    let before = r.text("/metrics", "").await;

    redis.freeze(true);
    let mut answers = Vec::new();
    for (i, (slow_path, shed_path)) in [(LANE, ROUTER), (ROUTER, LANE)].into_iter().enumerate() {
        let slow_member = [("authorization", tokens[2 * i].as_str())];
        let shed_member = [("authorization", tokens[2 * i + 1].as_str())];
        let slow = r.send_with_headers(Method::POST, slow_path, &slow_member, pass);
        let shed = async {
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            r.send_with_headers(Method::POST, shed_path, &shed_member, pass)
                .await
        };
        let (slow, shed) = tokio::join!(slow, shed);
        for answer in [&slow, &shed] {
            answer.problem(StatusCode::SERVICE_UNAVAILABLE, "overloaded");
            assert_eq!(answer.headers["retry-after"], "1");
        }
        answers.push((slow, shed));
    }
    redis.freeze(false);
    assert_eq!(seen(&answers[0].0), seen(&answers[1].0), "timed out");
    assert_eq!(seen(&answers[0].1), seen(&answers[1].1), "shed");

    let after = r.text("/metrics", "").await;
    let grew = |series: &str| metric(&after, series) - metric(&before, series);
    assert_eq!(grew("tg_shed_total{reason=\"timeout\"}"), 2.0, "{after}");
    assert_eq!(grew("tg_shed_total{reason=\"overloaded\"}"), 2.0, "{after}");
    let route = "tg_http_request_duration_seconds_count{method=\"POST\",\
                 route=\"/api/v1/events/{event}/reservations\",status=\"503\"}";
    assert_eq!(grew(route), 4.0, "{after}");
}
