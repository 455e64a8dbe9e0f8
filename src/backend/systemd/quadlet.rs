//! Podman Quadlet output (`convert --to quadlet`): per service a `<project>-<service>.container`
//! (Quadlet generates `<project>-<service>.service` from it; with replicas on podman ≥ 5.0 a
//! template `<project>-<service>@.container`), per network and named volume a `.network` /
//! `.volume` file, and a plain `<project>.target` that starts and stops the project (Quadlet
//! passes `[Unit]`/`[Install]` through, so every container is `PartOf=`/`WantedBy=` it).
//!
//! The container's run options are the same escaped podman flags the systemd backend
//! computes, given to Quadlet as `PodmanArgs=` (Quadlet splits them with systemd's own
//! rules); image, name, command, environment file and restart policy use Quadlet's keys.
//! Keys a newer podman added are written only from `--podman-version` on ([`super::podman`]):
//! Quadlet refuses a unit with a key it does not know.

mod builtin;
mod resources;

use super::escape::{directive_value, exec_word, unit_name_part};
use super::podman::{Feature, PodmanVersion};
use super::readiness::{self, Readiness};
use super::render::{QUADLET_TEMPLATES, Templates};
use super::{HostDirs, Options, Runtime, flags};
use crate::backend::mapping::ConvertWarning;
use crate::backend::{EmitError, Emitted, OutFile};
use crate::diag::Severity;
use crate::model::{Project, Service};
use crate::source::Span;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Serialize, Default)]
struct ContainerCtx {
    unit: String,
    description: String,
    project_target: String,
    requires: Vec<String>,
    requires_mounts_for: Vec<String>,
    wants: Vec<String>,
    after: Vec<String>,
    image: String,
    container_name: String,
    notify_healthy: bool,
    podman_args: Vec<String>,
    exec: Vec<String>,
    oneshot: bool,
    environment_file: Option<String>,
    pre_start: Vec<String>,
    post_start: Vec<String>,
    restart: String,
    restart_sec: Option<String>,
    /// `StartLimitBurst=` and `StartLimitIntervalSec=`.
    start_limit: Option<(u64, String)>,
    timeout_start_sec: String,
    timeout_stop_sec: String,
    reload_signal: Option<String>,
    /// `[Install] WantedBy=` (none for a template: the project target wants its instances).
    wanted_by: Option<String>,
}

#[derive(Serialize)]
struct TargetCtx {
    unit: String,
    description: String,
    wants: Vec<String>,
}

fn stem(project: &Project, key: &str) -> String {
    format!("{}-{}", unit_name_part(&project.name), unit_name_part(key))
}

/// The Quadlet file names and generated service names of the project's services.
struct Layout {
    /// Service → the systemd units it runs as (`p-web.service`, or `p-web@1.service` …).
    units: BTreeMap<String, Vec<String>>,
    /// Service → whether it is a template (replicas on podman ≥ 5.0).
    template: BTreeSet<String>,
}

impl Layout {
    fn of(project: &Project, version: PodmanVersion) -> Layout {
        let mut units = BTreeMap::new();
        let mut template = BTreeSet::new();
        for (name, svc) in &project.services {
            let n = svc.replicas().max(0);
            if n > 1 && version.has(Feature::Templates) {
                template.insert(name.clone());
                let base = stem(project, name);
                units.insert(
                    name.clone(),
                    (1..=n).map(|i| format!("{base}@{i}.service")).collect(),
                );
            } else {
                units.insert(
                    name.clone(),
                    vec![format!("{}.service", stem(project, name))],
                );
            }
        }
        Layout { units, template }
    }

    /// Each service's first (or only) container, as `service:X` and `volumes_from` name it.
    fn first_containers(&self, project: &Project) -> BTreeMap<String, String> {
        project
            .services
            .keys()
            .map(|s| {
                let name = if self.template.contains(s) {
                    format!("{}-{s}-1", project.name)
                } else {
                    format!("{}-{s}", project.name)
                };
                (s.clone(), name)
            })
            .collect()
    }
}

