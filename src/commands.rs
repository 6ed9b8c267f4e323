//! The command line's own work, besides serving: checking a lottery's
//! published draw and an archive, and archiving a sale from a shell.

use std::path::Path;

use anyhow::Context;

use crate::config::Config;

/// `ticketgrab verify-draw`: what the export shows, or every difference.
pub fn verify_draw(export: &Path, closing: Option<&str>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(export)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", export.display()))?;
    let export: crate::lottery::export::Export = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not a draw export: {e}", export.display()))?;
    match crate::lottery::export::verify(&export, closing) {
        Ok(verified) => {
            let won = export.entries.iter().filter(|e| e.won.is_some()).count();
            println!(
                "ok: the published draw of {} is the one {} gives ({} entries, {won} won, {} waiting)",
                export.event,
                export.algorithm,
                export.entries.len(),
                export.entries.len() - won
            );
            match (&export.closing, verified.held_to_closing) {
                (Some(c), true) => println!(
                    "held to the closing digest kept from the close: {}",
                    c.digest
                ),
                (Some(c), false) => println!(
                    "not held to the close: the export's closing digest is {}; only a digest kept \
                     when registration closed (--closing) shows the entries and stock are the ones fixed then",
                    c.digest
                ),
                (None, _) => println!(
                    "a {} draw: it published no closing, so the entries and stock are the export's word",
                    export.algorithm
                ),
            }
            Ok(())
        }
        Err(wrong) => anyhow::bail!(
            "the published draw of {} is NOT the one the rules give:\n  {}",
            export.event,
            wrong.join("\n  ")
        ),
    }
}

/// `ticketgrab verify-archive`: the archive checked against itself.
pub fn verify_archive(path: &Path) -> anyhow::Result<()> {
    match crate::archive::verify(path) {
        Ok(event) => {
            let h = crate::archive::read(path, false)?.header;
            let how = if h.pruned_at.is_some() {
                "its figures balance (its members were taken out by the retention: counts only)"
            } else {
                "its log replays to its figures and passes the audit"
            };
            println!(
                "ok: the archive of {event} is whole ({} entries, digest matches) and {how}; {} tickets, {} members",
                h.entries, h.summary.tickets, h.summary.members
            );
            Ok(())
        }
        Err(wrong) => anyhow::bail!(
            "the archive {} does NOT hold together:\n  {}",
            path.display(),
            wrong.join("\n  ")
        ),
    }
}

/// `ticketgrab archive <event>`: archives a finished sale of the store the
/// flags name (as `serve` would open it), into `--archive-dir`.
pub fn archive(config: &Config, event: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let state = crate::startup::state(config)?;
        let id = crate::domain::EventId::parse(event)?;
        let header = state
            .engine
            .archive(&id, &config.archive_dir, config.archive_min_age_days)
            .await
            .with_context(|| format!("archiving {event}"))?;
        println!(
            "archived {event} to {}: {} entries, {} tickets, {} members",
            crate::archive::path_of(&config.archive_dir, &id).display(),
            header.entries,
            header.summary.tickets,
            header.summary.members
        );
        Ok(())
    })
}
