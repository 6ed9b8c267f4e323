//! What is public of a sale's mode: race or lottery, and a lottery's rules
//! and draw as published. Below the other wire shapes (they all show it).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{EventView, LotteryPhase};
use crate::lottery::draw::ALGORITHM;

/// How a sale gives its tickets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SaleMode {
    #[default]
    Race,
    Lottery,
}

impl SaleMode {
    pub fn of(v: &EventView) -> Self {
        if v.event.is_lottery_sale() {
            Self::Lottery
        } else {
            Self::Race
        }
    }
}

/// A lottery's rules and where its draw stands: published for anyone. A
/// race with a fair window publishes its window's draw the same way, with
/// `fair_window_secs` and no public value.
#[derive(Serialize, ToSchema)]
pub struct LotteryDto {
    /// A race's fair window, in seconds; absent for a lottery sale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fair_window_secs: Option<i64>,
    /// When registration closes: a fair window's end, a lottery's close.
    pub registration_closes_at: DateTime<Utc>,
    /// The rules' name and version (`ticketgrab-draw-v2`).
    pub algorithm: &'static str,
    pub phase: LotteryPhase,
    pub draw_at: DateTime<Utc>,
    /// Which public random value is mixed in, named at creation (empty for
    /// a fair window: it has none, and protects members from speed, not
    /// from an operator who holds the seed).
    pub public_source: String,
    /// Hex SHA-256 of the secret seed, published at creation.
    pub seed_commitment: String,
    /// Entries now.
    pub entries: i64,
    /// Results written so far (the draw's progress).
    pub written: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drawn_at: Option<DateTime<Utc>>,
    /// Hex; the seed, the entries' digest and the draw's seed are shown
    /// once the draw is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draw_seed: Option<String>,
    /// From the close of registration (`ticketgrab-draw-v2`): the entries'
    /// count and digest and each pool's stock, fixed before the public value
    /// exists. Keep `closing.digest` then; `ticketgrab verify-draw
    /// --closing <digest>` holds the draw's export to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing: Option<crate::lottery::close::Published>,
}

impl LotteryDto {
    pub fn of(v: &EventView) -> Option<Self> {
        let l = v.event.lottery.as_ref()?;
        let drawn = v.draw.drawn_at.is_some();
        Some(Self {
            fair_window_secs: l.is_fair().then_some(l.fair_window_ms / 1000),
            registration_closes_at: v.event.registration_closes().to_datetime(),
            algorithm: ALGORITHM,
            phase: v.lottery_phase()?,
            draw_at: l.draw_at.to_datetime(),
            public_source: l.public_source.clone(),
            seed_commitment: hex::encode(l.commitment()),
            entries: v.draw.entries,
            written: v.draw.written,
            public_value: v.draw.public_value.clone(),
            drawn_at: v.draw.drawn_at.map(|t| t.to_datetime()),
            seed: drawn.then(|| hex::encode(l.seed)),
            entries_digest: v.draw.entries_digest.clone(),
            draw_seed: v.draw.draw_seed.clone(),
            closing: None,
        })
    }
}