/// Convert `project` to Quadlet files: the project target, containers, then networks, then
/// volumes, then env files.
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
    let version = opts.podman_version;
    let mut warnings: Vec<ConvertWarning> = Vec::new();
    let named = resources::with_quadlet_names(project, version, &mut warnings);
    let project: &Project = &named;
    let dirs = HostDirs::new(project, &opts);
    let layout = Layout::of(project, version);
    let ready = super::readiness::of(project);
    let mut files = Vec::new();
    let mut env_files = Vec::new();
    if opts.env_from.is_some() {
        warnings.push(project_warning(
            "--env-from etcd is not served by the Quadlet files: they read the env files (use --to systemd for units that read etcd)".into(),
        ));
    }
    if version < PodmanVersion::new(4, 4) {
        warnings.push(project_warning(format!(
            "Quadlet first shipped with podman 4.4 (--podman-version is {version}): podman {version} does not read these files"
        )));
    }
    let target = TargetCtx {
        unit: format!("{}.target", unit_name_part(&project.name)),
        description: directive_value(&format!("Compose project {}", project.name)),
        wants: layout.units.values().flatten().cloned().collect(),
    };
    files.push(OutFile {
        name: target.unit.clone(),
        contents: templates.render_unit(&target)?,
    });
    let first_instance = layout.first_containers(project);
    let cx = Cx {
        project,
        layout: &layout,
        ready: &ready,
        version,
        target: &target.unit,
    };
    let convert_one = |name: &&str| -> Result<ServiceFiles, EmitError> {
        let mut out = ServiceFiles::default();
        let Some(svc) = project.services.get(*name) else {
            return Ok(out);
        };
        let present = svc.provenance.iter().map(|(k, o)| (k, o.key_span));
        out.warnings = crate::backend::mapping::report(
            super::mapping::QUADLET_TABLE,
            "quadlet",
            name,
            present,
        );
        let naming = flags::Naming {
            instance: layout.template.contains(*name).then(|| "%i".to_string()),
            first_instance: Some(&first_instance),
        };
        let mut run = flags::run_flags_named(project, svc, Runtime::Podman, &dirs, None, &naming);
        let ctx = cx.container(svc, &mut run, &dirs, &mut out.warnings);
        out.unit = Some(OutFile {
            name: ctx.unit.clone(),
            contents: templates.render_unit(&ctx)?,
        });
        if !run.env_lines.is_empty() {
            out.env_files.push(OutFile {
                name: format!("{}/{name}.env", super::ENV_OUT),
                contents: run.env_lines,
            });
        }
        if !run.runtime_env_lines.is_empty() {
            out.env_files.push(OutFile {
                name: format!("{}/{name}.runtime.env", super::ENV_OUT),
                contents: run.runtime_env_lines,
            });
        }
        Ok(out)
    };
    let names = project.service_names();
    for converted in crate::par::map_in_order(&names, crate::par::MIN_PER_THREAD, convert_one) {
        let converted = converted?;
        files.extend(converted.unit);
        env_files.extend(converted.env_files);
        warnings.extend(converted.warnings);
    }
    for (key, n) in &project.networks {
        if n.external {
            continue;
        }
        let ctx = resources::network(project, key, n, version, &mut warnings);
        files.push(OutFile {
            name: ctx.unit.clone(),
            contents: templates.render_unit(&ctx)?,
        });
    }
    for (key, v) in &project.volumes {
        if v.external {
            continue;
        }
        let ctx = resources::volume(project, key, v, version, &mut warnings);
        files.push(OutFile {
            name: ctx.unit.clone(),
            contents: templates.render_unit(&ctx)?,
        });
    }
    env_files.extend(super::object_files(project));
    warnings.extend(super::shared_inline_modes(project));
    files.extend(env_files);
    let plan = super::plan::quadlet(project, &opts, &files);
    Ok(Emitted {
        files,
        warnings: crate::backend::mapping::one_per_key(
            warnings,
            super::mapping::QUADLET_TABLE,
            "quadlet",
        ),
        anchors: Vec::new(),
        plan,
        ..Emitted::default()
    })
}

/// What one service converts to, collected per service so that services can be converted on
/// several threads and still come out in order.
#[derive(Default)]
struct ServiceFiles {
    unit: Option<OutFile>,
    env_files: Vec<OutFile>,
    warnings: Vec<ConvertWarning>,
}

