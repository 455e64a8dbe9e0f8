//! TS409: `security_opt` turning off seccomp, AppArmor, SELinux or no-new-privileges.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS409",
    name: "unconfined-security-profile",
    category: Category::Security,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a service disables seccomp, AppArmor or SELinux confinement",
    docs: r#"`seccomp:unconfined`, `apparmor:unconfined`, `label:disable` and
`systempaths=unconfined` remove the kernel-level filters Docker applies by default; they
block most known container-escape techniques.

## Why
A vulnerability in the service becomes a much shorter path to the host.

## Fix
Remove the option, or write a custom profile that allows only the extra syscalls the
service needs (`seccomp:./profile.json`).

## Example
```yaml
services:
  app:
    image: example/app:1.0
    security_opt:
      - seccomp:unconfined
```
"#,
};

fn unconfined(opt: &str) -> bool {
    let o = opt.to_ascii_lowercase().replace('=', ":");
    matches!(
        o.as_str(),
        "seccomp:unconfined" | "apparmor:unconfined" | "label:disable" | "systempaths:unconfined"
    )
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (i, o) in s.security_opt.iter().enumerate() {
            if unconfined(o) {
                out.push(
                    Hit::value(
                        s,
                        &format!("security_opt[{i}]"),
                        format!("`{o}` disables confinement for `{}`", s.name),
                    )
                    .help("remove it, or use a custom profile allowing only what is needed"),
                );
            }
        }
    }
    out
}
