//! The journal's writer thread (group commit), and making a new file's
//! directory entry durable.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::Shared;

/// The writer thread: writes what gathered, fsyncs, tells the waiters.
pub(super) fn write_loop(mut file: File, shared: &Shared) {
    let mut spare = Vec::new();
    loop {
        let (mut buf, upto) = {
            let mut p = shared
                .pending
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            while p.buf.is_empty() && !p.stopping {
                p = shared
                    .wake
                    .wait(p)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if p.buf.is_empty() {
                return;
            }
            (
                std::mem::replace(&mut p.buf, std::mem::take(&mut spare)),
                p.appended,
            )
        };
        match file.write_all(&buf).and_then(|()| file.sync_data()) {
            Ok(()) => shared.durable.send_modify(|d| {
                d.upto = upto;
                d.syncs += 1;
            }),
            Err(e) => {
                // What was written may be torn; the next start cuts it off.
                // Until then nothing more is confirmed.
                tracing::error!(error = %e, "the journal cannot be written: every change now answers 503 until the service is restarted");
                shared.durable.send_modify(|d| {
                    d.failed = Some(format!("the journal cannot be written: {e}"))
                });
                return;
            }
        }
        buf.clear();
        spare = buf;
    }
}

/// Makes a new file's directory entry durable.
pub(super) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}
