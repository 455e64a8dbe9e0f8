//! Stateful services: replicas that each own their data (a MongoDB replica set, a Postgres
//! cluster, a ZooKeeper ensemble) and so need one identity each, a stable name, their own
//! volume and their own node. Said with `--stateful SERVICE` or `x-transship: {stateful:
//! true}`; inferred when a replicated service mounts a named volume whose data stays on one
//! node (`stateful: false` turns the inference off). Never inferred for a job
//! (`replicated-job`, `global-job`: its tasks run to completion, they hold no identity), for
//! `replicas: 0` (a service switched off), or for volumes that follow the task (see
//! [`node_local`]).

use crate::model::{Service, Volume};

/// `driver_opts.type` values of the `local` driver that mount a network file system: every
/// node mounts the same export, so the data follows the task.
const NETWORK_FS: &[&str] = &["nfs", "nfs4", "cifs", "smb", "smb3", "glusterfs", "ceph"];

/// Whether a volume's data lives on the node that created it: the `local` driver (or none)
/// without a network file system in `driver_opts`. Other drivers (rexray/ebs, a cluster
/// volume plugin, ...) and external volumes are managed outside the project: their data is
/// assumed to follow the task.
pub fn node_local(v: &Volume) -> bool {
    if v.external {
        return false;
    }
    let local = v
        .driver
        .as_deref()
        .is_none_or(|d| d.is_empty() || d == "local");
    let fs = v.driver_opts.get("type").map(|t| t.to_ascii_lowercase());
    local && !fs.is_some_and(|t| NETWORK_FS.contains(&t.as_str()))
}

/// Whether the service runs to completion (`deploy.mode: replicated-job` or `global-job`).
fn job_mode(svc: &Service) -> bool {
    svc.deploy
        .as_ref()
        .and_then(|d| d.mode.as_deref())
        .is_some_and(|m| m.ends_with("-job"))
}

/// Why a service is treated as stateful.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// `--stateful SERVICE`.
    Flag,
    /// `x-transship: {stateful: true}`.
    Marked,
    /// A named volume and more than one replica (reported by a warning).
    Inferred,
}

/// `x-transship.stateful` as written, if it is a boolean.
pub fn marked(svc: &Service) -> Option<bool> {
    svc.extensions
        .get("x-transship")?
        .get("stateful")?
        .as_bool()
}

/// Whether `svc` is stateful and why (`None`: it is not).
pub fn reason(svc: &Service, flagged: bool, has_named_volume: bool) -> Option<Reason> {
    if flagged {
        return Some(Reason::Flag);
    }
    match marked(svc) {
        Some(true) => Some(Reason::Marked),
        Some(false) => None,
        None => {
            (has_named_volume && svc.replicas() > 1 && !job_mode(svc)).then_some(Reason::Inferred)
        }
    }
}

/// One member's name: `<service>-<i>`, 1-based.
pub fn member_name(svc: &str, i: i64) -> String {
    format!("{svc}-{i}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_marks_and_inference() {
        let mut svc = Service {
            scale: Some(3),
            ..Service::default()
        };
        assert_eq!(reason(&svc, false, true), Some(Reason::Inferred));
        assert_eq!(reason(&svc, false, false), None);
        assert_eq!(reason(&svc, true, false), Some(Reason::Flag));
        svc.extensions
            .insert("x-transship".into(), serde_json::json!({"stateful": false}));
        assert_eq!(reason(&svc, false, true), None);
        assert_eq!(member_name("mongo", 2), "mongo-2");
    }

    #[test]
    fn jobs_and_switched_off_services_are_not_inferred() {
        let mut svc = Service {
            scale: Some(0),
            ..Service::default()
        };
        assert_eq!(reason(&svc, false, true), None);
        svc.scale = Some(3);
        svc.deploy = Some(Box::new(crate::model::Deploy {
            mode: Some("replicated-job".into()),
            ..Default::default()
        }));
        assert_eq!(reason(&svc, false, true), None);
    }

    #[test]
    fn network_and_plugin_volumes_follow_the_task() {
        assert!(node_local(&Volume::default()));
        let mut nfs = Volume::default();
        nfs.driver_opts.insert("type".into(), "nfs".into());
        assert!(!node_local(&nfs));
        let ebs = Volume {
            driver: Some("rexray/ebs".into()),
            ..Volume::default()
        };
        assert!(!node_local(&ebs));
    }
}
