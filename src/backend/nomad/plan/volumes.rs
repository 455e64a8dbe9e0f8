//! Volumes and files the clients must hold: a client `host_volume` for every host volume
//! the groups claim, a `nomad volume create` spec for every CSI volume (one per
//! allocation index with `per_alloc`), and the project paths that bind mounts read from
//! the clients.

use super::jobs::{GroupView, VolumeView};
use super::{Cx, Step, StepKind, print, sh, some, them, unique_count};
use crate::backend::nomad::hcl::{attr, literal};
use hcl::structure::Block;

/// One group's claim on a volume source, with the compose mount that asked for it.
struct Claim<'a> {
    group: &'a GroupView,
    volume: &'a VolumeView,
    /// The services of the group that mount it.
    services: Vec<String>,
    /// `services.<svc>.volumes[i]` of the first of them.
    source: Option<(String, crate::source::Span)>,
    external: bool,
}

/// One step per volume source the job files claim, in the order they first claim it.
pub fn volumes(cx: &Cx) -> Vec<Step> {
    let mut sources: Vec<(&str, Vec<Claim>)> = Vec::new();
    for g in cx.jobs.iter().flat_map(|j| &j.groups) {
        for v in &g.volumes {
            let facts: Vec<&super::VolumeUse> = cx
                .facts
                .volumes
                .iter()
                .filter(|f| {
                    f.label == v.label
                        && g.tasks
                            .iter()
                            .any(|t| cx.by_task.get(&t.name).is_some_and(|s| s.name == f.service))
                })
                .collect();
            let claim = Claim {
                group: g,
                volume: v,
                services: facts.iter().map(|f| f.service.clone()).collect(),
                source: facts.first().and_then(|f| cx.source(&f.service, &f.key)),
                external: facts.iter().any(|f| f.external),
            };
            match sources.iter_mut().find(|(s, _)| *s == v.source) {
                Some((_, claims)) => claims.push(claim),
                None => sources.push((&v.source, vec![claim])),
            }
        }
    }
    sources
        .into_iter()
        .filter_map(|(source, claims)| {
            let first = claims.first()?;
            let mut step = if first.volume.kind == "csi" {
                csi(cx, source, &claims)
            } else {
                host(cx, source, &claims)
            };
            step.source = first.source.clone();
            Some(step)
        })
        .collect()
}

/// The services of `claims` (else their groups), the verb ending that agrees with them
/// (`mounts`, `mount`) and the pronoun (`it`, `them`).
fn services(claims: &[Claim]) -> (String, &'static str, &'static str) {
    let mut names: Vec<String> = claims.iter().flat_map(|c| c.services.clone()).collect();
    if names.is_empty() {
        names = claims.iter().map(|c| c.group.name.clone()).collect();
    }
    (
        some(&names),
        if unique_count(&names) > 1 { "" } else { "s" },
        them(&names),
    )
}

/// A directory name for `source`: without the `<project>_` prefix compose gives volume
/// names, and as it is when it is a plain file name.
fn dir_name(cx: &Cx, source: &str) -> String {
    let prefix = format!("{}_", cx.project.name);
    let name = source
        .strip_prefix(&prefix)
        .filter(|n| !n.is_empty())
        .unwrap_or(source);
    let plain = name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if plain {
        name.to_string()
    } else {
        super::label(name)
    }
}

/// A client `host_volume` of the name the groups claim. Placement fails with "missing
/// compatible host volumes" on a client without it, and its path must exist when the
/// client starts (client configuration docs, `host_volume`).
fn host(cx: &Cx, source: &str, claims: &[Claim]) -> Step {
    let root = crate::backend::project_root(cx.project, cx.opts.project_root.as_deref());
    let path = format!(
        "{}/volumes/{}",
        root.trim_end_matches('/'),
        dir_name(cx, source)
    );
    // The client offers it read-only only when nobody writes to it.
    let read_only = claims.iter().all(|c| c.volume.read_only);
    let client = Block::builder("client")
        .add_block(
            Block::builder("host_volume")
                .add_label(source)
                .add_attribute(attr("path", literal(&path)))
                .add_attribute(attr("read_only", read_only))
                .build(),
        )
        .build();
    let count = claims.iter().map(|c| c.group.count).max().unwrap_or(1);
    let (who, s, it) = services(claims);
    let mut why = format!(
        "{who} mount{s} the host volume {source:?}: every client that may run {it} needs a `host_volume` of that name, or placement fails with \"missing compatible host volumes\". Create its directory first (it must exist when the client starts) and add the block to those clients' configuration (https://developer.hashicorp.com/nomad/docs/configuration/client#host_volume-block).",
    );
    if count > 1 {
        why.push_str(&format!(
            " With {count} replicas on distinct clients, each client keeps its own copy of the data."
        ));
    }
    if claims.iter().any(|c| c.external) {
        why.push_str(" The compose volume is external: point `path` at the directory that already holds its data.");
    }
    Step::new(StepKind::Volume, format!("Host volume {source}"), why)
        .config("hcl", print(vec![client]))
        .commands([format!("sudo mkdir -p {}", sh(&path))])
}

