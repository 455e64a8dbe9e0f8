//! The Nomad backend: a compose project becomes Nomad job files. Each service is a task
//! group with one task; services whose `deploy.mode` asks for another job type (global →
//! `system`, replicated-job → `batch`, global-job → `sysbatch`) go to a job of that type,
//! because Nomad's job type is per job. `x-nomad` (top level: job, datacenters, region,
//! namespace, node_pool, priority; per service: group, type, meta, constraints) says what
//! compose cannot.
//!
//! Submodules: [`mapping`] (the key table), [`hcl`] (escaping and `nomad fmt` printing),
//! [`ports`], [`health`], [`placement`], [`policy`], [`storage`], [`task`], [`resources`],
//! [`group`], [`plan`] (the operator's steps besides `nomad job run`).

pub mod colocate;
pub mod group;
pub mod hcl;
pub mod health;
pub mod mapping;
pub mod mesh;
pub mod placement;
pub mod plan;
pub mod policy;
pub mod ports;
pub mod rendered;
pub mod resources;
pub mod stateful;
pub mod storage;
pub mod task;
pub mod wait;
pub mod wiring;

use crate::backend::mapping::{ConvertWarning, KeyRule, report};
use crate::backend::notes::Notes;
use crate::backend::{Backend, EmitError, Emitted, OutFile};
use crate::diag::Severity;
use crate::model::{Project, Service};
use crate::source::Span;
use ::hcl::structure::{Block, Body};
use serde_json::Value as Json;
use std::collections::HashMap;

/// The task driver.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Driver {
    #[default]
    Docker,
    Podman,
}

impl Driver {
    pub fn name(self) -> &'static str {
        match self {
            Driver::Docker => "docker",
            Driver::Podman => "podman",
        }
    }
}

/// Where services (and their checks) are registered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Provider {
    #[default]
    Nomad,
    Consul,
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Provider::Nomad => "nomad",
            Provider::Consul => "consul",
        }
    }
}

/// How services reach each other by name (see [`wiring`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Topology {
    /// Nomad's own service discovery: values naming another service are rendered from the
    /// registry by `template` blocks.
    #[default]
    Native,
    /// Consul service mesh: Connect services, and upstreams on the ports applications dial.
    Mesh,
    /// The whole project in one group, sharing one network namespace.
    SingleGroup,
}

impl Topology {
    pub fn name(self) -> &'static str {
        match self {
            Topology::Native => "native",
            Topology::Mesh => "mesh",
            Topology::SingleGroup => "single-group",
        }
    }
}

/// How named volumes are provided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VolumeType {
    #[default]
    Host,
    Csi,
}

/// `convert --to nomad` flags.
#[derive(Clone, Debug)]
pub struct Options {
    pub job: Option<String>,
    pub datacenters: Vec<String>,
    pub region: Option<String>,
    pub namespace: Option<String>,
    pub driver: Driver,
    pub provider: Provider,
    pub topology: Topology,
    pub volume_type: VolumeType,
    pub cpu_mhz_per_core: u32,
    /// The cluster has memory oversubscription enabled: a memory reservation below the
    /// limit becomes `memory`, the limit `memory_max`.
    pub memory_oversubscription: bool,
    /// `memory` (MiB) of a service without a compose memory setting.
    pub default_memory_mb: u32,
    /// `cpu` (MHz) of a service without a compose CPU setting.
    pub default_cpu_mhz: u32,
    /// Render `env_file` variables from Nomad Variables instead of inlining them.
    pub env_from_variables: bool,
    /// Where the project directory is on the clients, for project files too large to embed
    /// (default `/srv/<project>`).
    pub project_root: Option<String>,
    /// `--stateful SERVICE`: one group per replica (see [`crate::analysis::stateful`]).
    pub stateful: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            job: None,
            datacenters: Vec::new(),
            region: None,
            namespace: None,
            driver: Driver::Docker,
            provider: Provider::Nomad,
            topology: Topology::Native,
            volume_type: VolumeType::Host,
            cpu_mhz_per_core: 1000,
            memory_oversubscription: false,
            default_memory_mb: 512,
            default_cpu_mhz: 500,
            env_from_variables: false,
            project_root: None,
            stateful: Vec::new(),
        }
    }
}

