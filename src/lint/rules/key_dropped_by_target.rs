//! TS501: a key the `--target` backend drops (from the backend's mapping table).

use crate::diag::Severity;
use crate::lint::portability::{Kind, check as portability};
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS501",
    name: "key-dropped-by-target",
    category: Category::Portability,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a key has no equivalent in a --target backend and is dropped by the conversion",
    docs: r#"With `--target nomad|swarm|systemd`, every key the target's backend cannot express is
reported, with the reason from the backend's mapping table (`transship explain --to
TARGET` prints the whole table). Without `--target` this rule reports nothing.

## Why
The converted deployment silently lacks a setting the compose file relies on.

## Fix
Remove the key, express the behaviour another way on the target, or accept the difference
and suppress the finding with a reason.

## Example
```yaml
services:
  app:
    image: example/app:1.0
    build: .
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    portability(cx, Kind::Dropped)
}
