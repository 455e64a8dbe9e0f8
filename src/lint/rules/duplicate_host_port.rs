//! TS103: the same host port published twice (by two services or twice in one).

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};
use crate::model::Service;
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    id: "TS103",
    name: "duplicate-host-port",
    category: Category::Correctness,
    severity: Severity::Error,
    opt_in: false,
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
    // Every published port, in the order it was written, so the later one is reported.
    let mut all: Vec<(Span, &Service, usize)> = Vec::new();
    for s in cx.services() {
        for i in 0..s.ports.len() {
            let span = s
                .provenance
                .span(&format!("ports[{i}]"))
                .unwrap_or(s.provenance.key_span);
            all.push((span, s, i));
        }
    }
    all.sort_by_key(|(span, s, i)| (*span, s.name.clone(), *i));
    // (address, protocol, port) → the service that published it first
    let mut seen: Vec<(String, String, u32, String)> = Vec::new();
    let mut out = Vec::new();
    for (_, s, i) in all {
        let Some(p) = s.ports.get(i) else { continue };
        let Some(published) = p.published.as_deref() else {
            continue;
        };
        let proto = p.protocol.clone().unwrap_or_else(|| "tcp".into());
        let ip = normalise_ip(p.host_ip.as_deref());
        for port in port_range(published) {
            let clash = seen.iter().find(|(a, pr, po, _)| {
                *po == port && *pr == proto && (*a == ip || a.is_empty() || ip.is_empty())
            });
            if let Some((.., first)) = clash {
                out.push(
                    Hit::value(
                        s,
                        &format!("ports[{i}]"),
                        format!("host port {port}/{proto} is already published by `{first}`"),
                    )
                    .help("publish a different host port or bind to a different host address"),
                );
                break;
            }
            seen.push((ip.clone(), proto.clone(), port, s.name.clone()));
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
