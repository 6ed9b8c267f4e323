//! Whether Redis can take a change now (`Store::ping`), and the scripts
//! loaded before the first call (`Store::prepare`).

use super::RedisStore;
use crate::domain::Error;
use crate::store::scripts::SCRIPTS;

/// The readiness probe: refused under `maxmemory` like any writing script.
static READY: std::sync::LazyLock<redis::Script> =
    std::sync::LazyLock::new(|| redis::Script::new("#!lua\nreturn nil"));

impl RedisStore {
    pub(super) async fn ready(&self) -> Result<(), Error> {
        self.calls
            .with_conn(|mut conn| async move { READY.invoke_async::<_, ()>(&mut conn).await })
            .await
    }

    /// Reachable, every script loaded (a later NOSCRIPT reloads its one).
    pub(super) async fn load_scripts(&self) -> Result<(), Error> {
        self.calls
            .with_conn(|mut conn| async move {
                redis::cmd("PING").query_async::<()>(&mut conn).await?;
                for script in SCRIPTS.all().into_iter().chain([&*READY]) {
                    script.load_async(&mut conn).await?;
                }
                Ok(())
            })
            .await
    }
}
