//! The Swarm backend: a compose project becomes a stack file `docker stack deploy -c` accepts
//! (compose file format 3.x, long syntax, only keys Swarm honours), plus a node-labelling plan
//! when stateful services were expanded into pinned per-node members (see [`stateful`]).
//! Submodules: [`mapping`] (the key table), [`stack`] (output structs), [`convert`] (one
//! service), [`resources`] (top-level sections), [`render`] (escaping and YAML 1.1-safe writing).

pub mod convert;
pub mod mapping;
pub mod plan;
pub mod render;
pub mod resources;
pub mod stack;
pub mod stateful;

use crate::backend::mapping::{ConvertWarning, KeyRule, report};
use crate::backend::{Backend, EmitError, Emitted, OutFile};
use crate::diag::Severity;
use crate::model::{Project, Service};
use crate::source::Span;
use indexmap::IndexMap;
use render::AnchorGroup;
use resources::{Extras, Kind};
use stack::{StackFile, StackService};
use std::path::PathBuf;

/// `convert --to swarm` flags.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--stateful SERVICE` (repeatable): expand these services into pinned members.
    pub stateful: Vec<String>,
    /// `--placement-label KEY`: node label pinning members (default `<project>.<service>`).
    pub placement_label: Option<String>,
    /// `--anchors`: write each stateful group's shared keys once, as a YAML anchor.
    pub anchors: bool,
    /// The absolute output directory (`-o`), so `file:` paths can be made relative to the
    /// stack file; `None` (stdout) keeps them absolute.
    pub output_dir: Option<PathBuf>,
}

pub struct SwarmBackend;

impl Backend for SwarmBackend {
    fn id(&self) -> &'static str {
        "swarm"
    }
    fn mapping(&self) -> &'static [KeyRule] {
        mapping::TABLE
    }
}

/// The stack file's name in the output directory.
pub fn stack_file_name(project: &str) -> String {
    format!("{project}.stack.yaml")
}

/// The node-labelling plan's name in the output directory.
pub fn plan_file_name(project: &str) -> String {
    format!("{project}.nodes.sh")
}

