//! Relative paths in the model made absolute against the project (or included project)
//! directory, `~` expanded (compose-go `paths/`).

use crate::diag::LoadError;
use crate::load::node::{KeyPath, Node, Value};
use crate::load::options::clean;
use std::path::Path;

/// `~` at the start of a path becomes the home directory.
fn expand_user(p: &str) -> String {
    if let Some(rest) = p.strip_prefix('~')
        && let Ok(home) = std::env::var("HOME")
    {
        return clean(&Path::new(&home).join(rest.trim_start_matches('/')))
            .display()
            .to_string();
    }
    p.to_string()
}

/// Go's `filepath.Join(base, p)` for a relative `p` (cleaned); absolute paths stay as written.
fn abs_path(base: &Path, p: &str) -> String {
    let p = expand_user(p);
    if p.is_empty() || Path::new(&p).is_absolute() {
        return p;
    }
    clean(&base.join(&p)).display().to_string()
}

/// Same as [`abs_path`], but an empty path also becomes the base (Go's `filepath.Join` does).
fn maybe_unix_path(base: &Path, p: &str) -> String {
    let p = expand_user(p);
    if Path::new(&p).is_absolute() {
        return p;
    }
    clean(&base.join(&p)).display().to_string()
}

fn is_remote_context(s: &str) -> bool {
    s.contains("://")
        || s.starts_with("service:")
        || [
            "https://",
            "http://",
            "git://",
            "ssh://",
            "github.com/",
            "git@",
        ]
        .iter()
        .any(|p| s.starts_with(p))
}

fn set_str(node: &mut Node, f: impl Fn(&str) -> String) {
    if let Value::Str(s) = &mut node.value {
        *s = f(s);
    }
}

/// Resolve every path-valued key under `root`, relative to `base`.
///
/// # Errors
/// A bind mount without a source.
pub fn resolve_relative_paths(root: &mut Node, base: &Path) -> Result<(), LoadError> {
    if let Some(services) = root.get_mut("services").and_then(Node::as_map_mut) {
        for (name, svc) in services.iter_mut() {
            resolve_service(svc, base, &KeyPath::root().key("services").key(name))?;
        }
    }
    for key in ["configs", "secrets"] {
        if let Some(m) = root.get_mut(key).and_then(Node::as_map_mut) {
            for (_, r) in m.iter_mut() {
                if let Some(f) = r.get_mut("file") {
                    set_str(f, |s| maybe_unix_path(base, s));
                }
            }
        }
    }
    if let Some(m) = root.get_mut("volumes").and_then(Node::as_map_mut) {
        for (_, v) in m.iter_mut() {
            if v.get("driver").and_then(Node::as_str) != Some("local") {
                continue;
            }
            let Some(opts) = v.get_mut("driver_opts") else {
                continue;
            };
            if opts.get("o").and_then(Node::as_str) == Some("bind")
                && let Some(dev) = opts.get_mut("device")
            {
                set_str(dev, |s| maybe_unix_path(base, s));
            }
        }
    }
    Ok(())
}

fn resolve_service(svc: &mut Node, base: &Path, path: &KeyPath) -> Result<(), LoadError> {
    if let Some(build) = svc.get_mut("build") {
        if let Some(ctx) = build.get_mut("context") {
            set_str(ctx, |s| {
                if is_remote_context(s) {
                    s.to_string()
                } else {
                    abs_path(base, s)
                }
            });
        }
        if let Some(m) = build
            .get_mut("additional_contexts")
            .and_then(Node::as_map_mut)
        {
            for (_, v) in m.iter_mut() {
                set_str(v, |s| {
                    if is_remote_context(s) {
                        s.to_string()
                    } else {
                        abs_path(base, s)
                    }
                });
            }
        }
        if let Some(m) = build.get_mut("ssh").and_then(Node::as_map_mut) {
            for (_, v) in m.iter_mut() {
                set_str(v, |s| maybe_unix_path(base, s));
            }
        }
    }
    if let Some(list) = svc.get_mut("env_file").and_then(Node::as_seq_mut) {
        for e in list {
            if let Some(p) = e.get_mut("path") {
                set_str(p, |s| abs_path(base, s));
            }
        }
    }
    if let Some(list) = svc.get_mut("label_file").and_then(Node::as_seq_mut) {
        for e in list {
            set_str(e, |s| abs_path(base, s));
        }
    }
    if let Some(f) = svc.get_mut("extends").and_then(|e| e.get_mut("file")) {
        set_str(f, |s| abs_path(base, s));
    }
    if let Some(list) = svc
        .get_mut("develop")
        .and_then(|d| d.get_mut("watch"))
        .and_then(Node::as_seq_mut)
    {
        for w in list {
            if let Some(p) = w.get_mut("path") {
                set_str(p, |s| abs_path(base, s));
            }
        }
    }
    if let Some(list) = svc.get_mut("volumes").and_then(Node::as_seq_mut) {
        for (i, v) in list.iter_mut().enumerate() {
            if v.get("type").and_then(Node::as_str) != Some("bind") {
                continue;
            }
            let span = v.span;
            match v.get_mut("source") {
                Some(src) => set_str(src, |s| maybe_unix_path(base, s)),
                None => {
                    return Err(LoadError::new(
                        span,
                        path.key("volumes").index(i),
                        "invalid mount config for type \"bind\": field Source must not be empty",
                    ));
                }
            }
        }
    }
    Ok(())
}
