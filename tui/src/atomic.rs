//! The export's file written atomically: a temporary file in the same directory, flushed,
//! synced and renamed over the target, so a reader sees the old file or the whole new one,
//! never a part (the CLI's own outputs do the same in `src/output.rs`, which this crate
//! cannot depend on).

use std::io::Write;
use std::path::Path;

/// `std::fs::write`, atomically. On an error the target is untouched and the temporary
/// file removed.
pub fn write(path: &Path, bytes: impl AsRef<[u8]>) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Applied at open(2): the umask narrows it as for `File::create`.
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = b.tempfile_in(dir)?;
    file.write_all(bytes.as_ref())?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    // The rename is durable once its directory is synced; best effort, as in the CLI.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
