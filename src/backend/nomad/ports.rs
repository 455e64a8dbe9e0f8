//! Ports: every published or exposed container port becomes a `port "<label>"` in the
//! group's network (static when compose publishes a host port, dynamic otherwise), and the
//! task's `config.ports` lists the labels. Labels are readable and stable: the port's `name`,
//! else `port_<target>` (`_udp` for UDP), with a suffix only when one repeats.

use crate::backend::notes::Notes;
use crate::diag::Severity;
use crate::model::Service;
use std::collections::{HashMap, HashSet};

/// Most ports one `expose` range may add.
const MAX_EXPOSE_RANGE: u32 = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortDef {
    pub label: String,
    /// Host port (`static`); `None` lets Nomad choose one.
    pub host: Option<u32>,
    /// Container port (`to`).
    pub target: u32,
    /// Compose index (`ports[i]`) for provenance, or `None` for `expose`/health ports.
    pub from_ports: Option<usize>,
    /// The client `host_network` the port binds on (`loopback` for a `127.0.0.1:` port).
    pub host_network: Option<String>,
}

/// The client host network a loopback-only port binds on. Nomad binds a port with
/// `host_network` only on that network's address ("When port mapping the host port will
/// only forward traffic to the matched host network address", network block docs), so
/// compose's `127.0.0.1:8080:80` stays private to the client.
pub const LOOPBACK_NETWORK: &str = "loopback";

/// A host IP that only the machine itself reaches.
pub fn loopback(ip: &str) -> bool {
    ip == "localhost" || ip == "::1" || ip.starts_with("127.")
}

/// The service's ports, in compose order, then exposed ports not already mapped.
pub fn ports(svc: &Service, replicas: i64, notes: &mut Notes) -> Vec<PortDef> {
    let mut out: Vec<PortDef> = Vec::new();
    // Indexes over `out`: a port range expands to thousands of entries.
    let mut labels: HashSet<String> = HashSet::new();
    let mut by_host: HashMap<u32, usize> = HashMap::new();
    let mut targets: HashSet<u32> = HashSet::new();
    for (i, p) in svc.ports.iter().enumerate() {
        if p.target == 0 {
            continue;
        }
        let path = format!("ports[{i}]");
        let udp = p.protocol.as_deref() == Some("udp");
        let base = p.name.as_deref().map_or_else(
            || format!("port_{}{}", p.target, if udp { "_udp" } else { "" }),
            port_label,
        );
        let host = match p.published.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match s.split_once('-') {
                Some((a, b)) => {
                    let first = a.parse::<u32>().ok();
                    notes.warn(
                        Severity::Warning,
                        &path,
                        format!(
                            "approximated for nomad: host port range {a}-{b} becomes the static port {a}"
                        ),
                    );
                    let _ = b;
                    first
                }
                None => s.parse::<u32>().ok(),
            },
        };
        let host_ip = p
            .host_ip
            .as_deref()
            .filter(|ip| !matches!(*ip, "" | "0.0.0.0" | "::"));
        let host_network = host_ip
            .filter(|ip| loopback(ip))
            .map(|_| LOOPBACK_NETWORK.to_string());
        if host_network.is_some() && host.is_some() {
            notes.warn(
                Severity::Info,
                &path,
                format!(
                    "published on the clients' loopback address only: host_network \"{LOOPBACK_NETWORK}\" needs client {{ host_network \"{LOOPBACK_NETWORK}\" {{ cidr = \"127.0.0.1/32\" }} }} on each client"
                ),
            );
        } else if let Some(ip) = host_ip {
            notes.warn(
                Severity::Warning,
                &path,
                format!(
                    "approximated for nomad: Nomad binds the port on the client's network, not on {ip}; define a host_network on the client to restrict it"
                ),
            );
        }
        if host.is_some() && replicas > 1 {
            notes.warn(
                Severity::Warning,
                &path,
                format!(
                    "static host port with {replicas} replicas: Nomad places at most one replica per client (no ingress routing mesh)"
                ),
            );
        }
        // Nomad maps a port label for TCP and UDP alike: the same mapping twice is one port.
        if let Some(h) = host
            && let Some(prev) = by_host.get(&h).and_then(|&j| out.get(j))
        {
            if prev.target != p.target {
                notes.warn(
                    Severity::Warning,
                    &path,
                    format!(
                        "dropped for nomad: host port {h} is already mapped to container port {}",
                        prev.target
                    ),
                );
            }
            continue;
        }
        let label = unique_in(&labels, base);
        labels.insert(label.clone());
        if let Some(h) = host {
            by_host.insert(h, out.len());
        }
        targets.insert(p.target);
        out.push(PortDef {
            label,
            host,
            target: p.target,
            from_ports: Some(i),
            host_network: host_network.filter(|_| host.is_some()),
        });
    }
    for (i, e) in svc.expose.iter().enumerate() {
        let (num, proto) = e.split_once('/').unwrap_or((e.as_str(), "tcp"));
        let (lo, hi) = match num.split_once('-') {
            Some((a, b)) => (a.parse::<u32>().ok(), b.parse::<u32>().ok()),
            None => (num.parse::<u32>().ok(), num.parse::<u32>().ok()),
        };
        let (Some(lo), Some(hi)) = (lo, hi) else {
            continue;
        };
        if hi < lo || hi - lo >= MAX_EXPOSE_RANGE {
            notes.warn(
                Severity::Warning,
                &format!("expose[{i}]"),
                format!("dropped for nomad: range {num} is too large to map port by port"),
            );
            continue;
        }
        for target in lo..=hi {
            if !targets.insert(target) {
                continue;
            }
            let base = format!(
                "expose_{target}{}",
                if proto == "udp" { "_udp" } else { "" }
            );
            let label = unique_in(&labels, base);
            labels.insert(label.clone());
            out.push(PortDef {
                label,
                host: None,
                target,
                from_ports: None,
                host_network: None,
            });
        }
    }
    out
}

