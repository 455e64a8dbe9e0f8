//! The container-runtime side of a service: every translatable compose setting as a
//! `docker run` / `podman run` flag, already escaped as `Exec*=` words (one flag and its value
//! per entry, so the template can lay them out one per line), plus the environment split
//! into files. Notes about values that cannot be carried are collected for warnings.

use super::escape::{
    csv_field, exec_word, exec_word_raw, runtime_env_ok, shell_word, systemd_env_name_ok,
};
use super::{HostDirs, Runtime};
use crate::model::{Healthcheck, Project, Service, ServiceVolume, Ulimit};

/// The run flags of one service and what goes with them.
#[derive(Debug, Default)]
pub struct RunFlags {
    /// Escaped flag groups (`--publish 8080:80`).
    pub flags: Vec<String>,
    /// Escaped image and command words (entrypoint's tail included).
    pub args: Vec<String>,
    /// `KEY="value"` lines for the systemd `EnvironmentFile=`.
    pub env_lines: String,
    /// Raw `KEY=value` lines for the runtime's own `--env-file` (names systemd can't carry).
    pub runtime_env_lines: String,
    /// `(key path relative to the service, message)` for values not carried exactly.
    pub notes: Vec<(String, String)>,
    /// docker: escaped `network connect` arguments for each network after the first (Engine
    /// < 25 accepts one network when a container is created).
    pub connects: Vec<String>,
    /// Host directories compose would create before the start (`create_host_path`).
    pub create_dirs: Vec<String>,
    /// Host paths the container mounts (bind sources), for `RequiresMountsFor=`.
    pub host_paths: Vec<String>,
    /// Escaped `ExecStartPre=` commands giving the inline secret and config files the mode
    /// and owner compose gives its copies (0444 unless `mode`, `uid`/`gid`); `-`: a missing
    /// file is reported by the create, which cannot mount it.
    pub file_modes: Vec<String>,
}

/// How containers and per-instance volumes are named.
#[derive(Debug, Default)]
pub struct Naming<'a> {
    /// The instance part of per-instance names (`%i` in template units); `None` when each
    /// service is one container.
    pub instance: Option<String>,
    /// Container name of each service's first instance (for `service:X`, `volumes_from`);
    /// services missing here are `<project>-X-1`. Borrowed: one map for the whole project
    /// (a copy per service made converting 1,000 services quadratic).
    pub first_instance: Option<&'a std::collections::BTreeMap<String, String>>,
}

/// Names the runtime's own command-line tool reads from its environment: set through
/// systemd they would change how `docker`/`podman` itself behaves, so they go through the
/// runtime's env file instead.
pub(crate) fn runtime_reads(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "DOCKER_",
        "CONTAINER_",
        "CONTAINERS_",
        "LD_",
        "XDG_",
        "BUILDAH_",
    ];
    const EXACT: &[&str] = &[
        "PATH",
        "HOME",
        "TMPDIR",
        "NOTIFY_SOCKET",
        "GODEBUG",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REGISTRY_AUTH_FILE",
        "STORAGE_DRIVER",
        "STORAGE_OPTS",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
    ];
    let upper = name.to_ascii_uppercase();
    PREFIXES.iter().any(|p| name.starts_with(p))
        || EXACT.contains(&name)
        || (upper.ends_with("_PROXY") && EXACT.contains(&upper.as_str()))
}

/// Build the run flags for `svc`. `instance_port` is the published-port entry replaced by the
/// instance name (`--instance-port`), if any.
pub fn run_flags(
    project: &Project,
    svc: &Service,
    runtime: Runtime,
    dirs: &HostDirs,
    instance_port: Option<usize>,
) -> RunFlags {
    run_flags_named(
        project,
        svc,
        runtime,
        dirs,
        instance_port,
        &Naming::default(),
    )
}

/// [`run_flags`] with the names of instances and of other services' containers.
pub fn run_flags_named(
    project: &Project,
    svc: &Service,
    runtime: Runtime,
    dirs: &HostDirs,
    instance_port: Option<usize>,
    naming: &Naming<'_>,
) -> RunFlags {
    let mut f = RunFlags::default();
    let c = Ctx {
        project,
        svc,
        runtime,
        project_root: &dirs.project_root,
        naming,
    };
    let env_dir = dirs.env.as_str();
    c.identity(&mut f);
    c.environment(&mut f, env_dir);
    c.ports(&mut f, instance_port);
    c.networks(&mut f);
    c.mounts(&mut f);
    c.files(&mut f, env_dir);
    c.healthcheck(&mut f);
    c.resources(&mut f);
    c.security(&mut f);
    c.misc(&mut f);
    c.command(&mut f);
    f
}