pub struct NomadBackend;

impl Backend for NomadBackend {
    fn id(&self) -> &'static str {
        "nomad"
    }
    fn mapping(&self) -> &'static [KeyRule] {
        mapping::TABLE
    }
}

/// Nomad's job types, in the order their files are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum JobType {
    Service,
    System,
    Batch,
    Sysbatch,
}

impl JobType {
    pub fn name(self) -> &'static str {
        match self {
            JobType::Service => "service",
            JobType::System => "system",
            JobType::Batch => "batch",
            JobType::Sysbatch => "sysbatch",
        }
    }

    fn parse(s: &str) -> Option<JobType> {
        Some(match s {
            "service" | "replicated" => JobType::Service,
            "system" | "global" => JobType::System,
            "batch" | "replicated-job" => JobType::Batch,
            "sysbatch" | "global-job" => JobType::Sysbatch,
            _ => return None,
        })
    }

    /// One allocation per node: no count, no spread, no reschedule.
    pub fn per_node(self) -> bool {
        matches!(self, JobType::System | JobType::Sysbatch)
    }
}

/// What the conversion of a whole project knows while converting one service.
pub struct Ctx<'a> {
    pub project: &'a Project,
    pub opts: &'a Options,
    /// The job id the service lands in.
    pub job: String,
    pub job_type: JobType,
    /// The group's name (label).
    pub group: String,
    /// The project's derived facts and how its services reach each other.
    pub analysis: &'a crate::analysis::Analysis,
    pub wiring: &'a wiring::Wiring,
    /// For one member of a stateful service, its 1-based index.
    pub member: Option<i64>,
    /// What the operator's plan needs that the job files do not show.
    pub facts: &'a plan::Facts,
}

/// The `x-nomad` (or `x-transship`) extension value `key` of a service, if any.
pub fn service_ext<'a>(svc: &'a Service, key: &str) -> Option<&'a Json> {
    ["x-nomad", "x-transship"]
        .iter()
        .find_map(|x| svc.extensions.get(*x)?.get(key))
}

fn project_ext<'a>(project: &'a Project, key: &str) -> Option<&'a Json> {
    project.extensions.get("x-nomad")?.get(key)
}

/// A Nomad name (group, task, port label…): lowercase letters, digits, `-` and `_`.
pub fn label(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() {
        out.push('x');
    }
    out
}

/// A service name Consul and Nomad accept (RFC 1123 label).
pub fn service_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    out = out.trim_matches('-').to_string();
    out.truncate(63);
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "svc".into() } else { out }
}

fn job_id(project: &Project, opts: &Options) -> String {
    let raw = opts
        .job
        .clone()
        .or_else(|| project_ext(project, "job")?.as_str().map(str::to_string))
        .unwrap_or_else(|| project.name.clone());
    let id: String = raw
        .chars()
        .map(|c| {
            if c.is_whitespace() || c == '"' {
                '-'
            } else {
                c
            }
        })
        .collect();
    if id.is_empty() { "job".into() } else { id }
}

/// The job type `svc` asks for (`x-nomad.type`, else its deploy mode), if it names one.
pub fn job_type(svc: &Service) -> Option<JobType> {
    service_ext(svc, "type")
        .and_then(Json::as_str)
        .and_then(JobType::parse)
        .or_else(|| {
            svc.deploy
                .as_ref()
                .and_then(|d| d.mode.as_deref())
                .and_then(JobType::parse)
        })
}

fn job_type_of(svc: &Service, notes: &mut Notes) -> JobType {
    if let Some(t) = service_ext(svc, "type").and_then(Json::as_str) {
        match JobType::parse(t) {
            Some(t) => return t,
            None => notes.warn(
                Severity::Warning,
                "x-nomad.type",
                format!("unknown job type {t:?}: using the deploy mode"),
            ),
        }
    }
    let mode = svc.deploy.as_ref().and_then(|d| d.mode.as_deref());
    mode.and_then(JobType::parse).unwrap_or(JobType::Service)
}

