//! TS108: `ports` on a service in host network mode, where they are ignored.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS108",
    name: "ports-with-host-network",
    category: Category::Correctness,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a service in `network_mode: host` publishes ports, which Docker ignores",
    docs: r#"With `network_mode: host` the container shares the host's network stack: it listens on
host ports directly and Docker discards `ports` (it prints "Published ports are discarded when
using host network mode"). The mapping in the file is not what happens: `8080:80` listens on
80, not 8080.

## Why
The file documents a port that is not used, and the real port may clash with something else
on the host.

## Fix
Remove `ports` (and configure the port in the application), or drop host networking.

## Example
```yaml
services:
  exporter:
    image: prom/node-exporter:v1.8.2
    network_mode: host
    ports:
      - "9100:9100"
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    cx.services()
        .into_iter()
        .filter(|s| s.network_mode.as_deref() == Some("host") && !s.ports.is_empty())
        .map(|s| {
            Hit::key(
                s,
                "ports",
                format!(
                    "`{}` uses host networking, so its `ports` are ignored",
                    s.name
                ),
            )
            .help("remove `ports`, or use a bridge network")
        })
        .collect()
}
