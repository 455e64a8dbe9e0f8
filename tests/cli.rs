//! The packaged CLI: version with the git revision, completions and man page from clap,
//! `--hermetic`, and atomic output under interruption.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_transship"));
    c.current_dir(dir).args(args).env_clear();
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap_or_else(|e| panic!("{e}"))
}

/// A PATH without the user's tools, for runs whose output must not depend on them.
const PLAIN_ENV: [(&str, &str); 1] = [("PATH", "/usr/bin:/bin")];

/// A temporary project directory holding `compose.yaml`.
fn project(compose: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.path().join("compose.yaml"), compose).unwrap_or_else(|e| panic!("{e}"));
    d
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn version_names_the_git_revision() {
    let o = run(Path::new("."), &["--version"], &[]);
    let v = stdout(&o);
    assert!(
        v.starts_with(&format!("transship {} (git ", env!("CARGO_PKG_VERSION"))),
        "{v}"
    );
}

#[test]
fn completions_and_man_page_come_from_clap() {
    let o = run(Path::new("."), &["completions", "bash"], &[]);
    let text = stdout(&o);
    assert!(
        text.contains("_transship()") && text.contains("--hermetic"),
        "{text}"
    );
    let o = run(Path::new("."), &["completions", "zsh"], &[]);
    assert!(stdout(&o).contains("#compdef transship"));
    let o = run(Path::new("."), &["man"], &[]);
    let man = stdout(&o);
    assert!(
        man.contains(".TH transship 1") && man.contains("convert"),
        "{man}"
    );
    assert!(
        man.contains(".SH \"EXIT STATUS\"") && man.contains(".SH ENVIRONMENT"),
        "{man}"
    );
    // One page per subcommand, with its own options and the shared sections.
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = d.path().join("man1").display().to_string();
    let o = run(Path::new("."), &["man", "--out-dir", &dir], &[]);
    assert!(o.status.success());
    let convert = std::fs::read_to_string(d.path().join("man1/transship-convert.1"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        convert.contains(".TH transship-convert 1")
            && convert.contains("strict")
            && convert.contains(".SH \"EXIT STATUS\"")
            && convert.contains("transship\\fR(1)"),
        "{convert}"
    );
    for page in ["transship.1", "transship-lint.1", "transship-config.1"] {
        assert!(d.path().join("man1").join(page).is_file(), "{page}");
    }
}

#[test]
fn hermetic_ignores_the_shell_environment() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.path().join("compose.yaml"),
        "services:\n  a:\n    image: \"img:${TAG}\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.path().join(".env"), "TAG=from-dotenv\n").unwrap_or_else(|e| panic!("{e}"));
    let env = [("TAG", "from-shell")];
    let args = ["config", "--format", "json"];
    assert!(stdout(&run(d.path(), &args, &env)).contains("img:from-shell"));
    let hermetic = ["--hermetic", "config", "--format", "json"];
    assert!(stdout(&run(d.path(), &hermetic, &env)).contains("img:from-dotenv"));
}

/// A large project so a conversion takes long enough to be interrupted mid-way.
fn big_project(dir: &Path, image: &str) {
    let mut y = String::from("services:\n");
    for i in 0..3000 {
        y.push_str(&format!(
            "  s{i}:\n    image: {image}\n    ports: [\"{}:80\"]\n",
            10000 + i
        ));
    }
    std::fs::write(dir.join("compose.yaml"), y).unwrap_or_else(|e| panic!("{e}"));
}

/// Arguments converting project `proj` to Nomad and Swarm under `out`.
fn to_nomad_and_swarm(out: &str) -> [&str; 7] {
    ["-p", "proj", "convert", "--to", "nomad,swarm", "-o", out]
}

