//! TS204: several replicas writing to one named volume (the Swarm stateful-replica trap).

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};
use crate::model::Service;

pub const META: RuleMeta = RuleMeta {
    id: "TS204",
    name: "replicated-stateful-volume",
    category: Category::Reliability,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a service with a writable named volume runs several replicas without per-replica volumes and placement",
    docs: r#"Scaling a stateful service (a database, a queue, anything writing to a named volume) to
more than one replica makes every replica on a node mount the same volume, and replicas
scheduled on other nodes get an empty volume of their own. On Swarm this is the classic
trap: two database processes on one data directory corrupt it, and a task that moves to
another node starts from nothing.

## Why
Data corruption or silent data loss, only once the replicas land on real nodes.

## Fix
Run one replica; or give each replica its own volume (a volume `name` containing
`{{.Task.Slot}}`) **and** pin replicas with `deploy.placement` constraints or
`max_replicas_per_node`. `transship convert --to swarm --stateful SERVICE` generates one
pinned service per replica.

## Example
```yaml
services:
  db:
    image: postgres:16
    volumes:
      - db-data:/var/lib/postgresql/data
    deploy:
      replicas: 3
volumes:
  db-data:
```
"#,
};

fn has_placement(s: &Service) -> bool {
    s.deploy.as_ref().is_some_and(|d| {
        !d.placement.constraints.is_empty() || d.placement.max_replicas_per_node.is_some()
    })
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        let global = s
            .deploy
            .as_ref()
            .and_then(|d| d.mode.as_deref())
            .is_some_and(|m| m.starts_with("global"));
        let replicas = s.replicas();
        if replicas <= 1 || global {
            continue;
        }
        for (i, v) in s.volumes.iter().enumerate() {
            if v.kind.as_deref() != Some("volume") || v.read_only == Some(true) {
                continue;
            }
            let Some(src) = v.source.as_deref().filter(|x| !x.is_empty()) else {
                continue;
            };
            let per_replica = cx
                .project
                .volumes
                .get(src)
                .and_then(|vol| vol.name.as_deref())
                .is_some_and(|n| n.contains(".Task.Slot"));
            if per_replica && has_placement(s) {
                continue;
            }
            out.push(
                Hit::mount(s, i, "source",
                    format!("{replicas} replicas of `{}` share the writable volume `{src}`", s.name),
                )
                .help("run one replica, or use per-replica volumes (`{{.Task.Slot}}` in the volume name) with placement constraints"),
            );
        }
    }
    out
}
