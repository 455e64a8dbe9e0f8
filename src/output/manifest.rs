//! The output directory's manifest: the files the last conversion wrote there. It is what
//! lets a later run delete the files of services that are gone (`-o DIR` holds exactly what
//! this conversion wrote) without ever touching a file transship did not write, and lets
//! `--check` report them as stale.

use crate::backend::OutFile;
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// Its name in the output directory (hidden: it is bookkeeping, not output).
pub const MANIFEST: &str = ".transship-manifest";

const HEADER: &str = "# Files transship wrote to this directory (one per line). A later run deletes\n# those it no longer writes; files not listed here are never touched.\n";

/// The manifest listing `files` (names relative to the output directory).
pub fn manifest(files: &[OutFile]) -> OutFile {
    let names: BTreeSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    let mut contents = String::from(HEADER);
    for n in names {
        contents.push_str(n);
        contents.push('\n');
    }
    OutFile {
        name: MANIFEST.to_string(),
        contents,
    }
}

/// The names the manifest in `dir` lists, if there is one. Only plain relative paths count:
/// a hand-edited line naming `../x` or `/etc/x` is ignored, so nothing outside `dir` can
/// ever be deleted.
pub fn previous(dir: &Path) -> BTreeSet<String> {
    let Ok(text) = std::fs::read_to_string(dir.join(MANIFEST)) else {
        return BTreeSet::new();
    };
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| {
            Path::new(l)
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
        })
        .map(str::to_string)
        .collect()
}

/// Files the previous run wrote that this one does not.
pub fn stale(dir: &Path, files: &[OutFile]) -> Vec<String> {
    let now: BTreeSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    previous(dir)
        .into_iter()
        .filter(|n| n != MANIFEST && !now.contains(n.as_str()))
        .filter(|n| dir.join(n).is_file())
        .collect()
}

/// Delete the `stale` files of `dir`, then the directories they leave empty (up to `dir`).
///
/// # Errors
/// A file cannot be removed.
pub fn remove_stale(dir: &Path, stale: &[String]) -> std::io::Result<()> {
    let mut parents: BTreeSet<PathBuf> = BTreeSet::new();
    for name in stale {
        let path = dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut p = path.parent();
        while let Some(d) = p.filter(|d| *d != dir && d.starts_with(dir)) {
            parents.insert(d.to_path_buf());
            p = d.parent();
        }
    }
    // Deepest first; a directory that still holds anything stays (remove_dir refuses).
    for d in parents.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> OutFile {
        OutFile {
            name: name.into(),
            contents: "x\n".into(),
        }
    }

    #[test]
    fn the_manifest_lists_names_sorted_once() {
        let m = manifest(&[file("b.service"), file("a/x.env"), file("b.service")]);
        assert_eq!(m.contents, format!("{HEADER}a/x.env\nb.service\n"));
    }

    #[test]
    fn only_listed_files_that_are_no_longer_written_are_stale() {
        let d = tempfile::tempdir().unwrap();
        for n in ["old.service", "keep.service", "mine.txt"] {
            std::fs::write(d.path().join(n), "x").unwrap();
        }
        std::fs::create_dir(d.path().join("env")).unwrap();
        std::fs::write(d.path().join("env/old.env"), "x").unwrap();
        let before = manifest(&[
            file("old.service"),
            file("keep.service"),
            file("env/old.env"),
        ]);
        std::fs::write(d.path().join(MANIFEST), before.contents).unwrap();
        let stale = stale(d.path(), &[file("keep.service")]);
        assert_eq!(stale, vec!["env/old.env".to_string(), "old.service".into()]);
        remove_stale(d.path(), &stale).unwrap();
        assert!(d.path().join("keep.service").exists());
        assert!(
            d.path().join("mine.txt").exists(),
            "never listed: never deleted"
        );
        assert!(!d.path().join("old.service").exists());
        assert!(!d.path().join("env").exists(), "emptied directory removed");
    }

    #[test]
    fn lines_leaving_the_directory_are_ignored() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join(MANIFEST),
            "../outside\n/etc/passwd\nsub/../../x\nok.service\n",
        )
        .unwrap();
        assert_eq!(
            previous(d.path()).into_iter().collect::<Vec<_>>(),
            vec!["ok.service".to_string()]
        );
    }
}
