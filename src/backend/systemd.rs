//! The systemd backend: every compose service becomes a template unit
//! `<project>-<service>@.service` whose instances (`@1`…`@N`, or the published port with
//! `--instance-port`) each run one container (the fleet pattern), grouped by a
//! `<project>-<service>.target` that `Wants=` the instances; `<project>.target` starts the
//! whole project; networks and named volumes get idempotent oneshot units. Environment
//! values go to env files, never into unit text. `convert --to quadlet` writes Podman Quadlet
//! files instead (see [`quadlet`]).
//!
//! Submodules: [`mapping`] (key tables), [`escape`] (all quoting), [`flags`] (run flags of a
//! service), [`readiness`] (when a unit counts as started), [`render`] (tera templates, built
//! in or overridden), [`quadlet`].
//!
//! Container lifecycle (docker runtime), as compose's: the container persists across stop and
//! start, so its anonymous and image-declared volumes survive restarts and reboots, and it is
//! recreated only when its configuration changed (a `io.transship.config-hash` label) or its
//! image did. `ExecStartPre=` creates it (one network; the others are connected, as compose
//! does for engines before API 1.44) and `ExecStart=docker start -a` runs it in the
//! foreground. The podman runtime keeps the shape of `podman generate systemd --new`.

pub mod escape;
pub mod etcd;
pub mod flags;
pub mod mapping;
pub mod plan;
pub mod podman;
pub mod quadlet;
pub mod readiness;
pub mod render;
pub mod restart;
pub mod rollout;

use crate::backend::mapping::{ConvertWarning, KeyRule, report};
use crate::backend::{Backend, EmitError, Emitted, OutFile};
use crate::diag::Severity;
use crate::model::{Project, Service};
use crate::source::Span;
use escape::{directive_value, exec_word, unit_name_part};
use serde::Serialize;
use std::path::PathBuf;

/// The container runtime the units call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Runtime {
    #[default]
    Docker,
    Podman,
}

impl Runtime {
    /// The command name (systemd finds it on its fixed search path).
    pub fn command(self) -> &'static str {
        match self {
            Runtime::Docker => "docker",
            Runtime::Podman => "podman",
        }
    }
}

/// `convert --to systemd` (and `--to quadlet`) flags.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--runtime docker|podman`.
    pub runtime: Runtime,
    /// `--instance-port`: a service's instances are named by its first published port.
    pub instance_port: bool,
    /// `--fleet`: add `[X-Fleet]` sections.
    pub fleet: bool,
    /// `--env-dir DIR`: where env files are installed (default `/etc/<project>/`).
    pub env_dir: Option<String>,
    /// `--templates DIR`: tera templates overriding the built-in ones by file name.
    pub templates: Option<PathBuf>,
    /// `--project-root DIR`: where the project directory is on the machines that run the
    /// units (default `/srv/<project>`).
    pub project_root: Option<String>,
    /// `--podman-version X.Y`: the podman the podman units and Quadlet files are written for
    /// (gates version-dependent keys and flags; see [`podman`]).
    pub podman_version: podman::PodmanVersion,
    /// The environment the project was loaded with: `environment:` secrets and configs are
    /// written from it, as compose reads them at `up`.
    pub environment: crate::load::options::Environment,
    /// `--env-from etcd[:PREFIX]`: environment values read from etcd at each start.
    pub env_from: Option<etcd::EnvFrom>,
}

pub struct SystemdBackend;

impl Backend for SystemdBackend {
    fn id(&self) -> &'static str {
        "systemd"
    }
    fn mapping(&self) -> &'static [KeyRule] {
        mapping::TABLE
    }
}

/// The env directory with a trailing slash.
pub fn env_dir(project: &Project, opts: &Options) -> String {
    let d = opts
        .env_dir
        .clone()
        .unwrap_or_else(|| format!("/etc/{}/", project.name));
    if d.ends_with('/') { d } else { format!("{d}/") }
}

/// Where a unit finds its files on the machine that runs it: the env directory (with a
/// trailing slash) and the project directory (without one). Computed once per conversion.
pub struct HostDirs {
    pub env: String,
    pub project_root: String,
}

impl HostDirs {
    pub fn new(project: &Project, opts: &Options) -> Self {
        HostDirs {
            env: env_dir(project, opts),
            project_root: project_root(project, opts),
        }
    }
}

/// Where bind-mounted project files live on the target machines, without a trailing slash.
fn project_root(project: &Project, opts: &Options) -> String {
    let d = crate::backend::project_root(project, opts.project_root.as_deref());
    match d.trim_end_matches('/') {
        "" => "/".to_string(),
        t => t.to_string(),
    }
}

/// Unit name of a service's template (`proj-web@.service`) without the suffix parts.
fn service_prefix(project: &Project, service: &str) -> String {
    format!(
        "{}-{}",
        unit_name_part(&project.name),
        unit_name_part(service)
    )
}

/// `<project>-<service>-healthy`: the prefix of the units that are started once an instance
/// is healthy.
fn healthy_prefix(project: &Project, service: &str) -> String {
    format!("{}-healthy", service_prefix(project, service))
}

/// The unit a docker instance's health is waited for in, when a dependent waits for
/// `service_healthy` (podman's units wait in the instance: `--sdnotify=healthy`).
#[derive(Serialize)]
struct HealthyCtx {
    project: String,
    service: String,
    unit: String,
    description: String,
    instance: String,
    wait: String,
    timeout_start_sec: String,
}

