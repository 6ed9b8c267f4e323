//! What goes over the wire for lottery sales besides an entry (`dto::entry`):
//! the public value staff enter.

use serde::Deserialize;
use utoipa::ToSchema;

/// The public value, entered by staff after the close.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicValueBody {
    /// 1 to 200 printable characters, exactly as the source published it.
    pub value: String,
}
