//! TS103: the same host port published twice (by two services or twice in one).

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};
use std::collections::BTreeMap;

pub const META: RuleMeta = RuleMeta {
    id: "TS103",
    name: "duplicate-host-port",
    category: Category::Correctness,
    severity: Severity::Error,
    summary: "two ports publish the same host port, address and protocol",
    docs: r#"Only one container can bind a host port on an address. Compose accepts the file, but the
second container fails to start with "port is already allocated".

## Why
One of the services never starts, and which one depends on start order.

## Fix
Publish a different host port, bind the two to different host addresses, or put a reverse
proxy in front of both.

## Example
```yaml
services:
  web:
    image: nginx:1.27
    ports:
      - "8080:80"
  admin:
    image: example/admin:2.1
    ports:
      - "8080:3000"
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    // (address, protocol, port) → first user (service, index)
    let mut seen: BTreeMap<(String, String, u32), String> = BTreeMap::new();
    let mut out = Vec::new();
    for s in cx.services() {
        for (i, p) in s.ports.iter().enumerate() {
            let Some(published) = p.published.as_deref() else {
                continue;
            };
            let proto = p.protocol.clone().unwrap_or_else(|| "tcp".into());
            let ip = normalise_ip(p.host_ip.as_deref());
            for port in port_range(published) {
                let clash = seen
                    .iter()
                    .find(|((a, pr, po), _)| {
                        *po == port && *pr == proto && (*a == ip || a.is_empty() || ip.is_empty())
                    })
                    .map(|(_, who)| who.clone());
                if let Some(first) = clash {
                    out.push(
                        Hit::value(
                            s,
                            &format!("ports[{i}]"),
                            format!("host port {port}/{proto} is already published by {first}"),
                        )
                        .help("publish a different host port or bind to a different host address"),
                    );
                    break;
                }
                seen.insert((ip.clone(), proto.clone(), port), format!("`{}`", s.name));
            }
        }
    }
    out
}

/// `0.0.0.0`, `::` and no address all mean "every address" (empty here).
fn normalise_ip(ip: Option<&str>) -> String {
    match ip.unwrap_or_default().trim_matches(['[', ']']) {
        "0.0.0.0" | "::" => String::new(),
        other => other.to_string(),
    }
}

/// The ports of `8080` or `8000-8010` (empty for anything else, including `0`: random).
pub fn port_range(published: &str) -> Vec<u32> {
    let (a, b) = published.split_once('-').unwrap_or((published, published));
    match (a.trim().parse::<u32>(), b.trim().parse::<u32>()) {
        (Ok(a), Ok(b)) if a > 0 && a <= b && b - a < 65536 => (a..=b).collect(),
        _ => Vec::new(),
    }
}
