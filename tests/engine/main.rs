//! The engine harness: runs each scenario in `fixtures/engine/*/` with Docker Compose (the
//! oracle), then as converted systemd units (in a systemd container) and as a converted
//! Swarm stack (on a one-node swarm), and compares what the probe containers observed.
//!
//! Without `TRANSSHIP_ENGINE=1` only the self-tests run (no Docker needed). With it, the
//! engine must be up (`bash .ci/engine/up.sh`). `TRANSSHIP_ENGINE_ONLY=a,b` picks scenarios,
//! `TRANSSHIP_ENGINE_JOBS=N` runs N at a time (default 3).

// A failing harness should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod compare;
mod compose;
mod corpus;
mod deploy;
mod observe;
mod probe;
mod rollout;
mod scenario;
mod selftest;
mod sh;
mod swarm;
mod systemd;
mod table;

use compare::{Verdict, compare, mutant_caught};
use deploy::{Ctx, exercise};
use observe::flatten;
use scenario::Scenario;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use table::Row;

/// The image `.ci/engine/up.sh` builds.
const PROBE_IMAGE: &str = "transship-probe:latest";

/// What one scenario gave on each target.
struct Outcome {
    systemd: Result<Verdict, String>,
    swarm: Result<Verdict, String>,
    mutant: Option<Result<(), String>>,
    seconds: u64,
}

fn main() {
    let failed = selftest::run_all();
    if failed > 0 {
        eprintln!("engine harness: {failed} self-test(s) failed");
        std::process::exit(1);
    }
    if std::env::var("TRANSSHIP_ENGINE").as_deref() != Ok("1") {
        println!(
            "engine scenarios skipped: TRANSSHIP_ENGINE=1 is not set (they need a Docker engine, \
             a one-node swarm and the probe images: bash .ci/engine/up.sh, then \
             TRANSSHIP_ENGINE=1 COMPOSE_BIN=... cargo test --test engine)"
        );
        return;
    }
    std::process::exit(run_engine());
}

/// Drops `variable` from `service`'s env file and its `--env` flag in the unit.
fn drop_variable(out: &Path, project: &str, m: &scenario::Mutant) -> Result<(), String> {
    let mut dropped = false;
    let env = out.join("env").join(format!("{}.env", m.service));
    if let Ok(text) = std::fs::read_to_string(&env) {
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with(&format!("{}=", m.variable)))
            .collect();
        dropped |= kept.len() != text.lines().count();
        std::fs::write(&env, kept.join("\n") + "\n").map_err(|e| e.to_string())?;
    }
    let unit = out.join(format!("{project}-{}@.service", m.service));
    let text = std::fs::read_to_string(&unit).map_err(|e| format!("{}: {e}", unit.display()))?;
    let flag = format!("--env {}", m.variable);
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| l.trim().trim_end_matches(" \\") != flag)
        .collect();
    dropped |= kept.len() != text.lines().count();
    std::fs::write(&unit, kept.join("\n") + "\n").map_err(|e| e.to_string())?;
    if dropped {
        Ok(())
    } else {
        Err(format!(
            "mutant: {} is in neither {} nor {}",
            m.variable,
            env.display(),
            unit.display()
        ))
    }
}

fn run_scenario(sc: &Scenario, ctx: &Ctx) -> Outcome {
    let started = Instant::now();
    let quiet = Duration::from_millis(1500);
    let log = |what: &str| println!("[{}] {what} ({}s)", sc.name, started.elapsed().as_secs());
    let oracle = exercise(sc, || compose::Compose::up(sc, ctx), quiet).and_then(|o| {
        // An oracle that started nothing would make every target "equal" by saying nothing.
        if o.slots.is_empty() {
            Err("docker compose up started no container".to_string())
        } else {
            Ok(flatten(&o))
        }
    });
    log("compose done");
    let Ok(oracle) = oracle else {
        let e = oracle.err().unwrap_or_default();
        return Outcome {
            systemd: Err(format!("compose: {e}")),
            swarm: Err(format!("compose: {e}")),
            mutant: None,
            seconds: started.elapsed().as_secs(),
        };
    };
    let systemd = exercise(
        sc,
        || systemd::Systemd::up(sc, ctx, "systemd", &|_| Ok(())),
        quiet,
    )
    .map(|o| compare(&oracle, &flatten(&o), sc.by_design("systemd")));
    log("systemd done");
    let mutant = sc.case.mutant.as_ref().map(|m| {
        let base = systemd.as_ref().map_err(Clone::clone)?;
        let project = sc.project.clone();
        let mutate = move |out: &Path| drop_variable(out, &project, m);
        let observed = exercise(
            sc,
            || systemd::Systemd::up(sc, ctx, "mutant", &mutate),
            quiet,
        )?;
        let verdict = compare(&oracle, &flatten(&observed), sc.by_design("systemd"));
        log("mutant done");
        mutant_caught(base, &verdict, &m.variable)
    });
    let services = oracle
        .keys()
        .filter_map(|k| k.strip_suffix(" instances"))
        .map(str::to_string)
        .collect();
    let swarm = exercise(
        sc,
        || swarm::Swarm::up(sc, ctx, services),
        Duration::from_secs(6),
    )
    .map(|o| compare(&oracle, &flatten(&o), sc.by_design("swarm")));
    log("swarm done");
    Outcome {
        systemd,
        swarm,
        mutant,
        seconds: started.elapsed().as_secs(),
    }
}

