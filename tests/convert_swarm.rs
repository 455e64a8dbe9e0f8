//! Swarm backend on fixtures: every `fixtures/convert/*/` case whose `targets` include
//! `swarm` is loaded and converted (`case.json` may add `"swarm": {"stateful": [...],
//! "placement_label": "...", "anchors": true}`); the files and warnings are snapshotted, and
//! the stack file is loaded back with transship's own loader to check that services, images,
//! commands, environments, ports and placement survive the trip.

use crate::util::{cases, options_for, read_case, redact, root};
use std::path::Path;
use transship::backend::Emitted;
use transship::backend::swarm::{Options, emit};
use transship::load;
use transship::model::{Port, Project, Service};
use transship::source::SourceMap;

/// Case folders that target swarm, with the swarm options from `case.json`.
fn swarm_cases() -> Vec<(std::path::PathBuf, Options, bool)> {
    let mut out = Vec::new();
    for dir in cases("convert") {
        let text = std::fs::read_to_string(dir.join("case.json")).unwrap_or_else(|e| panic!("{e}"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let targets = v["targets"].as_array().cloned().unwrap_or_default();
        if !targets.iter().any(|t| t == "swarm") {
            continue;
        }
        let s = &v["swarm"];
        let opts = Options {
            stateful: s["stateful"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            placement_label: s["placement_label"].as_str().map(str::to_string),
            anchors: s["anchors"].as_bool().unwrap_or(false),
            output_dir: None,
        };
        // `"plan": true` adds the operator's plan (DEPLOY.md) to the snapshot.
        out.push((dir, opts, s["plan"].as_bool().unwrap_or(false)));
    }
    out
}

fn load_case(dir: &Path) -> (Result<Project, String>, SourceMap) {
    let case = read_case(dir);
    let sources = SourceMap::new();
    let r = load::load(&options_for(dir, &case), &sources)
        .map(|l| l.project)
        .map_err(|e| e.render(&sources));
    (r, sources)
}

fn render(e: &Emitted, sources: &SourceMap, plan_of: Option<&str>) -> String {
    let mut out = String::new();
    for f in &e.files {
        out.push_str(&format!("# file: {}\n{}", f.name, f.contents));
        if !f.contents.ends_with('\n') {
            out.push('\n');
        }
    }
    // The operator's plan as `convert -o DIR` writes it, for the cases that ask.
    if let Some(project) = plan_of {
        let describe =
            |span: transship::source::Span| (!span.is_synthetic()).then(|| sources.describe(span));
        let md =
            transship::backend::plan::render_markdown("Docker Swarm", project, &e.plan, &describe);
        out.push_str(&format!("# file: DEPLOY.md\n{md}"));
    }
    for w in &e.warnings {
        let at = if w.span.is_synthetic() {
            String::new()
        } else {
            format!("{}: ", sources.describe(w.span))
        };
        let sev = serde_json::to_value(w.severity)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!("# {sev}: {at}{}: {}\n", w.key_path, w.message));
    }
    out
}

#[test]
fn swarm_snapshots() {
    let all = swarm_cases();
    assert!(
        all.len() >= 15,
        "expected at least 15 swarm fixtures, found {}",
        all.len()
    );
    for (dir, opts, plan) in all {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let (project, sources) = load_case(&dir);
        let text = match project {
            Err(e) => format!("load error: {e}\n"),
            // As with `-o` into the project directory: every file, paths as on stdout.
            Ok(p) => match emit(
                &p,
                &Options {
                    output_dir: Some(p.working_dir.clone()),
                    ..opts.clone()
                },
            ) {
                Ok(e) => render(&e, &sources, plan.then_some(p.name.as_str())),
                Err(e) => format!("error: {e}\n"),
            },
        };
        insta::with_settings!({
            snapshot_path => root().join("snapshots/convert"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{name}@swarm"), redact(&text, &dir));
        });
    }
}

/// What a port must look like after the trip: Swarm keeps target, first published port,
/// protocol and mode (host_ip is dropped, defaults made explicit).
fn port_key(p: &Port) -> (u32, Option<u32>, String, String) {
    let published = p
        .published
        .as_deref()
        .and_then(|s| s.split('-').next())
        .and_then(|s| s.parse().ok());
    let protocol = p
        .protocol
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "tcp".into());
    let mode = p
        .mode
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "ingress".into());
    (p.target, published, protocol, mode)
}

/// The ports the stack should publish: none bound to loopback (Swarm cannot keep them
/// private), host mode on a dnsrr service (Swarm refuses ingress ports there).
fn ports(s: &Service) -> Vec<(u32, Option<u32>, String, String)> {
    let dnsrr = s
        .deploy
        .as_ref()
        .is_some_and(|d| d.endpoint_mode.as_deref() == Some("dnsrr"));
    let mut v: Vec<_> = s
        .ports
        .iter()
        .filter(|p| {
            !p.host_ip.as_deref().is_some_and(|ip| {
                p.published.is_some()
                    && (ip == "localhost"
                        || ip
                            .trim_matches(['[', ']'])
                            .parse::<std::net::IpAddr>()
                            .is_ok_and(|a| a.is_loopback()))
            })
        })
        .map(port_key)
        .map(|(t, p, proto, mode)| {
            let mode = if dnsrr && mode == "ingress" && p.is_some() {
                "host".to_string()
            } else {
                mode
            };
            (t, p, proto, mode)
        })
        .collect();
    v.dedup();
    v
}

fn constraints(s: &Service) -> Vec<String> {
    s.deploy
        .as_ref()
        .map(|d| d.placement.constraints.clone())
        .unwrap_or_default()
}

/// The services of `original` that the stack should contain, by name in the stack.
fn expected_names(original: &Project, back: &Project, name: &str) -> Vec<String> {
    if back.services.contains_key(name) {
        return vec![name.to_string()];
    }
    let n = original
        .services
        .get(name)
        .map(|s| s.replicas())
        .unwrap_or(1)
        .max(1);
    (1..=n).map(|i| format!("{name}-{i}")).collect()
}

fn check_round_trip(dir: &Path, opts: &Options, original: &Project) {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let opts = Options {
        output_dir: Some(out.path().to_path_buf()),
        ..opts.clone()
    };
    let Ok(emitted) = emit(original, &opts) else {
        return;
    };
    transship::output::write_all_atomic(out.path(), &emitted.files)
        .unwrap_or_else(|e| panic!("{e}"));
    let stack = emitted
        .files
        .first()
        .map(|f| f.name.clone())
        .unwrap_or_default();
    let case = crate::util::Case {
        files: vec![stack],
        project: Some(original.name.clone()),
        ..Default::default()
    };
    let sources = SourceMap::new();
    let back = load::load(&options_for(out.path(), &case), &sources)
        .unwrap_or_else(|e| {
            panic!(
                "{}: our stack does not load: {}",
                dir.display(),
                e.render(&sources)
            )
        })
        .project;
    for (name, svc) in &original.services {
        if svc.image.as_deref().is_none_or(str::is_empty) {
            continue;
        }
        for member in expected_names(original, &back, name) {
            let what = format!("{}: services.{member}", dir.display());
            let got = back
                .services
                .get(&member)
                .unwrap_or_else(|| panic!("{what}: missing after the trip"));
            assert_eq!(got.image, svc.image, "{what}: image");
            assert_eq!(
                got.command.clone().filter(|c| !c.is_empty()),
                svc.command.clone().filter(|c| !c.is_empty()),
                "{what}: command"
            );
            // `entrypoint: []` (clear the image's) is written `[""]`.
            let want_entrypoint = match &svc.entrypoint {
                Some(e) if e.is_empty() => Some(vec![String::new()]),
                e => e.clone(),
            };
            assert_eq!(got.entrypoint, want_entrypoint, "{what}: entrypoint");
            // Members say per member what the original said per task.
            let slot: i64 = member
                .strip_prefix(&format!("{name}-"))
                .and_then(|i| i.parse().ok())
                .unwrap_or(1);
            let original_name = format!("{}_{name}", original.name);
            let mut want = svc.environment.clone();
            for v in want.values_mut().flatten() {
                *v = transship::backend::swarm::stateful::substitute(v, slot, &original_name);
            }
            assert_eq!(got.environment, want, "{what}: environment");
            // Only the first member publishes: Swarm refuses a published port twice.
            let want_ports = if slot > 1 { Vec::new() } else { ports(svc) };
            assert_eq!(ports(got), want_ports, "{what}: ports");
            let kept = constraints(got);
            for c in constraints(svc) {
                assert!(kept.contains(&c), "{what}: constraint {c} lost: {kept:?}");
            }
            if member != *name {
                let i = member.rsplit('-').next().unwrap_or_default();
                assert!(
                    kept.iter()
                        .any(|c| c.starts_with("node.labels.")
                            && c.ends_with(&format!(".{i} == true"))),
                    "{what}: no pin: {kept:?}"
                );
            }
        }
    }
}

#[test]
fn swarm_round_trip() {
    for (dir, opts, _) in swarm_cases() {
        if let (Ok(p), _) = load_case(&dir) {
            check_round_trip(&dir, &opts, &p);
        }
    }
    for dir in cases("load") {
        if let (Ok(p), _) = load_case(&dir) {
            check_round_trip(&dir, &Options::default(), &p);
        }
    }
}

fn transship(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_transship"))
        .current_dir(dir)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `docker stack config -c -` on `stack`: `None` when no docker CLI is installed.
fn stack_config(stack: &[u8]) -> Option<(bool, String)> {
    use std::io::Write;
    let mut child = std::process::Command::new("docker")
        .args(["stack", "config", "-c", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(stack).ok()?;
    let out = child.wait_with_output().ok()?;
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    ))
}

/// Stdout carries one stack document, even when the conversion also has a node plan:
/// `convert --to swarm | docker stack deploy -c -` must read it.
#[test]
fn stdout_is_one_stack_document() {
    let dir = root().join("fixtures/convert/swarm-redis-inferred");
    let o = transship(&dir, &["-p", "redis-inferred", "convert", "--to", "swarm"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(!text.contains("# ----"), "{text}");
    assert!(!text.contains("docker node update"), "{text}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("redis-inferred.nodes.sh"), "{err}");
    if let Some((ok, why)) = stack_config(&o.stdout) {
        assert!(ok, "docker stack config rejects stdout: {why}");
    }
}

/// Exact translations are not warnings: `--strict` passes a file whose only special keys
/// are `restart: always` / `on-failure` and `container`-free plain services.
#[test]
fn strict_passes_exact_mappings() {
    let dir = root().join("fixtures/convert/swarm-strict-exact");
    let o = transship(&dir, &["convert", "--to", "swarm", "--strict"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A stand-in for the `docker` commands the node plan runs, keeping node labels in files
/// under `$FAKE` (`<node>/<key>` holds the value); nodes n1 and n2.
const FAKE_DOCKER: &str = r#"#!/bin/sh
set -eu
case "$1 $2" in
  "node ls")
    if [ "${5:-}" != "" ]; then key=${5#node.label=}; for n in n1 n2; do [ -f "$FAKE/$n/$key" ] && echo $n; done; else echo n1; echo n2; fi ;;
  "node inspect")
    case "$4" in *range*) for f in "$FAKE/$5"/*; do [ "$(cat "$f")" = true ] && printf '%s ' "${f##*/}"; done; echo ;; *) echo "$5" ;; esac ;;
  "node update")
    case "$3" in
      --label-add) k=${4%%=*}; printf '%s' "${4#*=}" > "$FAKE/$5/$k"; echo "update $5 +$k" >> "$FAKE/log" ;;
      --label-rm) rm "$FAKE/$5/$4"; echo "update $5 -$4" >> "$FAKE/log" ;;
    esac ;;
  "secret inspect") [ -f "$FAKE/secret-$3" ] ;;
  "secret create") cat > "$FAKE/secret-$3"; echo "create $3" >> "$FAKE/log" ;;
  *) echo "fake docker: $*" >&2; exit 9 ;;
