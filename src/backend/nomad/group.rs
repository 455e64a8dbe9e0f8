//! One task group: count, network (ports, hostname, DNS), volumes, the service registration
//! with its check, restart/update policies, placement, and the task(s). Services that share
//! an `x-nomad.group` become tasks of one group; `depends_on` adds prestart tasks that wait
//! until the dependency's service is registered.

use super::hcl::{attr, literal, strings};
use super::ports::PortDef;
use super::task::TaskInputs;
use super::{Ctx, Provider, health, label, placement, policy, ports, service_name, storage, task};
use crate::backend::mapping::ConvertWarning;
use crate::backend::notes::Notes;
use crate::diag::Severity;
use crate::model::Service;
use hcl::structure::Block;
use serde_json::Value as Json;

/// Image of the prestart tasks that wait for dependencies.
pub const WAIT_IMAGE: &str = "busybox:1.36";

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
    let count = first.replicas().max(0);
    let mut b = Block::builder("group").add_label(ctx.group.as_str());
    if !ctx.job_type.per_node() {
        b = b.add_attribute(attr("count", count));
    }
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
    let mut waits: Vec<String> = Vec::new();
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
        let st = storage::storage(ctx, svc, count, &mut notes);
        distinct |= st.needs_distinct_hosts;
        volumes.extend(st.group_volumes.iter().cloned());
        let task_name = label(&svc.name);
        // Service registration with the healthcheck.
        let service_port = svc_ports.first().map(|p| p.label.clone());
        let check = svc.healthcheck.as_ref().and_then(|h| {
            health::check(
                ctx,
                h,
                &mut svc_ports,
                service_port.as_deref(),
                &task_name,
                &mut notes,
            )
        });
        let has_check = check.is_some();
        let mut sb = Block::builder("service")
            .add_attribute(attr("name", literal(&service_name(&svc.name))))
            .add_attribute(attr("provider", literal(ctx.opts.provider.name())));
        if let Some(p) = svc_ports.first().map(|p| p.label.clone()) {
            sb = sb.add_attribute(attr("port", literal(&p)));
        }
        if members.len() > 1 {
            sb = sb.add_attribute(attr("task", literal(&task_name)));
        }
        let one_off = matches!(
            ctx.job_type,
            super::JobType::Batch | super::JobType::Sysbatch
        );
        let registers = !one_off || check.is_some() || !svc_ports.is_empty();
        if let Some(c) = check {
            sb = sb.add_block(c);
        }
        if registers {
            services.push(sb.build());
        }
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
            },
            &mut notes,
        ));
        for dep in svc.depends_on.keys() {
            if !members.iter().any(|m| &m.name == dep) && !waits.contains(dep) {
                waits.push(dep.clone());
            }
        }
        all_ports.extend(svc_ports);
        warnings.append(&mut notes.warnings);
    }
    b = b.add_blocks(placement_blocks);
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
    b = b.add_blocks(volumes);
    b = b.add_blocks(services);
    b = b.add_blocks(policies);
    b = b.add_blocks(tasks);
    for dep in &waits {
        b = b.add_block(wait_task(ctx, dep));
    }
    (b.build(), warnings)
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
                d = d.add_attribute(attr(name, strings(values.iter().map(String::as_str))));
            }
        }
        b = b.add_block(d.build());
    }
    if mode == "none" {
        return b.build();
    }
    for p in ports {
        let mut pb = Block::builder("port").add_label(p.label.as_str());
        if let Some(h) = p.host {
            pb = pb.add_attribute(attr("static", i64::from(h)));
        }
        if mode == "bridge" {
            pb = pb.add_attribute(attr("to", i64::from(p.target)));
        }
        b = b.add_block(pb.build());
    }
    b.build()
}

/// A prestart task that returns once `dep`'s service is registered: a template lists the
/// service's addresses and is re-rendered as they change, and the task waits for it to be
/// non-empty.
fn wait_task(ctx: &Ctx, dep: &str) -> Block {
    let svc = service_name(dep);
    let lookup = match ctx.opts.provider {
        Provider::Nomad => "nomadService",
        Provider::Consul => "service",
    };
    let file = format!("local/{svc}.addr");
    Block::builder("task")
        .add_label(format!("wait-for-{}", label(dep)).as_str())
        .add_attribute(attr("driver", literal(ctx.opts.driver.name())))
        .add_block(
            Block::builder("lifecycle")
                .add_attribute(attr("hook", literal("prestart")))
                .add_attribute(attr("sidecar", false))
                .build(),
        )
        .add_block(task::wait_config(ctx.opts.driver, WAIT_IMAGE, &file))
        .add_block(
            Block::builder("template")
                .add_attribute(attr(
                    "data",
                    literal(&format!(
                        "{{{{ range {lookup} \"{svc}\" }}}}{{{{ .Address }}}}:{{{{ .Port }}}}\n{{{{ end }}}}"
                    )),
                ))
                .add_attribute(attr("destination", literal(&file)))
                .add_attribute(attr("change_mode", literal("noop")))
                .build(),
        )
        .add_block(
            Block::builder("resources")
                .add_attribute(attr("cpu", 20))
                .add_attribute(attr("memory", 16))
                .build(),
        )
        .build()
}
