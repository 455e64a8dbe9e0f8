//! TS205: waiting only for a dependency to start when it has a healthcheck to wait for.

use super::healthy_dependency_without_healthcheck::has_healthcheck;
use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};
use crate::model::Service;
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    id: "TS205",
    name: "dependency-started-not-healthy",
    category: Category::Reliability,
    severity: Severity::Info,
    opt_in: false,
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
    // Grouped by where the entry was written: a YAML anchor shared by many services gives
    // one finding, not one per service.
    let mut groups: Vec<(Span, &str, Vec<&Service>)> = Vec::new();
    for s in cx.services() {
        for (dep, d) in &s.depends_on {
            let path = format!("depends_on.{dep}");
            // Implicit dependencies (network_mode, volumes_from) were not written.
            let Some(span) = s.provenance.key_span(&path) else {
                continue;
            };
            let started = d
                .condition
                .as_deref()
                .is_none_or(|c| c == "service_started");
            let healthy = cx.project.service(dep).is_some_and(has_healthcheck);
            if !(started && healthy) {
                continue;
            }
            match groups
                .iter_mut()
                .find(|(sp, d, _)| *sp == span && *d == dep)
            {
                Some((.., who)) => who.push(s),
                None => groups.push((span, dep, vec![s])),
            }
        }
    }
    let mut out = Vec::new();
    for (span, dep, who) in groups {
        let Some(first) = who.first() else { continue };
        let names = name_list(&who);
        let verb = if who.len() == 1 { "waits" } else { "wait" };
        out.push(
            Hit::new(
                first,
                &format!("depends_on.{dep}"),
                span,
                format!("{names} {verb} for `{dep}` to start, not to be healthy"),
            )
            .help("use `condition: service_healthy`"),
        );
    }
    out
}

/// `` `a` ``, `` `a`, `b` `` or `` `a`, `b`, `c` and 4 more ``.
fn name_list(who: &[&Service]) -> String {
    let mut names: Vec<String> = who
        .iter()
        .take(3)
        .map(|s| format!("`{}`", s.name))
        .collect();
    if who.len() > 3 {
        names.push(format!("and {} more", who.len() - 3));
    }
    names.join(", ")
}
