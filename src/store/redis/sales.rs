//! Where a sale's keys are (keys.rs), looked up once per sale and front end,
//! and the programs: their definitions and members' places.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::Value;

use super::reply::texts;
use super::{Calls, RedisStore};
use crate::domain::{Error, Event, EventId, MemberKey, Program, ProgramId};
use crate::store::keys::{
    EVENT_INDEX, PROGRAM_INDEX, SALE_PROGRAMS, SaleKeys, places_key, program_key,
};
use crate::store::scripts::SCRIPTS;

/// Sales whose keys a front end remembers before it forgets them all and
/// looks them up again (a few MB at most): the sales of a year are a few
/// hundred, so this is only reached by lookups of ids that do not exist.
const REMEMBERED: usize = 50_000;
/// How long an id that names no sale is taken to have a sale's own keys
/// without asking again (a sale created meanwhile in a program is found
/// after at most this long).
const UNKNOWN_FOR: Duration = Duration::from_secs(1);
/// Members' places per page of `places_page`.
const PAGE: usize = 1000;

/// The keys of the sales this front end has met.
#[derive(Default)]
pub(super) struct Sales(Mutex<HashMap<EventId, Known>>);

/// A sale's keys, and since when they are assumed for an id that names no
/// sale (`None`: a sale's, for good).
type Known = (Arc<SaleKeys>, Option<Instant>);

impl Sales {
    fn get(&self, event: &EventId) -> Option<Arc<SaleKeys>> {
        let known = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match known.get(event) {
            Some((keys, None)) => Some(keys.clone()),
            Some((keys, Some(at))) if at.elapsed() < UNKNOWN_FOR => Some(keys.clone()),
            _ => None,
        }
    }

    fn put(&self, event: &EventId, keys: Arc<SaleKeys>, known: bool) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= REMEMBERED {
            map.clear();
        }
        map.insert(event.clone(), (keys, (!known).then(Instant::now)));
    }
}

impl Calls {
    /// The sale's keys: remembered, or looked up (the sale's program, else
    /// a sale created before programs, else no sale: its own keys, which
    /// its scripts find empty).
    pub(super) async fn keys(&self, event: &EventId) -> Result<Arc<SaleKeys>, Error> {
        if let Some(keys) = self.sales.get(event) {
            return Ok(keys);
        }
        let program: Option<String> = self
            .query(
                redis::cmd("HGET")
                    .arg(SALE_PROGRAMS)
                    .arg(event.as_str())
                    .to_owned(),
            )
            .await?;
        let (keys, known) = match program.as_deref() {
            Some("") => (SaleKeys::new(event, None), true),
            Some(p) => {
                let p = ProgramId::parse(p)
                    .map_err(|_| Error::Corrupt(format!("program of {event}: {p:?}")))?;
                (SaleKeys::new(event, Some(&p)), true)
            }
            None => {
                let indexed: bool = self
                    .query(
                        redis::cmd("SISMEMBER")
                            .arg(EVENT_INDEX)
                            .arg(event.as_str())
                            .to_owned(),
                    )
                    .await?;
                (SaleKeys::new(event, None), indexed)
            }
        };
        let keys = Arc::new(keys);
        self.sales.put(event, keys.clone(), known);
        Ok(keys)
    }
}

impl RedisStore {
    /// Creates a sale: its program checked, its id claimed, create.lua on
    /// its keys, then its place in the index.
    pub(super) async fn create(&self, event: &Event) -> Result<(), Error> {
        let program = self.program_for(event).await?;
        self.claim_id(event).await?;
        let mut args = vec![
            event.title.clone(),
            event.org.as_str().to_owned(),
            event.opens_at.0.to_string(),
            event.closes_at.0.to_string(),
            event.price_fen.to_string(),
            event.max_seats.to_string(),
            event.hold_ms.to_string(),
        ];
        let mut fields = super::view::detail_fields(event);
        fields.extend(super::lottery_meta::lottery_fields(event));
        // A sale of a program keeps the program's id and cap (a program is
        // never changed): a grab reads them with the sale's settings.
        if let Some(p) = &program {
            fields.extend([
                "program".into(),
                p.id.to_string(),
                "cap".into(),
                p.cap.to_string(),
            ]);
        }
        args.push((fields.len() / 2).to_string());
        args.extend(fields);
        for pool in &event.pools {
            args.extend([
                pool.id.to_string(),
                pool.title.clone(),
                pool.total.to_string(),
            ]);
        }
        let created = self.calls.change(&SCRIPTS.create, &event.id, &args).await;
        // The index is a global key, so it cannot be written by the event's script
        // in a cluster. Adding it after the script (also when the event exists)
        // heals a crash between the two steps on the next attempt.
        if matches!(created, Ok(_) | Err(Error::EventExists)) {
            let _: i64 = self
                .calls
                .query(
                    redis::cmd("SADD")
                        .arg(EVENT_INDEX)
                        .arg(event.id.as_str())
                        .to_owned(),
                )
                .await?;
        }
        created.map(|_| ())
    }

