//! `depends_on` across groups: one prestart task per group (lifecycle prestart, not a
//! sidecar: the group's main tasks start only once it has exited successfully, lifecycle
//! docs) that waits for what compose waits for:
//!
//! - `service_started`: the dependency's service is registered. Services are registered
//!   from the task's poststart hook once its container runs (task-level services), so that
//!   is "started". Under the mesh, Connect services must be group-level and are registered
//!   from the allocation's prerun hook, just before its tasks start: close, not exact.
//! - `service_healthy`: with Consul, a `service` query returns passing instances only; with
//!   the Nomad provider `nomadService` returns every instance, healthy or not
//!   (hashicorp/nomad#23317), so the task also probes the dependency itself the way its
//!   check does: an HTTP GET of the check's path, else a TCP connection.
//!
//! Nomad has no readiness ordering between groups beyond this. A dependency that runs in a
//! batch job registers nothing to wait for and is not waited for (with a warning), so it
//! can never block its dependents.

use super::hcl::{attr, config_literal, config_strings, literal};
use super::{Ctx, JobType, Provider, health, label, service_name};
use crate::analysis::probe::Probe;
use crate::backend::mapping::ConvertWarning;
use crate::backend::notes::Notes;
use crate::diag::Severity;
use crate::model::Service;
use hcl::structure::Block;

/// Image of the prestart task that waits for dependencies.
pub const WAIT_IMAGE: &str = "busybox:1.36";

/// `lifecycle { hook = "prestart" sidecar = … }`.
pub fn prestart(sidecar: bool) -> Block {
    Block::builder("lifecycle")
        .add_attribute(attr("hook", literal("prestart")))
        .add_attribute(attr("sidecar", sidecar))
        .build()
}

/// How the wait task decides that one dependency is ready.
enum Ready {
    Registered,
    Http(String),
    Tcp,
}

/// What to wait for on `dep`, and a note when the wait is weaker than compose's.
fn readiness(ctx: &Ctx, consumer: &Service, dep: &Service, notes: &mut Notes) -> Ready {
    let condition = consumer
        .depends_on
        .get(&dep.name)
        .and_then(|d| d.condition.as_deref())
        .unwrap_or("service_started");
    if condition != "service_healthy" || ctx.opts.provider == Provider::Consul {
        return Ready::Registered;
    }
    let path = format!("depends_on.{}", dep.name);
    let mut scratch = Notes::new(dep);
    let first = super::ports::ports(dep, 1, &mut scratch)
        .first()
        .map(|p| p.target)
        .or_else(|| {
            ctx.wiring
                .registrations
                .get(&dep.name)
                .and_then(|r| r.first())
                .map(|r| r.port)
        });
    let probe = dep.healthcheck.as_ref().and_then(health::probe);
    let (ready, why) = match (probe, first) {
        (Some(Probe::Http { port, path: p, .. }), Some(f)) if port == f => (Ready::Http(p), None),
        (Some(_), Some(_)) => (
            Ready::Tcp,
            Some(format!(
                "the wait ends when {} accepts TCP connections, not when its healthcheck passes",
                dep.name
            )),
        ),
        (None, Some(_)) => (
            Ready::Tcp,
            Some(format!(
                "{} has no healthcheck in the file: the wait ends when it accepts TCP connections",
                dep.name
            )),
        ),
        (_, None) => (
            Ready::Registered,
            Some(format!(
                "{} has no port to probe: the wait ends when it is registered (running), not healthy",
                dep.name
            )),
        ),
    };
    if let Some(why) = why {
        notes.warn(
            Severity::Warning,
            &path,
            format!(
                "approximated for nomad: the Nomad provider gives a task no health status to wait on (hashicorp/nomad#23317): {why} (use --service-provider consul)"
            ),
        );
    }
    ready
}

/// Whether `svc` runs in a batch or sysbatch job (it then registers no service to wait on).
fn in_batch_job(svc: &Service) -> bool {
    matches!(
        super::job_type(svc),
        Some(JobType::Batch | JobType::Sysbatch)
    )
}

