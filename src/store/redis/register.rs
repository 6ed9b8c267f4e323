//! The member register in Redis: one hash, `tg:register`, member key →
//! entry. An import writes it a chunk at a time (one `HSET` and one `HDEL`
//! of at most `REGISTER_CHUNK` fields: a couple of ms of Redis's thread
//! each); a station's front end reads one entry with `HGET`.

use super::RedisStore;
use crate::domain::{Error, MemberKey, Membership, RegisterRow};
use crate::store::keys::REGISTER;

impl RedisStore {
    pub(super) async fn register_write_in(
        &self,
        rows: &[RegisterRow],
    ) -> Result<(u64, u64), Error> {
        let mut set = redis::cmd("HSET");
        set.arg(REGISTER);
        let mut del = redis::cmd("HDEL");
        del.arg(REGISTER);
        let (mut sets, mut dels) = (0, 0);
        for row in rows {
            match &row.entry {
                Some(entry) => {
                    set.arg(row.member.as_str()).arg(entry.to_stored());
                    sets += 1;
                }
                None => {
                    del.arg(row.member.as_str());
                    dels += 1;
                }
            }
        }
        let added: u64 = if sets > 0 {
            self.calls.query(set).await?
        } else {
            0
        };
        let removed: u64 = if dels > 0 {
            self.calls.query(del).await?
        } else {
            0
        };
        Ok((added, removed))
    }

    pub(super) async fn register_entry_of(
        &self,
        member: &MemberKey,
    ) -> Result<Option<Membership>, Error> {
        let stored: Option<String> = self
            .calls
            .query(
                redis::cmd("HGET")
                    .arg(REGISTER)
                    .arg(member.as_str())
                    .to_owned(),
            )
            .await?;
        stored.as_deref().map(Membership::from_stored).transpose()
    }

    pub(super) async fn register_len_of(&self) -> Result<u64, Error> {
        self.calls
            .query(redis::cmd("HLEN").arg(REGISTER).to_owned())
            .await
    }
}
