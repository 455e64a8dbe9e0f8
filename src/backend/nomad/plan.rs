//! The Nomad plan: every step an operator takes besides `nomad job run`, derived in one
//! place once the job files are written, from
//!
//! - the job files themselves, read back ([`jobs`]): job types, network modes, driver
//!   options, constraints, resources, so the plan describes exactly what was emitted;
//! - what only the conversion knows, recorded into [`Facts`] while groups are built
//!   (storage and task): which project file or env var each Nomad Variables item comes
//!   from, which volume each group claims, which project path a client path stands for;
//! - the project (provenance, `depends_on`) and the options (topology, provider, driver).
//!
//! Steps: cluster software and versions, client meta for `node.labels` constraints
//! ([`volumes`] also gives host volumes, CSI volume specs and files on the clients), docker
//! plugin allow-lists, host networks and the agent restart, one `nomad var put` per
//! Variables path ([`variables`]), and the order to submit several job files ([`submit`]).

pub mod jobs;
mod submit;
mod variables;
mod volumes;

use super::hcl::{attr, literal, strings};
use super::{Options, Provider, Topology, label};
use crate::backend::plan::{Step, StepKind, shell_word as sh};
use crate::model::{Project, Service};
use crate::source::Span;
use hcl::structure::{Block, Body};
use std::cell::RefCell;
use std::collections::HashMap;

/// Facts the plan needs that the job files do not show, recorded by the lowering as it
/// goes. Shared (read-only) by every group of one emit, hence the cell.
#[derive(Default)]
pub struct Facts(RefCell<Recorded>);

#[derive(Clone, Debug, Default)]
struct Recorded {
    volumes: Vec<VolumeUse>,
    items: Vec<Item>,
    host_paths: Vec<HostPath>,
}

/// The compose side of a group `volume` (its type, source and modes are read back from the
/// job files: a later pass may rename the source, as stateful members do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeUse {
    pub service: String,
    /// The mount's key below the service (`volumes[0]`).
    pub key: String,
    /// The group volume's label.
    pub label: String,
    /// The compose volume is `external`.
    pub external: bool,
}

/// Where a Nomad Variables item's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A file's content (absolute path).
    File(String),
    /// An environment variable of the shell that puts the variable (compose secrets and
    /// configs with `environment:`).
    Env(String),
    /// A variable of the service's env files (absolute paths, in compose's order).
    EnvFile(Vec<String>),
    /// Not known here (an `external` secret): the operator supplies the file.
    Unknown,
}

/// One item of a Nomad Variable a task reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// The variable's path (`nomad/jobs/<job>/<group>`).
    pub path: String,
    pub key: String,
    pub value: Value,
    /// The service that reads it and the key below it that asks for it (`secrets[0]`).
    pub service: String,
    pub key_path: String,
    /// What it is, for the reader (`secret db_password`).
    pub what: String,
}

/// A client path a task bind-mounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPath {
    pub service: String,
    pub key: String,
    /// The path as compose names it (absolute, on this machine).
    pub local: String,
    /// The path the job mounts on the client.
    pub client: String,
    /// `local` is below the project directory (so it is copied, not just expected).
    pub in_project: bool,
}

impl Facts {
    pub fn volume(&self, v: VolumeUse) {
        self.0.borrow_mut().volumes.push(v);
    }

    /// Record an item and return the key it is stored under: `item.key`, or `<key>_N`
    /// when another value already holds that key at the path (a config and a secret of
    /// one name, say), so one `nomad var put` can hold both.
    pub fn item(&self, mut item: Item) -> String {
        let mut r = self.0.borrow_mut();
        let base = item.key.clone();
        let mut n = 1;
        while r
            .items
            .iter()
            .any(|i| i.path == item.path && i.key == item.key && i.value != item.value)
        {
            n += 1;
            item.key = format!("{base}_{n}");
        }
        let key = item.key.clone();
        r.items.push(item);
        key
    }

    pub fn host_path(&self, h: HostPath) {
        self.0.borrow_mut().host_paths.push(h);
    }
}

/// What every part of the plan reads.
struct Cx<'a> {
    project: &'a Project,
    opts: &'a Options,
    jobs: Vec<jobs::JobView>,
    facts: Recorded,
    /// Task name → the service it runs.
    by_task: HashMap<String, &'a Service>,
}

