//! Nomad backend on fixtures: every `fixtures/convert/*/` case whose `targets` include
//! `nomad` is loaded and converted (`case.json` may add `"nomad": {"driver": "podman",
//! "provider": "consul", "volume_type": "csi", "env_from_variables": true,
//! "memory_oversubscription": true, "job": "...", "datacenters": [...]}`); the job files
//! and warnings are snapshotted. A property test checks that any string in env values, args
//! and labels comes back byte-identical when the HCL is parsed again.

use crate::util::{cases, options_for, read_case, redact, root};
use hcl::expr::Expression;
use hcl::structure::{Block, Body};
use proptest::prelude::*;
use std::path::Path;
use transship::backend::Emitted;
use transship::backend::nomad::{Driver, Options, Provider, VolumeType, emit, hcl as nhcl};
use transship::load;
use transship::model::{Project, Service};
use transship::source::SourceMap;

fn nomad_cases() -> Vec<(std::path::PathBuf, Options)> {
    let mut out = Vec::new();
    for dir in cases("convert") {
        let text = std::fs::read_to_string(dir.join("case.json")).unwrap_or_else(|e| panic!("{e}"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let targets = v["targets"].as_array().cloned().unwrap_or_default();
        if !targets.iter().any(|t| t == "nomad") {
            continue;
        }
        let n = &v["nomad"];
        let opts = Options {
            job: n["job"].as_str().map(str::to_string),
            datacenters: n["datacenters"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            driver: if n["driver"] == "podman" {
                Driver::Podman
            } else {
                Driver::Docker
            },
            provider: if n["provider"] == "consul" {
                Provider::Consul
            } else {
                Provider::Nomad
            },
            volume_type: if n["volume_type"] == "csi" {
                VolumeType::Csi
            } else {
                VolumeType::Host
            },
            env_from_variables: n["env_from_variables"].as_bool().unwrap_or(false),
            memory_oversubscription: n["memory_oversubscription"].as_bool().unwrap_or(false),
            ..Options::default()
        };
        out.push((dir, opts));
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

fn render(e: &Emitted, sources: &SourceMap) -> String {
    let mut out = String::new();
    for f in &e.files {
        out.push_str(&format!("# file: {}\n{}", f.name, f.contents));
        if !f.contents.ends_with('\n') {
            out.push('\n');
        }
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
fn nomad_snapshots() {
    let all = nomad_cases();
    assert!(
        all.len() >= 25,
        "expected at least 25 nomad fixtures, found {}",
        all.len()
    );
    for (dir, opts) in all {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let (project, sources) = load_case(&dir);
        let text = match project {
            Err(e) => format!("load error: {e}\n"),
            Ok(p) => match emit(&p, &opts) {
                Ok(e) => {
                    // Deterministic: a second run gives the same bytes.
                    let again = emit(&p, &opts).map(|e| e.files).unwrap_or_default();
                    assert_eq!(e.files, again, "{name}: output differs between runs");
                    for f in &e.files {
                        assert!(
                            hcl::parse(&f.contents).is_ok(),
                            "{name}/{}: not HCL hcl-rs can parse",
                            f.name
                        );
                    }
                    render(&e, &sources)
                }
                Err(e) => format!("error: {e}\n"),
            },
        };
        insta::with_settings!({
            snapshot_path => root().join("snapshots/convert"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{name}@nomad"), redact(&text, &dir));
        });
    }
}

/// The block path `job/group/task/config` etc. below `body`.
fn find<'a>(body: &'a Body, path: &[&str]) -> Option<&'a Block> {
    let (first, rest) = path.split_first()?;
    let b = body.blocks().find(|b| b.identifier() == *first)?;
    if rest.is_empty() {
        Some(b)
    } else {
        find(b.body(), rest)
    }
}

/// What an HCL expression stands for after HCL's escapes are undone.
fn value(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.clone()),
        Expression::TemplateExpr(t) => match t.as_ref() {
            hcl::expr::TemplateExpr::Heredoc(h) => Some(nhcl::unescape_markers(&h.template)),
            hcl::expr::TemplateExpr::QuotedString(_) => None,
        },
        _ => None,
    }
}

/// An attribute's value in a block body, or in the object of the attribute form.
fn map_value(body: &Body, block_or_attr: &str, key: &str) -> Option<String> {
    if let Some(b) = body.blocks().find(|b| b.identifier() == block_or_attr) {
        return b
            .body()
            .attributes()
            .find(|a| a.key.as_str() == key)
            .and_then(|a| value(&a.expr));
    }
    let attr = body
        .attributes()
        .find(|a| a.key.as_str() == block_or_attr)?;
    let Expression::Object(obj) = &attr.expr else {
        return None;
    };
    obj.iter().find_map(|(k, v)| {
        let k = match k {
            hcl::expr::ObjectKey::Identifier(i) => i.to_string(),
            hcl::expr::ObjectKey::Expression(e) => value(e)?,
            _ => return None,
        };
        (k == key).then(|| value(v)).flatten()
    })
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just("$".to_string()),
                Just("%".to_string()),
                Just("{".to_string()),
                Just("}".to_string()),
                Just("\"".to_string()),
                Just("\\".to_string()),
                Just("\n".to_string()),
                Just("EOF".to_string()),
                Just("${a}".to_string()),
                Just("$${b}".to_string()),
                Just("%{if}".to_string()),
                Just("{{ .x }}".to_string()),
                "[a-z ]{0,3}".prop_map(|s| s),
            ],
            0..12
        )
        .prop_map(|v| v.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn strings_survive_the_trip_through_hcl(
        env in arbitrary_text(),
        arg in arbitrary_text(),
        label in arbitrary_text(),
        label_key in "[a-z][a-z.]{0,8}",
    ) {
        let mut svc = Service {
            name: "web".into(),
            image: Some("img".into()),
            command: Some(vec![arg.clone(), "x".into()]),
            ..Service::default()
        };
        svc.environment.insert("V".into(), Some(env.clone()));
        svc.labels.insert(label_key.clone(), label.clone());
        let mut project = Project { name: "p".into(), ..Project::default() };
        project.services.insert("web".into(), svc);
        let emitted = emit(&project, &Options::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let file = emitted.files.first().ok_or_else(|| TestCaseError::fail("no file"))?;
        let body: Body = hcl::parse(&file.contents).map_err(|e| TestCaseError::fail(format!("{e}\n{}", file.contents)))?;
        let config = find(&body, &["job", "group", "task", "config"]).ok_or_else(|| TestCaseError::fail("no config"))?;
        let task = find(&body, &["job", "group", "task"]).ok_or_else(|| TestCaseError::fail("no task"))?;
        let args = config.body().attributes().find(|a| a.key.as_str() == "args").map(|a| a.expr.clone());
        let Some(Expression::Array(args)) = args else {
            return Err(TestCaseError::fail("no args"));
        };
        prop_assert_eq!(args.first().and_then(value), Some(arg));
        prop_assert_eq!(map_value(task.body(), "env", "V"), Some(env));
        prop_assert_eq!(map_value(config.body(), "labels", &label_key), Some(label));
        // No value adds a block or attribute: the task has exactly its own.
        let blocks: Vec<&str> = task.body().blocks().map(|b| b.identifier()).collect();
        prop_assert_eq!(blocks, vec!["config", "env", "resources"]);
    }
}
