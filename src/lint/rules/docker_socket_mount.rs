//! TS402: the Docker (or Podman/containerd) API socket mounted into a container.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS402",
    name: "docker-socket-mount",
    category: Category::Security,
    severity: Severity::Error,
    opt_in: false,
    summary: "a service mounts the container engine's API socket",
    docs: r#"Whoever can talk to `/var/run/docker.sock` can start a privileged container that mounts
the host's root file system: the socket is root on the host, even when mounted read-only.
`use_api_socket: true` does the same.

## Why
A compromise of the service (a reverse proxy, a CI runner, a dashboard) is a compromise of
the host.

## Fix
Avoid it; if a tool needs the API, put a filtering proxy (e.g. a docker-socket-proxy that
allows only the calls needed) in between, and suppress the finding there with a reason.

## Example
```yaml
services:
  proxy:
    image: traefik:v3.1
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
```
"#,
};

const SOCKETS: &[&str] = &["docker.sock", "podman.sock", "containerd.sock", "crio.sock"];

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (i, v) in s.volumes.iter().enumerate() {
            let Some(src) = v.source.as_deref() else {
                continue;
            };
            if v.kind.as_deref() == Some("bind") && SOCKETS.iter().any(|k| src.ends_with(k)) {
                out.push(
                    Hit::mount(
                        s,
                        i,
                        "source",
                        format!("`{}` mounts the container engine socket `{src}`", s.name),
                    )
                    .help("use a filtering socket proxy, or drop the mount"),
                );
            }
        }
        if s.use_api_socket == Some(true) {
            out.push(
                Hit::key(
                    s,
                    "use_api_socket",
                    format!("`{}` is given the Docker API socket", s.name),
                )
                .help("drop `use_api_socket`, or use a filtering socket proxy"),
            );
        }
    }
    out
}
