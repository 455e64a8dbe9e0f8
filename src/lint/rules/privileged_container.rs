//! TS401: `privileged: true`.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS401",
    name: "privileged-container",
    category: Category::Security,
    severity: Severity::Error,
    opt_in: false,
    summary: "a service runs privileged, with full access to the host",
    docs: r#"A privileged container gets every capability, every device and no seccomp or AppArmor
confinement: root in it is root on the host (it can mount the host's disks or load kernel
modules).

## Why
Any compromise of the service is a compromise of the host.

## Fix
Remove `privileged` and grant only what is needed: `cap_add` with specific capabilities,
`devices` for specific devices.

## Example
```yaml
services:
  agent:
    image: example/agent:1.0
    privileged: true
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    cx.services()
        .into_iter()
        .filter(|s| s.privileged == Some(true))
        .map(|s| {
            Hit::key(s, "privileged", format!("`{}` runs privileged", s.name))
                .help("remove `privileged` and add only the capabilities or devices needed")
        })
        .collect()
}
