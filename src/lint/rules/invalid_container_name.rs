//! TS110: a `container_name` that Docker refuses when it creates the container.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS110",
    name: "invalid-container-name",
    category: Category::Correctness,
    severity: Severity::Error,
    opt_in: false,
    summary: "a container_name is not a valid Docker container name",
    docs: r#"Docker accepts container names matching `[a-zA-Z0-9][a-zA-Z0-9_.-]+`: at least two
characters, starting with a letter or digit, then letters, digits, `_`, `.` or `-`.
Compose passes `container_name` through unchecked, so a name with a space, a slash or a
leading `-` loads fine and fails only at `docker compose up`.

## Why
The deployment fails at container creation, after the images were pulled and the networks
created.

## Fix
Rename it, e.g. `container_name: shop-db`, or drop `container_name` and let Compose name
the container.

## Example
```yaml
services:
  db:
    image: postgres:16
    container_name: "shop db"
```
"#,
};

/// Docker's `^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`.
pub fn is_valid_container_name(name: &str) -> bool {
    let name = name.strip_prefix('/').unwrap_or(name);
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        let Some(name) = s.container_name.as_deref() else {
            continue;
        };
        if !is_valid_container_name(name) {
            out.push(
                Hit::value(
                    s,
                    "container_name",
                    format!("`{name}` is not a valid container name; Docker refuses it"),
                )
                .help("use letters, digits, `_`, `.` and `-`, starting with a letter or digit"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_container_name_syntax() {
        for n in ["db", "shop-db_1", "a.b", "/web", "0x"] {
            assert!(is_valid_container_name(n), "{n}");
        }
        for n in ["a", "-db", "shop db", "a/b", "", "ünï", "_x"] {
            assert!(!is_valid_container_name(n), "{n}");
        }
    }
}
