//! A real sale: the binary alone with real secrets runs production (no demo
//! sales, no printed tokens, no demo pay button), and refuses a data
//! directory that holds the demo's sales.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::{Value, json};

const SECRETS: [(&str, &str); 4] = [
    ("TG_MEMBER_SECRET", "a-real-member-secret"),
    ("TG_STAFF_SECRET", "a-real-staff-secret"),
    ("TG_CARD_SECRET", "a-real-card-secret"),
    ("TG_PAYMENT_SECRET", "a-real-payment-secret"),
];

/// How the binary with no arguments, started in `dir`, ended up.
enum Started {
    /// Listening: the process, its base URL, the lines it printed until then.
    Serving(std::process::Child, String, Vec<String>),
    /// Stopped before listening: its exit code and stderr.
    Refused(Option<i32>, String),
}

fn bare_binary(dir: &std::path::Path, env: &[(&str, &str)]) -> Started {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ticketgrab"));
    command
        .current_dir(dir)
        .env("TG_LISTEN", "127.0.0.1:0")
        .env("TG_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in SECRETS {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        lines.push(line.clone());
        let Ok(log) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if log["fields"]["message"] == "ticketgrab listening" {
            // The demo's tokens are printed after this line: wait for them.
            std::thread::sleep(std::time::Duration::from_millis(300));
            let addr = log["fields"]["addr"].as_str().unwrap().to_owned();
            return Started::Serving(child, format!("http://{addr}"), lines);
        }
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    Started::Refused(child.wait().unwrap().code(), stderr)
}

fn minter(env: &[(&str, &str)]) -> ticketgrab::tokens::Minter {
    let secret = |name: &str, dev: &str| {
        env.iter()
            .find(|(n, _)| *n == name)
            .map_or(dev.to_owned(), |(_, v)| (*v).to_owned())
    };
    use ticketgrab::config as c;
    ticketgrab::tokens::Minter::new(
        &secret("TG_MEMBER_SECRET", c::DEV_MEMBER_SECRET),
        &secret("TG_STAFF_SECRET", c::DEV_STAFF_SECRET),
        "12351",
    )
}

#[tokio::test]
async fn the_binary_alone_with_real_secrets_runs_production_and_refuses_the_demos_data() {
    // A fresh machine, nothing configured: README's first command, the demo.
    let dir = tempfile::tempdir().unwrap();
    let Started::Serving(mut demo, base, lines) = bare_binary(dir.path(), &[]) else {
        panic!("the demo did not start");
    };
    let printed = lines.join("\n");
    assert!(printed.contains("mode: DEMO"), "{printed}");
    let app = testkit::app::TestApp::external(&base, minter(&[]));
    let (_, events) = app.get("/api/v1/admin/events", &app.admin("bj")).await;
    assert!(events.to_string().contains("park-pass"), "{events}");
    demo.kill().unwrap();
    demo.wait().unwrap();

    // The same folder with real secrets: refused, naming the demo's sales
    // and the command that moves them aside.
    let Started::Refused(code, said) = bare_binary(dir.path(), &SECRETS) else {
        panic!("a production start served the demo's sales");
    };
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("production"), "{said}");
    assert!(
        said.contains("park-pass") && said.contains("cinema-5yuan"),
        "{said}"
    );
    assert!(
        said.contains("mv ticketgrab-data ticketgrab-data.demo"),
        "{said}"
    );

    // A fresh folder with real secrets: production, plainly.
    let fresh = tempfile::tempdir().unwrap();
    let Started::Serving(mut real, base, lines) = bare_binary(fresh.path(), &SECRETS) else {
        panic!("production did not start in a fresh folder");
    };
    let printed = lines.join("\n");
    assert!(printed.contains("mode: production"), "{printed}");
    assert!(!printed.contains("Tokens"), "tokens printed: {printed}");
    let app = testkit::app::TestApp::external(&base, minter(&SECRETS));
    let (status, events) = app.get("/api/v1/admin/events", &app.admin("bj")).await;
    assert_eq!(status, StatusCode::OK, "{events}");
    assert_eq!(events["events"], json!([]), "{events}");
    // The demo's pay button is not there: a priced hold stays unpaid.
    let now = ticketgrab::domain::Millis::now().0;
    let mut sale =
        testkit::app::event_body("umbrella", "bj", &[("u", 5)], now - 1_000, now + 3_600_000);
    sale["hold_minutes"] = json!(15);
    let (status, created) = app
        .post("/api/v1/admin/events", &app.admin("bj"), sale)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let me = app.member(1, "bj/x");
    let (status, held) = app.grab(&me, "umbrella", json!({"pool": "u"})).await;
    assert_eq!(status, StatusCode::CREATED, "{held}");
    let code = held["code"].as_str().unwrap();
    let (status, paid) = app
        .post(
            &format!("/api/v1/me/reservations/umbrella/{code}/pay"),
            &me,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{paid}");
    real.kill().unwrap();
    real.wait().unwrap();
}
