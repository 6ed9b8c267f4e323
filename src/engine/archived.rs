//! What the engine knows of archived sales: where their files are, and a
//! member's ticket in one archived recently (the member's list keeps its
//! history line, marked archived). Headers are read from the directory at
//! most once a minute; a sale's members only when a member's list needs
//! them (an archive younger than the list's horizon: rehearsals, or a
//! minimum age under 30 days).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Engine, LISTED_AFTER_CLOSE};
use crate::archive::{Header, list, path_of, read, replay};
use crate::domain::{Code, Error, Event, EventId, LogOp, MemberKey, Millis, Reservation};

/// How long a read of the directory's headers is used.
const HEADERS_FOR: Duration = Duration::from_secs(60);

/// The archive directory and its settings (`--archive-dir`,
/// `--archive-min-age-days`, `--archive-retention-days`).
pub struct Archives {
    pub dir: PathBuf,
    pub min_age_days: u64,
    pub retention_days: u64,
    headers: Mutex<Option<(Instant, Arc<Vec<Header>>)>>,
    sales: Mutex<HashMap<String, Arc<ArchivedSale>>>,
}

/// An archived sale's tickets by member.
struct ArchivedSale {
    event: Arc<Event>,
    by_member: HashMap<MemberKey, Reservation>,
    refunds_due: HashSet<Code>,
}

/// A member's ticket in an archived sale.
pub struct ArchivedTicket {
    pub reservation: Reservation,
    pub event: Arc<Event>,
    pub refund_due: bool,
}

impl Archives {
    pub fn new(dir: PathBuf, min_age_days: u64, retention_days: u64) -> Self {
        Self {
            dir,
            min_age_days,
            retention_days,
            headers: Mutex::default(),
            sales: Mutex::default(),
        }
    }

    /// The headers, read again when older than a minute or `fresh`.
    pub fn headers(&self, fresh: bool) -> Result<Arc<Vec<Header>>, Error> {
        let mut cached = self.headers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, h)) = cached.as_ref()
            && !fresh
            && at.elapsed() < HEADERS_FOR
        {
            return Ok(h.clone());
        }
        let headers = Arc::new(list(&self.dir)?);
        *cached = Some((Instant::now(), headers.clone()));
        Ok(headers)
    }

    fn sale(&self, header: &Header) -> Result<Arc<ArchivedSale>, Error> {
        if let Some(s) = self
            .sales
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&header.event)
        {
            return Ok(s.clone());
        }
        let archive = read(&path_of(&self.dir, &EventId::parse(&header.event)?), true)?;
        let snap = replay(&archive)?;
        let refunds_due = archive
            .log
            .iter()
            .filter_map(|e| match &e.op {
                LogOp::RefundDue { code, .. } => Some(code.clone()),
                _ => None,
            })
            .collect();
        let latest: HashMap<MemberKey, Code> = snap.members.iter().cloned().collect();
        let by_member = snap
            .reservations
            .into_iter()
            .filter(|r| latest.get(&r.member) == Some(&r.code))
            .map(|r| (r.member.clone(), r))
            .collect();
        let sale = Arc::new(ArchivedSale {
            event: Arc::new(snap.view.event),
            by_member,
            refunds_due,
        });
        let mut sales = self.sales.lock().unwrap_or_else(|p| p.into_inner());
        sales.insert(header.event.clone(), sale.clone());
        Ok(sale)
    }
}

impl Engine {
    /// Keeps archives in `archives.dir`: archiving, listing, and the
    /// members' lists of tickets in archived sales.
    pub fn with_archives(mut self, archives: Archives) -> Self {
        self.archives = Some(Arc::new(archives));
        self
    }

    pub fn archives(&self) -> Option<&Archives> {
        self.archives.as_deref()
    }

    /// The member's ticket in each sale archived while it is still listed
    /// (opened, closed less than [`LISTED_AFTER_CLOSE`] ago).
    pub fn archived_tickets(&self, member: &MemberKey) -> Result<Vec<ArchivedTicket>, Error> {
        let Some(archives) = self.archives() else {
            return Ok(Vec::new());
        };
        let now = Millis::now().0;
        let horizon = now - LISTED_AFTER_CLOSE.as_millis() as i64;
        let mut out = Vec::new();
        for h in archives.headers(false)?.iter() {
            if h.pruned_at.is_some() || h.closes_at <= horizon || h.opens_at > now {
                continue;
            }
            let sale = archives.sale(h)?;
            if let Some(r) = sale.by_member.get(member) {
                out.push(ArchivedTicket {
                    refund_due: sale.refunds_due.contains(&r.code),
                    reservation: r.clone(),
                    event: sale.event.clone(),
                });
            }
        }
        Ok(out)
    }
}