/// Start `transship ARGS` in `dir` and send it `signal` after `delay_ms`.
fn interrupted(dir: &Path, args: &[&str], signal: &str, delay_ms: u64) {
    let child = Command::new(env!("CARGO_BIN_EXE_transship"))
        .current_dir(dir)
        .args(args)
        .env_clear()
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
    let _ = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status();
    let _ = child.wait_with_output();
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_whole_files() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = d.path().join("out");
    let out_s = out.display().to_string();
    let convert = [
        "-p",
        "proj",
        "convert",
        "--to",
        "nomad",
        "-o",
        out_s.as_str(),
    ];
    big_project(d.path(), "old:1");
    assert!(run(d.path(), &convert, &[]).status.success());
    let old = std::fs::read_to_string(out.join("proj.nomad.hcl")).ok();
    assert!(old.is_some(), "the first run wrote nothing");
    big_project(d.path(), "new:2");
    let new_dir = d.path().join("new");
    let new_s = new_dir.display().to_string();
    assert!(
        run(
            d.path(),
            &[
                "-p",
                "proj",
                "convert",
                "--to",
                "nomad",
                "-o",
                new_s.as_str()
            ],
            &[]
        )
        .status
        .success()
    );
    let new = std::fs::read_to_string(new_dir.join("proj.nomad.hcl")).ok();
    let mut whole = 0;
    for delay_ms in [0u64, 5, 20, 50, 100, 200, 400, 800] {
        for signal in ["-INT", "-TERM"] {
            interrupted(d.path(), &convert, signal, delay_ms);
            let now = std::fs::read_to_string(out.join("proj.nomad.hcl")).ok();
            assert!(
                now == old || now == new,
                "after {signal} at {delay_ms} ms the job file is neither the old nor the new one"
            );
            // A directory that did not exist appears whole (every target) or not at all.
            let fresh = d.path().join(format!("fresh{delay_ms}{signal}"));
            let fresh_s = fresh.display().to_string();
            interrupted(d.path(), &to_nomad_and_swarm(&fresh_s), signal, delay_ms);
            if fresh.exists() {
                let job = std::fs::read_to_string(fresh.join("nomad/proj.nomad.hcl")).ok();
                assert!(
                    job == new,
                    "after {signal} at {delay_ms} ms: a partial job file"
                );
                assert!(
                    fresh.join("swarm/proj.stack.yaml").is_file(),
                    "after {signal} at {delay_ms} ms: the stack file is missing"
                );
                whole += 1;
            }
        }
    }
    // The checks above ran on at least one directory (a slow machine finishes no run in
    // 800 ms: then this one, not interrupted, must appear whole).
    if whole == 0 {
        let fresh = d.path().join("fresh-whole");
        let fresh_s = fresh.display().to_string();
        assert!(
            run(d.path(), &to_nomad_and_swarm(&fresh_s), &[])
                .status
                .success()
        );
        assert_eq!(
            std::fs::read_to_string(fresh.join("nomad/proj.nomad.hcl")).ok(),
            new
        );
    }
}

#[test]
fn several_targets_from_one_load_each_in_its_own_directory() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let env = [("PATH", "/usr/bin:/bin")];
    let all = ["convert", "--to", "nomad,swarm,systemd", "-o", "out"];
    let o = run(d.path(), &all, &env);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (target, file) in [
        ("nomad", "nomad/"),
        ("swarm", "swarm/"),
        ("systemd", "systemd/"),
    ] {
        let sub = d.path().join("out").join(target);
        let n = std::fs::read_dir(&sub).map(|r| r.count()).unwrap_or(0);
        assert!(n > 0, "nothing under {file}");
    }
    // Each target's files are exactly what converting to it alone gives.
    let alone = run(d.path(), &["convert", "--to", "nomad", "-o", "alone"], &env);
    assert!(alone.status.success());
    let name = std::fs::read_dir(d.path().join("alone"))
        .ok()
        .and_then(|mut r| r.next())
        .and_then(Result::ok)
        .map(|e| e.file_name())
        .unwrap_or_default();
    assert_eq!(
        std::fs::read(d.path().join("alone").join(&name)).unwrap_or_default(),
        std::fs::read(d.path().join("out/nomad").join(&name)).unwrap_or_default()
    );
    let check = [
        "convert",
        "--to",
        "nomad,swarm,systemd",
        "-o",
        "out",
        "--check",
    ];
    assert!(run(d.path(), &check, &env).status.success());
    let stack = std::fs::read_dir(d.path().join("out/swarm"))
        .ok()
        .and_then(|mut r| r.next())
        .and_then(Result::ok)
        .map(|e| e.path())
        .unwrap_or_default();
    std::fs::write(stack, "stale\n").unwrap_or_else(|e| panic!("{e}"));
    let stale = run(d.path(), &check, &env);
    assert_eq!(stale.status.code(), Some(1));
    assert!(stdout(&stale).contains("swarm/"), "{}", stdout(&stale));
    // Without -o there is nowhere to put several targets.
    let no_dir = run(d.path(), &["convert", "--to", "nomad,swarm"], &env);
    assert_eq!(no_dir.status.code(), Some(2));
}

