//! The container ports a service listens on: the targets of `ports`, `expose`, the port an
//! HTTP healthcheck probes; when the file declares none, the default port of a well-known
//! image ([`WELL_KNOWN`]), since a database service usually declares nothing and is still
//! reached on its port.

use super::probe::{Probe, probe};
use crate::model::{Project, Service};
use std::collections::BTreeMap;

/// Most ports one `expose` range contributes.
const MAX_RANGE: u32 = 100;

/// Default ports of well-known images, by the image's last path component (no tag). The
/// port the image's own documentation names as the one clients dial.
pub const WELL_KNOWN: &[(&str, u32)] = &[
    ("cassandra", 9042),
    ("clickhouse-server", 9000),
    ("consul", 8500),
    ("couchdb", 5984),
    ("cp-kafka", 9092),
    ("cp-zookeeper", 2181),
    ("elasticsearch", 9200),
    ("etcd", 2379),
    ("grafana", 3000),
    ("httpd", 80),
    ("influxdb", 8086),
    ("kafka", 9092),
    ("keydb", 6379),
    ("mariadb", 3306),
    ("memcached", 11211),
    ("minio", 9000),
    ("mongo", 27017),
    ("mongodb", 27017),
    ("mssql-server", 1433),
    ("mysql", 3306),
    ("nats", 4222),
    ("neo4j", 7687),
    ("nginx", 80),
    ("opensearch", 9200),
    ("percona", 3306),
    ("postgis", 5432),
    ("postgres", 5432),
    ("postgresql", 5432),
    ("prometheus", 9090),
    ("rabbitmq", 5672),
    ("redis", 6379),
    ("server", 1433),
    ("timescaledb", 5432),
    ("valkey", 6379),
    ("vault", 8200),
    ("zookeeper", 2181),
];

/// The repository name of an image reference: `docker.io/library/postgres:16@sha256:…` →
/// `postgres`.
pub fn image_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last)
}

/// The well-known port of `image`, if it is in [`WELL_KNOWN`]. `server` is only Microsoft's
/// SQL Server image (`mcr.microsoft.com/mssql/server`).
pub fn well_known_port(image: &str) -> Option<u32> {
    let name = image_name(image).to_ascii_lowercase();
    if name == "server" && !image.contains("mssql") {
        return None;
    }
    let i = WELL_KNOWN
        .binary_search_by(|(n, _)| n.cmp(&name.as_str()))
        .ok()?;
    WELL_KNOWN.get(i).map(|(_, p)| *p)
}

/// The ports `svc` declares: `ports` targets, `expose` entries, an HTTP probe's port.
pub fn declared(svc: &Service) -> Vec<u32> {
    let mut out: Vec<u32> = svc
        .ports
        .iter()
        .map(|p| p.target)
        .filter(|p| *p > 0)
        .collect();
    for e in &svc.expose {
        let num = e.split('/').next().unwrap_or(e);
        let (lo, hi) = num.split_once('-').unwrap_or((num, num));
        if let (Ok(lo), Ok(hi)) = (lo.parse::<u32>(), hi.parse::<u32>())
            && lo <= hi
            && hi - lo < MAX_RANGE
        {
            out.extend(lo..=hi);
        }
    }
    if let Some(Probe::Http { port, .. }) = svc.healthcheck.as_ref().and_then(probe) {
        out.push(port);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The ports `svc` listens on: what it declares, else its image's well-known port.
pub fn of(svc: &Service) -> Vec<u32> {
    let d = declared(svc);
    if !d.is_empty() {
        return d;
    }
    svc.image
        .as_deref()
        .and_then(well_known_port)
        .into_iter()
        .collect()
}

/// [`of`] for every service.
pub fn all(project: &Project) -> BTreeMap<String, Vec<u32>> {
    project
        .services
        .iter()
        .map(|(n, s)| (n.clone(), of(s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Port;

    #[test]
    fn the_table_is_sorted_for_binary_search() {
        assert!(
            WELL_KNOWN
                .windows(2)
                .all(|w| matches!(w, [a, b] if a.0 < b.0))
        );
    }

    #[test]
    fn image_names_and_well_known_ports() {
        assert_eq!(
            image_name("docker.io/library/postgres:16@sha256:ab"),
            "postgres"
        );
        assert_eq!(image_name("bitnami/redis"), "redis");
        assert_eq!(image_name("localhost:5000/app"), "app");
        assert_eq!(well_known_port("postgres:16-alpine"), Some(5432));
        assert_eq!(
            well_known_port("mcr.microsoft.com/mssql/server:2022"),
            Some(1433)
        );
        assert_eq!(well_known_port("example/server"), None);
        assert_eq!(well_known_port("example/api:1"), None);
    }

    #[test]
    fn declared_ports_win_over_the_image_default() {
        let svc = Service {
            image: Some("redis:7".into()),
            ports: vec![Port {
                target: 6380,
                ..Port::default()
            }],
            expose: vec!["9121".into(), "7000-7001/udp".into()],
            ..Service::default()
        };
        assert_eq!(of(&svc), [6380, 7000, 7001, 9121]);
        let bare = Service {
            image: Some("redis:7".into()),
            ..Service::default()
        };
        assert_eq!(of(&bare), [6379]);
    }
}
