//! The read model at the edge gives the store's answers: two front ends with
//! it on, and one with it off, on one Redis; the same random sequence of
//! grabs (of one or two seats, or more than allowed), repeat grabs, cancels,
//! redemptions, restocks, pauses and closes
//! runs against an event on the two (each step on either) and against a twin
//! event on the third, and every HTTP answer must agree; then the sale closes
//! and the answers must still agree. The only window where they may not — a
//! change (a ticket taken or given back, a pause, ...) made on the *other*
//! front end, until the next poll reads it — is waited out before the next
//! step, as documented.

use std::collections::HashMap;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::app::{TestApp, event_body, spawn_app, spawn_app_on};
use ticketgrab::domain::Millis;

/// Longer than a poll (20 ms) plus a round trip, with room for a busy machine.
const LAG: Duration = Duration::from_millis(120);

/// One side of the comparison: the front ends it uses, its event, and what
/// its members were told they hold.
struct Side<'a> {
    fronts: Vec<&'a TestApp>,
    event: &'static str,
    codes: HashMap<u64, String>,
}

#[derive(Clone, Debug)]
enum Step {
    Grab {
        member: u64,
        org: &'static str,
        choices: Vec<&'static str>,
        seats: u8,
    },
    Cancel {
        member: u64,
    },
    Redeem {
        member: u64,
    },
    Restock {
        pool: &'static str,
        delta: i64,
    },
    Status(&'static str),
}

fn random_step(rng: &mut StdRng) -> Step {
    let member = rng.random_range(0..12);
    match rng.random_range(0..100) {
        0..55 => {
            let mut choices = vec!["p1", "p2"];
            if rng.random_bool(0.5) {
                choices.reverse();
            }
            choices.truncate(rng.random_range(1..=2));
            let org = if rng.random_bool(0.1) { "sh/x" } else { "bj/x" };
            let seats = match rng.random_range(0..20) {
                0 => 3,
                1..=5 => 2,
                _ => 1,
            };
            Step::Grab {
                member,
                org,
                choices,
                seats,
            }
        }
        55..70 => Step::Cancel { member },
        70..76 => Step::Redeem { member },
        76..90 => Step::Restock {
            pool: if rng.random_bool(0.5) { "p1" } else { "p2" },
            delta: if rng.random_bool(0.6) { 1 } else { -1 },
        },
        90..95 => Step::Status("pause"),
        _ => Step::Status("resume"),
    }
}

/// What an answer says, without what differs between the two events by
/// nature (codes, times): status, problem code, pool and ticket status, and
/// whether a ticket is the one this member was told about before.
impl Side<'_> {
    async fn run(&mut self, front: usize, step: &Step) -> String {
        let app = self.fronts[front];
        let event = self.event;
        let (status, body) = match step {
            Step::Grab {
                member,
                org,
                choices,
                seats,
            } => {
                app.grab(
                    &app.member(*member, org),
                    event,
                    json!({ "choices": choices, "seats": seats }),
                )
                .await
            }
            Step::Cancel { member } => {
                let Some(code) = self.codes.get(member) else {
                    return "no ticket to cancel".into();
                };
                app.delete(
                    &format!("/api/v1/me/reservations/{event}/{code}"),
                    &app.member(*member, "bj/x"),
                )
                .await
            }
            Step::Redeem { member } => {
                let Some(code) = self.codes.get(member) else {
                    return "no ticket to redeem".into();
                };
                app.post(
                    "/api/v1/station/redeem",
                    &app.station("bj"),
                    json!({"event": event, "code": code}),
                )
                .await
            }
            Step::Restock { pool, delta } => {
                app.post(
                    &format!("/api/v1/admin/events/{event}/pools/{pool}/restock"),
                    &app.admin("bj"),
                    json!({ "delta": delta }),
                )
                .await
            }
            Step::Status(action) => {
                app.post(
                    &format!("/api/v1/admin/events/{event}/{action}"),
                    &app.admin("bj"),
                    json!({}),
                )
                .await
            }
        };
        self.describe(step, status, &body)
    }

    fn describe(&mut self, step: &Step, status: StatusCode, body: &Value) -> String {
        if !status.is_success() {
            return format!("{status} {}", body["code"]);
        }
        match step {
            Step::Grab { member, .. } => {
                let code = body["code"]
                    .as_str()
                    .expect("a ticket has a code")
                    .to_owned();
                let same = self.codes.get(member) == Some(&code);
                if status == StatusCode::CREATED {
                    self.codes.insert(*member, code);
                }
                format!(
                    "{status} {} {} seats={} same_ticket={same}",
                    body["pool"], body["status"], body["seats"]
                )
            }
            Step::Cancel { .. } | Step::Redeem { .. } => {
                format!("{status} {} {}", body["pool"], body["status"])
            }
            Step::Restock { .. } => format!("{status} {} {}", body["remaining"], body["total"]),
            Step::Status(_) => format!("{status} {}", body["sale_status"]),
        }
    }
}

/// Two small pools, two seats per reservation.
async fn create_family_sale(app: &TestApp, id: &str) {
    let now = Millis::now().0;
    let mut body = event_body(
        id,
        "bj",
        &[("p1", 3), ("p2", 2)],
        now - 1_000,
        now + 3_600_000,
    );
    body["max_seats"] = json!(2);
    let (status, body) = app
        .post("/api/v1/admin/events", &app.admin("bj"), body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn two_front_ends_with_read_models_answer_every_step_as_the_store_does() {
    let first = spawn_app().await;
    let url = first.redis.as_ref().expect("on Redis").url();
    let second = spawn_app_on(&url, &[]).await;
    let direct = spawn_app_on(&url, &["--edge-poll-ms", "0"]).await;
    create_family_sale(&first, "edge").await;
    create_family_sale(&direct, "twin").await;
    let seed: u64 = std::env::var("TG_EDGE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut cached = Side {
        fronts: vec![&first, &second],
        event: "edge",
        codes: HashMap::new(),
    };
    let mut reference = Side {
        fronts: vec![&direct],
        event: "twin",
        codes: HashMap::new(),
    };
    let mut changed_on: Option<usize> = None;
    let mut grabs = 0;
    let close_at = 300;
    for n in 0..close_at + 20 {
        let step = if n == close_at {
            Step::Status("close")
        } else {
            random_step(&mut rng)
        };
        let front = rng.random_range(0..2);
        if changed_on.is_some_and(|f| f != front) {
            tokio::time::sleep(LAG).await;
            changed_on = None;
        }
        let got = cached.run(front, &step).await;
        let want = reference.run(0, &step).await;
        assert_eq!(
            got, want,
            "step {n} {step:?} on front end {front} (TG_EDGE_SEED={seed})"
        );
        // A step that may have changed the event (a ticket taken, given back,
        // used, restocked, a pause) opens the lag window on the other front end.
        let changed = match step {
            Step::Grab { .. } => {
                grabs += 1;
                got.starts_with("201")
            }
            _ => true,
        };
        if changed {
            changed_on = Some(front);
        }
    }
    let asked = first.store_calls("grab").await + second.store_calls("grab").await;
    assert!(
        asked < grabs,
        "the read models answered none of {grabs} grabs (TG_EDGE_SEED={seed})"
    );
    eprintln!("{grabs} grabs, {asked} asked of the store (TG_EDGE_SEED={seed})");
}