/// Targets are lowered side by side (for a project of 100 services or more), but what each
/// reports comes in the order the targets were named, exactly as converting to it alone
/// reports it (with a `[target]` prefix). Checked below and above that size.
#[test]
fn several_targets_report_in_the_order_given() {
    for services in [2, 120] {
        several_targets_report_in_order(services);
    }
}

fn several_targets_report_in_order(services: usize) {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut yaml = String::from("services:\n");
    for i in 0..services {
        yaml.push_str(&format!(
            "  web{i}:\n    image: nginx\n    extra_hosts: [\"db:not-an-ip-{i}\"]\n    \
             healthcheck:\n      test: [\"CMD\", \"true\"]\n    stop_grace_period: 1m\n"
        ));
    }
    std::fs::write(d.path().join("compose.yaml"), yaml).unwrap_or_else(|e| panic!("{e}"));
    let env = [("PATH", "/usr/bin:/bin")];
    for order in [["swarm", "nomad", "systemd"], ["systemd", "swarm", "nomad"]] {
        let mut want = String::new();
        for t in order {
            let dir = format!("alone-{t}");
            let alone = run(d.path(), &["convert", "--to", t, "-o", &dir], &env);
            let text = String::from_utf8_lossy(&alone.stderr).to_string();
            assert!(
                text.contains("warning: "),
                "{t} reports nothing: test needs warnings"
            );
            // Each line gets the target's prefix after its severity (notes too); the
            // summary line closes the whole run, once.
            for line in text.split_inclusive('\n') {
                if line.starts_with("summary: ") {
                    continue;
                }
                let (sev, rest) = line.split_once(": ").unwrap_or(("", line));
                want.push_str(&format!("{sev}: [{t}] {rest}"));
            }
        }
        let joined = order.join(",");
        for _ in 0..3 {
            let o = run(d.path(), &["convert", "--to", &joined, "-o", "out"], &env);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let text = String::from_utf8_lossy(&o.stderr);
            let (lines, summary) = text
                .trim_end()
                .rsplit_once('\n')
                .unwrap_or_else(|| panic!("{text}"));
            assert_eq!(format!("{lines}\n"), want, "--to {joined}");
            assert!(
                summary.starts_with("summary: ")
                    && summary.contains(&format!(" files written to out; {services} services; ")),
                "{summary}"
            );
            assert!(!text.contains("alone-"), "{text}");
        }
    }
}

#[test]
fn several_targets_write_nothing_when_one_refuses() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // Swarm refuses stateful members named like another service; Nomad would not.
    std::fs::write(
        d.path().join("compose.yaml"),
        "services:\n  db:\n    image: redis\n    scale: 2\n    x-transship: {stateful: true}\n  db-1:\n    image: redis\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = run(
        d.path(),
        &["convert", "--to", "nomad,swarm", "-o", "out"],
        &[("PATH", "/usr/bin:/bin")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("[swarm]"));
    assert!(!d.path().join("out").exists());
}