impl<'a> Cx<'a> {
    fn service(&self, name: &str) -> Option<&'a Service> {
        self.project.service(name)
    }

    /// `services.<name>.<path>` and where it was written.
    fn source(&self, service: &str, path: &str) -> Option<(String, Span)> {
        let svc = self.service(service)?;
        Some((
            format!("services.{service}.{path}"),
            svc.provenance.nearest_key_span(path),
        ))
    }

    /// ` -region=R -namespace=N` for commands that do not read the job file.
    fn flags(&self) -> String {
        let mut out = String::new();
        if let Some(r) = &self.opts.region {
            out.push_str(&format!(" -region={}", sh(r)));
        }
        if let Some(n) = &self.opts.namespace {
            out.push_str(&format!(" -namespace={}", sh(n)));
        }
        out
    }

    /// Every task with its group and job, in file order.
    fn tasks(&self) -> impl Iterator<Item = (&jobs::JobView, &jobs::GroupView, &jobs::TaskView)> {
        self.jobs.iter().flat_map(|j| {
            j.groups
                .iter()
                .flat_map(move |g| g.tasks.iter().map(move |t| (j, g, t)))
        })
    }
}

/// The plan for the job files `files` that emit just wrote.
pub fn steps(
    project: &Project,
    opts: &Options,
    facts: &Facts,
    job_bodies: &[(String, hcl::structure::Body)],
) -> Vec<Step> {
    let cx = Cx {
        project,
        opts,
        jobs: jobs::views(job_bodies),
        facts: facts.0.borrow().clone(),
        by_task: project
            .services
            .values()
            .map(|s| (label(&s.name), &**s))
            .collect(),
    };
    let mut out = cluster(&cx);
    out.extend(node_meta(&cx));
    out.extend(volumes::volumes(&cx));
    out.extend(volumes::host_files(&cx));
    out.extend(driver_plugin(&cx));
    out.extend(host_networks(&cx));
    out.extend(restart(&out));
    out.extend(variables::steps(&cx));
    out.extend(submit::steps(&cx));
    out
}

