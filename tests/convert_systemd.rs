//! systemd and Quadlet backends on fixtures: every `fixtures/convert/*/` case whose `targets`
//! include `systemd` (or `quadlet`) is converted (`case.json` may add `"systemd": {"runtime":
//! "podman", "fleet": true, "instance_port": true}`) and the files and warnings are
//! snapshotted. A property test parses the unit and env file the way systemd does and checks
//! that environment values, command arguments and labels come back byte for byte, with no
//! extra directive.

use crate::util::{cases, options_for, read_case, redact, root};
use proptest::prelude::*;
use std::path::Path;
use transship::backend::Emitted;
use transship::backend::systemd::{Options, Runtime, emit, quadlet};
use transship::load;
use transship::model::{Project, Service};
use transship::source::SourceMap;

fn systemd_cases(target: &str) -> Vec<(std::path::PathBuf, Options, bool)> {
    let mut out = Vec::new();
    for dir in cases("convert") {
        let text = std::fs::read_to_string(dir.join("case.json")).unwrap_or_else(|e| panic!("{e}"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let targets = v["targets"].as_array().cloned().unwrap_or_default();
        if !targets.iter().any(|t| t == target) {
            continue;
        }
        let s = &v["systemd"];
        let opts = Options {
            runtime: if s["runtime"] == "podman" {
                Runtime::Podman
            } else {
                Runtime::Docker
            },
            instance_port: s["instance_port"].as_bool().unwrap_or(false),
            fleet: s["fleet"].as_bool().unwrap_or(false),
            env_dir: None,
            templates: None,
            project_root: s["project_root"].as_str().map(str::to_string),
            podman_version: s["podman_version"]
                .as_str()
                .map_or_else(Default::default, |v| {
                    v.parse()
                        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                }),
            // Filled from the load below (the case's environment and .env).
            environment: Default::default(),
            env_from: s["env_from"].as_str().map(|v| {
                v.parse()
                    .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            }),
        };
        // `"plan": true` adds the install plan (DEPLOY.md) to the snapshot.
        let plan = s["plan"].as_bool().unwrap_or(false);
        out.push((dir, opts, plan));
    }
    out
}

type Environment = transship::load::options::Environment;

fn load_case(dir: &Path) -> (Result<(Project, Environment), String>, SourceMap) {
    let case = read_case(dir);
    let sources = SourceMap::new();
    let r = load::load(&options_for(dir, &case), &sources)
        .map(|l| (l.project, l.environment))
        .map_err(|e| e.render(&sources));
    (r, sources)
}

fn render(e: &Emitted, sources: &SourceMap, plan: Option<(&str, &str)>) -> String {
    let mut out = String::new();
    for f in &e.files {
        out.push_str(&format!("# file: {}\n{}", f.name, f.contents));
        if !f.contents.ends_with('\n') {
            out.push('\n');
        }
    }
    // The install plan as `convert -o DIR` writes it (`DEPLOY.md`), for the cases that ask.
    if let Some((target, project)) = plan {
        let describe =
            |span: transship::source::Span| (!span.is_synthetic()).then(|| sources.describe(span));
        let md = transship::backend::plan::render_markdown(target, project, &e.plan, &describe);
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

fn snapshots(target: &str, min: usize) {
    let all = systemd_cases(target);
    assert!(
        all.len() >= min,
        "expected at least {min} {target} fixtures, found {}",
        all.len()
    );
    for (dir, mut opts, show_plan) in all {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let (loaded, sources) = load_case(&dir);
        let project = loaded.map(|(p, env)| {
            opts.environment = env;
            p
        });
        let run = |p: &Project| {
            if target == "quadlet" {
                quadlet::emit(p, &opts)
            } else {
                emit(p, &opts)
            }
        };
        let text = match project {
            Err(e) => format!("load error: {e}\n"),
            Ok(p) => match run(&p) {
                Ok(e) => {
                    let again = run(&p).map(|e| e.files).unwrap_or_default();
                    assert_eq!(e.files, again, "{name}: output differs between runs");
                    let title = if target == "quadlet" {
                        "Podman Quadlet"
                    } else {
                        "systemd"
                    };
                    render(&e, &sources, show_plan.then_some((title, p.name.as_str())))
                }
                Err(e) => format!("error: {e}\n"),
            },
        };
        insta::with_settings!({
            snapshot_path => root().join("snapshots/convert"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{name}@{target}"), redact(&text, &dir));
        });
    }
}

#[test]
fn systemd_snapshots() {
    snapshots("systemd", 15);
}

#[test]
fn quadlet_snapshots() {
    snapshots("quadlet", 5);
}

/// The built-in Quadlet templates are rendered in Rust unless `--templates` overrides them:
/// every Quadlet fixture converted with the `.tera` files themselves given as overrides
/// (so tera renders them) writes the same bytes.
#[test]
fn builtin_templates_match_tera() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, text) in transship::backend::systemd::render::BUILTIN {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }
    let mut compared = 0;
    for (case, mut opts, _) in systemd_cases("quadlet") {
        let (loaded, _) = load_case(&case);
        let Ok((p, env)) = loaded else { continue };
        opts.environment = env;
        let Ok(native) = quadlet::emit(&p, &opts) else {
            continue;
        };
        opts.templates = Some(dir.path().to_path_buf());
        let by_tera = quadlet::emit(&p, &opts).unwrap_or_else(|e| panic!("{e}"));
        for (a, b) in native.files.iter().zip(&by_tera.files) {
            assert_eq!(a.name, b.name, "{}", case.display());
            assert_eq!(a.contents, b.contents, "{}: {}", case.display(), a.name);
        }
        assert_eq!(
            native.files.len(),
            by_tera.files.len(),
            "{}",
            case.display()
        );
        compared += native.files.len();
    }
    assert!(compared > 20, "only {compared} Quadlet files compared");
}

/// Directive lines of a unit file, continuation lines joined as systemd joins them.
fn directives(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        if pending.is_empty() && (line.starts_with('#') || line.starts_with(';')) {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let full = std::mem::take(&mut pending);
        if full.starts_with('[') || full.trim().is_empty() {
            continue;
        }
        if let Some((k, v)) = full.split_once('=') {
            out.push((k.trim().to_string(), v.trim_start().to_string()));
        }
    }
    out
}

/// systemd's `extract_first_word` with unquoting and C unescaping, then `%%` and `$$`.
fn exec_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut w = String::new();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match c {
                '"' => quoted = !quoted,
                '\\' => match chars.next() {
                    Some('n') => w.push('\n'),
                    Some('t') => w.push('\t'),
                    Some('r') => w.push('\r'),
                    Some('x') => {
                        let hex: String = chars.by_ref().take(2).collect();
                        w.push(char::from(u8::from_str_radix(&hex, 16).unwrap_or(0)));
                    }
                    Some(other) => w.push(other),
                    None => {}
                },
                c if c.is_whitespace() && !quoted => break,
                c => w.push(c),
            }
        }
        words.push(w.replace("%%", "%").replace("$$", "$"));
    }
    words
}

