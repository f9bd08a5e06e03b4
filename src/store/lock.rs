//! The store's lock: `DIR/.lock`, created exclusively and naming the run's process id,
//! so a second run on one store refuses to start instead of interleaving its writes.
//!
//! A lock left by a run that was killed names a process that no longer exists (on Linux:
//! no `/proc/PID`): it is taken over.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Held for the whole run; removed when dropped, on every way out of the run.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

/// Whether the process that wrote a lock is gone. Only Linux can tell cheaply; elsewhere
/// a lock is always taken to be held.
fn holder_is_gone(path: &Path) -> bool {
    let Some(pid) = std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
    else {
        return false;
    };
    cfg!(target_os = "linux")
        && pid != std::process::id()
        && !Path::new(&format!("/proc/{pid}")).exists()
}

impl Lock {
    pub fn take(dir: &Path) -> Result<Lock, Error> {
        let path = dir.join(".lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    // The lock is held from here on even if naming the pid fails.
                    let lock = Lock { path };
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(lock);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if !holder_is_gone(&path) {
                        break;
                    }
                    // A killed run's lock: remove it and try once more (another run may
                    // win that race; it then holds the lock and this one refuses).
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => return Err(Error::Store(format!("{}: {e}", path.display()))),
            }
        }
        Err(Error::StoreInUse(dir.display().to_string()))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_dead_holders_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let held = Lock::take(dir.path()).unwrap();
        assert!(matches!(Lock::take(dir.path()), Err(Error::StoreInUse(_))));
        drop(held);
        assert!(!dir.path().join(".lock").exists());
        // No process has pid 0 under /proc on Linux... but 0 is never a user pid: use a
        // pid beyond the kernel's limit instead.
        std::fs::write(dir.path().join(".lock"), "4294967294\n").unwrap();
        let taken = Lock::take(dir.path());
        assert_eq!(taken.is_ok(), cfg!(target_os = "linux"));
    }
}
