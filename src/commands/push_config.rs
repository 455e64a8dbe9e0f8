//! `transship push-config --to etcd[:PREFIX]`: writes the project's environment values (after
//! interpolation, `env_file` included) where units converted with `--env-from etcd` read
//! them, `<PREFIX>/<service>/<NAME>`, through `etcdctl` (its `ETCDCTL_*` settings apply).
//! Only keys whose value differs are written; `--check` says what would change and writes
//! nothing; keys under a service's directory that the project no longer has are listed,
//! and removed only with `--prune`. Values are never printed. Compose `secrets:` are files
//! the install plan places; they are not put in etcd.

use crate::backend::systemd::etcd::{self, EnvFrom};
use crate::cli::{LoadArgs, PushConfigArgs};
use crate::commands::{load_options, print_warnings};
use crate::source::SourceMap;
use std::io::Write;
use std::process::{Command, ExitCode, Stdio};

/// What one key needs.
#[derive(Debug, PartialEq, Eq)]
enum Change {
    Add,
    Update,
    Same,
}

/// A failed `etcdctl` call.
#[derive(Debug, thiserror::Error)]
#[error("etcdctl {args}: {why}")]
struct EtcdError {
    args: String,
    why: String,
}

struct Etcdctl {
    program: String,
}

impl Etcdctl {
    fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Result<Vec<u8>, EtcdError> {
        let fail = |why: String| EtcdError {
            args: args.join(" "),
            why,
        };
        let mut child = Command::new(&self.program)
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| fail(e.to_string()))?;
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(bytes).map_err(|e| fail(e.to_string()))?;
        }
        let out = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(fail(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ))
        }
    }

    /// The value at `key`: `etcdctl` prints it and one newline, nothing when absent.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, EtcdError> {
        let mut out = self.run(&["get", "--print-value-only", "--", key], None)?;
        if out.is_empty() {
            return Ok(None);
        }
        out.pop();
        Ok(Some(out))
    }

    fn keys_under(&self, dir: &str) -> Result<Vec<String>, EtcdError> {
        let out = self.run(&["get", "--prefix", "--keys-only", "--", dir], None)?;
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect())
    }

    /// `put` reads a value from stdin, but refuses an empty stdin: an empty value is given
    /// as an argument (it has nothing to hide).
    fn put(&self, key: &str, value: &[u8]) -> Result<(), EtcdError> {
        if value.is_empty() {
            self.run(&["put", "--", key, ""], None).map(|_| ())
        } else {
            self.run(&["put", "--", key], Some(value)).map(|_| ())
        }
    }

    fn del(&self, key: &str) -> Result<(), EtcdError> {
        self.run(&["del", "--", key], None).map(|_| ())
    }
}

/// Every (key, value) the units of `project` read from etcd under `from`, in service and
/// name order.
pub fn entries(project: &crate::model::Project, from: &EnvFrom) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in project.service_names() {
        let Some(svc) = project.services.get(name) else {
            continue;
        };
        let dir = from.service_dir(&project.name, name);
        for (var, value) in &svc.environment {
            if let Some(value) = value.as_ref().filter(|_| etcd::served(var)) {
                out.push((format!("{dir}{var}"), value.clone()));
            }
        }
    }
    out
}

/// # Errors
/// `etcdctl` cannot be run or fails.
pub fn run(load_args: &LoadArgs, args: &PushConfigArgs) -> anyhow::Result<ExitCode> {
    let opts = load_options(load_args, true)?;
    let sources = SourceMap::new();
    let loaded = match crate::commands::load_or_report(&opts, &sources) {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    print_warnings(&loaded.warnings, &sources);
    let project = &loaded.project;
    let etcd = Etcdctl {
        program: args.etcdctl.clone(),
    };
    let wanted = entries(project, &args.to);
    let mut out = std::io::stdout().lock();
    let mut changes = 0usize;
    for (key, value) in &wanted {
        let change = match etcd.get(key)? {
            None => Change::Add,
            Some(v) if v == value.as_bytes() => Change::Same,
            Some(_) => Change::Update,
        };
        if change == Change::Same {
            continue;
        }
        changes += 1;
        let verb = if change == Change::Add {
            "add"
        } else {
            "update"
        };
        if args.check {
            writeln!(out, "would {verb} {key}")?;
        } else {
            etcd.put(key, value.as_bytes())?;
            writeln!(out, "{verb} {key}")?;
        }
    }
    let mut stale = 0usize;
    for name in project.service_names() {
        let dir = args.to.service_dir(&project.name, name);
        for key in etcd.keys_under(&dir)? {
            if wanted.iter().any(|(k, _)| *k == key) {
                continue;
            }
            stale += 1;
            match (args.prune, args.check) {
                (true, true) => writeln!(out, "would delete {key} (not in the project)")?,
                (true, false) => {
                    etcd.del(&key)?;
                    writeln!(out, "delete {key} (not in the project)")?;
                }
                (false, _) => {
                    writeln!(out, "stale {key}: not in the project (--prune deletes it)")?
                }
            }
        }
    }
    let pruned = if args.prune { stale } else { 0 };
    let keys = |n: usize| format!("{n} key{}", if n == 1 { "" } else { "s" });
    let summary = match (args.check, changes + pruned) {
        (_, 0) => format!("{} in sync", keys(wanted.len())),
        (true, n) => format!("{n} of {} would change", keys(wanted.len() + pruned)),
        (false, n) => format!(
            "{} written or deleted, {} in sync",
            keys(n),
            wanted.len() - changes
        ),
    };
    eprintln!("summary: {summary}");
    Ok(if args.check && changes + pruned > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