/// Convert `project` to one job file per job type used, the `service` job first.
///
/// # Errors
/// Formatting failed (never expected: the HCL is built from typed blocks).
pub fn emit(project: &Project, opts: &Options) -> Result<Emitted, EmitError> {
    let base = job_id(project, opts);
    let mut warnings: Vec<ConvertWarning> = Vec::new();
    let analysis = crate::analysis::analyse(project);
    let absorbed = wiring::absorbed_one_shots(&analysis);
    let sharing = colocate::volume_groups(project, &analysis);
    // group name → (job type, member services in name order)
    let mut groups: Vec<(String, JobType, Vec<&Service>)> = Vec::new();
    let mut group_index: HashMap<String, usize> = HashMap::new();
    // Groups that are one member of a stateful service: group → member index (1-based).
    let mut member_of: HashMap<String, i64> = HashMap::new();
    for name in project.service_names() {
        let Some(svc) = project.services.get(name) else {
            continue;
        };
        let present = svc.provenance.iter().map(|(k, o)| (k, o.key_span));
        warnings.extend(report(mapping::TABLE, "nomad", name, present));
        let mut notes = Notes::new(svc);
        let jt = job_type_of(svc, &mut notes);
        if let Some(dependents) = absorbed.get(name) {
            one_shot_notes(project, svc, dependents, &mut warnings);
            warnings.append(&mut notes.warnings);
            continue;
        }
        let gname = if opts.topology == Topology::SingleGroup && jt == JobType::Service {
            label(&project.name)
        } else if let Some(g) = sharing.get(name) {
            if g != &label(name) {
                notes.warn(
                    Severity::Info,
                    "volumes",
                    format!(
                        "runs in group {g}: it shares a named volume with that group's services, and compose gives a named volume one host"
                    ),
                );
            }
            g.clone()
        } else {
            service_ext(svc, "group")
                .and_then(Json::as_str)
                .map_or_else(|| label(name), label)
        };
        if let Some(count) = stateful_members(project, opts, svc, jt, &mut notes) {
            for i in 1..=count {
                let member = label(&crate::analysis::stateful::member_name(name, i));
                member_of.insert(member.clone(), i);
                groups.push((member, jt, vec![svc]));
            }
            warnings.append(&mut notes.warnings);
            continue;
        }
        match group_index.get(&gname).and_then(|&i| groups.get_mut(i)) {
            Some((_, t, members)) => {
                if *t != jt {
                    notes.warn(
                        Severity::Warning,
                        "x-nomad.group",
                        format!(
                            "group {gname} is a {} group: this service's own job type is ignored",
                            t.name()
                        ),
                    );
                }
                members.push(svc);
            }
            None => {
                group_index.insert(gname.clone(), groups.len());
                groups.push((gname, jt, vec![svc]));
            }
        }
        warnings.append(&mut notes.warnings);
    }
    if opts.topology == Topology::SingleGroup {
        single_group_fits(&groups, &analysis)?;
    }
    let group_of: std::collections::BTreeMap<String, String> = groups
        .iter()
        .flat_map(|(g, _, m)| m.iter().map(move |s| (s.name.clone(), g.clone())))
        .collect();
    let wiring = wiring::wire(
        &analysis,
        opts.topology,
        opts.provider,
        &wiring::Placement {
            group_of: &group_of,
        },
    );
    warnings.extend(wiring.warnings.iter().cloned());
    warnings.extend(split_volumes(project, &analysis, &group_of));
    let mut types: Vec<JobType> = groups.iter().map(|(_, t, _)| *t).collect();
    types.sort();
    types.dedup();
    if types.is_empty() {
        types.push(JobType::Service);
    }
    let mut files = Vec::new();
    // What the plan reads: the bodies as printed (file name, body).
    let mut job_bodies: Vec<(String, Body)> = Vec::new();
    let mut anchors = Vec::new();
    let (mut task_count, mut tasks_without_resources) = (0usize, 0usize);
    let facts = plan::Facts::default();
    for (i, jt) in types.iter().enumerate() {
        let id = if i == 0 {
            base.clone()
        } else {
            format!("{base}-{}", jt.name())
        };
        let mut job = Block::builder("job").add_label(id.as_str());
        job = job.add_attributes(job_header(project, opts, *jt));
        for (gname, _, members) in groups.iter().filter(|(_, t, _)| t == jt) {
            let ctx = Ctx {
                project,
                opts,
                job: id.clone(),
                job_type: *jt,
                group: gname.clone(),
                analysis: &analysis,
                wiring: &wiring,
                member: member_of.get(gname).copied(),
                facts: &facts,
            };
            let (block, mut w) = group::group(&ctx, members);
            warnings.append(&mut w);
            job = job.add_block(block);
        }
        let job = job.build();
        for task in job
            .body()
            .blocks()
            .filter(|g| g.identifier() == "group")
            .flat_map(|g| g.body().blocks().filter(|t| t.identifier() == "task"))
        {
            task_count += 1;
            if !task.body().blocks().any(|b| b.identifier() == "resources") {
                tasks_without_resources += 1;
            }
        }
        let body = Body::builder().add_block(job).build();
        let text = hcl::print(&body)
            .map_err(|e| EmitError::new(Span::SYNTHETIC, "", format!("printing HCL: {e}")))?;
        let name = format!("{id}.nomad.hcl");
        // Provenance anchors: a one-service group at its `group` line, else each `task`.
        // Looked up once per `group`/`task` line: indexed, not searched.
        let in_job: HashMap<&str, &[&Service]> = groups
            .iter()
            .filter(|(_, t, _)| t == jt)
            .map(|(n, _, m)| (n.as_str(), m.as_slice()))
            .collect();
        let mut shared_tasks: HashMap<String, &Service> = HashMap::new();
        for (_, _, m) in groups.iter().filter(|(_, t, m)| t == jt && m.len() > 1) {
            for s in m {
                shared_tasks.entry(label(&s.name)).or_insert(*s);
            }
        }
        anchors.extend(crate::backend::anchors_where(&name, &text, |line| {
            let t = line.trim_start();
            let svc = if let Some(g) = t
                .strip_prefix("group \"")
                .and_then(|r| r.strip_suffix("\" {"))
            {
                match in_job.get(g) {
                    Some([only]) => *only,
                    _ => return None,
                }
            } else {
                let task = t.strip_prefix("task \"")?.strip_suffix("\" {")?;
                *shared_tasks.get(task)?
            };
            Some((format!("services.{}", svc.name), svc.provenance.key_span))
        }));
        job_bodies.push((name.clone(), body));
        files.push(OutFile {
            name,
            contents: text,
        });
    }
    warnings.extend(top_level_warnings(project));
    warnings.extend(resources::project_notes(project, opts));
    let w = wiring.stats;
    let stats = vec![
        ("references", w.references),
        ("references_reachable", w.reachable),
        ("references_warned", w.warned),
        ("tasks", task_count),
        ("tasks_without_resources", tasks_without_resources),
    ];
    Ok(Emitted {
        stats,
        plan: plan::steps(project, opts, &facts, &job_bodies),
        files,
        warnings: crate::backend::mapping::one_per_key(warnings, mapping::TABLE, "nomad"),
        anchors,
    })
}

