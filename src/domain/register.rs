//! The member register (会员名册): the federation's records of which union a
//! card belongs to and which groups (`hardship`, `model_worker`) its member
//! is in. Staff import it as CSV, `card,org,groups`; a card is turned into its
//! member key on import and its number is never kept. Group membership is
//! private: nothing a member, a station or an export sees says which group a
//! member is in.

use super::card::{CardNumber, MaskedCard, MemberKey};
use super::ids::OrgPath;
use crate::domain::Error;

/// The groups one member may be in.
pub const MAX_GROUPS: usize = 8;
/// The rows of the register one store write takes at most: one journal
/// record of the embedded store (under its 1 MiB frame at the longest
/// entries), one `HSET` of Redis (a couple of ms of its thread).
pub const REGISTER_CHUNK: usize = 2048;
/// The header an import's first line must be.
pub const REGISTER_HEADER: &str = "card,org,groups";

/// A group's name: a lowercase letter, then lowercase letters, digits and
/// `_`; at most 32.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Group(String);

impl Group {
    pub fn parse(s: &str) -> Result<Self, Error> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Error::invalid(
                "a group is a lowercase letter, then lowercase letters, digits or _, at most 32",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the register knows of one member: their union and their groups
/// (sorted, each once).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Membership {
    pub org: OrgPath,
    pub groups: Vec<Group>,
}

impl Membership {
    /// A membership of `org` in `groups` (sorted and made unique here).
    pub fn new(org: OrgPath, mut groups: Vec<Group>) -> Result<Self, Error> {
        groups.sort();
        groups.dedup();
        if groups.len() > MAX_GROUPS {
            return Err(Error::invalid("a member is in at most 8 groups"));
        }
        Ok(Self { org, groups })
    }

    /// As the stores keep it: `org` or `org|group;group`.
    pub fn to_stored(&self) -> String {
        let mut s = self.org.as_str().to_owned();
        for (i, g) in self.groups.iter().enumerate() {
            s.push(if i == 0 { '|' } else { ';' });
            s.push_str(g.as_str());
        }
        s
    }

    /// Read back from a store.
    pub fn from_stored(s: &str) -> Result<Self, Error> {
        let corrupt = |_| Error::Corrupt(format!("bad register entry {s:?}"));
        let (org, groups) = s.split_once('|').unwrap_or((s, ""));
        let groups = groups
            .split(';')
            .filter(|g| !g.is_empty())
            .map(Group::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(corrupt)?;
        Membership::new(OrgPath::parse(org).map_err(corrupt)?, groups).map_err(corrupt)
    }
}

/// One change an import makes: the member's entry set, or removed (`None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterRow {
    pub member: MemberKey,
    pub entry: Option<Membership>,
}

/// A line of an import that was refused: its number (the header is line 1),
/// the card masked when it was one, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub line: u64,
    #[schema(value_type = Option<String>, example = "6217 **** **** 1234")]
    pub card: Option<MaskedCard>,
    pub reason: String,
}

/// Checks an import's first line (a UTF-8 byte-order mark, as spreadsheets
/// write, and spaces are allowed; letters in any case).
pub fn check_register_header(line: &str) -> Result<(), Error> {
    let fields: Vec<String> = line
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|f| unquote(f).to_ascii_lowercase())
        .collect();
    if fields == ["card", "org", "groups"] {
        Ok(())
    } else {
        Err(Error::invalid(
            "the register's first line must be the header card,org,groups",
        ))
    }
}

/// One line after the header: the card, and its entry (`None`: an empty
/// org, the card leaves the register). Refused: the card masked when it was
/// one, and why (never the number as given).
pub fn parse_register_line(
    line: &str,
) -> Result<(CardNumber, Option<Membership>), (Option<MaskedCard>, String)> {
    let fields: Vec<&str> = line.split(',').map(unquote).collect();
    if fields.len() > 3 {
        return Err((None, "more than three fields (card,org,groups)".into()));
    }
    let card = CardNumber::parse(fields[0]).map_err(|e| (None, e.to_string()))?;
    let masked = || Some(card.masked());
    let org = fields.get(1).copied().unwrap_or("");
    let groups = fields.get(2).copied().unwrap_or("");
    if org.is_empty() {
        if !groups.is_empty() {
            return Err((masked(), "groups without an org".into()));
        }
        return Ok((card, None));
    }
    let org = OrgPath::parse(org).map_err(|e| (masked(), e.to_string()))?;
    let groups = groups
        .split(';')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(Group::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| (masked(), e.to_string()))?;
    let entry = Membership::new(org, groups).map_err(|e| (masked(), e.to_string()))?;
    Ok((card, Some(entry)))
}

/// A field without the spaces around it and the double quotes a
/// spreadsheet may put around it.
fn unquote(field: &str) -> &str {
    let f = field.trim();
    f.strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .map_or(f, str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::with_check_digit;

    fn card() -> String {
        with_check_digit("621700001234567")
    }

    #[test]
    fn a_line_gives_the_card_its_union_and_sorted_groups() {
        let (c, entry) =
            parse_register_line(&format!("{},bj/chaoyang,model_worker;hardship", card())).unwrap();
        assert_eq!(c.digits(), card());
        let entry = entry.unwrap();
        assert_eq!(entry.org.as_str(), "bj/chaoyang");
        assert_eq!(entry.to_stored(), "bj/chaoyang|hardship;model_worker");
        assert_eq!(Membership::from_stored(&entry.to_stored()).unwrap(), entry);
    }

    #[test]
    fn an_empty_org_removes_and_quotes_and_spaces_are_fine() {
        let (_, entry) = parse_register_line(&format!("\" {} \",", card())).unwrap();
        assert_eq!(entry, None);
        let (_, entry) = parse_register_line(&format!("{},\"bj\"", card())).unwrap();
        assert_eq!(entry.unwrap().to_stored(), "bj");
    }

    #[test]
    fn a_refused_line_never_repeats_the_number() {
        let bad_card = format!("{}1", card());
        let (masked, reason) = parse_register_line(&format!("{bad_card},bj,")).unwrap_err();
        assert_eq!(masked, None);
        assert!(!reason.contains(&bad_card), "{reason}");
        let (masked, _) = parse_register_line(&format!("{},bj,Hardship", card())).unwrap_err();
        let expected = CardNumber::parse(&card()).unwrap().masked();
        assert_eq!(masked, Some(expected));
        assert!(parse_register_line(&format!("{},,hardship", card())).is_err());
        assert!(parse_register_line(&format!("{},bj,a,b", card())).is_err());
    }

    #[test]
    fn the_header_is_checked() {
        check_register_header("\u{feff}Card, org ,\"groups\"").unwrap();
        assert!(check_register_header("card,org").is_err());
        assert!(check_register_header(&format!("{},bj,", card())).is_err());
    }
}
