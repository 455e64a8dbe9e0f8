//! The oracle: `docker compose up -d` of a copy of the scenario.

use crate::deploy::{Ctx, Deployment};
use crate::observe::Observed;
use crate::probe::parse_runs;
use crate::scenario::{Scenario, Step, copy_tree};
use crate::sh::{Output, docker, run, secs};
use std::path::PathBuf;
use std::process::Command;

pub struct Compose {
    ctx: Ctx,
    project: String,
    dir: PathBuf,
    files: Vec<String>,
    profiles: Vec<String>,
    /// Every container seen: id → (service, slot, created, runs), kept after a redeploy
    /// replaces it (the runs of a slot span its containers, as a unit's journal does).
    seen: std::collections::BTreeMap<String, (String, u32, String, Vec<crate::probe::Run>)>,
}

/// Containers of a compose project (or of any label filter): id, labels asked for, state.
pub fn containers(filter: &str, labels: &[&str]) -> Result<Vec<Vec<String>>, String> {
    let mut format = String::from("{{.ID}}");
    for l in labels {
        format.push_str(&format!("\t{{{{.Label \"{l}\"}}}}"));
    }
    format.push_str("\t{{.State}}");
    let out = docker(
        &[
            "ps",
            "-a",
            "--no-trunc",
            "--filter",
            filter,
            "--format",
            &format,
        ],
        secs(20),
    )
    .checked("docker ps")?;
    Ok(out
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect())
}

/// What a container printed on stdout.
pub fn logs(id: &str) -> String {
    docker(&["logs", id], secs(20)).stdout
}

impl Compose {
    pub fn up(sc: &Scenario, ctx: &Ctx) -> Result<Box<dyn Deployment>, String> {
        let dir = ctx.work.join(&sc.name).join("compose");
        copy_tree(&sc.source, &dir).map_err(|e| format!("copy: {e}"))?;
        // Whatever an interrupted earlier run left under this project's names.
        crate::systemd::cleanup_engine(sc);
        let c = Compose {
            ctx: ctx.clone(),
            project: sc.project.clone(),
            dir,
            files: sc.case.files.clone(),
            profiles: sc.case.profiles.clone(),
            seen: std::collections::BTreeMap::new(),
        };
        let up = c.compose(&["up", "-d"], 120);
        if !up.ok {
            // A dependency that failed or never got healthy: compose says so and stops; what
            // did start is still observed.
            eprintln!("[{}] compose up: {}", c.project, up.stderr.trim());
        }
        Ok(Box::new(c))
    }

    fn compose(&self, args: &[&str], limit: u64) -> Output {
        // The Go binary reserves address space generously; cap it so a runaway cannot take
        // the machine (4 GiB of address space, far above what it touches).
        let mut cmd = Command::new("prlimit");
        cmd.arg("--as=4294967296")
            .arg("--")
            .arg(&self.ctx.compose)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", std::env::var("HOME").unwrap_or_default())
            .args(["-p", &self.project]);
        for f in &self.files {
            cmd.args(["-f", f]);
        }
        for p in &self.profiles {
            cmd.args(["--profile", p]);
        }
        run(cmd.args(args), secs(limit))
    }
}

impl Deployment for Compose {
    fn observe(&mut self) -> Result<(Observed, bool), String> {
        let rows = containers(
            &format!("label=com.docker.compose.project={}", self.project),
            &[
                "com.docker.compose.service",
                "com.docker.compose.container-number",
            ],
        )?;
        let mut busy = false;
        for row in rows {
            let [id, service, number, state] = row.as_slice() else {
                continue;
            };
            busy |= matches!(state.as_str(), "created" | "restarting" | "removing");
            let slot = number.parse().unwrap_or(0);
            let runs = parse_runs(&logs(id));
            // Running, but its last run ended: it was restarted and has not printed yet.
            busy |= state == "running" && !runs.last().is_some_and(crate::probe::Run::alive);
            let entry = self.seen.entry(id.clone()).or_insert_with(|| {
                let created = docker(&["inspect", "-f", "{{.Created}}", id], secs(10)).stdout;
                (
                    service.clone(),
                    slot,
                    created.trim().to_string(),
                    Vec::new(),
                )
            });
            if runs.len() >= entry.3.len() {
                entry.3 = runs;
            }
        }
        let mut by_created: Vec<_> = self.seen.values().collect();
        by_created.sort_by(|a, b| a.2.cmp(&b.2));
        let mut obs = Observed::default();
        for (service, slot, _, runs) in by_created {
            obs.add(service, *slot, runs.clone());
        }
        Ok((obs, busy))
    }

    fn step(&mut self, step: &Step) -> Result<(), String> {
        let out = match step.action.as_str() {
            "restart" => self.compose(&["restart", &step.service], 60),
            "stop" => self.compose(&["stop", &step.service], 60),
            "start" => self.compose(&["start", &step.service], 60),
            "reload" => self.compose(&["kill", "-s", "SIGHUP", &step.service], 30),
            "redeploy" => {
                // Compose does not notice an edited secret or config file (its config hash
                // covers the model, not the files): its users recreate the service.
                // Stopped first and observed once, which `--force-recreate` would do itself:
                // the old containers' last lines (the SIGTERM) are read before they go.
                step.edit(&self.dir)?;
                self.compose(&["stop", &step.service], 60)
                    .checked("compose stop")?;
                self.observe()?;
                self.compose(
                    &["up", "-d", "--no-deps", "--force-recreate", &step.service],
                    120,
                )
            }
            other => return Err(format!("unknown step {other}")),
        };
        out.checked(&format!("compose {}", step.action)).map(|_| ())
    }

    fn teardown(&mut self) {
        // Restart policies off first: dockerd 20.10 can leak a network endpoint when it
        // removes a container it is about to restart.
        if let Ok(rows) = containers(
            &format!("label=com.docker.compose.project={}", self.project),
            &[],
        ) {
            for row in rows {
                if let Some(id) = row.first() {
                    docker(&["update", "--restart=no", id], secs(10));
                }
            }
        }
        self.compose(&["down", "-v", "--remove-orphans", "-t", "3"], 90);
    }
}
