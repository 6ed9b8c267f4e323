//! After the grab of a priced sale (`cinema-paid`): those told `sold_out`
//! join the waiting list, holders pay within a random delay (some never do),
//! the unpaid holds expire and their seats go to the waiting list, whose
//! members pay in turn. Then the rules of holds and the waiting list are
//! checked from what members were told and the server's figures.

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream;
use rand::Rng;
use rand::seq::SliceRandom;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{Value, json};
use ticketgrab::payments::{SIGNATURE_HEADER, Signer};

use crate::checks::Staff;
use crate::crowd::{card_for, member_ip, member_org};
use crate::grab::Recorded;
use crate::report::{Answers, Check};
use crate::scenario::Paid;

/// What the step did and what it found.
pub struct PaidRun {
    pub answers: Answers,
    pub checks: Vec<Check>,
}

/// Sends a request until it is not 429/503 (as the app does, after
/// `Retry-After`), at most 20 times; the last answer's status and body.
async fn send(make: impl Fn() -> RequestBuilder) -> anyhow::Result<(StatusCode, Value)> {
    for _ in 0..20 {
        let resp = make().send().await?;
        let status = resp.status();
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            let wait: f64 = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(1.0);
            let jitter = rand::rng().random_range(1.0..1.5);
            tokio::time::sleep(Duration::from_secs_f64(wait.max(0.2) * jitter)).await;
            continue;
        }
        let body = resp.json().await.unwrap_or(Value::Null);
        return Ok((status, body));
    }
    anyhow::bail!("still refused after 20 tries")
}

/// What the step needs besides the staff and the grab's record.
pub struct Inputs<'a> {
    /// A staff token for the figures.
    pub admin: &'a str,
    /// The members' grab bodies (their pools), by member index.
    pub bodies: &'a [Bytes],
    /// The payment provider's secret.
    pub secret: &'a str,
    pub connections: usize,
    /// The sale's opening, on this process's clock.
    pub opening: tokio::time::Instant,
}

