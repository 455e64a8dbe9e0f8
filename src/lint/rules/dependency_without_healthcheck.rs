//! TS202: a service others depend on has no healthcheck, so they can only wait for it to start.

use super::healthy_dependency_without_healthcheck::has_healthcheck;
use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS202",
    name: "dependency-without-healthcheck",
    category: Category::Reliability,
    severity: Severity::Warning,
    opt_in: false,
    summary: "other services depend on a service that has no healthcheck",
    docs: r#"`depends_on` can only order start-up by readiness when the dependency has a
healthcheck; without one, dependents start as soon as its container exists, typically before
a database accepts connections, and nothing notices when it later hangs. Dependencies that
are waited on with `service_healthy` are reported by TS102 instead, and one-shot jobs
(`service_completed_successfully`) are not reported.

## Why
Start-up races and silent outages: the orchestrator keeps routing to a process that no longer
answers.

## Fix
Add a `healthcheck` to the dependency, and let dependents wait with
`condition: service_healthy`.

## Example
```yaml
services:
  api:
    image: example/api:1.0
    depends_on:
      - db
  db:
    image: postgres:16
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        if has_healthcheck(s) {
            continue;
        }
        let mut dependents: Vec<&str> = Vec::new();
        let mut other_rule = false;
        for o in cx.services() {
            let Some(d) = o.depends_on.get(&s.name) else {
                continue;
            };
            // Implicit dependencies (network_mode, volumes_from) were not written.
            if o.provenance
                .key_span(&format!("depends_on.{}", s.name))
                .is_none()
            {
                continue;
            }
            match d.condition.as_deref() {
                Some("service_healthy" | "service_completed_successfully") => other_rule = true,
                _ => dependents.push(&o.name),
            }
        }
        if dependents.is_empty() || other_rule {
            continue;
        }
        let list = dependents
            .iter()
            .map(|d| format!("`{d}`"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(
            Hit::key(
                s,
                "",
                format!(
                    "`{}` has no healthcheck, but {list} {} on it",
                    s.name,
                    if dependents.len() == 1 {
                        "depends"
                    } else {
                        "depend"
                    }
                ),
            )
            .help("add a healthcheck and have dependents wait with `condition: service_healthy`"),
        );
    }
    out
}
