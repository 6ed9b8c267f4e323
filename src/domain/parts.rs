//! Parts of a pool's stock (docs/design/shares.md): seats kept for a group
//! (a share: `hardship`) or for a union under the sale's org (an
//! allotment: a district, a street's station) until a release time, then
//! the public's. Which part a member's grab takes from is decided here, once,
//! for both stores and the edge's read model.

use super::ids::OrgPath;
use super::register::Group;
use super::time::Millis;
use crate::domain::Error;

/// Parts one pool may have.
pub const MAX_KEPT: usize = 32;

/// A kept part's figures: seats left of it (counted in the pool's
/// `remaining` too), and whether it was released (then 0 left: its seats
/// are the public's).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct PartLeft {
    /// Its number in the pool's shares and allotments, from 1.
    pub part: u8,
    pub left: i64,
    pub released: bool,
}

impl PartLeft {
    /// A pool's parts as created: all seats left, none released.
    pub fn at_creation(parts: &[Kept]) -> Vec<PartLeft> {
        parts
            .iter()
            .enumerate()
            .map(|(i, k)| PartLeft {
                part: u8::try_from(i + 1).expect("at most MAX_KEPT parts"),
                left: k.seats,
                released: false,
            })
            .collect()
    }
}

/// Whom a part keeps its seats for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeptFor {
    /// Members in this group (a share).
    Group(Group),
    /// Members of this union or a union under it (an allotment).
    Org(OrgPath),
}

/// One part of a pool: its rule, its seats at creation, when what is left
/// of it goes to the public.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Kept {
    pub rule: KeptFor,
    pub seats: i64,
    pub release_at: Millis,
}

impl Kept {
    /// The part's name in keys, records and the log: `s<i>` for the i-th
    /// share, `a<i>` for the i-th allotment (from 1), never its rule.
    pub fn name(parts: &[Kept], index: usize) -> String {
        let kind = |p: &Kept| matches!(p.rule, KeptFor::Group(_));
        let share = kind(&parts[index]);
        let nth = parts[..=index].iter().filter(|p| kind(p) == share).count();
        format!("{}{nth}", if share { 's' } else { 'a' })
    }

    /// A pool's parts as its sale's settings keep them (the Redis store's
    /// meta `kept:<pool>`, which lua/lib.lua reads): per part
    /// `g,<group>,<seats>,<release_ms>` or `o,<org>,<seats>,<release_ms>`,
    /// joined by `;`. Groups are slugs and unions are paths: neither holds
    /// `,` or `;`.
    pub fn to_meta(parts: &[Kept]) -> String {
        let one = |k: &Kept| {
            let (kind, name) = match &k.rule {
                KeptFor::Group(g) => ("g", g.as_str()),
                KeptFor::Org(o) => ("o", o.as_str()),
            };
            format!("{kind},{name},{},{}", k.seats, k.release_at.0)
        };
        parts.iter().map(one).collect::<Vec<_>>().join(";")
    }

    /// Reads [`Kept::to_meta`] back.
    pub fn from_meta(s: &str) -> Result<Vec<Kept>, Error> {
        let corrupt = || Error::Corrupt(format!("bad kept parts {s:?}"));
        s.split(';')
            .map(|one| {
                let f: Vec<&str> = one.split(',').collect();
                let [kind, name, seats, at] = f[..] else {
                    return Err(corrupt());
                };
                let rule = match kind {
                    "g" => KeptFor::Group(Group::parse(name).map_err(|_| corrupt())?),
                    "o" => KeptFor::Org(OrgPath::parse(name).map_err(|_| corrupt())?),
                    _ => return Err(corrupt()),
                };
                Ok(Kept {
                    rule,
                    seats: seats.parse().map_err(|_| corrupt())?,
                    release_at: Millis(at.parse().map_err(|_| corrupt())?),
                })
            })
            .collect()
    }

    /// Whether a member of `org` in `groups` may take this part's seats.
    pub fn admits(&self, org: Option<&OrgPath>, groups: &[Group]) -> bool {
        match &self.rule {
            KeptFor::Group(g) => groups.contains(g),
            KeptFor::Org(o) => org.is_some_and(|m| m.is_within(o)),
        }
    }
}

