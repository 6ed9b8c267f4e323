//! Lottery sales (抽签): an event whose window is a registration, not a
//! race. What staff fix at creation ([`Lottery`]: when the draw is, which
//! public random value will be mixed in, and the secret seed the service
//! drew, of which only the SHA-256 is shown until the draw), a member's entry
//! ([`LotteryEntry`]), and where the draw stands ([`DrawState`]).

use serde::Serialize;

use super::{Channel, MaskedCard, MemberKey, Millis, PoolId, parse_seats};
use crate::domain::Error;

/// How long the waiting list of a drawn lottery is served when the sale
/// names no show time: 30 days after the draw.
pub const WAITING_AFTER_DRAW_MS: i64 = 30 * 24 * 3600 * 1000;
/// The longest public value or its source's name.
pub const MAX_PUBLIC_CHARS: usize = 200;
/// The longest fair window of a race: 10 minutes.
pub const MAX_FAIR_WINDOW_MS: i64 = 600_000;
/// How long after a fair window's end its draw starts: every registration
/// that reached a front end inside the window is written or answered by
/// then (a front end answers within its request timeout, 5 s unless set,
/// and stamps the arrival it registers; the store takes a registration
/// whose stamp is inside the window until the draw starts).
pub const FAIR_DRAW_GRACE_MS: i64 = 5_000;

/// The rules of a draw, fixed at creation: a lottery sale's, or the fair
/// window of a race (`fair_window_ms > 0`): the race's first seconds are
/// registrations, drawn by the same rules at the window's end, with no
/// public value (it protects members from speed, not from an operator who
/// holds the seed), after which what is left sells first come.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lottery {
    /// When the draw may run; at or after the window's close (a fair
    /// window's: its end plus [`FAIR_DRAW_GRACE_MS`]).
    pub draw_at: Millis,
    /// Which public random value will be mixed in, named before it exists:
    /// "drand round 5,000,000", "福彩3D 2026-12-08".
    pub public_source: String,
    /// The secret seed. Never shown before the draw is published; only its
    /// SHA-256, the commitment.
    #[serde(skip)]
    pub seed: [u8; 32],
    /// A race's fair window, in ms from its opening; 0: a lottery sale.
    #[serde(skip)]
    pub fair_window_ms: i64,
}

impl Lottery {
    /// The names fields are stored under, by every store and the journal.
    pub const NAMES: [&str; 4] = ["draw_at", "public_source", "seed", "fair_ms"];

    /// A new lottery with a fresh seed from the operating system.
    pub fn new(draw_at: Millis, public_source: String) -> Self {
        Self {
            draw_at,
            public_source,
            seed: rand::random(),
            fair_window_ms: 0,
        }
    }

    /// The fair window of a race opening at `opens_at`, with a fresh seed:
    /// no public source, the draw [`FAIR_DRAW_GRACE_MS`] after its end.
    pub fn fair(opens_at: Millis, window_ms: i64) -> Self {
        Self {
            draw_at: Millis(opens_at.0 + window_ms + FAIR_DRAW_GRACE_MS),
            public_source: String::new(),
            seed: rand::random(),
            fair_window_ms: window_ms,
        }
    }

    /// A race's fair window rather than a lottery sale.
    pub fn is_fair(&self) -> bool {
        self.fair_window_ms > 0
    }

    pub fn validate(&self, opens_at: Millis, closes_at: Millis) -> Result<(), Error> {
        if self.is_fair() {
            let end = opens_at.0 + self.fair_window_ms;
            if self.fair_window_ms > MAX_FAIR_WINDOW_MS || end >= closes_at.0 {
                return Err(Error::invalid(format!(
                    "fair_window_secs must be 1 to {} and end before closes_at",
                    MAX_FAIR_WINDOW_MS / 1000
                )));
            }
            // The service always sets FAIR_DRAW_GRACE_MS; a store may hold
            // any grace up to a window's length (tests use shorter ones).
            let grace = self.draw_at.0 - end;
            if !(0..=MAX_FAIR_WINDOW_MS).contains(&grace) || !self.public_source.is_empty() {
                return Err(Error::invalid(
                    "a fair window is drawn at its end, with no public value",
                ));
            }
            return Ok(());
        }
        if self.draw_at < closes_at {
            return Err(Error::invalid(
                "draw_at must not be before the registration closes (closes_at)",
            ));
        }
        check_public("public_source", &self.public_source)
    }

    /// What is published before the window opens: SHA-256 of the seed.
    pub fn commitment(&self) -> [u8; 32] {
        seed_commitment(&self.seed)
    }

    /// How long a loser waits for a returned seat: until the show starts
    /// (`starts_at`), else [`WAITING_AFTER_DRAW_MS`] after the draw.
    pub fn waiting_cutoff(&self, starts_at: Option<Millis>) -> Millis {
        starts_at
            .filter(|s| *s > self.draw_at)
            .unwrap_or(Millis(self.draw_at.0 + WAITING_AFTER_DRAW_MS))
    }

