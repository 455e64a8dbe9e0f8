//! Healthchecks → service checks. A `curl`/`wget` of a local URL becomes an `http` check on
//! the port mapped to that container port (added when missing); any other command becomes a
//! `script` check under Consul, or a `tcp` check on the service port with the Nomad provider
//! (which runs no scripts). retries/start_period become `check_restart`.

use super::hcl::{attr, literal, strings};
use super::ports::{PortDef, label_for};
use super::{Ctx, Provider};
use crate::backend::notes::Notes;
use crate::diag::Severity;
use crate::model::{Duration, Healthcheck};
use hcl::structure::Block;

/// What a compose test does, as far as a check can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    Http {
        port: u32,
        path: String,
        https: bool,
    },
    Command(Vec<String>),
}

/// The probe of an enabled healthcheck, `None` when disabled or absent.
pub fn probe(h: &Healthcheck) -> Option<Probe> {
    if h.disable == Some(true) {
        return None;
    }
    let (kind, rest) = h.test.split_first()?;
    let argv: Vec<String> = match kind.as_str() {
        "NONE" => return None,
        "CMD" => rest.to_vec(),
        "CMD-SHELL" => {
            let script = rest.join(" ");
            if let Some(p) = http_probe(&shell_words(first_command(&script))) {
                return Some(p);
            }
            return Some(Probe::Command(vec!["/bin/sh".into(), "-c".into(), script]));
        }
        _ => h.test.clone(),
    };
    if argv.is_empty() {
        return None;
    }
    http_probe(&argv).map_or(Some(Probe::Command(argv)), Some)
}

/// The first command of a shell line (before `||`, `&&`, `;`, `|`).
fn first_command(script: &str) -> &str {
    let end = ["||", "&&", ";", "|"]
        .iter()
        .filter_map(|sep| script.find(sep))
        .min()
        .unwrap_or(script.len());
    script.get(..end).unwrap_or(script)
}

/// Whitespace-separated words with simple quotes removed (enough to find a URL).
fn shell_words(s: &str) -> Vec<String> {
    s.split_whitespace()
        .map(|w| w.trim_matches(|c| c == '"' || c == '\'').to_string())
        .collect()
}

/// `curl …URL` / `wget …URL` of a local address.
fn http_probe(argv: &[String]) -> Option<Probe> {
    let prog = argv.first()?.rsplit('/').next()?;
    if prog != "curl" && prog != "wget" {
        return None;
    }
    argv.iter().skip(1).find_map(|a| local_url(a))
}

fn local_url(arg: &str) -> Option<Probe> {
    let (https, rest) = if let Some(r) = arg.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = arg.strip_prefix("http://") {
        (false, r)
    } else if arg.starts_with("localhost") || arg.starts_with("127.0.0.1") {
        (false, arg)
    } else {
        return None;
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (rest.get(..i)?, rest.get(i..)?),
        None => (rest, "/"),
    };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, p) = v6.split_once(']')?;
        (h, p.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if !matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0" | "::1") {
        return None;
    }
    let port = match port {
        Some(p) => p.parse().ok()?,
        None if https => 443,
        None => 80,
    };
    Some(Probe::Http {
        port,
        path: path.to_string(),
        https,
    })
}

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
pub fn check(
    ctx: &Ctx,
    h: &Healthcheck,
    ports: &mut Vec<PortDef>,
    service_port: Option<&str>,
    task: &str,
    notes: &mut Notes,
) -> Option<Block> {
    let probe = probe(h)?;
    let mut b = Block::builder("check").add_attribute(attr("name", literal("healthcheck")));
    match probe {
        Probe::Http { port, path, https } => {
            let label = label_for(ports, port);
            b = b
                .add_attribute(attr("type", literal("http")))
                .add_attribute(attr("path", literal(&path)))
                .add_attribute(attr("port", literal(&label)));
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
                    .add_attribute(attr("args", strings(args.iter().map(String::as_str))))
                    .add_attribute(attr("task", literal(task)));
            }
            Provider::Nomad => {
                let Some(port) = service_port else {
                    notes.warn(
                        Severity::Warning,
                        "healthcheck",
                        "dropped for nomad: the Nomad provider cannot run a command check and the service has no port for a tcp check (use --service-provider consul)".into(),
                    );
                    return None;
                };
                notes.warn(
                    Severity::Warning,
                    "healthcheck",
                    format!(
                        "approximated for nomad: the Nomad provider runs no command checks: a tcp check on port {port} instead (use --service-provider consul for a script check)"
                    ),
                );
                b = b
                    .add_attribute(attr("type", literal("tcp")))
                    .add_attribute(attr("port", literal(port)));
            }
        },
    }
    let interval = at_least_1s(h.interval, 30, notes, "healthcheck.interval");
    let timeout = at_least_1s(h.timeout, 30, notes, "healthcheck.timeout");
    b = b
        .add_attribute(attr("interval", literal(&interval)))
        .add_attribute(attr("timeout", literal(&timeout)));
    let mut restart = Block::builder("check_restart")
        .add_attribute(attr("limit", h.retries.unwrap_or(3).max(1) as i64));
    if let Some(sp) = h.start_period.filter(|d| d.as_nanos() > 0) {
        restart = restart.add_attribute(attr("grace", literal(&sp.to_string())));
    }
    b = b.add_block(restart.build());
    Some(b.build())
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
