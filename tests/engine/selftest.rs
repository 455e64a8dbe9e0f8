//! The harness's own tests, run without an engine: parsing, normalisation, comparison, the
//! table, the Swarm copy, the scenarios' case files and the mutant check's logic.

use crate::compare::{ByDesign, compare, glob, mutant_caught};
use crate::observe::{Observed, flatten};
use crate::probe::parse_runs;
use crate::table::{Row, render};

type Test = (&'static str, fn() -> Result<(), String>);

const TESTS: &[Test] = &[
    ("probe lines split into runs", parse_splits_runs),
    ("volatile values are normalised", normalises_volatile),
    ("comparison: equal, different, by design", compares),
    ("by-design patterns glob", globs),
    ("table lists every difference and the totals", renders_table),
    ("mutant check on recorded observations", mutant_logic),
    (
        "swarm copy: dnsrr, host ports, constraints kept",
        swarm_copy,
    ),
    ("every scenario's case.json loads", scenarios_load),
    (
        "docs/compose-compatibility.md lists every by-design difference",
        by_design_documented,
    ),
    (
        "mutant edit drops the variable from converted output",
        mutant_edit,
    ),
    (
        "swarm: DEPLOY.md's node files are what the harness runs",
        swarm_host_files,
    ),
    (
        "corpus: the probe override keeps argv and observes mounts, names, ports",
        corpus_override,
    ),
];

/// Runs every self-test, prints each result, returns how many failed.
pub fn run_all() -> usize {
    let mut failed = 0;
    for (name, test) in TESTS {
        match test() {
            Ok(()) => println!("self-test ok: {name}"),
            Err(e) => {
                failed += 1;
                println!("self-test FAILED: {name}: {e}");
            }
        }
    }
    failed
}

fn check(cond: bool, what: &str) -> Result<(), String> {
    if cond { Ok(()) } else { Err(what.to_string()) }
}

/// A recorded probe log: one start of `svc` with env `env` (JSON object text).
fn log(env: &str, argv: &str) -> String {
    format!(
        "TSPROBE {{\"k\":\"start\"}}\nTSPROBE {{\"k\":\"argv\",\"v\":{argv}}}\nTSPROBE {{\"k\":\"env\",\"v\":{env}}}\n\
         TSPROBE {{\"k\":\"hostname\",\"v\":\"0123456789ab\"}}\nTSPROBE {{\"k\":\"ready\"}}\n"
    )
}

fn observed(logs: &[(&str, u32, String)]) -> Observed {
    let mut o = Observed::default();
    for (svc, slot, text) in logs {
        o.add(svc, *slot, parse_runs(text));
    }
    o
}

fn parse_splits_runs() -> Result<(), String> {
    let text = "docker: pulling\nTSPROBE {\"k\":\"start\"}\r\nTSPROBE {\"k\":\"env\",\"v\":{\"A\":\"x \"}}\n\
                garbage TSPROBE {not json}\nTSPROBE {\"k\":\"ready\"}\nTSPROBE {\"k\":\"start\"}\n\
                TSPROBE {\"k\":\"exit\",\"code\":1}\n";
    let runs = parse_runs(text);
    check(runs.len() == 2, "two runs")?;
    check(
        runs[0].records.len() == 3,
        "first run has start, env, ready",
    )?;
    check(
        runs[0].records[1]["v"]["A"] == "x ",
        "trailing space kept (it travels JSON-encoded)",
    )?;
    check(
        runs[0].settled() && runs[1].settled(),
        "ready and exit both settle",
    )?;
    check(
        !parse_runs("TSPROBE {\"k\":\"start\"}\n")[0].settled(),
        "a bare start is not settled",
    )
}

fn normalises_volatile() -> Result<(), String> {
    let text = "TSPROBE {\"k\":\"start\"}\nTSPROBE {\"k\":\"hostname\",\"v\":\"3f2a9c1b0d4e\"}\n\
                TSPROBE {\"k\":\"env\",\"v\":{\"HOSTNAME\":\"3f2a9c1b0d4e\",\"X\":\"3f2a9c1b0d4e-not\"}}\n\
                TSPROBE {\"k\":\"dial\",\"target\":\"db:7070\",\"ok\":true,\"reply\":\"aaaaaaaaaaaa healthy\"}\n";
    let flat = flatten(&observed(&[("web", 1, text.into())]));
    check(flat["web.1#1 env.HOSTNAME"] == "<hostname>", "HOSTNAME")?;
    check(flat["web.1#1 hostname"] == "<id>", "hostname")?;
    check(
        flat["web.1#1 env.X"] == "3f2a9c1b0d4e-not",
        "other values untouched",
    )?;
    check(
        flat["web.1#1 dial:db:7070"].contains("<id> healthy"),
        "dial reply",
    )?;
    check(
        flat["web instances"] == "1" && flat["web.1 starts"] == "1",
        "counts",
    )
}

fn compares() -> Result<(), String> {
    let a = flatten(&observed(&[(
        "web",
        1,
        log("{\"A\":\"1\",\"B\":\"2\"}", "[\"x\"]"),
    )]));
    let b = flatten(&observed(&[(
        "web",
        1,
        log("{\"A\":\"1\",\"B\":\"3\"}", "[\"y\"]"),
    )]));
    let v = compare(&a, &a, &[]);
    check(v.is_equal() && v.differences.is_empty(), "equal to itself")?;
    let designed = [ByDesign {
        observation: "web.*argv".into(),
        reason: "test".into(),
    }];
    let v = compare(&a, &b, &designed);
    check(!v.is_equal(), "B differs")?;
    let undeclared: Vec<&str> = v.undeclared().map(|d| d.key.as_str()).collect();
    check(
        undeclared == ["web.1#1 env.B"],
        &format!("only B undeclared: {undeclared:?}"),
    )?;
    check(v.by_design().count() == 1, "argv by design")?;
    let only_argv = flatten(&observed(&[(
        "web",
        1,
        log("{\"A\":\"1\",\"B\":\"2\"}", "[\"y\"]"),
    )]));
    check(
        compare(&a, &only_argv, &designed).is_equal(),
        "by-design alone is equal",
    )
}

fn globs() -> Result<(), String> {
    check(
        glob("a*c", "abc") && glob("a*c", "ac") && !glob("a*c", "acb"),
        "a*c",
    )?;
    check(
        glob("*", "") && glob("web.*#* await:db", "web.1#2 await:db"),
        "stars",
    )?;
    check(
        !glob("web.1", "web.10") && glob("*env.X", "w.1#1 env.X"),
        "whole key",
    )
}

fn renders_table() -> Result<(), String> {
    let a = flatten(&observed(&[("web", 1, log("{\"A\":\"1\"}", "[]"))]));
    let b = flatten(&observed(&[("web", 1, log("{}", "[]"))]));
    let designed = [ByDesign {
        observation: "*env.A".into(),
        reason: "declared".into(),
    }];
    let rows = vec![
        Row {
            scenario: "one".into(),
            outcome: Ok(compare(&a, &b, &[])),
        },
        Row {
            scenario: "two".into(),
            outcome: Ok(compare(&a, &b, &designed)),
        },
        Row {
            scenario: "three".into(),
            outcome: Err("boom".into()),
        },
    ];
    let t = render("systemd", &rows);
    check(
        t.contains("DIFFERENT web.1#1 env.A: compose \"1\" / systemd (absent)"),
        "difference spelled out",
    )?;
    check(
        t.contains("BY DESIGN (1, e.g. web.1#1 env.A): declared"),
        "by design listed",
    )?;
    check(
        t.contains("| three | error |") && t.contains("ERROR boom"),
        "errors listed",
    )?;
    check(
        t.trim_end().ends_with("engine-systemd: 1/3 equal"),
        &format!("totals: {t}"),
    )
}

fn mutant_logic() -> Result<(), String> {
    // Recorded: compose saw A and B; the faithful conversion also differs on argv (a known
    // difference); the mutant lost B.
    let env = "{\"A\":\"1\",\"B\":\"two words\"}";
    let compose = flatten(&observed(&[
        ("app", 1, log(env, "[\"x\"]")),
        ("app", 2, log(env, "[\"x\"]")),
    ]));
    let faithful = flatten(&observed(&[
        ("app", 1, log(env, "[\"y\"]")),
        ("app", 2, log(env, "[\"y\"]")),
    ]));
    let lost = "{\"A\":\"1\"}";
    let mutant = flatten(&observed(&[
        ("app", 1, log(lost, "[\"y\"]")),
        ("app", 2, log(lost, "[\"y\"]")),
    ]));
    let base = compare(&compose, &faithful, &[]);
    check(
        mutant_caught(&base, &compare(&compose, &mutant, &[]), "B").is_ok(),
        "B caught",
    )?;
    check(
        mutant_caught(&base, &base, "B").is_err(),
        "a mutant that changes nothing fails",
    )?;
    check(
        mutant_caught(&base, &compare(&compose, &mutant, &[]), "A").is_err(),
        "wrong variable fails",
    )?;
    let worse = flatten(&observed(&[
        ("app", 1, log(lost, "[\"z\"]")),
        ("app", 2, log(lost, "[\"y\"]")),
    ]));
    check(
        mutant_caught(&base, &compare(&compose, &worse, &[]), "B").is_err(),
        "a stray difference besides the variable fails",
    )
}

fn swarm_copy() -> Result<(), String> {
    let mut stack: serde_json::Value = yaml_serde::from_str(
        "services:\n  web:\n    ports: [\"8080:80\", \"127.0.0.1:9000:90/udp\", {target: 1, published: 2}]\n    \
         deploy: {placement: {constraints: [node.labels.p.web == 1, node.role == manager]}}\n  job: {image: x}\n",
    )
    .map_err(|e| e.to_string())?;
    crate::swarm::harness_copy(&mut stack);
    let web = &stack["services"]["web"];
    check(web["deploy"]["endpoint_mode"] == "dnsrr", "dnsrr")?;
    check(
        stack["services"]["job"]["deploy"]["endpoint_mode"] == "dnsrr",
        "dnsrr without deploy",
    )?;
    check(
        web["ports"][0]
            == serde_json::json!({"target": 80, "published": 8080, "protocol": "tcp", "mode": "host"}),
        &format!("short port: {}", web["ports"][0]),
    )?;
    check(
        web["ports"][1]["protocol"] == "udp" && web["ports"][1]["published"] == 9000,
        "udp port",
    )?;
    check(web["ports"][2]["mode"] == "host", "long port")?;
    check(
        web["deploy"]["placement"]["constraints"]
            == serde_json::json!(["node.labels.p.web == 1", "node.role == manager"]),
        "constraints kept (the node plan labels this node)",
    )
}

fn scenarios_load() -> Result<(), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/engine");
    let all = crate::scenario::all(&root)?;
    check(!all.is_empty(), "scenarios exist")?;
    check(
        all.iter().any(|s| s.case.mutant.is_some()),
        "one scenario declares the mutant check",
    )?;
    // Teardown finds a scenario's containers by the name prefix `<project>-`: no project
    // may extend another's (`tsh-env` would remove `tsh-env-etcd`'s containers).
    for a in &all {
        for b in &all {
            check(
                !b.project.starts_with(&format!("{}-", a.project)),
                &format!(
                    "scenario {} extends the name of {}: rename one",
                    b.name, a.name
                ),
            )?;
        }
    }
    for sc in &all {
        for f in &sc.case.files {
            check(
                sc.source.join(f).is_file(),
                &format!("{}: {f} missing", sc.name),
            )?;
        }
        for target in sc.case.by_design.keys() {
            check(
                ["systemd", "swarm"].contains(&target.as_str()),
                &format!("{}: target {target}", sc.name),
            )?;
        }
        for d in sc.case.by_design.values().flatten() {
            check(
                !d.reason.trim().is_empty(),
                &format!("{}: {} has no reason", sc.name, d.observation),
            )?;
        }
        for step in &sc.case.steps {
            let known = ["restart", "stop", "start", "reload", "wait", "redeploy"]
                .contains(&step.action.as_str());
            check(
                known && (step.action == "wait" || !step.service.is_empty()),
                &format!("{}: step {step:?}", sc.name),
            )?;
            if step.action == "redeploy" {
                check(
                    sc.source.join(&step.file).is_file(),
                    &format!(
                        "{}: redeploy edits {}, which is not there",
                        sc.name, step.file
                    ),
                )?;
            }
        }
    }
    Ok(())
}