fn healthy_unit(
    project: &Project,
    svc: &Service,
    rt: Runtime,
    shared: &Shared,
) -> Option<HealthyCtx> {
    if rt != Runtime::Docker
        || shared.readiness.get(&svc.name) != Some(&readiness::Readiness::Healthy)
    {
        return None;
    }
    let prefix = service_prefix(project, &svc.name);
    Some(HealthyCtx {
        project: project.name.clone(),
        service: svc.name.clone(),
        unit: format!("{}@.service", healthy_prefix(project, &svc.name)),
        description: format!(
            "{} instance %i is healthy",
            directive_value(&format!("{} (compose project {})", svc.name, project.name))
        ),
        instance: format!("{prefix}@%i.service"),
        // The container is the instance's `%p-%i`: the same prefix text, which systemd
        // expands and unescapes the same way in this line.
        wait: readiness::wait_healthy_of(rt, &format!("{prefix}-%i")),
        timeout_start_sec: (30 + readiness::health_budget(svc)).to_string(),
    })
}

fn service_target(project: &Project, service: &str) -> String {
    format!("{}.target", service_prefix(project, service))
}

fn project_target(project: &Project) -> String {
    format!("{}.target", unit_name_part(&project.name))
}

fn network_unit(project: &Project, key: &str) -> String {
    format!(
        "{}-network-{}.service",
        unit_name_part(&project.name),
        unit_name_part(key)
    )
}

fn volume_unit(project: &Project, key: &str) -> String {
    format!(
        "{}-volume-{}.service",
        unit_name_part(&project.name),
        unit_name_part(key)
    )
}

/// Where the env files and inline secrets are returned in the output directory.
pub const ENV_OUT: &str = "env";

/// Convert `project` to unit files (project target, then per service its target and template,
/// then network and volume units) followed by env files under `env/`.
///
/// # Errors
/// A value holds a NUL byte, or a `--templates` file cannot be read or rendered.
pub fn emit(project: &Project, opts: &Options) -> Result<Emitted, EmitError> {
    refuse_nul(project)?;
    let templates = render::Templates::load(opts.templates.as_deref(), render::UNIT_TEMPLATES)?;
    let dirs = HostDirs::new(project, opts);
    let mut files = Vec::new();
    let mut env_files = Vec::new();
    let mut warnings = Vec::new();
    let names = project.service_names();
    let shared = Shared::new(project, opts);
    let ctx = ProjectCtx {
        project: &project.name,
        unit: project_target(project),
        description: directive_value(&format!("Compose project {}", project.name)),
        wants: names.iter().map(|n| service_target(project, n)).collect(),
    };
    files.push(OutFile {
        name: ctx.unit.clone(),
        contents: templates.render("project-target.tera", &ctx)?,
    });
    for name in names {
        let Some(svc) = project.services.get(name) else {
            continue;
        };
        let unit = service_unit(project, svc, opts, &dirs, &shared, &mut warnings)?;
        let target = TargetCtx {
            project: &project.name,
            service: name,
            unit: service_target(project, name),
            description: directive_value(&format!(
                "Service {name} of compose project {}",
                project.name
            )),
            project_target: project_target(project),
            instances: unit
                .instances
                .iter()
                .map(|i| format!("{}@{i}.service", service_prefix(project, name)))
                .collect(),
        };
        files.push(OutFile {
            name: target.unit.clone(),
            contents: templates.render("service-target.tera", &target)?,
        });
        files.push(OutFile {
            name: unit.ctx.unit.clone(),
            contents: templates.render("service.tera", &unit.ctx)?,
        });
        let prefix = service_prefix(project, name);
        if let Some(r) = rollout::of(&project.name, svc, &prefix, &unit.instances, opts.runtime) {
            files.push(OutFile {
                name: r.script.clone(),
                contents: templates.render("rollout.tera", &r)?,
            });
        }
        if let Some(h) = healthy_unit(project, svc, opts.runtime, &shared) {
            files.push(OutFile {
                name: h.unit.clone(),
                contents: templates.render("service-healthy.tera", &h)?,
            });
        }
        if !unit.env.is_empty() {
            env_files.push(OutFile {
                name: format!("{ENV_OUT}/{name}.env"),
                contents: unit.env,
            });
        }
        if !unit.runtime_env.is_empty() {
            env_files.push(OutFile {
                name: format!("{ENV_OUT}/{name}.runtime.env"),
                contents: unit.runtime_env,
            });
        }
    }
    for r in resources(project, opts) {
        files.push(OutFile {
            name: r.unit.clone(),
            contents: templates.render("resource.tera", &r)?,
        });
    }
    let (objects, missing) = object_files_from(project, &opts.environment);
    env_files.extend(objects);
    warnings.extend(missing);
    warnings.extend(shared_inline_modes(project));
    files.extend(env_files);
    warnings.extend(top_level_warnings(project));
    if opts.runtime == Runtime::Podman {
        warnings.extend(podman::resource_warnings(project));
    }
    if opts.fleet {
        warnings.push(plan::fleet_warning());
    }
    Ok(Emitted {
        plan: plan::systemd(project, opts, &files),
        files,
        warnings: crate::backend::mapping::one_per_key(warnings, mapping::TABLE, "systemd"),
        anchors: Vec::new(),
        ..Emitted::default()
    })
}

