//! The paged read of the embedded store (`Store::state_page`, `reread`):
//! each page is cloned under the store's lock in a bounded step, so an
//! audit or an export of a big sale never stops the other sales' grabs.

use std::collections::BTreeSet;
use std::ops::Bound;

use super::EventData;
use crate::domain::{
    Code, Error, LogPos, MAX_TAIL, MemberKey, MemberState, Millis, Part, Reread, StatePage,
};

/// Items per page.
const PAGE: usize = 1000;

fn after<T: Ord>(from: Option<T>) -> (Bound<T>, Bound<T>) {
    (
        from.map_or(Bound::Unbounded, Bound::Excluded),
        Bound::Unbounded,
    )
}

fn bad(cursor: &str) -> Error {
    Error::Invalid(format!("page cursor {cursor:?}"))
}

fn code(s: &str) -> Result<Code, Error> {
    Code::parse(s).map_err(|_| bad(s))
}

impl EventData {
    pub(super) fn state_page(
        &self,
        part: Part,
        cursor: &str,
    ) -> Result<(StatePage, Option<String>), Error> {
        let mut page = StatePage::default();
        let next = match part {
            Part::Reservations => {
                let from = (!cursor.is_empty()).then(|| code(cursor)).transpose()?;
                let mut items = self.reservations.range(after(from));
                page.reservations = items.by_ref().take(PAGE).map(|(_, r)| r.clone()).collect();
                let last = page.reservations.last().map(|r| r.code.to_string());
                last.filter(|_| items.next().is_some())
            }
            Part::Members => self.members_page(cursor, &mut page)?,
            Part::Holds => {
                let from = match cursor.split_once('|') {
                    None if cursor.is_empty() => None,
                    Some((ms, c)) => Some((Millis(ms.parse().map_err(|_| bad(cursor))?), code(c)?)),
                    None => return Err(bad(cursor)),
                };
                let mut items = self.holds.range(after(from));
                page.holds = items
                    .by_ref()
                    .take(PAGE)
                    .map(|(by, c)| (c.clone(), *by))
                    .collect();
                let last = page.holds.last().map(|(c, by)| format!("{}|{c}", by.0));
                last.filter(|_| items.next().is_some())
            }
            Part::WaitIndex => {
                let from = (!cursor.is_empty())
                    .then(|| cursor.parse::<u64>().map_err(|_| bad(cursor)))
                    .transpose()?;
                let mut items = self.waiting.range(after(from));
                let taken: Vec<_> = items.by_ref().take(PAGE).collect();
                page.waiting_index = taken.iter().flat_map(|(_, w)| w.index()).collect();
                let last = taken.last().map(|(order, _)| order.to_string());
                last.filter(|_| items.next().is_some())
            }
        };
        Ok((page, next))
    }

    /// The member index, then the waiting entries, then the lottery's
    /// entries: cursors `m|<member>`, `w|<order>`, `e|<member>`.
    fn members_page(&self, cursor: &str, page: &mut StatePage) -> Result<Option<String>, Error> {
        let (phase, from) = cursor.split_once('|').unwrap_or(("m", ""));
        let member = |s: &str| {
            (!s.is_empty())
                .then(|| MemberKey::from_stored(s))
                .transpose()
        };
        match phase {
            "m" => {
                let mut items = self.members.range(after(member(from)?));
                page.members = items
                    .by_ref()
                    .take(PAGE)
                    .map(|(m, c)| (m.clone(), c.clone()))
                    .collect();
                Ok(Some(match (page.members.last(), items.next()) {
                    (Some((m, _)), Some(_)) => format!("m|{}", m.as_str()),
                    _ => "w|".to_owned(),
                }))
            }
            "w" => {
                let from = (!from.is_empty())
                    .then(|| from.parse::<u64>().map_err(|_| bad(cursor)))
                    .transpose()?;
                let mut items = self.waiting.range(after(from));
                page.waiting = items.by_ref().take(PAGE).map(|(_, w)| w.clone()).collect();
                Ok(Some(match (page.waiting.last(), items.next()) {
                    (Some(w), Some(_)) => format!("w|{}", w.order),
                    _ => "e|".to_owned(),
                }))
            }
            "e" => {
                let mut items = self.entries.range(after(member(from)?));
                page.entries = items.by_ref().take(PAGE).map(|(_, e)| e.clone()).collect();
                Ok(match (page.entries.last(), items.next()) {
                    (Some(e), Some(_)) => Some(format!("e|{}", e.member.as_str())),
                    _ => None,
                })
            }
            _ => Err(bad(cursor)),
        }
    }

    pub(super) fn reread(
        &self,
        since: LogPos,
        codes: &[Code],
        members: &[MemberKey],
        now: Millis,
    ) -> Result<Option<Reread>, Error> {
        let from = usize::try_from(since.seq).unwrap_or(usize::MAX);
        if self.log.len().saturating_sub(from) > MAX_TAIL {
            return Ok(None);
        }
        let mut codes: BTreeSet<Code> = codes.iter().cloned().collect();
        let mut members: BTreeSet<MemberKey> = members.iter().cloned().collect();
        for entry in self.log.after(from) {
            for (name, value) in entry.fields() {
                match name {
                    "code" => {
                        codes.insert(code(&value)?);
                    }
                    "member" => {
                        members.insert(MemberKey::from_stored(&value)?);
                    }
                    _ => {}
                }
            }
        }
        let pay_by: std::collections::HashMap<&Code, Millis> =
            self.holds.iter().map(|(by, c)| (c, *by)).collect();
        let (view, end) = self.head(now);
        Ok(Some(Reread {
            view,
            end,
            codes: codes
                .into_iter()
                .map(|c| {
                    let r = self.reservations.get(&c).cloned();
                    let by = pay_by.get(&c).copied();
                    (c, r, by)
                })
                .collect(),
            members: members
                .into_iter()
                .map(|m| {
                    let waiting = self.waiting_of(&m).map(|w| w.entry);
                    MemberState {
                        code: self.members.get(&m).cloned(),
                        index: waiting.as_ref().map(|w| w.index()).unwrap_or_default(),
                        entry: self.entries.get(&m).cloned(),
                        waiting,
                        member: m,
                    }
                })
                .collect(),
        }))
    }
}
