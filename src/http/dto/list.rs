//! The list of sales a member (or a station) sees.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{EventDto, time};
use crate::domain::{EventView, Group, OrgPath};

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub events: Vec<EventDto>,
    pub server_time: DateTime<Utc>,
}

impl EventList {
    /// The events `keep` lets through, as members see them, at the store's
    /// latest clock reading among them (now, if there are none).
    pub fn of(
        views: &[EventView],
        member: Option<(&OrgPath, &[Group])>,
        keep: impl Fn(&EventView) -> bool,
    ) -> Self {
        let server_time = views
            .iter()
            .map(|v| v.server_time)
            .max()
            .unwrap_or_else(crate::domain::Millis::now);
        Self {
            events: views
                .iter()
                .filter(|v| keep(v))
                .map(|v| EventDto::new(v, true, member))
                .collect(),
            server_time: time(server_time),
        }
    }
}
