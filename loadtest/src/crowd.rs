//! The crowd and its sale: a card, a token, a choice of pools and an address
//! for every member; the sale created through the API; connections opened
//! before the opening.

use anyhow::{Context, bail};
use bytes::Bytes;
use rand::Rng;
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};
use ticketgrab::domain::{CardNumber, Millis, OrgPath, with_check_digit};
use ticketgrab::tokens::Minter;

use crate::fairness::{Group, Shares};
use crate::scenario::Scenario;

/// One member of the crowd, with their request's parts made once: a grab's
/// cost to the harness is then the HTTP exchange, not building it.
pub struct Member {
    pub index: usize,
    /// `Bearer <token>`.
    pub authorization: HeaderValue,
    /// The JSON body: ranked pools.
    pub body: Bytes,
    /// Their X-Forwarded-For address.
    pub ip: HeaderValue,
    pub attempts: u32,
    /// Fast, slow (each request leaves later) or a station walk-up (the
    /// station's token, the card in the body, the station route).
    pub group: Group,
}

/// The union the crowd belongs to (inside the sale's `bj`).
pub fn member_org() -> OrgPath {
    OrgPath::parse("bj/rehearsal").expect("a valid org")
}

/// Member `i`'s address (X-Forwarded-For): the crowd comes from many phones.
pub fn member_ip(i: u64) -> String {
    format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
}

/// The card of member `i` of run `run`: every run has its own cards.
pub fn card_for(run: u32, i: u64) -> CardNumber {
    CardNumber::parse(&with_check_digit(&format!("6219{run:04}{i:010}")))
        .expect("generated cards are valid")
}

/// The sale's id in run `run`.
pub fn event_id(scenario: &Scenario, run: u32) -> String {
    format!("{}-{}-{run}", scenario.name, Millis::now().0 / 1000)
}

/// Every member of the scenario, with tokens valid for six hours; walk-ups
/// (`shares.station`) are sent by `station` (a station's token) with their
/// card, for `event`.
pub fn build(
    minter: &Minter,
    scenario: &Scenario,
    run: u32,
    shares: &Shares,
    (event, station): (&str, &str),
) -> Vec<Member> {
    let org = member_org();
    let pool_ids: Vec<String> = scenario.pools.iter().map(|p| p.id.clone()).collect();
    let mut rng = rand::rng();
    (0..scenario.members)
        .map(|i| {
            let group = shares.group(i);
            let card = card_for(run, i);
            let mut body = if scenario.ranked <= 1 {
                json!({"pool": pool_ids[i as usize % pool_ids.len()]})
            } else {
                let mut ids = pool_ids.clone();
                for k in (1..ids.len()).rev() {
                    ids.swap(k, rng.random_range(0..=k));
                }
                ids.truncate(scenario.ranked);
                json!({"choices": ids})
            };
            let token = if group == Group::Station {
                body["event"] = json!(event);
                body["card"] = json!(card.digits());
                station.to_owned()
            } else if let Some(plan) = &scenario.kept {
                // The token names the member's union and groups.
                minter.member_in(&card, &plan.org(i, group), &plan.groups(i), 6 * 3600)
            } else {
                minter.member(&card, &org, 6 * 3600)
            };
            let ip = member_ip(i);
            Member {
                index: i as usize,
                authorization: HeaderValue::from_str(&format!("Bearer {token}"))
                    .expect("a token is a valid header value"),
                body: Bytes::from(body.to_string()),
                ip: HeaderValue::from_str(&ip).expect("an address is a valid header value"),
                attempts: 0,
                group,
            }
        })
        .collect()
}

/// The sale as created.
pub struct Sale {
    pub event: String,
    /// When it opens, by the server's clock, on this process's clock.
    pub opening: tokio::time::Instant,
}

/// Creates the sale `event`, opening `lead` from now by the server's clock
/// (with the scenario's fair window, if it has one).
pub async fn create_sale(
    client: &reqwest::Client,
    base: &str,
    admin: &str,
    scenario: &Scenario,
    lead: std::time::Duration,
    event: String,
) -> anyhow::Result<Sale> {
    let now = Millis::now().0;
    let opens = now + lead.as_millis() as i64;
    let mut create = json!({
        "id": event, "title": format!("Rehearsal {}", scenario.name), "org": "bj",
        "opens_at": Millis(opens).rfc3339(),
        "closes_at": Millis(now + 7_200_000).rfc3339(), "price_fen": 0,
        "pools": scenario.pools.iter().map(|p| json!({"id": p.id, "title": p.id, "total": p.total})).collect::<Vec<_>>(),
    });
    if let Some(plan) = &scenario.kept {
        for pool in create["pools"].as_array_mut().into_iter().flatten() {
            plan.add_to(pool, opens);
        }
    }
    if scenario.fair_window_secs > 0 {
        create["fair_window_secs"] = json!(scenario.fair_window_secs);
    }
    if let Some(paid) = &scenario.paid {
        create["price_fen"] = json!(paid.price_fen);
        create["hold_minutes"] = json!(paid.hold_minutes);
    }
    let resp = client
        .post(format!("{base}/api/v1/admin/events"))
        .bearer_auth(admin)
        .json(&create)
        .send()
        .await?;
    if resp.status() != StatusCode::CREATED {
        bail!(
            "creating the sale failed: {} {}",
            resp.status(),
            resp.text().await.unwrap_or_default()
        );
    }
    let created: Value = resp.json().await?;
    let opens_at: chrono::DateTime<chrono::Utc> =
        created["opens_at"].as_str().context("opens_at")?.parse()?;
    let server_time: chrono::DateTime<chrono::Utc> = created["server_time"]
        .as_str()
        .context("server_time")?
        .parse()?;
    let until_open = (opens_at - server_time).to_std().unwrap_or_default();
    Ok(Sale {
        event,
        opening: tokio::time::Instant::now() + until_open,
    })
}

/// Opens `connections` connections beforehand, as phones on a warm app would.
pub async fn warm_up(
    client: &reqwest::Client,
    base: &str,
    connections: usize,
) -> anyhow::Result<()> {
    let warm: Vec<_> = (0..connections)
        .map(|_| {
            let (client, url) = (client.clone(), format!("{base}/healthz"));
            tokio::spawn(async move { client.get(url).send().await.map(|r| r.status()) })
        })
        .collect();
    for w in warm {
        w.await??;
    }
    Ok(())
}