/// A project with a config directory, a secret file and an override, written under `dir`.
fn portable_project(dir: &Path) {
    std::fs::create_dir_all(dir.join("conf")).unwrap_or_else(|e| panic!("{e}"));
    for (name, text) in [
        (
            "compose.yaml",
            "services:\n  web:\n    image: \"nginx:${TAG}\"\n    volumes: [\"./conf:/etc/nginx/conf.d:ro\", \"/var/log:/host-log:ro\"]\n    secrets: [tls]\n    ports: [\"8080:80\"]\nsecrets:\n  tls:\n    file: ./tls.key\n",
        ),
        (
            "compose.prod.yaml",
            "services:\n  web:\n    restart: always\n",
        ),
        (".env", "TAG=1.27\n"),
        ("tls.key", "secret\n"),
        ("conf/site.conf", "server {}\n"),
    ] {
        std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn files_under(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap_or(&p).display().to_string();
                out.push((rel, std::fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn output_is_byte_identical_wherever_the_checkout_lives() {
    let a = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let b = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let b_deeper = b.path().join("some/much/deeper/checkout");
    let args = [
        "--hermetic",
        "-p",
        "shop",
        "-f",
        "compose.yaml",
        "-f",
        "compose.prod.yaml",
        "convert",
        "--to",
        "nomad,swarm,systemd,quadlet",
        "-o",
        "deploy",
    ];
    let mut outputs = Vec::new();
    for (dir, home) in [(a.path().to_path_buf(), "/home/a"), (b_deeper, "/root")] {
        portable_project(&dir);
        let o = run(&dir, &args, &[("HOME", home), ("TAG", "ignored")]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let files = files_under(&dir.join("deploy"));
        assert!(files.len() > 5, "{files:?}");
        for (name, text) in &files {
            assert!(
                !text.contains(&dir.display().to_string()),
                "{name} names the checkout's path:\n{text}"
            );
            assert!(text.contains("1.27") || !name.ends_with(".hcl"), "{name}");
        }
        outputs.push(files);
    }
    assert_eq!(outputs.first(), outputs.get(1));
    let all = outputs.first().cloned().unwrap_or_default();
    let text = |suffix: &str| {
        all.iter()
            .filter(|(n, _)| n.ends_with(suffix))
            .map(|(_, b)| b.as_str())
            .collect::<String>()
    };
    // Paths below the project are written for the target, system paths stay as they are.
    assert!(
        text("@.service").contains("source=/srv/"),
        "{}",
        text("@.service")
    );
    assert!(text("@.service").contains("source=/var/log"));
    let stack = text(".stack.yaml");
    assert!(stack.contains("source: \"../../conf\""), "{stack}");
    assert!(stack.contains("file: \"../../tls.key\""), "{stack}");
}

#[test]
fn project_root_places_bind_mounts_on_the_target_machine() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    portable_project(d.path());
    let o = run(
        d.path(),
        &[
            "convert",
            "--to",
            "systemd",
            "--project-root",
            "/opt/shop/",
            "-o",
            "out",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let units: String = files_under(&d.path().join("out"))
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert!(
        units.contains("source=/opt/shop/conf,target=/etc/nginx/conf.d"),
        "{units}"
    );
    assert!(units.contains("source=/opt/shop/tls.key,target=/run/secrets/tls"));
}

fn argv(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn header_provenance_and_check() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    portable_project(d.path());
    let base = ["-f", "compose.yaml", "-f", "compose.prod.yaml", "convert"];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let hcl = stdout(&run(d.path(), &argv(&with(&["--to", "nomad"])), &[]));
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        hcl.starts_with(&format!(
            "# Generated by transship {version} from compose.yaml, compose.prod.yaml; do not edit.\n"
        )),
        "{hcl}"
    );
    assert!(
        hcl.contains("  # services.web: compose.yaml:2\n  group \"web\" {"),
        "{hcl}"
    );
    let bare = stdout(&run(
        d.path(),
        &argv(&with(&["--to", "nomad", "--no-provenance"])),
        &[],
    ));
    assert!(!bare.contains("# services."), "{bare}");
    assert!(bare.starts_with("# Generated by transship"));

    // --check: 0 when up to date, 1 and a diff when not, and it never writes.
    let write = run(d.path(), &argv(&with(&["--to", "nomad", "-o", "out"])), &[]);
    assert!(write.status.success());
    let check = with(&["--to", "nomad", "-o", "out", "--check"]);
    let ok = run(d.path(), &argv(&check), &[]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(stdout(&ok).is_empty());
    std::fs::write(
        d.path().join("compose.prod.yaml"),
        "services:\n  web:\n    restart: \"no\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let job = files_under(&d.path().join("out"));
    let stale = run(d.path(), &argv(&check), &[]);
    assert_eq!(stale.status.code(), Some(1));
    let diff = stdout(&stale);
    assert!(
        diff.contains("--- ") && diff.contains("+++ ") && diff.contains("@@"),
        "{diff}"
    );
    assert_eq!(
        files_under(&d.path().join("out")),
        job,
        "--check wrote files"
    );
}

/// With `-o DIR`, the Nomad plan is written as `DEPLOY.md` beside the job files, staged
/// and checked with them (also under `DIR/nomad/` with several targets); on stdout only
/// the job documents are printed, so they can be piped to `nomad job run -`.
#[test]
fn the_nomad_plan_is_written_beside_the_jobs_and_never_on_stdout() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    portable_project(d.path());
    let write = run(
        d.path(),
        &["-p", "shop", "convert", "--to", "nomad", "-o", "out"],
        &[],
    );
    assert!(
        write.status.success(),
        "{}",
        String::from_utf8_lossy(&write.stderr)
    );
    let names: Vec<String> = files_under(&d.path().join("out"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        [".transship-manifest", "DEPLOY.md", "shop.nomad.hcl"]
    );
    let listed =
        std::fs::read_to_string(d.path().join("out/.transship-manifest")).unwrap_or_default();
    assert!(
        listed.ends_with("\nDEPLOY.md\nshop.nomad.hcl\n"),
        "{listed}"
    );
    let plan = std::fs::read_to_string(d.path().join("out/DEPLOY.md")).unwrap_or_default();
    assert!(plan.starts_with("# Deploying shop to Nomad\n"), "{plan}");
    assert!(
        plan.contains("nomad var put nomad/jobs/shop/web tls=@tls.key"),
        "{plan}"
    );
    assert!(plan.contains("nomad job run shop.nomad.hcl"), "{plan}");
    let job = std::fs::read_to_string(d.path().join("out/shop.nomad.hcl")).unwrap_or_default();

    let printed = run(d.path(), &["-p", "shop", "convert", "--to", "nomad"], &[]);
    assert!(printed.status.success());
    assert_eq!(stdout(&printed), job, "stdout is the job document alone");
    assert!(!stdout(&printed).contains("Deploying"));

    let check = [
        "-p", "shop", "convert", "--to", "nomad", "-o", "out", "--check",
    ];
    let fresh = run(d.path(), &check, &[]);
    assert_eq!(fresh.status.code(), Some(0), "{}", stdout(&fresh));
    std::fs::write(d.path().join("out/DEPLOY.md"), "stale\n").unwrap_or_else(|e| panic!("{e}"));
    let stale = run(d.path(), &check, &[]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(stdout(&stale).contains("DEPLOY.md"), "{}", stdout(&stale));

    let both = run(
        d.path(),
        &["-p", "shop", "convert", "--to", "nomad,swarm", "-o", "both"],
        &[],
    );
    assert!(both.status.success());
    assert_eq!(
        std::fs::read_to_string(d.path().join("both/nomad/DEPLOY.md")).unwrap_or_default(),
        plan
    );
}

/// `--validate` with a relative `-o`: the validator (here a stand-in that fails unless every
/// file it is given exists) is handed paths that exist from where it runs; with no validator
/// on PATH it says "skipped", and `--strict` turns that into a failure.
#[test]
fn validate_runs_from_a_relative_output_dir_and_says_when_it_skipped() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.path().join("compose.yaml"),
        "services:\n  a:\n    image: nginx:1.27\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let bin = d.path().join("bin");
    std::fs::create_dir(&bin).unwrap_or_else(|e| panic!("{e}"));
    let fake = bin.join("systemd-analyze");
    std::fs::write(
        &fake,
        "#!/bin/sh\nshift 2\nfor f in \"$@\"; do [ -f \"$f\" ] || { echo \"missing $f\" >&2; exit 1; }; done\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    let path = bin.display().to_string();
    let args = ["convert", "--to", "systemd", "-o", "out", "--validate"];
    let o = run(d.path(), &args, &[("PATH", &path)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("the systemd validator accepts the output"),
        "{err}"
    );

    let args = [
        "convert",
        "--to",
        "systemd",
        "-o",
        "out2",
        "--validate",
        "--strict",
    ];
    let o = run(d.path(), &args, &[("PATH", "/nonexistent")]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("skipped: systemd-analyze not found on PATH"),
        "{err}"
    );
}

/// The same warning in many services is one line with the count and the first places;
/// `--verbose` prints each; the summary line counts files, services and warnings.
#[test]
fn repeated_warnings_are_grouped_and_the_run_ends_with_a_summary() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut yaml = String::from("services:\n");
    for i in 0..5 {
        yaml.push_str(&format!(
            "  web{i}:\n    image: nginx\n    extra_hosts: [\"db:not-an-ip\"]\n"
        ));
    }
    std::fs::write(d.path().join("compose.yaml"), yaml).unwrap_or_else(|e| panic!("{e}"));
    let env = [("PATH", "/usr/bin:/bin")];
    let grouped = run(d.path(), &["convert", "--to", "swarm"], &env);
    let text = String::from_utf8_lossy(&grouped.stderr).to_string();
    let lines: Vec<&str> = text.lines().collect();
    let extra_hosts: Vec<&&str> = lines.iter().filter(|l| l.contains("extra_hosts")).collect();
    assert_eq!(extra_hosts.len(), 1, "{text}");
    assert!(
        extra_hosts[0].contains("services.*.extra_hosts")
            && extra_hosts[0].contains("[5 times: compose.yaml:")
            && extra_hosts[0].contains("(web0)")
            && extra_hosts[0].contains("and 2 more (--verbose lists every one)]"),
        "{text}"
    );
    let last = lines.last().copied().unwrap_or_default();
    assert!(
        last.starts_with("summary: 1 file printed to stdout; 5 services; ")
            && last.contains("grouped into"),
        "{last}"
    );
    let verbose = run(d.path(), &["convert", "--to", "swarm", "--verbose"], &env);
    let text = String::from_utf8_lossy(&verbose.stderr).to_string();
    let each = text.lines().filter(|l| l.contains("extra_hosts")).count();
    assert_eq!(each, 5, "{text}");
    assert!(!text.contains("grouped into"), "{text}");
}

/// `-o DIR` holds exactly what the last conversion wrote: files of a service that is gone
/// are deleted (a file transship never wrote is left alone), `--check` reports them as
/// stale, and `-o -` is refused.
#[test]
fn the_output_directory_loses_the_files_of_removed_services() {
    let d = project("services:\n  web:\n    image: nginx:1\n  old:\n    image: redis:7\n");
    let env = PLAIN_ENV;
    let args = ["-p", "p", "convert", "--to", "systemd", "-o", "out"];
    assert!(run(d.path(), &args, &env).status.success());
    let out = d.path().join("out");
    assert!(out.join("p-old@.service").is_file());
    std::fs::write(out.join("NOTES.txt"), "mine").unwrap_or_else(|e| panic!("{e}"));

    let one = "services:\n  web:\n    image: nginx:1\n";
    std::fs::write(d.path().join("compose.yaml"), one).unwrap_or_else(|e| panic!("{e}"));
    let check = [
        "-p", "p", "convert", "--to", "systemd", "-o", "out", "--check",
    ];
    let o = run(d.path(), &check, &env);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("stale: out/p-old@.service"), "{text}");
    assert!(
        out.join("p-old@.service").is_file(),
        "--check writes and deletes nothing"
    );

    let o = run(d.path(), &args, &env);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("removed: out/p-old@.service"), "{err}");
    assert!(!out.join("p-old@.service").exists());
    assert!(!out.join("p-old.target").exists());
    assert!(out.join("p-web@.service").is_file());
    assert!(out.join("NOTES.txt").is_file(), "not transship's: kept");
    assert!(
        run(d.path(), &check, &env).status.success(),
        "now up to date"
    );

    let o = run(d.path(), &["convert", "--to", "swarm", "-o", "-"], &env);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("-o - is not an output directory"));
}

/// `--strict` also fails on the loader's warnings (an unset `${TAG}` that leaves
/// `image: "nginx:"`, a variable listed with no value); each can be accepted with a reason in
/// `x-transship.accept`, which then passes, and an entry that matches nothing is named.
#[test]
fn strict_fails_on_loader_warnings_unless_accepted_with_a_reason() {
    let base = "services:\n  web:\n    image: nginx:${TAG}\n    environment:\n      - FOO\n      - BAR=1\n";
    let d = project(base);
    let env = PLAIN_ENV;
    let strict = ["convert", "--to", "swarm", "--strict"];
    let o = run(d.path(), &strict, &env);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "nothing printed under a failed gate");
    snapshot(
        "strict-loader-warnings",
        &String::from_utf8_lossy(&o.stderr),
    );
    let lenient = run(d.path(), &["convert", "--to", "swarm"], &env);
    assert!(lenient.status.success(), "without --strict they warn only");

    let accepted = format!(
        "x-transship:\n  accept:\n    - key: services.web.image\n      contains: TAG\n      reason: the release job sets TAG\n    - key: services.*.environment.FOO\n      reason: FOO is optional\n    - key: services.web.ports\n      target: swarm\n      reason: stale\n{base}"
    );
    std::fs::write(d.path().join("compose.yaml"), accepted).unwrap_or_else(|e| panic!("{e}"));
    let o = run(d.path(), &strict, &env);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{err}");
    snapshot("strict-accepted", &err);
    let verbose = run(
        d.path(),
        &["convert", "--to", "swarm", "--strict", "--verbose"],
        &env,
    );
    let err = String::from_utf8_lossy(&verbose.stderr).to_string();
    assert!(
        err.contains(
            "accepted: compose.yaml:13:12: services.web.image: the \"TAG\" variable is not set"
        ) && err.contains("(reason: the release job sets TAG)"),
        "{err}"
    );

    let reasonless = "x-transship:\n  accept:\n    - key: services.web.image\nservices:\n  web:\n    image: nginx\n";
    std::fs::write(d.path().join("compose.yaml"), reasonless).unwrap_or_else(|e| panic!("{e}"));
    let o = run(d.path(), &strict, &env);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("compose.yaml:3:7: x-transship.accept[0].reason: an accepted approximation needs a reason"),
        "{err}"
    );
}

/// A CLI run's stderr, under snapshots/cli.
fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => crate::util::root().join("snapshots/cli"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// The quickstart project (README's first command) under each target: what the operator
/// reads on stderr, warnings only where the target differs, grouped, and the summary line.
#[test]
fn the_quickstart_summary_for_each_target() {
    let project = crate::util::root().join("fixtures/quickstart");
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for target in ["swarm", "nomad", "systemd", "quadlet"] {
        let out = d.path().join(target);
        let out_arg = out.display().to_string();
        let args = [
            "-f",
            "compose.yaml",
            "-f",
            "compose.prod.yaml",
            "convert",
            "--to",
            target,
            "-o",
            &out_arg,
        ];
        let o = run(&project, &args, &[("PATH", "/usr/bin:/bin")]);
        let err = String::from_utf8_lossy(&o.stderr).replace(&out_arg, "OUT");
        assert!(o.status.success(), "{err}");
        snapshot(&format!("quickstart-{target}"), &err);
    }
}

/// What an operator reads on stderr for real projects of the shared corpus: run by CI, which
/// sets TRANSSHIP_CORPUS (`cargo test` alone needs nothing outside the repository).
#[test]
fn corpus_summaries_of_real_projects() {
    let Some(corpus) = std::env::var_os("TRANSSHIP_CORPUS") else {
        eprintln!("corpus summaries skipped: TRANSSHIP_CORPUS is not set (.ci/run sets it)");
        return;
    };
    let cases = [
        ("getsentry__self-hosted__self-hosted", "systemd"),
        ("getsentry__self-hosted__self-hosted", "swarm"),
        ("BretFisher__dogvscat__stack-swarmprom", "swarm"),
    ];
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (case, target) in cases {
        // Canonical, as the loader sees its working directory (CI's path has a `..`).
        let dir = std::fs::canonicalize(Path::new(&corpus).join(case))
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        let out = d.path().join(format!("{case}-{target}"));
        let out_arg = out.display().to_string();
        let case_json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("case.json")).unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut args: Vec<&str> = vec!["-p", "corpus"];
        for f in case_json["files"].as_array().into_iter().flatten() {
            args.extend(["-f", f.as_str().unwrap_or_default()]);
        }
        args.extend(["convert", "--to", target, "-o", &out_arg]);
        let o = run(&dir, &args, &PLAIN_ENV);
        let err = String::from_utf8_lossy(&o.stderr)
            .replace(&out_arg, "OUT")
            .replace(&dir.display().to_string(), "CASE");
        assert!(o.status.success(), "{case}: {err}");
        snapshot(&format!("corpus-{case}-{target}"), &err);
    }
}

/// A stand-in `etcdctl` keeping keys as files under `$STORE` (key `/a/b` → `$STORE/a/b`):
/// `get --print-value-only -- K` prints the value and one newline (nothing when absent),
/// `get --prefix --keys-only -- D` lists keys each followed by an empty line, `put -- K`
/// reads the value from stdin (refusing an empty one, as etcdctl 3.4 does) and
/// `put -- K V` takes it as an argument, `del -- K`; every write is logged.
const FAKE_ETCDCTL: &str = r#"#!/bin/sh
set -eu
case "$1 $2" in
  "get --print-value-only") f="$STORE$4"; [ -f "$f" ] || exit 0; cat "$f"; echo ;;
  "get --prefix") [ -d "$STORE$5" ] || exit 0; for f in "$STORE$5"*; do [ -f "$f" ] && printf '%s\n\n' "${f#$STORE}"; done ;;
  "put --")
    mkdir -p "$(dirname "$STORE$3")"
    if [ $# = 4 ]; then printf '%s' "$4" > "$STORE$3"; else cat > "$STORE$3.new"; [ -s "$STORE$3.new" ] || { rm "$STORE$3.new"; echo "put command needs 1 argument and input from stdin or 2 arguments" >&2; exit 1; }; mv "$STORE$3.new" "$STORE$3"; fi
    echo "put $3" >> "$STORE/.log" ;;
  "del --") rm "$STORE$3"; echo "del $3" >> "$STORE/.log" ;;
  *) echo "fake etcdctl: $*" >&2; exit 9 ;;
