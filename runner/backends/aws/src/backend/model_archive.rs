//! SageMaker's `model.tar.gz`, unpacked into a folder. The archive comes from a job's container,
//! which runs user code: an entry that is an absolute path, contains `..`, is a link whose target
//! leaves the folder or is not a file, folder or link is refused with a one-line error naming it,
//! before anything of the archive is written.

use mlpipe_core::{Error, Result};
use std::path::{Component, Path, PathBuf};

/// Unpacks the gzip'd tar `archive` into `to`. `name` (the archive's S3 address) names it in errors.
///
/// # Errors
/// An unreadable archive, an entry refused as above, or a file that cannot be written.
pub(super) fn unpack(archive: &Path, name: &str, to: &Path) -> Result<()> {
    // Checked in a first pass, so a refused archive leaves nothing behind.
    for_each_entry(archive, name, |entry| check(name, entry).map(|_| ()))?;
    std::fs::create_dir_all(to).map_err(|source| Error::Io { path: to.to_path_buf(), source })?;
    for_each_entry(archive, name, |entry| {
        check(name, entry)?;
        entry.unpack_in(to).map(|_| ()).map_err(|err| bad(name, &entry_name(entry), &format!("cannot unpack: {err}")))
    })
}

fn for_each_entry(
    archive: &Path,
    name: &str,
    mut visit: impl FnMut(&mut tar::Entry<'_, flate2::read::GzDecoder<std::fs::File>>) -> Result<()>,
) -> Result<()> {
    let file = std::fs::File::open(archive).map_err(|source| Error::Io { path: archive.to_path_buf(), source })?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let unreadable = |err: std::io::Error| Error::DataFile {
        uri: name.to_string(),
        message: format!("not a readable tar.gz: {err}"),
    };
    for entry in tar.entries().map_err(unreadable)? {
        visit(&mut entry.map_err(unreadable)?)?;
    }
    Ok(())
}

fn entry_name<R: std::io::Read>(entry: &tar::Entry<'_, R>) -> String {
    String::from_utf8_lossy(&entry.path_bytes()).into_owned()
}

fn bad(name: &str, entry: &str, problem: &str) -> Error {
    Error::DataFile { uri: name.to_string(), message: format!("entry {entry:?} {problem}; the archive is refused") }
}

/// Refuses an entry that would land outside the folder; returns its path inside it.
fn check<R: std::io::Read>(name: &str, entry: &tar::Entry<'_, R>) -> Result<PathBuf> {
    let shown = entry_name(entry);
    let path = entry.path().map_err(|err| bad(name, &shown, &format!("has an unreadable path: {err}")))?.into_owned();
    if path.components().any(|c| c == Component::ParentDir) {
        return Err(bad(name, &shown, "contains `..`"));
    }
    let landing = inside(Path::new(""), &path).map_err(|problem| bad(name, &shown, problem))?;
    let kind = entry.header().entry_type();
    if kind.is_symlink() || kind.is_hard_link() {
        let target = entry
            .link_name()
            .map_err(|err| bad(name, &shown, &format!("has an unreadable link target: {err}")))?
            .ok_or_else(|| bad(name, &shown, "is a link without a target"))?;
        // A symbolic link's target is relative to the link's folder, a hard link's to the archive's root.
        let base = if kind.is_symlink() { landing.parent().unwrap_or(Path::new("")) } else { Path::new("") };
        inside(base, &target).map_err(|_| {
            bad(name, &shown, &format!("is a link to {:?} outside the folder", target.display().to_string()))
        })?;
    } else if !(kind.is_file() || kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions()) {
        return Err(bad(name, &shown, "is not a file, folder or link"));
    }
    Ok(landing)
}

/// `base/path` normalised, when it stays inside the folder; else why not.
fn inside(base: &Path, path: &Path) -> std::result::Result<PathBuf, &'static str> {
    let mut parts: Vec<&std::ffi::OsStr> = base.iter().collect();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return Err("is an absolute path"),
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err("has a `..` leaving the folder");
                }
            }
        }
    }
    Ok(parts.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model.tar.gz with a good file plus `bad`, written as raw tar headers (the tar crate's
    /// builder refuses such paths itself, as a careful archiver would; a container need not).
    fn archive(dir: &Path, bad: impl FnOnce(&mut tar::Builder<flate2::write::GzEncoder<std::fs::File>>)) -> PathBuf {
        let path = dir.join("model.tar.gz");
        let file = std::fs::File::create(&path).unwrap();
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast()));
        let mut header = tar::Header::new_gnu();
        header.set_size(3);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, "model.pt", &b"abc"[..]).unwrap();
        bad(&mut builder);
        builder.into_inner().unwrap().finish().unwrap();
        path
    }

    fn raw(
        builder: &mut tar::Builder<flate2::write::GzEncoder<std::fs::File>>,
        kind: tar::EntryType,
        name: &str,
        link: &str,
    ) {
        let mut header = tar::Header::new_old();
        header.set_entry_type(kind);
        header.set_mode(0o644);
        header.set_size(if kind == tar::EntryType::Regular { 3 } else { 0 });
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
        header.set_cksum();
        let data: &[u8] = if kind == tar::EntryType::Regular { b"xyz" } else { b"" };
        builder.append(&header, data).unwrap();
    }

    fn refused(kind: tar::EntryType, name: &str, link: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = archive(dir.path(), |b| raw(b, kind, name, link));
        let to = dir.path().join("out");
        let err = unpack(&path, "s3://b/model.tar.gz", &to).unwrap_err().to_string();
        assert!(!to.exists(), "a refused archive wrote {}", to.display());
        assert_eq!(err.lines().count(), 1, "{err}");
        err
    }

    #[test]
    fn files_folders_and_links_inside_are_unpacked() {
        let dir = tempfile::tempdir().unwrap();
        let path = archive(dir.path(), |b| {
            raw(b, tar::EntryType::Directory, "curves/", "");
            raw(b, tar::EntryType::Regular, "curves/loss.png", "");
            raw(b, tar::EntryType::Symlink, "curves/model.pt", "../model.pt");
            raw(b, tar::EntryType::Regular, "./b", "");
        });
        let to = dir.path().join("out");
        unpack(&path, "s3://b/model.tar.gz", &to).unwrap();
        assert_eq!(std::fs::read(to.join("model.pt")).unwrap(), b"abc");
        assert_eq!(std::fs::read(to.join("curves/loss.png")).unwrap(), b"xyz");
        assert_eq!(std::fs::read(to.join("curves/model.pt")).unwrap(), b"abc");
        assert_eq!(std::fs::read(to.join("b")).unwrap(), b"xyz");
    }

    #[test]
    fn an_absolute_entry_is_refused_by_name() {
        let err = refused(tar::EntryType::Regular, "/etc/evil", "");
        assert_eq!(err, r#"s3://b/model.tar.gz: entry "/etc/evil" is an absolute path; the archive is refused"#);
    }

    #[test]
    fn a_parent_entry_is_refused_by_name() {
        let err = refused(tar::EntryType::Regular, "curves/../../evil", "");
        assert!(err.contains(r#"entry "curves/../../evil" contains `..`"#), "{err}");
        // Even one that would stay inside: tar's own unpacking skips such entries silently.
        let err = refused(tar::EntryType::Regular, "a/../b", "");
        assert!(err.contains(r#"entry "a/../b" contains `..`"#), "{err}");
    }

    #[test]
    fn links_leaving_the_folder_are_refused_by_name() {
        let err = refused(tar::EntryType::Symlink, "curves/escape", "../../etc/passwd");
        assert!(err.contains(r#"entry "curves/escape" is a link to "../../etc/passwd" outside the folder"#), "{err}");
        let err = refused(tar::EntryType::Symlink, "escape", "/etc/passwd");
        assert!(err.contains(r#"entry "escape" is a link to "/etc/passwd" outside the folder"#), "{err}");
        let err = refused(tar::EntryType::Link, "hard", "../outside");
        assert!(err.contains(r#"entry "hard" is a link to "../outside" outside the folder"#), "{err}");
    }

    #[test]
    fn a_device_entry_is_refused_by_name() {
        let err = refused(tar::EntryType::Char, "tty", "");
        assert!(err.contains(r#"entry "tty" is not a file, folder or link"#), "{err}");
    }
}
