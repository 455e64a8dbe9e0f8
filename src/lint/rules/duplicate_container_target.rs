//! TS104: two mounts of one service at the same container path.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS104",
    name: "duplicate-container-target",
    category: Category::Correctness,
    severity: Severity::Error,
    summary: "two volumes, binds or tmpfs mounts of a service share a container path",
    docs: r#"Each mount of a container needs its own target path. Docker refuses to create a container
with two mounts at one path ("Duplicate mount point"); an override file that adds a mount for
a path the base file already mounts (with a different source spelling) produces exactly this.

## Why
The container cannot be created.

## Fix
Keep one mount per container path: remove one, or mount the second somewhere else.

## Example
```yaml
services:
  app:
    image: example/app:3.2
    volumes:
      - app-data:/var/lib/app
      - ./seed:/var/lib/app
volumes:
  app-data:
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        let mut targets: Vec<(String, usize)> = Vec::new();
        for (i, v) in s.volumes.iter().enumerate() {
            let Some(t) = v.target.as_deref() else {
                continue;
            };
            let t = t.trim_end_matches('/').to_string();
            if let Some((_, first)) = targets.iter().find(|(x, _)| *x == t) {
                out.push(
                    Hit::value(
                        s,
                        &format!("volumes[{i}]"),
                        format!("container path `{t}` is already mounted by volumes[{first}]"),
                    )
                    .help("mount each container path once"),
                );
            } else {
                targets.push((t, i));
            }
        }
        for (i, t) in s.tmpfs.iter().enumerate() {
            let path = t.split(':').next().unwrap_or(t).trim_end_matches('/');
            if targets.iter().any(|(x, _)| x == path) {
                out.push(
                    Hit::value(
                        s,
                        &format!("tmpfs[{i}]"),
                        format!("container path `{path}` is also a volume mount"),
                    )
                    .help("mount each container path once"),
                );
            }
        }
    }
    out
}