/// The wait task of a group for `waits` (consumer, dependency), if any.
///
/// `local` are dependencies in the same group: they start first as prestart sidecars, and
/// the task probes `service_healthy` ones on the shared loopback, the way their check does.
pub fn wait_task(
    ctx: &Ctx,
    waits: &[(&Service, String)],
    local: &[(&Service, String)],
    hosts: &[String],
    warnings: &mut Vec<ConvertWarning>,
) -> Option<Block> {
    let mut script: Vec<String> = Vec::new();
    let mut templates: Vec<Block> = Vec::new();
    for (consumer, dep_name) in local {
        let Some(dep) = ctx.project.services.get(dep_name) else {
            continue;
        };
        if !waits_for_health(consumer, dep_name)
            || script.iter().any(|l| l.contains(&format!("# {dep_name}")))
        {
            continue;
        }
        let port = ctx
            .analysis
            .listens
            .get(dep_name)
            .and_then(|l| l.first().copied());
        match (dep.healthcheck.as_ref().and_then(health::probe), port) {
            (Some(Probe::Http { port, path, .. }), _) => script.push(format!(
                "until wget -q -O /dev/null \"http://127.0.0.1:{port}{}\"; do sleep 2; done # {dep_name}",
                shell_safe_path(&path)
            )),
            (_, Some(port)) => script.push(format!(
                "until nc -z 127.0.0.1 {port}; do sleep 2; done # {dep_name}"
            )),
            (_, None) => {
                let mut notes = Notes::new(consumer);
                notes.warn(
                    Severity::Warning,
                    &format!("depends_on.{dep_name}"),
                    format!(
                        "approximated for nomad: {dep_name} starts first (a prestart sidecar) but has no port to probe: the group's tasks do not wait for it to be healthy"
                    ),
                );
                warnings.append(&mut notes.warnings);
            }
        }
    }
    // One wait per dependency, for the strongest condition any member asks for.
    let mut chosen: Vec<(&Service, &String)> = Vec::new();
    for (consumer, dep) in waits {
        match chosen.iter_mut().find(|(_, d)| *d == dep) {
            Some(entry) => {
                if waits_for_health(consumer, dep) {
                    entry.0 = consumer;
                }
            }
            None => chosen.push((consumer, dep)),
        }
    }
    for (consumer, dep_name) in chosen {
        let Some(dep) = ctx.project.services.get(dep_name) else {
            continue;
        };
        let mut notes = Notes::new(consumer);
        if in_batch_job(dep) {
            notes.warn(
                Severity::Warning,
                &format!("depends_on.{dep_name}"),
                format!(
                    "{dep_name} runs in a batch job, which registers no service to wait for: {} starts without waiting (submit the batch job first)",
                    consumer.name
                ),
            );
            warnings.append(&mut notes.warnings);
            continue;
        }
        let ready = readiness(ctx, consumer, dep, &mut notes);
        warnings.append(&mut notes.warnings);
        let svc = service_name(dep_name);
        let file = format!("local/wait/{}.addr", label(dep_name));
        let query = match (ctx.opts.provider, &ready) {
            (Provider::Nomad, _) => format!("nomadService \"{svc}\""),
            // Consul returns passing instances only; `|any` lists every registered one.
            (Provider::Consul, _) if waits_for_health(consumer, dep_name) => {
                format!("service \"{svc}\"")
            }
            (Provider::Consul, _) => format!("service \"{svc}|any\""),
        };
        templates.push(
            Block::builder("template")
                .add_attribute(attr(
                    "data",
                    literal(&format!(
                        "{{{{ range {query} }}}}{{{{ .Address }}}}:{{{{ .Port }}}}\n{{{{ end }}}}"
                    )),
                ))
                .add_attribute(attr("destination", literal(&file)))
                .add_attribute(attr("change_mode", literal("noop")))
                .build(),
        );
        script.push(format!("until [ -s /{file} ]; do sleep 1; done"));
        let first = format!("$(head -n 1 /{file})");
        match ready {
            Ready::Registered => {}
            Ready::Http(path) => script.push(format!(
                "until wget -q -O /dev/null \"http://{first}{}\"; do sleep 2; done",
                shell_safe_path(&path)
            )),
            Ready::Tcp => script.push(format!(
                "until nc -z $(head -n 1 /{file} | tr : ' '); do sleep 2; done"
            )),
        }
    }
    if script.is_empty() {
        return None;
    }
    // Driver config strings are evaluated twice (the jobspec, then the client): escaped
    // for both, like every other task's config.
    let image = super::task::image_for(ctx.opts.driver, WAIT_IMAGE);
    let mut config = Block::builder("config")
        .add_attribute(attr("image", config_literal(&image)))
        .add_attribute(attr("command", config_literal("sh")))
        .add_attribute(attr(
            "args",
            config_strings(["-c", script.join("\n").as_str()]),
        ));
    if !hosts.is_empty() {
        config = config.add_attribute(attr(
            "extra_hosts",
            config_strings(hosts.iter().map(String::as_str)),
        ));
    }
    let mut b = Block::builder("task")
        .add_label("wait-for-dependencies")
        .add_attribute(attr("driver", literal(ctx.opts.driver.name())))
        .add_block(prestart(false))
        .add_block(config.build());
    for t in templates {
        b = b.add_block(t);
    }
    b = b.add_block(
        Block::builder("resources")
            .add_attribute(attr("cpu", 20))
            .add_attribute(attr("memory", 16))
            .build(),
    );
    Some(b.build())
}

fn waits_for_health(consumer: &Service, dep: &str) -> bool {
    consumer
        .depends_on
        .get(dep)
        .and_then(|d| d.condition.as_deref())
        == Some("service_healthy")
}

/// A URL path safe inside the script's double quotes: characters the shell expands there
/// (`$`, `` ` ``, `"`, `\`) are percent-encoded, which an HTTP server reads the same.
fn shell_safe_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '$' | '`' | '"' | '\\' | '{' | '}' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shell_safe_path;

    #[test]
    fn paths_cannot_expand_in_the_script() {
        assert_eq!(shell_safe_path("/health?x=$(id)"), "/health?x=%24(id)");
        assert_eq!(shell_safe_path("/a\"b`c"), "/a%22b%60c");
    }
}
