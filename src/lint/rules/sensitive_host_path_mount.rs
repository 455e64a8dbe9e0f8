//! TS410: a writable bind mount of a sensitive host directory.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, SOCKET_DIRECTORIES, bind_source};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS410",
    name: "sensitive-host-path-mount",
    category: Category::Security,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a host system directory (/etc, /proc, /sys, /root, /lib/modules, ...) is bind-mounted writable",
    docs: r#"A writable mount of `/etc`, `/root`, `/boot`, `/proc`, `/sys`, `/dev`, `/lib/modules`
or `/var/lib/docker` lets the container change the host: add a user, a cron job or an SSH
key, plant a kernel module, or rewrite other containers' files. Read-only mounts (as
monitoring agents use) are not reported. `/`, `/run` and `/var/run` hold the container
engine's socket and are reported, read-only or not, by TS411
(engine-socket-directory-mount) instead.

## Why
A compromise of the service becomes root on the host.

## Fix
Mount only the specific file or directory needed, and add `:ro`.

## Example
```yaml
services:
  backup:
    image: example/backup:1.0
    volumes:
      - /etc:/host/etc
```
"#,
};

const SENSITIVE: &[&str] = &[
    "/etc",
    "/root",
    "/boot",
    "/proc",
    "/sys",
    "/dev",
    "/var/lib/docker",
    "/usr",
    "/lib",
    "/bin",
    "/sbin",
    "/lib/modules",
    "/usr/lib/modules",
];

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (i, v) in s.volumes.iter().enumerate() {
            if v.read_only == Some(true) {
                continue;
            }
            let Some(trimmed) = bind_source(v) else {
                continue;
            };
            // `/`, `/run` and `/var/run` hold the engine socket: TS411 reports them, once.
            if SENSITIVE.contains(&trimmed) && !SOCKET_DIRECTORIES.contains(&trimmed) {
                out.push(
                    Hit::mount(
                        s,
                        i,
                        "source",
                        format!(
                            "host directory `{trimmed}` is mounted writable into `{}`",
                            s.name
                        ),
                    )
                    .help("mount only what is needed, read-only (`:ro`)"),
                );
            }
        }
    }
    out
}
