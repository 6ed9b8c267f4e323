//! After the grab: some holders cancel and some redeem (as after a real sale),
//! and the rules are checked from what members were told and from the
//! server's own audit.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};
use ticketgrab::tokens::Minter;

use crate::crowd::{card_for, member_org};
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
