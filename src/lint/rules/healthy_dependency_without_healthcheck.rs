//! TS102: `depends_on` with `condition: service_healthy` on a service that has no healthcheck.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};
use crate::model::Service;

pub const META: RuleMeta = RuleMeta {
    id: "TS102",
    name: "healthy-dependency-without-healthcheck",
    category: Category::Correctness,
    severity: Severity::Error,
    opt_in: false,
    summary: "a service waits for another to be healthy, but that service has no healthcheck",
    docs: r#"`depends_on: {db: {condition: service_healthy}}` makes compose wait until `db`
reports healthy. A container without a healthcheck never does: `docker compose up` fails with
"container has no healthcheck configured".

## Why
The stack cannot start. Converted to another orchestrator, the ordering is lost or waits
forever.

## Fix
Give the dependency a `healthcheck` (or make sure its image defines a `HEALTHCHECK` and
suppress this finding), or wait for `service_started` instead.

## Example
```yaml
services:
  api:
    image: example/api:1.0
    depends_on:
      db:
        condition: service_healthy
  db:
    image: postgres:16
```
"#,
};

/// Whether a service has a healthcheck that runs.
pub fn has_healthcheck(s: &Service) -> bool {
    s.healthcheck
        .as_ref()
        .is_some_and(|h| h.disable != Some(true) && h.test.first().is_none_or(|t| t != "NONE"))
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (dep, d) in &s.depends_on {
            if d.condition.as_deref() != Some("service_healthy") {
                continue;
            }
            let Some(target) = cx.project.services.get(dep) else {
                continue;
            };
            if has_healthcheck(target) {
                continue;
            }
            out.push(
                Hit::value(
                    s,
                    &format!("depends_on.{dep}.condition"),
                    format!(
                        "`{}` waits for `{dep}` to be healthy, but `{dep}` has no healthcheck",
                        s.name
                    ),
                )
                .help(format!(
                    "add a healthcheck to `{dep}`, or use `condition: service_started`"
                )),
            );
        }
    }
    out
}