/// Software and versions the cluster needs for what the jobs use.
fn cluster(cx: &Cx) -> Vec<Step> {
    let mut out = Vec::new();
    let has_groups = cx.jobs.iter().any(|j| !j.groups.is_empty());
    let mut needs: Vec<(u32, &str)> = Vec::new();
    if cx.opts.provider == Provider::Nomad && has_groups {
        needs.push((
            3,
            "services are registered with `provider = \"nomad\"` and looked up with `nomadService` templates: Nomad's native service discovery, new in 1.3 (https://developer.hashicorp.com/nomad/docs/networking/service-discovery)",
        ));
    }
    if !cx.facts.items.is_empty() {
        needs.push((
            4,
            "tasks read Nomad Variables with `nomadVar` templates, new in 1.4 (https://developer.hashicorp.com/nomad/docs/concepts/variables)",
        ));
    }
    if cx.tasks().any(|(_, _, t)| t.template_owner) {
        needs.push((
            4,
            "templates set `uid`/`gid`, new in 1.4 (https://developer.hashicorp.com/nomad/docs/job-specification/template)",
        ));
    }
    if cx
        .jobs
        .iter()
        .any(|j| !j.datacenters && !j.groups.is_empty())
    {
        needs.push((
            5,
            "the jobs name no `datacenters` and so run in every datacenter: that default (`[\"*\"]`) is new in 1.5 (hashicorp/nomad#11170), and older servers reject a job without datacenters; pass --datacenter to name them",
        ));
    }
    if let Some(minor) = needs.iter().map(|(m, _)| *m).max() {
        let list: Vec<String> = needs.iter().map(|(_, why)| format!("- {why}")).collect();
        out.push(
            Step::new(
                StepKind::ClusterSetup,
                format!("Nomad 1.{minor} or later on servers and clients"),
                format!("The job files rely on:\n\n{}.", list.join(";\n")),
            )
            .commands([
                "nomad server members".into(),
                "nomad node status -verbose".into(),
            ]),
        );
    }
    match (cx.opts.topology, cx.opts.provider) {
        (Topology::Mesh, _) => out.push(
            Step::new(
                StepKind::ClusterSetup,
                "Consul agents with service mesh on every client",
                "--topology mesh registers every service in Consul with a Connect sidecar, and each sidecar (Envoy) gets its configuration from the Consul agent on its client over gRPC: run a Consul agent on every client, with Connect enabled and its gRPC port open (the snippet is Consul agent configuration; Consul 1.14 and later with TLS use `grpc_tls = 8503` instead), and let the Nomad agent reach it through its `consul` block (default address 127.0.0.1:8500). See https://developer.hashicorp.com/nomad/docs/networking/consul/service-mesh.",
            )
            .config(
                "hcl",
                print(vec![
                    Block::builder("connect")
                        .add_attribute(attr("enabled", true))
                        .build(),
                    Block::builder("ports")
                        .add_attribute(attr("grpc", 8502))
                        .build(),
                ]),
            )
            .commands(["consul members".into()]),
        ),
        (_, Provider::Consul) => out.push(
            Step::new(
                StepKind::ClusterSetup,
                "Consul agents on every client",
                "--service-provider consul registers services and checks in Consul, and the dependency waits read its catalog: every client needs a Consul agent its Nomad agent talks to (the Nomad agent's `consul` block; the address below is its default). See https://developer.hashicorp.com/nomad/docs/configuration/consul.",
            )
            .config(
                "hcl",
                print(vec![
                    Block::builder("consul")
                        .add_attribute(attr("address", literal("127.0.0.1:8500")))
                        .build(),
                ]),
            )
            .commands(["consul members".into()]),
        ),
        _ => {}
    }
    let bridged: Vec<String> = cx
        .jobs
        .iter()
        .flat_map(|j| &j.groups)
        .filter(|g| g.mode == "bridge")
        .map(|g| g.name.clone())
        .collect();
    if !bridged.is_empty() {
        out.push(
            Step::new(
                StepKind::ClusterSetup,
                "CNI plugins on every client",
                format!(
                    "Groups with `network {{ mode = \"bridge\" }}` ({}) get their network namespace from the CNI reference plugins: bridge, firewall, host-local, loopback and portmap (0.4.0 or later), which Nomad looks for in the client's `cni_path` (default /opt/cni/bin); bridged traffic must also pass through iptables. Without them those allocations fail to start. See https://developer.hashicorp.com/nomad/docs/networking/cni.",
                    some(&bridged)
                ),
            )
            .commands([
                "ARCH=$( [ \"$(uname -m)\" = aarch64 ] && echo arm64 || echo amd64 )".into(),
                "curl -L -o cni-plugins.tgz \"https://github.com/containernetworking/plugins/releases/download/v1.6.2/cni-plugins-linux-${ARCH}-v1.6.2.tgz\"".into(),
                "sudo mkdir -p /opt/cni/bin && sudo tar -C /opt/cni/bin -xzf cni-plugins.tgz".into(),
                "sudo modprobe br_netfilter".into(),
                "echo 1 | sudo tee /proc/sys/net/bridge/bridge-nf-call-arptables /proc/sys/net/bridge/bridge-nf-call-ip6tables /proc/sys/net/bridge/bridge-nf-call-iptables".into(),
            ]),
        );
    }
    if cx.opts.topology == Topology::SingleGroup {
        let whole = label(&cx.project.name);
        for g in cx
            .jobs
            .iter()
            .flat_map(|j| &j.groups)
            .filter(|g| g.name == whole && g.tasks.len() > 1)
        {
            let cpu: i64 = g.tasks.iter().map(|t| t.cpu).sum();
            let memory: i64 = g.tasks.iter().map(|t| t.memory).sum();
            out.push(Step::new(
                StepKind::ClusterSetup,
                format!("One client with room for group {}", g.name),
                format!(
                    "--topology single-group runs the project's services as the {} tasks of one group, in one allocation, so one client holds them all: it needs up to {cpu} MHz of CPU and {memory} MiB of memory free (the sum of their `resources`).",
                    g.tasks.len()
                ),
            ));
        }
    }
    out
}