/// systemd's EnvironmentFile parser for `KEY="value"` lines.
fn env_file(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        let mut value = String::new();
        if chars.next() == Some('"') {
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some(n @ ('"' | '\\' | '`' | '$')) => value.push(n),
                        Some('\n') => {}
                        Some(n) => {
                            value.push('\\');
                            value.push(n);
                        }
                        None => {}
                    },
                    c => value.push(c),
                }
            }
        }
        while chars.peek().is_some_and(|c| *c != '\n') {
            chars.next();
        }
        chars.next();
        out.push((key.trim().to_string(), value));
    }
    out
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^\u{0}]{0,24}",
        proptest::collection::vec(
            prop_oneof![
                Just("%".to_string()),
                Just("$".to_string()),
                Just("\"".to_string()),
                Just("'".to_string()),
                Just("\\".to_string()),
                Just("\n".to_string()),
                Just("\nExecStartPre=/bin/evil".to_string()),
                Just(" ".to_string()),
                Just(";".to_string()),
                Just("#".to_string()),
                Just("%i".to_string()),
                Just("${HOME}".to_string()),
                "[a-z]{0,3}".prop_map(|s| s),
            ],
            0..10
        )
        .prop_map(|v| v.concat()),
    ]
}

/// The `Exec*=` lines of `key` whose words (as systemd reads them) start with `first`.
fn exec_lines(dirs: &[(String, String)], key: &str, first: &str) -> Vec<Vec<String>> {
    dirs.iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| exec_words(v))
        .filter(|w| w.first().map(String::as_str) == Some(first))
        .collect()
}

