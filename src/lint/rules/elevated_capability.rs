//! TS413: a capability beyond Docker's default set that gives power over the host's
//! network, clock, logs or processes.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, capability_name};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS413",
    name: "elevated-capability",
    category: Category::Security,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a service is granted a powerful capability (NET_ADMIN, SYS_TIME, SYS_BOOT, PERFMON, ...)",
    docs: r#"Capabilities outside Docker's default set that do not break isolation by themselves
but widen what a compromised service can do: `NET_ADMIN` (firewall, routes, sniffing on
the container's interfaces, and on the host's with `network_mode: host`), `SYS_TIME` (the
host clock), `SYS_BOOT` (reboot, with the host PID namespace), `SYSLOG` and `PERFMON`
(kernel addresses and events), `SYS_RESOURCE`, `LINUX_IMMUTABLE`, `MAC_ADMIN`,
`MAC_OVERRIDE`, `AUDIT_CONTROL`, `SYS_PACCT` and `CHECKPOINT_RESTORE`.

The capabilities that break isolation outright are TS412 (dangerous-capability).

## Why
Least privilege: each extra capability is attack surface a VPN, a DNS server or a
monitoring agent rarely needs all of.

## Fix
Drop the capability if the service works without it; otherwise keep it and suppress the
finding with the reason (a VPN endpoint needs `NET_ADMIN`).

## Example
```yaml
services:
  dns:
    image: example/dns:1.0
    cap_add:
      - NET_ADMIN
```
"#,
};

const ELEVATED: &[&str] = &[
    "NET_ADMIN",
    "SYS_TIME",
    "SYS_BOOT",
    "SYSLOG",
    "PERFMON",
    "SYS_RESOURCE",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "AUDIT_CONTROL",
    "SYS_PACCT",
    "CHECKPOINT_RESTORE",
];

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (i, c) in s.cap_add.iter().enumerate() {
            let cap = capability_name(c);
            if ELEVATED.contains(&cap.as_str()) {
                out.push(
                    Hit::value(
                        s,
                        &format!("cap_add[{i}]"),
                        format!("`{}` is granted `{cap}`", s.name),
                    )
                    .help("drop it if the service works without it, or suppress with the reason"),
                );
            }
        }
    }
    out
}