/// No argument or environment variable can hold a NUL byte.
pub(crate) fn refuse_nul(project: &Project) -> Result<(), EmitError> {
    for (name, s) in &project.services {
        if crate::backend::nul::has_nul(s) {
            return Err(EmitError::new(
                s.provenance.key_span,
                format!("services.{name}"),
                "a value contains a NUL character, which no command line or environment can carry",
            ));
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct ProjectCtx<'a> {
    project: &'a str,
    unit: String,
    description: String,
    wants: Vec<String>,
}

#[derive(Serialize)]
struct TargetCtx<'a> {
    project: &'a str,
    service: &'a str,
    unit: String,
    description: String,
    project_target: String,
    instances: Vec<String>,
}

/// What `service.tera` receives: every user value in it is already escaped.
#[derive(Serialize, Default)]
struct ServiceCtx {
    project: String,
    service: String,
    unit: String,
    description: String,
    service_target: String,
    requires: Vec<String>,
    wants: Vec<String>,
    after: Vec<String>,
    requires_mounts_for: Vec<String>,
    start_limit_burst: Option<u64>,
    start_limit_interval: String,
    #[serde(rename = "type")]
    kind: &'static str,
    remain_after_exit: bool,
    notify_access: Option<&'static str>,
    environment_file: Option<String>,
    runtime: &'static str,
    /// `ExecStartPre=` lines before the create (or run) line, prefix included.
    pre_start: Vec<String>,
    image: String,
    /// `create` (docker: an `ExecStartPre=-`, `start` runs it) or `run` (podman).
    create_verb: &'static str,
    /// A command the create line runs through (`--env-from etcd`: fetch, compare, create);
    /// the create's failure then fails the start.
    create_wrapper: Option<String>,
    run_options: Vec<String>,
    flags: Vec<String>,
    args: Vec<String>,
    /// `ExecStartPre=-` lines after the create line (docker `network connect`).
    connects: Vec<String>,
    /// The `ExecStart=` line when the container is created beforehand.
    start: Option<String>,
    post_start: Vec<String>,
    pre_stop: Vec<String>,
    stop: String,
    exec_stop_post: Option<String>,
    success_exit_status: Option<&'static str>,
    reload_signal: Option<String>,
    restart: &'static str,
    restart_sec: Option<String>,
    timeout_start_sec: String,
    timeout_stop_sec: String,
    fleet: Option<FleetCtx>,
}

#[derive(Serialize, Default)]
struct FleetCtx {
    conflicts: Vec<String>,
    machine_metadata: Vec<String>,
    /// `deploy.mode: global`: fleet runs the unit on every machine (`Global=true`).
    global: bool,
}

/// What every service's unit needs to know about the others.
struct Shared {
    readiness: std::collections::BTreeMap<String, readiness::Readiness>,
    /// Each service's instance names.
    instances: std::collections::BTreeMap<String, Vec<String>>,
    naming_first: std::collections::BTreeMap<String, String>,
}

impl Shared {
    fn new(project: &Project, opts: &Options) -> Self {
        let instances: std::collections::BTreeMap<String, Vec<String>> = project
            .services
            .iter()
            .map(|(n, s)| (n.clone(), instances(s, opts.instance_port).0))
            .collect();
        let naming_first = instances
            .iter()
            .filter_map(|(n, i)| {
                Some((
                    n.clone(),
                    format!("{}-{}", service_prefix(project, n), i.first()?),
                ))
            })
            .collect();
        Shared {
            readiness: readiness::of(project),
            instances,
            naming_first,
        }
    }
}

struct ServiceUnit {
    ctx: ServiceCtx,
    instances: Vec<String>,
    env: String,
    runtime_env: String,
}

/// Warnings for a service: the table's rows for present keys, then value-level notes.
struct Notes<'a> {
    svc: &'a Service,
    out: &'a mut Vec<ConvertWarning>,
}

impl Notes<'_> {
    fn warn(&mut self, rel: &str, message: String) {
        self.out.push(ConvertWarning {
            severity: Severity::Warning,
            service: Some(self.svc.name.clone()),
            key_path: format!(
                "services.{}.{}",
                self.svc.name,
                rel.split('[').next().unwrap_or(rel)
            ),
            span: self.svc.provenance.nearest_key_span(rel),
            message,
        });
    }
}

fn service_unit(
    project: &Project,
    svc: &Service,
    opts: &Options,
    dirs: &HostDirs,
    shared: &Shared,
    warnings: &mut Vec<ConvertWarning>,
) -> Result<ServiceUnit, EmitError> {
    let name = svc.name.as_str();
    let present = svc.provenance.iter().map(|(k, o)| (k, o.key_span));
    warnings.extend(report(mapping::TABLE, "systemd", name, present));
    let mut notes = Notes { svc, out: warnings };
    let (instances, port_index) = instances(svc, opts.instance_port);
    let naming = flags::Naming {
        instance: Some("%i".into()),
        first_instance: Some(&shared.naming_first),
    };
    let run = flags::run_flags_named(project, svc, opts.runtime, dirs, port_index, &naming);
    for (rel, msg) in &run.notes {
        notes.warn(rel, msg.clone());
    }
    fixed_ports(svc, instances.len(), port_index, &mut notes);
    image_volumes(svc, opts.runtime, &mut notes);
    interpolated_secrets(svc, &opts.environment, &mut notes);
    let ready = shared
        .readiness
        .get(name)
        .copied()
        .unwrap_or(readiness::Readiness::None);
    let prefix = service_prefix(project, name);
    let rt = opts.runtime;
    let mut ctx = ServiceCtx {
        project: project.name.clone(),
        service: name.to_string(),
        unit: format!("{prefix}@.service"),
        description: directive_value(&format!(
            "{name} (compose project {}) instance %i",
            project.name
        ))
        .replace("%%i", "%i"),
        service_target: service_target(project, name),
        runtime: rt.command(),
        image: exec_word(&flags::image_of(project, svc)),
        flags: run.flags,
        args: run.args,
        timeout_start_sec: "300".into(),
        requires_mounts_for: run
            .host_paths
            .iter()
            .filter(|p| mount_path_ok(p))
            .map(|p| directive_value(p))
            .collect(),
        ..ServiceCtx::default()
    };
    dependencies(project, svc, rt, shared, &mut ctx);
    if !run.env_lines.is_empty() {
        ctx.environment_file = Some(directive_value(&format!("{}{name}.env", dirs.env)));
    }
    let job = ready == readiness::Readiness::Job;
    restart(svc, job, &mut ctx, &mut notes);
    if let Some(message) = readiness::propagation_note(svc) {
        notes.warn("depends_on", message);
    }
    let grace = svc
        .stop_grace_period
        .map_or(10, |g| flags::ceil_secs(g.as_nanos()));
    ctx.timeout_stop_sec = (grace + 30).to_string();
    lifecycle(svc, rt, grace, job, &run.create_dirs, &mut ctx, &mut notes);
    ctx.pre_start.extend(run.file_modes.iter().cloned());
    let from_etcd = etcd_names(svc, opts, &mut notes);
    let env_lines = if from_etcd.is_empty() {
        run.env_lines
    } else {
        // The values come at start; the hash covers them then.
        ctx.environment_file = Some(directive_value(&format!("-{}etcd.env", dirs.env)));
        String::new()
    };
    let hash = config_hash(&ctx, &env_lines, &run.runtime_env_lines);
    if let (Some(from), false) = (&opts.env_from, from_etcd.is_empty()) {
        let dir = from.service_dir(&project.name, name);
        ctx.create_wrapper = Some(format!(
            "/bin/sh -c {} %p-%i {hash} {} {} {} --",
            exec_word(etcd::FETCH_AND_CREATE),
            ctx.image,
            exec_word(&dir),
            from_etcd.join(" ")
        ));
        ctx.connects = run
            .connects
            .iter()
            .map(|c| format!("docker network connect {c} %p-%i"))
            .collect();
    } else if rt == Runtime::Docker {
        ctx.run_options
            .push(format!("--label io.transship.config-hash={hash}"));
        ctx.pre_start.push(format!(
            "-/bin/sh -c {} %p-%i {hash} {}",
            exec_word(RECREATE_IF_CHANGED),
            ctx.image
        ));
        ctx.connects = run
            .connects
            .iter()
            .map(|c| format!("docker network connect {c} %p-%i"))
            .collect();
    }
    readiness_wait(svc, rt, opts.podman_version, ready, &mut ctx, &mut notes);
    ctx.reload_signal = reload_signal(svc).map(|s| exec_word(&s));
    ctx.pre_stop = svc.pre_stop.iter().filter_map(hook_words).collect();
    if opts.fleet {
        // No empty [X-Fleet] section for a service without placement.
        ctx.fleet = Some(fleet(svc, &prefix, &mut notes))
            .filter(|f| f.global || !f.conflicts.is_empty() || !f.machine_metadata.is_empty());
    }
    Ok(ServiceUnit {
        ctx,
        instances,
        env: env_lines,
        runtime_env: run.runtime_env_lines,
    })
}

