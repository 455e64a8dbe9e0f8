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
    for delay_ms in [0u64, 5, 20, 50, 100, 200] {
        for signal in ["-INT", "-TERM"] {
            let child = Command::new(env!("CARGO_BIN_EXE_transship"))
                .current_dir(d.path())
                .args(convert)
                .env_clear()
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("{e}"));
            std::thread::sleep(std::time::Duration::from_millis(delay_ms));
            let _ = Command::new("kill")
                .args([signal, &child.id().to_string()])
                .status();
            let _ = child.wait_with_output();
            let now = std::fs::read_to_string(out.join("proj.nomad.hcl")).ok();
            assert!(
                now == old || now == new,
                "after {signal} at {delay_ms} ms the job file is neither the old nor the new one"
            );
        }
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

#[test]
fn several_targets_write_nothing_when_one_refuses() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // Swarm refuses a service that can only be built; Nomad and systemd would not.
    std::fs::write(
        d.path().join("compose.yaml"),
        "services:\n  app:\n    build: .\n",
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
