//! The rollout check: the generated `<project>-<service>.rollout.sh` run for real under the
//! systemd container. Version 1 of `fixtures/engine-rollout` runs three healthy instances;
//! version 2 (an override) is installed with instance 2's volume holding the flag that
//! makes its new healthcheck fail. The script must update @1, report @2 and roll it back to
//! its previous container (healthy again), leave @3 untouched, and exit 1.

use crate::deploy::Ctx;
use crate::scenario::{Case, Named, Scenario, copy_tree};
use crate::sh::{docker, run, secs};
use std::process::Command;
use std::time::{Duration, Instant};

const PROJECT: &str = "tsh-rollout";

fn scenario(ctx: &Ctx, files: &[&str]) -> Scenario {
    Scenario {
        name: "rollout".into(),
        project: PROJECT.into(),
        source: ctx.repo.join("fixtures/engine-rollout"),
        case: Case {
            files: files.iter().map(|f| f.to_string()).collect(),
            profiles: Vec::new(),
            steps: Vec::new(),
            by_design: Default::default(),
            mutant: None,
            about: String::new(),
            etcd: false,
        },
        named: Named::default(),
    }
}

/// `ID healthcheck-test health` of an instance's container.
fn container(i: u32) -> String {
    docker(
        &[
            "inspect",
            "-f",
            "{{.Id}} {{json .Config.Healthcheck.Test}} {{if .State.Health}}{{.State.Health.Status}}{{end}}",
            &format!("{PROJECT}-app-{i}"),
        ],
        secs(10),
    )
    .stdout
    .trim()
    .to_string()
}

fn wait_healthy(count: u32, limit: Duration) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let states: Vec<String> = (1..=count).map(container).collect();
        if states.iter().all(|s| s.ends_with(" healthy")) {
            return Ok(());
        }
        if started.elapsed() > limit {
            return Err(format!("not all healthy: {states:?}"));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Runs the check; `Ok(summary)` when every expectation holds.
pub fn check(ctx: &Ctx) -> Result<String, String> {
    let base = ctx.work.join("rollout");
    let dir = base.join("project");
    let out = base.join("units");
    copy_tree(&ctx.repo.join("fixtures/engine-rollout"), &dir).map_err(|e| e.to_string())?;
    let machine = "tshr-sd-rollout";
    crate::systemd::cleanup_engine(&scenario(ctx, &["compose.yaml"]));
    run(
        Command::new("bash")
            .arg(ctx.repo.join(".ci/engine/systemd-container.sh"))
            .arg(machine)
            .arg(&base),
        secs(120),
    )
    .checked("systemd-container.sh")?;
    let result = (|| {
        let exec =
            |script: &str, limit: u64| docker(&["exec", machine, "sh", "-c", script], secs(limit));
        let install = |files: &[&str]| -> Result<(), String> {
            crate::systemd::convert(ctx, &scenario(ctx, files), &dir, &out, "systemd")?;
            let env = crate::systemd::env_dir(&out, PROJECT);
            exec(
                &format!(
                    "set -e; cd {}; cp *.service *.target /etc/systemd/system/; mkdir -p {env}; \
                     if [ -d env ]; then cp -a env/. {env}/; fi; systemctl daemon-reload",
                    out.display()
                ),
                60,
            )
            .checked("install")
            .map(|_| ())
        };
        install(&["compose.yaml"])?;
        exec(&format!("systemctl start {PROJECT}.target"), 120).checked("start")?;
        wait_healthy(3, Duration::from_secs(60))?;
        let before: Vec<String> = (1..=3).map(container).collect();
        docker(
            &[
                "exec",
                &format!("{PROJECT}-app-2"),
                "touch",
                "/data/unhealthy",
            ],
            secs(10),
        )
        .checked("flag instance 2")?;
        install(&["compose.yaml", "compose.v2.yaml"])?;
        let script = out.join(format!("{PROJECT}-app.rollout.sh"));
        let rollout = exec(&format!("sh {}", script.display()), 300);
        let after: Vec<String> = (1..=3).map(container).collect();
        let id = |s: &str| s.split(' ').next().unwrap_or("").to_string();
        let mut failures = Vec::new();
        if rollout.ok {
            failures.push("the rollout exited 0".to_string());
        }
        for want in [
            "tsh-rollout-app@2 is unhealthy",
            "tsh-rollout-app@2 rolled back",
            "not updated: tsh-rollout-app@3",
        ] {
            if !rollout.stderr.contains(want) {
                failures.push(format!("stderr lacks {want:?}"));
            }
        }
        if !(after[0].contains("unhealthy &&") && after[0].ends_with(" healthy")) {
            failures.push(format!("@1 does not run version 2, healthy: {}", after[0]));
        }
        if id(&after[1]) != id(&before[1]) || after[1].contains("unhealthy &&") {
            failures.push(format!(
                "@2 is not its previous container: {} (was {})",
                after[1], before[1]
            ));
        }
        if id(&after[2]) != id(&before[2]) {
            failures.push(format!("@3 was touched: {} (was {})", after[2], before[2]));
        }
        // The restored instance turns healthy again (its old healthcheck ignores the flag).
        if let Err(e) = wait_healthy(3, Duration::from_secs(30)) {
            failures.push(format!("after the rollback: {e}"));
        }
        if failures.is_empty() {
            Ok(format!(
                "rollout check: @1 updated, @2 unhealthy and rolled back to its previous container, @3 untouched, exit 1 ({})",
                rollout
                    .stderr
                    .lines()
                    .filter(|l| l.contains("rolled back"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        } else {
            Err(format!(
                "{}\nstdout:\n{}\nstderr:\n{}",
                failures.join("\n"),
                rollout.stdout,
                rollout.stderr
            ))
        }
    })();
    docker(
        &[
            "exec",
            machine,
            "sh",
            "-c",
            &format!("timeout 60 systemctl stop {PROJECT}.target '{PROJECT}-*'"),
        ],
        secs(70),
    );
    docker(&["rm", "-f", machine], secs(30));
    // Also the `.previous`/`.failed` containers a failed check may leave (same prefix).
    crate::systemd::cleanup_engine(&scenario(ctx, &["compose.yaml"]));
    result
}