/// Client meta for each `${meta.X} = value` constraint: compose's `node.labels.X`, or one the
/// conversion adds (then the step names the constraint, not a compose key).
fn node_meta(cx: &Cx) -> Vec<Step> {
    // (key, value) → (groups, source), in the order the jobs name them.
    type Wanted = ((String, String), Vec<String>, Option<(String, Span)>);
    let mut wanted: Vec<Wanted> = Vec::new();
    for job in &cx.jobs {
        for g in &job.groups {
            for (attribute, operator, value) in &g.constraints {
                let Some(key) = attribute
                    .strip_prefix("${meta.")
                    .and_then(|k| k.strip_suffix('}'))
                else {
                    continue;
                };
                // `!=` is met by a client without the key: nothing to set.
                if !matches!(operator.as_str(), "=" | "==") {
                    continue;
                }
                let pair = (key.to_string(), value.clone());
                let source = constraint_source(cx, g, attribute, value);
                match wanted.iter_mut().find(|(p, _, _)| *p == pair) {
                    Some((_, groups, _)) => groups.push(g.name.clone()),
                    None => wanted.push((pair, vec![g.name.clone()], source)),
                }
            }
        }
    }
    wanted
        .into_iter()
        .map(|((key, value), groups, source)| {
            let client = Block::builder("client")
                .add_structure(super::hcl::map("meta", [(key.as_str(), value.as_str())]))
                .build();
            let mut step = Step::new(
                StepKind::NodeLabel,
                format!("Client meta {key} = {value:?}"),
                format!(
                    "Group{} {} run{} only on clients whose meta `{key}` is {value:?} ({}): set it on each client meant to run {}, or the allocations stay pending. The command sets it at once on the client it runs on (Nomad 1.5 or later, https://developer.hashicorp.com/nomad/commands/node/meta/apply); the `meta` block keeps it in the client's configuration (https://developer.hashicorp.com/nomad/docs/configuration/client#meta).",
                    if unique_count(&groups) > 1 { "s" } else { "" },
                    some(&groups),
                    if unique_count(&groups) > 1 { "" } else { "s" },
                    if source.is_some() {
                        format!("compose's `node.labels.{key}` constraint")
                    } else {
                        format!("the constraint `${{meta.{key}}} = {value}`")
                    },
                    them(&groups)
                ),
            )
            .config("hcl", print(vec![client]))
            .commands([format!(
                "nomad node meta apply {}",
                sh(&format!("{key}={value}"))
            )]);
            step.source = source;
            step
        })
        .collect()
}

/// The compose constraint of a member of `g` that became `attribute = value`.
fn constraint_source(
    cx: &Cx,
    g: &jobs::GroupView,
    attribute: &str,
    value: &str,
) -> Option<(String, Span)> {
    g.tasks.iter().find_map(|t| {
        let svc = cx.by_task.get(&t.name)?;
        let placement = &svc.deploy.as_ref()?.placement;
        placement
            .constraints
            .iter()
            .position(|expr| {
                super::placement::parse(expr)
                    .is_ok_and(|c| c.equal && c.attribute == attribute && c.value == value)
            })
            .and_then(|i| cx.source(&svc.name, &format!("deploy.placement.constraints[{i}]")))
    })
}

