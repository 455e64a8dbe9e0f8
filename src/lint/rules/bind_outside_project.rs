//! TS305: a relative bind path that climbs out of the project directory.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, is_bind};
use crate::lint::{Category, RuleMeta};
use std::path::{Component, Path, PathBuf};

pub const META: RuleMeta = RuleMeta {
    id: "TS305",
    name: "bind-outside-project",
    category: Category::Hygiene,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a relative bind mount path points outside the project directory",
    docs: r#"Relative bind paths are resolved against the project directory. `../shared:/data` or
`~/data:/data` reach outside it, into whatever happens to sit next to the checkout on this
machine: the file works on the author's laptop and mounts an empty, freshly created
directory everywhere else (CI, servers, colleagues).

## Why
The project is not self-contained, and a missing directory is silently created empty.

## Fix
Move the data into the project, use a named volume, or use an absolute path that is part of
the host's documented setup.

## Example
```yaml
services:
  app:
    image: example/app:1.0
    volumes:
      - ../shared-data:/data
```
"#,
};

/// `a/b/../c` → `a/c`, lexically.
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The path as written (short syntax: the part before the first `:`), quotes removed.
fn written_source(text: &str) -> &str {
    let t = text.trim().trim_start_matches(['"', '\'']);
    t.split(':').next().unwrap_or(t)
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    let root = clean(cx.working_dir);
    for s in cx.services() {
        for (i, v) in s.volumes.iter().enumerate() {
            if !is_bind(v) {
                continue;
            }
            let Some(src) = v.source.as_deref() else {
                continue;
            };
            let long = format!("volumes[{i}].source");
            let path = if s.provenance.span(&long).is_some() {
                long
            } else {
                format!("volumes[{i}]")
            };
            let Some(span) = s.provenance.span(&path) else {
                continue;
            };
            let Some(text) = cx.written(span) else {
                continue;
            };
            let written = written_source(&text);
            let relative = written.starts_with('.') || written.starts_with('~');
            if !relative || (!written.starts_with('~') && clean(Path::new(src)).starts_with(&root))
            {
                continue;
            }
            out.push(
                Hit::new(
                    s,
                    &path,
                    span,
                    format!("bind path `{written}` is outside the project directory"),
                )
                .help("keep mounted files inside the project, or use a named volume"),
            );
        }
    }
    out
}
