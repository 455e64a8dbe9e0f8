//! TS415: a port published on every host interface (databases are TS408's).

use super::database_port_on_all_interfaces::{
    by_entry, database_ports, on_all_interfaces, random_host_port, span_of, subject,
};
use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS415",
    name: "port-on-all-interfaces",
    category: Category::Security,
    severity: Severity::Info,
    opt_in: false,
    summary: "a port is published on 0.0.0.0, reachable from every network the host is on",
    docs: r#"`ports: ["8080:80"]` and container-only entries (`"9200"`, which get a random host
port) publish on every interface of the host, and Docker's iptables rules bypass host
firewalls such as ufw. That is right for a public web server, and wrong for an admin UI,
a metrics endpoint or a development database that only this host should reach. Ports that
TS408 (database-port-on-all-interfaces) reports are not reported again here.

## Why
Services meant to be internal end up on the internet, usually without authentication.

## Fix
Bind ports that only this host needs to loopback, `"127.0.0.1:8080:80"`, or to the one
interface meant to serve them; for public ports, suppress the finding with a reason (or
turn the rule off in `.transship.toml`).

## Example
```yaml
services:
  admin:
    image: example/admin-ui:1.0
    ports:
      - "8081:80"
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        let databases: Vec<usize> = database_ports(cx, s).into_iter().map(|(i, _)| i).collect();
        let open = s
            .ports
            .iter()
            .enumerate()
            .filter(|(i, p)| !databases.contains(i) && on_all_interfaces(s, p))
            .collect();
        for (i, group) in by_entry(s, open) {
            let hosts = group
                .iter()
                .filter_map(|p| p.published.as_deref()?.parse::<u32>().ok());
            let host = if group.iter().all(|p| random_host_port(p)) {
                "on a random host port".to_string()
            } else {
                match span_of(hosts) {
                    Some((lo, hi)) if lo == hi => format!("as host port {lo}"),
                    Some((lo, hi)) => format!("as host ports {lo}-{hi}"),
                    None => "as a host port".to_string(),
                }
            };
            out.push(
                Hit::value(
                    s,
                    &format!("ports[{i}]"),
                    format!(
                        "{} published {host} on all interfaces",
                        subject(&group, &s.name)
                    ),
                )
                .help("bind it to 127.0.0.1 (or one interface) unless it must be public"),
            );
        }
    }
    out
}
