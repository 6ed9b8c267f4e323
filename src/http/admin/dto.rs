//! What goes over the wire on the admin routes: request bodies and staff's
//! views of events, with their OpenAPI schemas.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{
    Details, EventView, Group, Kept, KeptFor, Lottery, MAX_FAIR_WINDOW_MS, Millis, OrgPath, Phase,
    PoolStats,
};
use crate::http::dto::DetailsDto;
use crate::http::dto::published::{LotteryDto, SaleMode};

fn time(m: crate::domain::Millis) -> DateTime<Utc> {
    m.to_datetime()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePoolBody {
    pub id: String,
    /// In Chinese.
    pub title: String,
    #[serde(deserialize_with = "crate::http::json::whole_number")]
    pub total: i64,
    /// What this pool's tickets say where it differs from the event (a
    /// show's own start, another cinema); the English title is the pool's.
    pub title_en: Option<String>,
    pub venue: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub notes: Option<String>,
    /// Seats kept for a group of members (from the token's `groups`, or
    /// the register at a station) until `release_at`; then what is left is
    /// everyone's. Not on lotteries or fair windows.
    #[serde(default)]
    pub shares: Vec<ShareBody>,
    /// Seats kept for unions under the sale's org (a district, a street's
    /// station) until `allotments_release_at`.
    #[serde(default)]
    pub allotments: Vec<AllotmentBody>,
    /// When what is left of the allotments goes to everyone (required with
    /// allotments).
    pub allotments_release_at: Option<DateTime<Utc>>,
}

/// A reserved share of a pool.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareBody {
    /// A group name, e.g. `hardship`, `model_worker`.
    pub group: String,
    #[serde(deserialize_with = "crate::http::json::whole_number")]
    pub seats: i64,
    pub release_at: DateTime<Utc>,
}

/// A union's allotment of a pool.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllotmentBody {
    /// A union under the sale's org, e.g. `bj/chaoyang`.
    pub org: String,
    #[serde(deserialize_with = "crate::http::json::whole_number")]
    pub seats: i64,
}

impl CreatePoolBody {
    pub fn details(&self) -> Details {
        details(&self.title_en, &self.venue, self.starts_at, &self.notes)
    }

    /// The pool's kept parts: its shares, then its allotments (the order
    /// that numbers them). Each part's rules are checked with the sale's
    /// (`Event::validate`).
    pub fn kept(&self) -> Result<Vec<Kept>, crate::domain::Error> {
        let invalid = crate::domain::Error::invalid;
        let release = match (&self.allotments[..], self.allotments_release_at) {
            ([], None) => None,
            ([], Some(_)) => {
                return Err(invalid(format!(
                    "pool {}: allotments_release_at without allotments",
                    self.id
                )));
            }
            (_, None) => {
                return Err(invalid(format!(
                    "pool {}: allotments need allotments_release_at",
                    self.id
                )));
            }
            (_, Some(at)) => Some(Millis::from_datetime(at)),
        };
        let mut kept = Vec::new();
        for s in &self.shares {
            kept.push(Kept {
                rule: KeptFor::Group(Group::parse(&s.group)?),
                seats: s.seats,
                release_at: Millis::from_datetime(s.release_at),
            });
        }
        for a in &self.allotments {
            kept.push(Kept {
                rule: KeptFor::Org(OrgPath::parse(&a.org)?),
                seats: a.seats,
                release_at: release.expect("checked above"),
            });
        }
        Ok(kept)
    }
}

