//! TS405: `ipc: host`, sharing the host's IPC namespace.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS405",
    name: "host-ipc-mode",
    category: Category::Security,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a service shares the host's IPC namespace (`ipc: host`)",
    docs: r#"The container shares System V shared memory and semaphores with every host process, so it can read or corrupt the shared memory of host services.

## Why
It removes a layer of isolation between the service and the host: a compromise of the
service reaches further.

## Fix
Remove `ipc: host` unless the service is a host agent that truly needs it; then
suppress the finding on that line with a reason.

## Example
```yaml
services:
  agent:
    image: example/agent:1.0
    ipc: host
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    cx.services()
        .into_iter()
        .filter(|s| s.ipc.as_deref() == Some("host"))
        .map(|s| {
            Hit::key(
                s,
                "ipc",
                format!("`{}` shares the host's IPC namespace", s.name),
            )
            .help("remove `ipc: host`")
        })
        .collect()
}
