//! TS418: a tmpfs mounted with `exec`.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS418",
    name: "executable-tmpfs",
    category: Category::Security,
    severity: Severity::Info,
    opt_in: false,
    summary: "a tmpfs is mounted with `exec` (or `suid`), undoing Docker's `noexec,nosuid` default",
    docs: r#"Docker mounts `tmpfs` entries `noexec,nosuid,nodev` by default. Writing `exec` (or
`suid`) in the options, `tmpfs: ["/tmp:exec"]`, gives an attacker a writable place to drop
and run a binary, which is what `read_only: true` was meant to take away.

## Why
Writable and executable scratch space is the first step of most container exploits.

## Fix
Drop `exec`; if a program really runs files it writes there (some JITs and installers
do), keep it and suppress the finding with a reason.

## Example
```yaml
services:
  web:
    image: example/web:1.0
    read_only: true
    tmpfs:
      - /tmp:exec,size=64m
```
"#,
};

/// `exec` or `suid` among the options of `PATH:OPTIONS`.
pub fn enabled_flag(entry: &str) -> Option<&'static str> {
    let (_, options) = entry.split_once(':')?;
    options.split(',').map(str::trim).find_map(|o| match o {
        "exec" => Some("exec"),
        "suid" => Some("suid"),
        _ => None,
    })
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (i, t) in s.tmpfs.iter().enumerate() {
            if let Some(flag) = enabled_flag(t) {
                let path = t.split(':').next().unwrap_or(t);
                out.push(
                    Hit::value(
                        s,
                        &format!("tmpfs[{i}]"),
                        format!("tmpfs `{path}` of `{}` is mounted `{flag}`", s.name),
                    )
                    .help("drop the option; Docker mounts tmpfs `noexec,nosuid` by default"),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_options() {
        assert_eq!(enabled_flag("/tmp:exec,size=64m"), Some("exec"));
        assert_eq!(enabled_flag("/run:rw,suid"), Some("suid"));
        assert_eq!(enabled_flag("/tmp:noexec"), None);
        assert_eq!(enabled_flag("/tmp"), None);
    }
}
