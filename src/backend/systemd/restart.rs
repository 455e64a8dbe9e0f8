//! `restart` / `deploy.restart_policy` → `Restart=`, `RestartSec=` and start limits, for
//! both the units and the Quadlet files (whose `[Unit]` and `[Service]` sections systemd
//! reads as written). What differs from compose is a note on the key that caused it.

use super::span;
use crate::model::Service;

/// The restart directives of one unit.
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    /// `Restart=`: no, always or on-failure.
    pub restart: &'static str,
    pub restart_sec: Option<String>,
    /// `StartLimitBurst=`, with `StartLimitIntervalSec=` (a max_attempts or `on-failure:N`).
    pub start_limit: Option<(u64, String)>,
    /// (key relative to the service, message).
    pub notes: Vec<(String, String)>,
}

/// `restart` first (compose's own), else `deploy.restart_policy`. `job`: a one-shot a
/// dependent waits for, which `Type=oneshot` cannot restart after a clean exit.
pub fn plan(svc: &Service, job: bool) -> Plan {
    let policy = svc.deploy.as_ref().and_then(|d| d.restart_policy.as_ref());
    let own = svc.restart.as_deref().filter(|r| !r.is_empty());
    let (kind, burst) = match own {
        Some(r) => {
            let (k, n) = r.split_once(':').unwrap_or((r, ""));
            let kind = match k {
                "always" | "unless-stopped" => "always",
                "on-failure" => "on-failure",
                _ => "no",
            };
            (kind, n.parse::<u64>().ok())
        }
        None => match policy {
            Some(p) => {
                let kind = match p.condition.as_deref().unwrap_or("any") {
                    "none" => "no",
                    "on-failure" => "on-failure",
                    _ => "always",
                };
                (kind, p.max_attempts)
            }
            None => ("no", None),
        },
    };
    let key = if own.is_some() {
        "restart"
    } else {
        "deploy.restart_policy"
    };
    let mut out = Plan::default();
    // systemd refuses Restart=always for Type=oneshot: a job that exits 0 is done.
    out.restart = if job && kind == "always" {
        out.notes.push((
            key.into(),
            "a one-shot job (a dependent waits for it to complete) is restarted only when it fails: Type=oneshot units cannot be restarted after a clean exit".into(),
        ));
        "on-failure"
    } else {
        kind
    };
    if out.restart == "no" {
        return out;
    }
    let delay = policy
        .and_then(|p| p.delay)
        .map_or(5_000_000_000, |d| d.as_nanos());
    out.restart_sec = Some(span(delay));
    let Some(n) = burst.filter(|n| *n > 0) else {
        return out;
    };
    // Without a window, N+1 starts that each fail within 10 s of the last (a crash loop,
    // docker's own measure) hit the limit; a finite window lets later starts, manual ones
    // included, run again (systemd.unit(5): the limit counts every start).
    let window = n.saturating_add(1).saturating_mul(
        u64::try_from(delay / 1_000_000_000)
            .unwrap_or(0)
            .saturating_add(10),
    );
    let swarm_window = policy
        .and_then(|p| p.window)
        .filter(|w| w.as_nanos() > 0 && own.is_none());
    let interval = swarm_window.map_or_else(|| format!("{window}s"), |w| span(w.as_nanos()));
    let (rel, how) = match (own, swarm_window) {
        (Some(_), _) => (
            "restart".to_string(),
            format!("docker stops after {n} failed restarts, however far apart"),
        ),
        (None, Some(_)) => (
            "deploy.restart_policy.window".to_string(),
            "Swarm's window is how long a restart must run to count as a success".to_string(),
        ),
        (None, None) => (
            "deploy.restart_policy.max_attempts".to_string(),
            format!("Swarm stops after {n} failed restarts, however far apart"),
        ),
    };
    out.notes.push((
        rel,
        format!(
            "approximated: {how}; systemd stops restarting after {} starts within {interval} (StartLimitBurst=, StartLimitIntervalSec=), so restarts spread further apart go on",
            n + 1
        ),
    ));
    out.start_limit = Some((n + 1, interval));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Deploy, RestartPolicy};

    fn with_restart(r: &str) -> Service {
        Service {
            restart: Some(r.into()),
            ..Service::default()
        }
    }

    #[test]
    fn always_and_plain_on_failure_are_exact() {
        for (r, want) in [
            ("always", "always"),
            ("unless-stopped", "always"),
            ("on-failure", "on-failure"),
            ("no", "no"),
        ] {
            let p = plan(&with_restart(r), false);
            assert_eq!(p.restart, want, "{r}");
            assert!(p.notes.is_empty(), "{r}: {:?}", p.notes);
            assert_eq!(p.start_limit, None);
        }
    }

    #[test]
    fn a_retry_limit_becomes_a_start_limit_with_a_note() {
        let p = plan(&with_restart("on-failure:3"), false);
        assert_eq!(p.start_limit, Some((4, "60s".into())));
        assert_eq!(p.notes.len(), 1);
        assert!(
            p.notes[0].1.contains("after 3 failed restarts"),
            "{:?}",
            p.notes
        );
        let svc = Service {
            deploy: Some(Box::new(Deploy {
                restart_policy: Some(RestartPolicy {
                    condition: Some("on-failure".into()),
                    max_attempts: Some(2),
                    ..RestartPolicy::default()
                }),
                ..Deploy::default()
            })),
            ..Service::default()
        };
        let p = plan(&svc, false);
        assert_eq!(p.restart, "on-failure");
        assert_eq!(p.start_limit, Some((3, "45s".into())));
        assert_eq!(p.notes[0].0, "deploy.restart_policy.max_attempts");
    }

    #[test]
    fn a_job_is_restarted_only_on_failure() {
        let p = plan(&with_restart("always"), true);
        assert_eq!(p.restart, "on-failure");
        assert_eq!(p.notes.len(), 1);
    }
}
