//! Small filesystem helpers: atomic writes and bounded reads.

use std::io::Write as _;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes a file atomically: a temporary file in the same folder, synced, then renamed over the target.
/// `private` restricts it to the owner (0600) on Unix.
pub fn write_atomic(path: &Path, data: &[u8], private: bool) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut rnd = [0u8; 6];
    crate::primitives::random_bytes(&mut rnd);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", rnd.iter().map(|b| format!("{b:02x}")).collect::<String>()));
    let result = (|| -> std::io::Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut f = opts.open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(Error::io("writing", path))
}

/// Reads a whole file, refusing files larger than `max` bytes.
pub fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(Error::io("reading", path))?;
    if meta.len() > max {
        return Err(Error::Limit(format!("{} has {} bytes, at most {max} accepted", path.display(), meta.len())));
    }
    std::fs::read(path).map_err(Error::io("reading", path))
}
