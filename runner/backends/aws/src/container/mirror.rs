//! Mirroring the `data` channel into the experiment's `<exp>/data/` folder inside the container. A
//! file already there with the same bytes is kept (a restarted job finds its data restored from the
//! checkpoints); any other is replaced by a hard link to the channel's file, or a copy where the two
//! folders are on different file systems. Replacing goes through a temporary name and a rename, so
//! a job killed half-way never leaves a truncated file that would pass for data.

use super::ContainerError;
use mlpipe_core::storage::TEMP_PREFIX;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// What a mirror did, for the log.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MirrorReport {
    /// Files linked or copied.
    pub written: usize,
    /// Files that were already there with the same bytes.
    pub kept: usize,
}

/// Makes every file under `from` (at any depth) exist with the same bytes under `to`; other files
/// under `to` are left alone.
///
/// # Errors
/// [`ContainerError::Read`] when `from` or a file in it cannot be read, [`ContainerError::Write`]
/// when `to` cannot be written.
pub fn mirror(from: &Path, to: &Path) -> Result<MirrorReport, ContainerError> {
    let mut report = MirrorReport::default();
    mirror_dir(from, to, &mut report)?;
    Ok(report)
}

fn mirror_dir(from: &Path, to: &Path, report: &mut MirrorReport) -> Result<(), ContainerError> {
    let mut entries = std::fs::read_dir(from)
        .map_err(read_error(from))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_error(from))?;
    entries.sort();
    std::fs::create_dir_all(to).map_err(|source| ContainerError::Write { path: to.to_path_buf(), source })?;
    for source in entries {
        let Some(name) = source.file_name() else { continue };
        let target = to.join(name);
        if source.is_dir() {
            mirror_dir(&source, &target, report)?;
        } else if source.is_file() {
            if same_bytes(&source, &target)? {
                report.kept += 1;
            } else {
                replace(&source, &target)?;
                report.written += 1;
            }
        }
    }
    Ok(())
}

/// Whether `target` exists with exactly the bytes of `source`.
fn same_bytes(source: &Path, target: &Path) -> Result<bool, ContainerError> {
    let (Ok(target_meta), source_meta) = (target.metadata(), source.metadata().map_err(read_error(source))?) else {
        return Ok(false);
    };
    if !target_meta.is_file() || target_meta.len() != source_meta.len() {
        return Ok(false);
    }
    let open = |path: &Path| File::open(path).map(BufReader::new).map_err(read_error(path));
    let (mut a, mut b) = (open(source)?, open(target)?);
    let (mut buf_a, mut buf_b) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = a.read(&mut buf_a).map_err(read_error(source))?;
        if n == 0 {
            return Ok(true);
        }
        b.read_exact(&mut buf_b[..n]).map_err(read_error(target))?;
        if buf_a[..n] != buf_b[..n] {
            return Ok(false);
        }
    }
}

fn read_error(path: &Path) -> impl Fn(std::io::Error) -> ContainerError + '_ {
    move |source| ContainerError::Read { path: path.to_path_buf(), source }
}

/// Puts `source`'s bytes at `target` atomically: a hard link (or copy) under a temporary name that
/// local storage ignores, then a rename over `target`.
fn replace(source: &Path, target: &Path) -> Result<(), ContainerError> {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = target.with_file_name(format!("{TEMP_PREFIX}{}-{name}", std::process::id()));
    let write_error = |source| ContainerError::Write { path: target.to_path_buf(), source };
    let _ = std::fs::remove_file(&temp);
    if std::fs::hard_link(source, &temp).is_err() {
        std::fs::copy(source, &temp).map_err(write_error)?;
    }
    std::fs::rename(&temp, target).map_err(|err| {
        let _ = std::fs::remove_file(&temp);
        write_error(err)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirroring_writes_missing_files_and_keeps_equal_ones() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("channel"), dir.path().join("exp/data"));
        std::fs::create_dir_all(from.join("prepared")).unwrap();
        std::fs::write(from.join("manifest.toml"), "a = 1\n").unwrap();
        std::fs::write(from.join("prepared/train.parquet"), vec![7u8; 200_000]).unwrap();
        assert_eq!(mirror(&from, &to).unwrap(), MirrorReport { written: 2, kept: 0 });
        assert_eq!(std::fs::read(to.join("prepared/train.parquet")).unwrap(), vec![7u8; 200_000]);
        assert_eq!(mirror(&from, &to).unwrap(), MirrorReport { written: 0, kept: 2 });

        // A file restored with other bytes (same length) is replaced; an extra file is left alone.
        std::fs::remove_file(to.join("manifest.toml")).unwrap();
        std::fs::write(to.join("manifest.toml"), "a = 2\n").unwrap();
        std::fs::write(to.join("extra.txt"), "x").unwrap();
        assert_eq!(mirror(&from, &to).unwrap(), MirrorReport { written: 1, kept: 1 });
        assert_eq!(std::fs::read_to_string(to.join("manifest.toml")).unwrap(), "a = 1\n");
        assert!(to.join("extra.txt").is_file());
        let leftovers: Vec<_> = std::fs::read_dir(&to)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with(TEMP_PREFIX))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_missing_channel_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = mirror(&dir.path().join("nothing"), &dir.path().join("to")).unwrap_err();
        assert!(err.to_string().starts_with(&format!("{}: cannot read: ", dir.path().join("nothing").display())));
    }
}
