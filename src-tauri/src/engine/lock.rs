//! One engine per data directory: an exclusive OS file lock on `engine.lock`, released when the
//! process exits (even by a crash). The lock file names the holder so a second engine can say who.

use crate::engine::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// File name of the lock inside the data directory.
pub const LOCK_FILE: &str = "engine.lock";

/// Held while an engine runs; dropping it releases the lock.
#[derive(Debug)]
pub struct EngineLock {
    _file: File,
}

/// Takes the engine lock for `surface` (e.g. "chaintill serve"), or names the current holder.
pub fn acquire(data_dir: &Path, surface: &str) -> Result<EngineLock> {
    let path = data_dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(_) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(Error::AlreadyRunning(format!(
                "another engine already runs on {}: {}",
                data_dir.display(),
                if holder.is_empty() {
                    "unknown process"
                } else {
                    holder
                }
            )));
        }
    }
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    write!(file, "{surface} (pid {})", std::process::id())?;
    file.flush()?;
    Ok(EngineLock { _file: file })
}
