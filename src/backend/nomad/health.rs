//! Healthchecks → service checks. A `curl`/`wget` of a local URL becomes an `http` check on
//! the port mapped to that container port (added when missing); any other command becomes a
//! `script` check under Consul, or a `tcp` check on the service port with the Nomad provider
//! (which runs no scripts). retries/start_period become `check_restart`.

use super::hcl::{attr, literal, strings};
use super::ports::{PortDef, label_for};
use super::{Ctx, Provider};
use crate::backend::notes::Notes;
use crate::diag::Severity;
use crate::model::{Duration, Healthcheck, Service};
use hcl::structure::Block;

pub use crate::analysis::probe::{Probe, probe};

/// A Nomad duration of at least one second (Nomad rejects shorter check intervals).
fn at_least_1s(d: Option<Duration>, default_secs: i64, notes: &mut Notes, key: &str) -> String {
    let d = d.unwrap_or(Duration::from_secs(default_secs));
    if d.as_nanos() < Duration::from_secs(1).as_nanos() {
        notes.warn(
            Severity::Warning,
            key,
            format!("approximated for nomad: {d} is below Nomad's 1s minimum, 1s is used"),
        );
        return "1s".into();
    }
    d.to_string()
}

/// The `check` block for the service's healthcheck, adding a port label when an http probe
/// needs one. `None` when there is nothing Nomad can run.
///
/// `task` names the task a group-level script check runs in (a task-level service's checks
/// run in their own task). `service_port` is the port label a tcp check falls back to; a
/// UDP port is never probed over TCP.
pub fn check(
    ctx: &Ctx,
    h: &Healthcheck,
    svc: &Service,
    ports: &mut Vec<PortDef>,
    service_port: Option<&str>,
    task: Option<&str>,
    notes: &mut Notes,
) -> Option<Block> {
    let service_port = service_port
        .filter(|l| !l.ends_with("_udp"))
        .or_else(|| {
            ports
                .iter()
                .map(|p| p.label.as_str())
                .find(|l| !l.ends_with("_udp"))
        })
        .map(str::to_string);
    let service_port = service_port.as_deref();
    let probe = probe(h)?;
    let mut b = Block::builder("check").add_attribute(attr("name", literal("healthcheck")));
    match probe {
        Probe::Http { port, path, https } => {
            b = b
                .add_attribute(attr("type", literal("http")))
                .add_attribute(attr("path", literal(&path)));
            let mapped = ports.iter().find(|p| p.target == port && p.host.is_some());
            b = match (ctx.opts.topology, mapped) {
                // In the mesh unpublished ports stay unmapped: the check dials the
                // allocation's own address on the container port (check block docs,
                // `address_mode = "alloc"` with a numeric port).
                (super::Topology::Mesh, None) => b
                    .add_attribute(attr("port", literal(&port.to_string())))
                    .add_attribute(attr("address_mode", literal("alloc"))),
                _ => b.add_attribute(attr("port", literal(&label_for(ports, port)))),
            };
            if https {
                b = b
                    .add_attribute(attr("protocol", literal("https")))
                    .add_attribute(attr("tls_skip_verify", true));
            }
        }
        Probe::Command(argv) => match ctx.opts.provider {
            Provider::Consul => {
                let (cmd, args) = argv.split_first()?;
                b = b
                    .add_attribute(attr("type", literal("script")))
                    .add_attribute(attr("command", literal(cmd)))
                    .add_attribute(attr("args", strings(args.iter().map(String::as_str))));
                if let Some(t) = task {
                    b = b.add_attribute(attr("task", literal(t)));
                }
            }
            Provider::Nomad => {
                // Without a mapped port, a bridge-mode check can dial the allocation's own
                // address on the container port the service listens on (address_mode alloc).
                // Only group-level services may use it (nomad/structs Task.Validate: "only
                // checks defined in a group service block can use this mode"); `task` is
                // set exactly for those.
                let alloc_port = ctx
                    .analysis
                    .listens
                    .get(&svc.name)
                    .and_then(|l| l.first())
                    .filter(|_| svc.network_mode.as_deref() != Some("host") && task.is_some());
                // A mapped port label, else the allocation's address on a container port.
                let (port, alloc) = match (service_port, alloc_port) {
                    (Some(label), _) => (label.to_string(), false),
                    (None, Some(p)) => (p.to_string(), true),
                    (None, None) => {
                        notes.warn(
                            Severity::Warning,
                            "healthcheck",
                            "dropped for nomad: the Nomad provider cannot run a command check and the service has no port for a tcp check (use --service-provider consul)".into(),
                        );
                        return None;
                    }
                };
                let on = if alloc { "container port" } else { "port" };
                notes.warn(
                    Severity::Warning,
                    "healthcheck",
                    format!(
                        "approximated for nomad: the Nomad provider runs no command checks: a tcp check on {on} {port} instead (use --service-provider consul for a script check)"
                    ),
                );
                b = b
                    .add_attribute(attr("type", literal("tcp")))
                    .add_attribute(attr("port", literal(&port)));
                if alloc {
                    b = b.add_attribute(attr("address_mode", literal("alloc")));
                }
            }
        },
    }
    Some(finish(b, h, svc, notes))
}

