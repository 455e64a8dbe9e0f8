//! `--topology mesh`: Consul service mesh registrations. A service other services dial gets
//! one Connect service per port they dial, on the container port itself (`port = "5432"`:
//! Envoy forwards to 127.0.0.1 on that port in the allocation's namespace, upstreams block
//! and Connect docs); a consumer's first Connect service carries its upstreams, each bound
//! to the port the application dials. Every sidecar carries the group's host entries, as
//! every other task does (see [`super::group`]).

use super::group::Registered;
use super::hcl::{attr, literal, strings};
use super::ports::PortDef;
use super::wiring::Upstream;
use super::{Ctx, health, service_name};
use crate::backend::notes::Notes;
use crate::model::Service;
use hcl::structure::{Block, BlockBuilder};

fn upstream_block(u: &Upstream) -> Block {
    let mut b = Block::builder("upstreams")
        .add_attribute(attr("destination_name", literal(&u.destination)))
        .add_attribute(attr("local_bind_port", i64::from(u.port)));
    if u.address != "127.0.0.1" {
        b = b.add_attribute(attr("local_bind_address", literal(&u.address)));
    }
    b.build()
}

fn connect_block(upstreams: &[Upstream], hosts: &[String]) -> Block {
    let mut sidecar = Block::builder("sidecar_service");
    if !upstreams.is_empty() {
        let mut proxy = Block::builder("proxy");
        for u in upstreams {
            proxy = proxy.add_block(upstream_block(u));
        }
        sidecar = sidecar.add_block(proxy.build());
    }
    let mut connect = Block::builder("connect").add_block(sidecar.build());
    if !hosts.is_empty() {
        // sidecar_task's config keys are merged over the default Envoy task's config.
        connect = connect.add_block(
            Block::builder("sidecar_task")
                .add_block(
                    Block::builder("config")
                        .add_attribute(attr(
                            "extra_hosts",
                            strings(hosts.iter().map(String::as_str)),
                        ))
                        .build(),
                )
                .build(),
        );
    }
    connect.build()
}

fn service(ctx: &Ctx, name: &str, task: Option<&str>) -> BlockBuilder {
    let mut b = Block::builder("service")
        .add_attribute(attr("name", literal(name)))
        .add_attribute(attr("provider", literal(ctx.opts.provider.name())));
    if let Some(t) = task {
        b = b.add_attribute(attr("task", literal(t)));
    }
    b
}

/// The mesh registrations of `svc` (all group-level, as Connect requires).
pub fn registrations(
    ctx: &Ctx,
    svc: &Service,
    svc_ports: &mut Vec<PortDef>,
    task_name: &str,
    shared_group: bool,
    hosts: &[String],
    notes: &mut Notes,
) -> Registered {
    let task = shared_group.then_some(task_name);
    let regs = ctx
        .wiring
        .registrations
        .get(&svc.name)
        .cloned()
        .unwrap_or_default();
    let upstreams = ctx
        .wiring
        .upstreams
        .get(&svc.name)
        .cloned()
        .unwrap_or_default();
    let first_label = svc_ports.first().map(|p| p.label.clone());
    let mut check = svc.healthcheck.as_ref().and_then(|h| {
        health::check(
            ctx,
            h,
            svc,
            svc_ports,
            first_label.as_deref(),
            Some(task_name),
            notes,
        )
    });
    let has_check = check.is_some();
    let tags = super::group::routing_tags(svc, notes);
    let tagged = |b: BlockBuilder| {
        if tags.is_empty() {
            b
        } else {
            b.add_attribute(attr("tags", strings(tags.iter().map(String::as_str))))
        }
    };
    let mut blocks = Vec::new();
    if regs.is_empty() && upstreams.is_empty() {
        let mut b = tagged(service(ctx, &service_name(&svc.name), task));
        if let Some(l) = &first_label {
            b = b.add_attribute(attr("port", literal(l)));
        }
        if let Some(c) = check.take() {
            b = b.add_block(c);
        }
        blocks.push(b.build());
    } else if regs.is_empty() {
        // A consumer only: its Connect service exists to run the sidecar with upstreams.
        let mut b = tagged(service(ctx, &service_name(&svc.name), task));
        if let Some(p) = ctx.analysis.listens.get(&svc.name).and_then(|l| l.first()) {
            b = b.add_attribute(attr("port", literal(&p.to_string())));
        }
        b = b.add_block(connect_block(&upstreams, hosts));
        if let Some(c) = check.take() {
            b = b.add_block(c);
        }
        blocks.push(b.build());
    } else {
        for (i, r) in regs.iter().enumerate() {
            let mine: &[Upstream] = if i == 0 { &upstreams } else { &[] };
            let base = service(ctx, &r.name, task);
            let base = if i == 0 { tagged(base) } else { base };
            let mut b = base
                .add_attribute(attr("port", literal(&r.port.to_string())))
                .add_block(connect_block(mine, hosts));
            if let Some(c) = check.take() {
                b = b.add_block(c);
            }
            blocks.push(b.build());
        }
    }
    // A stateful member also registers its own name, at the allocation's address on its
    // container port (service address_mode "alloc"), so each member can be found.
    if let (Some(i), Some(port)) = (
        ctx.member,
        ctx.analysis.listens.get(&svc.name).and_then(|l| l.first()),
    ) {
        let name = service_name(&crate::analysis::stateful::member_name(&svc.name, i));
        blocks.push(
            service(ctx, &name, task)
                .add_attribute(attr("port", literal(&port.to_string())))
                .add_attribute(attr("address_mode", literal("alloc")))
                .build(),
        );
    }
    Registered {
        blocks,
        task_level: false,
        has_check,
    }
}