/// The step.
pub async fn after_grab(
    staff: &Staff<'_>,
    paid: &Paid,
    recorded: &Recorded,
    inputs: &Inputs<'_>,
) -> anyhow::Result<PaidRun> {
    let Inputs {
        admin,
        bodies,
        secret,
        connections,
        opening,
    } = *inputs;
    let Staff {
        client,
        base,
        event,
        ..
    } = *staff;
    let token = |m: usize| {
        staff
            .minter
            .member(&card_for(staff.run, m as u64), &member_org(), 3600)
    };
    let mut answers = Answers::default();
    let mut holders: Vec<(usize, String)> = recorded
        .codes
        .iter()
        .filter_map(|(m, c)| c.first().map(|c| (*m, c.clone())))
        .collect();
    holders.shuffle(&mut rand::rng());
    let mut losers: Vec<usize> = (0..bodies.len())
        .filter(|m| !recorded.codes.contains_key(m))
        .collect();
    losers.shuffle(&mut rand::rng());
    losers.truncate((losers.len() as f64 * paid.waiting_share).round() as usize);

    // Those too late join the waiting list, all at once.
    let join = |m: usize| {
        let url = format!("{base}/api/v1/events/{event}/waiting");
        let (token, body, ip) = (token(m), bodies[m].clone(), member_ip(m as u64));
        async move {
            let answer = send(|| {
                client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("x-forwarded-for", &ip)
                    .header("content-type", "application/json")
                    .body(body.clone())
            })
            .await;
            (m, answer)
        }
    };
    let joined: Vec<_> = stream::iter(losers.iter().copied())
        .map(join)
        .buffer_unordered(connections)
        .collect()
        .await;
    // A member's place when they joined is their place in line: nobody
    // leaves before the first hold expires.
    let mut places: Vec<(u64, usize)> = Vec::new();
    for (m, answer) in joined {
        let (status, body) = answer?;
        *answers
            .entry(format!("join {}", status.as_u16()))
            .or_default() += 1;
        if status == StatusCode::CREATED {
            places.push((body["position"].as_u64().unwrap_or(0), m));
        }
    }

    // Holders pay after a random delay; the first share never pays.
    let never = (holders.len() as f64 * paid.never_pay_share).round() as usize;
    let signer = Signer::new(secret);
    let pay = |code: String, delay_ms: u64, label: &'static str| {
        let url = format!("{base}/api/v1/payments/notify");
        let body = json!({"payment_id": format!("rehearsal-{code}"), "event": event,
            "code": code, "amount_fen": paid.price_fen})
        .to_string();
        let signature = signer.sign(body.as_bytes());
        async move {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            let answer = send(|| {
                client
                    .post(&url)
                    .header(SIGNATURE_HEADER, &signature)
                    .header("content-type", "application/json")
                    .body(body.clone())
            })
            .await;
            (label, answer)
        }
    };
    let mut rng = rand::rng();
    let payments: Vec<_> = holders[never..]
        .iter()
        .map(|(_, code)| {
            pay(
                code.clone(),
                rng.random_range(0..=paid.pay_within_ms),
                "pay",
            )
        })
        .collect();
    let mut late = 0;
    for (label, answer) in futures_util::future::join_all(payments).await {
        let (status, body) = answer?;
        let result = body["result"].as_str().unwrap_or("error");
        late += usize::from(result == "refund_due");
        *answers
            .entry(format!("{label} {} {result}", status.as_u16()))
            .or_default() += 1;
    }

    // Past the last hold's deadline (the grab phase, the hold, and the
    // sweeper's second), every unpaid hold has expired into the waiting list.
    let hold_ms = paid.hold_minutes as u64 * 60_000;
    let last_grab = recorded.ticket_times.iter().max().copied().unwrap_or(0);
    tokio::time::sleep_until(opening + Duration::from_millis(last_grab + hold_ms + 3_000)).await;

    // Who was served: their entry is gone and they hold a hold; they pay.
    let served = |(place, m): (u64, usize)| {
        let (token, ip) = (token(m), member_ip(m as u64));
        async move {
            let entry = send(|| {
                client
                    .get(format!("{base}/api/v1/events/{event}/waiting"))
                    .bearer_auth(&token)
                    .header("x-forwarded-for", &ip)
            })
            .await?;
            if entry.0 != StatusCode::NOT_FOUND {
                return anyhow::Ok(None);
            }
            let (_, mine) = send(|| {
                client
                    .get(format!("{base}/api/v1/me/reservations"))
                    .bearer_auth(&token)
                    .header("x-forwarded-for", &ip)
            })
            .await?;
            let ticket = mine["reservations"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["event"] == *event)
                .map(|r| {
                    (
                        r["code"].as_str().unwrap_or("").to_owned(),
                        r["status"].clone(),
                    )
                });
            Ok(Some((place, m, ticket)))
        }
    };
    let checked: Vec<_> = stream::iter(places.iter().copied())
        .map(served)
        .buffer_unordered(connections)
        .collect()
        .await;
    let mut served_places = Vec::new();
    let mut assigned_holds = Vec::new();
    let mut without_ticket = 0;
    for answer in checked {
        let Some((place, _, ticket)) = answer? else {
            continue;
        };
        served_places.push(place);
        match ticket {
            Some((code, status)) if status == "held" => assigned_holds.push(code),
            Some(_) => {}
            None => without_ticket += 1,
        }
    }
    served_places.sort_unstable();
    let assigned = served_places.len();
    let pays: Vec<_> = assigned_holds
        .iter()
        .map(|code| pay(code.clone(), 0, "assigned pay"))
        .collect();
    for (label, answer) in futures_util::future::join_all(pays).await {
        let (status, body) = answer?;
        let result = body["result"].as_str().unwrap_or("error").to_owned();
        *answers
            .entry(format!("{label} {} {result}", status.as_u16()))
            .or_default() += 1;
    }

    let (_, detail) = send(|| {
        client
            .get(format!("{base}/api/v1/admin/events/{event}"))
            .bearer_auth(admin)
    })
    .await?;
    let sum = |k: &str| -> i64 {
        detail["pools"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| p[k].as_i64().unwrap_or(0))
            .sum()
    };
    let (expired, held, remaining, waiting) = (
        sum("expired"),
        sum("held"),
        sum("remaining"),
        sum("waiting"),
    );
    let unpaid = (never + late) as i64;
    let in_line: HashSet<u64> = (1..=assigned as u64).collect();
    Ok(PaidRun {
        answers,
        checks: vec![
            Check::new(
                "every unpaid hold expired, once",
                expired == unpaid,
                format!("{expired} expired; {never} never paid, {late} paid too late"),
            ),
            Check::new(
                "expired seats went to the waiting list",
                assigned as i64 == expired.min(places.len() as i64),
                format!("{assigned} of {} waiting were served", places.len()),
            ),
            Check::new(
                "the waiting list was served in join order",
                served_places.iter().copied().collect::<HashSet<_>>() == in_line,
                format!(
                    "places served: {:?}..",
                    &served_places[..served_places.len().min(5)]
                ),
            ),
            Check::new(
                "every member served holds their ticket",
                without_ticket == 0,
                format!("{without_ticket} served without a ticket"),
            ),
            Check::new(
                "nothing is left held; no seat is free while anyone waits",
                held == 0 && (remaining == 0 || waiting == 0),
                format!("held {held}, remaining {remaining}, waiting {waiting}"),
            ),
        ],
    })
}