/// The member count of `svc` when it is stateful: its replicas each become a group of
/// their own (`<svc>-1..N`), with a stable name, their own volumes and their own client, as
/// the Swarm target's members are. Only for the service job, and only with more than one
/// replica; `--topology single-group` keeps one namespace and one count.
fn stateful_members(
    project: &Project,
    opts: &Options,
    svc: &Service,
    jt: JobType,
    notes: &mut Notes,
) -> Option<i64> {
    let named = svc.volumes.iter().any(|v| {
        v.kind.as_deref() == Some("volume")
            && v.source
                .as_deref()
                .is_some_and(|s| project.volumes.contains_key(s))
    });
    let flagged = opts.stateful.iter().any(|s| s == &svc.name);
    let why = crate::analysis::stateful::reason(svc, flagged, named)?;
    let count = svc.replicas();
    if jt != JobType::Service || count < 2 || opts.topology == Topology::SingleGroup {
        return None;
    }
    if why == crate::analysis::stateful::Reason::Inferred {
        notes.warn(
            Severity::Info,
            "deploy.replicas",
            format!(
                "treated as stateful ({count} replicas with a named volume): one group per replica, {} .. {}, each with its own volume and client (x-transship: {{stateful: false}} to keep one group)",
                crate::analysis::stateful::member_name(&svc.name, 1),
                crate::analysis::stateful::member_name(&svc.name, count)
            ),
        );
    }
    Some(count)
}

