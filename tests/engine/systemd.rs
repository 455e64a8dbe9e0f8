//! The systemd target: `transship convert --to systemd`, installed in a container that runs
//! systemd as PID 1 and drives the outer engine through its socket.

use crate::compose::containers;
use crate::deploy::{Ctx, Deployment};
use crate::observe::Observed;
use crate::probe::parse_runs;
use crate::scenario::{Scenario, Step, copy_tree};
use crate::sh::{Output, docker, run, secs};
use std::path::Path;
use std::process::Command;

/// An instance unit: (unit, service, slot, ActiveState, SubState).
type UnitState = (String, String, u32, String, String);

pub struct Systemd {
    project: String,
    /// Instance units: named by the converted targets, or seen loaded (a unit that is
    /// stopped or waiting to restart may not match a glob).
    known: std::collections::BTreeSet<String>,
    /// Unit templates that run no container (`<svc>-healthy@.service`, where a health wait
    /// runs): not instances of a service.
    waits: std::collections::BTreeSet<String>,
    /// The systemd container.
    machine: String,
    ctx: Ctx,
    scenario: Scenario,
    /// The project copy, and its units.
    dir: std::path::PathBuf,
    out: std::path::PathBuf,
}

/// Converts the scenario's copy in `dir` into `out`.
pub fn convert(
    ctx: &Ctx,
    sc: &Scenario,
    dir: &Path,
    out: &Path,
    target: &str,
) -> Result<(), String> {
    let mut cmd = Command::new(&ctx.transship);
    cmd.current_dir(dir)
        .args([
            "convert",
            "--hermetic",
            "--to",
            target,
            "-p",
            &sc.project,
            "-o",
        ])
        .arg(out);
    if target == "systemd" && sc.case.etcd {
        cmd.args(["--env-from", "etcd"]);
    }
    if target == "systemd" {
        // Secret and config files are bind-mounted from the env dir, and the outer engine
        // resolves bind sources on the host: the env dir must be at the same path on both,
        // so it lives beside the project in the directory shared with the systemd container.
        let env_dir = dir.parent().unwrap_or(dir).join("etc");
        cmd.arg("--project-root")
            .arg(dir)
            .arg("--env-dir")
            .arg(env_dir);
    }
    for f in &sc.case.files {
        cmd.args(["-f", f]);
    }
    for p in &sc.case.profiles {
        cmd.args(["--profile", p]);
    }
    run(&mut cmd, secs(30))
        .checked("transship convert")
        .map(|_| ())
}

/// The etcd `.ci/engine/up.sh` starts (`TRANSSHIP_ETCD` overrides).
pub fn etcd_endpoint() -> String {
    std::env::var("TRANSSHIP_ETCD").unwrap_or_else(|_| "http://127.0.0.1:23790".into())
}

/// Writes the scenario's values where its units read them: a fresh
/// `/environment/<project>/`, then `transship push-config` as an operator runs it.
fn push_env(ctx: &Ctx, sc: &Scenario, dir: &Path) -> Result<(), String> {
    let endpoint = etcd_endpoint();
    run(
        Command::new("etcdctl")
            .env("ETCDCTL_ENDPOINTS", &endpoint)
            .args([
                "del",
                "--prefix",
                "--",
                &format!("/environment/{}/", sc.project),
            ]),
        secs(20),
    )
    .checked("etcdctl del")?;
    let mut cmd = Command::new(&ctx.transship);
    cmd.current_dir(dir)
        .env("ETCDCTL_ENDPOINTS", &endpoint)
        .args(["--hermetic", "-p", &sc.project]);
    for f in &sc.case.files {
        cmd.args(["-f", f]);
    }
    run(cmd.args(["push-config", "--to", "etcd"]), secs(30))
        .checked("transship push-config")
        .map(|_| ())
}

/// Where the units read their env files from (`EnvironmentFile=`), else /etc/<project>.
pub fn env_dir(out: &Path, project: &str) -> String {
    let mut dir = format!("/etc/{project}");
    for entry in std::fs::read_dir(out).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines() {
            if let Some(path) = line.strip_prefix("EnvironmentFile=") {
                let path = path.trim_start_matches('-');
                if let Some(parent) = Path::new(path).parent() {
                    dir = parent.display().to_string();
                }
            }
        }
    }
    dir
}

