//! Restart, reschedule and update policies. Compose's `restart` and Swarm's
//! `deploy.restart_policy` become `restart {}` (and `reschedule {}` when the service must not
//! come back); `deploy.update_config` becomes `update {}` that waits for checks when the
//! service has one.

use super::JobType;
use super::hcl::{attr, literal};
use crate::backend::notes::Notes;
use crate::diag::Severity;
use crate::model::{Duration, Service};
use hcl::structure::Block;

/// Attempts Nomad makes within one interval when compose restarts without limit.
const UNLIMITED_ATTEMPTS: i64 = 10;

/// `restart {}` and `reschedule {}` blocks.
pub fn restart_blocks(svc: &Service, jt: JobType) -> Vec<Block> {
    let policy = svc.deploy.as_ref().and_then(|d| d.restart_policy.as_ref());
    let mut out = Vec::new();
    let never = |out: &mut Vec<Block>| {
        out.push(
            Block::builder("restart")
                .add_attribute(attr("attempts", 0))
                .add_attribute(attr("mode", literal("fail")))
                .build(),
        );
        if !jt.per_node() {
            out.push(
                Block::builder("reschedule")
                    .add_attribute(attr("attempts", 0))
                    .add_attribute(attr("unlimited", false))
                    .build(),
            );
        }
    };
    if let Some(p) = policy {
        let condition = p.condition.as_deref().unwrap_or("any");
        if condition == "none" {
            never(&mut out);
            return out;
        }
        let delay = p.delay.unwrap_or(Duration::from_secs(5));
        let delay = if delay.as_nanos() < Duration::from_secs(1).as_nanos() {
            Duration::from_secs(1)
        } else {
            delay
        };
        let (attempts, mode) = match p.max_attempts {
            Some(n) if n > 0 => (n as i64, "fail"),
            _ => (UNLIMITED_ATTEMPTS, "delay"),
        };
        let min_interval = Duration(delay.as_nanos().saturating_mul(attempts + 1));
        let interval = match p.window {
            Some(w) if w.as_nanos() > min_interval.as_nanos() => w,
            _ if mode == "fail" => Duration::from_secs(24 * 3600).max(min_interval),
            _ => Duration::from_secs(300).max(min_interval),
        };
        out.push(
            Block::builder("restart")
                .add_attribute(attr("attempts", attempts))
                .add_attribute(attr("interval", literal(&interval.to_string())))
                .add_attribute(attr("delay", literal(&delay.to_string())))
                .add_attribute(attr("mode", literal(mode)))
                .build(),
        );
        return out;
    }
    match svc.restart.as_deref() {
        Some("no") => never(&mut out),
        Some("always") | Some("unless-stopped") => out.push(
            Block::builder("restart")
                .add_attribute(attr("attempts", UNLIMITED_ATTEMPTS))
                .add_attribute(attr("interval", literal("5m")))
                .add_attribute(attr("delay", literal("5s")))
                .add_attribute(attr("mode", literal("delay")))
                .build(),
        ),
        Some(r) if r.starts_with("on-failure") => {
            let attempts = r
                .split_once(':')
                .and_then(|(_, n)| n.parse::<i64>().ok())
                .filter(|n| *n > 0);
            let b = match attempts {
                Some(n) => Block::builder("restart")
                    .add_attribute(attr("attempts", n))
                    .add_attribute(attr("interval", literal("24h")))
                    .add_attribute(attr("delay", literal("5s")))
                    .add_attribute(attr("mode", literal("fail"))),
                None => Block::builder("restart")
                    .add_attribute(attr("attempts", UNLIMITED_ATTEMPTS))
                    .add_attribute(attr("interval", literal("5m")))
                    .add_attribute(attr("delay", literal("5s")))
                    .add_attribute(attr("mode", literal("delay"))),
            };
            out.push(b.build());
        }
        _ => {}
    }
    out
}