    /// Its stored fields (a lottery sale's have no `fair_ms`, as before
    /// fair windows existed).
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let [draw_at, source, seed, fair] = Self::NAMES;
        let mut out = vec![
            (draw_at, self.draw_at.0.to_string()),
            (source, self.public_source.clone()),
            (seed, hex::encode(self.seed)),
        ];
        if self.is_fair() {
            out.push((fair, self.fair_window_ms.to_string()));
        }
        out
    }

    /// Builds it from the stored fields (`get` finds a field by name); `None`
    /// when the event has none (a race).
    pub fn from_fields<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Option<Self>, Error> {
        let Some(draw_at) = get("draw_at") else {
            return Ok(None);
        };
        let corrupt = |what: &str| Error::Corrupt(format!("bad lottery {what}"));
        let seed = hex::decode(get("seed").ok_or_else(|| corrupt("seed"))?)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| corrupt("seed"))?;
        Ok(Some(Self {
            draw_at: Millis(draw_at.parse().map_err(|_| corrupt("draw_at"))?),
            public_source: get("public_source")
                .ok_or_else(|| corrupt("public_source"))?
                .to_owned(),
            seed,
            fair_window_ms: match get("fair_ms") {
                Some(ms) => ms.parse().map_err(|_| corrupt("fair_ms"))?,
                None => 0,
            },
        }))
    }
}

/// A public value or its source: printable, 1 to [`MAX_PUBLIC_CHARS`].
pub fn check_public(what: &str, s: &str) -> Result<(), Error> {
    if s.trim().is_empty()
        || s.chars().count() > MAX_PUBLIC_CHARS
        || s.chars().any(char::is_control)
    {
        return Err(Error::invalid(format!(
            "{what} must be 1 to {MAX_PUBLIC_CHARS} printable characters"
        )));
    }
    Ok(())
}

/// One member's entry in a lottery, with its result once drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LotteryEntry {
    pub member: MemberKey,
    /// Ranked pools; all seats from one.
    pub choices: Vec<PoolId>,
    pub seats: u8,
    pub card: MaskedCard,
    pub channel: Channel,
    pub entered_at: Millis,
    /// After the draw: the place drawn (1 first) and the pool won, if any.
    pub rank: Option<u32>,
    pub won: Option<PoolId>,
}

impl LotteryEntry {
    /// The record both stores keep: `pools|seats|card|channel|entered|rank|won`
    /// (rank and won empty before the draw).
    pub fn to_record(&self) -> String {
        let pools: Vec<&str> = self.choices.iter().map(PoolId::as_str).collect();
        format!(
            "{}|{}|{}|{}|{}|{}|{}",
            pools.join(","),
            self.seats,
            self.card.as_str(),
            self.channel.as_str(),
            self.entered_at.0,
            self.rank.map(|r| r.to_string()).unwrap_or_default(),
            self.won.as_ref().map_or("", PoolId::as_str),
        )
    }

    pub fn from_record(member: MemberKey, record: &str) -> Result<Self, Error> {
        let corrupt = || Error::Corrupt(format!("bad lottery entry {record:?}"));
        let f: Vec<&str> = record.split('|').collect();
        let [pools, seats, card, channel, entered, rank, won] = f[..] else {
            return Err(corrupt());
        };
        Ok(Self {
            member,
            choices: pools
                .split(',')
                .map(|p| PoolId::parse(p).map_err(|_| corrupt()))
                .collect::<Result<_, _>>()?,
            seats: parse_seats(seats).ok_or_else(corrupt)?,
            card: MaskedCard::from_stored(card).map_err(|_| corrupt())?,
            channel: Channel::parse(channel).ok_or_else(corrupt)?,
            entered_at: Millis(entered.parse().map_err(|_| corrupt())?),
            rank: match rank {
                "" => None,
                r => Some(r.parse().map_err(|_| corrupt())?),
            },
            won: match won {
                "" => None,
                p => Some(PoolId::parse(p).map_err(|_| corrupt())?),
            },
        })
    }
}

/// An entry as it was made, or found again (entering twice).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entered {
    pub entry: LotteryEntry,
    pub new: bool,
}

/// Where an event's draw stands, as the store keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DrawState {
    /// Entries in the lottery now.
    pub entries: i64,
    /// Entered by staff after the window closed.
    pub public_value: Option<String>,
    /// The draw's id, from its first start (a resumed draw keeps it).
    pub draw_id: Option<String>,
    /// Seats each pool had to give when the draw started.
    pub stock: Vec<(PoolId, i64)>,
    /// Entries whose result is written.
    pub written: i64,
    /// When the last result was written: the draw is published.
    pub drawn_at: Option<Millis>,
    /// Hex, once published.
    pub entries_digest: Option<String>,
    pub draw_seed: Option<String>,
}

impl DrawState {
    /// `pool:n,pool:n`: how the start's stock is stored.
    pub fn stock_text(&self) -> String {
        let parts: Vec<String> = self.stock.iter().map(|(p, n)| format!("{p}:{n}")).collect();
        parts.join(",")
    }

    pub fn parse_stock(s: &str) -> Result<Vec<(PoolId, i64)>, Error> {
        let corrupt = || Error::Corrupt(format!("bad draw stock {s:?}"));
        if s.is_empty() {
            return Ok(Vec::new());
        }
        s.split(',')
            .map(|part| {
                let (p, n) = part.split_once(':').ok_or_else(corrupt)?;
                Ok((
                    PoolId::parse(p).map_err(|_| corrupt())?,
                    n.parse().map_err(|_| corrupt())?,
                ))
            })
            .collect()
    }
}

/// Where a lottery stands for members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LotteryPhase {
    /// Before the window opens.
    Upcoming,
    /// Entries are taken.
    Registering,
    /// Closed, waiting for the draw.
    AwaitingDraw,
    Drawing,
    /// Published: results, seed and export.
    Drawn,
}

/// What is published of a seed before the window opens: its SHA-256.
pub fn seed_commitment(seed: &[u8; 32]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(seed).into()
}

#[cfg(test)]
#[path = "lottery_tests.rs"]
mod tests;
