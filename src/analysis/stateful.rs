//! Stateful services: replicas that each own their data (a MongoDB replica set, a Postgres
//! cluster, a ZooKeeper ensemble) and so need one identity each, a stable name, their own
//! volume and their own node. Said with `--stateful SERVICE` or `x-transship: {stateful:
//! true}`; inferred when a replicated service mounts a named volume (`stateful: false`
//! turns the inference off).

use crate::model::Service;

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
        None => (has_named_volume && svc.replicas() > 1).then_some(Reason::Inferred),
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
}