/// The names `--env-from etcd` serves for `svc`: its values the units would otherwise write
/// to the systemd env file (names systemd and the shell accept, not read by the runtime's
/// own CLI). The others stay in their files, with a note; podman units are not served yet.
fn etcd_names(svc: &Service, opts: &Options, notes: &mut Notes) -> Vec<String> {
    if opts.env_from.is_none() || svc.environment.is_empty() {
        return Vec::new();
    }
    if opts.runtime != Runtime::Docker {
        notes.warn(
            "environment",
            "--env-from etcd is not served for --runtime podman yet: the values stay in the env file".into(),
        );
        return Vec::new();
    }
    let mut names = Vec::new();
    for (name, value) in &svc.environment {
        if value.is_none() {
            continue;
        }
        if etcd::served(name) {
            names.push(name.clone());
        } else {
            notes.warn(
                &format!("environment.{name}"),
                format!("{name} is not read from etcd (the runtime's own CLI reads it, or it is not a shell name): it stays in the env file"),
            );
        }
    }
    names
}

/// Keeps the container as it is while a rollout's rollback pins it
/// (`/run/transship/keep/<container>`, see [`rollout`]). Removes the container (`$0`)
/// unless it was created from this configuration (`$1`, see
/// [`config_hash`]) and from the image `$2` now names; then the create that follows makes it
/// anew. Values are positional parameters, never shell text.
const RECREATE_IF_CHANGED: &str = "[ -e \"/run/transship/keep/$0\" ] && exit 0; have=$(docker inspect -f '{{index .Config.Labels \"io.transship.config-hash\"}} {{.Image}}' \"$0\" 2>/dev/null) || exit 0; want=\"$1 $(docker image inspect -f '{{.Id}}' \"$2\" 2>/dev/null)\"; [ \"$have\" = \"$want\" ] || exec docker rm -f \"$0\"";

/// A stable digest of what the container is created from: the create words and the values
/// of its environment (an env file changed by a new conversion recreates the container).
fn config_hash(ctx: &ServiceCtx, env: &str, runtime_env: &str) -> String {
    let mut text = String::new();
    for w in ctx.run_options.iter().chain(&ctx.flags).chain(&ctx.args) {
        text.push_str(w);
        text.push('\0');
    }
    text.push_str(env);
    text.push('\0');
    text.push_str(runtime_env);
    stable_hash(text.as_bytes())
}

/// 64-bit FNV-1a as 16 hex digits: the same on every machine and release.
pub(crate) fn stable_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Paths `RequiresMountsFor=` reads as one word each.
pub(crate) fn mount_path_ok(p: &str) -> bool {
    p.starts_with('/')
        && !p.contains(|c: char| c.is_whitespace() || c.is_control() || "\"'\\".contains(c))
}

/// A fixed published host port on more than one instance: the second cannot bind it.
fn fixed_ports(svc: &Service, count: usize, instance_port: Option<usize>, notes: &mut Notes) {
    if count < 2 {
        return;
    }
    for (i, p) in svc.ports.iter().enumerate() {
        let Some(host) = p.published.as_deref().filter(|h| !h.is_empty()) else {
            continue;
        };
        if instance_port == Some(i) || host.contains('-') {
            continue;
        }
        notes.warn(
            &format!("ports[{i}]"),
            format!(
                "host port {host} is published by each of the {count} instances on one host: only the first can bind it (Swarm's routing mesh shares it; here use --instance-port, a port range or one instance)"
            ),
        );
    }
}

/// Data directories official data-store images declare as `VOLUME` (their Dockerfiles).
const IMAGE_VOLUMES: &[(&str, &str)] = &[
    ("postgres", "/var/lib/postgresql/data"),
    ("mysql", "/var/lib/mysql"),
    ("mariadb", "/var/lib/mysql"),
    ("mongo", "/data/db"),
    ("redis", "/data"),
    ("rabbitmq", "/var/lib/rabbitmq"),
    ("cassandra", "/var/lib/cassandra"),
    ("couchdb", "/opt/couchdb/data"),
];