/// Convert `project` to a stack file (first), inline config files, and a plan when needed.
///
/// # Errors
/// `--stateful` names an unknown service, a service has `build` but no `image`, or stateful
/// members would collide with existing services.
pub fn emit(project: &Project, opts: &Options) -> Result<Emitted, EmitError> {
    for s in &opts.stateful {
        if !project.services.contains_key(s) {
            return Err(EmitError::new(
                Span::SYNTHETIC,
                "--stateful",
                format!("no service named {s}"),
            ));
        }
    }
    let mut extras = Extras::default();
    let mut stack = StackFile {
        version: String::new(),
        services: IndexMap::new(),
        networks: resources::networks(project, &mut extras),
        volumes: resources::volumes(project),
        secrets: resources::objects(
            project,
            Kind::Secret,
            opts.output_dir.as_deref(),
            &mut extras,
        ),
        configs: resources::objects(
            project,
            Kind::Config,
            opts.output_dir.as_deref(),
            &mut extras,
        ),
    };
    let mut warnings: Vec<ConvertWarning> = Vec::new();
    let mut groups: Vec<AnchorGroup> = Vec::new();
    let mut ops: Vec<plan::Op> = Vec::new();
    let mut copied: Vec<String> = Vec::new();
    // Services left as one Swarm service that keep data in node-local volumes.
    let mut local: Vec<(String, Vec<String>)> = Vec::new();
    let one_shots = crate::analysis::lifecycle::one_shots(project);
    let host = resources::HostPaths::new(project, opts.output_dir.as_deref());
    for name in project.service_names() {
        let Some(svc) = project.services.get(name) else {
            continue;
        };
        let present = svc.provenance.iter().map(|(k, o)| (k, o.key_span));
        warnings.extend(report(mapping::TABLE, "swarm", name, present));
        let Some(image) = image_of(project, svc, &mut warnings) else {
            continue;
        };
        let mut notes = convert::Notes::new(svc);
        let mut converted = convert::service(svc, image, &host, &mut notes);
        if let Some(crate::analysis::lifecycle::OneShot::AwaitedBy(by)) = one_shots.get(name) {
            as_job(&mut converted, by, &mut notes);
        }
        warnings.append(&mut notes.warnings);
        let vols = stateful::named_volumes(&converted, &stack.volumes);
        let flagged = opts.stateful.iter().any(|s| s == name);
        let mode = converted
            .deploy
            .as_ref()
            .and_then(|d| d.mode.clone())
            .unwrap_or_default();
        let why = stateful::reason(svc, flagged, !vols.is_empty());
        let mut notes = convert::Notes::new(svc);
        let refuse = match (&why, mode.as_str()) {
            (None, _) => true,
            (Some(_), m) if m.starts_with("global") => {
                notes.warn(
                    Severity::Warning,
                    "deploy.mode",
                    "global services run once per node: not expanded into stateful members".into(),
                );
                true
            }
            (Some(_), m) if m.ends_with("-job") => {
                notes.warn(
                    Severity::Warning,
                    "deploy.mode",
                    "jobs run to completion: not expanded into stateful members".into(),
                );
                true
            }
            _ => false,
        };
        let Some(why) = why.filter(|_| !refuse) else {
            warnings.append(&mut notes.warnings);
            if !vols.is_empty() && !mode.starts_with("global") {
                local.push((name.to_string(), vols));
            }
            insert(&mut stack, name.to_string(), converted)?;
            continue;
        };
        let replicas = svc.replicas();
        let count = replicas.max(1);
        let label = opts
            .placement_label
            .clone()
            .unwrap_or_else(|| format!("{}.{name}", project.name));
        if why == stateful::Reason::Inferred {
            notes.warn(
                Severity::Warning,
                "volumes",
                format!(
                    "node-local volume(s) {} with {count} replicas: treated as stateful ({name}-1..{name}-{count}, one volume copy each, each pinned by node label {label}.<i>, every member answering to {name}); say so with --stateful {name} or x-transship.stateful, or x-transship: {{stateful: false}} to keep one service",
                    vols.join(", ")
                ),
            );
        }
        for v in &vols {
            if stack
                .volumes
                .get(v)
                .is_some_and(|x| x.external == Some(true))
            {
                notes.warn(
                    Severity::Warning,
                    "volumes",
                    format!(
                        "external volume {v} cannot be copied per member: all members share it"
                    ),
                );
            }
        }
        let group = stateful::Group {
            name,
            project: &project.name,
            count,
            each: if replicas == 0 { 0 } else { 1 },
            label: &label,
        };
        let (members, new_volumes, mut group_ops) =
            stateful::expand(&group, &converted, &stack.volumes, &mut notes);
        warnings.append(&mut notes.warnings);
        if count > 1 {
            copied.extend(vols);
        }
        stack.volumes.extend(new_volumes);
        groups.push(AnchorGroup {
            anchor: name.to_string(),
            members: members.iter().map(|(n, _)| n.clone()).collect(),
        });
        for (member, s) in members {
            insert(&mut stack, member, s)?;
        }
        ops.append(&mut group_ops);
    }
    ops.extend(pin_local_volumes(
        project,
        &mut stack,
        &local,
        &mut warnings,
    ));
    for svc in project.services.values() {
        if let Some(net) = convert::mode_network(svc) {
            stack
                .networks
                .entry(net.to_string())
                .or_insert(stack::StackNetwork {
                    name: Some(net.to_string()),
                    external: Some(true),
                    ..stack::StackNetwork::default()
                });
        }
    }
    link_aliases(project, &mut stack, &mut warnings);
    warnings.extend(name_problems(project, &stack));
    drop_unused_volumes(&mut stack, &copied);
    warnings.extend(top_level_warnings(project));
    warnings.append(&mut extras.warnings);
    stack.version = version_for(&stack).to_string();
    let mut doc = serde_json::to_value(&stack)
        .map_err(|e| EmitError::new(Span::SYNTHETIC, "", e.to_string()))?;
    render::escape_dollars(&mut doc);
    let text = if opts.anchors {
        render::anchored(&doc, &groups)
    } else {
        render::plain(&doc)
    };
    let stack_name = stack_file_name(&project.name);
    let mut files = vec![OutFile {
        name: stack_name.clone(),
        contents: text,
    }];
    files.append(&mut extras.files);
    ops.append(&mut extras.plan);
    let needs = plan::NodeNeeds::of(project);
    let script = plan::script(&project.name, &stack_name, &ops, &needs);
    let script_name = script.as_ref().map(|_| plan_file_name(&project.name));
    let mut steps = plan::steps(
        &project.name,
        &stack_name,
        script_name.as_deref(),
        &ops,
        &needs,
    );
    let host = resources::HostPaths::new(project, opts.output_dir.as_deref());
    steps.extend(plan::bind_dirs(project, &host));
    if let (Some(contents), Some(name)) = (script, script_name) {
        files.push(OutFile { name, contents });
    }
    if opts.output_dir.is_none() {
        stdout_only(&mut files, &mut warnings);
    }
    let anchors = files
        .first()
        .map(|f| {
            crate::backend::anchors_where(&f.name, &f.contents, |line| {
                let name = line.strip_prefix("  ")?.strip_suffix(':')?;
                if name.starts_with(' ') {
                    return None;
                }
                let svc = project.services.get(name).or_else(|| {
                    let (base, _) = name.rsplit_once('-')?;
                    project.services.get(base)
                })?;
                Some((format!("services.{}", svc.name), svc.provenance.key_span))
            })
        })
        .unwrap_or_default();
    Ok(Emitted {
        files,
        warnings: crate::backend::mapping::one_per_key(warnings, mapping::TABLE, "swarm"),
        anchors,
        plan: steps,
        ..Emitted::default()
    })
}

