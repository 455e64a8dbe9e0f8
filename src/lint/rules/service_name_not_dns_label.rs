//! TS503: a service name that is not a valid DNS label.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS503",
    name: "service-name-not-dns-label",
    category: Category::Portability,
    severity: Severity::Info,
    opt_in: false,
    summary: "a service name contains `_` or `.`, or is longer than 63 characters",
    docs: r#"Compose allows `_` and `.` in service names, and Docker's embedded DNS resolves them.
Elsewhere the name becomes a host name or a service-registry name that must be a DNS label
(RFC 1123: letters, digits and `-`, at most 63 characters): Nomad and Consul service
names, Kubernetes, TLS certificates. `my_db` breaks there; `.` even splits the name into
domains.

## Why
The project cannot move to an orchestrator without renaming services, which touches every
connection string.

## Fix
Use `-` instead: `my-db`.

## Example
```yaml
services:
  my_db:
    image: postgres:16
```
"#,
};

fn dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    cx.services()
        .into_iter()
        .filter(|s| !dns_label(&s.name))
        .map(|s| {
            Hit::key(
                s,
                "",
                format!("service name `{}` is not a valid DNS label", s.name),
            )
            .help(format!(
                "rename it to `{}`",
                s.name.replace(['_', '.'], "-")
            ))
        })
        .collect()
}
