//! Podman Quadlet output (`convert --to quadlet`): per service a `<project>-<service>.container`
//! (Quadlet generates `<project>-<service>.service` from it), per network and named volume a
//! `.network` / `.volume` file. The container's run options are the same escaped podman flags
//! the systemd backend computes, given to Quadlet as `PodmanArgs=` (Quadlet splits them with
//! systemd's own rules); image, name, command, environment file and restart policy use
//! Quadlet's keys. Quadlet runs one container per file: replicas are not expanded.

use super::escape::{directive_value, exec_word, unit_name_part};
use super::render::{QUADLET_TEMPLATES, Templates};
use super::{HostDirs, Options, Runtime, flags};
use crate::backend::mapping::ConvertWarning;
use crate::backend::{EmitError, Emitted, OutFile};
use crate::diag::Severity;
use crate::model::{Project, Service};
use serde::Serialize;

#[derive(Serialize, Default)]
struct ContainerCtx {
    unit: String,
    description: String,
    requires: Vec<String>,
    wants: Vec<String>,
    after: Vec<String>,
    image: String,
    container_name: String,
    environment_file: Option<String>,
    podman_args: Vec<String>,
    exec: Vec<String>,
    restart: String,
    restart_sec: Option<String>,
    timeout_stop_sec: String,
    reload_signal: Option<String>,
}

#[derive(Serialize, Default)]
struct ResourceCtx {
    unit: String,
    description: String,
    name: String,
    driver: Option<String>,
    labels: Vec<String>,
    options: Vec<String>,
    internal: bool,
    subnet: Option<String>,
    gateway: Option<String>,
}

fn stem(project: &Project, kind: &str, key: &str) -> String {
    let p = unit_name_part(&project.name);
    let k = unit_name_part(key);
    if kind.is_empty() {
        format!("{p}-{k}")
    } else {
        format!("{p}-{kind}-{k}")
    }
}

/// Convert `project` to Quadlet files: containers, then networks, then volumes, then env files.
///
/// # Errors
/// A value holds a NUL byte, or a `--templates` file cannot be read or rendered.
pub fn emit(project: &Project, opts: &Options) -> Result<Emitted, EmitError> {
    super::refuse_nul(project)?;
    let templates = Templates::load(opts.templates.as_deref(), QUADLET_TEMPLATES)?;
    let opts = Options {
        runtime: Runtime::Podman,
        ..opts.clone()
    };
    let dirs = HostDirs::new(project, &opts);
    let mut files = Vec::new();
    let mut env_files = Vec::new();
    let mut warnings: Vec<ConvertWarning> = Vec::new();
    for name in project.service_names() {
        let Some(svc) = project.services.get(name) else {
            continue;
        };
        let present = svc
            .provenance
            .keys
            .iter()
            .map(|(k, o)| (k.as_str(), o.key_span));
        warnings.extend(crate::backend::mapping::report(
            super::mapping::QUADLET_TABLE,
            "quadlet",
            name,
            present,
        ));
        let mut run = flags::run_flags(project, svc, Runtime::Podman, &dirs, None);
        let ctx = container(project, svc, &mut run, &dirs.env, &mut warnings);
        files.push(OutFile {
            name: ctx.unit.clone(),
            contents: templates.render("quadlet-container.tera", &ctx)?,
        });
        if !run.env_lines.is_empty() {
            env_files.push(OutFile {
                name: format!("{}/{name}.env", super::ENV_OUT),
                contents: run.env_lines,
            });
        }
        if !run.runtime_env_lines.is_empty() {
            env_files.push(OutFile {
                name: format!("{}/{name}.runtime.env", super::ENV_OUT),
                contents: run.runtime_env_lines,
            });
        }
    }
    for (key, n) in &project.networks {
        if n.external {
            continue;
        }
        let ipam = n.ipam.config.first();
        let ctx = ResourceCtx {
            unit: format!("{}.network", stem(project, "", key)),
            description: directive_value(&format!(
                "network {key} of compose project {}",
                project.name
            )),
            name: directive_value(
                &n.name
                    .clone()
                    .unwrap_or_else(|| format!("{}_{key}", project.name)),
            ),
            driver: n.driver.as_deref().map(directive_value),
            labels: n
                .labels
                .iter()
                .map(|(k, v)| exec_word(&format!("{k}={v}")))
                .collect(),
            options: n
                .driver_opts
                .iter()
                .map(|(k, v)| directive_value(&format!("{k}={v}")))
                .collect(),
            internal: n.internal == Some(true),
            subnet: ipam.and_then(|c| c.subnet.as_deref()).map(directive_value),
            gateway: ipam.and_then(|c| c.gateway.as_deref()).map(directive_value),
        };
        files.push(OutFile {
            name: ctx.unit.clone(),
            contents: templates.render("quadlet-network.tera", &ctx)?,
        });
    }
    for (key, v) in &project.volumes {
        if v.external {
            continue;
        }
        let ctx = ResourceCtx {
            unit: format!("{}.volume", stem(project, "", key)),
            description: directive_value(&format!(
                "volume {key} of compose project {}",
                project.name
            )),
            name: directive_value(
                &v.name
                    .clone()
                    .unwrap_or_else(|| format!("{}_{key}", project.name)),
            ),
            driver: v.driver.as_deref().map(directive_value),
            labels: v
                .labels
                .iter()
                .map(|(k, val)| exec_word(&format!("{k}={val}")))
                .collect(),
            options: v
                .driver_opts
                .iter()
                .map(|(k, val)| directive_value(&format!("{k}={val}")))
                .collect(),
            ..ResourceCtx::default()
        };
        files.push(OutFile {
            name: ctx.unit.clone(),
            contents: templates.render("quadlet-volume.tera", &ctx)?,
        });
    }
    env_files.extend(super::object_files(project));
    files.extend(env_files);
    Ok(Emitted {
        files,
        warnings: crate::backend::mapping::one_per_key(
            warnings,
            super::mapping::QUADLET_TABLE,
            "quadlet",
        ),
        anchors: Vec::new(),
        plan: Vec::new(),
    })
}

