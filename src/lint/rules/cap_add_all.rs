//! TS406: `cap_add: [ALL]`.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS406",
    name: "cap-add-all",
    category: Category::Security,
    severity: Severity::Error,
    opt_in: false,
    summary: "a service is granted every Linux capability",
    docs: r#"`cap_add: [ALL]` gives root in the container every capability, including
`SYS_ADMIN`, `SYS_MODULE` and `SYS_PTRACE`: nearly the same as `privileged`.

## Why
Container escape becomes easy, and the service can reconfigure the host's network and
kernel.

## Fix
Add only the capabilities the service needs (`NET_BIND_SERVICE`, `CHOWN`, ...), ideally
after `cap_drop: [ALL]`.

## Example
```yaml
services:
  app:
    image: example/app:1.0
    cap_add:
      - ALL
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (i, c) in s.cap_add.iter().enumerate() {
            if c.eq_ignore_ascii_case("ALL") || c.eq_ignore_ascii_case("CAP_ALL") {
                out.push(
                    Hit::value(
                        s,
                        &format!("cap_add[{i}]"),
                        format!("`{}` is granted all capabilities", s.name),
                    )
                    .help("add only the specific capabilities needed"),
                );
            }
        }
    }
    out
}
