//! Timestamps: milliseconds since the Unix epoch, as the store's clock gives them.

use chrono::{DateTime, SecondsFormat, Utc};

/// A point in time in milliseconds since the epoch. The store decides sale
/// windows with its own clock (Redis `TIME`), so times travel as plain integers
/// and become RFC 3339 only at the HTTP edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(pub i64);

impl Millis {
    pub fn now() -> Self {
        Self(Utc::now().timestamp_millis())
    }

    pub fn from_datetime(t: DateTime<Utc>) -> Self {
        Self(t.timestamp_millis())
    }

    pub fn to_datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }

    pub fn rfc3339(self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// RFC 3339 in Beijing time, `+08:00` (what staff read in an export).
    pub fn beijing(self) -> String {
        let zone = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
        self.to_datetime()
            .with_timezone(&zone)
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

impl serde::Serialize for Millis {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_time_carries_its_offset() {
        assert_eq!(Millis(0).beijing(), "1970-01-01T08:00:00.000+08:00");
        assert_eq!(
            Millis(16 * 3_600_000).beijing(),
            "1970-01-02T00:00:00.000+08:00"
        );
    }
}
