//! Binding of `services.NAME` and everything under it.

use super::scalar::*;
use crate::load::node::{At, Node, Value};
use crate::model::*;
use indexmap::IndexMap;

pub fn service(name: &str, n: &Node, p: &At<'_>) -> R<Service> {
    let mut s = Service {
        name: name.to_string(),
        ..Service::default()
    };
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        if !service_field(&mut s, k, v, kp)? {
            return resource_field(&mut s, k, v, kp);
        }
        Ok(true)
    })?;
    s.extensions = ext;
    Ok(s)
}

/// Identity, process and container settings.
fn service_field(s: &mut Service, k: &str, v: &Node, p: &At<'_>) -> R<bool> {
    match k {
        "profiles" => s.profiles = strings(v, p)?,
        "annotations" => s.annotations = mapping(v, p)?,
        "attach" => s.attach = oboolean(v, p)?,
        "build" => s.build = Some(Box::new(super::build::build(v, p)?)),
        "develop" => s.develop = develop(v, p)?.map(Box::new),
        "cap_add" => s.cap_add = strings(v, p)?,
        "cap_drop" => s.cap_drop = strings(v, p)?,
        "cgroup_parent" => s.cgroup_parent = ostring(v, p)?,
        "cgroup" => s.cgroup = ostring(v, p)?,
        "command" => s.command = command(v, p)?,
        "configs" => s.configs = file_refs(v, p)?,
        "container_name" => s.container_name = ostring(v, p)?,
        "credential_spec" => s.credential_spec = Some(Box::new(credential_spec(v, p)?)),
        "depends_on" => s.depends_on = depends_on(v, p)?,
        "deploy" => s.deploy = super::deploy::deploy(v, p)?.map(Box::new),
        "device_cgroup_rules" => s.device_cgroup_rules = strings(v, p)?,
        "devices" => s.devices = devices(v, p)?,
        "dns" => s.dns = string_or_list(v, p)?,
        "dns_opt" => s.dns_opt = strings(v, p)?,
        "dns_search" => s.dns_search = string_or_list(v, p)?,
        "domainname" => s.domainname = ostring(v, p)?,
        "entrypoint" => s.entrypoint = command(v, p)?,
        "provider" => s.provider = Some(Box::new(provider(v, p)?)),
        "environment" => s.environment = mapping_with_equals(v, p)?,
        "env_file" => s.env_file = env_files(v, p)?,
        "label_file" => s.label_file = string_or_list(v, p)?,
        "expose" => s.expose = string_or_number_list(v, p)?,
        "extends" => s.extends = Some(extends(v, p)?),
        "external_links" => s.external_links = strings(v, p)?,
        "extra_hosts" => s.extra_hosts = hosts_list(v, p)?,
        "group_add" => s.group_add = string_or_number_list(v, p)?,
        "gpus" => s.gpus = super::deploy::gpus(v, p)?,
        "hostname" => s.hostname = ostring(v, p)?,
        "healthcheck" => s.healthcheck = Some(healthcheck(v, p)?),
        "image" => s.image = ostring(v, p)?,
        "init" => s.init = oboolean(v, p)?,
        "ipc" => s.ipc = ostring(v, p)?,
        "isolation" => s.isolation = ostring(v, p)?,
        "labels" => s.labels = mapping(v, p)?,
        "links" => s.links = strings(v, p)?,
        "logging" => s.logging = Some(logging(v, p)?),
        "mac_address" => s.mac_address = ostring(v, p)?,
        "models" => s.models = service_models(v, p)?,
        "network_mode" => s.network_mode = ostring(v, p)?,
        "networks" => s.networks = service_networks(v, p)?,
        "pid" => s.pid = if v.is_null() { None } else { ostring(v, p)? },
        "platform" => s.platform = ostring(v, p)?,
        "ports" => s.ports = list(v, p, port)?,
        "post_start" => s.post_start = list(v, p, hook)?,
        "pre_stop" => s.pre_stop = list(v, p, hook)?,
        "privileged" => s.privileged = oboolean(v, p)?,
        "pull_policy" => s.pull_policy = ostring(v, p)?,
        "pull_refresh_after" => s.pull_refresh_after = ostring(v, p)?,
        "read_only" => s.read_only = oboolean(v, p)?,
        "restart" => s.restart = ostring(v, p)?,
        "runtime" => s.runtime = ostring(v, p)?,
        "scale" => s.scale = oint(v, p, "integer or string")?,
        "secrets" => s.secrets = file_refs(v, p)?,
        "security_opt" => s.security_opt = strings(v, p)?,
        "stdin_open" => s.stdin_open = oboolean(v, p)?,
        "stop_grace_period" => s.stop_grace_period = duration(v, p)?,
        "stop_signal" => s.stop_signal = ostring(v, p)?,
        "storage_opt" => s.storage_opt = options(v, p)?,
        "sysctls" => s.sysctls = mapping(v, p)?,
        "tmpfs" => s.tmpfs = string_or_list(v, p)?,
        "tty" => s.tty = oboolean(v, p)?,
        "ulimits" => s.ulimits = ulimits(v, p)?,
        "use_api_socket" => s.use_api_socket = Some(strict_boolean(v, p)?),
        "user" => s.user = ostring(v, p)?,
        "userns_mode" => s.userns_mode = ostring(v, p)?,
        "uts" => s.uts = ostring(v, p)?,
        "volumes" => s.volumes = list(v, p, volume)?,
        "volumes_from" => s.volumes_from = strings(v, p)?,
        "working_dir" => s.working_dir = ostring(v, p)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// CPU, memory and kernel resource settings.
fn resource_field(s: &mut Service, k: &str, v: &Node, p: &At<'_>) -> R<bool> {
    const NS: &str = "number or string";
    const IS: &str = "integer or string";
    match k {
        "blkio_config" => s.blkio_config = Some(Box::new(blkio(v, p)?)),
        "cpu_count" => s.cpu_count = oint(v, p, IS)?,
        "cpu_percent" => s.cpu_percent = cpus(v, p, IS)?,
        "cpu_shares" => s.cpu_shares = oint(v, p, NS)?,
        "cpu_quota" => s.cpu_quota = oint(v, p, NS)?,
        "cpu_period" => s.cpu_period = oint(v, p, NS)?,
        "cpu_rt_period" => s.cpu_rt_period = oint(v, p, NS)?,
        "cpu_rt_runtime" => s.cpu_rt_runtime = oint(v, p, NS)?,
        "cpus" => s.cpus = cpus(v, p, NS)?,
        "cpuset" => s.cpuset = ostring(v, p)?,
        "mem_limit" => s.mem_limit = bytes(v, p, NS)?,
        "mem_reservation" => s.mem_reservation = bytes(v, p, IS)?,
        "mem_swappiness" => s.mem_swappiness = bytes(v, p, IS)?,
        "memswap_limit" => s.memswap_limit = bytes(v, p, NS)?,
        "oom_kill_disable" => s.oom_kill_disable = oboolean(v, p)?,
        "oom_score_adj" => s.oom_score_adj = oint(v, p, IS)?,
        "pids_limit" => s.pids_limit = oint(v, p, NS)?,
        "shm_size" => s.shm_size = bytes(v, p, NS)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// Bind every item of a sequence.
pub fn list<T>(n: &Node, p: &At<'_>, f: impl Fn(&Node, &At<'_>) -> R<T>) -> R<Vec<T>> {
    let items = seq(n, p)?;
    // Exact capacity: collecting `Result`s starts at four slots, and a volume is 648 bytes.
    let mut out = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        out.push(f(x, &p.index(i))?);
    }
    Ok(out)
}

fn logging(n: &Node, p: &At<'_>) -> R<Logging> {
    let mut l = Logging::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "driver" => l.driver = ostring(v, kp)?,
            "options" => l.options = options(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    l.extensions = ext;
    Ok(l)
}

pub fn ulimits(n: &Node, p: &At<'_>) -> R<IndexMap<String, Ulimit>> {
    map(n, p)?
        .iter()
        .map(|(k, v)| Ok((k.clone(), ulimit(v, &p.key(k))?)))
        .collect()
}

fn ulimit(n: &Node, p: &At<'_>) -> R<Ulimit> {
    if n.as_map().is_none() {
        return Ok(Ulimit::Single(int(n, p, "integer or string")?));
    }
    let (mut soft, mut hard) = (None, None);
    fields(n, p, Some(&mut Extensions::new()), |k, v, kp| {
        match k {
            "soft" => soft = Some(int(v, kp, "integer or string")?),
            "hard" => hard = Some(int(v, kp, "integer or string")?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    match (soft, hard) {
        (Some(soft), Some(hard)) => Ok(Ulimit::Range { soft, hard }),
        // The schema's first alternative is the single number.
        _ => Err(type_err(n, p, "integer or string")),
    }
}

fn depends_on(n: &Node, p: &At<'_>) -> R<IndexMap<String, Dependency>> {
    if let Value::Seq(_) = n.value {
        // Short syntax: started, required.
        let names = strings(n, p)?;
        let dep = || Dependency {
            condition: Some("service_started".into()),
            required: true,
            ..Dependency::default()
        };
        return Ok(names.into_iter().map(|s| (s, dep())).collect());
    }
    map(n, p)?
        .iter()
        .map(|(k, v)| Ok((k.clone(), dependency(v, &p.key(k))?)))
        .collect()
}

fn dependency(n: &Node, p: &At<'_>) -> R<Dependency> {
    let mut d = Dependency {
        required: true,
        ..Dependency::default()
    };
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "condition" => d.condition = ostring(v, kp)?,
            "restart" => d.restart = oboolean(v, kp)?,
            "required" => d.required = strict_boolean(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    require(n, p, &["condition"])?;
    d.extensions = ext;
    Ok(d)
}

fn service_networks(n: &Node, p: &At<'_>) -> R<IndexMap<String, Option<ServiceNetwork>>> {
    if let Value::Seq(_) = n.value {
        return Ok(strings(n, p)?.into_iter().map(|s| (s, None)).collect());
    }
    let entries = map(n, p)?;
    let mut out = IndexMap::with_capacity(entries.len());
    for (k, v) in entries {
        let net = if v.is_null() {
            None
        } else {
            Some(service_network(v, &p.key(k))?)
        };
        out.insert(k.clone(), net);
    }
    Ok(out)
}

fn service_network(n: &Node, p: &At<'_>) -> R<ServiceNetwork> {
    let mut s = ServiceNetwork::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "aliases" => s.aliases = strings(v, kp)?,
            "interface_name" => s.interface_name = ostring(v, kp)?,
            "ipv4_address" => s.ipv4_address = ostring(v, kp)?,
            "ipv6_address" => s.ipv6_address = ostring(v, kp)?,
            "link_local_ips" => s.link_local_ips = strings(v, kp)?,
            "mac_address" => s.mac_address = ostring(v, kp)?,
            "driver_opts" => s.driver_opts = options(v, kp)?,
            "priority" => s.priority = oint(v, kp, "number")?,
            "gw_priority" => s.gw_priority = oint(v, kp, "number")?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    s.extensions = ext;
    Ok(s)
}

fn service_models(n: &Node, p: &At<'_>) -> R<IndexMap<String, Option<ServiceModel>>> {
    if let Value::Seq(_) = n.value {
        return Ok(strings(n, p)?.into_iter().map(|s| (s, None)).collect());
    }
    let mut out = IndexMap::new();
    for (k, v) in map(n, p)? {
        let kp = p.key(k);
        if v.is_null() {
            out.insert(k.clone(), None);
            continue;
        }
        let mut m = ServiceModel::default();
        let mut ext = Extensions::new();
        fields(v, &kp, Some(&mut ext), |k, v, kp| {
            match k {
                "endpoint_var" => m.endpoint_var = ostring(v, kp)?,
                "model_var" => m.model_var = ostring(v, kp)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        m.extensions = ext;
        out.insert(k.clone(), Some(m));
    }
    Ok(out)
}

/// Service `secrets`/`configs` (and `build.secrets`); a string is the short syntax.
pub fn file_refs(n: &Node, p: &At<'_>) -> R<Vec<FileRef>> {
    list(n, p, file_ref)
}

fn file_ref(n: &Node, p: &At<'_>) -> R<FileRef> {
    if let Value::Str(s) = &n.value {
        return Ok(FileRef {
            source: Some(s.clone()),
            ..FileRef::default()
        });
    }
    let mut f = FileRef::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "source" => f.source = ostring(v, kp)?,
            "target" => f.target = ostring(v, kp)?,
            "uid" => f.uid = ostring(v, kp)?,
            "gid" => f.gid = ostring(v, kp)?,
            "mode" => f.mode = file_mode(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    f.extensions = ext;
    Ok(f)
}

fn devices(n: &Node, p: &At<'_>) -> R<Vec<DeviceMapping>> {
    list(n, p, |n, p| {
        let mut d = DeviceMapping::default();
        let mut ext = Extensions::new();
        fields(n, p, Some(&mut ext), |k, v, kp| {
            match k {
                "source" => d.source = ostring(v, kp)?,
                "target" => d.target = ostring(v, kp)?,
                "permissions" => d.permissions = ostring(v, kp)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        require(n, p, &["source"])?;
        d.extensions = ext;
        Ok(d)
    })
}

fn env_files(n: &Node, p: &At<'_>) -> R<Vec<EnvFile>> {
    let one = |n: &Node, p: &At<'_>| -> R<EnvFile> {
        if let Value::Str(s) = &n.value {
            return Ok(EnvFile {
                path: s.clone(),
                required: true,
                format: None,
            });
        }
        let mut e = EnvFile {
            required: true,
            ..EnvFile::default()
        };
        fields(n, p, None, |k, v, kp| {
            match k {
                "path" => e.path = string(v, kp)?,
                "required" => e.required = boolean(v, kp)?,
                "format" => e.format = ostring(v, kp)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        require(n, p, &["path"])?;
        Ok(e)
    };
    match &n.value {
        Value::Str(_) => Ok(vec![one(n, p)?]),
        _ => list(n, p, one),
    }
}

fn extends(n: &Node, p: &At<'_>) -> R<Extends> {
    if let Value::Str(s) = &n.value {
        return Ok(Extends {
            service: Some(s.clone()),
            file: None,
        });
    }
    let mut e = Extends::default();
    fields(n, p, None, |k, v, kp| {
        match k {
            "service" => e.service = ostring(v, kp)?,
            "file" => e.file = ostring(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    require(n, p, &["service"])?;
    Ok(e)
}

/// `extra_hosts`: a `host: ip(s)` mapping or `host=ip` / `host:ip` strings.
pub fn hosts_list(n: &Node, p: &At<'_>) -> R<HostsList> {
    let mut out: IndexMap<String, Vec<String>> = IndexMap::new();
    match &n.value {
        Value::Map(m) => {
            for (k, v) in m {
                let kp = p.key(k);
                let ips = match &v.value {
                    Value::Null => vec![String::new()],
                    Value::Seq(items) => items.iter().filter_map(Node::scalar_to_string).collect(),
                    _ => vec![string(v, &kp)?],
                };
                out.insert(k.clone(), ips);
            }
        }
        _ => {
            for (i, x) in seq(n, p)?.iter().enumerate() {
                let s = scalar_string(x, &p.index(i), "string")?;
                let (host, ip) =
                    s.split_once('=')
                        .or_else(|| s.split_once(':'))
                        .ok_or_else(|| {
                            err(
                                x,
                                &p.index(i),
                                format!("invalid additional host, missing IP: {s}"),
                            )
                        })?;
                out.entry(host.to_string())
                    .or_default()
                    .extend(ip.split(',').map(str::to_owned));
            }
        }
    }
    for (host, ips) in out.iter_mut() {
        if host.is_empty() || host.contains([':', '=']) {
            return Err(err(n, p, format!("bad host name '{host}'")));
        }
        for ip in ips.iter_mut() {
            if ip.len() > 2 && ip.starts_with('[') && ip.ends_with(']') {
                *ip = ip[1..ip.len() - 1].to_string();
            }
        }
    }
    Ok(HostsList(out))
}

fn healthcheck(n: &Node, p: &At<'_>) -> R<Healthcheck> {
    let mut h = Healthcheck::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "test" => {
                h.test = match &v.value {
                    Value::Str(s) => vec!["CMD-SHELL".to_string(), s.clone()],
                    _ => strings(v, kp)?,
                }
            }
            "interval" => h.interval = duration(v, kp)?,
            "timeout" => h.timeout = duration(v, kp)?,
            "start_period" => h.start_period = duration(v, kp)?,
            "start_interval" => h.start_interval = duration(v, kp)?,
            "retries" => h.retries = ouint(v, kp, "number or string")?,
            "disable" => h.disable = oboolean(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    h.extensions = ext;
    Ok(h)
}

fn port(n: &Node, p: &At<'_>) -> R<Port> {
    if !matches!(
        n.value,
        Value::Map(_) | Value::Str(_) | Value::Int(_) | Value::Float(_)
    ) {
        return Err(type_err(n, p, "number"));
    }
    let mut o = Port::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "name" => o.name = ostring(v, kp)?,
            "mode" => o.mode = ostring(v, kp)?,
            "host_ip" => o.host_ip = ostring(v, kp)?,
            "target" => {
                let t = int(v, kp, "integer or string")?;
                o.target = u32::try_from(t)
                    .map_err(|_| err(v, kp, format!("cannot parse '{t}', {t} overflows uint32")))?;
            }
            "published" => o.published = Some(scalar_string(v, kp, "string or integer")?),
            "protocol" => o.protocol = ostring(v, kp)?,
            "app_protocol" => o.app_protocol = ostring(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    o.extensions = ext;
    Ok(o)
}

fn volume(n: &Node, p: &At<'_>) -> R<ServiceVolume> {
    if !matches!(n.value, Value::Map(_) | Value::Str(_)) {
        return Err(type_err(n, p, "string"));
    }
    let mut o = ServiceVolume::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "type" => o.kind = ostring(v, kp)?,
            "source" => o.source = ostring(v, kp)?,
            "target" => o.target = ostring(v, kp)?,
            "read_only" => o.read_only = oboolean(v, kp)?,
            "consistency" => o.consistency = ostring(v, kp)?,
            "bind" => o.bind = Some(volume_bind(v, kp)?),
            "volume" => o.volume = Some(volume_volume(v, kp)?),
            "tmpfs" => o.tmpfs = Some(volume_tmpfs(v, kp)?),
            "image" => o.image = Some(volume_image(v, kp)?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    require(n, p, &["type"])?;
    o.extensions = ext;
    Ok(o)
}

fn volume_bind(n: &Node, p: &At<'_>) -> R<VolumeBind> {
    let mut o = VolumeBind::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "propagation" => o.propagation = ostring(v, kp)?,
            "create_host_path" => o.create_host_path = oboolean(v, kp)?,
            "recursive" => o.recursive = ostring(v, kp)?,
            "selinux" => o.selinux = ostring(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    o.extensions = ext;
    Ok(o)
}

fn volume_volume(n: &Node, p: &At<'_>) -> R<VolumeVolume> {
    let mut o = VolumeVolume::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "labels" => o.labels = mapping(v, kp)?,
            "nocopy" => o.nocopy = oboolean(v, kp)?,
            "subpath" => o.subpath = ostring(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    o.extensions = ext;
    Ok(o)
}

fn volume_tmpfs(n: &Node, p: &At<'_>) -> R<VolumeTmpfs> {
    let mut o = VolumeTmpfs::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "size" => o.size = bytes(v, kp, "integer")?,
            "mode" => {
                let m = int(v, kp, "number or string")?;
                o.mode = Some(u32::try_from(m).map_err(|_| {
                    err(v, kp, format!("cannot parse '{m}', {m} overflows uint32"))
                })?);
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    o.extensions = ext;
    Ok(o)
}

fn volume_image(n: &Node, p: &At<'_>) -> R<VolumeImage> {
    let mut o = VolumeImage::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "subpath" => o.subpath = ostring(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    o.extensions = ext;
    Ok(o)
}

fn hook(n: &Node, p: &At<'_>) -> R<ServiceHook> {
    let mut h = ServiceHook::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "command" => h.command = command(v, kp)?,
            "user" => h.user = ostring(v, kp)?,
            "privileged" => h.privileged = oboolean(v, kp)?,
            "working_dir" => h.working_dir = ostring(v, kp)?,
            "environment" => h.environment = mapping_with_equals(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    require(n, p, &["command"])?;
    h.extensions = ext;
    Ok(h)
}

fn develop(n: &Node, p: &At<'_>) -> R<Option<Develop>> {
    if n.is_null() {
        return Ok(None);
    }
    let mut d = Develop::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "watch" => d.watch = list(v, kp, trigger)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    d.extensions = ext;
    Ok(Some(d))
}

fn trigger(n: &Node, p: &At<'_>) -> R<Trigger> {
    let mut t = Trigger::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "path" => t.path = string(v, kp)?,
            "action" => t.action = string(v, kp)?,
            "target" => t.target = ostring(v, kp)?,
            "exec" => t.exec = hook(v, kp)?,
            "include" => t.include = string_or_list(v, kp)?,
            "ignore" => t.ignore = string_or_list(v, kp)?,
            "initial_sync" => t.initial_sync = Some(strict_boolean(v, kp)?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    require(n, p, &["path", "action"])?;
    t.extensions = ext;
    Ok(t)
}

fn credential_spec(n: &Node, p: &At<'_>) -> R<CredentialSpec> {
    let mut c = CredentialSpec::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "config" => c.config = ostring(v, kp)?,
            "file" => c.file = ostring(v, kp)?,
            "registry" => c.registry = ostring(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    c.extensions = ext;
    Ok(c)
}

fn provider(n: &Node, p: &At<'_>) -> R<Provider> {
    let mut o = Provider::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "type" => o.kind = ostring(v, kp)?,
            "options" => {
                for (ok, ov) in map(v, kp)? {
                    let op = kp.key(ok);
                    let vals = match &ov.value {
                        Value::Seq(items) => items
                            .iter()
                            .enumerate()
                            .map(|(i, x)| {
                                scalar_string(x, &op.index(i), "string, number or boolean")
                            })
                            .collect::<R<Vec<_>>>()?,
                        _ => vec![scalar_string(ov, &op, "string, number or boolean")?],
                    };
                    o.options.insert(ok.clone(), vals);
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    require(n, p, &["type"])?;
    o.extensions = ext;
    Ok(o)
}

fn blkio(n: &Node, p: &At<'_>) -> R<Blkio> {
    let mut b = Blkio::default();
    fields(n, p, None, |k, v, kp| {
        match k {
            "weight" => b.weight = oint(v, kp, "integer or string")?,
            "weight_device" => b.weight_device = list(v, kp, weight_device)?,
            "device_read_bps" => b.device_read_bps = list(v, kp, throttle_device)?,
            "device_read_iops" => b.device_read_iops = list(v, kp, throttle_device)?,
            "device_write_bps" => b.device_write_bps = list(v, kp, throttle_device)?,
            "device_write_iops" => b.device_write_iops = list(v, kp, throttle_device)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(b)
}

fn weight_device(n: &Node, p: &At<'_>) -> R<WeightDevice> {
    let mut w = WeightDevice::default();
    fields(n, p, None, |k, v, kp| {
        match k {
            // compose prints these keys capitalised; accept its output back.
            "path" | "Path" => w.path = string(v, kp)?,
            "weight" | "Weight" => w.weight = int(v, kp, "integer or string")?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(w)
}

fn throttle_device(n: &Node, p: &At<'_>) -> R<ThrottleDevice> {
    let mut t = ThrottleDevice::default();
    fields(n, p, None, |k, v, kp| {
        match k {
            "path" | "Path" => t.path = string(v, kp)?,
            "rate" | "Rate" => t.rate = bytes(v, kp, "integer or string")?.unwrap_or_default(),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(t)
}