/// A `nomad volume create` spec (or `register` for an external volume). With `per_alloc`
/// each allocation claims `<source>[<index>]` (volume block docs), so one volume is created
/// per index from the same spec.
fn csi(cx: &Cx, source: &str, claims: &[Claim]) -> Step {
    let read_only = claims.iter().all(|c| c.volume.read_only);
    let external = claims.iter().any(|c| c.external);
    let per_alloc = claims
        .iter()
        .filter(|c| c.volume.per_alloc)
        .map(|c| c.group.count)
        .max()
        .filter(|n| *n > 1);
    let id = match per_alloc {
        Some(_) => format!("{source}[0]"),
        None => source.to_string(),
    };
    let mut spec = vec![
        attr("id", literal(&id)),
        attr("name", literal(&id)),
        attr("type", literal("csi")),
        attr("plugin_id", literal("<your CSI plugin id>")),
    ];
    if external {
        spec.push(attr(
            "external_id",
            literal("<the volume's id in the storage provider>"),
        ));
    }
    let capability = Block::builder("capability")
        .add_attribute(attr(
            "access_mode",
            literal(if read_only {
                "single-node-reader-only"
            } else {
                "single-node-writer"
            }),
        ))
        .add_attribute(attr("attachment_mode", literal("file-system")))
        .build();
    let mut body = hcl::structure::Body::builder();
    for a in spec {
        body = body.add_attribute(a);
    }
    let text =
        crate::backend::nomad::hcl::print(&body.add_block(capability).build()).unwrap_or_default();
    let file = format!("{}.volume.hcl", super::label(source));
    let verb = if external { "register" } else { "create" };
    let flags = cx.flags();
    let command = match per_alloc {
        Some(n) => {
            let indexes: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            format!(
                "for i in {}; do sed \"s/\\[0\\]/[$i]/\" {} | nomad volume {verb}{flags} -; done",
                indexes.join(" "),
                sh(&file)
            )
        }
        None => format!("nomad volume {verb}{flags} {}", sh(&file)),
    };
    let (who, s, _) = services(claims);
    let mut why = format!(
        "{who} claim{s} the CSI volume {source:?}: it must exist in Nomad before the job runs. Save the spec as `{file}`, set `plugin_id` to your CSI plugin's id (`nomad plugin status`), adjust the capability to what the plugin offers, and {} (https://developer.hashicorp.com/nomad/commands/volume/{verb}; spec: https://developer.hashicorp.com/nomad/docs/other-specifications/volume/csi).",
        if external {
            "register it: compose marks it external, so it already exists (set `external_id` to its id)"
        } else {
            "create it"
        },
    );
    if let Some(n) = per_alloc {
        why.push_str(&format!(
            " With `per_alloc` each of the {n} replicas claims its own volume, {source}[0] to {source}[{}]: the loop creates one per index from the same spec.",
            n - 1
        ));
    }
    Step::new(StepKind::Volume, format!("CSI volume {id}"), why)
        .config("hcl", text)
        .commands([command])
}

/// Client paths the tasks bind-mount: project paths too large (or not text) to embed are
/// copied to the same place under `--project-root` on every client (one step, a command
/// per path); other host paths must already exist there (one step listing them).
pub fn host_files(cx: &Cx) -> Vec<Step> {
    let root = crate::backend::project_root(cx.project, cx.opts.project_root.as_deref());
    let root = root.trim_end_matches('/');
    let mut paths: Vec<(&super::HostPath, Vec<String>)> = Vec::new();
    for h in &cx.facts.host_paths {
        match paths.iter_mut().find(|(p, _)| p.client == h.client) {
            Some((_, services)) => services.push(h.service.clone()),
            None => paths.push((h, vec![h.service.clone()])),
        }
    }
    let mut out = Vec::new();
    let (copied, expected): (Vec<_>, Vec<_>) = paths.into_iter().partition(|(h, _)| h.in_project);
    if let Some((first, _)) = copied.first() {
        let mut lines = Vec::new();
        let mut commands = Vec::new();
        for (h, services) in &copied {
            let rel = std::path::Path::new(&h.local)
                .strip_prefix(&cx.project.working_dir)
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            lines.push(format!("- ./{rel} to {}, for {}", h.client, some(services)));
            commands.push(format!(
                "rsync -aR {} \"$CLIENT\":{}",
                sh(&format!("./{rel}")),
                sh(&format!("{root}/"))
            ));
        }
        let mut step = Step::new(
            StepKind::HostFiles,
            "Copy project files to the clients",
            format!(
                "These project paths are too large or not text, so they are not embedded in the job: the tasks bind-mount them from the client, under --project-root (default /srv/<project>) followed by their path in the project. Copy them to every client that may run the services, from the project directory, with CLIENT set to each client's ssh address:\n\n{}.",
                lines.join(";\n")
            ),
        )
        .commands(commands);
        step.source = cx.source(&first.service, &first.key);
        out.push(step);
    }
    if let Some((first, _)) = expected.first() {
        let lines: Vec<String> = expected
            .iter()
            .map(|(h, services)| format!("- {}, for {}", h.client, some(services)))
            .collect();
        let mut step = Step::new(
            StepKind::HostFiles,
            "Host paths the clients must have",
            format!(
                "The tasks bind-mount these paths of the client they run on (not of this machine): they must exist on every client that may run the services:\n\n{}.",
                lines.join(";\n")
            ),
        );
        step.source = cx.source(&first.service, &first.key);
        out.push(step);
    }
    out
}
