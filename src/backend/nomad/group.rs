//! One task group: count, network (ports, hostname, DNS), volumes, the service registrations
//! with their checks, restart/update policies, placement, and the task(s). Services that
//! share an `x-nomad.group` (or `--topology single-group`) become tasks of one group; a
//! one-shot others wait for to complete runs as a prestart task of their groups; other
//! `depends_on` entries add one prestart task that waits for what compose waits for (see
//! [`super::wait`]). How services reach each other comes from [`super::wiring`].

use super::hcl::{attr, literal, strings};
use super::ports::PortDef;
use super::task::TaskInputs;
use super::{Ctx, Topology, health, label, placement, policy, ports, service_name, storage, task};
use crate::backend::mapping::ConvertWarning;
use crate::backend::notes::Notes;
use crate::diag::Severity;
use crate::model::Service;
use hcl::structure::Block;
use serde_json::Value as Json;

pub use super::wait::WAIT_IMAGE;

/// The image to run: `image`, else the name compose gives a built image.
fn image(ctx: &Ctx, svc: &Service, notes: &mut Notes) -> String {
    if let Some(i) = svc.image.as_deref().filter(|i| !i.is_empty()) {
        return i.to_string();
    }
    let name = format!("{}-{}", ctx.project.name, svc.name);
    if svc.build.is_none() {
        notes.warn(
            Severity::Warning,
            "image",
            format!("the service has no image: {name} is used"),
        );
    }
    name
}

/// The `host:address` entries every task of the group carries: the members' own
/// `extra_hosts` and the names the wiring resolves to loopback. Nomad writes an
/// allocation's hosts file once, from the first task to start (drivers/shared/hostnames),
/// so a list on one task alone is lost whenever another task starts first.
fn group_hosts(ctx: &Ctx, members: &[&Service]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for svc in members
        .iter()
        .copied()
        .chain(absorbed_for(ctx, members).iter().copied())
    {
        let (ok, _) = crate::backend::usable_extra_hosts(svc, "nomad");
        out.extend(ok);
    }
    out.extend(ctx.wiring.hosts_of(&ctx.group).iter().cloned());
    let mut seen = std::collections::HashSet::new();
    out.retain(|h| seen.insert(h.clone()));
    out
}

/// The one-shot services that run as prestart tasks of this group, in name order.
fn absorbed_for<'a>(ctx: &Ctx<'a>, members: &[&Service]) -> Vec<&'a Service> {
    ctx.wiring
        .absorbed
        .iter()
        .filter(|(_, deps)| deps.iter().any(|d| members.iter().any(|m| &m.name == d)))
        .filter_map(|(name, _)| ctx.project.service(name))
        .collect()
}