/// The parts of a pool a member may take from at `now`, in the order a grab
/// tries them: shares first, then the allotment; the public stock after
/// them all (not listed). Released parts are nobody's.
pub fn candidates(
    parts: &[Kept],
    org: Option<&OrgPath>,
    groups: &[Group],
    now: Millis,
) -> Vec<usize> {
    let open = |p: &Kept| now < p.release_at && p.admits(org, groups);
    let shares = parts
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p.rule, KeptFor::Group(_)) && open(p));
    let allotment = parts
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p.rule, KeptFor::Org(_)) && open(p))
        .take(1);
    shares.chain(allotment).map(|(i, _)| i).collect()
}

/// Checks a pool's parts at creation ([`check_kept`]), and that a lottery
/// or a fair window has none (its draw gives the seats by rank).
pub(super) fn check_pool(pool: &super::Pool, event: &super::Event) -> Result<(), Error> {
    if !pool.kept.is_empty() && event.lottery.is_some() {
        return Err(Error::invalid(
            "a lottery or a fair window has no shares or allotments: its draw gives the seats",
        ));
    }
    let (opens, closes) = (event.opens_at, event.closes_at);
    check_kept(
        pool.id.as_str(),
        &pool.kept,
        pool.total,
        &event.org,
        opens,
        closes,
    )
}

impl super::PoolStats {
    /// Unsold seats anyone may take: `remaining` less what unreleased kept
    /// parts keep.
    pub fn public(&self) -> i64 {
        let kept: i64 = self
            .kept
            .iter()
            .filter(|k| !k.released)
            .map(|k| k.left)
            .sum();
        self.remaining - kept
    }

    /// Unsold seats a member of `org` in `groups` may take at `now`:
    /// everyone's, and those of their own parts of `pool` ([`candidates`]).
    pub fn takeable(
        &self,
        pool: &super::Pool,
        org: &OrgPath,
        groups: &[Group],
        now: Millis,
    ) -> i64 {
        let theirs: i64 = candidates(&pool.kept, Some(org), groups, now)
            .into_iter()
            .filter_map(|i| self.kept.get(i))
            .filter(|k| !k.released)
            .map(|k| k.left)
            .sum();
        self.public() + theirs
    }
}

/// Checks a pool's parts at creation: each with seats, all of them within
/// the pool's `total`, shares' groups and allotments' unions each once,
/// allotments for unions under the sale's `org` and none within another,
/// each released after the opening and no later than the close.
pub fn check_kept(
    pool: &str,
    parts: &[Kept],
    total: i64,
    org: &OrgPath,
    opens: Millis,
    closes: Millis,
) -> Result<(), Error> {
    if parts.len() > MAX_KEPT {
        return Err(Error::invalid(format!(
            "pool {pool} has at most {MAX_KEPT} shares and allotments"
        )));
    }
    let mut kept = 0i64;
    for (i, part) in parts.iter().enumerate() {
        if part.seats < 1 {
            return Err(Error::invalid(format!(
                "pool {pool}: a share or allotment keeps at least one seat"
            )));
        }
        kept = kept.saturating_add(part.seats);
        if part.release_at <= opens || part.release_at > closes {
            return Err(Error::invalid(format!(
                "pool {pool}: a share or allotment is released after the opening, by the close"
            )));
        }
        let before = &parts[..i];
        match &part.rule {
            KeptFor::Group(g) => {
                if before.iter().any(|p| p.rule == part.rule) {
                    return Err(Error::invalid(format!(
                        "pool {pool}: group {} has two shares",
                        g.as_str()
                    )));
                }
            }
            KeptFor::Org(o) => {
                if !o.is_within(org) {
                    return Err(Error::invalid(format!(
                        "pool {pool}: an allotment is for a union under the sale's"
                    )));
                }
                let nested = before.iter().any(|p| match &p.rule {
                    KeptFor::Org(other) => o.is_within(other) || other.is_within(o),
                    KeptFor::Group(_) => false,
                });
                if nested {
                    return Err(Error::invalid(format!(
                        "pool {pool}: allotments are for unions apart, none within another"
                    )));
                }
            }
        }
    }
    if kept > total {
        return Err(Error::invalid(format!(
            "pool {pool}: shares and allotments keep more seats than the pool has"
        )));
    }
    Ok(())
}

#[cfg(test)]
#[path = "parts_tests.rs"]
mod tests;
