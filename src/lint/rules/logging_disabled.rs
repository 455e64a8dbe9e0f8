//! TS207: `logging: {driver: none}`.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS207",
    name: "logging-disabled",
    category: Category::Reliability,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a service's logging driver is `none`: its output is thrown away",
    docs: r#"With `logging.driver: none` Docker discards everything the container writes to stdout
and stderr: `docker logs` shows nothing and no log shipper sees it.

## Why
When the service fails there is no trace of why, and security-relevant events (logins,
errors, attacks) leave no record.

## Fix
Keep the default driver with rotation (`json-file` or `local` with `max-size`), or send
the logs somewhere (`journald`, `syslog`, `fluentd`). For a service that is truly silent,
suppress the finding with a reason.

## Example
```yaml
services:
  worker:
    image: example/worker:1.0
    logging:
      driver: none
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        let driver = s.logging.as_ref().and_then(|l| l.driver.as_deref());
        if driver.is_some_and(|d| d.eq_ignore_ascii_case("none")) {
            out.push(
                Hit::value(
                    s,
                    "logging.driver",
                    format!("`{}` discards its logs (`driver: none`)", s.name),
                )
                .help("use `json-file` or `local` with `max-size`, or ship the logs"),
            );
        }
    }
    out
}