fn container(
    project: &Project,
    svc: &Service,
    run: &mut flags::RunFlags,
    dir: &str,
    warnings: &mut Vec<ConvertWarning>,
) -> ContainerCtx {
    let name = svc.name.as_str();
    let mut note = |rel: &str, message: String| {
        warnings.push(ConvertWarning {
            severity: Severity::Warning,
            service: Some(name.to_string()),
            key_path: format!("services.{name}.{}", rel.split('[').next().unwrap_or(rel)),
            span: svc.provenance.nearest_key_span(rel),
            message,
        });
    };
    for (rel, msg) in &run.notes {
        note(rel, msg.clone());
    }
    if svc.replicas() > 1 {
        note(
            "deploy.replicas",
            format!(
                "approximated for quadlet: one container runs, not {}: Quadlet files are not templates (use --to systemd for instances)",
                svc.replicas()
            ),
        );
    }
    let mut ctx = ContainerCtx {
        unit: format!("{}.container", stem(project, "", name)),
        description: directive_value(&format!("{name} (compose project {})", project.name)),
        image: run.args.first().cloned().unwrap_or_default(),
        container_name: exec_word(&format!("{}-{name}", project.name)),
        podman_args: std::mem::take(&mut run.flags),
        exec: run.args.iter().skip(1).cloned().collect(),
        timeout_stop_sec: {
            let grace = svc
                .stop_grace_period
                .map_or(10, |g| flags::ceil_secs(g.as_nanos()));
            (grace + 30).to_string()
        },
        ..ContainerCtx::default()
    };
    if !run.env_lines.is_empty() {
        ctx.environment_file = Some(directive_value(&format!("{dir}{name}.env")));
    }
    ctx.wants.push("network-online.target".into());
    ctx.after.push("network-online.target".into());
    if svc.network_mode.as_deref().is_none_or(str::is_empty) {
        for n in svc.networks.keys() {
            if project.networks.get(n).is_some_and(|x| !x.external) {
                let u = format!("{}-network.service", stem(project, "", n));
                ctx.requires.push(u.clone());
                ctx.after.push(u);
            }
        }
    }
    // Volume units already required (hashed: a service may mount thousands).
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for v in &svc.volumes {
        let named = v.kind.as_deref().is_none_or(|k| k == "volume");
        if let Some(src) = v.source.as_deref().filter(|_| named)
            && project.volumes.get(src).is_some_and(|x| !x.external)
        {
            let u = format!("{}-volume.service", stem(project, "", src));
            if seen.insert(u.clone()) {
                ctx.requires.push(u.clone());
                ctx.after.push(u);
            }
        }
    }
    for (dep, d) in &svc.depends_on {
        if !project.services.contains_key(dep) {
            continue;
        }
        let u = format!("{}.service", stem(project, "", dep));
        if d.required {
            ctx.requires.push(u.clone());
        } else {
            ctx.wants.push(u.clone());
        }
        ctx.after.push(u);
    }
    let (restart, delay) = match svc.restart.as_deref().unwrap_or("") {
        r if r.starts_with("on-failure") => ("on-failure", true),
        "always" | "unless-stopped" => ("always", true),
        "" => match svc
            .deploy
            .as_ref()
            .and_then(|d| d.restart_policy.as_ref())
            .map(|p| p.condition.as_deref().unwrap_or("any"))
        {
            Some("none") | None => ("no", false),
            Some("on-failure") => ("on-failure", true),
            Some(_) => ("always", true),
        },
        _ => ("no", false),
    };
    ctx.restart = restart.into();
    if delay {
        ctx.restart_sec = Some("5s".into());
    }
    ctx.reload_signal = super::reload_signal(svc).map(|s| exec_word(&s));
    ctx
}
