//! Test support: builds small `.tar.gz` archives shaped like 20news-bydate (with directory
//! entries, as in the real file) so unit tests never read the full corpus.

use flate2::write::GzEncoder;
use flate2::Compression;
use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Five posts over three labels and both splits, in archive order.
pub const SMALL_CORPUS: &[(&str, &[u8])] = &[
    ("20news-bydate-train/sci.space/1", b"The shuttle launched."),
    ("20news-bydate-train/sci.space/2", b"Orbit and orbiter."),
    ("20news-bydate-train/alt.atheism/1", b"Belief and evidence."),
    ("20news-bydate-test/sci.space/3", b"Mars rover."),
    ("20news-bydate-test/rec.autos/9", b"My car's engine."),
];

/// Writes `files` (path, contents) as `corpus.tar.gz` in `dir`, each preceded by entries for its
/// folders, and returns the archive's path.
pub fn write_tar_gz(dir: &Path, files: &[(&str, &[u8])]) -> PathBuf {
    let path = dir.join("corpus.tar.gz");
    let gz = GzEncoder::new(File::create(&path).unwrap(), Compression::fast());
    let mut builder = tar::Builder::new(gz);
    let mut folders = BTreeSet::new();
    for (name, contents) in files {
        let parents = Path::new(name).ancestors().skip(1).filter(|p| !p.as_os_str().is_empty());
        let mut parents: Vec<&Path> = parents.collect();
        parents.reverse();
        for folder in parents {
            if folders.insert(folder.to_path_buf()) {
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
                builder.append_data(&mut header, folder, std::io::empty()).unwrap();
            }
        }
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o644);
        header.set_size(contents.len() as u64);
        builder.append_data(&mut header, name, *contents).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap();
    path
}
