//! What a program reached (普惠): each member's tickets across its sales,
//! live and archived, and each sale's share of first-time winners. Read
//! from the sales' states (the paged snapshot of a live sale, the replayed
//! archive of an archived one): staff's report, never on a member's path.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::Engine;
use crate::archive::{path_of, read, replay};
use crate::domain::{Error, EventId, LogOp, MemberKey, Millis, ProgramId, Snapshot, Status};

/// A program's reach.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Reach {
    /// Members who took part in any of its sales: held a ticket, entered a
    /// draw or joined a waiting list.
    pub members_took_part: u64,
    /// Members holding at least one ticket (held, active, redeemed or
    /// released as a no-show).
    pub members_reached: u64,
    /// `tickets_per_member[k]`: members who took part holding `k` tickets.
    pub tickets_per_member: Vec<u64>,
    /// Its sales by opening.
    pub sales: Vec<SaleReach>,
    /// Archived sales whose logs were pruned (past `--archive-retention-days`):
    /// their tickets are not in these figures.
    pub pruned_sales: u64,
    /// Members whose places under the cap, as the store keeps them, are
    /// not what the program's sales' logs add up to (`domain::place_delta`):
    /// 0 when the store counts right. Not counted (`None`) when a pruned
    /// archive's log is gone. Read while sales change, a place taken
    /// between the two reads may show here; a second read clears it.
    pub places_differ: Option<u64>,
}

/// One sale of a program.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SaleReach {
    pub event: String,
    pub title: String,
    #[schema(value_type = String, format = DateTime)]
    pub opens_at: chrono::DateTime<chrono::Utc>,
    pub archived: bool,
    /// Its tickets kept (held, active, redeemed, no-show).
    pub tickets: u64,
    /// Its ticket holders who held no ticket of an earlier sale (by opening).
    pub first_time: u64,
    /// `first_time` / its ticket holders (0 without any).
    pub first_time_share: f64,
}

/// A reach and each member's tickets (the CSV export's rows).
pub struct Counted {
    pub reach: Reach,
    pub tickets: HashMap<MemberKey, u32>,
}

/// A ticket that counts: kept, not given back.
fn kept(status: Status) -> bool {
    matches!(
        status,
        Status::Held | Status::Active | Status::Redeemed | Status::NoShow
    )
}

/// A sale of a program as read: its opening, id, whether archived, state.
type Sale = (Millis, String, bool, Snapshot);

