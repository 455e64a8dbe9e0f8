//! TS201: a long-running service with no restart policy.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};
use crate::model::Service;

pub const META: RuleMeta = RuleMeta {
    id: "TS201",
    name: "missing-restart-policy",
    category: Category::Reliability,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a service has no restart policy, so it stays down after a crash or a reboot",
    docs: r#"Without `restart` (or `deploy.restart_policy`), Docker does not restart a container that
exits, and nothing comes back after the host reboots. Services that others wait for with
`condition: service_completed_successfully` are one-shot jobs and are not reported.

Swarm stacks are not reported either: `docker stack deploy` ignores `restart` and restarts
every task by default (`deploy.restart_policy.condition: any`). A project is taken as a
stack when `--target swarm` is the only target, or when a service uses a `deploy` key that
only Swarm honours (`placement`, `update_config`, `rollback_config`, `endpoint_mode`,
`mode: global`).

## Why
A single crash takes the service down until someone notices.

## Fix
Set `restart: unless-stopped` (or `always`, or `on-failure`), or `deploy.restart_policy`
for Swarm. Write `restart: "no"` to say a service is meant to stay down.

## Example
```yaml
services:
  api:
    image: example/api:1.0
```
"#,
};

/// Services that some other service waits on to finish: init and migration jobs.
pub fn is_one_shot(cx: &Ctx, s: &Service) -> bool {
    cx.project.services.values().any(|o| {
        o.depends_on
            .get(&s.name)
            .is_some_and(|d| d.condition.as_deref() == Some("service_completed_successfully"))
    })
}

/// Deployed by `docker stack deploy`, where tasks restart unless told otherwise.
fn is_swarm_stack(cx: &Ctx) -> bool {
    let only_swarm = !cx.targets.is_empty() && cx.targets.iter().all(|t| t.id == "swarm");
    only_swarm
        || cx
            .project
            .services
            .values()
            .any(|s| uses_swarm_only_keys(s))
}

/// `deploy` keys that `docker compose up` ignores and only Swarm acts on.
fn uses_swarm_only_keys(s: &Service) -> bool {
    s.deploy.as_ref().is_some_and(|d| {
        let p = &d.placement;
        !p.constraints.is_empty()
            || !p.preferences.is_empty()
            || p.max_replicas_per_node.is_some()
            || d.update_config.is_some()
            || d.rollback_config.is_some()
            || d.endpoint_mode.is_some()
            || d.mode.as_deref() == Some("global")
    })
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    if is_swarm_stack(cx) {
        return Vec::new();
    }
    cx.services()
        .into_iter()
        .filter(|s| {
            s.restart.is_none()
                && s.deploy.as_ref().is_none_or(|d| d.restart_policy.is_none())
                && !is_one_shot(cx, s)
        })
        .map(|s| {
            Hit::key(s, "", format!("service `{}` has no restart policy", s.name))
                .help("add `restart: unless-stopped` (or `restart: \"no\"` for a one-shot task)")
        })
        .collect()
}