/// The table row `| target | scenario | `observation` | reason |` for each declared
/// difference: the documentation cannot drift from what the harness accepts.
fn by_design_documented() -> Result<(), String> {
    use crate::compare::ByDesign;
    use std::collections::BTreeMap;
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = std::fs::read_to_string(repo.join("docs/compose-compatibility.md"))
        .map_err(|e| e.to_string())?;
    let mut missing = Vec::new();
    let mut declared = std::collections::BTreeSet::new();
    let mut declared_by: Vec<(String, BTreeMap<String, Vec<ByDesign>>)> =
        crate::scenario::all(&repo.join("fixtures/engine"))?
            .into_iter()
            .map(|sc| (sc.name, sc.case.by_design))
            .collect();
    for e in crate::corpus::entries(repo)? {
        declared_by.push((format!("corpus-{}", e.name), e.by_design));
    }
    for (name, by_design) in &declared_by {
        for (target, list) in by_design {
            for d in list {
                let row = format!("| {target} | {name} | `{}` | {} |", d.observation, d.reason);
                if !docs.lines().any(|l| l == row) {
                    missing.push(row.clone());
                }
                declared.insert(row);
            }
        }
    }
    let stale: Vec<&str> = docs
        .lines()
        .filter(|l| l.starts_with("| swarm | ") || l.starts_with("| systemd | "))
        .filter(|l| !declared.contains(*l))
        .collect();
    check(
        missing.is_empty() && stale.is_empty(),
        &format!(
            "missing rows:\n{}\nrows no scenario declares:\n{}",
            missing.join("\n"),
            stale.join("\n")
        ),
    )
}

