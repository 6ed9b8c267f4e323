//! Domain types. Each can only be built valid, through `parse` or a checked
//! constructor, so the engine and the stores never see a malformed id or card.

mod card;
mod event;
mod ids;
mod reservation;
mod time;

pub use card::{
    CardNumber, MaskedCard, Member, MemberKey, MemberKeyer, luhn_valid, with_check_digit,
};
pub use event::{
    Event, EventView, MAX_POOL_TOTAL, MAX_POOLS, Pool, PoolStats, SaleStatus, StatusAction,
};
pub use ids::{Code, EventId, OrgPath, PoolId};
pub use reservation::{Channel, Reservation, Status};
pub use time::Millis;
