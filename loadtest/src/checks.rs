//! After the grab: some holders cancel and some redeem (as after a real sale),
//! and the rules are checked from what members were told and from the
//! server's own audit (and, for a race with a fair window, from its draw).

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};
use ticketgrab::tokens::Minter;

use crate::crowd::{card_for, member_org};
use crate::fairness::Window;
use crate::grab::Recorded;
use crate::report::{Answers, Check};
use crate::scenario::Scenario;

/// Where the sale runs and who acts on it.
pub struct Staff<'a> {
    pub client: &'a reqwest::Client,
    pub base: &'a str,
    pub event: &'a str,
    pub station: &'a str,
    pub minter: &'a Minter,
    pub run: u32,
}

/// The scenario's share of holders cancel, then its share redeem at a station.
pub async fn after_sale(
    staff: &Staff<'_>,
    scenario: &Scenario,
    recorded: &Recorded,
) -> anyhow::Result<Answers> {
    let Staff {
        client,
        base,
        event,
        ..
    } = staff;
    let holders: Vec<(usize, &String)> = recorded
        .codes
        .iter()
        .filter_map(|(m, c)| c.first().map(|c| (*m, c)))
        .collect();
    let n_cancel = (holders.len() as f64 * scenario.cancel_share).round() as usize;
    let n_redeem = ((holders.len() as f64 * scenario.redeem_share).round() as usize)
        .min(holders.len() - n_cancel);
    let mut after = Answers::default();
    for (i, (member, code)) in holders.iter().enumerate().take(n_cancel + n_redeem) {
        let cancel = i < n_cancel;
        let resp = if cancel {
            let card = card_for(staff.run, *member as u64);
            let token = staff.minter.member(&card, &member_org(), 600);
            client
                .delete(format!("{base}/api/v1/me/reservations/{event}/{code}"))
                .bearer_auth(token)
                .send()
                .await?
        } else {
            client
                .post(format!("{base}/api/v1/station/redeem"))
                .bearer_auth(staff.station)
                .json(&json!({"event": event, "code": code}))
                .send()
                .await?
        };
        let what = if cancel { "cancel" } else { "redeem" };
        *after
            .entry(format!("{what} {}", resp.status().as_u16()))
            .or_default() += 1;
    }
    Ok(after)
}

/// The rules, as members and the server's audit see them.
pub fn checks(
    scenario: &Scenario,
    recorded: &Recorded,
    members: usize,
    errors: u64,
    audit: &Value,
) -> Vec<Check> {
    let stock = scenario.stock();
    let mut owners: HashMap<&String, HashSet<usize>> = HashMap::new();
    for (member, codes) in &recorded.codes {
        for code in codes {
            owners.entry(code).or_default().insert(*member);
        }
    }
    let shared_codes = owners.values().filter(|m| m.len() > 1).count();
    let two_codes = recorded
        .codes
        .values()
        .filter(|c| c.iter().collect::<HashSet<_>>().len() > 1)
        .count();
    let tickets = owners.len() as i64;
    let demand_exceeds = scenario.members as i64 > stock;
    vec![
        Check::new(
            "every ticket code is unique",
            shared_codes == 0,
            format!("{shared_codes} codes given to more than one member"),
        ),
        Check::new(
            "no member got two tickets",
            two_codes == 0,
            format!("{two_codes} members with two codes"),
        ),
        Check::new(
            "tickets <= stock",
            tickets <= stock,
            format!("{tickets} of {stock}"),
        ),
        Check::new(
            "tickets == stock when demand exceeds it",
            !demand_exceeds || scenario.ranked > 1 || tickets == stock,
            format!("{tickets} of {stock}, {} members", scenario.members),
        ),
        Check::new(
            "every member got a final answer",
            recorded.final_times.len() == members,
            format!("{} of {members}", recorded.final_times.len()),
        ),
        Check::new(
            "no errors",
            errors == 0,
            format!("{errors} members ended on an error"),
        ),
        Check::new(
            "the server's audit is ok",
            audit["ok"] == true,
            audit["violations"].to_string(),
        ),
    ]
}

/// Tickets sold, counted by distinct codes members were given.
pub fn tickets(recorded: &Recorded) -> i64 {
    recorded
        .codes
        .values()
        .flatten()
        .collect::<HashSet<_>>()
        .len() as i64
}

/// A race with a fair window: its draw published, its export verified by
/// `verify-draw`'s rules against the closing published at the window's
/// end, every registration answered (202) in the draw.
pub async fn window_checks(
    client: &reqwest::Client,
    base: &str,
    event: &str,
    registered_answers: Option<u64>,
) -> anyhow::Result<(Vec<Check>, Window)> {
    let url = format!("{base}/api/v1/events/{event}/lottery");
    let lottery: serde_json::Value = client.get(&url).send().await?.json().await?;
    let export: ticketgrab::lottery::export::Export = client
        .get(format!("{url}/export"))
        .send()
        .await?
        .json()
        .await?;
    let kept = lottery["closing"]["digest"].as_str();
    let verified = ticketgrab::lottery::export::verify(&export, kept);
    let entries = lottery["entries"].as_u64().unwrap_or(0);
    let at = |k: &str| {
        lottery[k]
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
    };
    let window = Window {
        secs: lottery["fair_window_secs"].as_i64().unwrap_or(0),
        registrations: entries,
        registrations_per_s: None,
        draw_s: match (at("draw_at"), at("drawn_at")) {
            (Some(due), Some(done)) => Some((done - due).num_milliseconds() as f64 / 1000.0),
            _ => None,
        },
    };
    let checks = vec![
        Check::new(
            "the fair window's draw is published",
            lottery["phase"] == "drawn" && lottery["written"] == lottery["entries"],
            format!(
                "phase {}, {} of {entries} written",
                lottery["phase"], lottery["written"]
            ),
        ),
        Check::new(
            "its export verifies (verify-draw's rules, held to the closing)",
            verified.is_ok() && export.public_value.is_empty(),
            verified.err().map_or("ok".into(), |e| e.join("; ")),
        ),
        Check::new(
            "every registration is in the draw",
            registered_answers == Some(entries) && export.entries.len() as u64 == entries,
            format!(
                "{entries} entries, {} members answered 202 registered",
                registered_answers.unwrap_or(0)
            ),
        ),
    ];
    Ok((checks, window))
}
