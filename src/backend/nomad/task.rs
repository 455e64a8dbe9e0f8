//! The task that runs a service's container: driver `config`, `env`, templates, mounts and
//! `resources` (see [`super::resources`]). The docker driver's option names are the
//! reference; [`podman_config`] renames or drops what the podman driver spells differently.
//! Every string in the driver config is escaped for the Nomad client's second evaluation
//! ([`super::hcl::config_literal`]); `env` values are not HCL on the client and are escaped
//! once, with a warning where the client's `ReplaceEnv` would still substitute them.

use super::hcl::{
    attr, config_block_attrs, config_literal, config_map, config_strings, config_unquote, literal,
    map,
};
use super::ports::PortDef;
use super::storage::{Mount, Storage, task_variables_path};
use super::{Ctx, Driver};
use crate::backend::notes::Notes;
use crate::diag::Severity;
use crate::model::{Service, Ulimit};
use hcl::structure::{Block, BlockBuilder, Structure};

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
pub fn task(ctx: &Ctx, svc: &Service, mut input: TaskInputs, notes: &mut Notes) -> Block {
    let name = super::label(&svc.name);
    let mut b = Block::builder("task")
        .add_label(name.as_str())
        .add_attribute(attr("driver", literal(ctx.opts.driver.name())));
    if let Some(u) = nonblank(&svc.user) {
        b = b.add_attribute(attr("user", literal(u)));
    }
    if let Some(g) = svc.stop_grace_period {
        b = b.add_attribute(attr("kill_timeout", literal(&g.to_string())));
        kill_timeout_note(g, notes);
    }
    if let Some(sig) = nonblank(&svc.stop_signal) {
        b = b.add_attribute(attr("kill_signal", literal(sig)));
    }
    if let Some(l) = input.lifecycle.clone() {
        b = b.add_block(l);
    }
    input.image = image_for(ctx.opts.driver, &input.image);
    let rendered = super::rendered::rendered(svc, ctx.wiring);
    let cfg = docker_config(svc, &input, &rendered, notes);
    let cfg = match ctx.opts.driver {
        Driver::Docker => cfg,
        Driver::Podman => podman_config(cfg, notes),
    };
    b = b.add_block(cfg.into_block());
    let (mut env, from_files) = environment(svc, ctx.opts.env_from_variables);
    env.retain(|(k, _)| !rendered.env_keys.contains(*k));
    let names: Vec<&str> = env.iter().map(|(k, _)| *k).collect();
    for (k, v) in &env {
        let message = match client_substitution(v, k, &names) {
            Some((var, Substituted::Runtime)) => format!(
                "the Nomad client replaces its runtime variable `{var}` in env values and no escape stops it: the container will not see this text as written"
            ),
            Some((var, Substituted::EnvVariable)) => format!(
                "the Nomad client may replace `{var}` with the task's env variable of that name (it interpolates env values against those built before, in map order) and no escape stops it: the container may not see this text as written"
            ),
            None => continue,
        };
        notes.warn(Severity::Warning, &format!("environment.{k}"), message);
    }
    if !env.is_empty() {
        b = b.add_structure(map("env", env.iter().map(|(k, v)| (*k, *v))));
    }
    if !from_files.is_empty() {
        // The task's own path, where nothing else is stored: the template exports every
        // item there as an environment variable (compose secrets are at the group path).
        let path = task_variables_path(ctx, &name);
        let files: Vec<String> = svc.env_file.iter().map(|f| f.path.clone()).collect();
        for key in &from_files {
            ctx.facts.item(super::plan::Item {
                path: path.clone(),
                key: key.clone(),
                value: super::plan::Value::EnvFile(files.clone()),
                service: svc.name.clone(),
                key_path: "env_file".into(),
                what: format!("env_file variable {key}"),
            });
        }
        notes.warn(
            Severity::Info,
            "env_file",
            format!(
                "env_file variables {} are read from Nomad Variables at {path}: see DEPLOY.md (written with -o DIR) for the nomad var put that stores them",
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
    b = b.add_block(super::resources::block(ctx, svc, notes));
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
                    .unwrap_or_else(|| config_literal(a))
            })
            .collect(),
    )
}

/// What a `${name}` in an env value is to the Nomad client.
enum Substituted {
    /// `NOMAD_*` or a node attribute: replaced.
    Runtime,
    /// Another env variable of the task: replaced if that one was built first.
    EnvVariable,
}

