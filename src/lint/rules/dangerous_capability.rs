//! TS412: a capability that lets root in the container escape it or read the host.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, bind_source, capability_name};
use crate::lint::{Category, RuleMeta};
use crate::model::Service;

pub const META: RuleMeta = RuleMeta {
    id: "TS412",
    name: "dangerous-capability",
    category: Category::Security,
    severity: Severity::Error,
    opt_in: false,
    summary: "a service is granted a capability that breaks container isolation (SYS_ADMIN, SYS_MODULE, SYS_PTRACE, ...)",
    docs: r#"Some capabilities are nearly as strong as `privileged`:

- `SYS_ADMIN` mounts file systems, and with them escapes (the cgroup `release_agent` trick);
- `SYS_MODULE` loads kernel modules: code in the host kernel. With a writable
  `/lib/modules` mount the container can load a module it wrote itself;
- `SYS_RAWIO` reads and writes raw I/O ports and `/dev/mem`;
- `SYS_PTRACE` attaches to other processes (all of the host's, with `pid: host`);
- `DAC_READ_SEARCH` opens any host file by handle (the "shocker" escape);
- `BPF` loads eBPF programs into the kernel.

`ALL` is reported by TS406 (cap-add-all); lesser ones (`NET_ADMIN`, `SYS_TIME`, ...) by
TS413 (elevated-capability).

## Why
A compromise of the service becomes root on the host.

## Fix
Drop the capability; if a tool really needs it (a VPN needing `SYS_MODULE`, a debugger
needing `SYS_PTRACE`), load the module on the host instead, run the tool only where
needed, and suppress the finding with a reason.

## Example
```yaml
services:
  vpn:
    image: example/wireguard:1.0
    cap_add:
      - SYS_MODULE
    volumes:
      - /lib/modules:/lib/modules
```
"#,
};

const ESCAPE: &[&str] = &[
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_PTRACE",
    "DAC_READ_SEARCH",
    "BPF",
];

/// A writable bind of the host's kernel modules.
fn writable_modules(s: &Service) -> Option<&str> {
    s.volumes
        .iter()
        .filter(|v| v.read_only != Some(true))
        .filter_map(bind_source)
        .find(|src| {
            matches!(
                *src,
                "/lib/modules" | "/usr/lib/modules" | "/lib" | "/usr/lib"
            )
        })
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (i, c) in s.cap_add.iter().enumerate() {
            let cap = capability_name(c);
            if !ESCAPE.contains(&cap.as_str()) {
                continue;
            }
            let mut message = format!("`{}` is granted `{cap}`, which breaks isolation", s.name);
            if cap == "SYS_MODULE"
                && let Some(src) = writable_modules(s)
            {
                message.push_str(&format!(
                    ", and `{src}` is mounted writable: it can load a module it wrote"
                ));
            }
            out.push(
                Hit::value(s, &format!("cap_add[{i}]"), message)
                    .help("drop the capability, or do the privileged part on the host"),
            );
        }
    }
    out
}
