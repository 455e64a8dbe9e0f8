//! TS419 (opt-in): no `security_opt: [no-new-privileges:true]`.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS419",
    name: "missing-no-new-privileges",
    category: Category::Security,
    severity: Severity::Warning,
    opt_in: true,
    summary: "(opt-in hardening) a service does not set `no-new-privileges`",
    docs: r#"Opt-in: part of the hardening baseline (with TS420 and TS421), off unless enabled with
`--select TS419` or a severity in `.transship.toml`:

```toml
[lint.rules]
missing-no-new-privileges = "warning"
```

Without `security_opt: ["no-new-privileges:true"]`, a process in the container can gain
privileges through setuid and setcap binaries (`sudo`, `su`, `ping` in older images).

## Why
A foothold as an unprivileged user becomes root in the container, the first step toward
the host.

## Fix
Add `security_opt: ["no-new-privileges:true"]` (services that need setuid, rare, keep a
suppression with the reason).

## Example
```yaml
services:
  web:
    image: example/web:1.0
```
"#,
};

/// `no-new-privileges`, `no-new-privileges:true` or `no-new-privileges=true`.
pub fn sets_no_new_privileges(opts: &[String]) -> bool {
    opts.iter().any(|o| {
        let o = o.trim();
        match o.split_once([':', '=']) {
            Some((k, v)) => k == "no-new-privileges" && v.trim().eq_ignore_ascii_case("true"),
            None => o == "no-new-privileges",
        }
    })
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    cx.services()
        .into_iter()
        .filter(|s| !sets_no_new_privileges(&s.security_opt))
        .map(|s| {
            Hit::key(
                s,
                "",
                format!("`{}` does not set `no-new-privileges`", s.name),
            )
            .help("add `security_opt: [\"no-new-privileges:true\"]`")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_new_privileges_forms() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(sets_no_new_privileges(&v(&["no-new-privileges:true"])));
        assert!(sets_no_new_privileges(&v(&["no-new-privileges=true"])));
        assert!(sets_no_new_privileges(&v(&["no-new-privileges"])));
        assert!(!sets_no_new_privileges(&v(&["no-new-privileges:false"])));
        assert!(!sets_no_new_privileges(&v(&["apparmor:unconfined"])));
    }
}
