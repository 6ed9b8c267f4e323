//! An archived sale's live state leaving Redis (`Store::drop_event`).

use super::RedisStore;
use super::reply::texts;
use crate::domain::{Error, EventId};
use crate::store::LogPos;
use crate::store::keys::EVENT_INDEX;
use crate::store::scripts::SCRIPTS;

impl RedisStore {
    /// drop.lua, then the sale leaves the index (another slot in a
    /// cluster, hence a second step; a sale indexed without keys reads as
    /// unknown, and a resumed archiving drops it again).
    pub(super) async fn drop_of(&self, event: &EventId, end: LogPos) -> Result<bool, Error> {
        let end = if end == LogPos::START {
            String::new()
        } else {
            end.to_string()
        };
        let reply = texts(self.calls.call(&SCRIPTS.drop, event, &[end]).await?)?;
        let words: Vec<&str> = reply.iter().map(String::as_str).collect();
        let gone = match words[..] {
            ["ok", "dropped"] => false,
            ["unknown_event"] => true,
            ["ok", "moved", ..] => return Ok(false),
            _ => return Err(Error::Corrupt(format!("drop reply {reply:?}"))),
        };
        let _: i64 = self
            .calls
            .query(
                redis::cmd("SREM")
                    .arg(EVENT_INDEX)
                    .arg(event.as_str())
                    .to_owned(),
            )
            .await?;
        if gone {
            Err(Error::UnknownEvent)
        } else {
            Ok(true)
        }
    }
}
