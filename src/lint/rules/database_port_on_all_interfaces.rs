//! TS408: a database port published on every host interface.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, image_repo_name};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS408",
    name: "database-port-on-all-interfaces",
    category: Category::Security,
    severity: Severity::Warning,
    summary: "a database port is published on 0.0.0.0, reachable from every network the host is on",
    docs: r#"`ports: ["5432:5432"]` publishes on every interface of the host, and Docker's iptables
rules bypass host firewalls such as ufw. Databases, caches and search engines exposed this
way are found by internet scanners within hours, and many ship without authentication.

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
    1433, 1521, 2379, 3306, 5432, 5984, 6379, 7687, 8086, 9042, 9200, 9300, 11211, 26257, 27017,
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
];

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        let db_image = s
            .image
            .as_deref()
            .is_some_and(|i| DB_IMAGES.contains(&image_repo_name(i)));
        for (i, p) in s.ports.iter().enumerate() {
            if p.published.as_deref().is_none_or(str::is_empty) {
                continue;
            }
            let all = matches!(
                p.host_ip.as_deref().unwrap_or(""),
                "" | "0.0.0.0" | "::" | "[::]"
            );
            if all && (db_image || DB_PORTS.contains(&p.target)) {
                out.push(
                    Hit::value(
                        s,
                        &format!("ports[{i}]"),
                        format!(
                            "database port {} of `{}` is published on all interfaces",
                            p.target, s.name
                        ),
                    )
                    .help("drop the published port, or bind it to 127.0.0.1"),
                );
            }
        }
    }
    out
}
