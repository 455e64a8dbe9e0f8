//! TS403: `network_mode: host`, sharing the host's network stack.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS403",
    name: "host-network-mode",
    category: Category::Security,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a service shares the host's network stack (`network_mode: host`)",
    docs: r#"The container sees and can bind every host interface, reach services listening on localhost only (databases, metadata endpoints, the Docker API over TCP), and sniff traffic with the right capabilities. Port publishing and network isolation no longer apply.

## Why
It removes a layer of isolation between the service and the host: a compromise of the
service reaches further.

## Fix
Remove `network_mode: host` unless the service is a host agent that truly needs it; then
suppress the finding on that line with a reason.

## Example
```yaml
services:
  agent:
    image: example/agent:1.0
    network_mode: host
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    cx.services()
        .into_iter()
        .filter(|s| s.network_mode.as_deref() == Some("host"))
        .map(|s| {
            Hit::key(
                s,
                "network_mode",
                format!("`{}` shares the host's network stack", s.name),
            )
            .help("remove `network_mode: host`")
        })
        .collect()
}
