//! The data directory: private to the service's user, and locked by the
//! one process that writes it.

use std::fs::{File, OpenOptions};
use std::path::Path;

/// Why the data directory could not be locked.
pub(super) enum Locked {
    Busy,
    Io(&'static str, std::io::Error),
}

/// Creates `dir` if need be, private to this user (0700: the journal holds a
/// lottery's seed until its draw), and locks the directory itself (flock on
/// its own descriptor) for as long as the returned file is open. A lock
/// file inside could be deleted or replaced while the service runs and let
/// a second process in; the directory cannot be, while it holds the journal.
pub(super) fn lock_dir(dir: &Path) -> Result<File, Locked> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Locked::Io("creating the data directory", e))?;
    // An existing directory (made by hand, or by an older build) is made
    // private too.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| Locked::Io("making private the data directory", e))?;
    let lock = File::open(dir).map_err(|e| Locked::Io("opening the data directory", e))?;
    // A lock let go a moment ago can still be held for a moment by a child
    // process that this one forked and that has not reached its exec yet
    // (the descriptor is shared with it until then): ask a few times before
    // calling the directory taken.
    for tries in 0.. {
        match lock.try_lock() {
            Ok(()) => return Ok(lock),
            Err(std::fs::TryLockError::WouldBlock) if tries < 50 => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => return Err(Locked::Busy),
            Err(std::fs::TryLockError::Error(e)) => return Err(Locked::Io("locking", e)),
        }
    }
    unreachable!("the loop returns")
}

/// Opens (creating) a file of the data directory for reading and writing,
/// readable by this user only (0600), whatever mode it was found with.
pub(in crate::store::memory) fn private_file(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}
