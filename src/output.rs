//! Writing generated files: whole or not at all. Every file is first written to a temporary
//! file in the target directory; only when all of them are written are they renamed into
//! place, so an error (or an interrupt) never leaves a half-written or partial set behind.

use crate::backend::OutFile;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `files` into `dir` (created if missing).
///
/// # Errors
/// The directory cannot be created, or a file cannot be written or renamed. On error before
/// the renames start, no target file has changed.
pub fn write_all_atomic(dir: &Path, files: &[OutFile]) -> anyhow::Result<Vec<PathBuf>> {
    // Each directory is created once, not once per file (thousands of unit files share
    // one), and remembered as new or not: a new directory has no old files to compare with.
    let mut dirs: std::collections::HashMap<PathBuf, bool> = std::collections::HashMap::new();
    let mut prepare = |d: &Path| -> std::io::Result<bool> {
        if let Some(&new) = dirs.get(d) {
            return Ok(new);
        }
        let new = !d.exists();
        std::fs::create_dir_all(d)?;
        dirs.insert(d.to_path_buf(), new);
        Ok(new)
    };
    prepare(dir)?;
    let mut staged = Vec::with_capacity(files.len());
    for f in files {
        let target = dir.join(&f.name);
        let parent = target.parent().unwrap_or(dir);
        let new_dir = prepare(parent)?;
        // An up-to-date file is left alone: its mtime stays, and renaming over an existing
        // file is what costs most on ext4 (it forces the new data out first).
        if !new_dir && std::fs::read(&target).is_ok_and(|old| old == f.contents.as_bytes()) {
            continue;
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(".transship-")
            .tempfile_in(parent)?;
        // No fsync: the rename makes the set atomic against interruption, which is what a
        // build step needs; syncing each of thousands of unit files cost 10x the conversion.
        tmp.write_all(f.contents.as_bytes())?;
        // Keep the path, close the descriptor: a project can have more files than the
        // process may hold open at once.
        staged.push((tmp.into_temp_path(), target));
    }
    for (tmp, target) in staged {
        tmp.persist(&target).map_err(|e| e.error)?;
    }
    Ok(files.iter().map(|f| dir.join(&f.name)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_file_and_no_temporaries() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let files = vec![
            OutFile {
                name: "a.hcl".into(),
                contents: "one".into(),
            },
            OutFile {
                name: "sub/b.hcl".into(),
                contents: "two".into(),
            },
        ];
        let written = write_all_atomic(dir.path(), &files).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(written.len(), 2);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.hcl"))
                .ok()
                .as_deref(),
            Some("one")
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("sub/b.hcl"))
                .ok()
                .as_deref(),
            Some("two")
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".transship-"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn up_to_date_files_are_not_rewritten() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let inode = |name: &str| {
            std::fs::metadata(dir.path().join(name))
                .map(|m| m.ino())
                .unwrap_or_default()
        };
        let one = |contents: &str| {
            vec![
                OutFile {
                    name: "same.hcl".into(),
                    contents: "same".into(),
                },
                OutFile {
                    name: "changes.hcl".into(),
                    contents: contents.into(),
                },
            ]
        };
        write_all_atomic(dir.path(), &one("v1")).unwrap_or_else(|e| panic!("{e}"));
        let (same, changes) = (inode("same.hcl"), inode("changes.hcl"));
        let written = write_all_atomic(dir.path(), &one("v2")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(written.len(), 2, "every file is reported, written or not");
        assert_eq!(inode("same.hcl"), same, "an identical file was replaced");
        assert_ne!(inode("changes.hcl"), changes);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("changes.hcl")).unwrap_or_default(),
            "v2"
        );
    }

    #[test]
    fn a_failing_file_leaves_existing_files_untouched() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("a.hcl"), "old").unwrap_or_else(|e| panic!("{e}"));
        // A directory where the second file should go makes its rename fail... but staging
        // comes first: use a name whose parent is a file, which fails while staging.
        std::fs::write(dir.path().join("blocker"), "x").unwrap_or_else(|e| panic!("{e}"));
        let files = vec![
            OutFile {
                name: "a.hcl".into(),
                contents: "new".into(),
            },
            OutFile {
                name: "blocker/b.hcl".into(),
                contents: "two".into(),
            },
        ];
        assert!(write_all_atomic(dir.path(), &files).is_err());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.hcl"))
                .ok()
                .as_deref(),
            Some("old")
        );
    }
}
