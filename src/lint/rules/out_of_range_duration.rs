//! TS107: durations compose accepts but Docker rejects or misreads (negative, or a healthcheck
//! period under a millisecond).

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};
use crate::model::{Duration, Service};

pub const META: RuleMeta = RuleMeta {
    id: "TS107",
    name: "out-of-range-duration",
    category: Category::Correctness,
    severity: Severity::Error,
    opt_in: false,
    summary: "a duration is negative, or a healthcheck period is shorter than 1ms",
    docs: r#"Compose parses durations with Go's syntax and accepts `-5s` or `500us`. Docker
rejects healthcheck intervals, timeouts and start periods under one millisecond when it
creates the container, and a negative grace period or restart delay is never meant.

## Why
The container cannot be created, or a restart/update policy behaves nothing like the file
says. A `us`/`ms` slip is easy to miss in review.

## Fix
Use a positive duration with the intended unit (`5s`, `500ms`).

## Example
```yaml
services:
  api:
    image: example/api:1.0
    healthcheck:
      test: ["CMD", "true"]
      interval: 500us
```
"#,
};

const MS: i64 = 1_000_000;

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (path, d) in durations(s) {
            let ns = d.as_nanos();
            let health = path.starts_with("healthcheck.");
            let problem = if ns < 0 {
                "is negative"
            } else if health && ns > 0 && ns < MS {
                "is shorter than Docker's 1ms minimum"
            } else {
                continue;
            };
            out.push(
                Hit::value(s, &path, format!("duration `{path}` {problem}"))
                    .help("use a positive duration with the intended unit, e.g. `5s` or `500ms`"),
            );
        }
    }
    out
}

fn durations(s: &Service) -> Vec<(String, Duration)> {
    let mut v: Vec<(String, Option<Duration>)> = Vec::new();
    if let Some(h) = &s.healthcheck {
        v.push(("healthcheck.interval".into(), h.interval));
        v.push(("healthcheck.timeout".into(), h.timeout));
        v.push(("healthcheck.start_period".into(), h.start_period));
        v.push(("healthcheck.start_interval".into(), h.start_interval));
    }
    v.push(("stop_grace_period".into(), s.stop_grace_period));
    if let Some(d) = &s.deploy {
        if let Some(r) = &d.restart_policy {
            v.push(("deploy.restart_policy.delay".into(), r.delay));
            v.push(("deploy.restart_policy.window".into(), r.window));
        }
        for (name, u) in [
            ("update_config", &d.update_config),
            ("rollback_config", &d.rollback_config),
        ] {
            if let Some(u) = u {
                v.push((format!("deploy.{name}.delay"), u.delay));
                v.push((format!("deploy.{name}.monitor"), u.monitor));
            }
        }
    }
    v.into_iter()
        .filter_map(|(p, d)| d.map(|d| (p, d)))
        .collect()
}
