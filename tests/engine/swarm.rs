//! The Swarm target: `transship convert --to swarm`, deployed with `docker stack deploy` on
//! the one-node swarm. The harness deploys a copy made deployable here (see `HARNESS_EDITS`);
//! the converted stack itself is not changed.

use crate::compose::{containers, logs};
use crate::deploy::{Ctx, Deployment};
use crate::observe::Observed;
use crate::probe::{Run, parse_runs};
use crate::scenario::{Scenario, Step, copy_tree};
use crate::sh::{docker, run, secs};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

/// What the harness changes in its copy of each stack, and why.
pub const HARNESS_EDITS: &[&str] = &[
    "every service gets deploy.endpoint_mode: dnsrr (this kernel has no IPVS: no virtual IPs)",
    "published ports get mode: host (no routing mesh without IPVS)",
];

/// `docker node update` is read-modify-write on the node's spec: two scenarios labelling the
/// one node at once would fail with "update out of sequence".
static NODE_SPEC: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A task container's creation time and runs.
type CreatedRuns<'a> = (&'a String, &'a Vec<Run>);

pub struct Swarm {
    stack: String,
    /// Services as compose names them, to map stateful members `<svc>-<i>` back.
    services: BTreeSet<String>,
    /// Every task container seen: id → (service, slot, created, runs); read while it exists.
    seen: BTreeMap<String, (String, u32, String, Vec<Run>)>,
    replicas: BTreeMap<String, String>,
    ctx: Ctx,
    scenario: Scenario,
    /// The operator's copy of the project, and where its conversion goes.
    dir: std::path::PathBuf,
    out: std::path::PathBuf,
}

/// Makes a converted stack deployable on this one-node swarm without IPVS.
pub fn harness_copy(stack: &mut Value) {
    let Some(services) = stack.get_mut("services").and_then(Value::as_object_mut) else {
        return;
    };
    for svc in services.values_mut() {
        let Some(svc) = svc.as_object_mut() else {
            continue;
        };
        let deploy = svc.entry("deploy").or_insert_with(|| json!({}));
        if let Some(d) = deploy.as_object_mut() {
            d.insert("endpoint_mode".into(), json!("dnsrr"));
        }
        if let Some(ports) = svc.get_mut("ports").and_then(Value::as_array_mut) {
            for p in ports.iter_mut() {
                *p = host_port(p);
            }
        }
    }
}

/// A port in long syntax with mode: host.
fn host_port(p: &Value) -> Value {
    let mut long = match p {
        Value::Object(m) => m.clone(),
        other => {
            let text = other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_string);
            let (spec, protocol) = text.split_once('/').unwrap_or((&text, "tcp"));
            let parts: Vec<&str> = spec.rsplitn(2, ':').collect();
            let mut m = serde_json::Map::new();
            m.insert("target".into(), json!(parts[0].parse::<u64>().unwrap_or(0)));
            if let Some(published) = parts.get(1) {
                let published = published.rsplit(':').next().unwrap_or(published);
                m.insert(
                    "published".into(),
                    json!(published.parse::<u64>().unwrap_or(0)),
                );
            }
            m.insert("protocol".into(), json!(protocol));
            m
        }
    };
    long.insert("mode".into(), json!("host"));
    Value::Object(long)
}

impl Swarm {
    pub fn up(
        sc: &Scenario,
        ctx: &Ctx,
        services: BTreeSet<String>,
    ) -> Result<Box<dyn Deployment>, String> {
        let base = ctx.work.join(&sc.name).join("swarm");
        let dir = base.join("project");
        copy_tree(&sc.source, &dir).map_err(|e| format!("copy: {e}"))?;
        let mut swarm = Swarm {
            stack: sc.project.clone(),
            services,
            seen: BTreeMap::new(),
            replicas: BTreeMap::new(),
            ctx: ctx.clone(),
            scenario: sc.clone(),
            dir,
            out: base.join("stack"),
        };
        if let Err(e) = swarm.deploy() {
            // A refused deploy may have created the stack's networks already.
            swarm.teardown();
            return Err(e);
        }
        Ok(Box::new(swarm))
    }