esac
"#;

/// `push-config`: values land byte for byte under `<prefix>/<service>/<NAME>` (`env_file`
/// and `.env` interpolation included, empty values too), a second run writes nothing,
/// `--check` exits 1 only when something would change, a key the project dropped is
/// listed and deleted only with `--prune`, and names the units do not read from etcd
/// (the runtime's own `DOCKER_*`) are not pushed.
#[test]
fn push_config_writes_etcd_once_and_checks_drift() {
    use std::os::unix::fs::PermissionsExt;
    let d = project(
        "services:\n  web:\n    image: x\n    env_file: web.env\n    environment:\n      GREETING: \"it's ${WHO}\\n\"\n      EMPTY: \"\"\n      DOCKER_HOST: tcp://x\n      UNSET:\n",
    );
    let dir = d.path();
    std::fs::write(dir.join(".env"), "WHO=$$100% \"me\"\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("web.env"), "FROM_FILE=a b\n").unwrap_or_else(|e| panic!("{e}"));
    let store = dir.join("store");
    std::fs::create_dir_all(&store).unwrap_or_else(|e| panic!("{e}"));
    let fake = dir.join("etcdctl");
    std::fs::write(&fake, FAKE_ETCDCTL).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    let store_s = store.display().to_string();
    let fake_s = fake.display().to_string();
    let env = [("PATH", "/usr/bin:/bin"), ("STORE", store_s.as_str())];
    let push = |extra: &[&str]| {
        let mut args = vec![
            "-p",
            "shop",
            "push-config",
            "--to",
            "etcd:/cfg",
            "--etcdctl",
            &fake_s,
        ];
        args.extend_from_slice(extra);
        run(dir, &args, &env)
    };
    let read = |k: &str| std::fs::read_to_string(store.join(k)).ok();
    let log = || std::fs::read_to_string(store.join(".log")).unwrap_or_default();

    let check = push(&["--check"]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        stdout(&check).contains("would add /cfg/web/GREETING"),
        "{}",
        stdout(&check)
    );
    assert_eq!(log(), "", "--check writes nothing");

    let first = push(&[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        read("cfg/web/GREETING").as_deref(),
        Some("it's $100% \"me\"\n")
    );
    assert_eq!(read("cfg/web/EMPTY").as_deref(), Some(""));
    assert_eq!(read("cfg/web/FROM_FILE").as_deref(), Some("a b"));
    assert_eq!(
        read("cfg/web/DOCKER_HOST"),
        None,
        "the docker CLI's own variable stays in its file"
    );
    assert_eq!(read("cfg/web/UNSET"), None, "no value, nothing to push");
    assert!(!stdout(&first).contains("it's"), "values are never printed");

    let before = log();
    let again = push(&[]);
    assert!(again.status.success());
    assert_eq!(log(), before, "a second run writes nothing");
    assert_eq!(push(&["--check"]).status.code(), Some(0));

    std::fs::write(store.join("cfg/web/OLD"), "x").unwrap_or_else(|e| panic!("{e}"));
    let listed = push(&[]);
    assert!(
        stdout(&listed).contains("stale /cfg/web/OLD"),
        "{}",
        stdout(&listed)
    );
    assert!(read("cfg/web/OLD").is_some(), "kept without --prune");
    assert_eq!(push(&["--check", "--prune"]).status.code(), Some(1));
    let pruned = push(&["--prune"]);
    assert!(pruned.status.success());
    assert_eq!(read("cfg/web/OLD"), None);
}
