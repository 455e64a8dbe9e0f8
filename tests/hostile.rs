//! Hostile input is refused quickly, with a message naming the file and what is wrong, and
//! nothing is written: alias bombs, deep nesting, a 100 MB file, invalid UTF-8, NUL bytes,
//! symlink loops in include / extends / env_file, extends and include cycles. (Speed is
//! measured by the benchmarks, not here; each case would time out the suite if it hung.)

use std::path::Path;
use std::process::Command;

/// Run `transship -f compose.yaml convert --to swarm -o out` in `dir`; return (exit code,
/// stderr) and assert the output directory stayed empty.
fn convert(dir: &Path) -> (Option<i32>, String) {
    let out = dir.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_transship"))
        .current_dir(dir)
        .args(["-f", "compose.yaml", "convert", "--to", "swarm", "-o"])
        .arg(&out)
        .env_clear()
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let written = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
    assert_eq!(written, 0, "{}: files were written", dir.display());
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

fn case(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

fn refused(dir: &Path, wanted: &[&str]) {
    let (code, err) = convert(dir);
    assert_eq!(code, Some(1), "{err}");
    for w in wanted {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
}

#[test]
fn alias_bomb() {
    let mut y = String::from("x-bomb:\n  a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        y.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    y.push_str("services:\n  s:\n    image: x\n");
    let d = case(&[("compose.yaml", y.as_bytes())]);
    refused(d.path(), &["compose.yaml:", "alias bomb"]);
}

#[test]
fn nesting_ten_thousand_deep() {
    let y = format!(
        "services:\n  s:\n    image: x\nx-deep: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let d = case(&[("compose.yaml", y.as_bytes())]);
    refused(d.path(), &["compose.yaml:4:", "nesting too deep"]);
}

#[test]
fn hundred_megabyte_file() {
    let d = case(&[]);
    let mut body = b"services:\n  s:\n    image: x\nx-big: |\n".to_vec();
    let line = [b"    ".as_slice(), &[b'a'; 95], b"\n"].concat();
    while body.len() < 100 * 1024 * 1024 {
        body.extend_from_slice(&line);
    }
    std::fs::write(d.path().join("compose.yaml"), &body).unwrap_or_else(|e| panic!("{e}"));
    refused(d.path(), &["compose.yaml", "byte limit"]);
}

#[test]
fn invalid_utf8() {
    let d = case(&[("compose.yaml", b"services:\n  s:\n    image: \xff\xfe\n")]);
    refused(d.path(), &["compose.yaml", "not valid UTF-8"]);
}

#[test]
fn nul_byte() {
    let d = case(&[("compose.yaml", b"services:\n  s:\n    image: a\x00b\n")]);
    refused(d.path(), &["compose.yaml:3:", "U+0000"]);
}

#[cfg(unix)]
fn symlink_loop(dir: &Path, a: &str, b: &str) {
    std::os::unix::fs::symlink(b, dir.join(a)).unwrap_or_else(|e| panic!("{e}"));
    if a != b {
        std::os::unix::fs::symlink(a, dir.join(b)).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[cfg(unix)]
#[test]
fn symlink_loop_in_include() {
    let d = case(&[(
        "compose.yaml",
        b"include:\n  - loop.yaml\nservices:\n  s:\n    image: x\n",
    )]);
    symlink_loop(d.path(), "loop.yaml", "loop2.yaml");
    refused(d.path(), &["loop.yaml", "symbolic links"]);
}

#[cfg(unix)]
#[test]
fn symlink_loop_in_extends() {
    let d = case(&[(
        "compose.yaml",
        b"services:\n  s:\n    image: x\n    extends: {file: e.yaml, service: s}\n",
    )]);
    symlink_loop(d.path(), "e.yaml", "e.yaml");
    refused(
        d.path(),
        &[
            "compose.yaml:4:",
            "services.s.extends.file",
            "symbolic links",
        ],
    );
}

#[cfg(unix)]
#[test]
fn symlink_loop_in_env_file() {
    let d = case(&[(
        "compose.yaml",
        b"services:\n  s:\n    image: x\n    env_file: [a.env]\n",
    )]);
    symlink_loop(d.path(), "a.env", "a.env");
    refused(
        d.path(),
        &["compose.yaml:4:", "services.s.env_file[0]", "a.env"],
    );
}

#[test]
fn extends_cycle() {
    let d = case(&[(
        "compose.yaml",
        b"services:\n  a:\n    image: x\n    extends: b\n  b:\n    image: x\n    extends: a\n",
    )]);
    refused(d.path(), &["compose.yaml:", "Circular reference"]);
}

#[test]
fn include_cycle() {
    let d = case(&[
        (
            "compose.yaml",
            b"include: [b.yaml]\nservices:\n  s:\n    image: x\n",
        ),
        (
            "b.yaml",
            b"include: [compose.yaml]\nservices:\n  t:\n    image: x\n",
        ),
    ]);
    refused(d.path(), &["b.yaml:1:", "include cycle"]);
}

/// Found by fuzzing (a timeout): a published port range expands to one entry per port, and
/// every pass over ports used to compare each with all before it. Each target still gets
/// one port per container port, first to last.
#[test]
fn a_port_range_of_thousands_of_ports() {
    let d = case(&[(
        "compose.yaml",
        b"services:\n  s:\n    image: x\n    ports: [\"20000-24999:20000-24999\"]\n",
    )]);
    for (target, needle) in [
        ("nomad", "port \"port_"),
        ("swarm", "target: "),
        ("systemd", "--publish "),
    ] {
        // Into a directory: the systemd conversion is several files.
        let o = Command::new(env!("CARGO_BIN_EXE_transship"))
            .current_dir(d.path())
            .args([
                "-f",
                "compose.yaml",
                "convert",
                "--to",
                target,
                "-o",
                target,
            ])
            .env_clear()
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            o.status.success(),
            "{target}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let mut out = String::new();
        for e in std::fs::read_dir(d.path().join(target))
            .into_iter()
            .flatten()
            .flatten()
        {
            out.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
        }
        assert_eq!(out.matches(needle).count(), 5000, "{target}");
        for edge in ["20000", "24999"] {
            assert!(out.contains(edge), "{target}: {edge} missing");
        }
    }
}

/// Variable substitution the way compose does it is quadratic (each `${VAR:-...}` re-reads
/// the rest of its line): 100,000 nested or chained defaults took minutes and gigabytes.
#[test]
fn substitution_nested_or_chained_without_end() {
    let nested = format!(
        "services:\n  s:\n    image: \"x{}z{}\"\n",
        "${A:-".repeat(100_000),
        "}".repeat(100_000)
    );
    let d = case(&[("compose.yaml", nested.as_bytes())]);
    refused(
        d.path(),
        &[
            "compose.yaml:3:12",
            "services.s.image",
            "variable substitution",
        ],
    );
    let chained = format!(
        "services:\n  s:\n    image: \"x{}\"\n",
        "${A:-x}".repeat(100_000)
    );
    let d = case(&[("compose.yaml", chained.as_bytes())]);
    refused(
        d.path(),
        &[
            "compose.yaml:3:12",
            "services.s.image",
            "variable substitution",
        ],
    );
}

/// Each `extends` link and each nested `include` is a recursion: 50,000 of them overflowed
/// the stack. Both are refused past 100 levels, naming the link.
#[test]
fn extends_and_include_chains_without_end() {
    let mut y = String::from("services:\n");
    for i in 0..5000 {
        y.push_str(&format!("  s{i}:\n    extends: s{}\n", i + 1));
    }
    y.push_str("  s5000:\n    image: x\n");
    let d = case(&[("compose.yaml", y.as_bytes())]);
    refused(
        d.path(),
        &["compose.yaml:", "extends", "more than 100 services long"],
    );

    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for i in 0..500 {
        let next = if i == 0 {
            "compose.yaml".to_string()
        } else {
            format!("f{i}.yaml")
        };
        std::fs::write(
            d.path().join(next),
            format!(
                "include: [f{}.yaml]\nservices:\n  s{i}:\n    image: x\n",
                i + 1
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(
        d.path().join("f500.yaml"),
        "services:\n  last:\n    image: x\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    refused(d.path(), &["include", "nested more than 100 files deep"]);
}

/// More output files than a process may hold open at once (1,100 services give over 2,200
/// systemd units): staged files are closed before they are renamed into place.
#[test]
fn more_files_than_open_descriptors() {
    let mut y = String::from("services:\n");
    for i in 0..1100 {
        y.push_str(&format!("  s{i}:\n    image: x\n"));
    }
    let d = case(&[("compose.yaml", y.as_bytes())]);
    let o = Command::new("sh")
        .current_dir(d.path())
        .arg("-c")
        .arg(format!(
            "ulimit -n 256 && exec {} -f compose.yaml convert --to systemd -o out",
            env!("CARGO_BIN_EXE_transship")
        ))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let n = std::fs::read_dir(d.path().join("out"))
        .map(|r| r.count())
        .unwrap_or(0);
    assert!(n > 2200, "{n} files");
}

/// A mapping with 100,000 keys: duplicate-key detection compared each key with all before
/// it (300,000 labels took over a minute). Loads, and a repeated key is still refused.
#[test]
fn a_mapping_with_a_hundred_thousand_keys() {
    let mut y = String::from("services:\n  s:\n    image: x\n    labels:\n");
    for i in 0..100_000 {
        y.push_str(&format!("      l{i}: v\n"));
    }
    let d = case(&[("compose.yaml", y.as_bytes())]);
    let o = Command::new(env!("CARGO_BIN_EXE_transship"))
        .current_dir(d.path())
        .args(["-f", "compose.yaml", "config", "--services"])
        .env_clear()
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "s\n");
    y.push_str("      l5: again\n");
    let d = case(&[("compose.yaml", y.as_bytes())]);
    refused(
        d.path(),
        &["compose.yaml:100005:7", "already defined at line 10"],
    );
}

/// One short port string can stand for 65,535 entries, and an anchor repeats it per service:
/// the whole load may expand ranges into at most 65,536 ports, so a few lines cannot ask for
/// millions. The error points at the entry that went over.
#[test]
fn port_ranges_repeated_by_an_anchor() {
    let mut y = String::from("x-p: &p [\"1-65535\"]\nservices:\n");
    for i in 0..1000 {
        y.push_str(&format!("  s{i}:\n    image: x\n    ports: *p\n"));
    }
    let d = case(&[("compose.yaml", y.as_bytes())]);
    refused(
        d.path(),
        &[
            "compose.yaml:1:",
            "services.s1.ports[0]",
            "more than 65536 ports",
        ],
    );
}

/// `extends` gives every extending service its own copy of the base: a base with 20,000
/// labels extended by 100 services would be two million nodes. Refused at the `extends`
/// that goes over, whether the base is in the same file or another one.
#[test]
fn a_large_base_extended_by_many_services() {
    let mut base = String::from("services:\n  base:\n    image: x\n    labels:\n");
    for i in 0..20_000 {
        base.push_str(&format!("      l{i}: v\n"));
    }
    let mut other = String::from("services:\n");
    let mut same = base.clone();
    for i in 0..100 {
        other.push_str(&format!(
            "  s{i}:\n    extends: {{file: base.yaml, service: base}}\n"
        ));
        same.push_str(&format!("  s{i}:\n    extends: base\n"));
    }
    let d = case(&[
        ("compose.yaml", other.as_bytes()),
        ("base.yaml", base.as_bytes()),
    ]);
    refused(
        d.path(),
        &[
            "compose.yaml:",
            ".extends",
            "more than 1000000 nodes through extends",
        ],
    );
    let d = case(&[("compose.yaml", same.as_bytes())]);
    refused(
        d.path(),
        &[
            "compose.yaml:",
            ".extends",
            "more than 1000000 nodes through extends",
        ],
    );
}

/// A depends_on cycle is named from the first service on it in name order, at that
/// service's line, whatever order the file lists them in (a DFS from every service; a
/// service outside the cycle that leads into it does not start the message).
#[test]
fn depends_on_cycle() {
    let y = b"services:\n  c:\n    image: x\n    depends_on: [b]\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [c]\n";
    let d = case(&[("compose.yaml", y)]);
    refused(
        d.path(),
        &["compose.yaml:8:", "dependency cycle detected: b -> c -> b"],
    );
}

/// Two mounts on one target: named as Compose names them, at the second one.
#[test]
fn two_mounts_on_one_target() {
    let y = b"services:\n  web:\n    image: x\n    tmpfs: [/data]\n    volumes: [\"vol:/data\"]\nvolumes:\n  vol: {}\n";
    let d = case(&[("compose.yaml", y)]);
    refused(
        d.path(),
        &[
            "compose.yaml:5:15:",
            "services.web.volumes[0]: target /data already mounted as services.web.tmpfs[0]",
        ],
    );
}