impl Engine {
    /// Each member's tickets in the program's sales just before `at`, from
    /// their logs (`domain::ticket_delta`): what a `fewer_wins_first`
    /// lottery draws by, counted at its close. Every front end counts the
    /// same: the entries before a time the store's clock has passed do not
    /// change.
    pub async fn tickets_at(
        &self,
        id: &ProgramId,
        at: Millis,
    ) -> Result<HashMap<MemberKey, u32>, Error> {
        let (sales, _) = self.program_sales(id).await?;
        let mut count: HashMap<MemberKey, i64> = HashMap::new();
        for (_, _, _, snap) in &sales {
            for entry in snap.log.iter().filter(|e| e.at < at) {
                if let Some((member, d)) = crate::domain::ticket_delta(&entry.op) {
                    *count.entry(member.clone()).or_default() += d;
                }
            }
        }
        Ok(count
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(m, n)| (m, n as u32))
            .collect())
    }

    /// The program's live and archived sales, by opening, and how many
    /// archived ones were pruned (their logs gone).
    async fn program_sales(&self, id: &ProgramId) -> Result<(Vec<Sale>, u64), Error> {
        let mut sales: Vec<Sale> = Vec::new();
        for event in self.definitions().await? {
            if event.program.as_ref() == Some(id) {
                let snap = self.snapshot(&event.id).await?;
                sales.push((event.opens_at, event.id.to_string(), false, snap));
            }
        }
        let mut pruned_sales = 0;
        if let Some(archives) = self.archives() {
            for h in archives.headers(true)?.iter() {
                let of_program = h
                    .definition
                    .iter()
                    .any(|(k, v)| k == "program" && v == id.as_str());
                if !of_program {
                    continue;
                }
                if h.pruned_at.is_some() {
                    pruned_sales += 1;
                    continue;
                }
                let archive = read(&path_of(&archives.dir, &EventId::parse(&h.event)?), true)?;
                sales.push((Millis(h.opens_at), h.event.clone(), true, replay(&archive)?));
            }
        }
        sales.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        Ok((sales, pruned_sales))
    }

    /// Members whose stored places are not their sales' logs' sum.
    async fn places_differ(&self, id: &ProgramId, sales: &[Sale]) -> Result<u64, Error> {
        let mut logged: HashMap<MemberKey, i64> = HashMap::new();
        for (_, _, _, snap) in sales {
            for entry in &snap.log {
                if let Some((member, d)) = crate::domain::place_delta(&entry.op) {
                    *logged.entry(member.clone()).or_default() += d;
                }
            }
        }
        logged.retain(|_, n| *n != 0);
        // A Redis scan may give a member twice: each is counted once.
        let mut stored: HashMap<MemberKey, u32> = HashMap::new();
        let mut cursor = String::new();
        loop {
            let (page, next) = self.store.places_page(id, &cursor).await?;
            stored.extend(page);
            match next {
                Some(n) => cursor = n,
                None => break,
            }
        }
        let differ = stored
            .iter()
            .filter(|(m, n)| logged.remove(*m) != Some(i64::from(**n)))
            .count();
        Ok((differ + logged.len()) as u64)
    }

    /// The program's reach, from the states of its live and archived sales.
    pub async fn reach(&self, id: &ProgramId) -> Result<Counted, Error> {
        self.program(id).await?;
        let (sales, pruned_sales) = self.program_sales(id).await?;
        let mut tickets: HashMap<MemberKey, u32> = HashMap::new();
        let mut took_part: HashSet<MemberKey> = HashSet::new();
        let mut out = Vec::with_capacity(sales.len());
        for (opens_at, event, archived, snap) in &sales {
            let mut holders: HashMap<&MemberKey, u32> = HashMap::new();
            for r in snap.reservations.iter().filter(|r| kept(r.status)) {
                *holders.entry(&r.member).or_default() += 1;
            }
            let first_time = holders
                .keys()
                .filter(|m| !tickets.contains_key(**m))
                .count() as u64;
            let sale_tickets: u32 = holders.values().sum();
            for (m, n) in &holders {
                *tickets.entry((*m).clone()).or_default() += n;
            }
            took_part.extend(snap.reservations.iter().map(|r| r.member.clone()));
            took_part.extend(snap.entries.iter().map(|e| e.member.clone()));
            took_part.extend(snap.log.iter().filter_map(|e| match &e.op {
                LogOp::Waiting { member, .. } => Some(member.clone()),
                _ => None,
            }));
            out.push(SaleReach {
                event: event.clone(),
                title: snap.view.event.title.clone(),
                opens_at: opens_at.to_datetime(),
                archived: *archived,
                tickets: u64::from(sale_tickets),
                first_time,
                first_time_share: if holders.is_empty() {
                    0.0
                } else {
                    first_time as f64 / holders.len() as f64
                },
            });
        }
        let places_differ = if pruned_sales > 0 {
            None
        } else {
            Some(self.places_differ(id, &sales).await?)
        };
        let most = tickets.values().copied().max().unwrap_or(0) as usize;
        let mut per_member = vec![0u64; most + 1];
        for m in &took_part {
            per_member[tickets.get(m).copied().unwrap_or(0) as usize] += 1;
        }
        Ok(Counted {
            reach: Reach {
                members_took_part: took_part.len() as u64,
                members_reached: tickets.len() as u64,
                tickets_per_member: per_member,
                sales: out,
                pruned_sales,
                places_differ,
            },
            tickets,
        })
    }
}