/// A data-store image whose data directory is not mounted keeps its data in the volume the
/// image declares: podman's `--rm` deletes it at every stop; docker keeps it with the
/// container, but a recreated container (changed configuration or image) starts with a
/// new one, where compose carries the old one over.
fn image_volumes(svc: &Service, rt: Runtime, notes: &mut Notes) {
    let Some(image) = svc.image.as_deref() else {
        return;
    };
    let name = crate::analysis::listen::image_name(image);
    let Some((_, dir)) = IMAGE_VOLUMES.iter().find(|(n, _)| *n == name) else {
        return;
    };
    if svc
        .volumes
        .iter()
        .any(|v| v.target.as_deref().map(|t| t.trim_end_matches('/')) == Some(*dir))
    {
        return;
    }
    let lost = match rt {
        Runtime::Docker => {
            "the unit keeps the container, and the volume with it, across restarts, but a changed configuration or image recreates the container with a new, empty volume (compose carries the old one over)"
        }
        Runtime::Podman => "podman's --rm deletes it whenever the container stops",
    };
    notes.warn(
        "image",
        format!("{image} keeps its data in the anonymous volume its image declares at {dir}: {lost}; mount a named volume there"),
    );
}

/// A secret-looking variable of the load-time environment (or .env) whose value was
/// interpolated into the command line: unlike env file values, unit text is readable by
/// every local user (`systemctl show -p ExecStart`).
fn interpolated_secrets(svc: &Service, env: &crate::load::options::Environment, notes: &mut Notes) {
    const SECRET: &[&str] = &["PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH"];
    let fields = [("command", &svc.command), ("entrypoint", &svc.entrypoint)];
    for (key, words) in fields {
        let Some(words) = words else { continue };
        for (var, value) in env {
            let upper = var.to_ascii_uppercase();
            if value.len() < 4 || !SECRET.iter().any(|s| upper.contains(s)) {
                continue;
            }
            if words.iter().any(|w| w.contains(value.as_str())) {
                notes.warn(
                    key,
                    format!("holds the value of {var} (interpolated at conversion): the unit file, readable by every local user (systemctl show), then holds it too; pass it through `environment` and refer to it as $${var} (a literal `$`, expanded by a shell in the container) instead"),
                );
            }
        }
    }
}

/// Type=, the create/run and start lines, the stop line and the pull step.
fn lifecycle(
    svc: &Service,
    rt: Runtime,
    grace: i64,
    job: bool,
    create_dirs: &[String],
    ctx: &mut ServiceCtx,
    notes: &mut Notes,
) {
    ctx.pre_start = create_dirs
        .iter()
        .map(|d| format!("-/bin/mkdir -p {}", exec_word(d)))
        .collect();
    ctx.success_exit_status = Some("143");
    match rt {
        Runtime::Docker => {
            ctx.kind = if job { "oneshot" } else { "simple" };
            ctx.create_verb = "create";
            ctx.run_options = vec!["--name %p-%i".into()];
            ctx.start = Some("docker start -a %p-%i".into());
            ctx.stop = format!("-docker stop -t {grace} %p-%i");
        }
        Runtime::Podman => {
            ctx.pre_start.insert(0, "-podman rm -f %p-%i".into());
            ctx.create_verb = "run";
            if job {
                // In the foreground: the unit is started once the job has exited.
                ctx.kind = "oneshot";
                ctx.run_options = vec![
                    "--rm".into(),
                    "--replace".into(),
                    "--cgroups=no-conmon".into(),
                    "--name %p-%i".into(),
                ];
            } else {
                ctx.kind = "notify";
                ctx.notify_access = Some("all");
                ctx.run_options = vec![
                    "--rm".into(),
                    "--replace".into(),
                    "--detach".into(),
                    "--sdnotify=conmon".into(),
                    "--cgroups=no-conmon".into(),
                    "--name %p-%i".into(),
                ];
            }
            ctx.stop = format!("podman stop --ignore -t {grace} %p-%i");
            ctx.exec_stop_post = Some("-podman rm -f --ignore %p-%i".into());
        }
    }
    if job {
        ctx.remain_after_exit = true;
        // compose waits for a job however long it runs.
        ctx.timeout_start_sec = "infinity".into();
    }
    pull_policy(svc, ctx, notes);
}

/// `ExecStartPost=` waits that make `After=` mean what the dependents' conditions ask for.
fn readiness_wait(
    svc: &Service,
    rt: Runtime,
    podman_version: podman::PodmanVersion,
    ready: readiness::Readiness,
    ctx: &mut ServiceCtx,
    notes: &mut Notes,
) {
    match ready {
        readiness::Readiness::Healthy => {
            if svc.healthcheck.as_ref().is_some_and(|h| {
                h.disable == Some(true) || h.test.first().is_some_and(|t| t == "NONE")
            }) {
                notes.warn(
                    "healthcheck",
                    "a dependent waits for this service to be healthy but its healthcheck is disabled: the unit fails to start, as compose fails the dependent".into(),
                );
            }
            match rt {
                // The health wait is its own unit (healthy_unit): dependents that only wait
                // for service_started start once the container runs, as with compose.
                Runtime::Docker => ctx.post_start.push(readiness::wait_running(rt)),
                Runtime::Podman if podman::sd_notify_healthy(podman_version, svc) => {
                    podman::notify_when_healthy(&mut ctx.run_options);
                    ctx.timeout_start_sec = (300 + readiness::health_budget(svc)).to_string();
                }
                Runtime::Podman => {
                    ctx.post_start.push(readiness::wait_healthy(rt));
                    ctx.timeout_start_sec = (300 + readiness::health_budget(svc)).to_string();
                }
            }
        }
        // podman's Type=notify (conmon) is started once the container runs.
        readiness::Readiness::Running if rt == Runtime::Docker => {
            ctx.post_start.push(readiness::wait_running(rt));
        }
        _ => {}
    }
}

