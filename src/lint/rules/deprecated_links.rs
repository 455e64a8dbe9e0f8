//! TS308: `links` and `external_links`, legacy container linking.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS308",
    name: "deprecated-links",
    category: Category::Hygiene,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a service uses legacy `links` or `external_links`",
    docs: r#"`links` is a legacy feature of the default bridge network. On compose networks every
service already reaches every other by its name, so `links` only adds aliases and an
implicit dependency; Swarm ignores it, and Docker documents it as legacy that may be
removed.

## Why
It hides the real dependency (use `depends_on`) and naming (use network aliases), and it
does not carry over to orchestrators.

## Fix
Remove `links`; use the service name as the host name, `networks.<net>.aliases` for other
names, and `depends_on` for start order.

## Example
```yaml
services:
  web:
    image: example/web:1.0
    links:
      - db:database
  db:
    image: postgres:16
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (key, present) in [
            ("links", !s.links.is_empty()),
            ("external_links", !s.external_links.is_empty()),
        ] {
            if present {
                out.push(
                    Hit::key(s, key, format!("`{key}` is a legacy feature"))
                        .help("reach services by name; use network aliases and `depends_on`"),
                );
            }
        }
    }
    out
}
