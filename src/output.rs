//! Writing generated files: whole or not at all. Into a directory that already exists, every
//! file is first written to a temporary file beside it; only when all of them are written are
//! they renamed into place. A directory that does not exist yet is built complete under a
//! temporary name beside it and renamed into place once. Either way an error (or an
//! interrupt) never leaves a half-written or partial set behind. Writing can start while
//! other targets are still being converted: nothing is visible before the commit.

pub mod manifest;
pub mod replace;

use crate::backend::OutFile;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `files` into `dir` (created if missing).
///
/// # Errors
/// The directory cannot be created, or a file cannot be written or renamed. On error before
/// the renames start, no target file has changed.
pub fn write_all_atomic(dir: &Path, files: &[OutFile]) -> anyhow::Result<Vec<PathBuf>> {
    let stage = Stage::new(dir)?;
    let staged = stage.write(files)?;
    stage.commit(vec![staged])?;
    Ok(files.iter().map(|f| dir.join(&f.name)).collect())
}

/// Files of one output directory, written under temporary names (by several threads at
/// once if need be) and made visible together by [`Stage::commit`]. Dropped without a
/// commit, it removes what it wrote.
pub struct Stage {
    dir: PathBuf,
    /// `dir` did not exist: everything is written into this directory (in the nearest
    /// directory above `dir` that exists), which becomes `dir` with one rename.
    whole: Option<tempfile::TempDir>,
}

/// What one [`Stage::write`] left to rename (nothing when the whole directory is new).
pub struct Staged {
    renames: Vec<(tempfile::TempPath, PathBuf)>,
}

impl Stage {
    /// Nothing is created outside a temporary directory until [`Stage::commit`]: a run that
    /// fails leaves no trace, not even the missing parents of `dir`.
    ///
    /// # Errors
    /// The temporary directory cannot be created.
    pub fn new(dir: &Path) -> anyhow::Result<Stage> {
        if dir.exists() {
            return Ok(Stage {
                dir: dir.to_path_buf(),
                whole: None,
            });
        }
        // The nearest existing directory above `dir`: the same file system as `dir` will be
        // on (no mount point can sit in directories that do not exist yet).
        let existing = dir
            .ancestors()
            .skip(1)
            .map(|a| {
                if a.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    a
                }
            })
            .find(|a| a.is_dir())
            .unwrap_or(Path::new("."));
        let whole = tempfile::Builder::new()
            .prefix(".transship-")
            .tempdir_in(existing)?;
        Ok(Stage {
            dir: dir.to_path_buf(),
            whole: Some(whole),
        })
    }

    /// Write `files` (names relative to the output directory) under temporary names.
    ///
    /// # Errors
    /// A file or directory cannot be created or written.
    pub fn write(&self, files: &[OutFile]) -> anyhow::Result<Staged> {
        // Creating files is mostly the kernel's work, and it runs on every core: thousands
        // of unit and env files are written in as many parts as there are cores.
        let parts = crate::par::parts(files, FILES_PER_THREAD);
        let mut renames = Vec::new();
        match &self.whole {
            Some(tmp) => {
                make_parents(tmp.path(), files)?;
                for done in crate::par::map_in_order(&parts, 1, |p| write_new(tmp.path(), p)) {
                    done?;
                }
            }
            None => {
                for staged in crate::par::map_in_order(&parts, 1, |p| stage_beside(&self.dir, p)) {
                    renames.extend(staged?);
                }
            }
        }
        Ok(Staged { renames })
    }

    /// Rename everything staged into place.
    ///
    /// # Errors
    /// A rename fails (the files renamed before it stay renamed).
    pub fn commit(self, staged: Vec<Staged>) -> anyhow::Result<()> {
        if let Some(tmp) = self.whole {
            if let Some(parent) = self.dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(tmp.path(), &self.dir)?;
            // In place under its final name: nothing left to remove.
            let _ = tmp.keep();
        }
        for (tmp, target) in staged.into_iter().flat_map(|s| s.renames) {
            tmp.persist(&target).map_err(|e| e.error)?;
        }
        Ok(())
    }
}