/// The label of the port mapped to container port `target`, adding a dynamic one if none is.
pub fn label_for(ports: &mut Vec<PortDef>, target: u32) -> String {
    if let Some(p) = ports.iter().find(|p| p.target == target) {
        return p.label.clone();
    }
    let taken: HashSet<String> = ports.iter().map(|p| p.label.clone()).collect();
    let label = unique_in(&taken, format!("health_{target}"));
    ports.push(PortDef {
        label: label.clone(),
        host: None,
        target,
        from_ports: None,
        host_network: None,
    });
    label
}

/// `base`, or `base_N`, whichever no port of `ports` is labelled yet.
pub fn unique_label(ports: &[PortDef], base: String) -> String {
    let taken: HashSet<String> = ports.iter().map(|p| p.label.clone()).collect();
    unique_in(&taken, base)
}

/// A port label Nomad accepts (letters, digits, `_`).
pub fn port_label(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() { "port".into() } else { out }
}

/// `base`, or `base_N` with the first N not in `taken`.
fn unique_in(taken: &HashSet<String>, base: String) -> String {
    if !taken.contains(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|l| !taken.contains(l))
        .unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Port;

    fn svc(ports: Vec<Port>, expose: Vec<&str>) -> Service {
        Service {
            name: "web".into(),
            ports,
            expose: expose.into_iter().map(str::to_string).collect(),
            ..Service::default()
        }
    }

    fn port(target: u32, published: Option<&str>, proto: &str) -> Port {
        Port {
            target,
            published: published.map(str::to_string),
            protocol: Some(proto.into()),
            ..Port::default()
        }
    }

    #[test]
    fn published_ports_are_static_and_labels_unique() {
        let s = svc(
            vec![
                port(80, Some("8080"), "tcp"),
                port(80, Some("8081"), "tcp"),
                port(53, Some("53"), "udp"),
                port(53, Some("53"), "tcp"),
                port(9000, None, "tcp"),
            ],
            vec!["9000", "7000-7001"],
        );
        let mut n = Notes::new(&s);
        let p = ports(&s, 1, &mut n);
        let got: Vec<(&str, Option<u32>, u32)> = p
            .iter()
            .map(|p| (p.label.as_str(), p.host, p.target))
            .collect();
        assert_eq!(
            got,
            [
                ("port_80", Some(8080), 80),
                ("port_80_2", Some(8081), 80),
                ("port_53_udp", Some(53), 53),
                ("port_9000", None, 9000),
                ("expose_7000", None, 7000),
                ("expose_7001", None, 7001),
            ]
        );
        assert!(n.warnings.is_empty());
    }

    #[test]
    fn ranges_and_replicas_warn() {
        let s = svc(vec![port(80, Some("8000-8010"), "tcp")], vec![]);
        let mut n = Notes::new(&s);
        let p = ports(&s, 3, &mut n);
        assert_eq!(p.first().and_then(|p| p.host), Some(8000));
        assert_eq!(n.warnings.len(), 2);
    }
}