struct Ctx<'a> {
    project: &'a Project,
    svc: &'a Service,
    runtime: Runtime,
    /// Where the project directory is on the machines that run the units.
    project_root: &'a str,
    naming: &'a Naming<'a>,
}

impl Ctx<'_> {
    /// A host path as the target machine sees it: below the project directory means below
    /// `--project-root` there (never the path of this checkout).
    fn host_path(&self, path: &str) -> String {
        crate::backend::rebase(path, &self.project.working_dir, self.project_root)
    }
}

fn push(f: &mut RunFlags, flag: &str, value: &str) {
    f.flags.push(format!("{flag} {}", exec_word(value)));
}

fn push_opt(f: &mut RunFlags, flag: &str, value: Option<&str>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        push(f, flag, v);
    }
}

fn push_all<'s>(f: &mut RunFlags, flag: &str, values: impl IntoIterator<Item = &'s String>) {
    for v in values {
        push(f, flag, v);
    }
}

fn switch(f: &mut RunFlags, flag: &str, on: Option<bool>) {
    if on == Some(true) {
        f.flags.push(flag.to_string());
    }
}

fn num(f: &mut RunFlags, flag: &str, v: Option<i64>) {
    if let Some(v) = v.filter(|v| *v != 0) {
        f.flags.push(format!("{flag} {v}"));
    }
}

