//! Reading `20news-bydate.tar.gz` in one streaming pass (gzip → tar, nothing extracted to disk).
//! Each regular file is a post; its path says its split and label:
//! `20news-bydate-train/<label>/<id>` or `20news-bydate-test/<label>/<id>`. Directory entries are
//! skipped; a file anywhere else is an error, since it would mean this is not the corpus the
//! experiment was written for.

use flate2::read::GzDecoder;
use mlpipe_plugin_api::{PluginError, Split};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Component, Path};

/// The top-level folders of the archive and the split each one holds.
const SPLIT_FOLDERS: [(&str, Split); 2] = [("20news-bydate-train", Split::Train), ("20news-bydate-test", Split::Test)];

/// One post of the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The canonical split: [`Split::Train`] or [`Split::Test`].
    pub split: Split,
    /// The newsgroup, i.e. the label folder, e.g. `sci.space`.
    pub label: String,
    /// The file name inside the label folder (a number), unique within a label and split.
    pub id: String,
    /// The post, decoded as UTF-8 (invalid bytes replaced by U+FFFD).
    pub text: String,
}

/// Streams every post of the archive at `path` into `visit`, in archive order.
///
/// # Errors
/// A missing or corrupt archive, an entry outside the corpus layout (both naming the archive), or
/// any error returned by `visit`, unchanged.
pub fn for_each_document(
    path: &Path,
    mut visit: impl FnMut(Document) -> Result<(), PluginError>,
) -> Result<(), PluginError> {
    for_each_file(path, |(split, label, id), contents| {
        let mut bytes = Vec::new();
        contents.read_to_end(&mut bytes).map_err(|err| reading(path, err))?;
        let text = String::from_utf8(bytes).unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned());
        visit(Document { split, label: label.to_string(), id: id.to_string(), text })
    })
}

/// The sorted set of labels (label folder names) of the archive at `path`, found without
/// decoding any post.
///
/// # Errors
/// As [`for_each_document`].
pub fn scan_labels(path: &Path) -> Result<Vec<String>, PluginError> {
    let mut labels = BTreeSet::new();
    for_each_file(path, |(_, label, _), _| {
        if !labels.contains(label) {
            labels.insert(label.to_string());
        }
        Ok(())
    })?;
    Ok(labels.into_iter().collect())
}

/// Where a post sits: its split, label and id.
type Location<'a> = (Split, &'a str, &'a str);

/// Walks the regular files of the archive, handing each one's location and contents to `visit`.
fn for_each_file(
    path: &Path,
    mut visit: impl FnMut(Location<'_>, &mut dyn Read) -> Result<(), PluginError>,
) -> Result<(), PluginError> {
    let file = File::open(path).map_err(|err| PluginError::from(err).context(format!("opening {}", path.display())))?;
    let mut archive = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
    for entry in archive.entries().map_err(|err| reading(path, err))? {
        let mut entry = entry.map_err(|err| reading(path, err))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path().map_err(|err| reading(path, err))?.into_owned();
        let Some(location) = locate(&name) else {
            return Err(PluginError::new(format!(
                "reading {}: unexpected file {} (expected 20news-bydate-train/<label>/<id> or \
                 20news-bydate-test/<label>/<id>): is this 20news-bydate.tar.gz?",
                path.display(),
                name.display()
            )));
        };
        visit(location, &mut entry)?;
    }
    Ok(())
}

/// Parses an entry path `20news-bydate-<split>/<label>/<id>` (a leading `./` allowed).
fn locate(name: &Path) -> Option<Location<'_>> {
    let mut parts = name.components().filter(|part| *part != Component::CurDir).map(|part| match part {
        Component::Normal(text) => text.to_str(),
        _ => None,
    });
    let (Some(folder), Some(label), Some(id), None) = (parts.next()?, parts.next()?, parts.next()?, parts.next())
    else {
        return None;
    };
    let split = SPLIT_FOLDERS.iter().find(|(top, _)| *top == folder)?.1;
    Some((split, label, id))
}

/// An I/O error while reading the archive at `path`.
fn reading(path: &Path, err: std::io::Error) -> PluginError {
    PluginError::from(err).context(format!("reading {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_corpus::{write_tar_gz, SMALL_CORPUS};

    #[test]
    fn entry_paths_give_split_label_and_id() {
        let train = Path::new("20news-bydate-train/sci.space/61042");
        assert_eq!(locate(train), Some((Split::Train, "sci.space", "61042")));
        let test = Path::new("./20news-bydate-test/rec.autos/1");
        assert_eq!(locate(test), Some((Split::Test, "rec.autos", "1")));
        assert_eq!(locate(Path::new("20news-bydate-train/sci.space")), None);
        assert_eq!(locate(Path::new("20news-bydate-train/a/b/c")), None);
        assert_eq!(locate(Path::new("other/sci.space/1")), None);
    }

    #[test]
    fn documents_stream_in_archive_order_with_their_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_tar_gz(dir.path(), SMALL_CORPUS);
        let mut documents = Vec::new();
        for_each_document(&path, |doc| {
            documents.push(doc);
            Ok(())
        })
        .unwrap();
        assert_eq!(documents.len(), 5);
        let first = &documents[0];
        assert_eq!((first.split, first.label.as_str(), first.id.as_str()), (Split::Train, "sci.space", "1"));
        assert_eq!(first.text, "The shuttle launched.");
        let last = documents.last().unwrap();
        assert_eq!((last.split, last.label.as_str(), last.id.as_str()), (Split::Test, "rec.autos", "9"));
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_tar_gz(dir.path(), &[("20news-bydate-train/x/1", b"caf\xe9 ok")]);
        let mut texts = Vec::new();
        for_each_document(&path, |doc| {
            texts.push(doc.text);
            Ok(())
        })
        .unwrap();
        assert_eq!(texts, ["caf\u{fffd} ok"]);
    }

    #[test]
    fn labels_are_sorted_and_unique_across_splits() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_tar_gz(dir.path(), SMALL_CORPUS);
        assert_eq!(scan_labels(&path).unwrap(), ["alt.atheism", "rec.autos", "sci.space"]);
    }

    #[test]
    fn visitor_errors_stop_the_walk_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_tar_gz(dir.path(), SMALL_CORPUS);
        let mut seen = 0;
        let err = for_each_document(&path, |_| {
            seen += 1;
            Err(PluginError::new("sink is full"))
        })
        .unwrap_err();
        assert_eq!((err.message(), seen), ("sink is full", 1));
    }

    #[test]
    fn file_outside_the_layout_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_tar_gz(dir.path(), &[("README", b"hello")]);
        let err = scan_labels(&path).unwrap_err();
        assert!(err.message().contains("unexpected file README"), "{err}");
    }

    #[test]
    fn missing_archive_names_the_path() {
        let err = scan_labels(Path::new("/nonexistent/20news.tar.gz")).unwrap_err();
        assert!(err.message().starts_with("opening /nonexistent/20news.tar.gz: "), "{err}");
    }

    #[test]
    fn corrupt_archive_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.tar.gz");
        std::fs::write(&path, b"not gzip at all").unwrap();
        let err = scan_labels(&path).unwrap_err();
        assert!(err.message().starts_with(&format!("reading {}: ", path.display())), "{err}");
    }
}
