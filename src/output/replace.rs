//! Rewriting existing files in place (`lint --fix`): all of them or none. Each new text is
//! written to a temporary file beside its target, with the target's permissions, and only
//! when every one is written are they renamed over their targets. The generated-output
//! writer ([`super::Stage`]) creates files readable by their owner only, which is right for
//! env files it makes but would change the mode of a user's compose file.

use std::io::Write;
use std::path::PathBuf;

/// Replace the contents of each existing file `(path, text)`.
///
/// # Errors
/// A file's permissions cannot be read, or a temporary file cannot be written (then no
/// target has changed), or a rename fails (the files renamed before it stay renamed).
pub fn replace_all(files: &[(PathBuf, String)]) -> anyhow::Result<()> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, text) in files {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => std::path::Path::new("."),
        };
        let permissions = std::fs::metadata(path)?.permissions();
        let mut tmp = tempfile::Builder::new()
            .prefix(".transship-")
            .tempfile_in(dir)?;
        tmp.write_all(text.as_bytes())?;
        tmp.as_file().set_permissions(permissions)?;
        staged.push((tmp.into_temp_path(), path));
    }
    for (tmp, path) in staged {
        tmp.persist(path).map_err(|e| e.error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_file_keeping_its_mode() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = dir.path().join("a.yaml");
        let b = dir.path().join("sub").join("b.yaml");
        std::fs::create_dir(dir.path().join("sub")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&a, "old a").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&b, "old b").unwrap_or_else(|e| panic!("{e}"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o640))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        replace_all(&[(a.clone(), "new a".into()), (b.clone(), "new b".into())])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read_to_string(&a).unwrap_or_default(), "new a");
        assert_eq!(std::fs::read_to_string(&b).unwrap_or_default(), "new b");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&a).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.unwrap_or_default(), 0o640);
        }
    }

    #[test]
    fn a_missing_target_changes_nothing() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = dir.path().join("a.yaml");
        std::fs::write(&a, "old a").unwrap_or_else(|e| panic!("{e}"));
        let gone = dir.path().join("gone.yaml");
        let r = replace_all(&[(a.clone(), "new a".into()), (gone.clone(), "x".into())]);
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(&a).unwrap_or_default(), "old a");
        assert!(!gone.exists());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}
