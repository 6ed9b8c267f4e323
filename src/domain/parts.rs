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
mod tests {
    use super::*;

    fn share(g: &str, seats: i64, at: i64) -> Kept {
        Kept {
            rule: KeptFor::Group(Group::parse(g).unwrap()),
            seats,
            release_at: Millis(at),
        }
    }

    fn allotment(o: &str, seats: i64, at: i64) -> Kept {
        Kept {
            rule: KeptFor::Org(OrgPath::parse(o).unwrap()),
            seats,
            release_at: Millis(at),
        }
    }

    fn org(s: &str) -> OrgPath {
        OrgPath::parse(s).unwrap()
    }

    #[test]
    fn a_member_tries_their_shares_then_their_union_s_allotment() {
        let parts = [
            allotment("bj/chaoyang", 10, 500),
            share("hardship", 5, 900),
            allotment("bj/haidian", 10, 500),
            share("model_worker", 5, 300),
        ];
        let both = [
            Group::parse("hardship").unwrap(),
            Group::parse("model_worker").unwrap(),
        ];
        let jianwai = org("bj/chaoyang/jianwai");
        assert_eq!(
            candidates(&parts, Some(&jianwai), &both, Millis(100)),
            [1, 3, 0]
        );
        // Released parts are nobody's.
        assert_eq!(
            candidates(&parts, Some(&jianwai), &both, Millis(400)),
            [1, 0]
        );
        assert_eq!(candidates(&parts, Some(&jianwai), &both, Millis(600)), [1]);
        // A station's walk-up the register does not know: public only.
        assert!(candidates(&parts, None, &[], Millis(100)).is_empty());
        assert_eq!(Kept::name(&parts, 0), "a1");
        assert_eq!(Kept::name(&parts, 2), "a2");
        assert_eq!(Kept::name(&parts, 3), "s2");
        let meta = Kept::to_meta(&parts);
        assert_eq!(
            meta,
            "o,bj/chaoyang,10,500;g,hardship,5,900;o,bj/haidian,10,500;g,model_worker,5,300"
        );
        assert_eq!(Kept::from_meta(&meta).unwrap(), parts);
        assert!(Kept::from_meta("x,hardship,5,1").is_err());
    }

    #[test]
    fn parts_are_checked_at_creation() {
        let city = org("bj");
        let check = |parts: &[Kept]| check_kept("p", parts, 100, &city, Millis(10), Millis(1000));
        check(&[
            share("hardship", 50, 500),
            allotment("bj/chaoyang", 50, 500),
        ])
        .unwrap();
        assert!(
            check(&[
                share("hardship", 51, 500),
                allotment("bj/chaoyang", 50, 500)
            ])
            .is_err()
        );
        assert!(check(&[share("hardship", 0, 500)]).is_err());
        assert!(
            check(&[share("hardship", 5, 10)]).is_err(),
            "released at the opening"
        );
        assert!(
            check(&[share("hardship", 5, 1001)]).is_err(),
            "after the close"
        );
        assert!(check(&[share("hardship", 5, 500), share("hardship", 5, 600)]).is_err());
        assert!(
            check(&[
                allotment("bj/chaoyang", 5, 500),
                allotment("bj/chaoyang/x", 5, 500)
            ])
            .is_err()
        );
        let chaoyang = org("bj/chaoyang");
        let outside = check_kept(
            "p",
            &[allotment("bj/haidian", 5, 500)],
            100,
            &chaoyang,
            Millis(10),
            Millis(1000),
        );
        assert!(outside.is_err());
    }
}