/// The image to run: `image`, else (with `build`) the name compose gives the built image,
/// `<project>-<service>`, with a warning; a service with neither is skipped.
fn image_of(
    project: &Project,
    svc: &Service,
    warnings: &mut Vec<ConvertWarning>,
) -> Option<String> {
    if let Some(image) = svc.image.clone().filter(|i| !i.is_empty()) {
        return Some(image);
    }
    let mut notes = convert::Notes::new(svc);
    if svc.build.is_some() {
        let name = format!("{}-{}", project.name, svc.name);
        notes.warn(
            Severity::Warning,
            "build",
            format!("dropped for swarm: Swarm cannot build images: {name}, the name compose gives the built image, is used; build it and push it where every node can pull it (or set `image:`)"),
        );
        warnings.append(&mut notes.warnings);
        return Some(name);
    }
    notes.warn(
        Severity::Warning,
        "image",
        "dropped for swarm: the service has no image to run".into(),
    );
    warnings.append(&mut notes.warnings);
    None
}

/// On stdout only the stack file is written, so that `convert --to swarm | docker stack
/// deploy -c - STACK` reads one document; the other files are named in a note (a warning
/// when the stack refers to them: the deploy cannot find them).
fn stdout_only(files: &mut Vec<OutFile>, warnings: &mut Vec<ConvertWarning>) {
    let rest: Vec<String> = files.drain(1..).map(|f| f.name).collect();
    let (referenced, plans): (Vec<&String>, Vec<&String>) =
        rest.iter().partition(|n| !n.ends_with(".sh"));
    if !referenced.is_empty() {
        warnings.push(ConvertWarning {
            severity: Severity::Warning,
            service: None,
            key_path: "configs".into(),
            span: Span::SYNTHETIC,
            message: format!(
                "stdout holds the stack file only: the files it refers to ({}) are written with -o DIR; the deploy fails without them",
                referenced.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
        });
    }
    for plan in plans {
        warnings.push(ConvertWarning {
            severity: Severity::Info,
            service: None,
            key_path: String::new(),
            span: Span::SYNTHETIC,
            message: format!(
                "stdout holds the stack file only: the node plan {plan} (and DEPLOY.md) is written with -o DIR; run it before `docker stack deploy`"
            ),
        });
    }
}

/// `links: [db:database]`: on a user network the alias `database` resolved to `db`; it
/// becomes a network alias of `db` (of each member, when `db` was expanded).
fn link_aliases(project: &Project, stack: &mut StackFile, warnings: &mut Vec<ConvertWarning>) {
    for svc in project.services.values() {
        for link in &svc.links {
            let Some((target, alias)) = link.split_once(':') else {
                continue;
            };
            let (target, alias) = (target.trim(), alias.trim());
            if alias.is_empty() || alias == target {
                continue;
            }
            let names: Vec<String> = stack
                .services
                .keys()
                .filter(|n| {
                    *n == target
                        || n.strip_prefix(target)
                            .and_then(|r| r.strip_prefix('-'))
                            .is_some_and(|i| i.parse::<u32>().is_ok())
                })
                .cloned()
                .collect();
            let mut added = false;
            for n in names {
                let Some(s) = stack.services.get_mut(&n) else {
                    continue;
                };
                for (_, net) in s
                    .networks
                    .iter_mut()
                    .filter(|(k, _)| !matches!(k.as_str(), "host" | "none"))
                {
                    let aliases = &mut net.get_or_insert_with(Default::default).aliases;
                    if !aliases.iter().any(|a| a == alias) {
                        aliases.push(alias.to_string());
                    }
                    added = true;
                }
            }
            let mut notes = convert::Notes::new(svc);
            notes.warn(
                Severity::Info,
                "links",
                if added {
                    format!("link alias {alias} becomes a network alias of {target}")
                } else {
                    format!("link alias {alias} is lost: {target} is on no network of the stack")
                },
            );
            warnings.append(&mut notes.warnings);
        }
    }
}

/// Service names SwarmKit refuses at deploy time: not a DNS label made of letters, digits,
/// `-` and `_` (no dots), or longer than 63 characters with the `<stack>_` prefix.
fn name_problems(project: &Project, stack: &StackFile) -> Vec<ConvertWarning> {
    let valid = |n: &str| {
        let b = n.as_bytes();
        b.first().is_some_and(u8::is_ascii_alphanumeric)
            && b.last().is_some_and(u8::is_ascii_alphanumeric)
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
    };
    let mut out = Vec::new();
    for name in stack.services.keys() {
        let full = format!("{}_{name}", project.name);
        let why = if !valid(name) {
            format!(
                "Swarm refuses the service name {name}: only letters, digits, - and _ (starting and ending with a letter or digit); rename the service"
            )
        } else if full.len() > 63 {
            format!(
                "Swarm refuses the service name {full} ({} characters, at most 63 with the stack name): shorten the service or project name",
                full.len()
            )
        } else {
            continue;
        };
        let svc = project.services.get(name).or_else(|| {
            let (base, _) = name.rsplit_once('-')?;
            project.services.get(base)
        });
        out.push(ConvertWarning {
            severity: Severity::Error,
            service: svc.map(|s| s.name.clone()),
            key_path: format!("services.{name}"),
            span: svc.map_or(Span::SYNTHETIC, |s| s.provenance.key_span),
            message: why,
        });
    }
    out
}

/// A service others wait for with `service_completed_successfully` runs to completion:
/// under Swarm's default (`condition: any`) it would run again and again, so it becomes a
/// `replicated-job` (a task that exits 0 is not run again).
fn as_job(s: &mut stack::StackService, by: &[String], notes: &mut convert::Notes) {
    let deploy = s.deploy.get_or_insert_with(Default::default);
    if deploy.mode.is_some() {
        return;
    }
    deploy.mode = Some("replicated-job".into());
    let rp = deploy
        .restart_policy
        .get_or_insert_with(|| stack::StackRestartPolicy {
            condition: "none".into(),
            ..Default::default()
        });
    if rp.condition == "any" {
        rp.condition = "on-failure".into();
    }
    notes.warn(
        Severity::Info,
        "deploy.mode",
        format!(
            "replicated-job: waited for by {} to complete; Swarm runs it once (it does not hold back the start of the others: depends_on is ignored)",
            by.join(", ")
        ),
    );
}

/// Pin every service that keeps data in a node-local volume to one labelled node, and the
/// services sharing such a volume to the same node: Swarm would otherwise start the task
/// on any node, where the volume is new and empty. One label per group of services that
/// share volumes (`<project>.<first service>`). A service already pinned to a node by
/// `node.hostname ==` / `node.id ==` is left as it is.
fn pin_local_volumes(
    project: &Project,
    stack: &mut StackFile,
    local: &[(String, Vec<String>)],
    warnings: &mut Vec<ConvertWarning>,
) -> Vec<plan::Op> {
    // Union of the services by shared volume: each group is named after its first service.
    let mut group_of: Vec<usize> = (0..local.len()).collect();
    for (i, (_, vi)) in local.iter().enumerate() {
        for (j, (_, vj)) in local.iter().enumerate().take(i) {
            if !vi.iter().any(|v| vj.contains(v)) {
                continue;
            }
            let (Some(&gi), Some(&gj)) = (group_of.get(i), group_of.get(j)) else {
                continue;
            };
            let (from, to) = (gi.max(gj), gi.min(gj));
            group_of
                .iter_mut()
                .filter(|g| **g == from)
                .for_each(|g| *g = to);
        }
    }
    let mut ops = Vec::new();
    for ((name, vols), &group) in local.iter().zip(&group_of) {
        let Some(s) = stack.services.get_mut(name) else {
            continue;
        };
        let placement = s
            .deploy
            .get_or_insert_with(Default::default)
            .placement
            .get_or_insert_with(Default::default);
        if placement.constraints.iter().any(|c| {
            let c = c.replace(' ', "");
            c.starts_with("node.hostname==") || c.starts_with("node.id==")
        }) {
            continue;
        }
        let Some((leader, _)) = local.get(group) else {
            continue;
        };
        let key = format!("{}.{leader}", project.name);
        let user: Vec<(String, String)> = placement
            .constraints
            .iter()
            .filter_map(|c| stateful::label_constraint(c))
            .collect();
        placement
            .constraints
            .push(format!("node.labels.{key} == true"));
        let var = plan::node_var(&key);
        ops.push(plan::Op::Pin {
            key: key.clone(),
            var: var.clone(),
            what: leader.clone(),
        });
        for (k, v) in user {
            ops.push(plan::Op::Label {
                key: k,
                value: v,
                var: var.clone(),
            });
        }
        let sharing: Vec<&str> = local
            .iter()
            .zip(&group_of)
            .filter(|((n, _), g)| **g == group && n != name)
            .map(|((n, _), _)| n.as_str())
            .collect();
        let Some(svc) = project.services.get(name) else {
            continue;
        };
        let mut notes = convert::Notes::new(svc);
        let with = if sharing.is_empty() {
            String::new()
        } else {
            format!(", with {} (they share it)", sharing.join(", "))
        };
        notes.warn(
            Severity::Warning,
            "volumes",
            format!(
                "node-local volume(s) {}: pinned to the node labelled {key}{with}; on another node Swarm would start it with a new, empty volume. The node plan sets the label; use a volume driver that follows the task to let it move",
                vols.join(", ")
            ),
        );
        warnings.append(&mut notes.warnings);
    }
    ops
}

fn insert(stack: &mut StackFile, name: String, s: StackService) -> Result<(), EmitError> {
    if stack.services.contains_key(&name) {
        return Err(EmitError::new(
            Span::SYNTHETIC,
            format!("services.{name}"),
            "a stateful member would take the name of another service",
        ));
    }
    stack.services.insert(name, s);
    Ok(())
}

/// Volumes replaced by per-member copies and used by no other service.
fn drop_unused_volumes(stack: &mut StackFile, copied: &[String]) {
    for v in copied {
        let used = stack.services.values().any(|s| {
            s.volumes
                .iter()
                .any(|m| m.kind == "volume" && m.source.as_deref() == Some(v))
        });
        if !used {
            stack.volumes.remove(v);
        }
    }
}

fn top_level_warnings(project: &Project) -> Vec<ConvertWarning> {
    let rule = crate::backend::mapping::rule_for(mapping::TABLE, "top:models");
    let (Some((k, m)), Some(rule)) = (project.models.iter().next(), rule) else {
        return Vec::new();
    };
    vec![ConvertWarning {
        severity: Severity::Warning,
        service: None,
        key_path: format!("models.{k}"),
        span: m.provenance.key_span,
        message: format!("dropped for swarm: {}", rule.support.note()),
    }]
}

/// The oldest file format that has every key used (3.8 is what most engines still read).
fn version_for(stack: &StackFile) -> &'static str {
    let newer = stack.services.values().any(|s| {
        s.oom_score_adj.is_some()
            || s.healthcheck
                .as_ref()
                .is_some_and(|h| h.start_interval.is_some())
            || s.deploy
                .as_ref()
                .and_then(|d| d.resources.as_ref())
                .and_then(|r| r.limits.as_ref())
                .is_some_and(|l| l.pids.is_some())
    });
    if newer { "3.13" } else { "3.8" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Build, ServiceVolume, Volume};

    fn project() -> Project {
        let mut p = Project {
            name: "p".into(),
            ..Project::default()
        };
        p.volumes.insert(
            "data".into(),
            Volume {
                name: Some("p_data".into()),
                ..Volume::default()
            },
        );
        let mut db = Service {
            name: "db".into(),
            image: Some("mongo:7".into()),
            scale: Some(2),
            ..Service::default()
        };
        db.volumes.push(ServiceVolume {
            kind: Some("volume".into()),
            source: Some("data".into()),
            target: Some("/data/db".into()),
            ..ServiceVolume::default()
        });
        db.networks.insert("default".into(), None);
        db.environment.insert("PASS".into(), Some("a$b".into()));
        p.services.insert("db".into(), Box::new(db));
        p
    }

    fn stack_text(e: &Emitted) -> &str {
        e.files
            .first()
            .map(|f| f.contents.as_str())
            .unwrap_or_default()
    }

    fn to_dir() -> Options {
        Options {
            output_dir: Some(PathBuf::from("/out")),
            ..Options::default()
        }
    }

    #[test]
    fn stdout_gets_the_stack_alone() {
        let e = emit(&project(), &Options::default()).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(e.files.len(), 1);
        assert!(e.warnings.iter().any(|w| w.message.contains("p.nodes.sh")));
    }

    #[test]
    fn inferred_stateful_service_is_expanded_with_warning_and_plan() {
        let e = emit(&project(), &to_dir()).unwrap_or_else(|err| panic!("{err}"));
        let text = stack_text(&e);
        assert!(text.contains("db-1:") && text.contains("db-2:"), "{text}");
        assert!(text.contains("data-2:"));
        assert!(!text.contains("\n  data:\n"), "{text}");
        assert!(text.contains("a$$b"));
        assert!(
            e.warnings
                .iter()
                .any(|w| w.message.contains("treated as stateful"))
        );
        assert_eq!(e.files[1].name, "p.nodes.sh");
        assert!(e.files[1].contents.contains("pin p.db.2 "));
    }

    #[test]
    fn anchors_share_the_common_part() {
        let opts = Options {
            anchors: true,
            ..Options::default()
        };
        let e = emit(&project(), &opts).unwrap_or_else(|err| panic!("{err}"));
        let text = stack_text(&e);
        assert!(text.contains("x-db: &db\n"), "{text}");
        assert_eq!(text.matches("<<: *db").count(), 2, "{text}");
        assert_eq!(text.matches("mongo:7").count(), 1, "{text}");
    }

    #[test]
    fn build_without_image_uses_the_compose_image_name() {
        let mut p = project();
        p.services.insert(
            "app".into(),
            Box::new(Service {
                name: "app".into(),
                build: Some(Box::new(Build::default())),
                ..Service::default()
            }),
        );
        let e = emit(&p, &Options::default()).unwrap_or_else(|err| panic!("{err}"));
        assert!(
            stack_text(&e).contains("image: p-app\n"),
            "{}",
            stack_text(&e)
        );
        assert!(
            e.warnings
                .iter()
                .any(|w| w.key_path == "services.app.build")
        );
    }

    #[test]
    fn unknown_stateful_service_is_an_error() {
        let opts = Options {
            stateful: vec!["nope".into()],
            ..Options::default()
        };
        assert!(emit(&project(), &opts).is_err());
    }
}