/// Notes on the dependents of a one-shot service that runs as their prestart task.
fn one_shot_notes(
    project: &Project,
    svc: &Service,
    dependents: &[String],
    warnings: &mut Vec<ConvertWarning>,
) {
    for d in dependents {
        let Some(dep) = project.services.get(d) else {
            continue;
        };
        let mut notes = Notes::new(dep);
        let runs = dep.replicas().max(1);
        let message = if dependents.len() > 1 || runs > 1 {
            format!(
                "{} runs as a prestart task of this group, once per allocation: {} times here and in {} group(s) in all, where compose runs it once (it must be safe to run again)",
                svc.name,
                runs,
                dependents.len()
            )
        } else {
            format!(
                "{} runs as a prestart task of this group: it completes before the group's tasks start and is not restarted after a success",
                svc.name
            )
        };
        let severity = if dependents.len() > 1 || runs > 1 {
            Severity::Warning
        } else {
            Severity::Info
        };
        notes.warn(severity, &format!("depends_on.{}", svc.name), message);
        warnings.append(&mut notes.warnings);
    }
}

/// Named volumes that compose shares between services Nomad runs in different groups: on
/// host volumes each client has its own copy, and a CSI `single-node-writer` volume admits
/// one writer allocation (volume capability docs), so the data is split or the second group
/// never places.
fn split_volumes(
    project: &Project,
    analysis: &crate::analysis::Analysis,
    group_of: &std::collections::BTreeMap<String, String>,
) -> Vec<ConvertWarning> {
    let mut out = Vec::new();
    for (volume, users) in &analysis.shared_volumes {
        let groups: std::collections::BTreeSet<&String> =
            users.iter().filter_map(|u| group_of.get(u)).collect();
        if groups.len() < 2 {
            continue;
        }
        for user in users.iter().skip(1) {
            let Some(svc) = project.services.get(user) else {
                continue;
            };
            let i = svc
                .volumes
                .iter()
                .position(|v| v.source.as_deref() == Some(volume.as_str()))
                .unwrap_or(0);
            let mut notes = Notes::new(svc);
            notes.warn(
                Severity::Warning,
                &format!("volumes[{i}]"),
                format!(
                    "volume {volume} is shared with {}, which runs in another group, possibly on another client: host volumes give each client its own copy and a single-node-writer CSI volume admits one group; put them in one group (x-nomad: {{group: NAME}} on each, or --topology single-group)",
                    users.first().map_or("", String::as_str)
                ),
            );
            out.append(&mut notes.warnings);
        }
    }
    out
}

