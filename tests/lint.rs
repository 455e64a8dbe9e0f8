//! Lint fixtures: every rule has `fixtures/lint/<rule-name>/bad` (triggers it, at the exact
//! `file:line:col` listed in its `case.json` `expect`) and `good` (does not trigger it); the
//! human and JSON output of both are snapshotted under `snapshots/lint`. Any other case
//! folder of a rule lists where it is reported (`expect`) and where suppressed (`suppressed`). Also: every rule's
//! documented example triggers it, `docs/rules/` is up to date, and the CLI's exit codes,
//! formats, configuration and suppression comments.

use crate::util::{options_for, read_case, redact, root};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use transship::backend::mapping::{KeyRule, Support};
use transship::cli::LintFormat;
use transship::commands::lint::render_findings;
use transship::commands::rules::doc_files;
use transship::lint::Finding;
use transship::lint::portability::target_table;
use transship::lint::rules::{ALL, TargetTable, example_yaml};
use transship::lint::run::{LintOptions, lint};
use transship::load;
use transship::source::SourceMap;

/// Stands in for a backend's table while the backends have none (see
/// `lint::portability::target_table`): drops `build`, approximates `ports` and `restart`.
const STAND_IN: &[KeyRule] = &[
    KeyRule {
        key: "build",
        support: Support::Dropped("images are pulled, never built, on this target"),
        to: "",
    },
    KeyRule {
        key: "ports",
        support: Support::Approximated("published ports use the ingress routing mesh"),
        to: "endpoint_spec.ports",
    },
    KeyRule {
        key: "restart",
        support: Support::Approximated("becomes the target's restart policy"),
        to: "restart",
    },
    KeyRule {
        key: "image",
        support: Support::Translated,
        to: "image",
    },
];

#[derive(Deserialize, Default)]
struct LintCase {
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    expect: Vec<String>,
    /// Where the rule's suppressed findings are (checked for cases other than `bad`/`good`).
    #[serde(default)]
    suppressed: Vec<String>,
    /// `--select` (opt-in rules run only when selected).
    #[serde(default)]
    select: Vec<String>,
}

fn tables(ids: &[String]) -> Vec<TargetTable> {
    ids.iter()
        .map(|id| {
            let id: &'static str = match id.as_str() {
                "nomad" => "nomad",
                "swarm" => "swarm",
                "systemd" => "systemd",
                other => panic!("unknown target {other}"),
            };
            TargetTable {
                id,
                table: Some(target_table(id).unwrap_or(STAND_IN)),
            }
        })
        .collect()
}