impl Systemd {
    /// Converts a fresh copy of the scenario and starts it; `mutate` may edit the output
    /// first (the mutant check).
    pub fn up(
        sc: &Scenario,
        ctx: &Ctx,
        label: &str,
        mutate: &dyn Fn(&Path) -> Result<(), String>,
    ) -> Result<Box<dyn Deployment>, String> {
        let base = ctx.work.join(&sc.name).join(label);
        let dir = base.join("project");
        let out = base.join("units");
        copy_tree(&sc.source, &dir).map_err(|e| format!("copy: {e}"))?;
        convert(ctx, sc, &dir, &out, "systemd")?;
        if sc.case.etcd {
            push_env(ctx, sc, &dir)?;
        }
        mutate(&out)?;
        let machine = format!("tshr-sd-{}-{label}", sc.name);
        docker(&["rm", "-f", &machine], secs(30));
        run(
            Command::new("bash")
                .arg(ctx.repo.join(".ci/engine/systemd-container.sh"))
                .arg(&machine)
                .arg(&base)
                .env("SYSTEMD_HOST_NETWORK", if sc.case.etcd { "1" } else { "0" }),
            secs(120),
        )
        .checked("systemd-container.sh")?;
        let d = Systemd {
            project: sc.project.clone(),
            known: instance_units(&out, &sc.project),
            waits: wait_templates(&out),
            machine,
            ctx: ctx.clone(),
            scenario: sc.clone(),
            dir,
            out,
        };
        d.install()?;
        let start = d.exec(&format!("systemctl start {}.target", sc.project), 120);
        if !start.ok {
            eprintln!("[{}] systemctl start: {}", sc.project, start.stderr.trim());
        }
        Ok(Box::new(d))
    }

    /// Copies the units and env files where the install plan puts them, and reloads systemd.
    fn install(&self) -> Result<(), String> {
        let env = env_dir(&self.out, &self.project);
        let out = self.out.display();
        // The etcd settings file DEPLOY.md has the operator write.
        let etcd = if self.scenario.case.etcd {
            format!(
                "printf 'ETCDCTL_ENDPOINTS=%s\\n' {} > {env}/etcd.env; ",
                etcd_endpoint()
            )
        } else {
            String::new()
        };
        let install = format!(
            "set -e; cd {out}; for u in *.service *.target; do [ -f \"$u\" ] && cp \"$u\" /etc/systemd/system/; done; \
             mkdir -p {env}; if [ -d env ]; then cp -a env/. {env}/; fi; {etcd}systemctl daemon-reload"
        );
        self.exec(&install, 60).checked("install units").map(|_| ())
    }

    fn exec(&self, script: &str, limit: u64) -> Output {
        docker(&["exec", &self.machine, "sh", "-c", script], secs(limit))
    }

    /// Instance units of the project: (unit, service, slot, active state, sub state).
    fn units(&mut self) -> Result<Vec<UnitState>, String> {
        let listed = self
            .exec(
                &format!(
                    "systemctl list-units --all --plain --no-legend '{}-*@*.service'",
                    self.project
                ),
                30,
            )
            .stdout;
        for line in listed.lines() {
            if let Some(unit) = line.split_whitespace().next() {
                self.known.insert(unit.to_string());
            }
        }

        if self.known.is_empty() {
            return Ok(Vec::new());
        }
        let names: Vec<&str> = self.known.iter().map(String::as_str).collect();
        let out = self
            .exec(
                &format!(
                    "systemctl show -p Id,ActiveState,SubState {}",
                    names.join(" ")
                ),
                30,
            )
            .checked("systemctl show")?;
        let mut units = Vec::new();
        for block in out.split("\n\n") {
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}=")))
                    .unwrap_or("")
                    .to_string()
            };
            let id = field("Id");
            let Some(rest) = id
                .strip_prefix(&format!("{}-", self.project))
                .and_then(|r| r.strip_suffix(".service"))
            else {
                continue;
            };
            let Some((service, instance)) = rest.rsplit_once('@') else {
                continue;
            };
            let slot = instance.parse().unwrap_or(0);
            units.push((
                id.clone(),
                service.into(),
                slot,
                field("ActiveState"),
                field("SubState"),
            ));
        }
        Ok(units)
    }

    fn instances(&self, service: &str) -> String {
        let prefix = format!("{}-{service}@", self.project);
        let units: Vec<&str> = self
            .known
            .iter()
            .filter(|u| u.starts_with(&prefix))
            .map(String::as_str)
            .collect();
        units.join(" ")
    }
}

