//! Records the git revision for `transship --version` (`unknown` outside a git checkout, e.g.
//! in a source tarball). Output files never contain it, so they stay identical across builds.
//! Links the binary as a fixed-address executable on glibc Linux (see `link_without_pie`).

use std::process::Command;

fn main() {
    link_without_pie();
    let rev = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=TRANSSHIP_GIT_REV={rev}");
    // Rebuild when HEAD moves (a new commit or another branch), not on every file change.
    // The git directory is asked for: in a worktree `.git` is a file, and watching a path
    // that does not exist would rerun this script (and rebuild the crate) on every build.
    let git_dir = Command::new("git")
        .args(["rev-parse", "--git-dir"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| std::path::PathBuf::from(s.trim()));
    let Some(git_dir) = git_dir else { return };
    let head = git_dir.join("HEAD");
    println!("cargo:rerun-if-changed={}", head.display());
    if let Ok(text) = std::fs::read_to_string(&head)
        && let Some(r) = text.trim().strip_prefix("ref: ")
    {
        // A branch ref lives in the common directory (shared by worktrees), or only in
        // packed-refs until it next moves.
        let common = Command::new("git")
            .args(["rev-parse", "--git-common-dir"])
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map_or_else(|| git_dir.clone(), |s| std::path::PathBuf::from(s.trim()));
        // Only paths that exist: cargo reruns the script whenever a watched path is missing.
        for p in [common.join(r), common.join("packed-refs")] {
            if p.exists() {
                println!("cargo:rerun-if-changed={}", p.display());
            }
        }
    }
}

/// A position-independent executable carries some 11,000 relocations that the dynamic loader
/// applies at every start, writing (and so copying) the pages they fall on: 40% of the page
/// faults of `transship --version` and about 0.1-0.2 ms of each run. A short-lived converter
/// gains more from starting sooner than from a randomised base address of its own code
/// (shared libraries, stack and heap are still randomised). Only for dynamically linked glibc
/// builds: a static build (musl, or `crt-static`) links the way its target requires.
fn link_without_pie() {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let static_crt = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static");
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" && !static_crt
    {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
