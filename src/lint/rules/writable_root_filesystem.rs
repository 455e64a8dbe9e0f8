//! TS421 (opt-in): the container's root file system is writable.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS421",
    name: "writable-root-filesystem",
    category: Category::Security,
    severity: Severity::Warning,
    opt_in: true,
    summary: "(opt-in hardening) a service's root file system is writable (no `read_only: true`)",
    docs: r#"Opt-in: part of the hardening baseline (with TS419 and TS420), off unless enabled with
`--select TS421` or a severity in `.transship.toml`:

```toml
[lint.rules]
writable-root-filesystem = "warning"
```

With `read_only: true` the image's file system cannot be changed at run time: data goes to
volumes, scratch files to `tmpfs` (CIS Docker Benchmark 5.12).

## Why
An attacker cannot replace the service's binaries or drop tools into the image, and the
container stays what was reviewed.

## Fix
Set `read_only: true` and give the service `tmpfs` mounts for the paths it writes
(`/tmp`, `/run`, caches) and volumes for its data.

## Example
```yaml
services:
  web:
    image: example/web:1.0
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    cx.services()
        .into_iter()
        .filter(|s| s.read_only != Some(true))
        .map(|s| {
            Hit::key(
                s,
                "",
                format!("`{}` has a writable root file system", s.name),
            )
            .help("set `read_only: true`, with `tmpfs` for the paths it writes")
        })
        .collect()
}
