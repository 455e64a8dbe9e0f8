//! Nomad backend on fixtures: every `fixtures/convert/*/` case whose `targets` include
//! `nomad` is loaded and converted (`case.json` may add `"nomad": {"driver": "podman",
//! "provider": "consul", "volume_type": "csi", "env_from_variables": true,
//! "memory_oversubscription": true, "job": "...", "datacenters": [...]}`); the job files
//! and warnings are snapshotted, with the operator's plan (`DEPLOY.md`) between them.
//! Property tests check that any compose string reaches the container byte-identical
//! through both evaluations Nomad gives it: the jobspec parse (HCL) and, for driver
//! `config` strings, the client's second HCL pass; env values through the jobspec parse
//! and the client's `ReplaceEnv`.

use crate::util::{cases, options_for, read_case, redact, root};
use hcl::eval::{Context, Evaluate};
use hcl::expr::Expression;
use hcl::structure::{Block, Body};
use proptest::prelude::*;
use std::path::Path;
use transship::backend::Emitted;
use transship::backend::nomad::{
    Driver, Options, Provider, Topology, VolumeType, emit, hcl as nhcl,
};
use transship::load;
use transship::model::{Project, Service};
use transship::source::SourceMap;

fn topology(name: &str) -> Topology {
    match name {
        "mesh" => Topology::Mesh,
        "single-group" => Topology::SingleGroup,
        _ => Topology::Native,
    }
}