fn lint_case(dir: &Path) -> (SourceMap, Vec<Finding>) {
    let case = read_case(dir);
    let extra: LintCase = std::fs::read_to_string(dir.join("case.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let sources = SourceMap::new();
    let loaded = load::load(&options_for(dir, &case), &sources)
        .unwrap_or_else(|e| panic!("{}: {}", dir.display(), e.render(&sources)));
    let opts = LintOptions {
        targets: tables(&extra.targets),
        select: extra.select,
        ..LintOptions::default()
    };
    let findings = lint(&loaded, &sources, &opts);
    (sources, findings)
}

fn lint_case_json(dir: &Path) -> LintCase {
    let text = std::fs::read_to_string(dir.join("case.json")).unwrap_or_default();
    serde_json::from_str::<LintCase>(&text).unwrap_or_default()
}

fn expected(dir: &Path) -> Vec<String> {
    lint_case_json(dir).expect
}

fn locations(findings: &[Finding], rule: &str, sources: &SourceMap, dir: &Path) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| redact(&sources.describe(f.span), dir))
        .collect()
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => root().join("snapshots/lint"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

fn fixture_dir(rule_name: &str, kind: &str) -> PathBuf {
    root().join("fixtures/lint").join(rule_name).join(kind)
}

#[test]
fn every_rule_has_a_bad_and_a_good_fixture() {
    for r in ALL {
        for kind in ["bad", "good"] {
            let d = fixture_dir(r.meta.name, kind);
            assert!(d.join("case.json").is_file(), "missing {}", d.display());
        }
    }
}

#[test]
fn bad_fixtures_trigger_at_exact_locations_and_good_ones_do_not() {
    let mut failures = Vec::new();
    for r in ALL {
        let id = r.meta.id;
        let bad = fixture_dir(r.meta.name, "bad");
        let (sources, findings) = lint_case(&bad);
        let got = locations(&findings, id, &sources, &bad);
        let want = expected(&bad);
        if got.is_empty() {
            failures.push(format!("{id}: bad fixture does not trigger it"));
        } else if got != want {
            failures.push(format!("{id}: locations {got:?}, expected {want:?}"));
        }
        for (fmt, ext) in [(LintFormat::Human, "human"), (LintFormat::Json, "json")] {
            let text = redact(&render_findings(&findings, &sources, fmt, false), &bad);
            snapshot(&format!("{}__bad.{ext}", r.meta.name), &text);
        }
        let good = fixture_dir(r.meta.name, "good");
        let (sources, findings) = lint_case(&good);
        let got = locations(&findings, id, &sources, &good);
        if !got.is_empty() {
            failures.push(format!("{id}: good fixture triggers it at {got:?}"));
        }
        for (fmt, ext) in [(LintFormat::Human, "human"), (LintFormat::Json, "json")] {
            let text = redact(&render_findings(&findings, &sources, fmt, false), &good);
            snapshot(&format!("{}__good.{ext}", r.meta.name), &text);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Case folders of a rule besides `bad` and `good`, sorted.
fn extra_cases(rule_name: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/lint").join(rule_name))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.join("case.json").is_file() && !p.ends_with("bad") && !p.ends_with("good"));
    v.sort();
    v
}

#[test]
fn other_cases_report_and_suppress_at_exact_locations() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for r in ALL {
        for dir in extra_cases(r.meta.name) {
            checked += 1;
            let (sources, findings) = lint_case(&dir);
            let at = |suppressed: bool| {
                let open: Vec<Finding> = findings
                    .iter()
                    .filter(|f| f.suppressed.is_some() == suppressed)
                    .cloned()
                    .collect();
                locations(&open, r.meta.id, &sources, &dir)
            };
            let want = lint_case_json(&dir);
            let (reported, suppressed) = (at(false), at(true));
            if reported != want.expect || suppressed != want.suppressed {
                failures.push(format!(
                    "{}: reported {reported:?}, suppressed {suppressed:?}; expected {:?}, {:?}",
                    dir.display(),
                    want.expect,
                    want.suppressed
                ));
            }
        }
    }
    assert!(checked > 0, "no case folders besides bad/good");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn documented_examples_trigger_their_rule() {
    let mut failures = Vec::new();
    for r in ALL {
        let Some(yaml) = example_yaml(r.meta) else {
            failures.push(format!("{}: no example", r.meta.id));
            continue;
        };
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("compose.yaml"), yaml).unwrap_or_else(|e| panic!("{e}"));
        let case: crate::util::Case =
            serde_json::from_str(r#"{"files": ["compose.yaml"], "project": "example"}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        let sources = SourceMap::new();
        let loaded = match load::load(&options_for(dir.path(), &case), &sources) {
            Ok(l) => l,
            Err(e) => {
                failures.push(format!(
                    "{}: example does not load: {}",
                    r.meta.id,
                    e.render(&sources)
                ));
                continue;
            }
        };
        // Some rules need a target (TS306, TS5xx), and a Swarm target changes what others
        // report (TS201): the example must trigger its rule with or without one.
        let triggers = |targets: &[String]| {
            let opts = LintOptions {
                targets: tables(targets),
                select: vec![r.meta.id.to_string()],
                ..LintOptions::default()
            };
            lint(&loaded, &sources, &opts)
                .iter()
                .any(|f| f.rule == r.meta.id)
        };
        if !triggers(&[]) && !triggers(&["swarm".to_string()]) {
            failures.push(format!("{}: example does not trigger it", r.meta.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `docs/rules/` is generated from the rules; `TRANSSHIP_BLESS=1 cargo test` rewrites it.
#[test]
fn rule_docs_are_up_to_date() {
    let dir = root().join("docs/rules");
    let bless = std::env::var_os("TRANSSHIP_BLESS").is_some();
    let files = doc_files();
    let mut stale = Vec::new();
    for (name, text) in &files {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            if bless {
                std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
                std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
            } else {
                stale.push(name.clone());
            }
        }
    }
    let extra: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| !files.iter().any(|(f, _)| f == n))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "docs/rules is stale (run TRANSSHIP_BLESS=1 cargo test rule_docs): changed {stale:?}, unexpected {extra:?}"
    );
}

// ---- the command line ----

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn transship(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_transship"));
    cmd.current_dir(dir)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/tmp");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, text) in files {
        let p = dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

const CLEAN: &str = "services:\n  web:\n    image: nginx:1.27@sha256:4aea012537edfad80f98d870a36e6b90b4c09b27be7f4b4759d72db863baeebb\n    restart: unless-stopped\n    mem_limit: 256m\n";
const PRIVILEGED: &str = "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n";

#[test]
fn exit_codes() {
    let clean = project(&[("compose.yaml", CLEAN)]);
    let r = transship(clean.path(), &["lint"], &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.ends_with("0 errors, 0 warnings, 0 infos\n"),
        "{}",
        r.stdout
    );

    let bad = project(&[("compose.yaml", PRIVILEGED)]);
    let r = transship(bad.path(), &["lint"], &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("error[TS401]: `web` runs privileged"),
        "{}",
        r.stdout
    );
    // Below the threshold: only warnings and infos.
    let r = transship(bad.path(), &["lint", "--ignore", "TS401"], &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = transship(
        bad.path(),
        &["lint", "--ignore", "TS401", "--fail-on", "warning"],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);

    let broken = project(&[("compose.yaml", "services:\n  web: [\n")]);
    let r = transship(broken.path(), &["lint"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("compose.yaml"), "{}", r.stderr);

    for wrong in [
        vec!["lint", "--select", "TS999"],
        vec!["lint", "--format", "xml"],
        vec!["lint", "--fail-on", "never"],
        vec!["lint", "--config", "missing.toml"],
    ] {
        let r = transship(clean.path(), &wrong, &[]);
        assert_eq!(r.code, 2, "{wrong:?}: {}{}", r.stdout, r.stderr);
    }
    let none = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(transship(none.path(), &["lint"], &[]).code, 2);
}

#[test]
fn no_colour_off_a_terminal_or_with_no_color() {
    let bad = project(&[("compose.yaml", PRIVILEGED)]);
    for env in [vec![], vec![("NO_COLOR", "1")]] {
        let r = transship(bad.path(), &["lint"], &env);
        assert!(!r.stdout.contains('\u{1b}'), "{}", r.stdout);
    }
}

#[test]
fn inline_suppression_on_the_line_or_above() {
    let text = "services:\n  web:\n    image: nginx:1.27\n    # transship-ignore: TS401 the agent needs it\n    privileged: true\n    pid: host # transship-ignore: host-pid-mode, TS203\n";
    let dir = project(&[("compose.yaml", text)]);
    let r = transship(dir.path(), &["lint", "--format", "json"], &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    let find = |rule: &str| {
        v["findings"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["rule"] == rule).cloned())
            .unwrap_or_default()
    };
    assert_eq!(find("TS401")["suppressed"], true);
    assert_eq!(find("TS401")["suppression_reason"], "the agent needs it");
    assert_eq!(find("TS401")["line"], 5);
    assert_eq!(find("TS404")["suppressed"], true);
    // The comment names TS203, but TS203's finding is on `web:` (line 2): not covered.
    assert_eq!(find("TS203")["suppressed"], false);
    let human = transship(dir.path(), &["lint"], &[]).stdout;
    assert!(!human.contains("TS401"), "{human}");
}

#[test]
fn file_level_suppression_covers_its_own_file_only() {
    let dir = root().join("fixtures/lint/image-latest-tag/file-ignore");
    let args = |format: &'static str| {
        [
            "-f",
            "compose.yaml",
            "-f",
            "compose.prod.yaml",
            "lint",
            "--select",
            "TS302",
            "--format",
            format,
        ]
    };
    let r = transship(&dir, &args("json"), &[]);
    let findings = json_findings(&r.stdout);
    let of = |file: &str| {
        findings
            .iter()
            .find(|f| f["file"] == file)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(of("compose.yaml")["suppressed"], true, "{findings:?}");
    assert_eq!(of("compose.yaml")["suppression_kind"], "inline");
    assert_eq!(
        of("compose.yaml")["suppression_reason"],
        "rebuilt from main every night"
    );
    assert_eq!(of("compose.prod.yaml")["suppressed"], false, "{findings:?}");
    // TS302 is a warning: the override's finding is reported but does not fail.
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = transship(&dir, &args("sarif"), &[]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    let results = v["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(results.len(), 2, "{results:?}");
    let sup: Vec<_> = results
        .iter()
        .filter_map(|r| r["suppressions"].as_array().cloned())
        .collect();
    assert_eq!(sup.len(), 1, "{results:?}");
    assert_eq!(sup[0][0]["kind"], "inSource");
    assert_eq!(sup[0][0]["justification"], "rebuilt from main every night");
    let human = transship(&dir, &args("human"), &[]).stdout;
    assert!(human.contains("compose.prod.yaml:3:12"), "{human}");
    assert!(!human.contains("compose.yaml:6:12"), "{human}");
}

#[test]
fn file_level_suppression_in_an_env_file_covers_its_findings() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    env_file: app.env\n    environment:\n      API_TOKEN: s3cr3t-value\n",
        ),
        (
            "app.env",
            "# transship-ignore-file: TS407 throwaway dev credentials\nDB_PASSWORD=hunter2\n",
        ),
    ]);
    let r = transship(
        dir.path(),
        &["lint", "--format", "json", "--select", "TS407"],
        &[],
    );
    let findings = json_findings(&r.stdout);
    let of = |file: &str| {
        findings
            .iter()
            .find(|f| f["file"].as_str().is_some_and(|p| p.ends_with(file)))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(of("app.env")["suppressed"], true, "{findings:?}");
    assert_eq!(
        of("app.env")["suppression_reason"],
        "throwaway dev credentials"
    );
    // The compose file has no marker of its own.
    assert_eq!(of("compose.yaml")["suppressed"], false, "{findings:?}");
}

fn json_findings(stdout: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(stdout).unwrap_or_default();
    v["findings"].as_array().cloned().unwrap_or_default()
}

#[test]
fn config_suppressions_carry_their_reason_to_json_and_sarif() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  agent:\n    image: busybox:1.36\n    privileged: true\n  web:\n    image: nginx:1.27\n    privileged: true\n",
        ),
        (
            ".transship.toml",
            "[[lint.suppress]]\nrule = \"privileged-container\"\nservice = \"agent\"\nreason = \"the node agent needs the host\"\n",
        ),
    ]);
    let r = transship(
        dir.path(),
        &["lint", "--format", "json", "--select", "TS401"],
        &[],
    );
    let findings = json_findings(&r.stdout);
    let of = |svc: &str| {
        findings
            .iter()
            .find(|f| f["key_path"] == format!("services.{svc}.privileged"))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(of("agent")["suppressed"], true, "{findings:?}");
    assert_eq!(of("agent")["suppression_kind"], "config");
    assert_eq!(
        of("agent")["suppression_reason"],
        "the node agent needs the host"
    );
    // Narrowed to `agent`: `web` still fails the gate.
    assert_eq!(of("web")["suppressed"], false);
    assert_eq!(r.code, 1);
    let r = transship(
        dir.path(),
        &["lint", "--format", "sarif", "--select", "TS401"],
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    let results = v["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let sup: Vec<_> = results
        .iter()
        .filter_map(|r| r["suppressions"].as_array().cloned())
        .collect();
    assert_eq!(sup.len(), 1, "{results:?}");
    assert_eq!(sup[0][0]["kind"], "external");
    assert_eq!(sup[0][0]["justification"], "the node agent needs the host");
}

#[test]
fn baseline_reports_only_new_findings() {
    let old = "services:\n  web:\n    image: nginx:latest\n    privileged: true\n";
    let dir = project(&[("compose.yaml", old)]);
    let before = transship(dir.path(), &["lint"], &[]);
    assert_eq!(before.code, 1, "{}", before.stdout);
    let w = transship(
        dir.path(),
        &["lint", "--write-baseline", "lint-baseline.json"],
        &[],
    );
    assert_eq!(w.code, 0, "{}", w.stderr);
    let recorded = std::fs::read_to_string(dir.path().join("lint-baseline.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        recorded.contains("\"file\": \"compose.yaml\""),
        "{recorded}"
    );
    assert!(
        !recorded.contains("\"line\""),
        "lines are not part of the identity: {recorded}"
    );
    // Writing it again gives the same bytes.
    transship(
        dir.path(),
        &["lint", "--write-baseline", "lint-baseline.json"],
        &[],
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("lint-baseline.json")).unwrap_or_default(),
        recorded
    );

    let with_baseline_json = [
        "lint",
        "--baseline",
        "lint-baseline.json",
        "--format",
        "json",
    ];
    // Lines move, nothing new: clean, the old findings kept as suppressed.
    let moved = format!("# a comment\n\n{old}");
    std::fs::write(dir.path().join("compose.yaml"), &moved).unwrap_or_else(|e| panic!("{e}"));
    let r = transship(
        dir.path(),
        &["lint", "--baseline", "lint-baseline.json"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = transship(dir.path(), &with_baseline_json, &[]);
    let findings = json_findings(&r.stdout);
    assert!(!findings.is_empty());
    assert!(
        findings.iter().all(|f| f["suppression_kind"] == "baseline"),
        "{findings:?}"
    );

    // A new problem is reported, and only it.
    let grown = format!("{moved}  db:\n    image: postgres:16\n    privileged: true\n");
    std::fs::write(dir.path().join("compose.yaml"), grown).unwrap_or_else(|e| panic!("{e}"));
    let r = transship(dir.path(), &with_baseline_json, &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let new: Vec<_> = json_findings(&r.stdout)
        .into_iter()
        .filter(|f| f["suppressed"] == false)
        .collect();
    assert!(!new.is_empty());
    assert!(
        new.iter().all(|f| f["key_path"]
            .as_str()
            .is_some_and(|k| k.starts_with("services.db"))),
        "{new:?}"
    );

    // A missing or malformed baseline is a usage error, not a silent pass.
    assert_eq!(
        transship(dir.path(), &["lint", "--baseline", "nope.json"], &[]).code,
        2
    );
    std::fs::write(dir.path().join("bad.json"), "{}").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        transship(dir.path(), &["lint", "--baseline", "bad.json"], &[]).code,
        2
    );
}

#[test]
fn config_file_severities_and_ignores() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: nginx:latest\n  debug:\n    image: busybox:1.36\n    privileged: true\n",
        ),
        (
            ".transship.toml",
            "[lint]\nignore-services = [\"debug\"]\n[lint.rules]\nimage-latest-tag = \"error\"\nTS201 = \"off\"\n",
        ),
    ]);
    let r = transship(dir.path(), &["lint", "--format", "json"], &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    assert!(
        findings
            .iter()
            .all(|f| f["rule"] != "TS201" && f["rule"] != "TS401"),
        "{findings:?}"
    );
    let latest = findings
        .iter()
        .find(|f| f["rule"] == "TS302")
        .cloned()
        .unwrap_or_default();
    assert_eq!(latest["severity"], "error");
    assert_eq!(
        (latest["line"].as_u64(), latest["column"].as_u64()),
        (Some(3), Some(12))
    );

    std::fs::write(
        dir.path().join("other.toml"),
        "[lint]\nfail-on = \"off\"\nignore-paths = [\"compose.yaml\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let r = transship(dir.path(), &["lint", "--config", "other.toml"], &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.ends_with("0 errors, 0 warnings, 0 infos\n"),
        "{}",
        r.stdout
    );
    let bad = transship(dir.path(), &["lint", "--config", "bad.toml"], &[]);
    assert_eq!(bad.code, 2);
}

#[test]
fn github_and_sarif_formats() {
    let dir = project(&[("compose.yaml", PRIVILEGED)]);
    let r = transship(
        dir.path(),
        &["lint", "--format", "github", "--select", "TS401"],
        &[],
    );
    assert_eq!(
        r.stdout,
        "::error file=compose.yaml,line=4,col=5,title=TS401::TS401: `web` runs privileged (services.web.privileged)\n"
    );
    let r = transship(dir.path(), &["lint", "--format", "sarif"], &[]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(rules.iter().any(|r| {
        r["id"] == "TS401"
            && r["help"]["markdown"]
                .as_str()
                .is_some_and(|h| h.contains("## Fix"))
    }));
    let res = run["results"].as_array().cloned().unwrap_or_default();
    let p = res
        .iter()
        .find(|x| x["ruleId"] == "TS401")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        p["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    assert_eq!(
        p["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "compose.yaml"
    );
}

#[test]
fn targets_enable_target_rules() {
    let dir = project(&[("compose.yaml", "services:\n  app:\n    build: .\n")]);
    let plain = transship(dir.path(), &["lint", "--select", "TS306"], &[]);
    assert!(!plain.stdout.contains("TS306"), "{}", plain.stdout);
    let r = transship(
        dir.path(),
        &[
            "lint", "--select", "TS306", "--target", "swarm", "--target", "nomad",
        ],
        &[],
    );
    assert!(
        r.stdout.contains(
            "warning[TS306]: `app` is built locally but names no image to pull on swarm, nomad"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("--> compose.yaml:3:5"), "{}", r.stdout);
    // As convert --to: one comma-separated list, or --to itself.
    for list in [["--target", "swarm,nomad"], ["--to", "swarm,nomad"]] {
        let args = ["lint", "--select", "TS306", list[0], list[1]];
        assert_eq!(transship(dir.path(), &args, &[]).stdout, r.stdout);
    }
    assert_eq!(
        transship(dir.path(), &["lint", "--target", "k8s"], &[]).code,
        2
    );
}

#[test]
fn rules_command() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let r = transship(dir.path(), &["rules"], &[]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.lines().count() >= 30, "{}", r.stdout);
    assert!(r.stdout.lines().all(|l| l.starts_with("TS")));
    let r = transship(dir.path(), &["rules", "TS402"], &[]);
    assert!(
        r.stdout.starts_with("# TS402 docker-socket-mount\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("## Why") && r.stdout.contains("## Fix") && r.stdout.contains("```yaml")
    );
    assert_eq!(
        transship(dir.path(), &["rules", "docker-socket-mount"], &[]).stdout,
        r.stdout
    );
    assert_eq!(transship(dir.path(), &["rules", "TS000"], &[]).code, 2);
}

/// The rules that fired, with their lines, in `transship lint --format json ARGS`.
fn fired(dir: &Path, args: &[&str]) -> Vec<(String, u64)> {
    let mut all = vec!["lint", "--format", "json"];
    all.extend_from_slice(args);
    let r = transship(dir, &all, &[]);
    assert!(r.code == 0 || r.code == 1, "{}{}", r.stdout, r.stderr);
    json_findings(&r.stdout)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn swarm_stacks_need_no_restart_policy() {
    let plain = project(&[(
        "compose.yaml",
        "services:\n  api:\n    image: example/api:1.0\n",
    )]);
    let ts201 = |dir: &Path, args: &[&str]| {
        let mut all = vec!["--select", "TS201"];
        all.extend_from_slice(args);
        fired(dir, &all).len()
    };
    assert_eq!(ts201(plain.path(), &[]), 1);
    // Swarm restarts tasks by default; with another target too, the policy still matters.
    assert_eq!(ts201(plain.path(), &["--target", "swarm"]), 0);
    assert_eq!(ts201(plain.path(), &["--target", "swarm,systemd"]), 1);
    // Keys only `docker stack deploy` honours make the file a stack.
    let stack = project(&[(
        "compose.yaml",
        "services:\n  api:\n    image: example/api:1.0\n  web:\n    image: example/web:1.0\n    deploy:\n      placement:\n        constraints: [node.role == worker]\n",
    )]);
    assert_eq!(ts201(stack.path(), &[]), 0);
    let replicas = project(&[(
        "compose.yaml",
        "services:\n  api:\n    image: example/api:1.0\n    deploy:\n      replicas: 2\n",
    )]);
    assert_eq!(ts201(replicas.path(), &[]), 1);
}

#[test]
fn opt_in_rules_run_when_selected_or_configured() {
    let compose = (
        "compose.yaml",
        "services:\n  web:\n    image: example/web:1.0\n",
    );
    let dir = project(&[compose]);
    let hardening = |found: &[(String, u64)]| {
        let mut ids: Vec<&str> = found
            .iter()
            .map(|(r, _)| r.as_str())
            .filter(|r| ["TS419", "TS420", "TS421"].contains(r))
            .collect();
        ids.sort_unstable();
        ids.join(",")
    };
    assert_eq!(hardening(&fired(dir.path(), &[])), "");
    assert_eq!(
        hardening(&fired(dir.path(), &["--select", "TS420"])),
        "TS420"
    );
    let configured = project(&[
        compose,
        (
            ".transship.toml",
            "[lint.rules]\nmissing-no-new-privileges = \"warning\"\nTS421 = \"info\"\n",
        ),
    ]);
    assert_eq!(hardening(&fired(configured.path(), &[])), "TS419,TS421");
}

#[test]
fn rule_options_extend_the_built_in_lists() {
    let compose = (
        "compose.yaml",
        "services:\n  app:\n    image: example/app:rc\n    environment:\n      LICENSE_CODE: abc123\n  queue:\n    image: example/nats:2.10\n    ports:\n      - \"4222:4222\"\n  registry-db:\n    image: example/registry-db:2.1\n    ports:\n      - \"5430:5431\"\n",
    );
    let rules = ["--select", "TS310,TS407,TS408"];
    assert_eq!(fired(project(&[compose]).path(), &rules), Vec::new());
    let dir = project(&[
        compose,
        (
            ".transship.toml",
            "[lint.options.image-moving-tag]\ntags = [\"rc\"]\n[lint.options.TS408]\nports = [4222]\nimages = [\"registry-db\"]\n[lint.options.plaintext-secret-in-environment]\nnames = [\"license_*\"]\n",
        ),
    ]);
    let mut got = fired(dir.path(), &rules);
    got.sort();
    let want: Vec<(String, u64)> = [("TS310", 3), ("TS407", 5), ("TS408", 9), ("TS408", 13)]
        .iter()
        .map(|(r, l)| (r.to_string(), *l))
        .collect();
    assert_eq!(got, want);
    // An option for a rule that takes none is a configuration error.
    let typo = project(&[
        compose,
        (
            ".transship.toml",
            "[lint.options.image-latest-tag]\ntags = [\"rc\"]\n",
        ),
    ]);
    assert_eq!(transship(typo.path(), &["lint"], &[]).code, 2);
}

#[test]
fn max_warnings_fails_past_the_limit_and_ignores_suppressed_ones() {
    // Two warnings (a `latest` tag and no restart policy, among others): count them first.
    let dir = project(&[(
        "compose.yaml",
        "services:\n  web:\n    image: nginx:latest\n",
    )]);
    let r = transship(dir.path(), &["lint", "--format", "json"], &[]);
    let warnings = json_findings(&r.stdout)
        .iter()
        .filter(|f| f["severity"] == "warning" && f["suppressed"] == false)
        .count();
    assert!(warnings >= 1, "{}", r.stdout);
    let at = warnings.to_string();
    let below = (warnings - 1).to_string();
    assert_eq!(
        transship(dir.path(), &["lint", "--max-warnings", &at], &[]).code,
        0
    );
    let r = transship(dir.path(), &["lint", "--max-warnings", &below], &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stderr.contains(&format!(
            "{warnings} warnings, more than --max-warnings {below}"
        )),
        "{}",
        r.stderr
    );
    // Suppressed (here: all rules, inline) never count.
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web: # transship-ignore: all\n    image: nginx:latest # transship-ignore: all\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let r = transship(dir.path(), &["lint", "--format", "json"], &[]);
    let open = json_findings(&r.stdout)
        .iter()
        .filter(|f| f["severity"] == "warning" && f["suppressed"] == false)
        .count();
    assert_eq!(
        transship(
            dir.path(),
            &["lint", "--max-warnings", &open.to_string()],
            &[]
        )
        .code,
        0
    );
}

#[test]
fn codeclimate_and_junit_formats() {
    let dir = project(&[("compose.yaml", PRIVILEGED)]);
    let r = transship(
        dir.path(),
        &["lint", "--format", "codeclimate", "--select", "TS401"],
        &[],
    );
    assert_eq!(r.code, 1);
    let v: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap_or_default();
    assert_eq!(v.len(), 1, "{}", r.stdout);
    assert_eq!(v[0]["check_name"], "TS401");
    assert_eq!(v[0]["severity"], "major");
    assert_eq!(v[0]["location"]["path"], "compose.yaml");
    assert_eq!(v[0]["location"]["lines"]["begin"], 4);
    assert_eq!(v[0]["fingerprint"].as_str().map(str::len), Some(32));
    let r = transship(
        dir.path(),
        &["lint", "--format", "junit", "--select", "TS401"],
        &[],
    );
    assert!(r.stdout.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"transship lint\" tests=\"1\" failures=\"1\""), "{}", r.stdout);
    assert!(r.stdout.contains("<testcase name=\"TS401 services.web.privileged\" classname=\"compose.yaml\" time=\"0\">"), "{}", r.stdout);
}
