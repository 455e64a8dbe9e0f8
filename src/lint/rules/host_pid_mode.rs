//! TS404: `pid: host`, sharing the host's process namespace.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS404",
    name: "host-pid-mode",
    category: Category::Security,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a service shares the host's process namespace (`pid: host`)",
    docs: r#"The container sees every process on the host, can read their environment and command lines (secrets often live there) and, with ptrace or as root, signal or inspect them.

## Why
It removes a layer of isolation between the service and the host: a compromise of the
service reaches further.

## Fix
Remove `pid: host` unless the service is a host agent that truly needs it; then
suppress the finding on that line with a reason.

## Example
```yaml
services:
  agent:
    image: example/agent:1.0
    pid: host
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    cx.services()
        .into_iter()
        .filter(|s| s.pid.as_deref() == Some("host"))
        .map(|s| {
            Hit::key(
                s,
                "pid",
                format!("`{}` shares the host's process namespace", s.name),
            )
            .help("remove `pid: host`")
        })
        .collect()
}