/// `update {}` from `deploy.update_config`, for service and system jobs.
pub fn update_block(
    svc: &Service,
    jt: JobType,
    count: i64,
    has_check: bool,
    notes: &mut Notes,
) -> Option<Block> {
    if !matches!(jt, JobType::Service | JobType::System) {
        return None;
    }
    let cfg = svc.deploy.as_ref().and_then(|d| d.update_config.as_ref());
    if cfg.is_none() && !has_check {
        return None;
    }
    let mut b = Block::builder("update");
    let parallel = match cfg.and_then(|c| c.parallelism) {
        Some(0) => count.max(1),
        Some(n) => n as i64,
        None => 1,
    };
    b = b.add_attribute(attr("max_parallel", parallel));
    b = b.add_attribute(attr(
        "health_check",
        literal(if has_check { "checks" } else { "task_states" }),
    ));
    let monitor = cfg
        .and_then(|c| c.monitor)
        .filter(|d| d.as_nanos() > 0)
        .unwrap_or(Duration::from_secs(10));
    let five_min = Duration::from_secs(300);
    let healthy_deadline =
        if monitor.as_nanos() + Duration::from_secs(60).as_nanos() > five_min.as_nanos() {
            Duration(monitor.as_nanos().saturating_add(five_min.as_nanos()))
        } else {
            five_min
        };
    b = b.add_attribute(attr("min_healthy_time", literal(&monitor.to_string())));
    b = b.add_attribute(attr(
        "healthy_deadline",
        literal(&healthy_deadline.to_string()),
    ));
    if jt == JobType::Service {
        let progress = Duration(
            healthy_deadline
                .as_nanos()
                .saturating_add(five_min.as_nanos()),
        );
        b = b.add_attribute(attr("progress_deadline", literal(&progress.to_string())));
    }
    if let Some(c) = cfg {
        match c.failure_action.as_deref() {
            Some("rollback") => b = b.add_attribute(attr("auto_revert", true)),
            Some("continue") => notes.warn(
                Severity::Warning,
                "deploy.update_config.failure_action",
                "approximated for nomad: Nomad stops a failing deployment; `continue` has no equivalent".into(),
            ),
            _ => {}
        }
        if let Some(delay) = c.delay.filter(|d| d.as_nanos() > 0) {
            if jt == JobType::System {
                b = b.add_attribute(attr("stagger", literal(&delay.to_string())));
            } else {
                notes.warn(
                    Severity::Warning,
                    "deploy.update_config.delay",
                    "dropped for nomad: service jobs move to the next batch as soon as one is healthy (min_healthy_time)".into(),
                );
            }
        }
        // A canary runs beside the old allocation; with a static host port it needs a second
        // client with that port free, so a cluster of one never completes the deployment.
        let static_port = svc
            .ports
            .iter()
            .any(|p| p.published.as_deref().is_some_and(|h| !h.is_empty()));
        if c.order.as_deref() == Some("start-first") && jt == JobType::Service {
            if static_port {
                notes.warn(
                    Severity::Warning,
                    "deploy.update_config.order",
                    "approximated for nomad: start-first becomes stop-first: a canary beside the old allocation would need a second client with the static host port free".into(),
                );
            } else {
                b = b
                    .add_attribute(attr("canary", parallel))
                    .add_attribute(attr("auto_promote", true));
            }
        }
    }
    Some(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Deploy, RestartPolicy, UpdateConfig};

    fn render(blocks: Vec<Block>) -> String {
        let body = hcl::structure::Body(blocks.into_iter().map(Into::into).collect());
        super::super::hcl::print(&body).unwrap_or_default()
    }

    #[test]
    fn restart_no_means_no_restarts_and_no_rescheduling() {
        let s = Service {
            restart: Some("no".into()),
            ..Service::default()
        };
        let text = render(restart_blocks(&s, JobType::Service));
        assert!(
            text.contains("attempts = 0\n  mode     = \"fail\""),
            "{text}"
        );
        assert!(text.contains("reschedule {"), "{text}");
        assert!(!render(restart_blocks(&s, JobType::System)).contains("reschedule"));
    }

    #[test]
    fn swarm_restart_policy_keeps_attempts_and_delay() {
        let s = Service {
            deploy: Some(Box::new(Deploy {
                restart_policy: Some(RestartPolicy {
                    condition: Some("on-failure".into()),
                    delay: Some(Duration::from_secs(10)),
                    max_attempts: Some(3),
                    window: Some(Duration::from_secs(120)),
                    ..RestartPolicy::default()
                }),
                ..Deploy::default()
            })),
            ..Service::default()
        };
        let text = render(restart_blocks(&s, JobType::Service));
        assert!(text.contains("attempts = 3"), "{text}");
        assert!(text.contains("interval = \"2m0s\""), "{text}");
        assert!(text.contains("delay    = \"10s\""), "{text}");
    }

    #[test]
    fn update_config_rolls_back_and_starts_first() {
        let s = Service {
            name: "web".into(),
            deploy: Some(Box::new(Deploy {
                update_config: Some(UpdateConfig {
                    parallelism: Some(2),
                    failure_action: Some("rollback".into()),
                    order: Some("start-first".into()),
                    monitor: Some(Duration::from_secs(30)),
                    ..UpdateConfig::default()
                }),
                ..Deploy::default()
            })),
            ..Service::default()
        };
        let mut n = Notes::new(&s);
        let b = update_block(&s, JobType::Service, 4, true, &mut n);
        let text = render(b.into_iter().collect());
        for want in [
            "max_parallel      = 2",
            "health_check      = \"checks\"",
            "min_healthy_time  = \"30s\"",
            "auto_revert       = true",
            "canary            = 2",
        ] {
            assert!(text.contains(want), "{want} in {text}");
        }
    }
}
