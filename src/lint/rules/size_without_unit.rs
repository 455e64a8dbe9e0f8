//! TS106: a memory size written as a bare number, which compose reads as bytes.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};
use crate::load::node::Value;

pub const META: RuleMeta = RuleMeta {
    id: "TS106",
    name: "size-without-unit",
    category: Category::Correctness,
    severity: Severity::Error,
    opt_in: false,
    summary: "a memory size has no unit and is so small it must have meant megabytes",
    docs: r#"Sizes without a unit are bytes: `mem_limit: 512` is 512 bytes, not 512 MiB. Compose
accepts it; Docker refuses memory limits below 6 MiB when the container is created, and a
tiny `shm_size` makes shared-memory users (databases, browsers) crash at run time.

## Why
The file loads and the mistake surfaces only on the host, as a container that cannot start
or that crashes under load.

## Fix
Write the unit: `512m`, `1g`, `64mb`.

## Example
```yaml
services:
  app:
    image: example/app:1.0
    mem_limit: 512
```
"#,
};

const KEYS: &[&str] = &[
    "mem_limit",
    "mem_reservation",
    "memswap_limit",
    "shm_size",
    "build.shm_size",
    "deploy.resources.limits.memory",
    "deploy.resources.reservations.memory",
];

/// Docker's smallest memory limit.
const MIN: i64 = 6 * 1024 * 1024;

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for key in KEYS {
            let Some(n) = cx.service_node(&s.name, key) else {
                continue;
            };
            let bytes = match &n.value {
                Value::Int(i) => Some(*i),
                Value::Str(t) => t.trim().parse::<i64>().ok(),
                _ => None,
            };
            let Some(bytes) = bytes.filter(|b| (1..MIN).contains(b)) else {
                continue;
            };
            out.push(
                Hit::value(
                    s,
                    key,
                    format!("`{key}: {bytes}` is {bytes} bytes; a unit is missing"),
                )
                .help(format!("write the unit, e.g. `{bytes}m`")),
            );
        }
    }
    out
}