/// Nomad's default `allow_caps` (drivers/shared/capabilities/defaults.go `HCLSpecLiteral`):
/// Docker's defaults without NET_RAW. Setting `allow_caps` replaces it, so the plan repeats
/// it and adds what the tasks need.
const DEFAULT_CAPS: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// The docker plugin options the tasks need on their clients, all in one `plugin "docker"`
/// block: `allow_privileged` (default false) for privileged tasks and host pid/ipc/uts
/// namespaces, `allow_caps` beyond the defaults, `volumes { enabled }` (default false) for
/// bind mounts of client paths. The client refuses to start a task that needs one it lacks
/// (docker driver plugin options,
/// https://developer.hashicorp.com/nomad/docs/deploy/task-driver/docker#plugin-options).
fn driver_plugin(cx: &Cx) -> Vec<Step> {
    let mut reasons: Vec<String> = Vec::new();
    let mut source: Option<(String, Span)> = None;
    let mut privileged = false;
    let mut extra_caps: Vec<String> = Vec::new();
    let mut volumes = false;
    let mut podman = false;
    for (_, _, t) in cx.tasks() {
        if t.driver == "podman" {
            podman = true;
            continue;
        }
        if t.driver != "docker" {
            continue;
        }
        let svc = cx.by_task.get(&t.name).map(|s| s.name.as_str());
        let name = svc.unwrap_or(t.name.as_str());
        let mut note = |why: String, key: &str, source: &mut Option<(String, Span)>| {
            reasons.push(why);
            if source.is_none() {
                *source = svc.and_then(|s| cx.source(s, key));
            }
        };
        if t.privileged {
            privileged = true;
            note(
                format!("{name} runs privileged (`allow_privileged`)"),
                "privileged",
                &mut source,
            );
        }
        for option in &t.host_namespaces {
            privileged = true;
            let key = option.trim_end_matches("_mode");
            note(
                format!(
                    "{name} joins the client's {key} namespace (`{option} = \"host\"`): recent clients only allow host namespace modes with `allow_privileged` (Nomad 1.11.8 changelog)"
                ),
                key,
                &mut source,
            );
        }
        let extra: Vec<String> = t
            .cap_add
            .iter()
            .map(|c| {
                let c = c.to_ascii_uppercase();
                c.strip_prefix("CAP_").map(str::to_string).unwrap_or(c)
            })
            .filter(|c| !DEFAULT_CAPS.contains(&c.as_str()))
            .collect();
        if !extra.is_empty() {
            note(
                format!("{name} adds {} (`allow_caps`)", extra.join(", ")),
                "cap_add",
                &mut source,
            );
            extra_caps.extend(extra);
        }
        if t.host_binds {
            volumes = true;
            let key = cx
                .facts
                .host_paths
                .iter()
                .find(|h| Some(h.service.as_str()) == svc)
                .map_or("volumes", |h| h.key.as_str())
                .to_string();
            note(
                format!("{name} bind-mounts a path of the client (`volumes {{ enabled = true }}`)"),
                &key,
                &mut source,
            );
        }
    }
    let mut out = Vec::new();
    if podman {
        out.push(
            Step::new(
                StepKind::ClientConfig,
                "Podman task driver on every client",
                "The tasks use `driver = \"podman\"`, which is not built into Nomad: put the nomad-driver-podman binary in each client's `plugin_dir`, with Podman and its API socket running (https://developer.hashicorp.com/nomad/plugins/drivers/podman).",
            )
            .commands(["sudo systemctl enable --now podman.socket".into()]),
        );
    }
    if reasons.is_empty() {
        return out;
    }
    let mut config = Block::builder("config");
    if privileged {
        config = config.add_attribute(attr("allow_privileged", true));
    }
    if !extra_caps.is_empty() {
        extra_caps.sort();
        extra_caps.dedup();
        let mut caps: Vec<&str> = DEFAULT_CAPS.to_vec();
        caps.extend(extra_caps.iter().map(String::as_str));
        config = config.add_attribute(attr("allow_caps", strings(caps)));
    }
    if volumes {
        config = config.add_block(
            Block::builder("volumes")
                .add_attribute(attr("enabled", true))
                .build(),
        );
    }
    let plugin = Block::builder("plugin")
        .add_label("docker")
        .add_block(config.build())
        .build();
    reasons.dedup();
    let list: Vec<String> = reasons.iter().map(|r| format!("- {r}")).collect();
    let mut step = Step::new(
        StepKind::ClientConfig,
        "Docker driver allow-lists on every client",
        format!(
            "The docker driver refuses, by default, what these tasks ask for, and the client fails them at start:\n\n{}.\n\nAdd the block to the configuration of every client that may run them.{} See https://developer.hashicorp.com/nomad/docs/deploy/task-driver/docker#plugin-options.",
            list.join(";\n"),
            if extra_caps.is_empty() {
                ""
            } else {
                " `allow_caps` replaces Nomad's default list, so it repeats it (drivers/shared/capabilities) before the added capabilities."
            }
        ),
    )
    .config("hcl", print(vec![plugin]));
    step.source = source;
    out.push(step);
    out
}