impl Ctx<'_> {
    /// The first instance's container name of another service (for `service:NAME`).
    fn first_instance(&self, service: &str) -> String {
        self.naming
            .first_instance
            .and_then(|m| m.get(service))
            .cloned()
            .unwrap_or_else(|| format!("{}-{service}-1", self.project.name))
    }

    /// `service:NAME` → `container:<project>-NAME-1`; other modes as written.
    fn join_mode(&self, mode: &str) -> String {
        match mode.strip_prefix("service:") {
            Some(s) => format!("container:{}", self.first_instance(s)),
            None => mode.to_string(),
        }
    }

    fn identity(&self, f: &mut RunFlags) {
        let s = self.svc;
        push_opt(f, "--hostname", s.hostname.as_deref());
        push_opt(f, "--domainname", s.domainname.as_deref());
        push_opt(f, "--user", s.user.as_deref());
        push_opt(f, "--workdir", s.working_dir.as_deref());
        for (k, v) in &s.labels {
            push(f, "--label", &format!("{k}={v}"));
        }
        for (k, v) in &s.annotations {
            push(f, "--annotation", &format!("{k}={v}"));
        }
        push_opt(f, "--platform", s.platform.as_deref());
        push_opt(f, "--runtime", s.runtime.as_deref());
        push_opt(f, "--isolation", s.isolation.as_deref());
        switch(f, "--init", s.init);
        switch(f, "--read-only", s.read_only);
        switch(f, "--tty", s.tty);
        switch(f, "--interactive", s.stdin_open);
        push_opt(f, "--stop-signal", s.stop_signal.as_deref());
        if let Some(g) = &s.stop_grace_period {
            f.flags
                .push(format!("--stop-timeout {}", ceil_secs(g.as_nanos())));
        }
        if let Some(l) = &s.logging {
            if self.runtime == Runtime::Podman {
                podman_logging(f, l);
            } else {
                push_opt(f, "--log-driver", l.driver.as_deref());
                for (k, v) in &l.options {
                    push(f, "--log-opt", &format!("{k}={v}"));
                }
            }
        }
    }

    /// Values with systemd-valid names that the runtime does not read go to the systemd env
    /// file and reach the container by name (`--env NAME`); the others go to the runtime's
    /// own env file, which cannot hold a newline.
    fn environment(&self, f: &mut RunFlags, env_dir: &str) {
        let mut runtime_file = false;
        for (name, value) in &self.svc.environment {
            let Some(value) = value else {
                // Unset at load time: the container takes it from the unit's environment.
                push(f, "--env", name);
                continue;
            };
            if systemd_env_name_ok(name) && !runtime_reads(name) {
                f.env_lines
                    .push_str(&super::escape::env_file_line(name, value));
                push(f, "--env", name);
            } else if runtime_env_ok(name, value) {
                f.runtime_env_lines.push_str(&format!("{name}={value}\n"));
                runtime_file = true;
            } else {
                f.notes.push((
                    format!("environment.{name}"),
                    format!("dropped: {name} cannot be passed through systemd's environment and its value has a line break the runtime's --env-file cannot hold"),
                ));
            }
        }
        if runtime_file {
            push(
                f,
                "--env-file",
                &format!("{env_dir}{}.runtime.env", self.svc.name),
            );
        }
    }

    fn ports(&self, f: &mut RunFlags, instance_port: Option<usize>) {
        for (i, p) in self.svc.ports.iter().enumerate() {
            let proto = p
                .protocol
                .as_deref()
                .filter(|s| !s.is_empty() && *s != "tcp");
            let target = match proto {
                Some(pr) => format!("{}/{pr}", p.target),
                None => p.target.to_string(),
            };
            let ip = match p.host_ip.as_deref().filter(|s| !s.is_empty()) {
                Some(ip) if ip.contains(':') && !ip.starts_with('[') => format!("[{ip}]:"),
                Some(ip) => format!("{ip}:"),
                None => String::new(),
            };
            if instance_port == Some(i) {
                f.flags.push(format!(
                    "--publish {}",
                    exec_word_raw(&format!("{}%i:{}", escape_pct(&ip), escape_pct(&target)))
                ));
                continue;
            }
            let spec = match p.published.as_deref().filter(|s| !s.is_empty()) {
                Some(h) => format!("{ip}{h}:{target}"),
                None if ip.is_empty() => target,
                None => format!("{ip}:{target}"),
            };
            push(f, "--publish", &spec);
        }
        push_all(f, "--expose", &self.svc.expose);
    }

    fn networks(&self, f: &mut RunFlags) {
        let s = self.svc;
        if let Some(mode) = s.network_mode.as_deref().filter(|m| !m.is_empty()) {
            push(f, "--network", &self.join_mode(mode));
            return;
        }
        // compose resolves a container by its name too: kept as an alias while the service
        // has one container.
        let container_alias = s
            .container_name
            .as_deref()
            .filter(|n| !n.is_empty() && *n != s.name && s.replicas() == 1);
        for (i, name) in s.networks_by_priority().into_iter().enumerate() {
            let real = self
                .project
                .networks
                .get(name)
                .and_then(|n| n.name.clone())
                .unwrap_or_else(|| format!("{}_{name}", self.project.name));
            let mut aliases = vec![s.name.clone()];
            aliases.extend(container_alias.map(str::to_string));
            let mut opts = Vec::new();
            if let Some(Some(n)) = s.networks.get(name) {
                aliases.extend(n.aliases.iter().cloned());
                if let Some(ip) = n.ipv4_address.as_deref().filter(|v| !v.is_empty()) {
                    opts.push(("ip", ip.to_string()));
                }
                if let Some(ip) = n.ipv6_address.as_deref().filter(|v| !v.is_empty()) {
                    opts.push(("ip6", ip.to_string()));
                }
                // podman names the per-network options itself: `mac=`, and driver options
                // as `key=value` (pkg/specgen/namespaces.go parseBridgeNetworkOptions).
                let podman = self.runtime == Runtime::Podman;
                if let Some(m) = n.mac_address.as_deref().filter(|v| !v.is_empty()) {
                    opts.push((if podman { "mac" } else { "mac-address" }, m.to_string()));
                }
                for (k, v) in &n.driver_opts {
                    if podman {
                        opts.push((k.as_str(), v.clone()));
                    } else {
                        opts.push(("driver-opt", format!("{k}={v}")));
                    }
                }
            }
            if self.runtime == Runtime::Docker && i > 0 {
                self.connect(f, name, &real, &aliases, &opts);
                continue;
            }
            let opts: Vec<String> = aliases
                .iter()
                .map(|a| format!("alias={a}"))
                .chain(opts.iter().map(|(k, v)| format!("{k}={v}")))
                .map(|o| csv_field(&o))
                .collect();
            let spec = match self.runtime {
                Runtime::Docker => format!("name={},{}", csv_field(&real), opts.join(",")),
                Runtime::Podman => format!("{real}:{}", opts.join(",")),
            };
            push(f, "--network", &spec);
        }
    }

    /// `docker network connect` words for a network after the first (compose does the same
    /// on engines before API 1.44, which accept one network at create).
    fn connect(
        &self,
        f: &mut RunFlags,
        key: &str,
        real: &str,
        aliases: &[String],
        opts: &[(&str, String)],
    ) {
        let mut w: Vec<String> = aliases
            .iter()
            .map(|a| format!("--alias {}", exec_word(a)))
            .collect();
        for (k, v) in opts {
            match *k {
                "mac-address" => f.notes.push((
                    format!("networks.{key}.mac_address"),
                    "dropped: `docker network connect` sets no MAC address (only the first network's, at create)".into(),
                )),
                k => w.push(format!("--{k} {}", exec_word(v))),
            }
        }
        w.push(exec_word(real));
        f.connects.push(w.join(" "));
    }

    fn mounts(&self, f: &mut RunFlags) {
        for (i, v) in self.svc.volumes.iter().enumerate() {
            let kind = v.kind.as_deref().unwrap_or("volume");
            if kind == "bind" {
                self.bind_host_path(f, i, v);
            }
            if let Some(spec) = self.selinux_volume(f, i, v) {
                f.flags.push(format!("--volume {spec}"));
                continue;
            }
            match self.mount(v) {
                Some(m) => f.flags.push(format!("--mount {}", exec_word_raw(&m))),
                None => f.notes.push((
                    format!("volumes[{i}]"),
                    format!("dropped: {kind} mounts have no counterpart on a single host"),
                )),
            }
        }
        for t in &self.svc.tmpfs {
            push(f, "--tmpfs", t);
        }
        for v in &self.svc.volumes_from {
            let spec = match v.strip_prefix("container:") {
                Some(c) => c.to_string(),
                None => {
                    let (svc, mode) = v.split_once(':').unwrap_or((v, ""));
                    let base = self.first_instance(svc);
                    if mode.is_empty() {
                        base
                    } else {
                        format!("{base}:{mode}")
                    }
                }
            };
            push(f, "--volumes-from", &spec);
        }
    }

    /// A bind source: remembered for `RequiresMountsFor=` and, with `create_host_path`,
    /// created before the start; a path outside the project directory is noted (it is used
    /// as this machine spells it).
    fn bind_host_path(&self, f: &mut RunFlags, i: usize, v: &ServiceVolume) {
        let Some(src) = v.source.as_deref().filter(|s| !s.is_empty()) else {
            return;
        };
        let host = self.host_path(src);
        if !crate::backend::below_project(src, &self.project.working_dir) {
            let home = std::env::var("HOME").ok().filter(|h| h.len() > 1);
            let why = match home {
                Some(h) if std::path::Path::new(src).starts_with(&h) => {
                    " (a `~` was expanded with the home directory of the user who converted)"
                }
                _ => "",
            };
            f.notes.push((
                format!("volumes[{i}]"),
                format!(
                    "bind source {src} is outside the project directory{why}: the unit mounts this path as it is on the machine that runs it, not one below --project-root"
                ),
            ));
        }
        if crate::backend::created_bind_dir(v, &self.project.working_dir).is_some()
            && !f.create_dirs.contains(&host)
        {
            f.create_dirs.push(host.clone());
        }
        if !f.host_paths.contains(&host) {
            f.host_paths.push(host);
        }
    }

    /// docker cannot relabel a `--mount`: a bind with `:z`/`:Z` becomes `--volume
    /// src:dst:opts` (escaped), when its paths fit that syntax.
    fn selinux_volume(&self, f: &mut RunFlags, i: usize, v: &ServiceVolume) -> Option<String> {
        let b = v.bind.as_ref()?;
        let label = b.selinux.as_deref().filter(|l| !l.is_empty())?;
        if self.runtime != Runtime::Docker || v.kind.as_deref() != Some("bind") {
            return None;
        }
        let src = self.host_path(v.source.as_deref()?);
        let dst = v.target.as_deref()?;
        if src.contains([':', ',']) || dst.contains([':', ',']) {
            f.notes.push((
                format!("volumes[{i}]"),
                format!("SELinux label :{label} dropped: a path with `:` or `,` cannot be written as `--volume src:dst:{label}`"),
            ));
            return None;
        }
        let mut opts = vec![label.to_string()];
        if v.read_only == Some(true) {
            opts.push("ro".into());
        }
        if let Some(p) = b.propagation.as_deref().filter(|s| !s.is_empty()) {
            opts.push(p.to_string());
        }
        if b.recursive.as_deref().is_some_and(|r| !r.is_empty()) {
            f.notes.push((
                format!("volumes[{i}]"),
                "bind recursive option dropped: `--volume` (needed for the SELinux label) has no such option".into(),
            ));
        }
        Some(exec_word(&format!("{src}:{dst}:{}", opts.join(","))))
    }

    /// One `--mount` value (Go CSV, as both runtimes read it) with `%` and `$` already
    /// doubled for systemd (the instance part of an anonymous volume's name is a
    /// specifier), or `None` for kinds a host cannot mount.
    fn mount(&self, v: &ServiceVolume) -> Option<String> {
        let kind = v.kind.as_deref().unwrap_or("volume");
        let target = v.target.as_deref().unwrap_or_default();
        let mut parts = vec![format!("type={kind}")];
        let source = v.source.as_deref().filter(|s| !s.is_empty());
        match kind {
            "bind" => parts.push(format!("source={}", self.host_path(source?))),
            "image" => parts.push(format!("source={}", source?)),
            "volume" => {
                let real = match source {
                    Some(src) => self
                        .project
                        .volumes
                        .get(src)
                        .and_then(|x| x.name.clone())
                        .unwrap_or_else(|| src.to_string()),
                    None => self.anonymous_volume(target),
                };
                parts.push(format!("source={real}"));
            }
            "tmpfs" => {}
            _ => return None,
        }
        parts.push(format!("target={target}"));
        if v.read_only == Some(true) {
            parts.push("readonly".into());
        }
        if let Some(b) = &v.bind {
            if let Some(p) = b.propagation.as_deref().filter(|s| !s.is_empty()) {
                parts.push(format!("bind-propagation={p}"));
            }
            if let Some(r) = b.recursive.as_deref().filter(|s| !s.is_empty()) {
                parts.push(format!("bind-recursive={r}"));
            }
            if let Some(l) = b.selinux.as_deref().filter(|s| !s.is_empty()) {
                // podman relabels a --mount itself (docker's case is `selinux_volume`).
                let mode = if l == "Z" { "private" } else { "shared" };
                parts.push(format!("relabel={mode}"));
            }
        }
        if let Some(vv) = &v.volume {
            if vv.nocopy == Some(true) {
                parts.push("volume-nocopy".into());
            }
            if let Some(sp) = vv.subpath.as_deref().filter(|s| !s.is_empty()) {
                let key = match self.runtime {
                    Runtime::Docker => "volume-subpath",
                    Runtime::Podman => "subpath",
                };
                parts.push(format!("{key}={sp}"));
            }
        }
        if let Some(t) = &v.tmpfs {
            if let Some(sz) = t.size.filter(|s| s.0 != 0) {
                parts.push(format!("tmpfs-size={sz}"));
            }
            if let Some(m) = t.mode.filter(|m| *m != 0) {
                parts.push(format!("tmpfs-mode={m:o}"));
            }
        }
        if let Some(i) = &v.image
            && let Some(sp) = i.subpath.as_deref().filter(|s| !s.is_empty())
        {
            parts.push(format!("image-subpath={sp}"));
        }
        // An anonymous volume's name is made of a project and a service name, which hold
        // neither CSV nor systemd specials, and the instance specifier, kept as is.
        let anon = kind == "volume" && source.is_none();
        let escaped: Vec<String> = parts
            .iter()
            .map(|p| {
                if anon && p.starts_with("source=") {
                    p.clone()
                } else {
                    escape_pct(&csv_field(p))
                }
            })
            .collect();
        Some(escaped.join(","))
    }

    /// An anonymous volume (`- /data`) as a named one, so it outlives the container like
    /// compose's (which keeps it across stop/start and carries it over when it recreates
    /// the container): `<project>_<service>-<instance>_<hash of the target>`.
    fn anonymous_volume(&self, target: &str) -> String {
        let inst = match &self.naming.instance {
            Some(i) => format!("-{i}"),
            None => String::new(),
        };
        format!(
            "{}_{}{inst}_{}",
            self.project.name,
            self.svc.name,
            &super::stable_hash(target.as_bytes())[..8]
        )
    }

    /// Secrets and configs from files become read-only bind mounts; inline ones are files
    /// in the env directory (written by the caller, see [`super::object_files`]).
    fn files(&self, f: &mut RunFlags, env_dir: &str) {
        let groups = [
            ("secrets", &self.svc.secrets, &self.project.secrets),
            ("configs", &self.svc.configs, &self.project.configs),
        ];
        for (kind, refs, defs) in groups {
            for (i, r) in refs.iter().enumerate() {
                let Some(src) = r.source.as_deref() else {
                    continue;
                };
                let Some(def) = defs.get(src) else { continue };
                let host = if let Some(file) = def.file.as_deref().filter(|s| !s.is_empty()) {
                    self.host_path(file)
                } else if def.external {
                    f.notes.push((
                        format!("{kind}[{i}]"),
                        format!("dropped: external {kind} {src} exist only in Swarm"),
                    ));
                    continue;
                } else {
                    let host = format!("{env_dir}{kind}/{src}");
                    file_mode(f, &host, r);
                    host
                };
                let target = match r.target.as_deref().filter(|s| !s.is_empty()) {
                    Some(t) if t.starts_with('/') => t.to_string(),
                    Some(t) if kind == "secrets" => format!("/run/secrets/{t}"),
                    Some(t) => format!("/{t}"),
                    None if kind == "secrets" => format!("/run/secrets/{src}"),
                    None => format!("/{src}"),
                };
                let spec = [
                    "type=bind".to_string(),
                    format!("source={host}"),
                    format!("target={target}"),
                    "readonly".into(),
                ];
                push(
                    f,
                    "--mount",
                    &spec
                        .iter()
                        .map(|p| csv_field(p))
                        .collect::<Vec<_>>()
                        .join(","),
                );
            }
        }
    }

    fn healthcheck(&self, f: &mut RunFlags) {
        let Some(h) = &self.svc.healthcheck else {
            return;
        };
        if h.disable == Some(true) || h.test.first().is_some_and(|t| t == "NONE") {
            f.flags.push("--no-healthcheck".into());
            return;
        }
        if let Some(cmd) = self.health_cmd(h) {
            push(f, "--health-cmd", &cmd);
            if self.runtime == Runtime::Docker && h.test.first().is_some_and(|t| t == "CMD") {
                f.notes.push((
                    "healthcheck.test".into(),
                    "approximated: docker runs --health-cmd through the image's /bin/sh, where compose runs a CMD test directly: the words are quoted so the command is the same, but in an image without /bin/sh the check always fails (write it as CMD-SHELL, or use --runtime podman)".into(),
                ));
            }
        }
        let durations = [
            ("--health-interval", h.interval),
            ("--health-timeout", h.timeout),
            ("--health-start-period", h.start_period),
            ("--health-start-interval", h.start_interval),
        ];
        for (flag, d) in durations {
            let Some(d) = d else { continue };
            if flag == "--health-start-interval" && self.runtime == Runtime::Podman {
                f.notes.push((
                    "healthcheck.start_interval".into(),
                    "dropped: podman has no start interval (its --health-startup-* options run a separate startup check); checks run every interval from the start".into(),
                ));
                continue;
            }
            push(f, flag, &d.to_string());
        }
        if let Some(r) = h.retries {
            f.flags.push(format!("--health-retries {r}"));
        }
    }

    /// docker's `--health-cmd` is always a shell command; podman also reads a JSON array.
    fn health_cmd(&self, h: &Healthcheck) -> Option<String> {
        let (kind, rest) = h.test.split_first()?;
        match kind.as_str() {
            "CMD-SHELL" => rest.first().cloned(),
            "CMD" if self.runtime == Runtime::Podman => serde_json::to_string(rest).ok(),
            "CMD" => Some(
                rest.iter()
                    .map(|w| shell_word(w))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => None,
        }
    }

    fn resources(&self, f: &mut RunFlags) {
        let s = self.svc;
        let limits = s.deploy.as_ref().and_then(|d| d.resources.limits.as_ref());
        let reservations = s
            .deploy
            .as_ref()
            .and_then(|d| d.resources.reservations.as_ref());
        let cpus = limits
            .and_then(|l| l.cpus)
            .or(s.cpus)
            .filter(|c| c.0 != 0.0);
        if let Some(c) = cpus {
            f.flags.push(format!("--cpus {}", c.0));
        }
        let mem = limits.and_then(|l| l.memory).or(s.mem_limit);
        num(f, "--memory", mem.map(|m| m.0));
        let res = reservations.and_then(|r| r.memory).or(s.mem_reservation);
        num(f, "--memory-reservation", res.map(|m| m.0));
        num(f, "--memory-swap", s.memswap_limit.map(|m| m.0));
        if let Some(sw) = s.mem_swappiness {
            f.flags.push(format!("--memory-swappiness {}", sw.0));
        }
        num(
            f,
            "--pids-limit",
            limits.and_then(|l| l.pids).or(s.pids_limit),
        );
        num(f, "--cpu-shares", s.cpu_shares);
        num(f, "--cpu-period", s.cpu_period);
        num(f, "--cpu-quota", s.cpu_quota);
        num(f, "--cpu-rt-period", s.cpu_rt_period);
        num(f, "--cpu-rt-runtime", s.cpu_rt_runtime);
        push_opt(f, "--cpuset-cpus", s.cpuset.as_deref());
        num(f, "--shm-size", s.shm_size.map(|m| m.0));
        switch(f, "--oom-kill-disable", s.oom_kill_disable);
        num(f, "--oom-score-adj", s.oom_score_adj);
        for (name, u) in &s.ulimits {
            let v = match u {
                Ulimit::Single(n) => format!("{name}={n}"),
                Ulimit::Range { soft, hard } => format!("{name}={soft}:{hard}"),
            };
            push(f, "--ulimit", &v);
        }
        if let Some(b) = &s.blkio_config {
            num(f, "--blkio-weight", b.weight);
            for w in &b.weight_device {
                push(
                    f,
                    "--blkio-weight-device",
                    &format!("{}:{}", w.path, w.weight),
                );
            }
            let rates = [
                ("--device-read-bps", &b.device_read_bps),
                ("--device-read-iops", &b.device_read_iops),
                ("--device-write-bps", &b.device_write_bps),
                ("--device-write-iops", &b.device_write_iops),
            ];
            for (flag, list) in rates {
                for d in list {
                    push(f, flag, &format!("{}:{}", d.path, d.rate));
                }
            }
        }
        let gpus = s.gpus.iter().chain(
            reservations
                .map(|r| r.devices.as_slice())
                .unwrap_or_default(),
        );
        for g in gpus {
            let is_gpu =
                g.capabilities.iter().any(|c| c == "gpu") || g.driver.as_deref() == Some("nvidia");
            if !is_gpu && !g.capabilities.is_empty() {
                continue;
            }
            let spec = if !g.device_ids.is_empty() {
                format!("\"device={}\"", g.device_ids.join(","))
            } else {
                match g.count {
                    Some(n) if n > 0 => format!("count={n}"),
                    _ => "all".into(),
                }
            };
            push(f, "--gpus", &spec);
        }
    }

    fn security(&self, f: &mut RunFlags) {
        let s = self.svc;
        push_all(f, "--cap-add", &s.cap_add);
        push_all(f, "--cap-drop", &s.cap_drop);
        switch(f, "--privileged", s.privileged);
        push_all(f, "--security-opt", &s.security_opt);
        push_all(f, "--group-add", &s.group_add);
        push_opt(f, "--userns", s.userns_mode.as_deref());
        for (k, v) in &s.sysctls {
            push(f, "--sysctl", &format!("{k}={v}"));
        }
        for (k, v) in &s.storage_opt {
            push(f, "--storage-opt", &format!("{k}={v}"));
        }
        for d in &s.devices {
            let mut spec = d.source.clone().unwrap_or_default();
            if let Some(t) = d.target.as_deref().filter(|t| !t.is_empty()) {
                spec = format!("{spec}:{t}");
            }
            if let Some(p) = d.permissions.as_deref().filter(|p| !p.is_empty()) {
                spec = format!("{spec}:{p}");
            }
            push(f, "--device", &spec);
        }
        push_all(f, "--device-cgroup-rule", &s.device_cgroup_rules);
        if s.use_api_socket == Some(true) {
            match self.runtime {
                Runtime::Docker => f.flags.push("--use-api-socket".into()),
                Runtime::Podman => f.notes.push((
                    "use_api_socket".into(),
                    "dropped: podman has no --use-api-socket".into(),
                )),
            }
        }
    }

    fn misc(&self, f: &mut RunFlags) {
        let s = self.svc;
        push_all(f, "--dns", &s.dns);
        push_all(f, "--dns-option", &s.dns_opt);
        for d in &s.dns_search {
            // docker's way to say "no search domain"; it refuses an empty one.
            push(f, "--dns-search", if d.is_empty() { "." } else { d });
        }
        let (hosts, dropped) = crate::backend::usable_extra_hosts(s, "systemd");
        for h in hosts {
            push(f, "--add-host", &h);
        }
        for message in dropped {
            f.notes.push(("extra_hosts".into(), message));
        }
        push_opt(f, "--mac-address", s.mac_address.as_deref());
        for (flag, v) in [("--ipc", &s.ipc), ("--pid", &s.pid), ("--uts", &s.uts)] {
            if let Some(m) = v.as_deref().filter(|m| !m.is_empty()) {
                push(f, flag, &self.join_mode(m));
            }
        }
        push_opt(f, "--cgroupns", s.cgroup.as_deref());
        push_opt(f, "--cgroup-parent", s.cgroup_parent.as_deref());
    }

    /// `--entrypoint` takes one word: the rest of the entrypoint goes before the command.
    fn command(&self, f: &mut RunFlags) {
        let s = self.svc;
        let mut tail: Vec<String> = Vec::new();
        if let Some(ep) = &s.entrypoint {
            match ep.split_first() {
                Some((first, rest)) => {
                    push(f, "--entrypoint", first);
                    tail.extend(rest.iter().cloned());
                }
                None => f.flags.push("--entrypoint \"\"".into()),
            }
        }
        f.args.push(exec_word(&image_of(self.project, s)));
        tail.extend(s.command.iter().flatten().cloned());
        f.args.extend(tail.iter().map(|w| exec_word(w)));
    }
}

