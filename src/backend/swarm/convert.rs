//! One compose service → one Swarm stack service: the keys Swarm honours are copied in long
//! syntax, the ones it has an equivalent for are translated (`restart`, `mem_limit`, `cpus`,
//! `scale`, `shm_size`, `platform`, `container_name`), and the lossy details inside kept keys
//! (a port's `host_ip`, a network's static address, ...) get their own warnings. Whole keys
//! Swarm cannot express are reported from the mapping table by the caller.

use super::stack::{
    StackBind, StackDeploy, StackDiscrete, StackFileRef, StackGenericResource, StackHealthcheck,
    StackLimits, StackLogging, StackMount, StackPlacement, StackPort, StackReservations,
    StackResources, StackRestartPolicy, StackService, StackServiceNetwork, StackSpread, StackTmpfs,
    StackUlimit, StackUpdateConfig, StackVolumeOpts,
};
use crate::diag::Severity;
use crate::model::units::f32_json;
use crate::model::{
    ByteSize, Cpus, Deploy, FileRef, Healthcheck, Port, Service, ServiceVolume, Ulimit,
    UpdateConfig,
};
use std::collections::BTreeMap;

/// Warnings collected while converting one service.
pub use crate::backend::notes::Notes;

/// Convert `svc` (which has an image). Whole-key drops are not reported here.
pub fn service(
    svc: &Service,
    image: String,
    host: &super::resources::HostPaths,
    notes: &mut Notes,
) -> StackService {
    let mut out = StackService {
        image,
        hostname: nonblank(&svc.hostname),
        entrypoint: svc.entrypoint.clone().filter(|v| !v.is_empty()),
        command: svc.command.clone().filter(|v| !v.is_empty()),
        working_dir: nonblank(&svc.working_dir),
        user: nonblank(&svc.user),
        environment: svc.environment.clone(),
        labels: svc.labels.clone(),
        ports: ports(&svc.ports, notes),
        networks: networks(svc, notes),
        volumes: mounts(svc, host, notes),
        configs: file_refs(&svc.configs),
        secrets: file_refs(&svc.secrets),
        healthcheck: svc.healthcheck.as_ref().map(healthcheck),
        deploy: deploy(svc, notes),
        cap_add: dedup(&svc.cap_add),
        cap_drop: dedup(&svc.cap_drop),
        credential_spec: credential_spec(svc),
        dns: dedup(&svc.dns),
        dns_search: dedup(&svc.dns_search),
        extra_hosts: dedup(&extra_hosts(svc, notes)),
        init: svc.init,
        isolation: nonblank(&svc.isolation),
        logging: svc.logging.as_ref().map(|l| StackLogging {
            driver: nonblank(&l.driver),
            options: l.options.clone(),
        }),
        oom_score_adj: svc.oom_score_adj.filter(|v| *v != 0),
        read_only: svc.read_only.filter(|v| *v),
        stdin_open: svc.stdin_open.filter(|v| *v),
        stop_grace_period: svc.stop_grace_period.map(|d| d.to_string()),
        stop_signal: nonblank(&svc.stop_signal),
        sysctls: svc.sysctls.clone(),
        tty: svc.tty.filter(|v| *v),
        ulimits: svc
            .ulimits
            .iter()
            .map(|(k, v)| (k.clone(), ulimit(v)))
            .collect(),
    };
    network_mode(svc, &mut out, notes);
    docker_socket(&out, notes);
    dnsrr_ports(&mut out, notes);
    routing_labels(&mut out, notes);
    if svc.entrypoint.as_ref().is_some_and(Vec::is_empty) {
        // compose: `entrypoint: []` clears the image's ENTRYPOINT; the Engine API resets it
        // for `[""]`.
        out.entrypoint = Some(vec![String::new()]);
    }
    if let Some(name) = nonblank(&svc.container_name) {
        // Other services may reach this one by its container name: keep that name resolvable.
        for net in out.networks.values_mut() {
            net.get_or_insert_with(StackServiceNetwork::default)
                .aliases
                .push(name.clone());
        }
    }
    for n in out.networks.values_mut().flatten() {
        n.aliases = dedup(&n.aliases);
    }
    out
}