fn project_warning(message: String) -> ConvertWarning {
    ConvertWarning {
        severity: Severity::Warning,
        service: None,
        key_path: "services".into(),
        span: Span::SYNTHETIC,
        message,
    }
}

/// What every container reads.
struct Cx<'a> {
    project: &'a Project,
    layout: &'a Layout,
    ready: &'a BTreeMap<String, Readiness>,
    version: PodmanVersion,
    target: &'a str,
}

impl Cx<'_> {
    fn container(
        &self,
        svc: &Service,
        run: &mut flags::RunFlags,
        dirs: &HostDirs,
        warnings: &mut Vec<ConvertWarning>,
    ) -> ContainerCtx {
        let project = self.project;
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
        // `podman run --pull` through PodmanArgs= (any Quadlet; its own Pull= came later).
        let (policy, pull_note) = super::pull_of(svc);
        if let Some(message) = pull_note {
            note("pull_policy", message);
        }
        let pull = match policy {
            super::Pull::Always => Some("always"),
            super::Pull::Never => Some("never"),
            // podman's default is to pull a missing image.
            super::Pull::Missing | super::Pull::Default => None,
        };
        if let Some(p) = pull {
            run.flags.insert(0, format!("--pull {p}"));
        }
        let template = self.layout.template.contains(name);
        if svc.replicas() > 1 && !template {
            note(
                "deploy.replicas",
                format!(
                    "approximated for quadlet: one container runs, not {}: {} (use --to systemd for instances)",
                    svc.replicas(),
                    Feature::Templates.lacking(self.version)
                ),
            );
        }
        if template {
            for (i, p) in svc.ports.iter().enumerate() {
                if let Some(host) = p
                    .published
                    .as_deref()
                    .filter(|h| !h.is_empty() && !h.contains('-'))
                {
                    note(
                        &format!("ports[{i}]"),
                        format!(
                            "host port {host} is published by each of the {} instances on one host: only the first can bind it (use a port range or one instance)",
                            svc.replicas()
                        ),
                    );
                }
            }
        }
        let base = stem(project, name);
        let container_name = if template {
            format!("{}-%i", exec_word(&format!("{}-{name}", project.name)))
        } else {
            exec_word(&format!("{}-{name}", project.name))
        };
        let ready = self.ready.get(name).copied().unwrap_or(Readiness::None);
        let mut ctx = ContainerCtx {
            unit: if template {
                format!("{base}@.container")
            } else {
                format!("{base}.container")
            },
            description: directive_value(&format!("{name} (compose project {})", project.name)),
            project_target: self.target.to_string(),
            image: run.args.first().cloned().unwrap_or_default(),
            container_name,
            podman_args: std::mem::take(&mut run.flags),
            exec: run.args.iter().skip(1).cloned().collect(),
            timeout_stop_sec: {
                let grace = svc
                    .stop_grace_period
                    .map_or(10, |g| flags::ceil_secs(g.as_nanos()));
                (grace + 30).to_string()
            },
            // Quadlet pulls the image inside the start job (podman-systemd.unit(5)).
            timeout_start_sec: "300".into(),
            wanted_by: (!template).then(|| self.target.to_string()),
            ..ContainerCtx::default()
        };
        if !run.env_lines.is_empty() {
            ctx.environment_file = Some(directive_value(&format!("{}{name}.env", dirs.env)));
        }
        ctx.pre_start = run
            .create_dirs
            .iter()
            .map(|d| format!("-/bin/mkdir -p {}", exec_word(d)))
            .collect();
        // The mode and owner compose gives inline secret and config files: a Quadlet
        // `[Service]` section passes ExecStartPre= to the generated unit as written.
        ctx.pre_start.extend(run.file_modes.iter().cloned());
        ctx.requires_mounts_for = run
            .host_paths
            .iter()
            .filter(|p| super::mount_path_ok(p))
            .map(|p| directive_value(p))
            .collect();
        self.dependencies(svc, &mut ctx);
        if let Some(message) = readiness::propagation_note(svc) {
            note("depends_on", message);
        }
        match ready {
            Readiness::Job => {
                // podman-systemd.unit(5) "Service Type": a container expected to exit.
                ctx.oneshot = true;
                ctx.timeout_start_sec = "infinity".into();
            }
            Readiness::Healthy => self.health_gate(svc, &mut ctx, &mut note),
            // Quadlet's Type=notify (conmon) is started once the container runs.
            Readiness::Running | Readiness::None => {}
        }
        restart(svc, ready == Readiness::Job, &mut ctx, &mut note);
        ctx.reload_signal = super::reload_signal(svc).map(|s| exec_word(&s));
        ctx
    }

    /// Requires=/After= the network and volume units used, and the dependencies' services
    /// themselves (a failed job or health wait fails them, so `Requires=` fails the
    /// dependent as compose does).
    fn dependencies(&self, svc: &Service, ctx: &mut ContainerCtx) {
        let project = self.project;
        ctx.wants.push("network-online.target".into());
        ctx.after.push("network-online.target".into());
        if svc.network_mode.as_deref().is_none_or(str::is_empty) {
            for n in svc.networks.keys() {
                if project.networks.get(n).is_some_and(|x| !x.external) {
                    let u = format!("{}-network.service", stem(project, n));
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
                let u = format!("{}-volume.service", stem(project, src));
                if seen.insert(u.clone()) {
                    ctx.requires.push(u.clone());
                    ctx.after.push(u);
                }
            }
        }
        for (dep, d) in &svc.depends_on {
            let Some(units) = self.layout.units.get(dep) else {
                continue;
            };
            for u in units {
                if d.required {
                    ctx.requires.push(u.clone());
                } else {
                    ctx.wants.push(u.clone());
                }
                ctx.after.push(u.clone());
            }
        }
    }

    /// A dependent waits for this container to be healthy: `Notify=healthy` from podman 5.0
    /// (podman sends READY once the healthcheck passes), else a wait after the start.
    fn health_gate(
        &self,
        svc: &Service,
        ctx: &mut ContainerCtx,
        note: &mut impl FnMut(&str, String),
    ) {
        let checked = super::podman::has_healthcheck(svc);
        if !checked {
            note(
                "healthcheck",
                "a dependent waits for this service to be healthy but it has no healthcheck here: the start waits for a health status that never comes and fails, as compose fails the dependent".into(),
            );
        }
        // podman refuses Notify=healthy (--sdnotify=healthy) without a healthcheck.
        if checked && self.version.has(Feature::NotifyHealthy) {
            ctx.notify_healthy = true;
        } else {
            ctx.post_start.push(readiness::wait_healthy_of(
                Runtime::Podman,
                &ctx.container_name,
            ));
        }
        ctx.timeout_start_sec = (300 + readiness::health_budget(svc)).to_string();
    }
}