impl Deployment for Systemd {
    fn observe(&mut self) -> Result<(Observed, bool), String> {
        let mut obs = Observed::default();
        let mut busy = false;
        // A start job still queued (waiting for a dependency) leaves its unit inactive.
        busy |= !self
            .exec("systemctl list-jobs --no-legend", 30)
            .stdout
            .trim()
            .is_empty();
        for (unit, service, slot, active, sub) in self.units()? {
            busy |= matches!(active.as_str(), "activating" | "deactivating" | "reloading")
                || sub == "auto-restart";
            let template = unit.split_once('@').map(|(p, _)| format!("{p}@.service"));
            if template.is_some_and(|t| self.waits.contains(&t)) {
                // A health wait, not a service: it only keeps the settle waiting.
                continue;
            }
            // `--rm` containers vanish: what they printed is in the unit's journal.
            let journal = self
                .exec(&format!("journalctl -o cat --no-pager -u {unit}"), 30)
                .stdout;
            let runs = parse_runs(&journal);
            // Running, but its last run ended: a new start that has not printed yet.
            busy |= sub == "running" && !runs.last().is_some_and(crate::probe::Run::alive);
            if !runs.is_empty() || active == "active" {
                obs.add(&service, slot, runs);
            }
        }
        Ok((obs, busy))
    }

    fn step(&mut self, step: &Step) -> Result<(), String> {
        let units = self.instances(&step.service);
        if step.action == "redeploy" {
            // A new conversion installed, then the edited service restarted.
            step.edit(&self.dir)?;
            convert(&self.ctx, &self.scenario, &self.dir, &self.out, "systemd")?;
            if self.scenario.case.etcd {
                push_env(&self.ctx, &self.scenario, &self.dir)?;
            }
            self.install()?;
        }
        let cmd = match step.action.as_str() {
            "redeploy" => format!("systemctl restart {units}"),
            "restart" | "stop" | "start" | "reload" => format!("systemctl {} {units}", step.action),
            other => return Err(format!("unknown step {other}")),
        };
        self.exec(&cmd, 90).checked(&cmd).map(|_| ())
    }

    fn teardown(&mut self) {
        self.exec(
            &format!(
                "timeout 60 systemctl stop {}.target '{}-*'",
                self.project, self.project
            ),
            70,
        );
        docker(&["rm", "-f", &self.machine], secs(30));
        cleanup_engine(&self.scenario);
    }
}

/// The instance units the converted targets start (`<project>-<svc>@<i>.service`).
fn instance_units(out: &Path, project: &str) -> std::collections::BTreeSet<String> {
    let mut units = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(out).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "target") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for word in text.split(|c: char| c.is_whitespace() || c == '=') {
                if word.starts_with(&format!("{project}-"))
                    && word.contains('@')
                    && word.ends_with(".service")
                {
                    units.insert(word.to_string());
                }
            }
        }
    }
    units
}

/// The unit templates of `out` that wait for something instead of running a container.
fn wait_templates(out: &Path) -> std::collections::BTreeSet<String> {
    let mut waits = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(out).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if name.ends_with("@.service") && !text.contains(" start -a ") && !text.contains(" run ") {
            waits.insert(name);
        }
    }
    waits
}

/// Removes what units of the scenario's project left on the outer engine: containers
/// (restart policy off first), networks and volumes `<project>_*` and those the project
/// names itself (`name:`, `container_name:`).
pub fn cleanup_engine(sc: &Scenario) {
    let project = sc.project.as_str();
    // Compose's and the units' containers by name; Swarm's task containers (a finished job's
    // stay after `stack rm` and keep the stack's volumes in use) by their stack label.
    let mut filters = vec![
        format!("name=^{project}-"),
        format!("label=com.docker.stack.namespace={project}"),
    ];
    filters.extend(sc.named.containers.iter().map(|n| format!("name=^{n}$")));
    for filter in &filters {
        let Ok(rows) = containers(filter, &[]) else {
            continue;
        };
        for row in rows {
            if let Some(id) = row.first() {
                docker(&["update", "--restart=no", id], secs(10));
                docker(&["rm", "-f", "-v", id], secs(30));
            }
        }
    }
    // `ls --filter name=` matches substrings: keep the exact prefix here.
    let prefix = format!("{project}_");
    for (kind, named) in [
        ("network", &sc.named.networks),
        ("volume", &sc.named.volumes),
    ] {
        let ls = docker(&[kind, "ls", "--format", "{{.Name}}"], secs(20)).stdout;
        for name in ls
            .lines()
            .filter(|l| l.starts_with(&prefix) || named.contains(*l))
        {
            docker(&[kind, "rm", name], secs(30));
        }
    }
}