    /// Converts the project copy and deploys it as an operator would: the node plan (labels,
    /// and the secrets Swarm cannot read from the environment) as DEPLOY.md says, with the
    /// project's .env, then `docker stack deploy`. Run again after an edit, it is the
    /// operator's second deploy.
    fn deploy(&self) -> Result<(), String> {
        let (sc, out) = (&self.scenario, &self.out);
        crate::systemd::convert(&self.ctx, sc, &self.dir, out, "swarm")?;
        let file = out.join(format!("{}.stack.yaml", sc.project));
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut stack: Value = yaml_serde::from_str(&text).map_err(|e| format!("stack: {e}"))?;
        harness_copy(&mut stack);
        let copy = out.join("harness.stack.yaml");
        std::fs::write(
            &copy,
            yaml_serde::to_string(&stack).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        let copy = copy.display().to_string();
        // This node is every node: the plan's per-node files go here.
        for cmd in host_file_commands(&out.join("DEPLOY.md")) {
            run(
                std::process::Command::new("sh")
                    .args(["-c", &cmd])
                    .current_dir(out),
                secs(30),
            )
            .checked(&format!("DEPLOY.md: {cmd}"))?;
        }
        let plan = out.join(format!("{}.nodes.sh", sc.project));
        if plan.is_file() {
            let _node = NODE_SPEC
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            run_plan(&plan, &self.dir)?;
        }
        let deploy = [
            "stack",
            "deploy",
            "--resolve-image",
            "never",
            "-c",
            &copy,
            &sc.project,
        ];
        docker(&deploy, secs(120))
            .checked("docker stack deploy")
            .map(|_| ())
    }

    /// (compose service, slot) of a task of stack service `name`.
    fn slot_of(&self, name: &str, slot: &str) -> (String, u32) {
        let name = name
            .strip_prefix(&format!("{}_", self.stack))
            .unwrap_or(name);
        // A job's tasks (and a global service's) are named by a task or node id, not a
        // slot: on one node there is one of them at a time, compose's container 1.
        let slot: u32 = slot.parse().unwrap_or(1);
        if !self.services.contains(name)
            && let Some((base, i)) = name.rsplit_once('-')
            && self.services.contains(base)
            && let Ok(i) = i.parse()
        {
            return (base.to_string(), i);
        }
        (name.to_string(), slot)
    }

    fn stack_services(&self) -> Vec<(String, String)> {
        let out = docker(
            &[
                "service",
                "ls",
                "--filter",
                &format!("label=com.docker.stack.namespace={}", self.stack),
                "--format",
                "{{.Name}}\t{{.Replicas}}",
            ],
            secs(20),
        )
        .stdout;
        out.lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn task_containers(&self, service: &str) -> Vec<String> {
        let filter = format!(
            "label=com.docker.swarm.service.name={}_{service}",
            self.stack
        );
        containers(&filter, &[])
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.last().map(String::as_str) == Some("running"))
            .filter_map(|r| r.first().cloned())
            .collect()
    }

    fn members(&self, service: &str) -> Vec<String> {
        self.stack_services()
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| {
                let short = n.strip_prefix(&format!("{}_", self.stack)).unwrap_or(n);
                short == service
                    || short
                        .rsplit_once('-')
                        .is_some_and(|(b, i)| b == service && i.parse::<u32>().is_ok())
            })
            .collect()
    }
}

impl Deployment for Swarm {
    fn observe(&mut self) -> Result<(Observed, bool), String> {
        let rows = containers(
            &format!("label=com.docker.stack.namespace={}", self.stack),
            &[
                "com.docker.swarm.service.name",
                "com.docker.swarm.task.name",
            ],
        )?;
        let mut busy = false;
        for row in rows {
            let [id, name, task, state] = row.as_slice() else {
                continue;
            };
            // Task names are <service>.<slot>.<task id> (global services: the node id).
            let slot = task
                .strip_prefix(&format!("{name}."))
                .and_then(|t| t.split('.').next())
                .unwrap_or("");
            busy |= matches!(state.as_str(), "created" | "restarting" | "removing");
            let (service, slot) = self.slot_of(name, slot);
            let created = docker(&["inspect", "-f", "{{.Created}}", id], secs(10)).stdout;
            let runs = parse_runs(&logs(id));
            busy |= state == "running" && !runs.last().is_some_and(Run::alive);
            let entry = self
                .seen
                .entry(id.clone())
                .or_insert_with(|| (service, slot, created.trim().to_string(), Vec::new()));
            if runs.len() >= entry.3.len() {
                entry.3 = runs;
            }
        }
        // Desired replica counts, for `start` after `stop` (scale back to them).
        for (name, replicas) in self.stack_services() {
            if !replicas.starts_with("0/0") {
                self.replicas.insert(name, replicas);
            }
        }
        let mut by_slot: BTreeMap<(String, u32), Vec<CreatedRuns>> = BTreeMap::new();
        for (service, slot, created, runs) in self.seen.values() {
            by_slot
                .entry((service.clone(), *slot))
                .or_default()
                .push((created, runs));
        }
        let mut obs = Observed::default();
        for ((service, slot), mut tasks) in by_slot {
            tasks.sort_by(|a, b| a.0.cmp(b.0));
            for (_, runs) in tasks {
                obs.add(&service, slot, runs.clone());
            }
        }
        Ok((obs, busy))
    }