/// Files are created readable by their owner only, on both paths: env files can hold
/// secrets, and a rerun must not change a file's mode.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Below this many files a writing thread costs more than it saves.
const FILES_PER_THREAD: usize = 500;

/// The directories `files` go to under `dir`, each created once (thousands of files share
/// one).
fn make_parents(dir: &Path, files: &[OutFile]) -> std::io::Result<()> {
    let mut made: std::collections::HashSet<&Path> = std::collections::HashSet::new();
    for f in files {
        if let Some(sub) = Path::new(&f.name).parent()
            && made.insert(sub)
        {
            std::fs::create_dir_all(dir.join(sub))?;
        }
    }
    Ok(())
}

/// Write `files` straight into `dir`, a new directory nobody else sees yet, whose
/// subdirectories [`make_parents`] made.
fn write_new(dir: &Path, files: &[OutFile]) -> anyhow::Result<()> {
    for f in files {
        create_private(&dir.join(&f.name))?.write_all(f.contents.as_bytes())?;
    }
    Ok(())
}

/// `dir` exists: write each changed file to a temporary file beside its target.
fn stage_beside(
    dir: &Path,
    files: &[OutFile],
) -> anyhow::Result<Vec<(tempfile::TempPath, PathBuf)>> {
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
        // tempfile creates its files with mode 0600, as `create_private` does.
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
    Ok(staged)
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

    fn names_under(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn two_files() -> Vec<OutFile> {
        vec![
            OutFile {
                name: "a.hcl".into(),
                contents: "one".into(),
            },
            OutFile {
                name: "sub/deeper/b.hcl".into(),
                contents: "two".into(),
            },
        ]
    }

    #[test]
    fn a_new_directory_appears_whole_and_nothing_else_beside_it() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = root.path().join("out/nested");
        write_all_atomic(&dir, &two_files()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            std::fs::read_to_string(dir.join("sub/deeper/b.hcl")).unwrap_or_default(),
            "two"
        );
        assert_eq!(names_under(&dir), ["a.hcl", "sub"]);
        assert_eq!(names_under(&root.path().join("out")), ["nested"]);
    }

    #[test]
    fn an_uncommitted_stage_leaves_nothing_not_even_parents() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = root.path().join("a/b/out");
        let stage = Stage::new(&dir).unwrap_or_else(|e| panic!("{e}"));
        let staged = stage.write(&two_files()).unwrap_or_else(|e| panic!("{e}"));
        drop((stage, staged));
        assert_eq!(names_under(root.path()), Vec::<String>::new());
        let stage = Stage::new(&dir).unwrap_or_else(|e| panic!("{e}"));
        let staged = stage.write(&two_files()).unwrap_or_else(|e| panic!("{e}"));
        stage.commit(vec![staged]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(names_under(&dir), ["a.hcl", "sub"]);
        assert_eq!(names_under(root.path()), ["a"]);
    }

    #[test]
    fn a_failed_new_directory_leaves_nothing() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = root.path().join("out");
        let mut files = two_files();
        // A file and a directory of the same name cannot both be written.
        files.push(OutFile {
            name: "a.hcl/c.hcl".into(),
            contents: "three".into(),
        });
        assert!(write_all_atomic(&dir, &files).is_err());
        assert_eq!(names_under(root.path()), Vec::<String>::new());
    }

    #[cfg(unix)]
    #[test]
    fn files_have_the_same_mode_in_new_and_existing_directories() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mode = |p: PathBuf| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or_default()
        };
        let fresh = root.path().join("fresh");
        write_all_atomic(&fresh, &two_files()).unwrap_or_else(|e| panic!("{e}"));
        let existing = root.path().join("existing");
        std::fs::create_dir(&existing).unwrap_or_else(|e| panic!("{e}"));
        write_all_atomic(&existing, &two_files()).unwrap_or_else(|e| panic!("{e}"));
        for name in ["a.hcl", "sub/deeper/b.hcl"] {
            assert_eq!(mode(fresh.join(name)), 0o600, "{name}");
            assert_eq!(mode(existing.join(name)), 0o600, "{name}");
        }
        // Directories get the usual mode (umask applies), not a temporary directory's 0700.
        assert_eq!(mode(fresh.clone()), mode(existing.join("sub")));
    }
}
