//! The task that runs a service's container: driver `config`, `env`, templates, mounts and
//! `resources`. The docker driver's option names are the reference; [`podman_config`] renames
//! or drops what the podman driver spells differently.

use super::hcl::{attr, literal, map, strings};
use super::ports::PortDef;
use super::storage::{Mount, Storage, variables_path};
use super::{Ctx, Driver};
use crate::backend::notes::Notes;
use crate::diag::Severity;
use crate::model::{ByteSize, Service, Ulimit};
use hcl::structure::{Block, BlockBuilder, Structure};

/// One MiB, Nomad's memory unit.
const MIB: i64 = 1024 * 1024;
/// Nomad's smallest memory setting.
const MIN_MEMORY_MB: i64 = 10;

/// Inputs the group computed for the task.
pub struct TaskInputs<'a> {
    pub image: String,
    pub ports: &'a [PortDef],
    pub network_host: bool,
    pub storage: Storage,
    pub disable_image_check: bool,
    /// `host:address` entries every task of the group carries (see `group_hosts`).
    pub extra_hosts: Vec<String>,
    /// Task-level `service` blocks.
    pub services: Vec<Block>,
    /// `lifecycle` for a prestart task (a one-shot others wait for).
    pub lifecycle: Option<Block>,
}

fn nonblank(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// The task block for `svc`.
pub fn task(ctx: &Ctx, svc: &Service, input: TaskInputs, notes: &mut Notes) -> Block {
    let name = super::label(&svc.name);
    let mut b = Block::builder("task")
        .add_label(name.as_str())
        .add_attribute(attr("driver", literal(ctx.opts.driver.name())));
    if let Some(u) = nonblank(&svc.user) {
        b = b.add_attribute(attr("user", literal(u)));
    }
    if let Some(g) = svc.stop_grace_period {
        b = b.add_attribute(attr("kill_timeout", literal(&g.to_string())));
    }
    if let Some(sig) = nonblank(&svc.stop_signal) {
        b = b.add_attribute(attr("kill_signal", literal(sig)));
    }
    if let Some(l) = input.lifecycle.clone() {
        b = b.add_block(l);
    }
    let rendered = super::rendered::rendered(svc, ctx.wiring);
    let cfg = docker_config(ctx, svc, &input, &rendered, notes);
    let cfg = match ctx.opts.driver {
        Driver::Docker => cfg,
        Driver::Podman => podman_config(cfg, notes),
    };
    b = b.add_block(cfg.into_block());
    let (mut env, from_files) = environment(svc, ctx.opts.env_from_variables);
    env.retain(|(k, _)| !rendered.env_keys.contains(*k));
    for (k, v) in &env {
        if let Some(var) = client_runtime_variable(v) {
            notes.warn(
                Severity::Warning,
                &format!("environment.{k}"),
                format!(
                    "the Nomad client replaces its runtime variable `{var}` in env values and no escape stops it: the container will not see this text as written"
                ),
            );
        }
    }
    if !env.is_empty() {
        b = b.add_structure(map("env", env.iter().map(|(k, v)| (*k, *v))));
    }
    if !from_files.is_empty() {
        let path = variables_path(ctx, &name);
        notes.warn(
            Severity::Info,
            "env_file",
            format!(
                "env_file variables {} are read from Nomad Variables at {path}: put them there with nomad var put",
                from_files.join(", ")
            ),
        );
        b = b.add_block(
            Block::builder("template")
                .add_attribute(attr(
                    "data",
                    literal(&format!(
                        "{{{{ with nomadVar \"{path}\" }}}}{{{{ range .Tuples }}}}{{{{ .K }}}}={{{{ .V | toJSON }}}}\n{{{{ end }}}}{{{{ end }}}}"
                    )),
                ))
                .add_attribute(attr("destination", literal("secrets/env_file.env")))
                .add_attribute(attr("env", true))
                .add_attribute(attr("change_mode", literal("restart")))
                .build(),
        );
    }
    if let Some(t) = rendered.template {
        b = b.add_block(t);
    }
    for t in input.storage.templates {
        b = b.add_block(t);
    }
    for m in input.storage.volume_mounts {
        b = b.add_block(m);
    }
    if let Some(r) = resources(ctx, svc, notes) {
        b = b.add_block(r);
    }
    b = b.add_blocks(input.services);
    b.build()
}

/// A `command`/`entrypoint` list, with the arguments `rendered` replaces.
fn arguments(
    list: &[String],
    entrypoint: bool,
    rendered: &super::rendered::Rendered,
) -> hcl::expr::Expression {
    hcl::expr::Expression::Array(
        list.iter()
            .enumerate()
            .map(|(i, a)| {
                rendered
                    .args
                    .get(&(entrypoint, i))
                    .cloned()
                    .unwrap_or_else(|| literal(a))
            })
            .collect(),
    )
}

/// The first `${...}` in `value` that the Nomad client interpolates at run time (after HCL
/// has turned our `$${` back into `${`): `NOMAD_*`, `node.*`, `attr.*`, `meta.*`, `env[...]`.
fn client_runtime_variable(value: &str) -> Option<&str> {
    let mut rest = value;
    while let Some(at) = rest.find("${") {
        let tail = rest.get(at..).unwrap_or_default();
        let end = tail.find('}').map_or(tail.len(), |e| e + 1);
        let var = tail.get(..end).unwrap_or_default();
        let inner = var.get(2..).unwrap_or_default();
        if ["NOMAD_", "node.", "attr.", "meta.", "env["]
            .iter()
            .any(|p| inner.starts_with(p))
        {
            return Some(var);
        }
        rest = tail.get(2..).unwrap_or_default();
    }
    None
}

/// `environment` entries with a value (a variable without one stays unset, as in compose),
/// and — with `--env-from-variables` — the names whose value came from an `env_file`.
fn environment(svc: &Service, from_variables: bool) -> (Vec<(&str, &str)>, Vec<String>) {
    let from_files = if from_variables {
        env_file_values(svc)
    } else {
        Default::default()
    };
    let mut env = Vec::new();
    let mut moved = Vec::new();
    for (k, v) in &svc.environment {
        let Some(v) = v else {
            continue;
        };
        if from_files.get(k).is_some_and(|f| f == v) {
            moved.push(k.clone());
        } else {
            env.push((k.as_str(), v.as_str()));
        }
    }
    (env, moved)
}

/// The variables of the service's env files, read again (later files win, as in compose).
fn env_file_values(svc: &Service) -> indexmap::IndexMap<String, String> {
    let mut out = indexmap::IndexMap::new();
    for f in &svc.env_file {
        let Ok(text) = std::fs::read_to_string(&f.path) else {
            continue;
        };
        if let Ok(vars) = crate::load::dotenv::parse(&text, crate::source::FileId(0), &|_| None) {
            out.extend(vars);
        }
    }
    out
}

/// A driver config under construction: attributes and blocks in a stable order, so the
/// podman pass can rename or drop them.
pub struct Config {
    pub items: Vec<Structure>,
}

impl Config {
    fn add(&mut self, s: impl Into<Structure>) {
        self.items.push(s.into());
    }

    fn into_block(self) -> Block {
        let mut b: BlockBuilder = Block::builder("config");
        for s in self.items {
            b = b.add_structure(s);
        }
        b.build()
    }
}

fn flag(cfg: &mut Config, name: &str, v: Option<bool>) {
    if v == Some(true) {
        cfg.add(attr(name, true));
    }
}

fn string(cfg: &mut Config, name: &str, v: &Option<String>) {
    if let Some(s) = nonblank(v) {
        cfg.add(attr(name, literal(s)));
    }
}

fn list(cfg: &mut Config, name: &str, v: &[String]) {
    if !v.is_empty() {
        cfg.add(attr(name, strings(v.iter().map(String::as_str))));
    }
}

fn docker_config(
    ctx: &Ctx,
    svc: &Service,
    input: &TaskInputs,
    rendered: &super::rendered::Rendered,
    notes: &mut Notes,
) -> Config {
    let mut cfg = Config { items: Vec::new() };
    cfg.add(attr("image", literal(&input.image)));
    if let Some(e) = svc.entrypoint.as_ref().filter(|e| !e.is_empty()) {
        cfg.add(attr("entrypoint", arguments(e, true, rendered)));
    }
    match svc.command.as_ref() {
        Some(c) if !c.is_empty() => cfg.add(attr("args", arguments(c, false, rendered))),
        Some(_) => notes.warn(
            Severity::Warning,
            "command",
            "approximated for nomad: an empty command cannot clear the image's CMD; the image's command runs".into(),
        ),
        None => {}
    }
    if !input.ports.is_empty() {
        cfg.add(attr(
            "ports",
            strings(input.ports.iter().map(|p| p.label.as_str())),
        ));
    }
    if input.network_host {
        cfg.add(attr("network_mode", literal("host")));
        string(&mut cfg, "hostname", &svc.hostname);
    }
    string(&mut cfg, "work_dir", &svc.working_dir);
    if !svc.labels.is_empty() {
        cfg.add(map(
            "labels",
            svc.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ));
    }
    if let Some(l) = &svc.logging {
        let mut lb = Block::builder("logging");
        if let Some(d) = nonblank(&l.driver) {
            lb = lb.add_attribute(attr("type", literal(d)));
        }
        if !l.options.is_empty() {
            lb = lb.add_structure(map(
                "config",
                l.options.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            ));
        }
        cfg.add(Structure::Block(lb.build()));
    }
    flag(&mut cfg, "init", svc.init);
    flag(&mut cfg, "tty", svc.tty);
    flag(&mut cfg, "interactive", svc.stdin_open);
    flag(&mut cfg, "privileged", svc.privileged);
    list(&mut cfg, "cap_add", &svc.cap_add);
    list(&mut cfg, "cap_drop", &svc.cap_drop);
    for d in &svc.devices {
        let mut db = Block::builder("devices");
        if let Some(s) = nonblank(&d.source) {
            db = db.add_attribute(attr("host_path", literal(s)));
        }
        if let Some(t) = nonblank(&d.target) {
            db = db.add_attribute(attr("container_path", literal(t)));
        }
        if let Some(p) = nonblank(&d.permissions) {
            db = db.add_attribute(attr("cgroup_permissions", literal(p)));
        }
        cfg.add(Structure::Block(db.build()));
    }
    let (_, dropped) = crate::backend::usable_extra_hosts(svc, "nomad");
    for message in dropped {
        notes.warn(Severity::Warning, "extra_hosts", message);
    }
    list(&mut cfg, "extra_hosts", &input.extra_hosts);
    if !svc.ulimits.is_empty() {
        let values: Vec<(String, String)> = svc
            .ulimits
            .iter()
            .map(|(k, u)| {
                let v = match u {
                    Ulimit::Single(n) => n.to_string(),
                    Ulimit::Range { soft, hard } => format!("{soft}:{hard}"),
                };
                (k.clone(), v)
            })
            .collect();
        cfg.add(map(
            "ulimit",
            values.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ));
    }
    if !svc.sysctls.is_empty() {
        cfg.add(map(
            "sysctl",
            svc.sysctls.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ));
    }
    if let Some(s) = svc.shm_size.filter(|s| s.0 > 0) {
        cfg.add(attr("shm_size", s.0));
    }
    flag(&mut cfg, "readonly_rootfs", svc.read_only);
    list(&mut cfg, "security_opt", &svc.security_opt);
    string(&mut cfg, "pid_mode", &svc.pid);
    string(&mut cfg, "ipc_mode", &svc.ipc);
    string(&mut cfg, "userns_mode", &svc.userns_mode);
    string(&mut cfg, "uts_mode", &svc.uts);
    list(&mut cfg, "group_add", &svc.group_add);
    if let Some(n) = svc.oom_score_adj.filter(|n| *n != 0) {
        cfg.add(attr("oom_score_adj", n));
    }
    let pids = svc.pids_limit.or_else(|| {
        svc.deploy
            .as_ref()
            .and_then(|d| d.resources.limits.as_ref())
            .and_then(|l| l.pids)
    });
    if let Some(n) = pids.filter(|n| *n != 0) {
        cfg.add(attr("pids_limit", n));
    }
    string(&mut cfg, "runtime", &svc.runtime);
    if !svc.storage_opt.is_empty() {
        cfg.add(map(
            "storage_opt",
            svc.storage_opt
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        ));
    }
    string(&mut cfg, "cpuset_cpus", &svc.cpuset);
    string(&mut cfg, "isolation", &svc.isolation);
    if svc.pull_policy.as_deref() == Some("always") {
        cfg.add(attr("force_pull", true));
    }
    if cpu_limit(ctx, svc).is_some() {
        cfg.add(attr("cpu_hard_limit", true));
        if let Some(p) = svc.cpu_period.filter(|p| *p > 0) {
            cfg.add(attr("cpu_cfs_period", p));
        }
    }
    for m in &input.storage.mounts {
        cfg.add(Structure::Block(mount_block(m)));
    }
    if input.disable_image_check {
        cfg.add(Structure::Block(
            Block::builder("healthchecks")
                .add_attribute(attr("disable", true))
                .build(),
        ));
    }
    cfg
}

fn mount_block(m: &Mount) -> Block {
    let mut b = Block::builder("mount")
        .add_attribute(attr("type", literal(m.kind)))
        .add_attribute(attr("target", literal(&m.target)));
    if let Some(s) = &m.source {
        b = b.add_attribute(attr("source", literal(s)));
    }
    if m.readonly {
        b = b.add_attribute(attr("readonly", true));
    }
    if let Some(p) = &m.propagation {
        b = b.add_block(
            Block::builder("bind_options")
                .add_attribute(attr("propagation", literal(p)))
                .build(),
        );
    }
    if m.tmpfs_size.is_some() || m.tmpfs_mode.is_some() {
        let mut t = Block::builder("tmpfs_options");
        if let Some(s) = m.tmpfs_size {
            t = t.add_attribute(attr("size", s));
        }
        if let Some(md) = m.tmpfs_mode {
            t = t.add_attribute(attr("mode", i64::from(md)));
        }
        b = b.add_block(t.build());
    }
    b.build()
}

/// The podman driver's spelling of the docker options; options it lacks are dropped with a
/// warning.
pub fn podman_config(cfg: Config, notes: &mut Notes) -> Config {
    let mut out = Config { items: Vec::new() };
    let mut volumes: Vec<String> = Vec::new();
    let mut tmpfs: Vec<String> = Vec::new();
    for item in cfg.items {
        match item {
            Structure::Attribute(a) => {
                let key = a.key.as_str().to_string();
                let renamed = match key.as_str() {
                    "work_dir" => "working_dir",
                    "userns_mode" => "userns",
                    "pid_mode" | "ipc_mode" | "uts_mode" | "group_add" | "oom_score_adj"
                    | "runtime" | "cpuset_cpus" | "isolation" | "security_opt" => {
                        notes.warn(
                            Severity::Warning,
                            compose_key(&key),
                            format!("dropped for nomad: the podman driver has no {key} option"),
                        );
                        continue;
                    }
                    "shm_size" => {
                        out.add(attr("shm_size", literal(&format!("{}b", number(&a.expr)))));
                        continue;
                    }
                    other => other,
                };
                out.add(attr(renamed, a.expr));
            }
            Structure::Block(b) => match b.identifier() {
                "mount" => {
                    let get = |k: &str| {
                        b.body()
                            .attributes()
                            .find(|a| a.key.as_str() == k)
                            .map(|a| super::hcl::unquote(&a.expr))
                    };
                    let target = get("target").unwrap_or_default();
                    match get("type").as_deref() {
                        Some("tmpfs") => tmpfs.push(target),
                        Some("bind") => {
                            let ro = b
                                .body()
                                .attributes()
                                .any(|a| a.key.as_str() == "readonly");
                            volumes.push(format!(
                                "{}:{target}{}",
                                get("source").unwrap_or_default(),
                                if ro { ":ro" } else { "" }
                            ));
                        }
                        _ => notes.warn(
                            Severity::Warning,
                            "volumes",
                            format!("dropped for nomad: the podman driver mounts no anonymous volume at {target}"),
                        ),
                    }
                }
                "devices" => {
                    let get = |k: &str| {
                        b.body()
                            .attributes()
                            .find(|a| a.key.as_str() == k)
                            .map(|a| super::hcl::unquote(&a.expr))
                    };
                    let spec = [
                        get("host_path"),
                        get("container_path"),
                        get("cgroup_permissions"),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(":");
                    out.add(attr("devices", strings([spec.as_str()])));
                }
                "logging" => {
                    let mut lb = Block::builder("logging");
                    for s in b.body().iter() {
                        match s {
                            Structure::Attribute(a) if a.key.as_str() == "type" => {
                                lb = lb.add_attribute(attr("driver", a.expr.clone()));
                            }
                            Structure::Attribute(a) if a.key.as_str() == "config" => {
                                lb = lb.add_attribute(attr("options", a.expr.clone()));
                            }
                            Structure::Block(c) if c.identifier() == "config" => {
                                let mut o = Block::builder("options");
                                for x in c.body().iter() {
                                    o = o.add_structure(x.clone());
                                }
                                lb = lb.add_block(o.build());
                            }
                            _ => {}
                        }
                    }
                    out.add(Structure::Block(lb.build()));
                }
                "healthchecks" | "storage_opt" => notes.warn(
                    Severity::Warning,
                    compose_key(b.identifier()),
                    format!(
                        "dropped for nomad: the podman driver has no {} option",
                        b.identifier()
                    ),
                ),
                _ => out.add(Structure::Block(b)),
            },
        }
    }
    if !volumes.is_empty() {
        out.add(attr("volumes", strings(volumes.iter().map(String::as_str))));
    }
    if !tmpfs.is_empty() {
        out.add(attr("tmpfs", strings(tmpfs.iter().map(String::as_str))));
    }
    out
}

/// The compose key a docker driver option comes from.
fn compose_key(docker_option: &str) -> &str {
    match docker_option {
        "pid_mode" => "pid",
        "ipc_mode" => "ipc",
        "uts_mode" => "uts",
        "cpuset_cpus" => "cpuset",
        "healthchecks" => "healthcheck",
        other => other,
    }
}

fn number(e: &hcl::expr::Expression) -> String {
    match e {
        hcl::expr::Expression::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// CPUs the service is limited to: `deploy.resources.limits.cpus`, `cpus`, or quota/period.
fn cpu_limit(_ctx: &Ctx, svc: &Service) -> Option<f64> {
    let deploy = svc
        .deploy
        .as_ref()
        .and_then(|d| d.resources.limits.as_ref())
        .and_then(|l| l.cpus)
        .map(|c| f64::from(c.0));
    deploy
        .or_else(|| svc.cpus.map(|c| f64::from(c.0)))
        .or_else(|| {
            let q = svc.cpu_quota.filter(|q| *q > 0)?;
            let p = svc.cpu_period.filter(|p| *p > 0).unwrap_or(100_000);
            Some(q as f64 / p as f64)
        })
        .filter(|c| *c > 0.0)
}

fn mib(b: ByteSize) -> i64 {
    (b.0 + MIB - 1) / MIB
}

/// `resources {}`: cpu (MHz), memory / memory_max (MiB), devices.
fn resources(ctx: &Ctx, svc: &Service, notes: &mut Notes) -> Option<Block> {
    let res = svc.deploy.as_ref().map(|d| &d.resources);
    let limits = res.and_then(|r| r.limits.as_ref());
    let reserv = res.and_then(|r| r.reservations.as_ref());
    let mhz = f64::from(ctx.opts.cpu_mhz_per_core);
    let reserved_cpus = reserv.and_then(|r| r.cpus).map(|c| f64::from(c.0));
    let cpus = cpu_limit(ctx, svc)
        .or(reserved_cpus)
        .or_else(|| svc.cpu_shares.filter(|s| *s > 0).map(|s| s as f64 / 1024.0));
    let mut b = Block::builder("resources");
    let mut any = false;
    if let Some(c) = cpus {
        b = b.add_attribute(attr("cpu", ((c * mhz).round() as i64).max(1)));
        any = true;
    }
    let limit = limits
        .and_then(|l| l.memory)
        .or(svc.mem_limit)
        .filter(|m| m.0 > 0);
    let reservation = reserv
        .and_then(|r| r.memory)
        .or(svc.mem_reservation)
        .filter(|m| m.0 > 0);
    let (memory, memory_max) = match (reservation, limit) {
        (Some(r), Some(l)) if r.0 < l.0 => (Some(mib(r)), Some(mib(l))),
        (_, Some(l)) => (Some(mib(l)), None),
        (Some(r), None) => (Some(mib(r)), None),
        (None, None) => (None, None),
    };
    if let Some(m) = memory {
        if m < MIN_MEMORY_MB {
            notes.warn(
                Severity::Warning,
                "deploy.resources",
                format!("approximated for nomad: {m} MiB is below Nomad's minimum, {MIN_MEMORY_MB} MiB is used"),
            );
        }
        b = b.add_attribute(attr("memory", m.max(MIN_MEMORY_MB)));
        any = true;
    }
    if let Some(m) = memory_max {
        b = b.add_attribute(attr("memory_max", m.max(MIN_MEMORY_MB)));
    }
    let mut requests: Vec<&crate::model::DeviceRequest> = svc.gpus.iter().collect();
    if let Some(r) = reserv {
        requests.extend(r.devices.iter());
    }
    for d in requests {
        let gpu =
            d.capabilities.iter().any(|c| c == "gpu") || d.driver.as_deref() == Some("nvidia");
        let name = if gpu {
            format!("{}/gpu", d.driver.as_deref().unwrap_or("nvidia"))
        } else {
            d.driver.clone().unwrap_or_else(|| "device".into())
        };
        let count = match d.count {
            Some(n) if n > 0 => n,
            _ if !d.device_ids.is_empty() => d.device_ids.len() as i64,
            _ => {
                notes.warn(
                    Severity::Warning,
                    "deploy.resources.reservations.devices",
                    format!("approximated for nomad: \"all\" {name} devices becomes a count of 1"),
                );
                1
            }
        };
        b = b.add_block(
            Block::builder("device")
                .add_label(name.as_str())
                .add_attribute(attr("count", count))
                .build(),
        );
        any = true;
    }
    for g in reserv
        .map(|r| r.generic_resources.as_slice())
        .unwrap_or(&[])
    {
        if let Some(spec) = &g.discrete_resource_spec {
            b = b.add_block(
                Block::builder("device")
                    .add_label(spec.kind.as_str())
                    .add_attribute(attr("count", spec.value.max(1)))
                    .build(),
            );
            any = true;
        }
    }
    any.then(|| b.build())
}

#[cfg(test)]
mod tests {
    use super::client_runtime_variable;

    #[test]
    fn finds_the_variables_the_client_interpolates() {
        assert_eq!(
            client_runtime_variable("id-${NOMAD_ALLOC_ID}-x"),
            Some("${NOMAD_ALLOC_ID}")
        );
        assert_eq!(
            client_runtime_variable("${HOME} ${node.unique.name}"),
            Some("${node.unique.name}")
        );
        assert_eq!(client_runtime_variable("${meta.rack"), Some("${meta.rack"));
        assert_eq!(client_runtime_variable("${HOME} $$ ${"), None);
        assert_eq!(client_runtime_variable("plain"), None);
    }
}