/// The external network a `network_mode` means in a stack file, if any: `host` and `none`
/// are networks a stack can attach to (by their external names).
pub fn mode_network(svc: &Service) -> Option<&'static str> {
    match svc.network_mode.as_deref() {
        Some("host") => Some("host"),
        Some("none") => Some("none"),
        _ => None,
    }
}

fn network_mode(svc: &Service, out: &mut StackService, notes: &mut Notes) {
    let Some(mode) = nonblank(&svc.network_mode) else {
        return;
    };
    if let Some(net) = mode_network(svc) {
        out.networks.clear();
        out.networks.insert(net.to_string(), None);
        notes.warn(
            Severity::Info,
            "network_mode",
            format!("the stack's external `{net}` network: the service uses the node's {net} networking (no aliases there)"),
        );
        return;
    }
    if let Some(other) = mode
        .strip_prefix("service:")
        .or_else(|| mode.strip_prefix("container:"))
    {
        notes.warn(
            Severity::Warning,
            "network_mode",
            format!("dropped for swarm: Swarm cannot share {other}'s network namespace: this service gets its own, joins the stack's networks, and its traffic no longer goes through {other} (a VPN sidecar is bypassed, a kill switch no longer applies) nor reaches it on localhost"),
        );
        return;
    }
    notes.warn(
        Severity::Warning,
        "network_mode",
        format!("dropped for swarm: network_mode {mode}: the service joins the stack's networks"),
    );
}

/// A service that talks to the Docker socket to manage Swarm (Traefik's Swarm provider,
/// Portainer, ...) needs a manager's socket: a worker's engine cannot list services.
fn docker_socket(out: &StackService, notes: &mut Notes) {
    let socket = out.volumes.iter().any(|m| {
        m.kind == "bind"
            && m.source
                .as_deref()
                .is_some_and(|s| s.ends_with("/docker.sock"))
    });
    let d = out.deploy.as_ref();
    let global = d
        .and_then(|d| d.mode.as_deref())
        .is_some_and(|m| m.starts_with("global"));
    let on_manager = d.and_then(|d| d.placement.as_ref()).is_some_and(|p| {
        p.constraints
            .iter()
            .any(|c| c.replace(' ', "") == "node.role==manager")
    });
    if socket && !global && !on_manager {
        notes.warn(
            Severity::Warning,
            "volumes",
            "the Docker socket is mounted but the service may run on a worker, whose engine sees only its own containers and cannot manage the swarm: add the constraint node.role == manager if it reads services, nodes or secrets".into(),
        );
    }
}

/// Swarm refuses ports published through the routing mesh on a `dnsrr` service: they are
/// published in host mode instead (one task per node can take the port).
fn dnsrr_ports(out: &mut StackService, notes: &mut Notes) {
    let dnsrr = out
        .deploy
        .as_ref()
        .is_some_and(|d| d.endpoint_mode.as_deref() == Some("dnsrr"));
    if !dnsrr {
        return;
    }
    let mut changed = false;
    for p in out
        .ports
        .iter_mut()
        .filter(|p| p.mode == "ingress" && p.published.is_some())
    {
        p.mode = "host".into();
        changed = true;
    }
    if changed {
        notes.warn(
            Severity::Warning,
            "ports",
            "approximated for swarm: published in host mode: Swarm refuses routing-mesh (ingress) ports on an endpoint_mode dnsrr service; the port is open only on the nodes that run a task".into(),
        );
    }
}

/// Label prefixes Swarm-mode routers read from the service (`deploy.labels`), not from its
/// containers: Traefik's Swarm provider, Docker Flow Proxy, caddy-docker-proxy.
const ROUTING_LABELS: &[&str] = &["traefik.", "com.df.", "caddy"];

