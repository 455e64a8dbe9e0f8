//! TS417: `user: root` (or `0`) written explicitly.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS417",
    name: "root-user",
    category: Category::Security,
    severity: Severity::Info,
    opt_in: false,
    summary: "a service explicitly runs as root (`user: root` or `0`)",
    docs: r#"`user: root`, `user: "0"` or `user: "0:0"` overrides the image's `USER` and runs the
process as root. Without user namespaces, root in the container is root on the host for
everything a mount, a capability or a kernel bug exposes. Services without `user:` run as
the image decides and are not reported.

## Why
Every other weakness (a writable host mount, a socket, an escape) is worse when the
process is root.

## Fix
Run as an unprivileged user (`user: "1000:1000"`, or the user the image defines), and give
it the files it needs with ownership rather than root. Where root is needed (an init job
fixing permissions), suppress the finding with a reason.

## Example
```yaml
services:
  agent:
    image: example/agent:1.0
    user: root
```
"#,
};

/// `root`, `0`, or either with a group (`root:root`, `0:0`).
pub fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        let Some(user) = s.user.as_deref() else {
            continue;
        };
        if is_root(user) {
            out.push(
                Hit::value(
                    s,
                    "user",
                    format!("`{}` runs as root (`user: {user}`)", s.name),
                )
                .help("run as an unprivileged user, e.g. `user: \"1000:1000\"`"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_forms() {
        for u in ["root", "0", "0:0", "root:docker"] {
            assert!(is_root(u), "{u}");
        }
        for u in ["1000", "1000:0", "rootless", "node", "${UID}"] {
            assert!(!is_root(u), "{u}");
        }
    }
}