/// A service `web` with the given values, awaited healthy by `api` (so its unit has the
/// health wait), mounting `dir` (a bind compose creates).
fn probe_project(env: &str, arg: &str, label: &str, image: &str, dir: &str) -> Project {
    let mut svc = Service {
        name: "web".into(),
        image: Some(image.into()),
        command: Some(vec![arg.to_string()]),
        healthcheck: Some(transship::model::Healthcheck::default()),
        ..Service::default()
    };
    svc.environment.insert("V".into(), Some(env.to_string()));
    svc.labels.insert("k".into(), label.to_string());
    svc.volumes.push(transship::model::ServiceVolume {
        kind: Some("bind".into()),
        source: Some(dir.to_string()),
        target: Some("/data".into()),
        bind: Some(transship::model::VolumeBind {
            create_host_path: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    });
    let mut api = Service {
        name: "api".into(),
        image: Some("api".into()),
        ..Service::default()
    };
    api.depends_on.insert(
        "web".into(),
        transship::model::Dependency {
            condition: Some("service_healthy".into()),
            required: true,
            ..Default::default()
        },
    );
    let mut project = Project {
        name: "p".into(),
        ..Project::default()
    };
    project.services.insert("web".into(), Box::new(svc));
    project.services.insert("api".into(), Box::new(api));
    project
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn strings_survive_systemd_parsing(
        env in arbitrary_text(),
        arg in arbitrary_text(),
        label in arbitrary_text(),
        image in arbitrary_text().prop_filter("an image", |s| !s.is_empty()),
        dir in arbitrary_text(),
    ) {
        let dir = format!("/data/{dir}");
        let project = probe_project(&env, &arg, &label, &image, &dir);
        let emitted = emit(&project, &Options::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let unit = emitted.files.iter().find(|f| f.name == "p-web@.service").ok_or_else(|| TestCaseError::fail("no unit"))?;
        let dirs = directives(&unit.contents);
        let keys: Vec<&str> = dirs.iter().map(|(k, _)| k.as_str()).collect();
        for k in &keys {
            prop_assert!(
                ["Description", "PartOf", "Requires", "Wants", "After", "RequiresMountsFor",
                 "Type", "EnvironmentFile", "ExecStartPre", "ExecStart", "ExecStartPost",
                 "ExecStop", "SuccessExitStatus", "Restart", "TimeoutStartSec",
                 "TimeoutStopSec", "WantedBy"].contains(k),
                "unexpected directive {k} in\n{}", unit.contents
            );
        }
        prop_assert_eq!(keys.iter().filter(|k| **k == "ExecStart").count(), 1);
        let create = exec_lines(&dirs, "ExecStartPre", "-docker");
        prop_assert_eq!(create.len(), 1, "{}", unit.contents);
        let words = &create[0];
        prop_assert_eq!(&words[..2], &["-docker".to_string(), "create".to_string()]);
        prop_assert_eq!(words.last(), Some(&arg), "{:?}", words);
        prop_assert!(words.contains(&image), "{:?}", words);
        let label_word = words.iter().skip_while(|w| *w != "--label").nth(1).cloned();
        prop_assert!(label_word.is_some_and(|l| l.starts_with("io.transship.config-hash=")));
        let user_label = words.iter().skip_while(|w| *w != "--label").skip(2).skip_while(|w| *w != "--label").nth(1).cloned();
        prop_assert_eq!(user_label, Some(format!("k={label}")));
        // The shell lines get the container, the hash and the image as positional words.
        let shells = exec_lines(&dirs, "ExecStartPre", "-/bin/sh");
        prop_assert_eq!(shells.len(), 1);
        prop_assert_eq!(&shells[0][3..], &["%p-%i".to_string(), words[5].trim_start_matches("io.transship.config-hash=").to_string(), image.clone()]);
        let waits = exec_lines(&dirs, "ExecStartPost", "/bin/sh");
        prop_assert_eq!(waits.len(), 1);
        prop_assert_eq!(&waits[0][3..], &["%p-%i".to_string()]);
        prop_assert_eq!(exec_lines(&dirs, "ExecStartPre", "-/bin/mkdir"), vec![vec!["-/bin/mkdir".to_string(), "-p".into(), dir.clone()]]);
        let mounts: Vec<String> = dirs.iter().filter(|(k, _)| k == "RequiresMountsFor").map(|(_, v)| v.replace("%%", "%")).collect();
        prop_assert!(mounts.is_empty() || mounts == vec![dir.clone()], "{:?}", mounts);
        let env_out = emitted.files.iter().find(|f| f.name == "env/web.env");
        let vars = env_out.map(|f| env_file(&f.contents)).unwrap_or_default();
        prop_assert_eq!(vars, vec![("V".to_string(), env)]);
    }
}

/// The recreate and wait scripts, as sh runs them after systemd's parsing, hand the
/// container name, hash and image to docker byte for byte (a stub `docker` records its
/// arguments) and decide as intended: an unknown container is left to the create, a
/// container with another hash or image is removed, a matching one is kept.
#[test]
fn shell_lines_pass_values_to_docker_unchanged() {
    let image = "reg.example/a b:$x%y\"'`\\\n";
    let project = probe_project("v", "a", "l", image, "/d");
    let emitted = emit(&project, &Options::default()).unwrap_or_else(|e| panic!("{e}"));
    let unit = emitted
        .files
        .iter()
        .find(|f| f.name == "p-web@.service")
        .map(|f| f.contents.clone())
        .unwrap_or_default();
    let dirs = directives(&unit);
    let recreate = exec_lines(&dirs, "ExecStartPre", "-/bin/sh").remove(0);
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = tmp.path().join("log");
    // The stub answers inspect with the label hash and image ID the test sets in $HAVE.
    let stub = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >> '{}'\nprintf '\\036' >> '{}'\ncase \"$1 $2\" in\n'inspect -f') [ -n \"$HAVE\" ] && echo \"$HAVE\"; [ -n \"$HAVE\" ] ;;\n'image inspect') echo sha256:1 ;;\nesac\n",
        log.display(),
        log.display()
    );
    let bin = tmp.path().join("docker");
    std::fs::write(&bin, stub).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    let hash = recreate[4].clone();
    let run = |have: &str| {
        let _ = std::fs::remove_file(&log);
        let status = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&recreate[2])
            .arg("p-web-1")
            .arg(&hash)
            .arg(&recreate[5])
            .env("PATH", format!("{}:/usr/bin:/bin", tmp.path().display()))
            .env("HAVE", have)
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(status.success());
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        text.split('\u{1e}')
            .filter(|l| !l.is_empty())
            .map(|l| {
                l.split('\0')
                    .filter(|w| !w.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    let calls = run("");
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].last().map(String::as_str), Some("p-web-1"));
    let calls = run(&format!("{hash} sha256:1"));
    assert_eq!(calls.len(), 2, "kept: {calls:?}");
    assert_eq!(calls[1], ["image", "inspect", "-f", "{{.Id}}", image]);
    let calls = run("0000000000000000 sha256:1");
    assert_eq!(calls.len(), 3, "removed: {calls:?}");
    assert_eq!(calls[2], ["rm", "-f", "p-web-1"]);
}

/// A real NUL is refused; the text of an escape (`\u0000`, `\0`) is an ordinary value.
#[test]
fn nul_characters_are_refused_their_escapes_are_not() {
    let with_env = |value: &str| {
        let mut svc = Service {
            name: "web".into(),
            image: Some("img".into()),
            ..Service::default()
        };
        svc.environment.insert("V".into(), Some(value.to_string()));
        let mut project = Project {
            name: "p".into(),
            ..Project::default()
        };
        project.services.insert("web".into(), Box::new(svc));
        emit(&project, &Options::default())
    };
    let refused = with_env("a\0b").err().map(|e| e.message);
    assert!(
        refused.as_deref().is_some_and(|m| m.contains("NUL")),
        "{refused:?}"
    );
    let text = "\\u0000 and \\0";
    let emitted = with_env(text).unwrap_or_else(|e| panic!("{}", e.message));
    let env = emitted
        .files
        .iter()
        .find(|f| f.name == "env/web.env")
        .map(|f| env_file(&f.contents))
        .unwrap_or_default();
    assert_eq!(env, vec![("V".to_string(), text.to_string())]);
}

/// `--env-from etcd`: stand-ins for `etcdctl` (prints the value stored in `$STORE/<key>`
/// and one newline, nothing for a missing key: what etcdctl 3.4 does) and `docker`
/// (`inspect` finds no container; `create` writes the environment variable `V` it got to
/// `$STORE/got`).
const FAKE_ETCD_TOOLS: [(&str, &str); 2] = [
    (
        "etcdctl",
        "#!/bin/sh\nf=\"$STORE$4\"\n[ -f \"$f\" ] || exit 0\ncat \"$f\"; echo\n",
    ),
    (
        "docker",
        "#!/bin/sh\ncase \"$1\" in\ninspect) exit 1 ;;\ncreate) printf '%s' \"$V\" > \"$STORE/got\" ;;\nesac\n",
    ),
];

/// Runs the unit's etcd create line as systemd would hand it to sh, with the value `stored`
/// in the fake etcd (or none); returns sh's status and what the create received.
fn run_etcd_create(stored: Option<&str>) -> (bool, Option<String>) {
    let mut project = probe_project("unused", "a", "l", "img", "/d");
    if let Some(web) = project.services.get_mut("web") {
        web.healthcheck = None;
    }
    let opts = Options {
        env_from: Some("etcd:/cfg".parse().unwrap_or_else(|e| panic!("{e}"))),
        ..Options::default()
    };
    let emitted = emit(&project, &opts).unwrap_or_else(|e| panic!("{e}"));
    let unit = emitted
        .files
        .iter()
        .find(|f| f.name == "p-web@.service")
        .map(|f| f.contents.clone())
        .unwrap_or_default();
    assert!(
        !emitted.files.iter().any(|f| f.name == "env/web.env"),
        "the value stays out of the env files"
    );
    let dirs = directives(&unit);
    let line = exec_lines(&dirs, "ExecStartPre", "/bin/sh").remove(0);
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = tmp.path().join("store");
    std::fs::create_dir_all(store.join("cfg/web")).unwrap_or_else(|e| panic!("{e}"));
    if let Some(v) = stored {
        std::fs::write(store.join("cfg/web/V"), v).unwrap_or_else(|e| panic!("{e}"));
    }
    for (name, text) in FAKE_ETCD_TOOLS {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    // systemd expands %p-%i before the exec; the rest is as parsed.
    let args: Vec<String> = line[3..]
        .iter()
        .map(|w| w.replace("%p-%i", "p-web-1"))
        .collect();
    let status = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(&line[2])
        .args(&args)
        .env("PATH", format!("{}:/usr/bin:/bin", tmp.path().display()))
        .env("STORE", &store)
        .env_remove("V")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let got = std::fs::read_to_string(store.join("got")).ok();
    (status.status.success(), got)
}

#[test]
fn etcd_create_refuses_a_missing_value() {
    let (ok, got) = run_etcd_create(None);
    assert!(!ok);
    assert_eq!(got, None, "no container is created without the value");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A value read from etcd reaches the container's create byte for byte: trailing
    /// newlines, quotes, `$`, `%`, backslashes and all (NUL cannot be in an environment).
    #[test]
    fn etcd_values_reach_the_create_unchanged(value in arbitrary_text()) {
        let (ok, got) = run_etcd_create(Some(&value));
        prop_assert!(ok);
        prop_assert_eq!(got, Some(value));
    }
}

/// Stand-ins for `docker` and `systemctl` as the rollout script uses them, keeping each
/// container as a directory `$S/c/<name>` (files `version`, `running`, `health`). A
/// restart of `<prefix>@<i>.service` does what the unit does: stop the container, keep it
/// when the rollback flag in `$KEEP` says so, else create it (when missing) from the
/// installed version `$S/version`, with the health `$S/health/<version>-<i>` (default
/// healthy), and start it; `is-active` answers whether the container runs.
const FAKE_ROLLOUT_TOOLS: [(&str, &str); 2] = [
    (
        "docker",
        r#"#!/bin/sh
case "$1" in
  inspect)
    if [ "$2" = -f ]; then d="$S/c/$4"; [ -d "$d" ] || exit 1; echo "$(cat "$d/running") $(cat "$d/health")"
    else [ -d "$S/c/$2" ]; fi ;;
  rm) rm -rf "$S/c/$3" ;;
  rename) [ -d "$S/c/$2" ] && [ ! -e "$S/c/$3" ] && mv "$S/c/$2" "$S/c/$3" ;;
  *) exit 9 ;;
esac
"#,
    ),
    (
        "systemctl",
        r#"#!/bin/sh
u=${2%.service}; [ "$1" = is-active ] && u=${3%.service}; i=${u##*@}; c=${u%@*}-$i
if [ "$1" = is-active ]; then [ "$(cat "$S/c/$c/running" 2>/dev/null)" = true ]; exit; fi
[ "$1" = restart ] || exit 9
echo "restart $u" >> "$S/log"
[ -d "$S/c/$c" ] && echo false > "$S/c/$c/running"
if [ ! -e "$KEEP/$c" ] && [ ! -d "$S/c/$c" ]; then
  mkdir -p "$S/c/$c"; v=$(cat "$S/version"); echo "$v" > "$S/c/$c/version"
  if [ -f "$S/health/$v-$i" ]; then cat "$S/health/$v-$i"; else echo healthy; fi > "$S/c/$c/health"
fi
echo true > "$S/c/$c/running"
"#,
    ),
];

/// Runs a service's rollout script against the stand-ins: three instances on v1, the
/// installed units now v2, whose instance 2 turns unhealthy. Returns the exit status, the
/// script's stderr and a closure to read a container's field.
fn rollout_with(failure_action: &str) -> (bool, String, tempfile::TempDir) {
    let mut project = probe_project("v", "a", "l", "img", "/d");
    project.services.shift_remove("api");
    let web = project
        .services
        .get_mut("web")
        .unwrap_or_else(|| panic!("web"));
    web.deploy = Some(Box::new(transship::model::Deploy {
        replicas: Some(3),
        update_config: Some(transship::model::UpdateConfig {
            failure_action: Some(failure_action.into()),
            monitor: Some(transship::model::Duration(0)),
            ..Default::default()
        }),
        ..Default::default()
    }));
    let emitted = emit(&project, &Options::default()).unwrap_or_else(|e| panic!("{e}"));
    let script = emitted
        .files
        .iter()
        .find(|f| f.name == "p-web.rollout.sh")
        .map(|f| f.contents.clone())
        .unwrap_or_else(|| panic!("no rollout script"));
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let s = tmp.path();
    let keep = s.join("keep");
    for (name, text) in FAKE_ROLLOUT_TOOLS {
        let p = s.join(name);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let write = |rel: &str, text: &str| {
        let p = s.join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(s)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(p, format!("{text}\n")).unwrap_or_else(|e| panic!("{e}"));
    };
    for i in 1..=3 {
        write(&format!("c/p-web-{i}/version"), "v1");
        write(&format!("c/p-web-{i}/running"), "true");
        write(&format!("c/p-web-{i}/health"), "healthy");
    }
    write("version", "v2");
    write("health/v2-2", "unhealthy");
    // The unit's flag directory, moved into the scratch directory.
    let script = script.replace("/run/transship/keep", &keep.display().to_string());
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(&script)
        .env("PATH", format!("{}:/usr/bin:/bin", s.display()))
        .env("S", s)
        .env("KEEP", &keep)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
        tmp,
    )
}

fn container_field(dir: &Path, name: &str, field: &str) -> Option<String> {
    std::fs::read_to_string(dir.join("c").join(name).join(field))
        .ok()
        .map(|s| s.trim().to_string())
}

#[test]
fn rollout_rolls_back_the_failed_instance_and_leaves_the_rest() {
    let (ok, err, tmp) = rollout_with("rollback");
    let s = tmp.path();
    assert!(!ok, "a failed instance fails the rollout");
    assert!(err.contains("p-web@2 is unhealthy"), "{err}");
    assert!(err.contains("p-web@2 rolled back"), "{err}");
    assert!(err.contains("not updated: p-web@3"), "{err}");
    assert_eq!(
        container_field(s, "p-web-1", "version").as_deref(),
        Some("v2")
    );
    assert_eq!(
        container_field(s, "p-web-2", "version").as_deref(),
        Some("v1"),
        "restored"
    );
    assert_eq!(
        container_field(s, "p-web-2", "running").as_deref(),
        Some("true")
    );
    assert_eq!(
        container_field(s, "p-web-3", "version").as_deref(),
        Some("v1")
    );
    assert!(
        s.join("keep/p-web-2").exists(),
        "the unit keeps the restored container"
    );
    for gone in ["p-web-1.previous", "p-web-2.previous", "p-web-2.failed"] {
        assert!(!s.join("c").join(gone).exists(), "{gone} left behind");
    }
    let log = std::fs::read_to_string(s.join("log")).unwrap_or_default();
    assert!(
        !log.contains("p-web@3"),
        "the third instance is not touched:\n{log}"
    );
}

#[test]
fn rollout_pauses_keeping_the_previous_container() {
    let (ok, err, tmp) = rollout_with("pause");
    let s = tmp.path();
    assert!(!ok);
    assert!(
        err.contains("paused; the previous container of p-web@2 is p-web-2.previous"),
        "{err}"
    );
    assert_eq!(
        container_field(s, "p-web-2", "version").as_deref(),
        Some("v2")
    );
    assert_eq!(
        container_field(s, "p-web-2.previous", "version").as_deref(),
        Some("v1")
    );
    assert_eq!(
        container_field(s, "p-web-3", "version").as_deref(),
        Some("v1")
    );
    assert!(!s.join("keep/p-web-2").exists());
}

#[test]
fn rollout_continues_past_a_failure_when_asked() {
    let (ok, err, tmp) = rollout_with("continue");
    let s = tmp.path();
    assert!(!ok, "it still exits non-zero");
    assert!(err.contains("failed: p-web@2"), "{err}");
    assert_eq!(
        container_field(s, "p-web-3", "version").as_deref(),
        Some("v2")
    );
}
