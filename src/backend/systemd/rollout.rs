//! Rolling restarts: `<project>-<service>.rollout.sh` beside the units of a service with
//! several instances (or a `deploy.update_config`). After new units are installed, it
//! restarts the instances `parallelism` at a time, waits until each is healthy (the
//! healthcheck's own budget, as the start's health wait; running, without one) and stays so
//! for `monitor`, sleeps `delay` between batches, and on a failure pauses, rolls the failed
//! instances back to their previous containers, or continues (`failure_action`), exiting
//! non-zero with the instance named. Docker units only: the previous container is kept by
//! renaming it, which the podman units (`run --replace`) do not allow for.
//!
//! The script is the `rollout.tera` template (`--templates` overrides it).

use super::{Runtime, readiness};
use crate::model::Service;
use serde::Serialize;

#[derive(Serialize)]
pub struct RolloutCtx {
    pub script: String,
    pub project: String,
    pub service: String,
    /// Unit and container prefix (`<project>-<service>`).
    pub prefix: String,
    pub instances: Vec<String>,
    /// Instances at a time; 0: all at once.
    pub parallelism: u64,
    pub parallelism_text: String,
    pub delay: i64,
    pub failure_action: &'static str,
    pub budget: i64,
    pub monitor: i64,
    pub healthcheck: bool,
}

/// The file name of a service's rollout script.
pub fn script_name(prefix: &str) -> String {
    format!("{prefix}.rollout.sh")
}

/// The rollout of `svc`, when it has one: docker units, and several instances or an
/// `update_config`. `rollback` and `pause` are Swarm's failure actions; `continue` too.
pub fn of(
    project: &str,
    svc: &Service,
    prefix: &str,
    instances: &[String],
    runtime: Runtime,
) -> Option<RolloutCtx> {
    let update = svc.deploy.as_ref().and_then(|d| d.update_config.as_ref());
    if runtime != Runtime::Docker || (instances.len() < 2 && update.is_none()) {
        return None;
    }
    let secs =
        |d: Option<crate::model::Duration>| d.map_or(0, |d| super::flags::ceil_secs(d.as_nanos()));
    // Swarm's default parallelism is 1; 0 means all at once.
    let parallelism = update.and_then(|u| u.parallelism).unwrap_or(1);
    let failure_action = match update.and_then(|u| u.failure_action.as_deref()) {
        Some("rollback") => "rollback",
        Some("continue") => "continue",
        _ => "pause",
    };
    let healthcheck = svc.healthcheck.as_ref().is_some_and(|h| {
        h.disable != Some(true) && h.test.first().map(String::as_str) != Some("NONE")
    });
    Some(RolloutCtx {
        script: script_name(prefix),
        project: project.to_string(),
        service: svc.name.clone(),
        prefix: prefix.to_string(),
        instances: instances.to_vec(),
        parallelism,
        parallelism_text: match parallelism {
            0 => "all at once".into(),
            1 => "one at a time".into(),
            n => format!("{n} at a time"),
        },
        delay: secs(update.and_then(|u| u.delay)),
        failure_action,
        budget: if healthcheck {
            readiness::health_budget(svc)
        } else {
            10
        },
        // Swarm's default monitor: 5 s after each update.
        monitor: update
            .and_then(|u| u.monitor)
            .map_or(5, |d| super::flags::ceil_secs(d.as_nanos())),
        healthcheck,
    })
}