esac
"#;

/// Runs the node plan of a stateful project against the fake docker: a stale label of an
/// earlier plan (member 3 of a set now 2 strong) is removed and said, a user's label kept,
/// a second run changes nothing, and a label is never moved without TRANSSHIP_MOVE_LABELS=1.
#[test]
fn node_plan_runs_twice_prunes_earlier_labels_and_never_moves_silently() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  db:\n    image: mongo:7\n    deploy: {replicas: 2}\n    x-transship: {stateful: true}\n    volumes: [data:/data/db]\nvolumes:\n  data: {}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let bin = dir.join("bin");
    let fake = dir.join("fake");
    for n in ["n1", "n2"] {
        std::fs::create_dir_all(fake.join(n)).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(bin.join("docker"), FAKE_DOCKER).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(bin.join("docker"), std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    // An earlier plan's member 3, and labels of the operator's own (one under the project's
    // prefix, but not a pin: its value is not `true`).
    std::fs::write(fake.join("n2/p.db.3"), "true").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(fake.join("n2/rack"), "r1").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(fake.join("n2/p.tier"), "db").unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_transship"))
        .current_dir(dir)
        .args([
            "--hermetic",
            "-p",
            "p",
            "convert",
            "--to",
            "swarm",
            "-o",
            "out",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |node1: &str, node2: &str, extra: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new("sh");
        cmd.arg(dir.join("out/p.nodes.sh"))
            .env("PATH", &path)
            .env("FAKE", &fake)
            .env("NODE_P_DB_1", node1)
            .env("NODE_P_DB_2", node2);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.output().unwrap_or_else(|e| panic!("{e}"))
    };
    let labels = |n: &str| {
        let mut v: Vec<String> = std::fs::read_dir(fake.join(n))
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
            .collect();
        v.sort();
        v
    };
    let first = run("n1", "n2", &[]);
    let said = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{said}");
    assert!(
        said.contains("removing label p.db.3 from node n2"),
        "{said}"
    );
    assert_eq!(labels("n1"), vec!["p.db.1"]);
    assert_eq!(labels("n2"), vec!["p.db.2", "p.tier", "rack"]);
    let log = std::fs::read_to_string(fake.join("log")).unwrap_or_default();
    let second = run("n1", "n2", &[]);
    assert!(second.status.success());
    assert_eq!(labels("n1"), vec!["p.db.1"]);
    assert_eq!(labels("n2"), vec!["p.db.2", "p.tier", "rack"]);
    let again = std::fs::read_to_string(fake.join("log")).unwrap_or_default();
    // Re-adding a label a node has is the only write of the second run.
    assert!(
        again[log.len()..]
            .lines()
            .all(|l| l.starts_with("update n1 +p.db.1") || l.starts_with("update n2 +p.db.2")),
        "{again}"
    );
    // Swapping the nodes would move both members' data: refused unless asked for.
    let swapped = run("n2", "n1", &[]);
    assert!(!swapped.status.success());
    assert!(
        String::from_utf8_lossy(&swapped.stderr).contains("not moving it"),
        "{}",
        String::from_utf8_lossy(&swapped.stderr)
    );
    assert_eq!(labels("n1"), vec!["p.db.1"]);
    let moved = run("n2", "n1", &[("TRANSSHIP_MOVE_LABELS", "1")]);
    assert!(moved.status.success());
    assert_eq!(labels("n1"), vec!["p.db.2"]);
    assert_eq!(labels("n2"), vec!["p.db.1", "p.tier", "rack"]);
}