fn routing_labels(out: &mut StackService, notes: &mut Notes) {
    let routing: Vec<(String, String)> = out
        .labels
        .iter()
        .filter(|(k, _)| ROUTING_LABELS.iter().any(|p| k.starts_with(p)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if routing.is_empty() {
        return;
    }
    let deploy = out.deploy.get_or_insert_with(Default::default);
    for (k, v) in routing {
        deploy.labels.entry(k).or_insert(v);
    }
    notes.warn(
        Severity::Info,
        "labels",
        "routing labels (traefik.*, com.df.*, caddy*) also written to deploy.labels: in Swarm mode these proxies read the service's labels, not the container's".into(),
    );
}

/// `host:address` entries; an address that is not an IP (nor Docker's `host-gateway`)
/// is dropped with a warning: Swarm refuses the whole service for it at deploy time.
fn extra_hosts(svc: &Service, notes: &mut Notes) -> Vec<String> {
    let (ok, dropped) = crate::backend::usable_extra_hosts(svc, "swarm");
    for message in dropped {
        notes.warn(Severity::Warning, "extra_hosts", message);
    }
    ok
}

fn nonblank(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.is_empty())
}

/// The schema wants unique items in most lists; keep the first of each (hashed: a port
/// range can expand to thousands of items).
pub fn dedup<T: Clone + Eq + std::hash::Hash>(items: &[T]) -> Vec<T> {
    let mut seen: std::collections::HashSet<&T> = std::collections::HashSet::new();
    items.iter().filter(|i| seen.insert(*i)).cloned().collect()
}

/// A loopback address (`127.0.0.0/8`, `::1`, `localhost`).
fn loopback(ip: &str) -> bool {
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    ip == "localhost"
        || ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback())
}

/// `"8080"` → 8080; a range `"8000-8010"` → its first port and `true`.
fn published_port(p: &str) -> Option<(u32, bool)> {
    match p.split_once('-') {
        Some((a, _)) => a.trim().parse().ok().map(|n| (n, true)),
        None => p.trim().parse().ok().map(|n| (n, false)),
    }
}

fn ports(ports: &[Port], notes: &mut Notes) -> Vec<StackPort> {
    let mut out = Vec::new();
    for (i, p) in ports.iter().enumerate() {
        let path = format!("ports[{i}]");
        if p.target == 0 {
            notes.warn(
                Severity::Warning,
                &path,
                "dropped for swarm: a port without a container port".into(),
            );
            continue;
        }
        let published = match p.published.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match published_port(s) {
                Some((n, range)) => {
                    if range {
                        notes.warn(
                            Severity::Warning,
                            &path,
                            format!("approximated for swarm: published range {s} for one container port becomes its first port {n}"),
                        );
                    }
                    Some(n)
                }
                None => {
                    notes.warn(Severity::Warning, &path, format!("approximated for swarm: unreadable published port {s:?}: Swarm picks one"));
                    None
                }
            },
        };
        if let Some(ip) = p
            .host_ip
            .as_deref()
            .filter(|ip| !ip.is_empty() && *ip != "0.0.0.0" && *ip != "::")
        {
            if published.is_some() && loopback(ip) {
                notes.warn(
                    Severity::Warning,
                    &path,
                    format!("dropped for swarm: {ip}:{} is private to the host, and Swarm cannot bind a published port to an address (it would be public on every node): not published; the service stays reachable over the stack's networks (publish it in host mode behind a firewall if the host needs it)", published.unwrap_or_default()),
                );
                continue;
            }
            notes.warn(
                Severity::Warning,
                &path,
                format!("approximated for swarm: host_ip {ip} dropped: the port is public on every address of every node"),
            );
        }
        out.push(StackPort {
            target: p.target,
            published,
            protocol: p
                .protocol
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "tcp".into()),
            mode: p
                .mode
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "ingress".into()),
        });
    }
    dedup(&out)
}