/// The group block for `members` (usually one service) and the warnings it raised.
pub fn group(ctx: &Ctx, members: &[&Service]) -> (Block, Vec<ConvertWarning>) {
    let mut warnings = Vec::new();
    let Some(first) = members.first() else {
        return (
            Block::builder("group")
                .add_label(ctx.group.as_str())
                .build(),
            warnings,
        );
    };
    // A stateful member is one replica of its own.
    let count = if ctx.member.is_some() {
        1
    } else {
        first.replicas().max(0)
    };
    let mut b = Block::builder("group").add_label(ctx.group.as_str());
    if !ctx.job_type.per_node() {
        b = b.add_attribute(attr("count", count));
    }
    let hosts = group_hosts(ctx, members);
    let mut meta: Vec<(String, String)> = Vec::new();
    let mut tasks: Vec<Block> = Vec::new();
    let mut volumes: Vec<Block> = Vec::new();
    let mut services: Vec<Block> = Vec::new();
    let mut policies: Vec<Block> = Vec::new();
    let mut placement_blocks: Vec<Block> = Vec::new();
    let mut all_ports: Vec<PortDef> = Vec::new();
    let mut hostname: Option<String> = None;
    let mut dns: (Vec<String>, Vec<String>, Vec<String>) = Default::default();
    let mut mode = "bridge";
    let mut distinct = false;
    let mut waits: Vec<(&Service, String)> = Vec::new();
    let mut local_waits: Vec<(&Service, String)> = Vec::new();
    let depended = depended_on_in_group(ctx, members);
    for svc in absorbed_for(ctx, members) {
        let mut notes = Notes::new(svc);
        for dep in svc.depends_on.keys() {
            if members.iter().any(|m| &m.name == dep) || ctx.wiring.absorbed.contains_key(dep) {
                continue;
            }
            notes.warn(
                Severity::Warning,
                &format!("depends_on.{dep}"),
                format!(
                    "approximated for nomad: {} runs as a prestart task, and Nomad starts a group's prestart tasks together: it may start before {dep} is ready (a failed run is retried under the group's restart policy); the group's main tasks do wait for {dep}",
                    svc.name
                ),
            );
            waits.push((svc, dep.clone()));
        }
        let st = storage::storage(ctx, svc, count, &mut notes);
        volumes.extend(st.group_volumes.iter().cloned());
        let img = image(ctx, svc, &mut notes);
        tasks.push(task::task(
            ctx,
            svc,
            TaskInputs {
                image: img,
                ports: &[],
                network_host: false,
                storage: st,
                disable_image_check: true,
                extra_hosts: hosts.clone(),
                services: Vec::new(),
                lifecycle: Some(super::wait::prestart(false)),
            },
            &mut notes,
        ));
        warnings.append(&mut notes.warnings);
    }
    for (idx, svc) in members.iter().enumerate() {
        let mut notes = Notes::new(svc);
        if idx > 0 && svc.replicas() != count {
            notes.warn(
                Severity::Warning,
                "deploy.replicas",
                format!(
                    "group {} runs {count} replicas of all its tasks: this service's own count is ignored",
                    ctx.group
                ),
            );
        }
        let net_mode = svc.network_mode.as_deref().unwrap_or("");
        let host_net = net_mode == "host";
        match net_mode {
            "host" => mode = "host",
            "none" => mode = "none",
            "" | "bridge" | "default" => {}
            other => notes.warn(
                Severity::Warning,
                "network_mode",
                format!(
                    "approximated for nomad: {other} becomes the group's bridge network; tasks of one group share it (x-nomad.group)"
                ),
            ),
        }
        let mut svc_ports = ports::ports(svc, count, &mut notes);
        served_ports(ctx, svc, &mut svc_ports, &mut notes);
        let st = storage::storage(ctx, svc, count, &mut notes);
        distinct |= st.needs_distinct_hosts;
        volumes.extend(st.group_volumes.iter().cloned());
        let task_name = label(&svc.name);
        let registered = registrations(
            ctx,
            svc,
            &mut svc_ports,
            &task_name,
            members.len() > 1,
            &hosts,
            &mut notes,
        );
        let has_check = registered.has_check;
        let task_services = if registered.task_level {
            registered.blocks
        } else {
            services.extend(registered.blocks);
            Vec::new()
        };
        if idx == 0 {
            policies.extend(policy::restart_blocks(svc, ctx.job_type));
            policies.extend(policy::update_block(
                svc,
                ctx.job_type,
                count,
                has_check,
                &mut notes,
            ));
            placement_blocks.extend(placement::blocks(svc, ctx.job_type.per_node(), &mut notes));
            if let Some(d) = &svc.deploy {
                meta.extend(d.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            distinct &= !placement::has_distinct_hosts(svc);
        }
        if let Some(extra) = super::service_ext(svc, "meta").and_then(Json::as_object) {
            for (k, v) in extra {
                if let Some(v) = v.as_str() {
                    meta.push((k.clone(), v.to_string()));
                }
            }
        }
        if !host_net && let Some(h) = svc.hostname.as_deref().filter(|h| !h.is_empty()) {
            hostname.get_or_insert_with(|| h.to_string());
        }
        if let Some(i) = ctx.member {
            let base = hostname.take().unwrap_or_else(|| svc.name.clone());
            hostname = Some(crate::analysis::stateful::member_name(&base, i));
        }
        dns.0.extend(svc.dns.iter().cloned());
        dns.1.extend(svc.dns_search.iter().cloned());
        dns.2.extend(svc.dns_opt.iter().cloned());
        let disable = svc
            .healthcheck
            .as_ref()
            .is_some_and(health::disables_image_check);
        let img = image(ctx, svc, &mut notes);
        let own_ports: Vec<PortDef> = svc_ports.clone();
        tasks.push(task::task(
            ctx,
            svc,
            TaskInputs {
                image: img,
                ports: &own_ports,
                network_host: host_net,
                storage: st,
                disable_image_check: disable,
                extra_hosts: hosts.clone(),
                services: task_services,
                lifecycle: depended
                    .contains(&svc.name)
                    .then(|| super::wait::prestart(true)),
            },
            &mut notes,
        ));
        for dep in svc.depends_on.keys() {
            let in_group = members.iter().any(|m| &m.name == dep);
            let absorbed = ctx.wiring.absorbed.contains_key(dep);
            if in_group && depended.contains(&svc.name) {
                notes.warn(
                    Severity::Warning,
                    &format!("depends_on.{dep}"),
                    format!(
                        "approximated for nomad: {} and {dep} both start before the group's other tasks (prestart sidecars): Nomad has one ordering step inside a group, so {} does not wait for {dep}",
                        svc.name, svc.name
                    ),
                );
            } else if in_group {
                local_waits.push((svc, dep.clone()));
            } else if !absorbed {
                waits.push((svc, dep.clone()));
            } else if !ctx
                .wiring
                .absorbed
                .get(dep)
                .is_some_and(|d| d.contains(&svc.name))
            {
                notes.warn(
                    Severity::Warning,
                    &format!("depends_on.{dep}"),
                    format!(
                        "{dep} runs as a prestart task inside the groups that wait for it to complete ({}): {} starts without waiting for it",
                        ctx.wiring.absorbed.get(dep).map(|d| d.join(", ")).unwrap_or_default(),
                        svc.name
                    ),
                );
            }
        }
        all_ports.extend(svc_ports);
        warnings.append(&mut notes.warnings);
    }
    b = b.add_blocks(placement_blocks);
    if let Some(i) = ctx.member {
        b = b.add_block(super::stateful::pin(ctx, first, i, &mut warnings));
    }
    if distinct {
        b = b.add_block(
            Block::builder("constraint")
                .add_attribute(attr("distinct_hosts", true))
                .build(),
        );
    }
    if !meta.is_empty() {
        meta.sort();
        meta.dedup_by(|a, b| a.0 == b.0);
        b = b.add_structure(super::hcl::map(
            "meta",
            meta.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ));
    }
    b = b.add_block(network(mode, &all_ports, hostname.as_deref(), &dns));
    let volumes = match ctx.member {
        Some(i) => super::stateful::own_volumes(ctx, first, volumes, i, &mut warnings),
        None => volumes,
    };
    b = b.add_blocks(dedupe_volumes(volumes));
    b = b.add_blocks(services);
    b = b.add_blocks(policies);
    b = b.add_blocks(tasks);
    if let Some(t) = super::wait::wait_task(ctx, &waits, &local_waits, &hosts, &mut warnings) {
        b = b.add_block(t);
    }
    (b.build(), warnings)
}

/// Members of a shared group that other members depend on (one-shots aside): they run as
/// prestart sidecars, which Nomad starts before the group's main tasks (lifecycle docs), the
/// one ordering a group has.
fn depended_on_in_group(ctx: &Ctx, members: &[&Service]) -> std::collections::BTreeSet<String> {
    members
        .iter()
        .flat_map(|m| m.depends_on.keys())
        .filter(|d| members.iter().any(|m| &m.name == *d))
        .filter(|d| !ctx.analysis.one_shots.contains_key(*d))
        .cloned()
        .collect()
}

/// Group `volume` blocks, each label once: services of one group that mount the same named
/// volume share one claim.
fn dedupe_volumes(volumes: Vec<Block>) -> Vec<Block> {
    let mut seen: Vec<String> = Vec::new();
    volumes
        .into_iter()
        .filter(|v| {
            let key = v
                .labels()
                .first()
                .map(|l| l.as_str().to_string())
                .unwrap_or_default();
            if seen.contains(&key) {
                false
            } else {
                seen.push(key);
                true
            }
        })
        .collect()
}

/// The ports the group maps for `svc`. Native: every port other services are wired to, as
/// a dynamic port (the registry publishes the client's address and the mapped port). Mesh
/// and one group: `expose` ports stay unmapped, since peers come in through the mesh or the
/// shared namespace and compose published nothing for them.
fn served_ports(ctx: &Ctx, svc: &Service, ports: &mut Vec<PortDef>, notes: &mut Notes) {
    match ctx.opts.topology {
        Topology::Native => {
            let regs = ctx.wiring.registrations.get(&svc.name);
            for reg in regs.into_iter().flatten() {
                if !ports.iter().any(|p| p.target == reg.port) {
                    let label = ports::unique_label(ports, format!("port_{}", reg.port));
                    ports.push(PortDef {
                        label,
                        host: None,
                        target: reg.port,
                        from_ports: None,
                        host_network: None,
                    });
                }
            }
        }
        Topology::Mesh | Topology::SingleGroup => {
            let before = ports.len();
            ports.retain(|p| p.from_ports.is_some());
            if ports.len() < before {
                notes.warn(
                    Severity::Info,
                    "expose",
                    format!(
                        "exposed ports are not mapped on the client: other services reach them through {}",
                        if ctx.opts.topology == Topology::Mesh {
                            "the service mesh"
                        } else {
                            "the group's shared network namespace"
                        }
                    ),
                );
            }
        }
    }
}

/// Routing labels (`traefik.*`) as service tags: Traefik's Nomad and Consul Catalog
/// providers read a service's tags, not container or group labels, so the routes of a
/// compose or Swarm file would otherwise be lost.
pub fn routing_tags(svc: &Service, notes: &mut Notes) -> Vec<String> {
    let deploy = svc.deploy.as_ref().map(|d| &d.labels);
    let mut tags: Vec<String> = svc
        .labels
        .iter()
        .chain(deploy.into_iter().flatten())
        .filter(|(k, _)| k.starts_with("traefik."))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    tags.sort();
    tags.dedup();
    if !tags.is_empty() {
        let key = if svc.labels.keys().any(|k| k.starts_with("traefik.")) {
            "labels"
        } else {
            "deploy.labels"
        };
        notes.warn(
            Severity::Info,
            key,
            "traefik.* labels are also the service's tags, where Traefik's Nomad and Consul Catalog providers read them".into(),
        );
    }
    tags
}

/// The `service` blocks of one service and where they go.
pub struct Registered {
    pub blocks: Vec<Block>,
    /// Task-level services register when the task starts (the task runner's poststart
    /// hook), group-level ones before any task runs (group_service_hook.go Prerun); mesh
    /// services must be group-level.
    pub task_level: bool,
    pub has_check: bool,
}

/// The registrations of `svc`: one per port other services reach it on (the first named
/// after the service), else one on its first port; the healthcheck goes on the first.
fn registrations(
    ctx: &Ctx,
    svc: &Service,
    svc_ports: &mut Vec<PortDef>,
    task_name: &str,
    shared_group: bool,
    hosts: &[String],
    notes: &mut Notes,
) -> Registered {
    if ctx.opts.topology == Topology::Mesh {
        return super::mesh::registrations(
            ctx,
            svc,
            svc_ports,
            task_name,
            shared_group,
            hosts,
            notes,
        );
    }
    let regs = ctx.wiring.registrations.get(&svc.name);
    let mut named: Vec<(String, Option<String>)> = match regs {
        Some(regs) => regs
            .iter()
            .map(|r| {
                let label = svc_ports
                    .iter()
                    .find(|p| p.target == r.port)
                    .map(|p| p.label.clone());
                (r.name.clone(), label)
            })
            .collect(),
        None => vec![(
            service_name(&svc.name),
            svc_ports.first().map(|p| p.label.clone()),
        )],
    };
    // A stateful member also answers to its own name, on its first port.
    if let Some(i) = ctx.member {
        named.insert(
            0,
            (
                service_name(&crate::analysis::stateful::member_name(&svc.name, i)),
                svc_ports.first().map(|p| p.label.clone()),
            ),
        );
    }
    if named.is_empty() {
        named.push((service_name(&svc.name), None));
    }
    // One group holds every service: its services are group-level (registration order is
    // lifecycle's job there), so their checks can dial the allocation's address on a port
    // that is not mapped on the client; elsewhere task-level, registered once running.
    let task_level = ctx.opts.topology != Topology::SingleGroup;
    let primary_port = named.first().and_then(|(_, l)| l.clone());
    let group_task = (!task_level).then_some(task_name);
    let check = svc.healthcheck.as_ref().and_then(|h| {
        health::check(
            ctx,
            h,
            svc,
            svc_ports,
            primary_port.as_deref(),
            group_task,
            notes,
        )
    });
    let has_check = check.is_some();
    let tags = routing_tags(svc, notes);
    let one_off = matches!(
        ctx.job_type,
        super::JobType::Batch | super::JobType::Sysbatch
    );
    let registers = !one_off || check.is_some() || !svc_ports.is_empty();
    let mut blocks = Vec::new();
    let mut check = check;
    for (name, port) in named {
        let mut sb = Block::builder("service")
            .add_attribute(attr("name", literal(&name)))
            .add_attribute(attr("provider", literal(ctx.opts.provider.name())));
        if let Some(p) = port {
            sb = sb.add_attribute(attr("port", literal(&p)));
        }
        if blocks.is_empty() && !tags.is_empty() {
            sb = sb.add_attribute(attr("tags", strings(tags.iter().map(String::as_str))));
        }
        if !task_level && shared_group {
            sb = sb.add_attribute(attr("task", literal(task_name)));
        }
        if let Some(c) = check.take() {
            sb = sb.add_block(c);
        }
        blocks.push(sb.build());
    }
    if !registers {
        blocks.clear();
    }
    Registered {
        blocks,
        task_level,
        has_check,
    }
}

fn network(
    mode: &str,
    ports: &[PortDef],
    hostname: Option<&str>,
    dns: &(Vec<String>, Vec<String>, Vec<String>),
) -> Block {
    let mut b = Block::builder("network").add_attribute(attr("mode", literal(mode)));
    if mode == "bridge"
        && let Some(h) = hostname
    {
        b = b.add_attribute(attr("hostname", literal(h)));
    }
    if !dns.0.is_empty() || !dns.1.is_empty() || !dns.2.is_empty() {
        let mut d = Block::builder("dns");
        for (name, values) in [
            ("servers", &dns.0),
            ("searches", &dns.1),
            ("options", &dns.2),
        ] {
            if !values.is_empty() {
                d = d.add_attribute(attr(
                    name,
                    super::hcl::strings(values.iter().map(String::as_str)),
                ));
            }
        }
        b = b.add_block(d.build());
    }
    if mode == "none" {
        return b.build();
    }
    for p in ports {
        let mut pb = Block::builder("port").add_label(p.label.as_str());
        // In host mode the container listens on the node itself: a port is its own number,
        // and a dynamic one would point checks at a random port nothing listens on.
        let host = p.host.or((mode == "host").then_some(p.target));
        if let Some(h) = host {
            pb = pb.add_attribute(attr("static", i64::from(h)));
        }
        if mode == "bridge" {
            pb = pb.add_attribute(attr("to", i64::from(p.target)));
        }
        if let Some(n) = &p.host_network {
            pb = pb.add_attribute(attr("host_network", literal(n)));
        }
        b = b.add_block(pb.build());
    }
    b.build()
}
