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
    summary: "a service has no restart policy, so it stays down after a crash or a reboot",
    docs: r#"Without `restart` (or `deploy.restart_policy`), Docker does not restart a container that
exits, and nothing comes back after the host reboots. Services that others wait for with
`condition: service_completed_successfully` are one-shot jobs and are not reported.

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

pub fn check(cx: &Ctx) -> Vec<Hit> {
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
