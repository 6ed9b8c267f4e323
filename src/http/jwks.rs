//! Public keys of the identity services that sign member and staff tokens
//! (`--jwks <file>`): ES256, RS256 and EdDSA keys as a JWK Set, each with its
//! `kid` and its `alg` pinned. ticketgrab then holds no key that can mint a
//! token: whoever reads its environment cannot be any member.
//!
//! The file is read at start (a file that cannot be read, or holds no usable
//! key, stops the start), again whenever it changes (checked every second in
//! the background, so keys rotate without a restart), and again when a token
//! names a `kid` it does not hold, at most once a minute (never per request).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};

/// How often a token with an unknown `kid` may make the file be read again.
pub const UNKNOWN_KID_REREAD: Duration = Duration::from_secs(60);

/// One key: how to check a signature, and the one algorithm it checks.
#[derive(Clone)]
pub struct Key {
    pub decoding: DecodingKey,
    pub alg: Algorithm,
}

pub struct Jwks {
    path: PathBuf,
    keys: RwLock<Arc<HashMap<String, Key>>>,
    /// The file's modification time when last read.
    read_at: Mutex<Option<SystemTime>>,
    /// When an unknown `kid` last made the file be read.
    unknown_reread: Mutex<Option<Instant>>,
    /// How many times the keys changed: tokens verified under older keys
    /// are checked again (a key taken out is one no longer trusted).
    generation: AtomicU64,
}

impl Jwks {
    /// Reads the key set in `path`.
    pub fn open(path: &Path) -> Result<Self, String> {
        let (keys, modified) = read(path)?;
        Ok(Self {
            path: path.to_owned(),
            keys: RwLock::new(Arc::new(keys)),
            read_at: Mutex::new(modified),
            unknown_reread: Mutex::new(None),
            generation: AtomicU64::new(0),
        })
    }

    /// The key with this `kid`: from memory, or (once a minute at most) from
    /// the file read again.
    pub fn key(&self, kid: &str) -> Option<Key> {
        if let Some(k) = self.current().get(kid) {
            return Some(k.clone());
        }
        {
            let mut last = self
                .unknown_reread
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| t.elapsed() < UNKNOWN_KID_REREAD) {
                return None;
            }
            *last = Some(Instant::now());
        }
        self.reload("a token named an unknown kid");
        self.current().get(kid).cloned()
    }

    /// Changes whenever the keys in force change.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn kids(&self) -> Vec<String> {
        let mut kids: Vec<String> = self.current().keys().cloned().collect();
        kids.sort();
        kids
    }

    fn current(&self) -> Arc<HashMap<String, Key>> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Reads the file again if it changed since it was last read.
    pub fn reload_if_changed(&self) {
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let changed = *self.read_at.lock().unwrap_or_else(|p| p.into_inner()) != modified;
        if changed {
            self.reload("the file changed");
        }
    }

    /// Reads the file; a file that cannot be read or holds no usable key
    /// keeps the keys in force (logged), so a half-written file locks no
    /// one out.
    fn reload(&self, why: &str) {
        match read(&self.path) {
            Ok((keys, modified)) => {
                let kids: Vec<&String> = keys.keys().collect();
                tracing::info!(file = %self.path.display(), ?kids, why, "token keys read");
                *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
                *self.read_at.lock().unwrap_or_else(|p| p.into_inner()) = modified;
                self.generation.fetch_add(1, Ordering::AcqRel);
            }
            Err(e) => {
                tracing::warn!(file = %self.path.display(), error = %e, why, "token keys not read again; the keys in force stay");
            }
        }
    }

    /// Checks the file for changes every second until the process ends.
    pub fn watch(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let jwks = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let jwks = jwks.clone();
                let _ = tokio::task::spawn_blocking(move || jwks.reload_if_changed()).await;
            }
        })
    }
}

