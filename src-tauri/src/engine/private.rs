//! Files that hold secrets are readable by their owner only (SPEC §10): `chaintill.toml` (RPC
//! URLs carry provider keys), `chaintill.db` (webhook secrets) and the log. The data folder is
//! created 0700 and its files 0600; files an older version created more openly are tightened
//! at start.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

/// Creates `dir` (and its parents) and makes it owner-only.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    Ok(())
}

/// Options that create a file owner-only.
fn options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    o.mode(0o600);
    o
}

/// Writes `bytes` to `path`, creating it owner-only (an existing file is tightened first).
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    tighten(path)?;
    let mut f = options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Opens `path` for appending, creating it owner-only.
pub fn append(path: &Path) -> io::Result<File> {
    tighten(path)?;
    options().create(true).append(true).open(path)
}

/// Creates `path` empty and owner-only if it does not exist (SQLite then creates its WAL and
/// shared-memory files with the same permissions).
pub fn touch(path: &Path) -> io::Result<()> {
    tighten(path)?;
    options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    Ok(())
}

/// Makes an existing file owner-only; nothing if there is none.
pub fn tighten(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