fn run_engine() -> i32 {
    let started = Instant::now();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let Some(compose) = std::env::var_os("COMPOSE_BIN").map(PathBuf::from) else {
        eprintln!("engine harness: COMPOSE_BIN is not set (.ci/run exports it)");
        return 1;
    };
    if !sh::docker(
        &["info", "--format", "{{.Swarm.LocalNodeState}}"],
        sh::secs(20),
    )
    .ok
    {
        eprintln!("engine harness: no Docker engine answers (bash .ci/engine/up.sh starts one)");
        return 1;
    }
    let work = std::env::temp_dir().join(format!("tshr-engine-{}", std::process::id()));
    let ctx = Ctx {
        transship: PathBuf::from(env!("CARGO_BIN_EXE_transship")),
        compose,
        repo: repo.clone(),
        work: work.clone(),
    };
    let mut scenarios = match scenario::all(&repo.join("fixtures/engine")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("engine harness: {e}");
            return 1;
        }
    };
    match std::env::var_os("TRANSSHIP_CORPUS") {
        Some(root) => match corpus::scenarios(&ctx, Path::new(&root), PROBE_IMAGE) {
            Ok(more) => scenarios.extend(more),
            Err(e) => {
                eprintln!("engine harness: corpus: {e}");
                return 1;
            }
        },
        None => {
            println!("corpus scenarios skipped: TRANSSHIP_CORPUS (the shared corpus) is not set")
        }
    }
    if let Ok(only) = std::env::var("TRANSSHIP_ENGINE_ONLY") {
        let only: Vec<&str> = only.split(',').collect();
        scenarios.retain(|s| only.contains(&s.name.as_str()));
    }
    for sc in &scenarios {
        println!("scenario {}: {}", sc.name, sc.case.about);
    }
    println!(
        "engine harness: {} scenarios; swarm runs a copy of each stack: {}",
        scenarios.len(),
        swarm::HARNESS_EDITS.join("; ")
    );
    println!(
        "normalised before comparing: {}",
        observe::NORMALISED.join("; ")
    );
    let jobs: usize = std::env::var("TRANSSHIP_ENGINE_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .unwrap_or(3);
    let queue = Arc::new(Mutex::new(scenarios.clone()));
    let results = Arc::new(Mutex::new(BTreeMap::new()));
    let workers: Vec<_> = (0..jobs)
        .map(|_| {
            let (queue, results, ctx) = (queue.clone(), results.clone(), ctx.clone());
            std::thread::spawn(move || {
                loop {
                    let Some(sc) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let outcome = run_scenario(&sc, &ctx);
                    results.lock().unwrap().insert(sc.name.clone(), outcome);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let mut results = std::mem::take(&mut *results.lock().unwrap());
    rerun_differing_alone(&scenarios, &ctx, &mut results);
    let mut status = 0;
    for target in ["systemd", "swarm"] {
        let rows: Vec<Row> = results
            .iter()
            .map(|(name, o)| Row {
                scenario: name.clone(),
                outcome: match target {
                    "systemd" => clone_outcome(&o.systemd),
                    _ => clone_outcome(&o.swarm),
                },
            })
            .collect();
        print!("{}", table::render(target, &rows));
    }
    let mut mutants = 0;
    for (name, o) in &results {
        if let Some(m) = &o.mutant {
            mutants += 1;
            match m {
                Ok(()) => println!(
                    "mutant check ({name}): dropping the variable was reported, and only it"
                ),
                Err(e) => {
                    println!("FAIL mutant check ({name}): {e}");
                    status = 1;
                }
            }
        }
    }
    if mutants == 0 && std::env::var("TRANSSHIP_ENGINE_ONLY").is_err() {
        println!("FAIL mutant check: no scenario declares one");
        status = 1;
    }
    let only = std::env::var("TRANSSHIP_ENGINE_ONLY").ok();
    if only
        .as_deref()
        .is_none_or(|o| o.split(',').any(|n| n == "rollout"))
    {
        let started = Instant::now();
        match rollout::check(&ctx) {
            Ok(summary) => println!("{summary} ({}s)", started.elapsed().as_secs()),
            Err(e) => {
                println!("FAIL rollout check: {e}");
                status = 1;
            }
        }
    }
    for (name, o) in &results {
        println!("time {name}: {}s", o.seconds);
    }
    println!(
        "engine harness: total {}s with {jobs} at a time",
        started.elapsed().as_secs()
    );
    let _ = std::fs::remove_dir_all(&work);
    status
}

fn differs(o: &Outcome) -> bool {
    [&o.systemd, &o.swarm]
        .iter()
        .any(|v| v.as_ref().map_or(true, |v| !v.is_equal()))
}

/// Three scenarios at a time load a 2-core machine enough that a timing-bound observation can
/// miss (CI saw one scenario in 21 differ once, never again locally). A scenario that differed
/// is run once more on its own and that run counts, but its first run's differences are
/// printed in full, so a real difference that only shows under load is still seen.
fn rerun_differing_alone(
    scenarios: &[Scenario],
    ctx: &Ctx,
    results: &mut BTreeMap<String, Outcome>,
) {
    for sc in scenarios {
        let Some(first) = results.get(&sc.name).filter(|o| differs(o)) else {
            continue;
        };
        for (target, verdict) in [("systemd", &first.systemd), ("swarm", &first.swarm)] {
            let row = Row {
                scenario: sc.name.clone(),
                outcome: clone_outcome(verdict),
            };
            let text = table::render(target, &[row]);
            println!("first run of {} ({target}), with 3 at a time:", sc.name);
            for line in text.lines().filter(|l| !l.starts_with("engine-")) {
                println!("  {line}");
            }
        }
        println!("[{}] run again alone", sc.name);
        let again = run_scenario(sc, ctx);
        results.insert(sc.name.clone(), again);
    }
}

fn clone_outcome(o: &Result<Verdict, String>) -> Result<Verdict, String> {
    o.clone()
}