/// Instance names: `1..N`, or with `--instance-port` the first published port counted up
/// (a range gives its own ports). Also which `ports` entry the instance name replaces.
fn instances(svc: &Service, by_port: bool) -> (Vec<String>, Option<usize>) {
    let n = svc.replicas().max(0);
    let numbered = || ((1..=n).map(|i| i.to_string()).collect(), None);
    if !by_port {
        return numbered();
    }
    let found = svc.ports.iter().enumerate().find_map(|(i, p)| {
        let published = p.published.as_deref()?;
        let start: u32 = published.split('-').next()?.parse().ok()?;
        Some((i, start))
    });
    match found {
        Some((i, start)) => (
            (0..n)
                .filter_map(|k| u32::try_from(k).ok().and_then(|k| start.checked_add(k)))
                .map(|p| p.to_string())
                .collect(),
            Some(i),
        ),
        None => numbered(),
    }
}

/// Requires=/After= on the runtime, the networks and volumes used, and dependencies' targets.
fn dependencies(
    project: &Project,
    svc: &Service,
    rt: Runtime,
    shared: &Shared,
    ctx: &mut ServiceCtx,
) {
    match rt {
        Runtime::Docker => {
            ctx.requires.push("docker.service".into());
            ctx.after.push("docker.service".into());
        }
        Runtime::Podman => {
            ctx.wants.push("network-online.target".into());
            ctx.after.push("network-online.target".into());
        }
    }
    let mut resources = Vec::new();
    // Units already required (a volume mounted twice is one unit): hashed, a service may
    // mount thousands.
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    if svc.network_mode.as_deref().is_none_or(str::is_empty) {
        for n in svc.networks.keys() {
            if project.networks.get(n).is_some_and(|x| !x.external) {
                resources.push(network_unit(project, n));
            }
        }
    }
    for v in &svc.volumes {
        let named = v.kind.as_deref().is_none_or(|k| k == "volume");
        if let Some(src) = v.source.as_deref().filter(|_| named)
            && project.volumes.get(src).is_some_and(|x| !x.external)
        {
            let u = volume_unit(project, src);
            if seen.insert(u.clone()) {
                resources.push(u);
            }
        }
    }
    for u in resources {
        ctx.requires.push(u.clone());
        ctx.after.push(u);
    }
    // The dependency's instances themselves: a failed health wait or job fails them, not
    // their target, and the targets are ordered before the instances (so that stopping a
    // target waits for its containers).
    for (dep, d) in &svc.depends_on {
        let Some(list) = shared.instances.get(dep) else {
            continue;
        };
        let healthy = rt == Runtime::Docker
            && d.condition.as_deref() == Some("service_healthy")
            && shared.readiness.get(dep) == Some(&readiness::Readiness::Healthy);
        let prefix = if healthy {
            healthy_prefix(project, dep)
        } else {
            service_prefix(project, dep)
        };
        for i in list {
            let u = format!("{prefix}@{i}.service");
            if d.required {
                ctx.requires.push(u.clone());
            } else {
                ctx.wants.push(u.clone());
            }
            ctx.after.push(u);
        }
    }
}

/// `pull_policy`: an explicit pull step, or the runtime's own `--pull`.
/// compose's `pull_policy` as the units and the Quadlet files apply it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pull {
    /// None given: the runtime's own default (pull a missing image).
    Default,
    Always,
    Missing,
    Never,
}

/// The service's pull policy, with a note when it is approximated (a period becomes
/// every start) or unknown.
pub(crate) fn pull_of(svc: &Service) -> (Pull, Option<String>) {
    match svc.pull_policy.as_deref().unwrap_or("") {
        "" => (Pull::Default, None),
        "always" => (Pull::Always, None),
        p if matches!(p, "daily" | "weekly") || p.starts_with("every_") => (
            Pull::Always,
            Some(format!(
                "approximated: the image is pulled before every start, not at most once per period ({p})"
            )),
        ),
        "never" => (Pull::Never, None),
        "missing" | "if_not_present" | "build" => (Pull::Missing, None),
        other => (
            Pull::Default,
            Some(format!("unknown pull policy {other}: ignored")),
        ),
    }
}

fn pull_policy(svc: &Service, ctx: &mut ServiceCtx, notes: &mut Notes) {
    let (policy, note) = pull_of(svc);
    if let Some(message) = note {
        notes.warn("pull_policy", message);
    }
    let mut pull = policy == Pull::Always;
    let flag = match policy {
        Pull::Never => Some("never"),
        Pull::Missing => Some("missing"),
        Pull::Default | Pull::Always => None,
    };
    if let Some(f) = flag {
        ctx.run_options.insert(0, format!("--pull {f}"));
    }
    if svc.image.as_deref().is_none_or(str::is_empty) && svc.build.is_some() {
        pull = false;
        ctx.run_options.retain(|o| !o.starts_with("--pull"));
        ctx.run_options.insert(0, "--pull never".into());
    }
    if pull {
        ctx.pre_start
            .push(format!("{} pull {}", ctx.runtime, ctx.image));
    }
}

/// `restart` (first) or `deploy.restart_policy` → Restart= and start limits.
fn restart(svc: &Service, job: bool, ctx: &mut ServiceCtx, notes: &mut Notes) {
    let plan = restart::plan(svc, job);
    ctx.restart = plan.restart;
    ctx.restart_sec = plan.restart_sec;
    if let Some((burst, interval)) = plan.start_limit {
        ctx.start_limit_burst = Some(burst);
        ctx.start_limit_interval = interval;
    }
    for (rel, message) in plan.notes {
        notes.warn(&rel, message);
    }
}

/// A systemd time span from nanoseconds (`5s`, `1500ms`).
pub fn span(nanos: i64) -> String {
    let n = nanos.max(0);
    if n % 1_000_000_000 == 0 {
        format!("{}s", n / 1_000_000_000)
    } else if n % 1_000_000 == 0 {
        format!("{}ms", n / 1_000_000)
    } else {
        format!("{}us", (n + 999) / 1000)
    }
}

