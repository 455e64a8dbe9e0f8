//! TS307: the obsolete top-level `version:` key.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS307",
    name: "obsolete-version-key",
    category: Category::Hygiene,
    severity: Severity::Warning,
    opt_in: false,
    summary: "the file has a top-level `version:`, which compose ignores",
    docs: r#"The Compose Specification has no versions: Docker Compose v2 ignores `version:` and warns
about it on every command. The number suggests features are gated by it, which they are
not.

## Why
Noise in every `docker compose` run, and a misleading hint to readers.

## Fix
Delete the `version:` line.

## Example
```yaml
version: "3.8"
services:
  web:
    image: nginx:1.27
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    cx.warnings
        .iter()
        .filter(|w| w.path.to_string() == "version" && w.message.contains("obsolete"))
        .map(|w| Hit {
            span: w.span,
            key_path: "version".into(),
            message: "the `version` key is obsolete and ignored".into(),
            help: Some("delete the `version:` line".into()),
            service: None,
        })
        .collect()
}
