//! TS420 (opt-in): no `cap_drop: [ALL]`.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, capability_name};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS420",
    name: "missing-cap-drop-all",
    category: Category::Security,
    severity: Severity::Warning,
    opt_in: true,
    summary: "(opt-in hardening) a service keeps Docker's default capabilities instead of `cap_drop: [ALL]`",
    docs: r#"Opt-in: part of the hardening baseline (with TS419 and TS421), off unless enabled with
`--select TS420` or a severity in `.transship.toml`:

```toml
[lint.rules]
missing-cap-drop-all = "warning"
```

Docker gives every container a default set of capabilities (`CHOWN`, `DAC_OVERRIDE`,
`FOWNER`, `SETUID`, `SETGID`, `NET_RAW`, `MKNOD`, ...) that most services never use.
`cap_drop: [ALL]` followed by `cap_add` of the few needed ones is the least-privilege
baseline (CIS Docker Benchmark 5.3).

## Why
Each unused capability is attack surface: `NET_RAW` allows ARP spoofing on the bridge,
`DAC_OVERRIDE` ignores file permissions.

## Fix
Add `cap_drop: [ALL]`, then `cap_add` what the service needs (`NET_BIND_SERVICE` to bind
ports below 1024, `CHOWN`/`SETUID`/`SETGID` for images that drop privileges themselves).

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
        .filter(|s| !s.cap_drop.iter().any(|c| capability_name(c) == "ALL"))
        .map(|s| {
            Hit::key(
                s,
                "",
                format!("`{}` does not drop all capabilities", s.name),
            )
            .help("add `cap_drop: [ALL]` and `cap_add` only what is needed")
        })
        .collect()
}
