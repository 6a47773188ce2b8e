//! A folder of cryptainers, as wacryptolib's `CryptainerStorage` keeps it: `NAME.crypt` files (with their
//! `NAME.crypt.payload` when offloaded), listing, deletion and purge by age, quota and count.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::stream::{payload_path, CRYPTAINER_SUFFIX, TEMP_SUFFIX};

/// What a listing says of one cryptainer.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct CryptainerInfo {
    /// File name (`NAME.crypt`).
    pub name: String,
    /// Size of the JSON and payload files, in bytes.
    pub size: u64,
    /// Whether the payload is in a separate `.payload` file.
    pub offloaded: bool,
    /// Creation time (from a `YYYYMMDD_HHMMSS` name prefix, else the file time), ms since the epoch.
    pub created_ms: i64,
    /// Whether it is finished (no `~` suffix).
    pub finished: bool,
}

/// A cryptainer folder.
#[derive(Clone, Debug)]
pub struct CryptainerStorage {
    dir: PathBuf,
}

impl CryptainerStorage {
    /// Opens (and creates) the folder.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(Error::io("creating", &dir))?;
        Ok(CryptainerStorage { dir })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of a cryptainer by name (`NAME` or `NAME.crypt`); names may not contain path separators.
    pub fn path_of(&self, name: &str) -> Result<PathBuf> {
        if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(Error::validation("cryptainer name", "name", format!("{name:?} must be a plain file name")));
        }
        let file =
            if name.ends_with(CRYPTAINER_SUFFIX) { name.to_string() } else { format!("{name}{CRYPTAINER_SUFFIX}") };
        Ok(self.dir.join(file))
    }

    /// Path of an existing cryptainer.
    pub fn existing(&self, name: &str) -> Result<PathBuf> {
        let p = self.path_of(name)?;
        if !p.is_file() {
            return Err(Error::Io {
                op: "opening",
                path: p,
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such cryptainer"),
            });
        }
        Ok(p)
    }

    /// Lists cryptainers sorted by name; unfinished ones (`~`) too when `include_unfinished`.
    pub fn list(&self, include_unfinished: bool) -> Result<Vec<CryptainerInfo>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(Error::io("listing", &self.dir))? {
            let entry = entry.map_err(Error::io("listing", &self.dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let finished = name.ends_with(CRYPTAINER_SUFFIX);
            let unfinished = name.ends_with(&format!("{CRYPTAINER_SUFFIX}{TEMP_SUFFIX}"));
            if !(finished || include_unfinished && unfinished) {
                continue;
            }
            let path = entry.path();
            let meta = entry.metadata().map_err(Error::io("reading", &path))?;
            let payload = payload_path(Path::new(name.trim_end_matches(TEMP_SUFFIX)));
            let payload = self.dir.join(payload);
            let payload_size = std::fs::metadata(&payload).map(|m| m.len()).ok();
            let created_ms = created_from_name(&name).unwrap_or_else(|| {
                let t = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
            });
            out.push(CryptainerInfo {
                name,
                size: meta.len() + payload_size.unwrap_or(0),
                offloaded: payload_size.is_some(),
                created_ms,
                finished,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Deletes a cryptainer and its offloaded payload.
    pub fn delete(&self, name: &str) -> Result<()> {
        let p = if name.ends_with(TEMP_SUFFIX) { self.dir.join(name) } else { self.existing(name)? };
        std::fs::remove_file(&p).map_err(Error::io("deleting", &p))?;
        let payload = payload_path(Path::new(p.to_string_lossy().trim_end_matches(TEMP_SUFFIX)));
        for candidate in [payload.clone(), PathBuf::from(format!("{}{TEMP_SUFFIX}", payload.display()))] {
            if candidate.exists() {
                std::fs::remove_file(&candidate).map_err(Error::io("deleting", &candidate))?;
            }
        }
        Ok(())
    }

    /// Deletes the oldest cryptainers (unfinished ones included) as wacryptolib does: first those older
    /// than `max_age_days`, then the oldest until the total size fits `max_quota_bytes`, then the oldest
    /// beyond `max_count`. Returns the names deleted.
    pub fn purge(
        &self,
        max_age_days: Option<u64>,
        max_count: Option<usize>,
        max_quota_bytes: Option<u64>,
    ) -> Result<Vec<String>> {
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        let mut deleted = Vec::new();
        if let Some(days) = max_age_days {
            for c in self.list(true)? {
                if now - c.created_ms > days as i64 * 86_400_000 {
                    self.delete(&c.name)?;
                    deleted.push(c.name);
                }
            }
        }
        // Oldest first (then by name).
        let sorted = |s: &Self| -> Result<Vec<CryptainerInfo>> {
            let mut l = s.list(true)?;
            l.sort_by(|a, b| a.created_ms.cmp(&b.created_ms).then(a.name.cmp(&b.name)));
            Ok(l)
        };
        if let Some(quota) = max_quota_bytes {
            let list = sorted(self)?;
            let mut total: u64 = list.iter().map(|c| c.size).sum();
            for c in list {
                if total <= quota {
                    break;
                }
                self.delete(&c.name)?;
                total -= c.size;
                deleted.push(c.name);
            }
        }
        if let Some(count) = max_count {
            let list = sorted(self)?;
            let excess = list.len().saturating_sub(count);
            for c in list.into_iter().take(excess) {
                self.delete(&c.name)?;
                deleted.push(c.name);
            }
        }
        Ok(deleted)
    }
}

fn created_from_name(name: &str) -> Option<i64> {
    let p = name.get(..15)?;
    let b = p.as_bytes();
    if b[8] != b'_' || !p[..8].bytes().chain(p[9..].bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let iso = format!("{}-{}-{}T{}:{}:{}Z", &p[..4], &p[4..6], &p[6..8], &p[9..11], &p[11..13], &p[13..15]);
    let v: crate::ejson::DateTimeMs = crate::ejson::from_slice(format!("{{\"$date\": \"{iso}\"}}").as_bytes()).ok()?;
    Some(v.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_purge() {
        let d = tempfile::tempdir().unwrap();
        let s = CryptainerStorage::open(d.path()).unwrap();
        assert!(s.path_of("../evil").is_err());
        for (name, size) in [("20200101_000000_a.crypt", 10), ("20210101_000000_b.crypt", 20), ("c.crypt", 30)] {
            std::fs::write(d.path().join(name), vec![0u8; size]).unwrap();
        }
        std::fs::write(d.path().join("c.crypt.payload"), vec![0u8; 100]).unwrap();
        std::fs::write(d.path().join("d.crypt~"), b"x").unwrap();
        let l = s.list(false).unwrap();
        assert_eq!(
            l.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["20200101_000000_a.crypt", "20210101_000000_b.crypt", "c.crypt"]
        );
        assert_eq!(l[0].created_ms, 1577836800000);
        assert!(l[2].offloaded && l[2].size == 130);
        assert_eq!(s.purge(None, None, Some(135)).unwrap(), ["20200101_000000_a.crypt", "20210101_000000_b.crypt"]);
        assert_eq!(s.purge(None, Some(1), None).unwrap(), ["c.crypt"]);
        assert!(!d.path().join("c.crypt.payload").exists());
        assert!(s.list(true).unwrap().iter().all(|c| c.name == "d.crypt~"));
    }
}