/// The client's `max_kill_timeout` (default "30s") caps every task's `kill_timeout`: "may
/// not exceed this value" (https://developer.hashicorp.com/nomad/docs/configuration/client;
/// command/agent/config.go `MaxKillTimeout: "30s"`).
const MAX_KILL_TIMEOUT_SECS: i64 = 30;

fn kill_timeout_note(grace: crate::model::Duration, notes: &mut Notes) {
    if grace.as_nanos() > crate::model::Duration::from_secs(MAX_KILL_TIMEOUT_SECS).as_nanos() {
        notes.warn(
            Severity::Warning,
            "stop_grace_period",
            format!(
                "kill_timeout = {grace} is capped by the clients' max_kill_timeout (default {MAX_KILL_TIMEOUT_SECS}s): raise max_kill_timeout in their client block, or the task is killed after {MAX_KILL_TIMEOUT_SECS}s"
            ),
        );
    }
}

/// The image name as the driver should pull it. The podman driver resolves short names
/// (`redis:7`) through the client's registries.conf, and with short-name enforcement (or no
/// unqualified-search registries) the pull fails; Docker reads a short name as Docker Hub.
/// So for podman the Docker Hub name is written out, the way Docker's reference parser
/// reads it (distribution/reference normalize.go `splitDockerDomain`): a first component
/// with a `.` or `:`, `localhost`, or upper case is a registry and the name is kept;
/// otherwise it is `docker.io/`, plus `library/` for a one-component name. The podman
/// driver docs use fully-qualified names for the same reason
/// (https://developer.hashicorp.com/nomad/plugins/drivers/podman, `image`).
pub fn image_for(driver: Driver, image: &str) -> String {
    if driver != Driver::Podman || image.is_empty() {
        return image.to_string();
    }
    match image.split_once('/') {
        None => format!("docker.io/library/{image}"),
        Some((first, _))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            image.to_string()
        }
        Some(_) => format!("docker.io/{image}"),
    }
}