/// `logging` for podman, whose drivers are k8s-file (`json-file` is an alias), journald,
/// none and passthrough (podman-run(1) `--log-driver`): the unit's journal is where its
/// output is read (`journalctl -u`), so file-like and remote drivers become journald, whose
/// own options (`tag`) are kept; rotation and remote options are dropped with a note.
fn podman_logging(f: &mut RunFlags, l: &crate::model::Logging) {
    let driver = l.driver.as_deref().filter(|d| !d.is_empty());
    let keep_none = driver == Some("none");
    let flag = if keep_none { "none" } else { "journald" };
    match driver {
        None | Some("journald" | "none") => {}
        Some(d) => f.notes.push((
            "logging.driver".into(),
            format!(
                "approximated: podman's {d} driver {} the unit's journal; the journald driver is used, so `journalctl -u` shows the output",
                if d == "json-file" || d == "local" {
                    "writes a file (k8s-file), not"
                } else {
                    "does not exist; its output is not in"
                }
            ),
        )),
    }
    if driver.is_some() {
        push(f, "--log-driver", flag);
    }
    for (k, v) in &l.options {
        if k == "tag" && !keep_none {
            push(f, "--log-opt", &format!("{k}={v}"));
        } else {
            let why = if k.starts_with("max-") {
                " (journald rotates by its own settings, journald.conf(5))"
            } else {
                ""
            };
            f.notes.push((
                format!("logging.options.{k}"),
                format!("dropped: podman's journald driver has no {k} option{why}"),
            ));
        }
    }
}

