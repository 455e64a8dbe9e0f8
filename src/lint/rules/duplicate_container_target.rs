//! TS104: two mounts of one service at the same container path (volumes, tmpfs, secrets and
//! configs), which compose accepts and Docker refuses.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};
use crate::model::Service;

pub const META: RuleMeta = RuleMeta {
    id: "TS104",
    name: "duplicate-container-target",
    category: Category::Correctness,
    severity: Severity::Error,
    opt_in: false,
    summary: "two mounts of a service (volumes, tmpfs, secrets, configs) share a container path",
    docs: r#"Each mount of a container needs its own target path. Compose itself rejects a volume
and a `tmpfs` at the same path, but not a `secrets` or `configs` entry whose target (by
default `/run/secrets/<name>` and `/<name>`) is also a volume or `tmpfs` mount; Docker then
refuses to create the container ("Duplicate mount point"), or one mount hides the other.

## Why
The container cannot be created, or the secret the service reads is not the one configured,
and the error names neither file nor line.

## Fix
Keep one mount per container path: give the secret or config another `target`, or move the
volume.

## Example
```yaml
services:
  app:
    image: example/app:3.2
    tmpfs:
      - /run/secrets/token
    secrets:
      - token
secrets:
  token:
    file: ./token.txt
```
"#,
};

/// Every container path a service mounts: (path relative to the service, cleaned target).
fn mounts(s: &Service) -> Vec<(String, String)> {
    let clean = |t: &str| {
        let t = t.trim_end_matches('/');
        if t.is_empty() {
            "/".to_string()
        } else {
            t.to_string()
        }
    };
    let mut v = Vec::new();
    for (i, m) in s.volumes.iter().enumerate() {
        if let Some(t) = m.target.as_deref() {
            v.push((format!("volumes[{i}]"), clean(t)));
        }
    }
    for (i, t) in s.tmpfs.iter().enumerate() {
        v.push((
            format!("tmpfs[{i}]"),
            clean(t.split(':').next().unwrap_or(t)),
        ));
    }
    for (key, base, list) in [
        ("secrets", "/run/secrets/", &s.secrets),
        ("configs", "/", &s.configs),
    ] {
        for (i, r) in list.iter().enumerate() {
            let target = match (r.target.as_deref(), r.source.as_deref()) {
                (Some(t), _) if t.starts_with('/') => t.to_string(),
                (Some(t), _) => format!("{base}{t}"),
                (None, Some(src)) => format!("{base}{src}"),
                (None, None) => continue,
            };
            v.push((format!("{key}[{i}]"), clean(&target)));
        }
    }
    v
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        let all = mounts(s);
        for (n, (path, target)) in all.iter().enumerate() {
            if let Some((first, _)) = all.iter().take(n).find(|(_, t)| t == target) {
                let message = format!("container path `{target}` is already mounted by {first}");
                let hit = match s.provenance.span(&format!("{path}.target")) {
                    Some(span) => Hit::new(s, path, span, message),
                    None => Hit::value(s, path, message),
                };
                out.push(hit.help("mount each container path once"));
            }
        }
    }
    out
}