fn networks(svc: &Service, notes: &mut Notes) -> BTreeMap<String, Option<StackServiceNetwork>> {
    let mut out = BTreeMap::new();
    for (name, net) in &svc.networks {
        let Some(n) = net else {
            out.insert(name.clone(), None);
            continue;
        };
        let lost: Vec<&str> = [
            (
                "ipv4_address",
                n.ipv4_address.as_deref().is_some_and(|s| !s.is_empty()),
            ),
            (
                "ipv6_address",
                n.ipv6_address.as_deref().is_some_and(|s| !s.is_empty()),
            ),
            ("link_local_ips", !n.link_local_ips.is_empty()),
            (
                "mac_address",
                n.mac_address.as_deref().is_some_and(|s| !s.is_empty()),
            ),
            (
                "interface_name",
                n.interface_name.as_deref().is_some_and(|s| !s.is_empty()),
            ),
            ("priority", n.priority.is_some_and(|p| p != 0)),
            ("gw_priority", n.gw_priority.is_some_and(|p| p != 0)),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect();
        if !lost.is_empty() {
            notes.warn(
                Severity::Warning,
                &format!("networks.{name}"),
                format!(
                    "approximated for swarm: {} dropped (Swarm assigns task addresses itself)",
                    lost.join(", ")
                ),
            );
        }
        let sn = StackServiceNetwork {
            aliases: n.aliases.clone(),
            driver_opts: n.driver_opts.clone(),
        };
        out.insert(
            name.clone(),
            (sn != StackServiceNetwork::default()).then_some(sn),
        );
    }
    out
}

fn mounts(svc: &Service, host: &super::resources::HostPaths, notes: &mut Notes) -> Vec<StackMount> {
    let mut out = Vec::new();
    let mut binds = false;
    for (i, v) in svc.volumes.iter().enumerate() {
        match mount(v, &format!("volumes[{i}]"), host, notes) {
            Some(m) => {
                binds |= m.kind == "bind";
                out.push(m);
            }
            None => continue,
        }
    }
    for (i, t) in svc.tmpfs.iter().enumerate() {
        out.push(tmpfs_mount(t, &format!("tmpfs[{i}]"), notes));
    }
    if let Some(size) = svc.shm_size.filter(|s| s.0 > 0) {
        out.push(StackMount {
            kind: "tmpfs".into(),
            target: "/dev/shm".into(),
            tmpfs: Some(StackTmpfs { size: size.0 }),
            ..StackMount::default()
        });
    }
    if binds {
        notes.warn(
            Severity::Info,
            "volumes",
            "bind mounts need their host path on every node that may run this service".into(),
        );
    }
    dedup(&out)
}

fn mount(
    v: &ServiceVolume,
    path: &str,
    host: &super::resources::HostPaths,
    notes: &mut Notes,
) -> Option<StackMount> {
    let kind = v.kind.clone().unwrap_or_else(|| "volume".into());
    let Some(target) = v.target.clone().filter(|t| !t.is_empty()) else {
        notes.warn(
            Severity::Warning,
            path,
            "dropped for swarm: a mount without a target".into(),
        );
        return None;
    };
    let source = match kind.as_str() {
        "bind" => nonblank(&v.source).map(|s| host.rel(&s)),
        _ => nonblank(&v.source),
    };
    let mut m = StackMount {
        kind: kind.clone(),
        source,
        target,
        read_only: v.read_only.filter(|r| *r),
        consistency: nonblank(&v.consistency),
        ..StackMount::default()
    };
    match kind.as_str() {
        "bind" => {
            // A directory below the project that compose would create: the plan names it.
            if let Some(dir) = crate::backend::created_bind_dir(v, host.project_dir())
                .filter(|d| host.below_project(d) && !host.absolute(d).exists())
            {
                notes.warn(
                    Severity::Warning,
                    path,
                    format!(
                        "approximated for swarm: {} does not exist; compose creates a missing bind source as a directory, Swarm rejects the task until it exists on the node (DEPLOY.md: create the bind-mounted directories)",
                        host.in_project(dir)
                    ),
                );
            }
            if let Some(b) = &v.bind {
                m.bind = nonblank(&b.propagation).map(|propagation| StackBind { propagation });
                if b.selinux.as_deref().is_some_and(|s| !s.is_empty()) {
                    notes.warn(
                        Severity::Warning,
                        path,
                        "approximated for swarm: SELinux relabelling (:z/:Z) dropped".into(),
                    );
                }
            }
        }
        "volume" => {
            if let Some(vo) = &v.volume {
                let o = StackVolumeOpts {
                    nocopy: vo.nocopy.filter(|n| *n),
                    subpath: nonblank(&vo.subpath),
                };
                m.volume = (o != StackVolumeOpts::default()).then_some(o);
            }
        }
        "tmpfs" => {
            m.source = None;
            m.tmpfs = v
                .tmpfs
                .as_ref()
                .and_then(|t| t.size)
                .filter(|s| s.0 > 0)
                .map(|s| StackTmpfs { size: s.0 });
            if v.tmpfs.as_ref().and_then(|t| t.mode).is_some() {
                notes.warn(
                    Severity::Warning,
                    path,
                    "approximated for swarm: tmpfs mode dropped".into(),
                );
            }
        }
        "npipe" => {}
        other => {
            notes.warn(
                Severity::Warning,
                path,
                format!("dropped for swarm: {other} mounts are not supported by Swarm"),
            );
            return None;
        }
    }
    Some(m)
}

/// `tmpfs: /run:size=64m,mode=1777` → a tmpfs mount (Swarm keeps only the size).
fn tmpfs_mount(spec: &str, path: &str, notes: &mut Notes) -> StackMount {
    let (target, opts) = spec.split_once(':').unwrap_or((spec, ""));
    let mut m = StackMount {
        kind: "tmpfs".into(),
        target: target.to_string(),
        ..StackMount::default()
    };
    let mut lost = Vec::new();
    for opt in opts.split(',').filter(|o| !o.is_empty()) {
        match opt.split_once('=') {
            Some(("size", s)) => match ByteSize::parse(s) {
                Ok(b) => m.tmpfs = Some(StackTmpfs { size: b.0 }),
                Err(_) => lost.push(opt),
            },
            _ => lost.push(opt),
        }
    }
    if !lost.is_empty() {
        notes.warn(
            Severity::Warning,
            path,
            format!(
                "approximated for swarm: tmpfs options {} dropped",
                lost.join(",")
            ),
        );
    }
    m
}

fn file_refs(refs: &[FileRef]) -> Vec<StackFileRef> {
    let out: Vec<StackFileRef> = refs
        .iter()
        .filter_map(|r| {
            Some(StackFileRef {
                source: nonblank(&r.source)?,
                target: nonblank(&r.target),
                uid: nonblank(&r.uid),
                gid: nonblank(&r.gid),
                mode: r.mode.map(|m| m.0),
            })
        })
        .collect();
    dedup(&out)
}

fn healthcheck(h: &Healthcheck) -> StackHealthcheck {
    let none = h.test.first().is_some_and(|t| t == "NONE");
    StackHealthcheck {
        test: if none { Vec::new() } else { h.test.clone() },
        interval: h.interval.map(|d| d.to_string()),
        timeout: h.timeout.map(|d| d.to_string()),
        retries: h.retries,
        start_period: h.start_period.map(|d| d.to_string()),
        start_interval: h.start_interval.map(|d| d.to_string()),
        disable: (none || h.disable == Some(true)).then_some(true),
    }
}

fn ulimit(u: &Ulimit) -> StackUlimit {
    match *u {
        Ulimit::Single(v) => StackUlimit::Single(v),
        Ulimit::Range { soft, hard } => StackUlimit::Range { soft, hard },
    }
}

fn credential_spec(svc: &Service) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(c) = &svc.credential_spec {
        for (k, v) in [
            ("config", &c.config),
            ("file", &c.file),
            ("registry", &c.registry),
        ] {
            if let Some(v) = nonblank(v) {
                out.insert(k.to_string(), v);
            }
        }
    }
    out
}

