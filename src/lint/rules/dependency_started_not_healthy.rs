//! TS205: waiting only for a dependency to start when it has a healthcheck to wait for.

use super::healthy_dependency_without_healthcheck::has_healthcheck;
use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS205",
    name: "dependency-started-not-healthy",
    category: Category::Reliability,
    severity: Severity::Info,
    summary: "a dependency has a healthcheck, but the dependent only waits for it to start",
    docs: r#"`depends_on: [db]` (or `condition: service_started`) waits for the container to be
created, not for the service in it to be ready. When the dependency has a healthcheck,
waiting for `service_healthy` is free and removes a start-up race.

## Why
The dependent starts before its dependency answers, and fails or retries noisily on every
deployment.

## Fix
Use the long syntax with `condition: service_healthy`.

## Example
```yaml
services:
  api:
    image: example/api:1.0
    depends_on:
      - db
  db:
    image: postgres:16
    healthcheck:
      test: ["CMD-SHELL", "pg_isready"]
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (dep, d) in &s.depends_on {
            let started = d
                .condition
                .as_deref()
                .is_none_or(|c| c == "service_started");
            let healthy = cx.project.services.get(dep).is_some_and(has_healthcheck);
            if started && healthy {
                out.push(
                    Hit::key(
                        s,
                        &format!("depends_on.{dep}"),
                        format!("`{}` waits for `{dep}` to start, not to be healthy", s.name),
                    )
                    .help("use `condition: service_healthy`"),
                );
            }
        }
    }
    out
}
