//! TS416: a host device that gives raw access to memory, disks or the kernel log.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS416",
    name: "dangerous-host-device",
    category: Category::Security,
    severity: Severity::Error,
    opt_in: false,
    summary: "a host device with raw access to memory, disks or the kernel log is passed in (/dev/mem, /dev/sda, /dev/kmsg, ...)",
    docs: r#"`devices:` passes host device nodes into the container. Some are the host itself:
`/dev/mem`, `/dev/kmem` and `/dev/port` are physical memory and I/O ports; block devices
(`/dev/sda`, `/dev/nvme0n1`, `/dev/vda`, `/dev/mmcblk0`, `/dev/dm-0`, `/dev/loop0`,
`/dev/mapper/*`, `/dev/disk/*`) are the host's file systems, readable and writable under
every permission check; `/dev/kmsg` is the kernel log, which leaks kernel addresses and
can be written to forge entries. `device_cgroup_rules: ["a *:* rwm"]` allows every device
that the container can create a node for.

## Why
Reading the disk or memory reads every secret on the host; writing it is root on the
host.

## Fix
Pass only the device the service needs (a GPU, a serial port), read-only where possible
(`/dev/sda:/dev/sda:r`), and suppress the finding with a reason where raw access is the
point (a disk health monitor).

## Example
```yaml
services:
  monitor:
    image: example/smart-exporter:1.0
    devices:
      - /dev/sda:/dev/sda
```
"#,
};

/// Device nodes that are the host's memory, I/O ports or kernel log.
const RAW: &[&str] = &["/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg"];
/// Prefixes of block devices (disks, partitions, device-mapper and loop devices).
const BLOCK: &[&str] = &[
    "/dev/sd",
    "/dev/hd",
    "/dev/vd",
    "/dev/xvd",
    "/dev/nvme",
    "/dev/mmcblk",
    "/dev/dm-",
    "/dev/loop",
    "/dev/md",
    "/dev/mapper/",
    "/dev/disk/",
];

/// Why a device is dangerous, when it is.
pub fn danger(path: &str) -> Option<&'static str> {
    if RAW.contains(&path) {
        return Some(if path == "/dev/kmsg" {
            "the kernel log"
        } else {
            "raw host memory or I/O ports"
        });
    }
    let block = BLOCK.iter().any(|p| path.starts_with(p))
        && !path.starts_with("/dev/loop-control")
        && !path.starts_with("/dev/mapper/control");
    block.then_some("a host block device")
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (i, d) in s.devices.iter().enumerate() {
            let Some(src) = d.source.as_deref() else {
                continue;
            };
            if let Some(what) = danger(src) {
                out.push(
                    Hit::value(
                        s,
                        &format!("devices[{i}]"),
                        format!("`{}` is given `{src}`, {what}", s.name),
                    )
                    .help("pass only the device needed, read-only where possible"),
                );
            }
        }
        for (i, rule) in s.device_cgroup_rules.iter().enumerate() {
            if rule.split_whitespace().next() == Some("a") {
                out.push(
                    Hit::value(
                        s,
                        &format!("device_cgroup_rules[{i}]"),
                        format!("`{}` may use every device (`{rule}`)", s.name),
                    )
                    .help("allow only the device numbers needed, e.g. `c 189:* rmw`"),
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
    fn dangerous_devices() {
        for d in [
            "/dev/mem",
            "/dev/kmsg",
            "/dev/sda1",
            "/dev/nvme0n1",
            "/dev/mapper/root",
        ] {
            assert!(danger(d).is_some(), "{d}");
        }
        for d in [
            "/dev/ttyUSB0",
            "/dev/dri",
            "/dev/net/tun",
            "/dev/fuse",
            "/dev/loop-control",
        ] {
            assert!(danger(d).is_none(), "{d}");
        }
    }
}
