//! Stateful replicas: a service whose replicas each own their data becomes N services
//! `<svc>-1..N`, each with one replica, a stable hostname, its own copy of every node-local
//! named volume (`<vol>-<i>`) and a placement constraint `node.labels.<label>.<i> == true`
//! that pins it to the node holding that copy (one label key per member, so one node can hold
//! several members, as compose ran them all on one host). What the original said per task is
//! said per member: `{{.Task.Slot}}` becomes `<i>` and `{{.Service.Name}}` the original
//! `<project>_<svc>` in environment, command, hostname, labels and volume names. Every member
//! answers to the original name (a network alias, so `<svc>` and `tasks.<svc>` list them
//! all); only member 1 publishes ports. A single member (`--stateful` on a one-replica
//! service) keeps its name, hostname and volumes and is only pinned.

use super::plan::{Op, node_var};
use super::stack::{StackPlacement, StackService, StackServiceNetwork, StackVolume};
use crate::backend::notes::Notes;
use crate::diag::Severity;
use std::collections::BTreeMap;

pub use crate::analysis::stateful::{Reason, marked, member_name, node_local, reason};

/// Node-local named volumes `s` mounts (sources of `type: volume` mounts that are declared
/// and whose data stays on one node).
pub fn named_volumes(s: &StackService, volumes: &BTreeMap<String, StackVolume>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in &s.volumes {
        if m.kind != "volume" {
            continue;
        }
        if let Some(src) = m
            .source
            .as_ref()
            .filter(|s| volumes.get(*s).is_some_and(stack_node_local) && !out.contains(*s))
        {
            out.push(src.clone());
        }
    }
    out
}

/// [`node_local`] for a stack volume.
pub fn stack_node_local(v: &StackVolume) -> bool {
    let m = crate::model::Volume {
        driver: v.driver.clone(),
        driver_opts: v.driver_opts.clone(),
        external: v.external == Some(true),
        ..crate::model::Volume::default()
    };
    node_local(&m)
}

/// `{{.Task.Slot}}` → `slot`, `{{.Service.Name}}` → `service` (with or without spaces
/// inside the braces, as Go templates allow).
pub fn substitute(text: &str, slot: i64, service: &str) -> String {
    let mut out = text.to_string();
    for (field, value) in [
        (".Task.Slot", slot.to_string()),
        (".Service.Name", service.to_string()),
    ] {
        for form in [format!("{{{{{field}}}}}"), format!("{{{{ {field} }}}}")] {
            out = out.replace(&form, &value);
        }
    }
    out
}

/// Whether a Swarm template is left in `text` after [`substitute`].
fn templated(text: &str) -> bool {
    text.contains("{{") && text.contains('.')
}

/// What one stateful group is: its name in the compose file, the stack's name (the project),
/// how many members and the label key they are pinned by.
pub struct Group<'a> {
    pub name: &'a str,
    pub project: &'a str,
    pub count: i64,
    /// Replicas of each member: 1, or 0 when the service was switched off.
    pub each: i64,
    pub label: &'a str,
}

impl Group<'_> {
    /// A single member keeps the service's name and volumes.
    fn single(&self) -> bool {
        self.count == 1
    }

    /// The label key pinning member `i`.
    pub fn key(&self, i: i64) -> String {
        if self.single() {
            self.label.to_string()
        } else {
            format!("{}.{i}", self.label)
        }
    }

    fn member(&self, i: i64) -> String {
        if self.single() {
            self.name.to_string()
        } else {
            member_name(self.name, i)
        }
    }
}

/// Members (name, service), the volume copies to add, and the plan's operations.
pub type Expanded = (
    Vec<(String, StackService)>,
    BTreeMap<String, StackVolume>,
    Vec<Op>,
);