/// The usable keys of the key set in `path`, and the file's modification time.
fn read(path: &Path) -> Result<(HashMap<String, Key>, Option<SystemTime>), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("reading the key set {}: {e}", path.display()))?;
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let set: JwkSet = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a JWK Set: {e}", path.display()))?;
    let mut keys = HashMap::new();
    let mut skipped = Vec::new();
    for jwk in &set.keys {
        match key(jwk) {
            Ok((kid, key)) => {
                keys.insert(kid, key);
            }
            Err(why) => skipped.push(why),
        }
    }
    for why in &skipped {
        tracing::warn!(file = %path.display(), why = %why, "a key of the key set is not used");
    }
    if keys.is_empty() {
        return Err(format!(
            "{} holds no usable key (each needs a kid and an alg of ES256, RS256 or EdDSA matching its type){}",
            path.display(),
            if skipped.is_empty() {
                String::new()
            } else {
                format!(": {}", skipped.join("; "))
            }
        ));
    }
    Ok((keys, modified))
}

/// One JWK as a key: its `kid`, and its `alg` pinned, matching its type.
fn key(jwk: &Jwk) -> Result<(String, Key), String> {
    let kid = jwk.common.key_id.clone().ok_or("a key without a kid")?;
    let alg = match (&jwk.common.key_algorithm, &jwk.algorithm) {
        (Some(KeyAlgorithm::ES256), AlgorithmParameters::EllipticCurve(p))
            if p.curve == EllipticCurve::P256 =>
        {
            Algorithm::ES256
        }
        (Some(KeyAlgorithm::RS256), AlgorithmParameters::RSA(_)) => Algorithm::RS256,
        (Some(KeyAlgorithm::EdDSA), AlgorithmParameters::OctetKeyPair(p))
            if p.curve == EllipticCurve::Ed25519 =>
        {
            Algorithm::EdDSA
        }
        (None, _) => {
            return Err(format!(
                "key {kid}: no alg (each key's algorithm is pinned)"
            ));
        }
        (Some(alg), _) => {
            return Err(format!(
                "key {kid}: alg {alg:?} is not ES256 (P-256), RS256 or EdDSA (Ed25519), or does not match the key's type"
            ));
        }
    };
    let decoding = DecodingKey::from_jwk(jwk).map_err(|e| format!("key {kid}: {e}"))?;
    Ok((kid, Key { decoding, alg }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(kids: &[&str]) -> String {
        let all: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/jwks/public.json")).unwrap();
        serde_json::json!({"keys": kids.iter().map(|k| all[*k].clone()).collect::<Vec<_>>()})
            .to_string()
    }

    #[test]
    fn an_unknown_kid_rereads_the_file_at_most_once_a_minute() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwks.json");
        std::fs::write(&path, set(&["es256-a"])).unwrap();
        let jwks = Jwks::open(&path).unwrap();
        assert_eq!(jwks.kids(), ["es256-a"]);
        assert!(
            jwks.key("es256-a")
                .is_some_and(|k| k.alg == Algorithm::ES256)
        );
        // The first unknown kid reads the file again (and finds it gone).
        assert!(jwks.key("nobody").is_none());
        // A key added now is not found by asking: no second read within the
        // minute, however many tokens name it ...
        std::fs::write(&path, set(&["es256-a", "rs256"])).unwrap();
        for _ in 0..100 {
            assert!(jwks.key("rs256").is_none());
        }
        // ... but the watcher's check of the file finds it.
        jwks.reload_if_changed();
        assert!(jwks.key("rs256").is_some_and(|k| k.alg == Algorithm::RS256));
    }

    #[test]
    fn a_half_written_file_keeps_the_keys_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwks.json");
        std::fs::write(&path, set(&["eddsa"])).unwrap();
        let jwks = Jwks::open(&path).unwrap();
        std::fs::write(&path, "{\"keys\": [").unwrap();
        jwks.reload_if_changed();
        assert_eq!(jwks.kids(), ["eddsa"]);
    }
}