/// Timings and the restart-on-unhealthy policy of a check.
fn finish(
    mut b: hcl::structure::BlockBuilder,
    h: &Healthcheck,
    svc: &Service,
    notes: &mut Notes,
) -> Block {
    if h.start_interval.is_some() {
        notes.warn(
            Severity::Warning,
            "healthcheck.start_interval",
            "dropped for nomad: a check runs every interval from the start; Nomad has no faster interval for the start period".into(),
        );
    }
    let interval = at_least_1s(h.interval, 30, notes, "healthcheck.interval");
    let timeout = at_least_1s(h.timeout, 30, notes, "healthcheck.timeout");
    b = b
        .add_attribute(attr("interval", literal(&interval)))
        .add_attribute(attr("timeout", literal(&timeout)));
    // Compose only marks an unhealthy container; Swarm replaces it. Restart on failed checks
    // only where the file is a Swarm stack (`deploy:`), with start_period as the grace.
    if svc.deploy.is_some() {
        let mut restart = Block::builder("check_restart")
            .add_attribute(attr("limit", h.retries.unwrap_or(3).max(1) as i64));
        if let Some(sp) = h.start_period.filter(|d| d.as_nanos() > 0) {
            restart = restart.add_attribute(attr("grace", literal(&sp.to_string())));
        }
        b = b.add_block(restart.build());
    }
    b.build()
}

/// Whether the healthcheck explicitly disables the image's own HEALTHCHECK.
pub fn disables_image_check(h: &Healthcheck) -> bool {
    h.disable == Some(true) || h.test.first().is_some_and(|t| t == "NONE")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hc(test: &[&str]) -> Healthcheck {
        Healthcheck {
            test: test.iter().map(|s| s.to_string()).collect(),
            ..Healthcheck::default()
        }
    }

    #[test]
    fn curl_and_wget_of_local_urls_are_http_probes() {
        assert_eq!(
            probe(&hc(&[
                "CMD",
                "curl",
                "-f",
                "http://localhost:8080/health?x=1"
            ])),
            Some(Probe::Http {
                port: 8080,
                path: "/health?x=1".into(),
                https: false
            })
        );
        assert_eq!(
            probe(&hc(&[
                "CMD-SHELL",
                "wget -qO- 'http://127.0.0.1/ready' || exit 1"
            ])),
            Some(Probe::Http {
                port: 80,
                path: "/ready".into(),
                https: false
            })
        );
        assert_eq!(
            probe(&hc(&["CMD", "curl", "-k", "https://[::1]:8443"])),
            Some(Probe::Http {
                port: 8443,
                path: "/".into(),
                https: true
            })
        );
    }

    #[test]
    fn other_commands_and_remote_urls_are_commands() {
        assert_eq!(
            probe(&hc(&["CMD", "pg_isready", "-U", "app"])),
            Some(Probe::Command(vec![
                "pg_isready".into(),
                "-U".into(),
                "app".into()
            ]))
        );
        assert_eq!(
            probe(&hc(&["CMD-SHELL", "curl -f http://example.com/"])),
            Some(Probe::Command(vec![
                "/bin/sh".into(),
                "-c".into(),
                "curl -f http://example.com/".into()
            ]))
        );
        assert_eq!(probe(&hc(&["NONE"])), None);
    }
}