/// The first `${name}` in the env value of `key` that the Nomad client substitutes, and
/// what it is. Env values are not evaluated as HCL on the client (unlike the driver config,
/// see [`super::hcl::config_literal`]): client/taskenv/env.go `buildEnv` passes each through
/// helper/args `ReplaceEnv`, the regex `\${[a-zA-Z0-9_\-\.]+}`, which replaces a name found
/// in the node attributes or in the environment built so far and leaves any other `${...}`
/// as written. Those names are Nomad's runtime variables (`NOMAD_*`), node attributes
/// (`node.*`, `attr.*`, `meta.*`) and the task's other env variables (interpolated in map
/// order, so maybe). No escape stops the regex, so these are only reported.
fn client_substitution<'a>(
    value: &'a str,
    key: &str,
    env_keys: &[&str],
) -> Option<(&'a str, Substituted)> {
    let mut rest = value;
    while let Some(at) = rest.find("${") {
        let tail = rest.get(at..).unwrap_or_default();
        let name_len = tail
            .get(2..)
            .unwrap_or_default()
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .unwrap_or(tail.len().saturating_sub(2));
        let closed = tail.get(2 + name_len..).is_some_and(|t| t.starts_with('}'));
        let name = tail.get(2..2 + name_len).unwrap_or_default();
        let what = if !closed || name.is_empty() {
            None
        } else if ["NOMAD_", "node.", "attr.", "meta."]
            .iter()
            .any(|p| name.starts_with(p))
        {
            Some(Substituted::Runtime)
        } else if name != key && env_keys.contains(&name) {
            Some(Substituted::EnvVariable)
        } else {
            None
        };
        if let (Some(what), Some(var)) = (what, tail.get(..name_len + 3)) {
            return Some((var, what));
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
        cfg.add(attr(name, config_literal(s)));
    }
}

fn list(cfg: &mut Config, name: &str, v: &[String]) {
    if !v.is_empty() {
        cfg.add(attr(name, config_strings(v.iter().map(String::as_str))));
    }
}

fn docker_config(
    svc: &Service,
    input: &TaskInputs,
    rendered: &super::rendered::Rendered,
    notes: &mut Notes,
) -> Config {
    let mut cfg = Config { items: Vec::new() };
    cfg.add(attr("image", config_literal(&input.image)));
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
            config_strings(input.ports.iter().map(|p| p.label.as_str())),
        ));
    }
    if input.network_host {
        cfg.add(attr("network_mode", config_literal("host")));
        string(&mut cfg, "hostname", &svc.hostname);
    }
    string(&mut cfg, "work_dir", &svc.working_dir);
    if !svc.labels.is_empty() {
        cfg.add(config_map(
            "labels",
            svc.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ));
    }
    if let Some(l) = &svc.logging {
        let mut lb = Block::builder("logging");
        if let Some(d) = nonblank(&l.driver) {
            lb = lb.add_attribute(attr("type", config_literal(d)));
        }
        if !l.options.is_empty() {
            lb = lb.add_structure(config_map(
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
            db = db.add_attribute(attr("host_path", config_literal(s)));
        }
        if let Some(t) = nonblank(&d.target) {
            db = db.add_attribute(attr("container_path", config_literal(t)));
        }
        if let Some(p) = nonblank(&d.permissions) {
            db = db.add_attribute(attr("cgroup_permissions", config_literal(p)));
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
        cfg.add(config_map(
            "ulimit",
            values.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ));
    }
    if !svc.sysctls.is_empty() {
        cfg.add(config_map(
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
        cfg.add(config_block_attrs(
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
    if super::resources::cpu_limit(svc).is_some() {
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
        .add_attribute(attr("type", config_literal(m.kind)))
        .add_attribute(attr("target", config_literal(&m.target)));
    if let Some(s) = &m.source {
        b = b.add_attribute(attr("source", config_literal(s)));
    }
    if m.readonly {
        b = b.add_attribute(attr("readonly", true));
    }
    if let Some(p) = &m.propagation {
        b = b.add_block(
            Block::builder("bind_options")
                .add_attribute(attr("propagation", config_literal(p)))
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
                        out.add(attr(
                            "shm_size",
                            config_literal(&format!("{}b", number(&a.expr))),
                        ));
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
                            .map(|a| config_unquote(&a.expr))
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
                            .map(|a| config_unquote(&a.expr))
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
                    out.add(attr("devices", config_strings([spec.as_str()])));
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
        out.add(attr(
            "volumes",
            config_strings(volumes.iter().map(String::as_str)),
        ));
    }
    if !tmpfs.is_empty() {
        out.add(attr(
            "tmpfs",
            config_strings(tmpfs.iter().map(String::as_str)),
        ));
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

#[cfg(test)]
mod tests {
    use super::{Driver, client_substitution, image_for};

    #[test]
    fn podman_gets_fully_qualified_image_names() {
        let podman = |i| image_for(Driver::Podman, i);
        assert_eq!(podman("redis:7"), "docker.io/library/redis:7");
        assert_eq!(
            podman("busybox@sha256:abc"),
            "docker.io/library/busybox@sha256:abc"
        );
        assert_eq!(podman("bitnami/x"), "docker.io/bitnami/x");
        assert_eq!(podman("docker.io/redis"), "docker.io/redis");
        assert_eq!(podman("ghcr.io/o/x:1"), "ghcr.io/o/x:1");
        assert_eq!(podman("registry:5000/x"), "registry:5000/x");
        assert_eq!(podman("localhost/x"), "localhost/x");
        assert_eq!(image_for(Driver::Docker, "redis:7"), "redis:7");
    }

    #[test]
    fn finds_what_the_client_substitutes_in_env_values() {
        let sub = |v| client_substitution(v, "SELF", &["SELF", "OTHER"]).map(|(var, _)| var);
        assert_eq!(sub("id-${NOMAD_ALLOC_ID}-x"), Some("${NOMAD_ALLOC_ID}"));
        assert_eq!(
            sub("${HOME} ${node.unique.name}"),
            Some("${node.unique.name}")
        );
        assert_eq!(sub("${OTHER}/x"), Some("${OTHER}"));
        // Not names ReplaceEnv's regex matches, or not names it knows: left as written.
        assert_eq!(sub("${meta.rack"), None);
        assert_eq!(sub("${env[\"NOMAD_X\"]}"), None);
        assert_eq!(sub("${SELF} ${HOME} $$ ${"), None);
        assert_eq!(sub("plain"), None);
    }
}
