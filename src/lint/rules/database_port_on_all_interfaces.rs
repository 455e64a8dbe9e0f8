//! TS408: a database port published on every host interface.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, image_repo_name};
use crate::lint::{Category, RuleMeta};
use crate::model::{Port, Service};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    id: "TS408",
    name: "database-port-on-all-interfaces",
    category: Category::Security,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a database port is published on 0.0.0.0, reachable from every network the host is on",
    docs: r#"`ports: ["5432:5432"]` publishes on every interface of the host, and Docker's iptables
rules bypass host firewalls such as ufw. Databases, caches and search engines exposed this
way are found by internet scanners within hours, and many ship without authentication.

A service is taken as a database by its image (`postgres`, `redis`, `kafka`, ...), by a
healthcheck only a database answers (`pg_isready`, `mysqladmin ping`, `redis-cli ping`,
...), or by a well-known container port (5432, 6379, 9092, ...). Container-only entries
(`"6379"`) count too: Docker publishes them on a random port of every interface. More
images and ports can be configured:

```toml
[lint.options.database-port-on-all-interfaces]
ports = [4222]
images = ["registry-db"]
```

## Why
Data theft and ransom: exposed Redis, MongoDB and Elasticsearch instances are routinely
wiped.

## Fix
Do not publish the port (services reach it over the compose network by name), or bind it
to loopback: `"127.0.0.1:5432:5432"`.

## Example
```yaml
services:
  db:
    image: postgres:16
    ports:
      - "5432:5432"
```
"#,
};

const DB_PORTS: &[u32] = &[
    1433, 1521, 2181, 2379, 3306, 5432, 5672, 5984, 6379, 7687, 8086, 9042, 9092, 9200, 9300,
    11211, 26257, 27017,
];
const DB_IMAGES: &[&str] = &[
    "postgres",
    "postgis",
    "mysql",
    "mariadb",
    "mongo",
    "mongodb",
    "redis",
    "valkey",
    "elasticsearch",
    "opensearch",
    "couchdb",
    "memcached",
    "cassandra",
    "mssql-server",
    "influxdb",
    "neo4j",
    "cockroach",
    "etcd",
    "timescaledb",
    "clickhouse-server",
    "kafka",
    "cp-kafka",
    "zookeeper",
    "cp-zookeeper",
    "rabbitmq",
];
/// Healthcheck commands only a database answers.
const DB_PROBES: &[&str] = &[
    "pg_isready",
    "mysqladmin ping",
    "mariadb-admin ping",
    "healthcheck.sh --connect",
    "redis-cli ping",
    "redis-cli -h",
    "valkey-cli ping",
    "mongosh",
    "mongo --eval",
    "cqlsh",
    "cypher-shell",
    "rabbitmq-diagnostics",
];

/// Whether the service is a database: its image, its healthcheck, or a configured image.
fn is_database(cx: &Ctx, s: &Service) -> bool {
    let by_image = s.image.as_deref().is_some_and(|i| {
        let repo = image_repo_name(i);
        DB_IMAGES.contains(&repo) || cx.options.databases.images.iter().any(|x| x == repo)
    });
    let by_probe = s.healthcheck.as_ref().is_some_and(|h| {
        let test = h.test.join(" ");
        DB_PROBES.iter().any(|p| test.contains(p))
    });
    by_image || by_probe
}

/// A port that Docker publishes on every host interface: an explicit `HOST:CONTAINER`
/// without an address, or a container-only entry (`"6379"`), which gets a random host port.
pub fn on_all_interfaces(s: &Service, p: &Port) -> bool {
    let host_network = s.network_mode.as_deref() == Some("host");
    !host_network
        && p.target != 0
        && matches!(
            p.host_ip.as_deref().unwrap_or(""),
            "" | "0.0.0.0" | "::" | "[::]"
        )
}

/// The ports of `s` this rule reports (also what TS415 leaves to it).
pub fn database_ports<'s>(cx: &Ctx, s: &'s Service) -> Vec<(usize, &'s Port)> {
    let db = is_database(cx, s);
    s.ports
        .iter()
        .enumerate()
        .filter(|(_, p)| on_all_interfaces(s, p))
        .filter(|(_, p)| {
            db || DB_PORTS.contains(&p.target) || cx.options.databases.ports.contains(&p.target)
        })
        .collect()
}

/// Ports grouped by the entry that wrote them (a range such as `"20000-20050:20000-20050"`
/// is one entry but many ports), each group with the index of its first port.
pub fn by_entry<'p>(s: &Service, ports: Vec<(usize, &'p Port)>) -> Vec<(usize, Vec<&'p Port>)> {
    let mut groups: Vec<(usize, Option<Span>, Vec<&Port>)> = Vec::new();
    for (i, p) in ports {
        let span = s.provenance.span(&format!("ports[{i}]"));
        match groups.last_mut() {
            Some((_, last, group)) if span.is_some() && *last == span => group.push(p),
            _ => groups.push((i, span, vec![p])),
        }
    }
    groups.into_iter().map(|(i, _, g)| (i, g)).collect()
}

/// `port 5432 of `db` is` or `ports 20000-20050 of `sip` are`.
pub fn subject(ports: &[&Port], service: &str) -> String {
    match span_of(ports.iter().map(|p| p.target)) {
        Some((lo, hi)) if lo != hi => format!("ports {lo}-{hi} of `{service}` are"),
        _ => format!(
            "port {} of `{service}` is",
            ports.first().map_or(0, |p| p.target)
        ),
    }
}

/// The lowest and highest of some numbers.
pub fn span_of(ns: impl Iterator<Item = u32> + Clone) -> Option<(u32, u32)> {
    Some((ns.clone().min()?, ns.max()?))
}

/// No host port, or 0: Docker picks a free one.
pub fn random_host_port(p: &Port) -> bool {
    p.published
        .as_deref()
        .is_none_or(|h| h.is_empty() || h == "0")
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (i, group) in by_entry(s, database_ports(cx, s)) {
            let how = if group.iter().all(|p| random_host_port(p)) {
                "on a random host port on all interfaces"
            } else {
                "on all interfaces"
            };
            out.push(
                Hit::value(
                    s,
                    &format!("ports[{i}]"),
                    format!("database {} published {how}", subject(&group, &s.name)),
                )
                .help("drop the published port, or bind it to 127.0.0.1"),
            );
        }
    }
    out
}