/// A context for self-tests that convert (no engine, no compose).
fn scratch_ctx(work: &std::path::Path) -> crate::deploy::Ctx {
    crate::deploy::Ctx {
        transship: env!("CARGO_BIN_EXE_transship").into(),
        compose: "docker-compose".into(),
        repo: env!("CARGO_MANIFEST_DIR").into(),
        work: work.into(),
    }
}

fn mutant_edit() -> Result<(), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/engine");
    let all = crate::scenario::all(&root)?;
    let sc = all
        .iter()
        .find(|s| s.case.mutant.is_some())
        .ok_or("no mutant scenario")?;
    let m = sc.case.mutant.as_ref().unwrap();
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let ctx = scratch_ctx(tmp.path());
    let out = tmp.path().join("units");
    crate::systemd::convert(&ctx, sc, &sc.source, &out, "systemd")?;
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();
    let unit = out.join(format!("{}-{}@.service", sc.project, m.service));
    let env = out.join("env").join(format!("{}.env", m.service));
    let before = format!("{}{}", read(&unit), read(&env));
    check(
        before.contains(&m.variable),
        "the variable is in the converted output",
    )?;
    crate::drop_variable(&out, &sc.project, m)?;
    let (unit_text, env_text) = (read(&unit), read(&env));
    check(
        !unit_text.contains(&format!("--env {} ", m.variable))
            && !unit_text.contains(&format!("--env {}\n", m.variable)),
        "flag gone",
    )?;
    check(
        !env_text
            .lines()
            .any(|l| l.starts_with(&format!("{}=", m.variable))),
        "env line gone",
    )?;
    check(
        unit_text.lines().count() + 1 >= read(&unit).lines().count(),
        "nothing else removed",
    )
}