/// CPUs as the decimal string the schema wants (`0.5`, `2`).
pub fn cpus_string(c: Cpus) -> String {
    match f32_json(c.0) {
        serde_json::Value::String(s) => s,
        v => v.to_string(),
    }
}

fn deploy(svc: &Service, notes: &mut Notes) -> Option<StackDeploy> {
    let empty = Deploy::default();
    let d = svc.deploy.as_deref().unwrap_or(&empty);
    let mode = nonblank(&d.mode);
    let global = mode.as_deref().is_some_and(|m| m.starts_with("global"));
    let replicas = if global || (svc.scale.is_none() && d.replicas.is_none()) {
        None
    } else {
        Some(svc.replicas())
    };
    let out = StackDeploy {
        mode,
        replicas,
        endpoint_mode: nonblank(&d.endpoint_mode),
        labels: d.labels.clone(),
        placement: placement(svc, d),
        resources: resources(svc, d),
        restart_policy: restart_policy(svc, d, notes),
        update_config: d.update_config.as_ref().map(update_config),
        rollback_config: d.rollback_config.as_ref().map(update_config),
    };
    (out != StackDeploy::default()).then_some(out)
}

/// Docker platform architecture → the `uname -m` value Swarm reports as `node.platform.arch`.
fn node_arch(arch: &str) -> &str {
    match arch {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        "386" => "i386",
        "arm" => "armv7l",
        other => other,
    }
}