fn details(
    title_en: &Option<String>,
    venue: &Option<String>,
    starts_at: Option<DateTime<Utc>>,
    notes: &Option<String>,
) -> Details {
    Details {
        title_en: title_en.clone(),
        venue: venue.clone(),
        starts_at: starts_at.map(Millis::from_datetime),
        notes: notes.clone(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEventBody {
    pub id: String,
    /// In Chinese; members see it, or `title_en` in English.
    pub title: String,
    /// The title in English.
    pub title_en: Option<String>,
    /// Where tickets are used ("北京儿童艺术剧院").
    pub venue: Option<String>,
    /// When the show starts (or the pass is valid from); not before `opens_at`.
    pub starts_at: Option<DateTime<Utc>>,
    /// How to use a ticket ("到龙潭街道工会服务站出示二维码").
    pub notes: Option<String>,
    pub org: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    #[serde(deserialize_with = "crate::http::json::whole_number")]
    pub price_fen: i64,
    /// Seats one reservation may hold, 1 to 6 (default 1; 2 for "a parent
    /// with a child"). Pool totals are in seats.
    #[serde(default, deserialize_with = "crate::http::json::optional_whole_number")]
    pub max_seats: Option<i64>,
    /// Minutes a new ticket of a priced sale is held for payment (1 to
    /// 1440; default 15 when `price_fen` > 0). 0: no hold, a ticket at once
    /// (paid at the counter). A free sale has no hold.
    #[serde(default, deserialize_with = "crate::http::json::optional_whole_number")]
    pub hold_minutes: Option<i64>,
    /// `race` (default): first come, first served from `opens_at`.
    /// `lottery`: `opens_at..closes_at` is the registration window and the
    /// tickets are drawn at `draw_at`.
    #[serde(default)]
    pub mode: SaleMode,
    /// A race's fair window, in seconds from `opens_at` (0 to 600; 0 or
    /// absent: none): every grab that reaches the service inside it is
    /// registered (202), and the registrations are drawn automatically at
    /// its end (plus 5 s for the last ones to be written), with the
    /// lottery's verifiable rules but no public value; then the race goes
    /// on with what is left. Speed inside the window wins nothing.
    #[serde(default, deserialize_with = "crate::http::json::optional_whole_number")]
    #[schema(minimum = 0, maximum = 600)]
    pub fair_window_secs: Option<i64>,
    /// A lottery's draw: at or after `closes_at`.
    pub draw_at: Option<DateTime<Utc>>,
    /// A lottery's public random value, named now, entered after the close:
    /// one that does not exist yet when registration ends ("drand round
    /// 5000000", "福彩3D 2026-12-08 开奖号码").
    pub public_source: Option<String>,
    /// The program (普惠) the sale belongs to: its tickets count under the
    /// program's cap; its org within the program's, its window within the
    /// program's dates.
    pub program: Option<String>,
    pub pools: Vec<CreatePoolBody>,
}

impl CreateEventBody {
    pub fn details(&self) -> Details {
        details(&self.title_en, &self.venue, self.starts_at, &self.notes)
    }

    /// The draw's rules with a fresh secret seed: a lottery's, for `mode:
    /// lottery`, or a race's fair window.
    pub fn lottery(&self) -> Result<Option<Lottery>, &'static str> {
        let window = self.fair_window_secs.filter(|s| *s != 0);
        match (self.mode, self.draw_at, &self.public_source, window) {
            (SaleMode::Race, None, None, None) => Ok(None),
            (SaleMode::Race, None, None, Some(secs)) => {
                if !(1..=MAX_FAIR_WINDOW_MS / 1000).contains(&secs) {
                    return Err("fair_window_secs must be 0 to 600");
                }
                let opens = Millis::from_datetime(self.opens_at);
                Ok(Some(Lottery::fair(opens, secs * 1000)))
            }
            (SaleMode::Race, _, _, _) => Err("draw_at and public_source are for mode lottery"),
            (SaleMode::Lottery, _, _, Some(_)) => {
                Err("fair_window_secs is for a race: a lottery is drawn whole")
            }
            (SaleMode::Lottery, Some(at), Some(source), None) => Ok(Some(Lottery::new(
                Millis::from_datetime(at),
                source.clone(),
            ))),
            (SaleMode::Lottery, _, _, None) => Err("a lottery needs draw_at and public_source"),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestockBody {
    /// Tickets to add (> 0) or unsold tickets to withdraw (< 0).
    #[serde(deserialize_with = "crate::http::json::whole_number")]
    pub delta: i64,
}

/// An event with per-pool stats, for staff.
#[derive(Serialize, ToSchema)]
pub struct AdminEventDto {
    pub id: String,
    pub title: String,
    #[serde(flatten)]
    pub details: DetailsDto,
    pub org: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// upcoming, open, paused, sold_out or closed, at `server_time`.
    pub status: Phase,
    /// What staff set: open, paused or closed.
    pub sale_status: String,
    pub price_fen: i64,
    pub max_seats: u8,
    /// Minutes a new ticket is held for payment (0: none).
    pub hold_minutes: i64,
    /// Every figure of each pool, in seats, as the store reports it.
    pub pools: Vec<AdminPoolDto>,
    pub mode: SaleMode,
    /// A lottery's rules and its draw; absent in a race.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lottery: Option<LotteryDto>,
    /// The program whose cap its tickets count under; absent outside programs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    pub server_time: DateTime<Utc>,
    /// Tickets reserved in each of the last 60 seconds, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grabs_per_second: Option<Vec<u32>>,
}

impl AdminEventDto {
    pub fn new(v: &EventView, grabs_per_second: Option<Vec<u32>>) -> Self {
        Self {
            id: v.event.id.to_string(),
            title: v.event.title.clone(),
            details: (&v.event.details).into(),
            org: v.event.org.as_str().to_owned(),
            opens_at: time(v.event.opens_at),
            closes_at: time(v.event.closes_at),
            status: v.phase(),
            sale_status: v.status.as_str().to_owned(),
            price_fen: v.event.price_fen,
            max_seats: v.event.max_seats,
            program: v.event.program.as_ref().map(ToString::to_string),
            hold_minutes: v.event.hold_ms / 60_000,
            pools: v
                .pools
                .iter()
                .zip(&v.event.pools)
                .map(|(stats, pool)| AdminPoolDto {
                    stats: stats.clone(),
                    details: (&pool.details).into(),
                    parts: super::parts::parts_of(stats, pool),
                })
                .collect(),
            mode: SaleMode::of(v),
            lottery: LotteryDto::of(v),
            server_time: time(v.server_time),
            grabs_per_second,
        }
    }
}

/// A pool's figures and what its tickets say.
#[derive(Serialize, ToSchema)]
pub struct AdminPoolDto {
    #[serde(flatten)]
    pub stats: PoolStats,
    #[serde(flatten)]
    pub details: DetailsDto,
    /// Seats kept for groups (shares) and unions (allotments), live.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<super::parts::PartDto>,
}

#[derive(Serialize, ToSchema)]
pub struct AdminEventList {
    pub events: Vec<AdminEventDto>,
    pub server_time: DateTime<Utc>,
    /// What the answering instance refused since it started (each instance
    /// counts its own; Prometheus sums them).
    pub refused: crate::metrics::Refusals,
}

#[derive(Serialize, ToSchema)]
pub struct RestockResult {
    pub pool: String,
    pub remaining: i64,
    pub total: i64,
}

/// What releasing a pool's unused tickets did.
#[derive(Serialize, ToSchema)]
pub struct ReleaseResult {
    pub pool: String,
    /// Paid, unused tickets now `no_show`, and their seats (given to the
    /// waiting list first, then walk-ups and the app).
    pub released: i64,
    pub seats: i64,
    /// Unsold seats after the waiting list was served.
    pub remaining: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StatusResult {
    pub event: String,
    /// open, paused or closed.
    pub sale_status: String,
}

/// Codes that members were told they hold.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmedBody {
    pub confirmed: Vec<String>,
}