fn swarm_host_files() -> Result<(), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/engine");
    let sc = crate::scenario::Scenario::load(&root.join("bind"))?;
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let ctx = scratch_ctx(tmp.path());
    let out = tmp.path().join("stack");
    crate::systemd::convert(&ctx, &sc, &sc.source, &out, "swarm")?;
    let cmds = crate::swarm::host_file_commands(&out.join("DEPLOY.md"));
    // Relative to the stack's directory, as `docker stack deploy` resolves the mounts.
    check(
        cmds.iter()
            .any(|c| c.starts_with("mkdir -p ../") && c.contains("/not-yet")),
        &format!("not-yet in {cmds:?}"),
    )?;
    // An existing directory is created too (another node may lack it); files are not.
    check(
        cmds.iter().any(|c| c.contains("/config")),
        &format!("config dir in {cmds:?}"),
    )
}

fn corpus_override() -> Result<(), String> {
    let project = serde_json::json!({"services": {
        "db": {"image": "postgres", "expose": ["5432"], "volumes": [{"type": "volume", "source": "d", "target": "/var/lib/$x"}],
               "healthcheck": {"test": ["CMD", "pg_isready"]}},
        "web": {"image": "web", "entrypoint": ["/entry.sh", "a b"], "depends_on": {"db": {"condition": "service_healthy"}},
                "ports": [{"target": 80, "published": "8080", "protocol": "tcp"}], "container_name": "site"}
    }});
    let o = crate::corpus::probe_override(&project);
    let web = &o["services"]["web"];
    let db = &o["services"]["db"];
    check(
        web["entrypoint"] == serde_json::json!(["/probe", "/entry.sh", "a b"]),
        &format!("entrypoint {}", web["entrypoint"]),
    )?;
    check(
        web["environment"]["PROBE_DIAL"] == "db:5432"
            && web["environment"]["PROBE_LISTEN"] == "80"
            && web["environment"]["PROBE_RESOLVE"] == "db,site,web",
        &format!("web env {}", web["environment"]),
    )?;
    check(
        db["environment"]["PROBE_FILES"] == "/var/lib/$$x"
            && db["healthcheck"]["test"] == serde_json::json!(["CMD", "/probe", "--health"])
            && web.get("healthcheck").is_none(),
        &format!("db {db}"),
    )
}
