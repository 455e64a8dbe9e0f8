//! Named volumes that several services mount: compose gives them one volume on one host, so
//! a target that may place those services apart splits (or fails to share) their data.

use crate::model::Project;
use std::collections::BTreeMap;

/// Volume name (the key under `volumes:`) → the services that mount it, for every named
/// volume mounted by two or more services.
pub fn shared(project: &Project) -> BTreeMap<String, Vec<String>> {
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, svc) in &project.services {
        for v in &svc.volumes {
            if v.kind.as_deref() != Some("volume") {
                continue;
            }
            let Some(src) = v
                .source
                .as_deref()
                .filter(|s| project.volumes.contains_key(*s))
            else {
                continue;
            };
            let list = users.entry(src.to_string()).or_default();
            if !list.contains(name) {
                list.push(name.clone());
            }
        }
    }
    users.retain(|_, v| v.len() > 1);
    users
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Service, ServiceVolume, Volume};

    fn mount(src: &str) -> ServiceVolume {
        ServiceVolume {
            kind: Some("volume".into()),
            source: Some(src.into()),
            target: Some("/x".into()),
            ..ServiceVolume::default()
        }
    }

    #[test]
    fn only_volumes_mounted_by_two_services_are_shared() {
        let mut p = Project::default();
        p.volumes.insert("sock".into(), Volume::default());
        p.volumes.insert("data".into(), Volume::default());
        for (n, vols) in [("db", vec!["sock", "data"]), ("pgbouncer", vec!["sock"])] {
            p.services.insert(
                n.into(),
                Box::new(Service {
                    volumes: vols.into_iter().map(mount).collect(),
                    ..Service::default()
                }),
            );
        }
        let s = shared(&p);
        assert_eq!(s.len(), 1);
        assert_eq!(
            s.get("sock"),
            Some(&vec!["db".to_string(), "pgbouncer".to_string()])
        );
    }
}