/// `x-transship: {reload_signal: SIGHUP}`.
pub(crate) fn reload_signal(svc: &Service) -> Option<String> {
    svc.extensions
        .get("x-transship")?
        .get("reload_signal")?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `exec` options, the container and the hook command, escaped.
fn hook_words(h: &crate::model::ServiceHook) -> Option<String> {
    let cmd = h.command.as_ref().filter(|c| !c.is_empty())?;
    let mut w: Vec<String> = Vec::new();
    if let Some(u) = h.user.as_deref().filter(|u| !u.is_empty()) {
        w.push(format!("--user {}", exec_word(u)));
    }
    if h.privileged == Some(true) {
        w.push("--privileged".into());
    }
    if let Some(d) = h.working_dir.as_deref().filter(|u| !u.is_empty()) {
        w.push(format!("--workdir {}", exec_word(d)));
    }
    for (k, v) in &h.environment {
        let e = match v {
            Some(v) => format!("{k}={v}"),
            None => k.clone(),
        };
        w.push(format!("--env {}", exec_word(&e)));
    }
    w.push("%p-%i".into());
    w.extend(cmd.iter().map(|c| exec_word(c)));
    Some(w.join(" "))
}

/// `[X-Fleet]`: one instance per machine, and machine metadata from node-label constraints.
fn fleet(svc: &Service, prefix: &str, notes: &mut Notes) -> FleetCtx {
    let mut f = FleetCtx::default();
    let Some(d) = &svc.deploy else { return f };
    f.global = d.mode.as_deref() == Some("global");
    if d.placement.max_replicas_per_node == Some(1) {
        f.conflicts.push(format!("{prefix}@*.service"));
    }
    for c in &d.placement.constraints {
        let parsed = c.split_once("==").and_then(|(k, v)| {
            let key = k.trim().strip_prefix("node.labels.")?;
            Some(format!("{key}={}", v.trim()))
        });
        match parsed {
            Some(m) => f.machine_metadata.push(directive_value(&m)),
            None => notes.warn(
                "deploy.placement.constraints",
                format!("constraint {c:?} has no fleet counterpart: dropped"),
            ),
        }
    }
    f
}

/// What `resource.tera` receives for a network or volume unit.
#[derive(Serialize)]
struct ResourceCtx {
    project: String,
    kind: &'static str,
    name: String,
    unit: String,
    description: String,
    requires: Vec<String>,
    after: Vec<String>,
    project_target: String,
    exec_start: String,
}

/// Oneshot units creating the project's non-external networks, then volumes.
fn resources(project: &Project, opts: &Options) -> Vec<ResourceCtx> {
    let (rt, version) = (opts.runtime, opts.podman_version);
    let base = |kind: &'static str, key: &str, name: &str, unit: String, exec: String| {
        let (requires, after) = match rt {
            Runtime::Docker => (
                vec!["docker.service".to_string()],
                vec!["docker.service".to_string()],
            ),
            Runtime::Podman => (Vec::new(), vec!["network-online.target".to_string()]),
        };
        ResourceCtx {
            project: project.name.clone(),
            kind,
            name: directive_value(name),
            unit,
            description: directive_value(&format!(
                "{kind} {key} of compose project {}",
                project.name
            )),
            requires,
            after,
            project_target: project_target(project),
            exec_start: exec,
        }
    };
    let mut out = Vec::new();
    for (key, n) in &project.networks {
        if n.external {
            continue;
        }
        let name = n
            .name
            .clone()
            .unwrap_or_else(|| format!("{}_{key}", project.name));
        let exec = match rt {
            Runtime::Podman => podman::network_create(&name, n, version),
            Runtime::Docker => network_create(&name, n),
        };
        out.push(base(
            "network",
            key,
            &name,
            network_unit(project, key),
            exec,
        ));
    }
    for (key, v) in &project.volumes {
        if v.external {
            continue;
        }
        let name = v
            .name
            .clone()
            .unwrap_or_else(|| format!("{}_{key}", project.name));
        let exec = match rt {
            Runtime::Podman => podman::volume_create(&name, v, version),
            Runtime::Docker => {
                let mut w = vec!["docker volume create".to_string()];
                opt_words(&mut w, "--driver", v.driver.as_deref());
                for (k, val) in &v.driver_opts {
                    w.push(format!("--opt {}", exec_word(&format!("{k}={val}"))));
                }
                for (k, val) in &v.labels {
                    w.push(format!("--label {}", exec_word(&format!("{k}={val}"))));
                }
                w.push(exec_word(&name));
                w.join(" ")
            }
        };
        out.push(base("volume", key, &name, volume_unit(project, key), exec));
    }
    out
}

fn opt_words(w: &mut Vec<String>, flag: &str, v: Option<&str>) {
    if let Some(v) = v.filter(|v| !v.is_empty()) {
        w.push(format!("{flag} {}", exec_word(v)));
    }
}

