//! `convert --validate`: after writing, run the target's own validator on the files when it
//! is installed (`nomad job validate`, `docker stack config`, `systemd-analyze verify`) and
//! report its verdict; say so plainly when it is not.

use crate::cli::Target;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The verdict on the written files.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Failed(String),
    /// The validator is not on PATH (or the target has none).
    Unavailable(String),
}

/// Whether `program` is an executable file on PATH.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let p = dir.join(program);
            p.is_file()
                && std::fs::metadata(&p)
                    .map(|m| {
                        use std::os::unix::fs::PermissionsExt;
                        m.permissions().mode() & 0o111 != 0
                    })
                    .unwrap_or(false)
        })
    })
}

/// The validator command for each written file (or all at once), as (program, args, dir).
fn commands(target: Target, dir: &Path, written: &[PathBuf]) -> Vec<(String, Vec<String>)> {
    let names = |ext: &[&str]| -> Vec<String> {
        written
            .iter()
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| ext.contains(&e))
            })
            .map(|p| p.display().to_string())
            .collect()
    };
    match target {
        Target::Nomad => names(&["hcl"])
            .into_iter()
            .map(|f| {
                (
                    "nomad".to_string(),
                    vec!["job".into(), "validate".into(), f],
                )
            })
            .collect(),
        Target::Swarm => names(&["yaml"])
            .into_iter()
            .filter(|f| f.ends_with(".stack.yaml"))
            .map(|f| {
                (
                    "docker".to_string(),
                    vec!["stack".into(), "config".into(), "-c".into(), f],
                )
            })
            .collect(),
        Target::Systemd => {
            let units = names(&["service", "target"]);
            if units.is_empty() {
                return Vec::new();
            }
            let mut args = vec!["verify".to_string(), "--man=no".to_string()];
            args.extend(units);
            let _ = dir;
            vec![("systemd-analyze".to_string(), args)]
        }
        Target::Quadlet => Vec::new(),
    }
}

/// Run the validator over the files written to `dir`.
pub fn validate(target: Target, dir: &Path, written: &[PathBuf]) -> Verdict {
    let cmds = commands(target, dir, written);
    let Some((program, _)) = cmds.first() else {
        return Verdict::Unavailable(format!("no validator is known for {}", target.id()));
    };
    if !on_path(program) {
        return Verdict::Unavailable(format!(
            "{program} not found on PATH: the {} output was not validated",
            target.id()
        ));
    }
    let mut problems = String::new();
    for (program, args) in &cmds {
        match Command::new(program).args(args).current_dir(dir).output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                problems.push_str(&String::from_utf8_lossy(&out.stderr));
                problems.push_str(&String::from_utf8_lossy(&out.stdout));
            }
            Err(e) => problems.push_str(&format!("{program}: {e}\n")),
        }
    }
    if problems.is_empty() {
        Verdict::Passed
    } else {
        Verdict::Failed(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_target_has_its_validator() {
        let files = vec![
            PathBuf::from("/o/p.nomad.hcl"),
            PathBuf::from("/o/p.stack.yaml"),
            PathBuf::from("/o/p-web@.service"),
        ];
        let dir = Path::new("/o");
        assert_eq!(
            commands(Target::Nomad, dir, &files),
            vec![(
                "nomad".to_string(),
                vec!["job".into(), "validate".into(), "/o/p.nomad.hcl".into()]
            )]
        );
        assert_eq!(
            commands(Target::Swarm, dir, &files)
                .first()
                .map(|c| c.0.as_str()),
            Some("docker")
        );
        assert_eq!(
            commands(Target::Systemd, dir, &files)
                .first()
                .map(|c| c.1.clone()),
            Some(vec![
                "verify".to_string(),
                "--man=no".into(),
                "/o/p-web@.service".into()
            ])
        );
    }

    #[test]
    fn a_missing_validator_is_reported_as_such() {
        let files = vec![PathBuf::from("/nonexistent/p.nomad.hcl")];
        match validate(Target::Nomad, Path::new("/nonexistent"), &files) {
            Verdict::Unavailable(m) if !on_path("nomad") => {
                assert!(m.contains("not found on PATH"))
            }
            Verdict::Unavailable(m) => panic!("unexpected: {m}"),
            _ if on_path("nomad") => {}
            other => panic!("unexpected: {other:?}"),
        }
    }
}