/// The members of group `g`, the volumes to add (`<vol>-<i>`, copies of node-local volumes),
/// and the plan's operations (one pin per member, plus the labels its constraints need).
pub fn expand(
    g: &Group,
    s: &StackService,
    volumes: &BTreeMap<String, StackVolume>,
    notes: &mut Notes,
) -> Expanded {
    let mut members = Vec::new();
    let mut new_volumes = BTreeMap::new();
    let mut ops = Vec::new();
    let original = format!("{}_{}", g.project, g.name);
    let user_labels: Vec<(String, String)> = s
        .deploy
        .as_ref()
        .and_then(|d| d.placement.as_ref())
        .map(|p| {
            p.constraints
                .iter()
                .filter_map(|c| label_constraint(c))
                .collect()
        })
        .unwrap_or_default();
    let mut left = false;
    for i in 1..=g.count.max(1) {
        let mut m = s.clone();
        let member = g.member(i);
        let sub = |t: &str| substitute(t, i, &original);
        for v in m.environment.values_mut().flatten() {
            *v = sub(v);
        }
        for list in [&mut m.command, &mut m.entrypoint].into_iter().flatten() {
            list.iter_mut().for_each(|a| *a = sub(a));
        }
        for v in m.labels.values_mut() {
            *v = sub(v);
        }
        if let Some(d) = m.deploy.as_mut() {
            d.labels.values_mut().for_each(|v| *v = sub(v));
        }
        m.hostname = match &s.hostname {
            Some(h) => Some(sub(h)),
            None if g.single() => None,
            None => Some(member.clone()),
        };
        if !g.single() {
            for mount in &mut m.volumes {
                let Some(src) = mount.source.clone() else {
                    continue;
                };
                let Some(vol) = volumes
                    .get(&src)
                    .filter(|v| mount.kind == "volume" && stack_node_local(v))
                else {
                    continue;
                };
                let copy_name = member_name(&src, i);
                let mut copy = vol.clone();
                copy.name = vol.name.as_ref().map(|n| {
                    // A templated name is the per-slot name an existing stack already uses.
                    if n.contains("{{") {
                        sub(n)
                    } else {
                        member_name(n, i)
                    }
                });
                new_volumes.insert(copy_name.clone(), copy);
                mount.source = Some(copy_name);
            }
            if i > 1 && !m.ports.is_empty() {
                m.ports.clear();
                if i == 2 {
                    notes.warn(
                        Severity::Warning,
                        "ports",
                        format!("published by {} only: Swarm refuses a second service on the same published port; the other members are reachable over the stack's networks", g.member(1)),
                    );
                }
            }
        }
        let deploy = m.deploy.get_or_insert_with(Default::default);
        deploy.mode = None;
        deploy.replicas = Some(g.each);
        if let Some(u) = deploy
            .update_config
            .as_mut()
            .filter(|u| u.order.as_deref() == Some("start-first"))
        {
            u.order = Some("stop-first".into());
            if i == 1 {
                notes.warn(
                    Severity::Warning,
                    "deploy.update_config.order",
                    "stop-first for stateful members: start-first would run two processes on one volume during an update".into(),
                );
            }
        }
        let placement = deploy.placement.get_or_insert_with(StackPlacement::default);
        let key = g.key(i);
        placement
            .constraints
            .push(format!("node.labels.{key} == true"));
        placement.max_replicas_per_node = None;
        let var = node_var(&key);
        ops.push(Op::Pin {
            key,
            var: var.clone(),
            what: member.clone(),
        });
        for (k, v) in &user_labels {
            ops.push(Op::Label {
                key: k.clone(),
                value: v.clone(),
                var: var.clone(),
            });
        }
        // Clients of the original name reach every member, as they reached every replica.
        let mut aliases = vec![g.name.to_string()];
        if let Some(h) = m.hostname.clone().filter(|h| *h != member && h != g.name) {
            aliases.push(h);
        }
        if !g.single() {
            for net in m.networks.values_mut() {
                let n = net.get_or_insert_with(StackServiceNetwork::default);
                for (at, a) in aliases.iter().enumerate() {
                    if !n.aliases.contains(a) {
                        n.aliases.insert(at.min(n.aliases.len()), a.clone());
                    }
                }
            }
        }
        let mut texts: Vec<&String> = m.environment.values().flatten().collect();
        texts.extend(m.command.iter().flatten());
        texts.extend(m.hostname.iter());
        texts.extend(m.labels.values());
        left |= texts.iter().any(|t| templated(t));
        members.push((member, m));
    }
    if left {
        notes.warn(
            Severity::Warning,
            "environment",
            "a Swarm template other than {{.Task.Slot}} and {{.Service.Name}} is left in a member: it is expanded per member service, where .Task.* and .Service.* differ from the original's".into(),
        );
    }
    if !g.single() && texts_use_service_name(s) {
        notes.warn(
            Severity::Info,
            "environment",
            format!(
                "{{{{.Service.Name}}}} written as {original}: the stack must be deployed as {}",
                g.project
            ),
        );
    }
    (members, new_volumes, ops)
}

fn texts_use_service_name(s: &StackService) -> bool {
    let has = |t: &String| t.contains(".Service.Name");
    s.environment.values().flatten().any(has)
        || s.command.iter().flatten().any(has)
        || s.labels.values().any(has)
        || s.hostname.iter().any(has)
}

