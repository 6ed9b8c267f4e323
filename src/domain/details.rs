//! What a ticket tells its holder beyond the sale's numbers: the English
//! title, the place, when the show starts, how to use the ticket. Events and
//! pools both have them; what a pool says wins over what its event says (the
//! theatre's eight shows each start at their own time; the cinema sale's
//! pools are different cinemas). None of it is ever checked by a grab.

use serde::Serialize;

use super::Millis;
use crate::domain::Error;

/// The longest venue or title: as long as an event's title.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest notes ("到龙潭街道工会服务站出示二维码，每人限入场一次。").
pub const MAX_NOTES_CHARS: usize = 500;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Details {
    /// The title in English; the Chinese `title` beside it is always there.
    pub title_en: Option<String>,
    /// Where the ticket is used.
    pub venue: Option<String>,
    /// When the show (or the pass's validity) starts; not the sale's opening.
    pub starts_at: Option<Millis>,
    /// How to use the ticket, in the members' words.
    pub notes: Option<String>,
}

impl Details {
    /// The names fields are stored under, by every store and the journal.
    pub const NAMES: [&str; 4] = ["title_en", "venue", "starts_at", "notes"];

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Checks each field that is set; `opens_at` is the sale's opening (a
    /// show cannot start before its sale opens).
    pub fn validate(&self, what: &str, opens_at: Millis) -> Result<(), Error> {
        let text = |field: &str, s: &Option<String>, max: usize, newlines: bool| match s {
            Some(s)
                if s.trim().is_empty()
                    || s.chars().count() > max
                    || s.chars()
                        .any(|c| c.is_control() && !(newlines && c == '\n')) =>
            {
                Err(Error::invalid(format!(
                    "{what} {field} must be 1 to {max} printable characters"
                )))
            }
            _ => Ok(()),
        };
        text("title_en", &self.title_en, MAX_TITLE_CHARS, false)?;
        text("venue", &self.venue, MAX_TITLE_CHARS, false)?;
        text("notes", &self.notes, MAX_NOTES_CHARS, true)?;
        if self.starts_at.is_some_and(|t| t < opens_at) {
            return Err(Error::invalid(format!(
                "{what} starts_at must not be before the sale opens"
            )));
        }
        Ok(())
    }

    /// The fields that are set, as (name, text) pairs.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let [title_en, venue, starts_at, notes] = Self::NAMES;
        let mut out = Vec::new();
        let mut text = |name, s: &Option<String>| {
            if let Some(s) = s {
                out.push((name, s.clone()));
            }
        };
        text(title_en, &self.title_en);
        text(venue, &self.venue);
        text(notes, &self.notes);
        if let Some(t) = self.starts_at {
            out.push((starts_at, t.0.to_string()));
        }
        out
    }

    /// Sets the field `name` from its stored text; `Ok(false)` when `name` is
    /// not one of [`Self::NAMES`] (a field of a later version, or another's).
    pub fn set(&mut self, name: &str, value: &str) -> Result<bool, Error> {
        match name {
            "title_en" => self.title_en = Some(value.to_owned()),
            "venue" => self.venue = Some(value.to_owned()),
            "notes" => self.notes = Some(value.to_owned()),
            "starts_at" => {
                let ms = value
                    .parse()
                    .map_err(|_| Error::Corrupt(format!("bad starts_at {value:?}")))?;
                self.starts_at = Some(Millis(ms));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// What a ticket of a pool says: the pool's own, else its event's. The
    /// English title is not inherited: a pool's title is its own.
    pub fn over(&self, event: &Details) -> Details {
        Details {
            title_en: self.title_en.clone(),
            venue: self.venue.clone().or_else(|| event.venue.clone()),
            starts_at: self.starts_at.or(event.starts_at),
            notes: self.notes.clone().or_else(|| event.notes.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Details {
        Details {
            title_en: Some("Annual pass".into()),
            venue: Some("龙潭公园".into()),
            starts_at: Some(Millis(2_000)),
            notes: Some("到龙潭街道工会服务站出示二维码\n每人一次".into()),
        }
    }

    #[test]
    fn fields_and_set_are_inverse() {
        for d in [full(), Details::default()] {
            let mut back = Details::default();
            for (name, value) in d.fields() {
                assert!(back.set(name, &value).unwrap());
            }
            assert_eq!(back, d);
        }
        assert!(!Details::default().set("price", "1").unwrap());
        assert!(Details::default().set("starts_at", "soon").is_err());
    }

    #[test]
    fn validation_names_the_field() {
        assert!(full().validate("event", Millis(1_000)).is_ok());
        let late = full().validate("event", Millis(3_000)).unwrap_err();
        assert!(late.to_string().contains("starts_at"), "{late}");
        for bad in [
            Details {
                venue: Some(" ".into()),
                ..full()
            },
            Details {
                title_en: Some("a\nb".into()),
                ..full()
            },
            Details {
                notes: Some("x".repeat(MAX_NOTES_CHARS + 1)),
                ..full()
            },
        ] {
            assert!(bad.validate("pool p", Millis(0)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_pool_says_what_it_knows_and_its_event_the_rest() {
        let event = full();
        let pool = Details {
            starts_at: Some(Millis(5_000)),
            ..Details::default()
        };
        let ticket = pool.over(&event);
        assert_eq!(ticket.starts_at, Some(Millis(5_000)));
        assert_eq!(ticket.venue, event.venue);
        assert_eq!(ticket.title_en, None);
    }
}
