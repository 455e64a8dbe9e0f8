//! TS203: a service without a memory limit.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS203",
    name: "missing-memory-limit",
    category: Category::Reliability,
    severity: Severity::Info,
    opt_in: false,
    summary: "a service has no memory limit",
    docs: r#"A container without a memory limit can use all of the host's memory; a leak then
triggers the kernel's OOM killer, which may pick any process on the host, including other
services or the Docker daemon. Schedulers (Swarm, Nomad) also place containers by their
declared memory.

## Why
One misbehaving service can take down its neighbours, and schedulers overcommit nodes.

## Fix
Set `deploy.resources.limits.memory` (or `mem_limit`).

## Example
```yaml
services:
  api:
    image: example/api:1.0
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    cx.services()
        .into_iter()
        .filter(|s| {
            let deploy = s
                .deploy
                .as_ref()
                .and_then(|d| d.resources.limits.as_ref())
                .and_then(|l| l.memory)
                .is_some_and(|m| m.0 > 0);
            !deploy && s.mem_limit.is_none_or(|m| m.0 <= 0)
        })
        .map(|s| {
            Hit::key(s, "", format!("service `{}` has no memory limit", s.name))
                .help("set `deploy.resources.limits.memory`, e.g. `512m`")
        })
        .collect()
}