/// `--topology single-group` puts every service in one network namespace: refuse when two
/// services listen on one container port, or want different counts.
fn single_group_fits(
    groups: &[(String, JobType, Vec<&Service>)],
    analysis: &crate::analysis::Analysis,
) -> Result<(), EmitError> {
    for (_, jt, members) in groups
        .iter()
        .filter(|(_, t, m)| *t == JobType::Service && m.len() > 1)
    {
        let _ = jt;
        let mut owner: HashMap<u32, &str> = HashMap::new();
        let count = members.first().map_or(1, |s| s.replicas());
        for svc in members {
            if svc.replicas() != count {
                return Err(EmitError::new(
                    svc.provenance.nearest_key_span("deploy.replicas"),
                    format!("services.{}", svc.name),
                    format!(
                        "--topology single-group runs every service with one count: {} wants {}, others {count}",
                        svc.name,
                        svc.replicas()
                    ),
                ));
            }
            for port in analysis.listens.get(&svc.name).into_iter().flatten() {
                if let Some(other) = owner.insert(*port, &svc.name) {
                    return Err(EmitError::new(
                        svc.provenance.key_span,
                        format!("services.{}", svc.name),
                        format!(
                            "--topology single-group puts every service in one network namespace, but {other} and {} both listen on container port {port}",
                            svc.name
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `type`, `datacenters`, `region`, `namespace`, ... of a job.
fn job_header(project: &Project, opts: &Options, jt: JobType) -> Vec<::hcl::structure::Attribute> {
    let mut out = Vec::new();
    let ext_str = |k: &str| {
        project_ext(project, k)
            .and_then(Json::as_str)
            .map(str::to_string)
    };
    if let Some(r) = opts.region.clone().or_else(|| ext_str("region")) {
        out.push(hcl::attr("region", hcl::literal(&r)));
    }
    if let Some(ns) = opts.namespace.clone().or_else(|| ext_str("namespace")) {
        out.push(hcl::attr("namespace", hcl::literal(&ns)));
    }
    let mut dcs: Vec<String> = opts.datacenters.clone();
    if dcs.is_empty()
        && let Some(list) = project_ext(project, "datacenters").and_then(Json::as_array)
    {
        dcs = list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
    }
    out.push(hcl::attr("type", hcl::literal(jt.name())));
    // Only when asked for: Nomad's default is every datacenter, ["*"]
    // (https://developer.hashicorp.com/nomad/docs/job-specification/job; nomad/structs
    // `Job.Canonicalize`), while a guessed "dc1" makes every placement fail on clusters
    // whose datacenter has another name.
    if !dcs.is_empty() {
        out.push(hcl::attr(
            "datacenters",
            hcl::strings(dcs.iter().map(String::as_str)),
        ));
    }
    if let Some(pool) = ext_str("node_pool") {
        out.push(hcl::attr("node_pool", hcl::literal(&pool)));
    }
    if let Some(p) = project_ext(project, "priority").and_then(Json::as_i64) {
        out.push(hcl::attr("priority", p.clamp(1, 100)));
    }
    out
}

fn top_level_warnings(project: &Project) -> Vec<ConvertWarning> {
    let mut out = Vec::new();
    for (key, prov_span, what) in project
        .networks
        .iter()
        .filter(|(_, n)| !n.driver_opts.is_empty() || !n.ipam.config.is_empty())
        .map(|(k, n)| (k, n.provenance.key_span, "network"))
        .chain(
            project
                .models
                .iter()
                .map(|(k, m)| (k, m.provenance.key_span, "model")),
        )
    {
        let (section, why) = if what == "network" {
            (
                "networks",
                "driver options and IPAM are dropped: Nomad gives each group its own bridge network",
            )
        } else {
            ("models", "AI models are a Docker Desktop feature")
        };
        out.push(ConvertWarning {
            severity: Severity::Warning,
            service: None,
            key_path: format!("{section}.{key}"),
            span: prov_span,
            message: format!("{} for nomad: {why}", "dropped"),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_service_names_are_sanitised() {
        assert_eq!(label("My.App"), "my-app");
        assert_eq!(label(""), "x");
        assert_eq!(service_name("_web_1."), "web-1");
        assert_eq!(service_name("***"), "svc");
    }

    #[test]
    fn deploy_modes_choose_job_types() {
        assert_eq!(JobType::parse("global"), Some(JobType::System));
        assert_eq!(JobType::parse("replicated-job"), Some(JobType::Batch));
        assert_eq!(JobType::parse("global-job"), Some(JobType::Sysbatch));
        assert_eq!(JobType::parse("weird"), None);
    }
}
