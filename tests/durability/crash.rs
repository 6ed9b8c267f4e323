//! SIGKILL of a durable Redis during a sale, three times.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::{audit_confirmed, crowd, durable_conf};
use testkit::app::spawn_app_on;
use testkit::redis_server::RedisServer;

const ADMIN: (&str, &str) = ("default", "admin-change-me");

fn start_durable() -> RedisServer {
    RedisServer::start_as(&[&durable_conf()], Some(ADMIN))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_config_is_durable_and_its_user_can_do_only_what_the_service_needs() {
    let redis = start_durable();
    let mut admin = redis.conn();
    let fsync: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("appendfsync")
        .query(&mut admin)
        .unwrap();
    assert_eq!(fsync[1], "always");
    let policy: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory-policy")
        .query(&mut admin)
        .unwrap();
    assert_eq!(policy[1], "noeviction");

    // Without the password, nothing.
    let mut anonymous = redis::Client::open(format!("redis://127.0.0.1:{}", redis.port))
        .unwrap()
        .get_connection()
        .unwrap();
    let refused = redis::cmd("GET")
        .arg("tg:x")
        .query::<Option<String>>(&mut anonymous)
        .unwrap_err();
    assert!(
        refused.to_string().contains("NOAUTH") || refused.to_string().contains("NOPERM"),
        "{refused}"
    );

    // The service runs everything as ticketgrab.
    let app = spawn_app_on(&redis.url_as("ticketgrab", "ticketgrab-change-me"), &[]).await;
    app.create_open_event("durable", &[("p", 10)]).await;
    let me = app.member(1, "bj/x");
    let (status, ticket) = app.grab(&me, "durable", json!({"pool": "p"})).await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    let code = ticket["code"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/me/reservations/durable/{code}"), &me)
            .await
            .0,
        StatusCode::OK
    );
    let (_, again) = app.grab(&me, "durable", json!({"pool": "p"})).await;
    let station = app.station("bj");
    assert_eq!(
        app.post(
            "/api/v1/station/redeem",
            &station,
            json!({"event": "durable", "code": again["code"]})
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        app.post(
            "/api/v1/admin/events/durable/pools/p/restock",
            &app.admin("bj"),
            json!({"delta": 5})
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        app.post(
            "/api/v1/admin/events/durable/pause",
            &app.admin("bj"),
            json!({})
        )
        .await
        .0,
        StatusCode::OK
    );
    let (_, audit) = app
        .get("/api/v1/admin/events/durable/audit", &app.admin("bj"))
        .await;
    assert_eq!(audit["ok"], true, "{audit}");

    // The waiting list's commands too: a command the user may not run would
    // fail a script after its first write.
    app.create_open_event("waits", &[("p", 1)]).await;
    let (holder, waiter, leaver) = (
        app.member(2, "bj/x"),
        app.member(3, "bj/x"),
        app.member(4, "bj/x"),
    );
    let (_, held) = app.grab(&holder, "waits", json!({"pool": "p"})).await;
    for m in [&waiter, &leaver] {
        let (status, body) = app
            .post("/api/v1/events/waits/waiting", m, json!({"pool": "p"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    assert_eq!(
        app.get("/api/v1/events/waits/waiting", &leaver).await.1["position"],
        2
    );
    assert_eq!(
        app.delete("/api/v1/events/waits/waiting", &leaver).await.0,
        StatusCode::NO_CONTENT
    );
    let code = held["code"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/me/reservations/waits/{code}"), &holder)
            .await
            .0,
        StatusCode::OK
    );
    let (_, mine) = app.get("/api/v1/me/reservations", &waiter).await;
    assert_eq!(mine["reservations"][0]["status"], "active", "{mine}");
    let (status, released) = app
        .post(
            "/api/v1/admin/events/waits/pools/p/release-unredeemed",
            &app.admin("bj"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{released}");
    assert_eq!(released["released"], 1);
    let (_, audit) = app
        .get("/api/v1/admin/events/waits/audit", &app.admin("bj"))
        .await;
    assert_eq!(audit["ok"], true, "{audit}");
    let (status, _, _) = app
        .request(reqwest::Method::GET, "/readyz", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);

    // ...and ticketgrab can do nothing else.
    let mut service = redis::Client::open(redis.url_as("ticketgrab", "ticketgrab-change-me"))
        .unwrap()
        .get_connection()
        .unwrap();
    for cmd in [
        vec!["FLUSHALL"],
        vec!["KEYS", "*"],
        vec!["CONFIG", "GET", "*"],
        vec!["DEL", "tg:{durable}:res"],
        vec!["GET", "other"],
    ] {
        let mut c = redis::cmd(cmd[0]);
        for a in &cmd[1..] {
            c.arg(*a);
        }
        let err = c.query::<redis::Value>(&mut service).unwrap_err();
        assert!(
            err.to_string().to_uppercase().contains("NOPERM"),
            "{cmd:?}: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_redis_three_times_mid_sale_loses_no_confirmed_ticket() {
    let _turn = crate::ONE_CROWD_AT_A_TIME.lock().await;
    let mut redis = start_durable();
    let url = redis.url_as("ticketgrab", "ticketgrab-change-me");
    let app = Arc::new(spawn_app_on(&url, &["--store-timeout-ms", "1000"]).await);
    app.create_open_event("festival", &[("entry", 20_000)])
        .await;

    let sale = tokio::spawn(crowd(
        app.clone(),
        "festival",
        "entry",
        26_000,
        200,
        Duration::from_millis(300),
        Duration::from_secs(240),
    ));
    // Three crashes at three points of the sale, each restarted from the AOF.
    let mut restarts = 0;
    let started = std::time::Instant::now();
    for at in [3_000, 9_000, 15_000] {
        loop {
            // A crowd that stopped early has failed: surface its panic.
            if sale.is_finished() {
                sale.await.unwrap();
                panic!("the sale ended before {at} tickets were sold");
            }
            assert!(
                started.elapsed() < Duration::from_secs(180),
                "stuck before {at} tickets"
            );
            let (_, event) = app
                .get("/api/v1/events/festival", &app.member(0, "bj/x"))
                .await;
            if event["pools"][0]["remaining"]
                .as_i64()
                .is_some_and(|left| 20_000 - left >= at)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        redis.kill();
        tokio::time::sleep(Duration::from_millis(500)).await;
        redis.restart();
        let exists: bool = redis::cmd("EXISTS")
            .arg("tg:{festival}:meta")
            .query(&mut redis.conn())
            .unwrap();
        assert!(
            exists,
            "the sale is gone after restart {restarts}; Redis said:\n{}",
            redis.log()
        );
        restarts += 1;
    }
    let told = sale.await.unwrap();
    let told = std::mem::take(&mut *told.lock().unwrap());
    assert_eq!(restarts, 3);
    assert!(
        told.unavailable
            .get("store_unavailable")
            .copied()
            .unwrap_or(0)
            > 0,
        "members saw the outages: {:?}",
        told.unavailable
    );
    assert!(
        told.unavailable.keys().all(|c| c == "store_unavailable"),
        "{:?}",
        told.unavailable
    );
    assert_eq!(
        told.tickets.len(),
        20_000,
        "every ticket sold once the store was back"
    );
    assert_eq!(told.sold_out, 6_000);

    // Every confirmed ticket is there, with the same code, for the same member.
    let audit = audit_confirmed(&app, "festival", &told).await;
    assert_eq!(audit["ok"], true, "{audit}");
    assert_eq!(audit["pools"][0]["active"], 20_000);
    assert_eq!(audit["pools"][0]["remaining"], 0);
    let mut distinct: Vec<&String> = told.tickets.values().collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 20_000, "no code given twice");
    for (m, code) in told.tickets.iter().filter(|(m, _)| *m % 97 == 0) {
        let (status, r) = app
            .get(
                &format!("/api/v1/me/reservations/festival/{code}"),
                &app.member(*m, "bj/x"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "member {m}'s ticket {code}: {r}");
    }
    eprintln!(
        "crash test: 3 SIGKILLs, {:?} answers while down, 0 confirmed tickets lost",
        told.unavailable
    );
}
