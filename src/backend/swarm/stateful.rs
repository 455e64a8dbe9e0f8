//! Stateful replicas: a service whose replicas each own their data becomes N services
//! `<svc>-1..N`, each with one replica, a stable hostname, its own copy of every named volume
//! (`<vol>-<i>`) and a placement constraint `node.labels.<label> == <i>` that pins it to the
//! node holding that volume. Member 1 also answers to the original name (a network alias), so
//! clients that used `<svc>` keep working. The operator labels the nodes with the plan's
//! `docker node update --label-add` lines.

use super::resources::shell_quote;
use super::stack::{StackPlacement, StackService, StackServiceNetwork, StackVolume};
use std::collections::BTreeMap;

pub use crate::analysis::stateful::{Reason, marked, member_name, reason};

/// Local named volumes `s` mounts (sources of `type: volume` mounts that are declared).
pub fn named_volumes(s: &StackService, volumes: &BTreeMap<String, StackVolume>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for m in &s.volumes {
        if m.kind != "volume" {
            continue;
        }
        if let Some(src) = m
            .source
            .as_ref()
            .filter(|s| volumes.contains_key(*s) && seen.insert(s.as_str()))
        {
            out.push(src.clone());
        }
    }
    out
}

/// The members of `name`, and the volumes to add (`<vol>-<i>`, copies of local volumes).
/// External volumes cannot be copied: members share them (the caller warns).
pub fn expand(
    name: &str,
    s: &StackService,
    count: i64,
    label: &str,
    volumes: &BTreeMap<String, StackVolume>,
) -> (Vec<(String, StackService)>, BTreeMap<String, StackVolume>) {
    let mut members = Vec::new();
    let mut new_volumes = BTreeMap::new();
    for i in 1..=count.max(1) {
        let mut m = s.clone();
        let member = member_name(name, i);
        m.hostname = Some(member.clone());
        for mount in &mut m.volumes {
            let Some(src) = mount.source.clone() else {
                continue;
            };
            let Some(vol) = volumes
                .get(&src)
                .filter(|v| mount.kind == "volume" && v.external != Some(true))
            else {
                continue;
            };
            let copy_name = member_name(&src, i);
            let mut copy = vol.clone();
            copy.name = vol.name.as_ref().map(|n| member_name(n, i));
            new_volumes.insert(copy_name.clone(), copy);
            mount.source = Some(copy_name);
        }
        let deploy = m.deploy.get_or_insert_with(Default::default);
        deploy.mode = None;
        deploy.replicas = Some(1);
        let placement = deploy.placement.get_or_insert_with(StackPlacement::default);
        placement
            .constraints
            .push(format!("node.labels.{label} == {i}"));
        placement.max_replicas_per_node = None;
        if i == 1 {
            for net in m.networks.values_mut() {
                let n = net.get_or_insert_with(StackServiceNetwork::default);
                if !n.aliases.iter().any(|a| a == name) {
                    n.aliases.insert(0, name.to_string());
                }
            }
        }
        members.push((member, m));
    }
    (members, new_volumes)
}

/// The node-labelling plan: one `docker node update` per member, the node chosen through an
/// environment variable so the script stops rather than labelling the wrong node.
pub fn plan_lines(svc: &str, count: i64, label: &str) -> Vec<String> {
    (1..=count.max(1))
        .map(|i| {
            let member = member_name(svc, i);
            let var: String = format!("NODE_{member}")
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            format!(
                "docker node update --label-add {} \"${{{var}:?node for {member}}}\"",
                shell_quote(&format!("{label}={i}"))
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::swarm::stack::StackMount;

    fn db() -> StackService {
        let mut s = StackService {
            image: "mongo:7".into(),
            ..StackService::default()
        };
        s.volumes.push(StackMount {
            kind: "volume".into(),
            source: Some("data".into()),
            target: "/data/db".into(),
            ..StackMount::default()
        });
        s.networks.insert("default".into(), None);
        s
    }

    #[test]
    fn members_get_hostname_volume_constraint_and_alias() {
        let mut vols = BTreeMap::new();
        vols.insert(
            "data".to_string(),
            StackVolume {
                driver: Some("local".into()),
                ..StackVolume::default()
            },
        );
        let (members, new_vols) = expand("db", &db(), 3, "p.db", &vols);
        assert_eq!(members.len(), 3);
        let (n2, m2) = &members[1];
        assert_eq!(n2, "db-2");
        assert_eq!(m2.hostname.as_deref(), Some("db-2"));
        assert_eq!(m2.volumes[0].source.as_deref(), Some("data-2"));
        let d = m2.deploy.clone().unwrap_or_default();
        assert_eq!(d.replicas, Some(1));
        assert_eq!(
            d.placement.unwrap_or_default().constraints,
            vec!["node.labels.p.db == 2"]
        );
        assert_eq!(m2.networks["default"], None);
        assert_eq!(
            members[0].1.networks["default"]
                .as_ref()
                .map(|n| n.aliases.clone()),
            Some(vec!["db".to_string()])
        );
        assert_eq!(
            new_vols.keys().collect::<Vec<_>>(),
            ["data-1", "data-2", "data-3"]
        );
        assert_eq!(new_vols["data-3"].driver.as_deref(), Some("local"));
    }

    #[test]
    fn external_volumes_are_shared() {
        let mut vols = BTreeMap::new();
        vols.insert(
            "data".to_string(),
            StackVolume {
                external: Some(true),
                ..StackVolume::default()
            },
        );
        let (members, new_vols) = expand("db", &db(), 2, "l", &vols);
        assert!(new_vols.is_empty());
        assert_eq!(members[1].1.volumes[0].source.as_deref(), Some("data"));
    }

    #[test]
    fn plan_has_one_line_per_member() {
        let lines = plan_lines("pg-db", 2, "shop.pg-db");
        assert_eq!(
            lines[1],
            "docker node update --label-add shop.pg-db=2 \"${NODE_PG_DB_2:?node for pg-db-2}\""
        );
    }
}
