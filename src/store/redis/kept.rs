//! Kept parts on Redis: staff's moves of seats between them (lua/move.lua).
//! What a grab takes from them and their release are the scripts' own
//! (lua/lib.lua `kept()`, `release_due`).

use super::RedisStore;
use super::reply::int;
use crate::domain::{Error, EventId, Move};
use crate::store::scripts::SCRIPTS;

impl RedisStore {
    pub(super) async fn move_in(&self, event: &EventId, m: &Move) -> Result<(i64, i64), Error> {
        let args = [
            m.pool.to_string(),
            m.from.to_string(),
            m.to.to_string(),
            m.seats.to_string(),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (_, fields) = self.calls.change(&SCRIPTS.moves, event, &args).await?;
        match &fields[..] {
            [from, to] => Ok((int(from)?, int(to)?)),
            other => Err(Error::Corrupt(format!("move.lua answered {other:?}"))),
        }
    }
}