    fn step(&mut self, step: &Step) -> Result<(), String> {
        if step.action == "redeploy" {
            step.edit(&self.dir)?;
            return self.deploy();
        }
        for member in self.members(&step.service) {
            let out = match step.action.as_str() {
                "restart" => docker(
                    &["service", "update", "--force", "--detach", &member],
                    secs(60),
                ),
                "stop" => docker(
                    &["service", "scale", "--detach", &format!("{member}=0")],
                    secs(60),
                ),
                "start" => {
                    let want = self
                        .replicas
                        .get(&member)
                        .and_then(|r| r.split_once('/'))
                        .map_or("1".to_string(), |(_, w)| {
                            w.split_whitespace().next().unwrap_or("1").to_string()
                        });
                    let want = if want == "0" { "1".to_string() } else { want };
                    docker(
                        &["service", "scale", "--detach", &format!("{member}={want}")],
                        secs(60),
                    )
                }
                "reload" => {
                    let short = member
                        .strip_prefix(&format!("{}_", self.stack))
                        .unwrap_or(&member)
                        .to_string();
                    for id in self.task_containers(&short) {
                        docker(&["kill", "-s", "SIGHUP", &id], secs(20));
                    }
                    continue;
                }
                other => return Err(format!("unknown step {other}")),
            };
            out.checked(&format!("swarm {}", step.action))?;
        }
        Ok(())
    }

    fn teardown(&mut self) {
        docker(&["stack", "rm", &self.stack], secs(60));
        // The node plan's labels (`<project>.<svc>.<i>`): the next run labels afresh.
        {
            let _node = NODE_SPEC
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let labels = docker(
                &[
                    "node",
                    "inspect",
                    "self",
                    "--format",
                    "{{.ID}} {{json .Spec.Labels}}",
                ],
                secs(20),
            )
            .stdout;
            // `node update` takes no `self`: the node's id.
            let (node, labels) = labels.trim().split_once(' ').unwrap_or_default();
            let labels: BTreeMap<String, String> = serde_json::from_str(labels).unwrap_or_default();
            for key in labels
                .keys()
                .filter(|k| k.starts_with(&format!("{}.", self.stack)))
            {
                docker(&["node", "update", "--label-rm", key, node], secs(20));
            }
        }
        // The plan's secrets and configs: external to the stack, so `stack rm` keeps them.
        for kind in ["secret", "config"] {
            let ls = docker(&[kind, "ls", "--format", "{{.Name}}"], secs(20)).stdout;
            let prefix = format!("{}_", self.stack);
            for name in ls.lines().filter(|l| l.starts_with(&prefix)) {
                docker(&[kind, "rm", name], secs(20));
            }
        }
        // Wait until its networks and containers are gone, or the next stack of this name
        // (or a later scenario's network) collides with them.
        let filter = format!("label=com.docker.stack.namespace={}", self.stack);
        // A finished job's task containers outlive `stack rm` (and hold its volumes).
        for row in containers(&filter, &[]).unwrap_or_default() {
            if let Some(id) = row.first() {
                docker(&["rm", "-f", "-v", id], secs(30));
            }
        }
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            let nets = docker(&["network", "ls", "-q", "--filter", &filter], secs(20)).stdout;
            let ctrs = containers(&filter, &[]).unwrap_or_default();
            if nets.trim().is_empty() && ctrs.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        let vols = docker(&["volume", "ls", "-q", "--filter", &filter], secs(20)).stdout;
        for v in vols.lines().filter(|l| !l.is_empty()) {
            docker(&["volume", "rm", "-f", v], secs(30));
        }
    }
}

/// The commands of DEPLOY.md's "Files on the nodes" section (what an operator runs on each
/// node before the deploy).
pub fn host_file_commands(deploy_md: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(deploy_md).unwrap_or_default();
    let mut out = Vec::new();
    let (mut in_section, mut in_block) = (false, false);
    for line in text.lines() {
        if line.starts_with("## ") {
            in_section = line.ends_with(" Files on the nodes");
        } else if in_section && line == "```sh" {
            in_block = true;
        } else if in_block && line == "```" {
            in_block = false;
        } else if in_block {
            out.push(line.to_string());
        }
    }
    out
}

/// Run the node plan `plan` with the variables of the project's `.env` and every `NODE_*`
/// it names set to this node (`self`): one node carries every label.
fn run_plan(plan: &Path, project_dir: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(plan).map_err(|e| format!("{}: {e}", plan.display()))?;
    let mut cmd = std::process::Command::new("sh");
    cmd.arg(plan);
    let dotenv = std::fs::read_to_string(project_dir.join(".env")).unwrap_or_default();
    for line in dotenv.lines().filter(|l| !l.trim_start().starts_with('#')) {
        if let Some((k, v)) = line.split_once('=') {
            cmd.env(k.trim(), v);
        }
    }
    let mut rest = text.as_str();
    while let Some(at) = rest.find("NODE_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        cmd.env(&name, "self");
        rest = &rest[at + name.len()..];
    }
    run(&mut cmd, secs(60)).checked("node plan").map(|_| ())
}
