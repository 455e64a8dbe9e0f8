//! Services that share a named volume run in one group. Compose gives a named volume one
//! host, so two services mounting it see the same files (a Postgres unix socket and its
//! PgBouncer, an app and its worker on one uploads directory). In separate groups each client
//! would have its own copy of a host volume, and a single-node-writer CSI volume admits one
//! allocation (volume capability docs), so the services go in one group: one allocation, one
//! volume claim. Only where one group can hold them: the service job, no `x-nomad.group`
//! chosen already, one count, no container port two of them listen on; otherwise the split
//! is warned about (see `split_volumes`).

use super::{JobType, label, service_ext};
use crate::analysis::Analysis;
use crate::model::Project;
use std::collections::{BTreeMap, BTreeSet};

/// Service → the group it shares with the services whose volumes it shares.
pub fn volume_groups(project: &Project, analysis: &Analysis) -> BTreeMap<String, String> {
    let candidate = |name: &str| {
        project.services.get(name).is_some_and(|svc| {
            matches!(super::job_type(svc), None | Some(JobType::Service))
                && service_ext(svc, "group").is_none()
                && !analysis.one_shots.contains_key(name)
        })
    };
    // Clusters: services joined by any shared volume, transitively.
    let mut clusters: Vec<BTreeSet<String>> = Vec::new();
    for users in analysis.shared_volumes.values() {
        let users: BTreeSet<String> = users.iter().filter(|u| candidate(u)).cloned().collect();
        if users.len() < 2 {
            continue;
        }
        let (joined, rest): (Vec<_>, Vec<_>) =
            clusters.into_iter().partition(|c| !c.is_disjoint(&users));
        let mut merged = users;
        for c in joined {
            merged.extend(c);
        }
        clusters = rest;
        clusters.push(merged);
    }
    let mut out = BTreeMap::new();
    for cluster in clusters {
        if !fits_one_group(project, analysis, &cluster) {
            continue;
        }
        let Some(first) = cluster.iter().next() else {
            continue;
        };
        let group = label(first);
        for s in &cluster {
            out.insert(s.clone(), group.clone());
        }
    }
    out
}

/// One count and no container port listened on twice.
fn fits_one_group(project: &Project, analysis: &Analysis, cluster: &BTreeSet<String>) -> bool {
    let counts: BTreeSet<i64> = cluster
        .iter()
        .filter_map(|s| project.services.get(s).map(|svc| svc.replicas()))
        .collect();
    if counts.len() > 1 {
        return false;
    }
    let mut seen = BTreeSet::new();
    cluster
        .iter()
        .flat_map(|s| analysis.listens.get(s).into_iter().flatten())
        .all(|p| seen.insert(*p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Service, ServiceVolume, Volume};

    fn mounting(image: &str, vol: &str) -> Service {
        Service {
            image: Some(image.into()),
            volumes: vec![ServiceVolume {
                kind: Some("volume".into()),
                source: Some(vol.into()),
                target: Some("/v".into()),
                ..ServiceVolume::default()
            }],
            ..Service::default()
        }
    }

    #[test]
    fn sharers_go_together_unless_they_clash_on_a_port() {
        let mut p = Project::default();
        p.volumes.insert("sock".into(), Volume::default());
        p.volumes.insert("web".into(), Volume::default());
        p.services
            .insert("db".into(), Box::new(mounting("postgres", "sock")));
        p.services.insert(
            "pgbouncer".into(),
            Box::new(mounting("edoburu/pgbouncer", "sock")),
        );
        p.services
            .insert("a".into(), Box::new(mounting("nginx", "web")));
        p.services
            .insert("b".into(), Box::new(mounting("nginx", "web")));
        let a = crate::analysis::analyse(&p);
        let g = volume_groups(&p, &a);
        assert_eq!(g.get("db").map(String::as_str), Some("db"));
        assert_eq!(g.get("pgbouncer").map(String::as_str), Some("db"));
        // Both nginx listen on 80: one namespace cannot hold them.
        assert!(!g.contains_key("a") && !g.contains_key("b"));
    }
}