/// The image a service runs: its `image`, else compose's default tag for a built image.
pub fn image_of(project: &Project, s: &Service) -> String {
    s.image
        .clone()
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| format!("{}-{}", project.name, s.name))
}

/// compose copies an inline secret or config into the container with mode 0444 (or `mode`)
/// and owner `uid`/`gid` (root); the bind-mounted file gets the same before each start.
/// The mode compose gives its copy of a secret or config: `mode`, else 0444.
pub fn file_mode_of(r: &crate::model::FileRef) -> i64 {
    r.mode.map_or(0o444, |m| m.0)
}

fn file_mode(f: &mut RunFlags, host: &str, r: &crate::model::FileRef) {
    let mode = file_mode_of(r);
    f.file_modes
        .push(format!("-/bin/chmod {mode:04o} {}", exec_word(host)));
    let uid = r.uid.as_deref().filter(|u| !u.is_empty());
    let gid = r.gid.as_deref().filter(|g| !g.is_empty());
    if uid.is_some() || gid.is_some() {
        let owner = match (uid, gid) {
            (Some(u), Some(g)) => format!("{u}:{g}"),
            (Some(u), None) => u.to_string(),
            (None, g) => format!(":{}", g.unwrap_or_default()),
        };
        f.file_modes.push(format!(
            "-/bin/chown {} {}",
            exec_word(&owner),
            exec_word(host)
        ));
    }
}

fn escape_pct(s: &str) -> String {
    s.replace('%', "%%").replace('$', "$$")
}

/// Whole seconds, rounded up (runtimes take integer stop timeouts).
pub fn ceil_secs(nanos: i64) -> i64 {
    (nanos.max(0) + 999_999_999) / 1_000_000_000
}