/// Every nomad case, once per topology its `"topologies"` list names (snapshot suffix
/// `@nomad-<topology>`), else once (`@nomad`).
fn nomad_cases() -> Vec<(std::path::PathBuf, Options, String)> {
    let mut out = Vec::new();
    for (dir, opts) in nomad_case_options() {
        let text = std::fs::read_to_string(dir.join("case.json")).unwrap_or_else(|e| panic!("{e}"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        match v["nomad"]["topologies"].as_array() {
            Some(list) => {
                for t in list.iter().filter_map(|t| t.as_str()) {
                    let mut o = opts.clone();
                    o.topology = topology(t);
                    if o.topology == Topology::Mesh {
                        o.provider = Provider::Consul;
                    }
                    out.push((dir.clone(), o, format!("nomad-{t}")));
                }
            }
            None => out.push((dir, opts, "nomad".to_string())),
        }
    }
    out
}

fn nomad_case_options() -> Vec<(std::path::PathBuf, Options)> {
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
            topology: topology(n["topology"].as_str().unwrap_or("native")),
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

/// The job files, then the operator's plan as `convert -o DIR` writes it (`DEPLOY.md`),
/// then the warnings.
fn render(e: &Emitted, project: &Project, sources: &SourceMap) -> String {
    let mut out = String::new();
    for f in &e.files {
        out.push_str(&format!("# file: {}\n{}", f.name, f.contents));
        if !f.contents.ends_with('\n') {
            out.push('\n');
        }
    }
    let describe =
        |span: transship::source::Span| (!span.is_synthetic()).then(|| sources.describe(span));
    out.push_str(&format!(
        "# file: DEPLOY.md\n{}",
        transship::backend::plan::render_markdown("Nomad", &project.name, &e.plan, &describe)
    ));
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
    for (dir, opts, suffix) in all {
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
                    let again = emit(&p, &opts).unwrap_or_default();
                    assert_eq!(e.files, again.files, "{name}: output differs between runs");
                    assert_eq!(e.plan, again.plan, "{name}: plan differs between runs");
                    for f in &e.files {
                        assert!(
                            hcl::parse(&f.contents).is_ok(),
                            "{name}/{}: not HCL hcl-rs can parse",
                            f.name
                        );
                    }
                    render(&e, &p, &sources)
                }
                Err(e) => format!("error: {e}\n"),
            },
        };
        insta::with_settings!({
            snapshot_path => root().join("snapshots/convert"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{name}@{suffix}"), redact(&text, &dir));
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

/// The string the jobspec parser makes of an expression: hcl-rs evaluates it with no
/// variables (it reads `$${` as `${` and `%%{` as `%{` as HashiCorp's scanner does), so an
/// interpolation or directive left in the job is an error here.
fn jobspec_eval(e: &Expression) -> Result<String, String> {
    match e.evaluate(&Context::new()) {
        Ok(hcl::Value::String(s)) => Ok(s),
        Ok(other) => Err(format!("not a string: {other:?}")),
        Err(err) => Err(format!("jobspec evaluation: {err}")),
    }
}

/// The Nomad client's second evaluation of a driver config string: it JSON-encodes the
/// config and parses it as HCL JSON, where every string is a template
/// (helper/pluginutils/hclutils `ParseHclInterface`, hcl/json/structure.go). HashiCorp's
/// template scanner (hclsyntax/scan_tokens.rl, `TemplateNotInterp`) takes `$${` as a literal
/// `${`, `%%{` as `%{`, a `$` or `%` before anything else literally; any other `${` / `%{`
/// opens an interpolation or directive, which here is a failure (an unknown variable at
/// best, a substitution at worst). Backslashes are literal in templates.
fn client_eval(s: &str) -> Result<String, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        let after = chars.get(i + 2).copied();
        if (c == '$' || c == '%') && next == Some(c) && after == Some('{') {
            out.push(c);
            out.push('{');
            i += 3;
        } else if (c == '$' || c == '%') && next == Some('{') {
            return Err(format!(
                "{c}{{ at {i} would be evaluated by the client: {s:?}"
            ));
        } else {
            out.push(c);
            i += 1;
        }
    }
    // hcl-rs's template evaluation must agree with the model.
    let theirs = s
        .parse::<hcl::Template>()
        .map_err(|e| e.to_string())
        .and_then(|t| t.evaluate(&Context::new()).map_err(|e| e.to_string()));
    if theirs.as_ref() != Ok(&out) {
        return Err(format!(
            "hcl-rs evaluates {s:?} to {theirs:?}, the model to {out:?}"
        ));
    }
    Ok(out)
}

/// What the container gets for a driver config string: both evaluations.
fn container_value(e: &Expression) -> Result<String, String> {
    client_eval(&jobspec_eval(e)?)
}

/// The client's `ReplaceEnv` on an env value (helper/args/args.go): `${name}` with a name
/// of `[a-zA-Z0-9_.-]` that the task environment or node attributes know is replaced; any
/// other text stays. The names below stand for what the client knows.
fn replace_env(s: &str) -> String {
    let known = [("NOMAD_ALLOC_ID", "0000"), ("node.unique.name", "client-1")];
    let mut out = s.to_string();
    for (name, value) in known {
        out = out.replace(&format!("${{{name}}}"), value);
    }
    out
}

fn attribute<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.attributes()
        .find(|a| a.key.as_str() == key)
        .map(|a| &a.expr)
}

/// The first element of a list attribute.
fn first_of<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    match attribute(body, key)? {
        Expression::Array(items) => items.first(),
        _ => None,
    }
}

/// A string map written as a block (`name { KEY = "v" }`) or an object attribute
/// (`name = { "k" = "v" }`), as (key, value) expressions.
fn map_entries(body: &Body, name: &str) -> Vec<(Expression, Expression)> {
    if let Some(b) = body.blocks().find(|b| b.identifier() == name) {
        return b
            .body()
            .attributes()
            .map(|a| (Expression::String(a.key.to_string()), a.expr.clone()))
            .collect();
    }
    let Some(Expression::Object(obj)) = attribute(body, name) else {
        return Vec::new();
    };
    obj.iter()
        .map(|(k, v)| {
            let k = match k {
                hcl::expr::ObjectKey::Identifier(i) => Expression::String(i.to_string()),
                hcl::expr::ObjectKey::Expression(e) => e.clone(),
                _ => Expression::Null,
            };
            (k, v.clone())
        })
        .collect()
}

/// The one (key, value) a map holds for the container: keys and values both evaluated twice
/// (the client evaluates object keys of `list(map(string))` options as templates).
fn container_map(body: &Body, name: &str) -> Result<Vec<(String, String)>, String> {
    map_entries(body, name)
        .iter()
        .map(|(k, v)| Ok((container_value(k)?, container_value(v)?)))
        .collect()
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
                Just("~".to_string()),
                Just("\"".to_string()),
                Just("\\".to_string()),
                Just("\n".to_string()),
                Just("\r".to_string()),
                Just("\t".to_string()),
                Just("\u{1}".to_string()),
                Just("é☃𝄞".to_string()),
                Just("EOF".to_string()),
                Just("${a}".to_string()),
                Just("$${b}".to_string()),
                Just("$$${c}".to_string()),
                Just("%{if}".to_string()),
                Just("%%{d}".to_string()),
                Just("${NOMAD_X}".to_string()),
                Just("{{ .x }}".to_string()),
                "[a-z ]{0,3}".prop_map(|s| s),
            ],
            0..12
        )
        .prop_map(|v| v.concat()),
    ]
}

