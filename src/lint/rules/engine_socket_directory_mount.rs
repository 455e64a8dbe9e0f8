//! TS411: a host directory that holds the engine's API socket (`/`, `/run`, `/var/run`)
//! bind-mounted into a container, read-only or not.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, SOCKET_DIRECTORIES, bind_source};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS411",
    name: "engine-socket-directory-mount",
    category: Category::Security,
    severity: Severity::Error,
    opt_in: false,
    summary: "a directory holding the container engine's socket (/, /run, /var/run) is mounted",
    docs: r#"`/var/run/docker.sock` lives in `/var/run` (a link to `/run`), and both live in `/`.
Mounting any of these directories, or `/run/containerd`, `/run/podman`, ..., hands the
container the engine's API socket exactly as TS402 (docker-socket-mount) does, and `:ro`
does not help: read-only applies to the file system, not to what is sent over the socket.
Whoever talks to the socket can start a privileged container that mounts the host.

These mounts are reported here rather than by TS410 (sensitive-host-path-mount), once
each, at this rule's severity.

## Why
Monitoring agents (cAdvisor, node exporters, Metricbeat) commonly mount `/`, `/run` or
`/var/run` read-only; a compromise of the agent is a compromise of the host.

## Fix
Mount the specific subdirectory the tool needs (`/var/run/utmp`, `/run/systemd/...`), or
put a filtering socket proxy in between, and suppress the finding with a reason where the
agent really needs the socket.

## Example
```yaml
services:
  cadvisor:
    image: gcr.io/cadvisor/cadvisor:v0.49.1
    volumes:
      - /:/rootfs:ro
      - /var/run:/var/run:ro
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (i, v) in s.volumes.iter().enumerate() {
            let Some(src) = bind_source(v) else { continue };
            if !SOCKET_DIRECTORIES.contains(&src) {
                continue;
            }
            let how = if v.read_only == Some(true) {
                "read-only, which does not protect the socket"
            } else {
                "writable"
            };
            out.push(
                Hit::mount(
                    s,
                    i,
                    "source",
                    format!(
                        "`{}` mounts `{src}`, which holds the container engine socket ({how})",
                        s.name
                    ),
                )
                .help("mount only the subdirectory needed, or use a filtering socket proxy"),
            );
        }
    }
    out
}