    /// Takes the sale's id for its program ("" outside programs): the
    /// first creation takes it; `EventExists` when another sale has it.
    pub(super) async fn claim_id(&self, event: &Event) -> Result<Arc<SaleKeys>, Error> {
        let tag = event.program.as_ref().map_or("", ProgramId::as_str);
        let id = event.id.as_str();
        let claimed: Option<String> = self
            .calls
            .query(redis::cmd("HGET").arg(SALE_PROGRAMS).arg(id).to_owned())
            .await?;
        match claimed {
            Some(t) if t != tag => return Err(Error::EventExists),
            Some(_) => {}
            None => {
                // A sale created before programs has no claim, only its
                // place in the index.
                let indexed: bool = self
                    .calls
                    .query(redis::cmd("SISMEMBER").arg(EVENT_INDEX).arg(id).to_owned())
                    .await?;
                if indexed {
                    return Err(Error::EventExists);
                }
                let _: bool = self
                    .calls
                    .query(
                        redis::cmd("HSETNX")
                            .arg(SALE_PROGRAMS)
                            .arg(id)
                            .arg(tag)
                            .to_owned(),
                    )
                    .await?;
                let now: Option<String> = self
                    .calls
                    .query(redis::cmd("HGET").arg(SALE_PROGRAMS).arg(id).to_owned())
                    .await?;
                if now.as_deref() != Some(tag) {
                    return Err(Error::EventExists);
                }
            }
        }
        let keys = Arc::new(SaleKeys::new(&event.id, event.program.as_ref()));
        self.calls.sales.put(&event.id, keys.clone(), true);
        Ok(keys)
    }

    /// The program a new sale joins, checked (`UnknownProgram`, or it
    /// does not admit the sale).
    pub(super) async fn program_for(&self, event: &Event) -> Result<Option<Program>, Error> {
        let Some(id) = &event.program else {
            return Ok(None);
        };
        let program = self.program_def(id).await?;
        program.admits(event)?;
        Ok(Some(program))
    }

    async fn program_def(&self, id: &ProgramId) -> Result<Program, Error> {
        let def: Option<String> = self
            .calls
            .query(
                redis::cmd("HGET")
                    .arg(program_key(id))
                    .arg("def")
                    .to_owned(),
            )
            .await?;
        Program::from_json(&def.ok_or(Error::UnknownProgram)?)
    }

    pub(super) async fn create_program_in(&self, program: &Program) -> Result<(), Error> {
        let id = program.id.as_str();
        let new: bool = self
            .calls
            .query(
                redis::cmd("HSETNX")
                    .arg(program_key(&program.id))
                    .arg("def")
                    .arg(program.to_json())
                    .to_owned(),
            )
            .await?;
        // Indexed also when it existed: heals a crash between the two steps.
        let _: i64 = self
            .calls
            .query(redis::cmd("SADD").arg(PROGRAM_INDEX).arg(id).to_owned())
            .await?;
        if new {
            Ok(())
        } else {
            Err(Error::ProgramExists)
        }
    }

    pub(super) async fn program_list(&self) -> Result<Vec<Program>, Error> {
        let ids: Vec<String> = self
            .calls
            .query(redis::cmd("SMEMBERS").arg(PROGRAM_INDEX).to_owned())
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let id =
                ProgramId::parse(&id).map_err(|_| Error::Corrupt(format!("program id {id:?}")))?;
            out.push(self.program_def(&id).await?);
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    pub(super) async fn places_of(
        &self,
        program: &ProgramId,
        member: &MemberKey,
    ) -> Result<u32, Error> {
        self.program_def(program).await?;
        let n: Option<u32> = self
            .calls
            .query(
                redis::cmd("HGET")
                    .arg(places_key(program))
                    .arg(member.as_str())
                    .to_owned(),
            )
            .await?;
        Ok(n.unwrap_or(0))
    }

    pub(super) async fn places_page_of(
        &self,
        program: &ProgramId,
        cursor: &str,
    ) -> Result<crate::domain::PlacesPage, Error> {
        self.program_def(program).await?;
        let cursor = if cursor.is_empty() { "0" } else { cursor };
        if cursor.parse::<u64>().is_err() {
            return Err(Error::invalid("bad cursor"));
        }
        let reply: Value = self
            .calls
            .query(
                redis::cmd("HSCAN")
                    .arg(places_key(program))
                    .arg(cursor)
                    .arg("COUNT")
                    .arg(PAGE)
                    .to_owned(),
            )
            .await?;
        let corrupt = || Error::Corrupt("HSCAN reply".into());
        let Value::Array(parts) = reply else {
            return Err(corrupt());
        };
        let [next, pairs] = <[Value; 2]>::try_from(parts).map_err(|_| corrupt())?;
        let next = super::reply::text(&next)?;
        let pairs = texts(pairs)?;
        let mut page = Vec::with_capacity(pairs.len() / 2);
        for pair in pairs.chunks_exact(2) {
            let member = MemberKey::from_stored(&pair[0]).map_err(|_| corrupt())?;
            let n: u32 = pair[1].parse().map_err(|_| corrupt())?;
            if n > 0 {
                page.push((member, n));
            }
        }
        Ok((page, (next != "0").then_some(next)))
    }
}