/// A service that carries `t` in every driver config string the property test reads, and
/// `env` as an env value.
fn service_with(t: &Texts) -> Service {
    let mut svc = Service {
        name: "web".into(),
        image: Some(t.image.clone()),
        command: Some(vec![t.arg.clone(), "x".into()]),
        entrypoint: Some(vec![t.entrypoint.clone()]),
        working_dir: Some(t.work_dir.clone()),
        logging: Some(transship::model::Logging {
            driver: Some("json-file".into()),
            options: [(t.log_key.clone(), t.log_value.clone())]
                .into_iter()
                .collect(),
            ..Default::default()
        }),
        ..Service::default()
    };
    svc.environment.insert("V".into(), Some(t.env.clone()));
    svc.labels.insert(t.label_key.clone(), t.label.clone());
    svc.extra_hosts
        .0
        .insert(t.host.clone(), vec!["10.0.0.1".into()]);
    svc
}

#[derive(Debug, Clone)]
struct Texts {
    env: String,
    arg: String,
    entrypoint: String,
    image: String,
    work_dir: String,
    label_key: String,
    label: String,
    log_key: String,
    log_value: String,
    host: String,
}

fn texts() -> impl Strategy<Value = Texts> {
    (
        (
            arbitrary_text(),
            arbitrary_text(),
            arbitrary_text(),
            arbitrary_text(),
        ),
        (arbitrary_text(), arbitrary_text(), arbitrary_text()),
        (arbitrary_text(), arbitrary_text(), arbitrary_text()),
    )
        .prop_map(
            |(
                (env, arg, entrypoint, image),
                (work_dir, label_key, label),
                (log_key, log_value, host),
            )| {
                Texts {
                    env,
                    arg,
                    entrypoint,
                    image,
                    work_dir,
                    label_key,
                    label,
                    log_key,
                    log_value,
                    host,
                }
            },
        )
}

/// Nonblank texts: blank options are left out of the job, as compose leaves them unset.
fn nonblank(t: &Texts) -> bool {
    [&t.image, &t.work_dir].iter().all(|s| !s.is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn strings_reach_the_container_as_written(t in texts().prop_filter("blank", nonblank)) {
        let mut project = Project { name: "p".into(), ..Project::default() };
        project.services.insert("web".into(), Box::new(service_with(&t)));
        let emitted = emit(&project, &Options::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let file = emitted.files.first().ok_or_else(|| TestCaseError::fail("no file"))?;
        let body: Body = hcl::parse(&file.contents).map_err(|e| TestCaseError::fail(format!("{e}\n{}", file.contents)))?;
        let task = find(&body, &["job", "group", "task"]).ok_or_else(|| TestCaseError::fail("no task"))?;
        let config = find(task.body(), &["config"]).ok_or_else(|| TestCaseError::fail("no config"))?;
        let cfg = config.body();
        let twice = |e: Option<&Expression>| e.ok_or("missing".to_string()).and_then(container_value);
        prop_assert_eq!(twice(attribute(cfg, "image")), Ok(t.image.clone()));
        prop_assert_eq!(twice(first_of(cfg, "args")), Ok(t.arg.clone()));
        prop_assert_eq!(twice(first_of(cfg, "entrypoint")), Ok(t.entrypoint.clone()));
        prop_assert_eq!(twice(attribute(cfg, "work_dir")), Ok(t.work_dir.clone()));
        prop_assert_eq!(twice(first_of(cfg, "extra_hosts")), Ok(format!("{}:10.0.0.1", t.host)));
        prop_assert_eq!(container_map(cfg, "labels"), Ok(vec![(t.label_key.clone(), t.label.clone())]));
        let logging = find(cfg, &["logging"]).ok_or_else(|| TestCaseError::fail("no logging"))?;
        prop_assert_eq!(container_map(logging.body(), "config"), Ok(vec![(t.log_key.clone(), t.log_value.clone())]));
        // env: the jobspec parse, then ReplaceEnv, which leaves unknown names alone.
        let env = map_entries(task.body(), "env");
        let env: Result<Vec<(String, String)>, String> = env
            .iter()
            .map(|(k, v)| Ok((jobspec_eval(k)?, replace_env(&jobspec_eval(v)?))))
            .collect();
        prop_assert_eq!(env, Ok(vec![("V".to_string(), replace_env(&t.env))]));
        // No value adds a block or attribute: the task has exactly its own.
        let blocks: Vec<&str> = task.body().blocks().map(|b| b.identifier()).collect();
        prop_assert_eq!(blocks, vec!["config", "env", "resources", "service"]);
    }

    /// The client model itself: a string escaped for the driver config is evaluated back to
    /// what was escaped, and an unescaped `${` or `%{` is never taken literally.
    #[test]
    fn the_client_model_reads_escapes_like_hcl(s in arbitrary_text()) {
        let escaped = nhcl::escape_markers(&s);
        prop_assert_eq!(client_eval(&escaped), Ok(s.clone()));
        if s.contains("${") || s.contains("%{") {
            let raw = client_eval(&s);
            prop_assert!(raw.as_ref() != Ok(&s), "{:?} read literally: {:?}", s, raw);
        }
    }
}
