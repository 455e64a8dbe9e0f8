//! TS109: a memory reservation larger than the memory limit.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};
use crate::model::{ByteSize, Service};

pub const META: RuleMeta = RuleMeta {
    id: "TS109",
    name: "memory-reservation-above-limit",
    category: Category::Correctness,
    severity: Severity::Error,
    opt_in: false,
    summary: "a service reserves more memory than its limit allows",
    docs: r#"A memory reservation (soft limit) must be below the hard limit: Docker refuses to create
the container ("Minimum memory limit should be larger than memory reservation limit"), and
Swarm and Nomad cannot schedule it sensibly. This often happens when an override file raises
one of the two and forgets the other.

## Why
The container cannot be created.

## Fix
Lower the reservation or raise the limit.

## Example
```yaml
services:
  app:
    image: example/app:1.0
    deploy:
      resources:
        limits:
          memory: 256m
        reservations:
          memory: 1g
```
"#,
};

fn limit(s: &Service) -> Option<(&'static str, ByteSize)> {
    let deploy = s
        .deploy
        .as_ref()
        .and_then(|d| d.resources.limits.as_ref())
        .and_then(|r| r.memory);
    match (deploy, s.mem_limit) {
        (Some(b), _) if b.0 > 0 => Some(("deploy.resources.limits.memory", b)),
        (_, Some(b)) if b.0 > 0 => Some(("mem_limit", b)),
        _ => None,
    }
}

fn reservation(s: &Service) -> Option<(&'static str, ByteSize)> {
    let deploy = s
        .deploy
        .as_ref()
        .and_then(|d| d.resources.reservations.as_ref())
        .and_then(|r| r.memory);
    match (deploy, s.mem_reservation) {
        (Some(b), _) if b.0 > 0 => Some(("deploy.resources.reservations.memory", b)),
        (_, Some(b)) if b.0 > 0 => Some(("mem_reservation", b)),
        _ => None,
    }
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        let (Some((lp, l)), Some((rp, r))) = (limit(s), reservation(s)) else {
            continue;
        };
        if r.0 > l.0 {
            out.push(
                Hit::value(
                    s,
                    rp,
                    format!("`{rp}` ({} bytes) is above `{lp}` ({} bytes)", r.0, l.0),
                )
                .help("lower the reservation or raise the limit"),
            );
        }
    }
    out
}
