//! TS105: a fixed `container_name` on a service that runs more than one container.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS105",
    name: "container-name-with-replicas",
    category: Category::Correctness,
    severity: Severity::Error,
    opt_in: false,
    summary: "a service with a fixed container_name is replicated or global",
    docs: r#"Container names are unique per Docker host. A service with `container_name` can run
only one container: more replicas (`scale`, `deploy.replicas`) or `deploy.mode: global` on a
multi-service host collide on the name, and orchestrators ignore the setting.

## Why
Replicas beyond the first fail to start, and scaling the service later is impossible
without editing the file.

## Fix
Remove `container_name` (compose names containers `<project>-<service>-<n>`) and address the
service by its name on the network.

## Example
```yaml
services:
  worker:
    image: example/worker:1.0
    container_name: worker
    deploy:
      mode: global
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        let Some(name) = s.container_name.as_deref().filter(|n| !n.is_empty()) else {
            continue;
        };
        let global = s
            .deploy
            .as_ref()
            .and_then(|d| d.mode.as_deref())
            .is_some_and(|m| m.starts_with("global"));
        let replicas = s.replicas();
        if replicas <= 1 && !global {
            continue;
        }
        let how = if global {
            "runs in global mode".to_string()
        } else {
            format!("has {replicas} replicas")
        };
        out.push(
            Hit::value(
                s,
                "container_name",
                format!("container name `{name}` is fixed, but `{}` {how}", s.name),
            )
            .help("remove `container_name` and reach the service by its name"),
        );
    }
    out
}
