//! TS502: a key the `--target` backend only approximates (from the backend's mapping table).

use crate::diag::Severity;
use crate::lint::portability::{Kind, check as portability};
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS502",
    name: "key-approximated-by-target",
    category: Category::Portability,
    severity: Severity::Info,
    opt_in: false,
    summary: "a key is translated only approximately by a --target backend",
    docs: r#"With `--target`, every key the target's backend translates with different semantics
(a `restart` policy that becomes a Swarm restart policy with other back-off, a host port
that becomes a static port) is
reported with the backend's note on how it differs. Without `--target` this rule reports
nothing.

## Why
The converted deployment behaves differently from `docker compose up` in ways worth knowing
before an incident.

## Fix
Check the difference is acceptable (`transship explain --to TARGET`), adjust the file, or
suppress the finding with a reason.

## Example
```yaml
services:
  web:
    image: nginx:1.27
    platform: linux/arm64
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    portability(cx, Kind::Approximated)
}