/// `node.labels.KEY == VALUE` → (KEY, VALUE).
pub fn label_constraint(c: &str) -> Option<(String, String)> {
    let (k, v) = c.split_once("==")?;
    let k = k.trim().strip_prefix("node.labels.")?;
    let v = v.trim();
    (!k.is_empty() && !v.is_empty() && !k.contains('!')).then(|| (k.to_string(), v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::swarm::stack::StackMount;
    use crate::model::Service;

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

    fn group(count: i64) -> Group<'static> {
        Group {
            name: "db",
            project: "p",
            count,
            each: 1,
            label: "p.db",
        }
    }

    fn local() -> BTreeMap<String, StackVolume> {
        let mut vols = BTreeMap::new();
        vols.insert("data".to_string(), StackVolume::default());
        vols
    }

    #[test]
    fn members_get_hostname_volume_constraint_and_alias() {
        let svc = Service::default();
        let mut n = Notes::new(&svc);
        let (members, new_vols, ops) = expand(&group(3), &db(), &local(), &mut n);
        assert_eq!(members.len(), 3);
        let (n2, m2) = &members[1];
        assert_eq!(n2, "db-2");
        assert_eq!(m2.hostname.as_deref(), Some("db-2"));
        assert_eq!(m2.volumes[0].source.as_deref(), Some("data-2"));
        let d = m2.deploy.clone().unwrap_or_default();
        assert_eq!(d.replicas, Some(1));
        assert_eq!(
            d.placement.unwrap_or_default().constraints,
            vec!["node.labels.p.db.2 == true"]
        );
        for (_, m) in &members {
            assert_eq!(
                m.networks["default"].as_ref().map(|n| n.aliases.clone()),
                Some(vec!["db".to_string()])
            );
        }
        assert_eq!(
            new_vols.keys().collect::<Vec<_>>(),
            ["data-1", "data-2", "data-3"]
        );
        assert_eq!(ops.len(), 3);
    }

    #[test]
    fn templates_are_resolved_per_member() {
        let mut s = db();
        s.hostname = Some("zoo{{.Task.Slot}}".into());
        s.environment
            .insert("ZOO_MY_ID".into(), Some("{{ .Task.Slot }}".into()));
        s.environment
            .insert("CLUSTER".into(), Some("{{.Service.Name}}".into()));
        let mut vols = local();
        vols.insert(
            "data".into(),
            StackVolume {
                name: Some("zk-{{.Task.Slot}}".into()),
                ..StackVolume::default()
            },
        );
        let svc = Service::default();
        let mut n = Notes::new(&svc);
        let (members, new_vols, _) = expand(&group(3), &s, &vols, &mut n);
        let m3 = &members[2].1;
        assert_eq!(m3.hostname.as_deref(), Some("zoo3"));
        assert_eq!(m3.environment["ZOO_MY_ID"].as_deref(), Some("3"));
        assert_eq!(m3.environment["CLUSTER"].as_deref(), Some("p_db"));
        assert_eq!(new_vols["data-3"].name.as_deref(), Some("zk-3"));
        assert_eq!(
            m3.networks["default"].as_ref().map(|n| n.aliases.clone()),
            Some(vec!["db".to_string(), "zoo3".to_string()])
        );
    }

    #[test]
    fn a_single_member_keeps_its_names() {
        let mut s = db();
        s.hostname = Some("keeper1".into());
        let svc = Service::default();
        let mut n = Notes::new(&svc);
        let (members, new_vols, _) = expand(&group(1), &s, &local(), &mut n);
        assert_eq!(members[0].0, "db");
        assert_eq!(members[0].1.hostname.as_deref(), Some("keeper1"));
        assert_eq!(members[0].1.volumes[0].source.as_deref(), Some("data"));
        assert!(new_vols.is_empty());
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
        let svc = Service::default();
        let mut n = Notes::new(&svc);
        let (members, new_vols, _) = expand(&group(2), &db(), &vols, &mut n);
        assert!(new_vols.is_empty());
        assert_eq!(members[1].1.volumes[0].source.as_deref(), Some("data"));
    }

    #[test]
    fn label_constraints_are_read() {
        assert_eq!(
            label_constraint("node.labels.mongo == true"),
            Some(("mongo".into(), "true".into()))
        );
        assert_eq!(label_constraint("node.role == manager"), None);
        assert_eq!(label_constraint("node.labels.a != b"), None);
    }
}