/// `docker network create` (docker only) fails when the network exists, so a constant shell snippet
/// checks first (the name and options are positional parameters, never shell text);
/// podman's is [`podman::network_create`].
fn network_create(name: &str, n: &crate::model::Network) -> String {
    let mut opts: Vec<String> = Vec::new();
    opt_words(&mut opts, "--driver", n.driver.as_deref());
    for (k, v) in &n.driver_opts {
        opts.push(format!("--opt {}", exec_word(&format!("{k}={v}"))));
    }
    if n.internal == Some(true) {
        opts.push("--internal".into());
    }
    if n.attachable == Some(true) {
        opts.push("--attachable".into());
    }
    if n.enable_ipv6 == Some(true) {
        opts.push("--ipv6".into());
    }
    if n.enable_ipv4 == Some(false) {
        opts.push("--ipv4=false".into());
    }
    opt_words(&mut opts, "--ipam-driver", n.ipam.driver.as_deref());
    for pool in &n.ipam.config {
        opt_words(&mut opts, "--subnet", pool.subnet.as_deref());
        opt_words(&mut opts, "--gateway", pool.gateway.as_deref());
        opt_words(&mut opts, "--ip-range", pool.ip_range.as_deref());
        for (k, v) in &pool.aux_addresses {
            opts.push(format!("--aux-address {}", exec_word(&format!("{k}={v}"))));
        }
    }
    for (k, v) in &n.labels {
        opts.push(format!("--label {}", exec_word(&format!("{k}={v}"))));
    }
    let script =
        "docker network inspect \"$0\" >/dev/null 2>&1 || exec docker network create \"$@\" \"$0\"";
    let mut w = vec![
        "/bin/sh".to_string(),
        "-c".into(),
        exec_word(script),
        exec_word(name),
    ];
    w.extend(opts);
    w.join(" ")
}

/// Inline secrets and configs (`content`) as files under `env/secrets/` and
/// `env/configs/`, installed into the env directory; the services bind-mount them.
pub fn object_files(project: &Project) -> Vec<OutFile> {
    object_files_from(project, &crate::load::options::Environment::default()).0
}

/// [`object_files`], with `environment:` ones written from `env` (the load-time
/// environment), and a warning for each whose variable is unset there.
pub fn object_files_from(
    project: &Project,
    env: &crate::load::options::Environment,
) -> (Vec<OutFile>, Vec<ConvertWarning>) {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for (kind, defs) in [("secrets", &project.secrets), ("configs", &project.configs)] {
        for (name, o) in defs {
            if !is_inline(o) {
                continue;
            }
            let contents = match (&o.content, o.environment.as_deref()) {
                (Some(c), _) => c.clone(),
                (None, Some(var)) if !var.is_empty() => match env.get(var) {
                    Some(v) => v.clone(),
                    None => {
                        missing.push(ConvertWarning {
                            severity: Severity::Warning,
                            service: None,
                            key_path: format!("{kind}.{name}.environment"),
                            span: o.provenance.nearest_key_span("environment"),
                            message: format!(
                                "{var} is not set where the project was converted: write its value to {kind}/{name} in the env directory before the services start (they bind-mount it)"
                            ),
                        });
                        continue;
                    }
                },
                _ => continue,
            };
            out.push(OutFile {
                name: format!("{ENV_OUT}/{kind}/{name}"),
                contents,
            });
        }
    }
    (out, missing)
}

/// A secret or config whose content transship writes to the env directory (`content`, or
/// `environment`), as opposed to a file the units mount where it is, or an external one.
fn is_inline(o: &crate::model::FileObject) -> bool {
    !o.external && o.file.as_deref().is_none_or(str::is_empty)
}

/// An inline secret or config is one file in the env directory that every unit mounts,
/// where compose gives each container its own copy: services that ask for different modes
/// or owners of it cannot all get theirs (each start sets it again).
pub fn shared_inline_modes(project: &Project) -> Vec<ConvertWarning> {
    let mut out = Vec::new();
    for (kind, defs) in [("secrets", &project.secrets), ("configs", &project.configs)] {
        for (name, o) in defs {
            if !is_inline(o) {
                continue;
            }
            // (service, index, mode, uid, gid) of every reference.
            let mut refs = Vec::new();
            for svc_name in project.service_names() {
                let Some(svc) = project.services.get(svc_name) else {
                    continue;
                };
                let list = if kind == "secrets" {
                    &svc.secrets
                } else {
                    &svc.configs
                };
                for (i, r) in list.iter().enumerate() {
                    if r.source.as_deref() == Some(name.as_str()) {
                        let owner = (
                            flags::file_mode_of(r),
                            r.uid.clone().unwrap_or_default(),
                            r.gid.clone().unwrap_or_default(),
                        );
                        refs.push((svc, i, owner));
                    }
                }
            }
            let Some((_, _, first)) = refs.first() else {
                continue;
            };
            if refs.iter().all(|(_, _, o)| o == first) {
                continue;
            }
            let asked: Vec<String> = refs
                .iter()
                .map(|(svc, _, (mode, uid, gid))| {
                    let owner = if uid.is_empty() && gid.is_empty() {
                        String::new()
                    } else {
                        format!(" {uid}:{gid}")
                    };
                    format!("{} {mode:04o}{owner}", svc.name)
                })
                .collect();
            for (svc, i, _) in &refs {
                let rel = format!("{kind}[{i}]");
                out.push(ConvertWarning {
                    severity: Severity::Warning,
                    service: Some(svc.name.clone()),
                    key_path: format!("services.{}.{rel}", svc.name),
                    span: svc.provenance.nearest_key_span(&rel),
                    message: format!(
                        "approximated: {kind}.{name} is one file in the env directory that every unit mounts, and the services ask for different modes or owners ({}): each start sets its own, so the others see the last one (compose gives each container its own copy; give each service its own {kind} entry)",
                        asked.join(", ")
                    ),
                });
            }
        }
    }
    out
}

fn top_level_warnings(project: &Project) -> Vec<ConvertWarning> {
    let mut out = Vec::new();
    for (name, m) in &project.models {
        out.push(ConvertWarning {
            severity: Severity::Warning,
            service: None,
            key_path: format!("models.{name}"),
            span: m.provenance.key_span,
            message: "dropped for systemd: Docker Model Runner is a compose feature".into(),
        });
    }
    for (kind, defs) in [("secrets", &project.secrets), ("configs", &project.configs)] {
        for (name, o) in defs {
            if o.external {
                out.push(ConvertWarning {
                    severity: Severity::Warning,
                    service: None,
                    key_path: format!("{kind}.{name}"),
                    span: o.provenance.key_span,
                    message: format!("dropped for systemd: external {kind} exist only in Swarm"),
                });
            }
        }
    }
    let _ = Span::SYNTHETIC;
    out
}