/// Client host networks the groups' ports bind on (`loopback` for ports compose publishes
/// on 127.0.0.1, see [`super::ports::LOOPBACK_NETWORK`]).
fn host_networks(cx: &Cx) -> Vec<Step> {
    let mut names: Vec<&str> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    for g in cx.jobs.iter().flat_map(|j| &j.groups) {
        for n in &g.host_networks {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
            groups.push(g.name.clone());
        }
    }
    names
        .into_iter()
        .filter(|n| *n == super::ports::LOOPBACK_NETWORK)
        .map(|n| {
            let source = cx.project.services.values().find_map(|s| {
                let i = s.ports.iter().position(|p| {
                    p.host_ip.as_deref().is_some_and(super::ports::loopback)
                })?;
                cx.source(&s.name, &format!("ports[{i}]"))
            });
            let client = Block::builder("client")
                .add_block(
                    Block::builder("host_network")
                        .add_label(n)
                        .add_attribute(attr("cidr", literal("127.0.0.1/32")))
                        .build(),
                )
                .build();
            let mut step = Step::new(
                StepKind::ClientConfig,
                format!("Host network {n:?} on every client"),
                format!(
                    "Ports compose publishes on 127.0.0.1 (in {}) bind on the client's host network {n:?}, so they stay reachable from the client only, as in compose: Nomad forwards such a port on that network's address alone, and cannot place the group on a client without it. See https://developer.hashicorp.com/nomad/docs/job-specification/network#host-networks and https://developer.hashicorp.com/nomad/docs/configuration/client#host_network-block.",
                    some(&groups)
                ),
            )
            .config("hcl", print(vec![client]));
            step.source = source;
            step
        })
        .collect()
}

/// The agent restart that applies the client settings of the steps before it: a client
/// reads `meta`, `host_volume`, `host_network` and plugin options when it starts, and
/// reattaches to its running tasks after a restart.
fn restart(before: &[Step]) -> Option<Step> {
    let changes_client = before.iter().any(|s| {
        s.config
            .as_ref()
            .is_some_and(|(_, text)| text.starts_with("client ") || text.starts_with("plugin "))
    });
    changes_client.then(|| {
        Step::new(
            StepKind::ClientConfig,
            "Restart the client agents",
            "A Nomad client reads the `client` and `plugin` settings above when it starts: restart each client you changed, one at a time (it reattaches to the tasks it runs).",
        )
        .commands(["sudo systemctl restart nomad".into()])
    })
}

/// HCL blocks printed as `nomad fmt` would.
fn print(blocks: Vec<Block>) -> String {
    let mut body = Body::builder();
    for b in blocks {
        body = body.add_block(b);
    }
    super::hcl::print(&body.build()).unwrap_or_default()
}

/// `a, b and c`, or the first few and how many more.
fn some(names: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut unique: Vec<&str> = Vec::new();
    for n in names {
        if !unique.contains(&n.as_str()) {
            unique.push(n);
        }
    }
    match unique.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        all if all.len() > SHOWN => format!(
            "{} and {} more",
            all.iter()
                .take(SHOWN)
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            all.len() - SHOWN
        ),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// "it" or "them", for the services `names` (which may repeat).
fn them(names: &[String]) -> &'static str {
    if unique_count(names) > 1 {
        "them"
    } else {
        "it"
    }
}

/// How many different names `names` holds (for "runs" or "run").
fn unique_count(names: &[String]) -> usize {
    let mut seen: Vec<&String> = Vec::new();
    for n in names {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    seen.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(
            sh("db_password=@secrets/pw.txt"),
            "db_password=@secrets/pw.txt"
        );
        assert_eq!(sh("rack=r 1"), "'rack=r 1'");
        assert_eq!(sh("it's"), "'it'\\''s'");
        assert_eq!(sh("data[0]"), "'data[0]'");
        assert_eq!(sh(""), "''");
    }

    #[test]
    fn name_lists_read_as_prose() {
        let v = |names: &[&str]| some(&names.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(v(&["a"]), "a");
        assert_eq!(v(&["a", "b", "a"]), "a and b");
        assert_eq!(v(&["a", "b", "c"]), "a, b and c");
        assert_eq!(
            v(&["1", "2", "3", "4", "5", "6", "7", "8"]),
            "1, 2, 3, 4, 5, 6 and 2 more"
        );
    }

    #[test]
    fn a_second_value_under_one_key_gets_its_own_key() {
        let facts = Facts::default();
        let item = |key: &str, file: &str| Item {
            path: "nomad/jobs/j/g".into(),
            key: key.into(),
            value: Value::File(file.into()),
            service: "s".into(),
            key_path: "secrets[0]".into(),
            what: "secret".into(),
        };
        assert_eq!(facts.item(item("tls", "/p/a")), "tls");
        assert_eq!(facts.item(item("tls", "/p/a")), "tls");
        assert_eq!(facts.item(item("tls", "/p/b")), "tls_2");
    }
}
