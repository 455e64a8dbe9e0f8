//! When a unit counts as started, so that dependents ordered `After=` it start when compose
//! would start them: a dependency awaited with `service_healthy` is started once its
//! container is healthy, a one-shot job once it has exited successfully (`Type=oneshot`),
//! any other dependency once its container runs (what compose's `service_started` waits
//! for). systemd.unit(5): start-up is complete for `After=` "when all its configured start-up
//! commands have been invoked … this includes ExecStartPost=".

use super::Runtime;
use super::escape::exec_word;
use crate::model::{Project, Service};
use std::collections::BTreeMap;

/// What the dependents of a service wait for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Nobody waits for it: started when the runtime's CLI runs.
    None,
    /// A dependent waits for it to run.
    Running,
    /// A dependent waits for it to be healthy.
    Healthy,
    /// A one-shot job (`analysis::lifecycle`): started once it exited successfully.
    Job,
}

/// What `Requires=` adds to a required `depends_on`: systemd stops a dependent when its
/// dependency is stopped by hand, and restarts it when the dependency is restarted
/// (systemd.unit(5), Requires=); compose does neither, unless `restart: true` asks for the
/// restart. The one difference left, as a note on the service's `depends_on`.
pub fn propagation_note(svc: &Service) -> Option<String> {
    let mut required = svc.depends_on.values().filter(|d| d.required).peekable();
    required.peek()?;
    let restarts_too = required.any(|d| d.restart != Some(true));
    Some(if restarts_too {
        "approximated: Requires= stops and restarts this service when a dependency is stopped or restarted by hand, where compose leaves it running (it restarts a dependent only for `restart: true`); `required: false` gives Wants=, which propagates neither".into()
    } else {
        "approximated: Requires= stops this service when a dependency is stopped by hand, where compose leaves it running; `required: false` gives Wants=, which does not".into()
    })
}

/// The readiness of every service of the project.
pub fn of(project: &Project) -> BTreeMap<String, Readiness> {
    let jobs = crate::analysis::lifecycle::one_shots(project);
    let mut out: BTreeMap<String, Readiness> = project
        .services
        .keys()
        .map(|n| (n.clone(), Readiness::None))
        .collect();
    for svc in project.services.values() {
        for (dep, d) in &svc.depends_on {
            let Some(r) = out.get_mut(dep) else { continue };
            let wanted = match d.condition.as_deref() {
                Some("service_healthy") => Readiness::Healthy,
                _ => Readiness::Running,
            };
            if *r == Readiness::None || wanted == Readiness::Healthy {
                *r = wanted;
            }
        }
    }
    for name in jobs.keys() {
        out.insert(name.clone(), Readiness::Job);
    }
    out
}

/// `ExecStartPost=` that waits until the container runs; it gives up (leaving the verdict to
/// the main process's exit) once the runtime's CLI has exited.
pub fn wait_running(rt: Runtime) -> String {
    let script = format!(
        "until [ \"$({} inspect -f '{{{{.State.Running}}}}' \"$0\" 2>/dev/null)\" = true ]; do kill -0 \"$MAINPID\" 2>/dev/null || exit 0; sleep 0.5; done",
        rt.command()
    );
    format!("/bin/sh -c {} %p-%i", exec_word(&script))
}

/// `ExecStartPost=` that waits until the container is healthy and fails, as compose fails
/// the dependents, when it turns unhealthy, has no healthcheck (docker) or is gone.
pub fn wait_healthy(rt: Runtime) -> String {
    wait_healthy_of(rt, "%p-%i")
}

/// [`wait_healthy`] for the container `container` (already escaped for a command line; it
/// may use specifiers).
pub fn wait_healthy_of(rt: Runtime, container: &str) -> String {
    // podman before 4.x names the field differently and prints nothing: keep waiting then
    // (TimeoutStartSec= bounds it).
    let no_check = match rt {
        Runtime::Docker => "\"true none\") echo \"$0 has no healthcheck\" >&2; exit 1 ;; ",
        Runtime::Podman => "",
    };
    let script = format!(
        "while :; do s=$({} inspect -f '{{{{.State.Running}}}} {{{{if .State.Health}}}}{{{{.State.Health.Status}}}}{{{{else}}}}none{{{{end}}}}' \"$0\") || exit 1; case $s in \"true healthy\") exit 0 ;; \"true unhealthy\") echo \"$0 is unhealthy\" >&2; exit 1 ;; {no_check}false*) kill -0 \"$MAINPID\" 2>/dev/null || {{ echo \"$0 is not running\" >&2; exit 1; }} ;; esac; sleep 1; done",
        rt.command()
    );
    format!("/bin/sh -c {} {container}", exec_word(&script))
}

/// Seconds a healthy container may take to report so (docker's defaults: interval and
/// timeout 30 s, 3 retries, no start period): the start period, then one more check than
/// the retries that turn it unhealthy.
pub fn health_budget(svc: &Service) -> i64 {
    let h = svc.healthcheck.as_ref();
    let secs = |d: Option<crate::model::Duration>, default: i64| {
        d.map_or(default, |d| super::flags::ceil_secs(d.as_nanos()))
    };
    let interval = secs(h.and_then(|h| h.interval), 30);
    let timeout = secs(h.and_then(|h| h.timeout), 30);
    let start = secs(h.and_then(|h| h.start_period), 0);
    let retries = h.and_then(|h| h.retries).unwrap_or(3);
    let checks = i64::try_from(retries)
        .unwrap_or(i64::MAX / 4)
        .saturating_add(1);
    start.saturating_add(checks.saturating_mul(interval.saturating_add(timeout)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dependency;

    fn dep(condition: &str) -> Dependency {
        Dependency {
            condition: Some(condition.into()),
            required: true,
            ..Dependency::default()
        }
    }

    #[test]
    fn the_strongest_condition_wins_and_jobs_are_jobs() {
        let mut p = Project::default();
        for n in ["db", "cache", "migrate", "web", "worker"] {
            p.services.insert(n.into(), Box::new(Service::default()));
        }
        let web = p.services.get_mut("web").unwrap_or_else(|| panic!());
        web.depends_on.insert("db".into(), dep("service_started"));
        web.depends_on
            .insert("migrate".into(), dep("service_completed_successfully"));
        web.depends_on
            .insert("cache".into(), dep("service_started"));
        let worker = p.services.get_mut("worker").unwrap_or_else(|| panic!());
        worker
            .depends_on
            .insert("db".into(), dep("service_healthy"));
        let r = of(&p);
        assert_eq!(r["db"], Readiness::Healthy);
        assert_eq!(r["cache"], Readiness::Running);
        assert_eq!(r["migrate"], Readiness::Job);
        assert_eq!(r["web"], Readiness::None);
    }

    #[test]
    fn budget_follows_the_healthcheck() {
        let mut s = Service::default();
        assert_eq!(health_budget(&s), 4 * 60);
        s.healthcheck = Some(crate::model::Healthcheck {
            interval: Some(crate::model::Duration::from_secs(2)),
            timeout: Some(crate::model::Duration::from_secs(1)),
            start_period: Some(crate::model::Duration::from_secs(10)),
            retries: Some(5),
            ..Default::default()
        });
        assert_eq!(health_budget(&s), 10 + 6 * 3);
    }
}