fn placement(svc: &Service, d: &Deploy) -> Option<StackPlacement> {
    let mut constraints = d.placement.constraints.clone();
    if let Some(platform) = nonblank(&svc.platform) {
        let mut parts = platform.split('/');
        if let Some(os) = parts.next().filter(|s| !s.is_empty()) {
            constraints.push(format!("node.platform.os == {os}"));
        }
        if let Some(arch) = parts.next().filter(|s| !s.is_empty()) {
            constraints.push(format!("node.platform.arch == {}", node_arch(arch)));
        }
    }
    let p = StackPlacement {
        constraints: dedup(&constraints),
        preferences: d
            .placement
            .preferences
            .iter()
            .filter_map(|p| nonblank(&p.spread).map(|spread| StackSpread { spread }))
            .collect(),
        max_replicas_per_node: d.placement.max_replicas_per_node.filter(|n| *n > 0),
    };
    (p != StackPlacement::default()).then_some(p)
}

fn resources(svc: &Service, d: &Deploy) -> Option<StackResources> {
    let lim = d.resources.limits.as_ref();
    let res = d.resources.reservations.as_ref();
    let bytes = |b: Option<ByteSize>| b.filter(|b| b.0 > 0).map(|b| b.0.to_string());
    let cpus = |c: Option<Cpus>| c.filter(|c| c.0 > 0.0).map(cpus_string);
    let limits = StackLimits {
        cpus: cpus(lim.and_then(|l| l.cpus)).or_else(|| cpus(svc.cpus)),
        memory: bytes(lim.and_then(|l| l.memory)).or_else(|| bytes(svc.mem_limit)),
        pids: lim
            .and_then(|l| l.pids)
            .or(svc.pids_limit)
            .filter(|p| *p != 0),
    };
    let reservations = StackReservations {
        cpus: cpus(res.and_then(|r| r.cpus)),
        memory: bytes(res.and_then(|r| r.memory)).or_else(|| bytes(svc.mem_reservation)),
        generic_resources: res
            .map(|r| {
                r.generic_resources
                    .iter()
                    .filter_map(|g| g.discrete_resource_spec.as_ref())
                    .map(|s| StackGenericResource {
                        discrete_resource_spec: StackDiscrete {
                            kind: s.kind.clone(),
                            value: s.value,
                        },
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    let out = StackResources {
        limits: (limits != StackLimits::default()).then_some(limits),
        reservations: (reservations != StackReservations::default()).then_some(reservations),
    };
    (out != StackResources::default()).then_some(out)
}

/// `deploy.restart_policy` as written, else one derived from `restart`.
fn restart_policy(svc: &Service, d: &Deploy, notes: &mut Notes) -> Option<StackRestartPolicy> {
    if let Some(rp) = &d.restart_policy {
        return Some(StackRestartPolicy {
            condition: nonblank(&rp.condition).unwrap_or_else(|| "any".into()),
            delay: rp.delay.map(|x| x.to_string()),
            max_attempts: rp.max_attempts,
            window: rp.window.map(|x| x.to_string()),
        });
    }
    let restart = nonblank(&svc.restart)?;
    let (condition, max_attempts) = match restart.split_once(':') {
        Some(("on-failure", n)) => ("on-failure", n.trim().parse::<u64>().ok()),
        _ => match restart.as_str() {
            "no" => ("none", None),
            "always" => ("any", None),
            "unless-stopped" => {
                notes.warn(
                    Severity::Warning,
                    "restart",
                    "approximated for swarm: unless-stopped becomes condition any: Swarm replaces a task stopped by hand (scale the service to 0 to stop it)".into(),
                );
                ("any", None)
            }
            "on-failure" => ("on-failure", None),
            other => {
                notes.warn(
                    Severity::Warning,
                    "restart",
                    format!("dropped for swarm: unknown restart policy {other:?}"),
                );
                return None;
            }
        },
    };
    Some(StackRestartPolicy {
        condition: condition.into(),
        max_attempts,
        ..StackRestartPolicy::default()
    })
}

fn update_config(u: &UpdateConfig) -> StackUpdateConfig {
    StackUpdateConfig {
        parallelism: u.parallelism,
        delay: u.delay.filter(|x| x.0 != 0).map(|x| x.to_string()),
        failure_action: nonblank(&u.failure_action),
        monitor: u.monitor.filter(|x| x.0 != 0).map(|x| x.to_string()),
        max_failure_ratio: u
            .max_failure_ratio
            .filter(|r| r.0 != 0.0)
            .map(|r| f32_json(r.0)),
        order: nonblank(&u.order),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::swarm::resources::HostPaths;
    use crate::model::Deploy;
    use crate::model::Project;

    fn svc() -> Service {
        Service {
            name: "web".into(),
            image: Some("nginx".into()),
            ..Service::default()
        }
    }

    #[test]
    fn restart_maps_to_restart_policy() {
        for (r, cond, max) in [
            ("no", "none", None),
            ("always", "any", None),
            ("unless-stopped", "any", None),
            ("on-failure", "on-failure", None),
            ("on-failure:5", "on-failure", Some(5)),
        ] {
            let s = Service {
                restart: Some(r.into()),
                ..svc()
            };
            let mut n = Notes::new(&s);
            let d = deploy(&s, &mut n).unwrap_or_default();
            let rp = d.restart_policy.unwrap_or_default();
            assert_eq!((rp.condition.as_str(), rp.max_attempts), (cond, max), "{r}");
        }
    }

    #[test]
    fn deploy_restart_policy_wins_over_restart() {
        let s = Service {
            restart: Some("no".into()),
            deploy: Some(Box::new(Deploy {
                restart_policy: Some(crate::model::RestartPolicy {
                    condition: Some("on-failure".into()),
                    ..Default::default()
                }),
                ..Deploy::default()
            })),
            ..svc()
        };
        let mut n = Notes::new(&s);
        assert_eq!(
            deploy(&s, &mut n)
                .and_then(|d| d.restart_policy)
                .map(|r| r.condition)
                .as_deref(),
            Some("on-failure")
        );
    }

    #[test]
    fn legacy_resources_and_scale_land_in_deploy() {
        let s = Service {
            mem_limit: Some(ByteSize(512 << 20)),
            mem_reservation: Some(ByteSize(1 << 20)),
            cpus: Some(Cpus(0.5)),
            pids_limit: Some(100),
            scale: Some(3),
            ..svc()
        };
        let mut n = Notes::new(&s);
        let d = deploy(&s, &mut n).unwrap_or_default();
        assert_eq!(d.replicas, Some(3));
        let r = d.resources.unwrap_or_default();
        let l = r.limits.unwrap_or_default();
        assert_eq!(l.memory.as_deref(), Some("536870912"));
        assert_eq!(l.cpus.as_deref(), Some("0.5"));
        assert_eq!(l.pids, Some(100));
        assert_eq!(
            r.reservations.unwrap_or_default().memory.as_deref(),
            Some("1048576")
        );
    }

    #[test]
    fn global_services_have_no_replicas() {
        let s = Service {
            deploy: Some(Box::new(Deploy {
                mode: Some("global".into()),
                replicas: Some(2),
                ..Deploy::default()
            })),
            ..svc()
        };
        let mut n = Notes::new(&s);
        assert_eq!(deploy(&s, &mut n).and_then(|d| d.replicas), None);
    }

    #[test]
    fn ports_are_long_syntax_with_warnings_for_losses() {
        let s = Service {
            ports: vec![
                Port {
                    target: 80,
                    published: Some("8080".into()),
                    host_ip: Some("10.0.0.5".into()),
                    ..Port::default()
                },
                Port {
                    target: 81,
                    published: Some("9000-9010".into()),
                    protocol: Some("udp".into()),
                    ..Port::default()
                },
                Port {
                    target: 82,
                    ..Port::default()
                },
                Port {
                    target: 83,
                    published: Some("8083".into()),
                    host_ip: Some("127.0.0.1".into()),
                    ..Port::default()
                },
            ],
            ..svc()
        };
        let mut n = Notes::new(&s);
        let p = ports(&s.ports, &mut n);
        assert_eq!(
            p[0],
            StackPort {
                target: 80,
                published: Some(8080),
                protocol: "tcp".into(),
                mode: "ingress".into()
            }
        );
        assert_eq!(p[1].published, Some(9000));
        assert_eq!(p[1].protocol, "udp");
        assert_eq!(p[2].published, None);
        assert_eq!(p.len(), 3, "the loopback port is not published");
        assert_eq!(n.warnings.len(), 3);
        assert!(n.warnings[0].message.contains("host_ip 10.0.0.5"));
        assert!(n.warnings[2].message.contains("127.0.0.1:8083 is private"));
    }

    #[test]
    fn tmpfs_and_shm_become_tmpfs_mounts() {
        let s = Service {
            tmpfs: vec!["/run:size=64m,mode=1777".into(), "/tmp".into()],
            shm_size: Some(ByteSize(1 << 30)),
            ..svc()
        };
        let mut n = Notes::new(&s);
        let p = Project::default();
        let m = mounts(&s, &HostPaths::new(&p, None), &mut n);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].tmpfs, Some(StackTmpfs { size: 64 << 20 }));
        assert_eq!(m[1].target, "/tmp");
        assert_eq!(m[2].target, "/dev/shm");
        assert!(n.warnings[0].message.contains("mode=1777"));
    }

    #[test]
    fn platform_becomes_node_constraints() {
        let s = Service {
            platform: Some("linux/arm64".into()),
            ..svc()
        };
        let p = placement(&s, &Deploy::default()).unwrap_or_default();
        assert_eq!(
            p.constraints,
            vec!["node.platform.os == linux", "node.platform.arch == aarch64"]
        );
    }

    #[test]
    fn container_name_becomes_alias() {
        let mut s = Service {
            container_name: Some("mydb".into()),
            ..svc()
        };
        s.networks.insert("default".into(), None);
        let mut n = Notes::new(&s);
        let p = Project::default();
        let out = service(&s, "x".into(), &HostPaths::new(&p, None), &mut n);
        assert_eq!(
            out.networks["default"].as_ref().map(|n| n.aliases.clone()),
            Some(vec!["mydb".to_string()])
        );
    }
}
