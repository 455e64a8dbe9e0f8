//! TS206: a `json-file` logging configuration without `max-size`.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS206",
    name: "log-without-rotation",
    category: Category::Reliability,
    severity: Severity::Info,
    opt_in: false,
    summary: "a service configures json-file logging without a size limit",
    docs: r#"The `json-file` log driver keeps every line a container prints, forever, unless
`max-size` is set. A chatty service eventually fills the disk that holds
`/var/lib/docker`, and every container on the host fails with it.

## Why
Disk exhaustion on the host, long after deployment.

## Fix
Add `options: {max-size: "10m", max-file: "3"}`, or use the `local` driver, which rotates by
default.

## Example
```yaml
services:
  api:
    image: example/api:1.0
    logging:
      driver: json-file
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        let Some(l) = &s.logging else { continue };
        let driver = l.driver.as_deref().unwrap_or("json-file");
        if driver == "json-file" && !l.options.contains_key("max-size") {
            out.push(
                Hit::key(
                    s,
                    "logging",
                    format!("`{}` logs with json-file and no `max-size`", s.name),
                )
                .help("set `logging.options.max-size` (e.g. `10m`) and `max-file`"),
            );
        }
    }
    out
}