/// `restart` / `deploy.restart_policy` → Restart=, RestartSec= and start limits, as the
/// units have them.
fn restart(svc: &Service, job: bool, ctx: &mut ContainerCtx, note: &mut impl FnMut(&str, String)) {
    let plan = super::restart::plan(svc, job);
    ctx.restart = plan.restart.into();
    ctx.restart_sec = plan.restart_sec;
    ctx.start_limit = plan.start_limit;
    for (rel, message) in plan.notes {
        note(&rel, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_are_templates_from_podman_5_only() {
        let mut p = Project {
            name: "p".into(),
            ..Project::default()
        };
        let web = Service {
            scale: Some(2),
            ..Service::default()
        };
        p.services.insert("web".into(), Box::new(web));
        let old = Layout::of(&p, PodmanVersion::new(4, 9));
        assert_eq!(
            old.units.get("web"),
            Some(&vec!["p-web.service".to_string()])
        );
        assert_eq!(
            old.first_containers(&p).get("web").map(String::as_str),
            Some("p-web")
        );
        let new = Layout::of(&p, PodmanVersion::new(5, 0));
        assert_eq!(
            new.units.get("web"),
            Some(&vec![
                "p-web@1.service".to_string(),
                "p-web@2.service".into()
            ])
        );
        assert_eq!(
            new.first_containers(&p).get("web").map(String::as_str),
            Some("p-web-1")
        );
    }
}
