//! `lint --fix` end to end on `fixtures/lint-fix/<case>` (a `case.json` and its files) and,
//! when TRANSSHIP_CORPUS is set, on every loadable project of the shared corpus. Each case
//! is copied to a temporary directory and:
//! - `--fix --diff` prints the diff (snapshotted with its notes under `snapshots/lint-fix`)
//!   and writes nothing;
//! - `--fix` writes exactly that diff;
//! - the fixed project loads to the same model (compose JSON and final tree) as before;
//! - every fixable finding left is one a note explained;
//! - a second `--fix` has nothing to do.

use crate::util::{Case, options_for, read_case, root};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use transship::lint::fix::is_fixable;
use transship::lint::run::{LintOptions, lint};
use transship::load;
use transship::source::SourceMap;

/// Run `transship <load args> lint <extra>` in `dir` as the corpus oracle runs compose.
fn run_lint(dir: &Path, case: &Case, extra: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_transship"));
    c.current_dir(dir).env_clear();
    c.envs([
        ("PATH", "/usr/bin:/bin".to_string()),
        ("HOME", "/tmp".to_string()),
        ("PWD", dir.display().to_string()),
    ]);
    c.envs(case.env.iter());
    for f in &case.files {
        c.args(["-f", f]);
    }
    if let Some(p) = &case.project {
        c.args(["-p", p]);
    }
    if let Some(d) = &case.project_directory {
        c.args(["--project-directory", d]);
    }
    for p in &case.profiles {
        c.args(["--profile", p]);
    }
    for e in &case.env_files {
        c.args(["--env-file", e]);
    }
    c.arg("lint").args(extra);
    c.output().unwrap_or_else(|e| panic!("{e}"))
}

/// The model a load gives, positions aside: compose's JSON and the final tree.
fn model(dir: &Path, case: &Case) -> Result<(serde_json::Value, serde_json::Value), String> {
    let sources = SourceMap::new();
    let loaded = load::load(&options_for(dir, case), &sources).map_err(|e| e.render(&sources))?;
    Ok((loaded.project.to_compose_json(), loaded.tree.to_json()))
}

/// Unsuppressed findings of rules `--fix` fixes.
fn fixable_findings(dir: &Path, case: &Case) -> usize {
    let sources = SourceMap::new();
    let loaded = load::load(&options_for(dir, case), &sources)
        .unwrap_or_else(|e| panic!("{}", e.render(&sources)));
    lint(&loaded, &sources, &LintOptions::default())
        .iter()
        .filter(|f| f.suppressed.is_none() && is_fixable(f.rule))
        .count()
}

/// Every file under `dir` with its bytes.
fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{e}"))
            .flatten()
        {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{e}"));
                out.push((p.strip_prefix(dir).unwrap_or(&p).to_path_buf(), bytes));
            }
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    for e in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
    {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let kind = e.file_type().unwrap_or_else(|e| panic!("{e}"));
        if kind.is_dir() {
            copy_dir(&src, &dst);
        } else if kind.is_symlink() {
            let target = std::fs::read_link(&src).unwrap_or_else(|e| panic!("{e}"));
            std::os::unix::fs::symlink(target, &dst).unwrap_or_else(|e| panic!("{e}"));
        } else {
            std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// What one case's fix did.
struct Fixed {
    diff: String,
    notes: String,
    files_changed: usize,
    notes_count: usize,
}

/// Run the whole check on a copy of `case_dir` placed at `work` (the project is in
/// `work` as it was in `case_dir`). `None` when the original does not load.
fn check_case(name: &str, case_dir: &Path, work: &Path) -> Option<Fixed> {
    copy_dir(case_dir, work);
    // Canonical, as the loader sees its working directory.
    let work = std::fs::canonicalize(work).unwrap_or_else(|e| panic!("{e}"));
    let case = read_case(&work);
    let before = model(&work, &case).ok()?;
    let files_before = contents(&work);

    let dry = run_lint(&work, &case, &["--fix", "--diff"]);
    let diff = String::from_utf8_lossy(&dry.stdout).to_string();
    let notes = String::from_utf8_lossy(&dry.stderr).to_string();
    assert_eq!(
        dry.status.code(),
        Some(if diff.is_empty() { 0 } else { 1 }),
        "{name}: --fix --diff exit code\n{notes}"
    );
    assert!(
        contents(&work) == files_before,
        "{name}: --diff wrote something"
    );

    let fix = run_lint(&work, &case, &["--fix", "--format", "json"]);
    let err = String::from_utf8_lossy(&fix.stderr).to_string();
    assert_ne!(fix.status.code(), Some(2), "{name}: --fix failed\n{err}");
    let files_after = contents(&work);
    let changed: Vec<&(PathBuf, Vec<u8>)> = files_after
        .iter()
        .filter(|f| !files_before.contains(f))
        .collect();
    // What --fix wrote is what --diff showed, file by file.
    let mut rebuilt = String::new();
    for (path, bytes) in &changed {
        let old = files_before
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, b)| String::from_utf8_lossy(b).to_string())
            .unwrap_or_else(|| panic!("{name}: --fix created {}", path.display()));
        let new = String::from_utf8_lossy(bytes).to_string();
        let shown = format!("a/{}", path.display());
        let shown_new = format!("b/{}", path.display());
        rebuilt.push_str(
            &similar::TextDiff::from_lines(&old, &new)
                .unified_diff()
                .context_radius(3)
                .header(&shown, &shown_new)
                .to_string(),
        );
    }
    let sections = |d: &str| -> Vec<String> {
        let mut v: Vec<String> = d
            .split("--- ")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        sections(&rebuilt),
        sections(&diff),
        "{name}: --fix wrote something else than --diff showed"
    );
    assert_eq!(files_after.len(), files_before.len(), "{name}: files added");

    let after = model(&work, &case).unwrap_or_else(|e| panic!("{name}: fixed files: {e}"));
    assert!(
        after.0 == before.0,
        "{name}: compose model changed by --fix"
    );
    assert!(after.1 == before.1, "{name}: loaded tree changed by --fix");

    let notes_count = notes.matches(" not fixed: ").count();
    assert_eq!(
        fixable_findings(&work, &case),
        notes_count,
        "{name}: fixable findings left that no note explains\n{notes}"
    );

    let again = run_lint(&work, &case, &["--fix", "--diff"]);
    assert_eq!(
        (
            again.status.code(),
            String::from_utf8_lossy(&again.stdout).as_ref()
        ),
        (Some(0), ""),
        "{name}: a second --fix would change more"
    );
    Some(Fixed {
        diff,
        notes,
        files_changed: changed.len(),
        notes_count,
    })
}

#[test]
fn fixture_fixes_keep_the_model_and_are_snapshotted() {
    let cases = crate::util::cases("lint-fix");
    assert!(cases.len() >= 3, "{} lint-fix fixtures", cases.len());
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for dir in cases {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let fixed = check_case(&name, &dir, &tmp.path().join(&name))
            .unwrap_or_else(|| panic!("{name}: the fixture does not load"));
        insta::with_settings!({
            snapshot_path => root().join("snapshots/lint-fix"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name.clone(), format!("{}\n{}", fixed.notes, fixed.diff));
        });
    }
}

#[test]
fn diff_needs_fix_and_fix_refuses_write_baseline() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        tmp.path().join("compose.yaml"),
        "services:\n  a:\n    image: x:1\n    ports: [2222:22]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let case = Case {
        files: vec!["compose.yaml".into()],
        ..Case::default()
    };
    let o = run_lint(tmp.path(), &case, &["--diff"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--fix"));
    let o = run_lint(tmp.path(), &case, &["--fix", "--write-baseline", "b.txt"]);
    assert_eq!(o.status.code(), Some(2));
    let written = std::fs::read_to_string(tmp.path().join("compose.yaml")).unwrap_or_default();
    assert!(written.contains("[2222:22]"), "{written}");
}

/// After `--fix`, lint reports what is left (here only the TS203 memory-limit info): the
/// exit code follows the remaining findings, not the fixed ones.
#[test]
fn fix_reports_what_is_left() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        tmp.path().join("compose.yaml"),
        "version: '3'\nservices:\n  a:\n    image: x:1@sha256:0000000000000000000000000000000000000000000000000000000000000000\n    restart: always\n    ports: [2222:22]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let case = Case {
        files: vec!["compose.yaml".into()],
        ..Case::default()
    };
    let o = run_lint(tmp.path(), &case, &["--fail-on", "warning"]);
    assert_eq!(o.status.code(), Some(1), "TS307 is a warning");
    let o = run_lint(tmp.path(), &case, &["--fix", "--fail-on", "warning"]);
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(
        err.contains("fixed 2 problem(s) in compose.yaml (2)"),
        "{err}"
    );
    assert!(!out.contains("TS307") && !out.contains("TS309"), "{out}");
    assert!(out.contains("TS203"), "{out}");
}

/// Over the shared corpus (TRANSSHIP_CORPUS, set by CI): every project that loads is fixed
/// in a copy and checked as the fixtures are.
#[test]
fn corpus_fixes_keep_the_model() {
    let Some(corpus) = std::env::var_os("TRANSSHIP_CORPUS") else {
        eprintln!("lint --fix corpus check skipped: TRANSSHIP_CORPUS is not set");
        return;
    };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in the corpus");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (mut loaded, mut fixed, mut files, mut edits, mut skipped) = (0, 0, 0, 0, 0);
    for dir in &cases {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let Some(f) = check_case(&name, dir, &tmp.path().join(&name)) else {
            continue;
        };
        loaded += 1;
        if f.files_changed > 0 {
            fixed += 1;
        }
        files += f.files_changed;
        edits += f
            .notes
            .lines()
            .filter_map(|l| l.strip_prefix("fixed "))
            .filter_map(|l| l.split_whitespace().next()?.parse::<usize>().ok())
            .sum::<usize>();
        skipped += f.notes_count;
    }
    eprintln!(
        "lint --fix over the corpus: {loaded} of {} projects load; {fixed} fixed ({files} files, {edits} findings), {skipped} fixable findings left with a reason; every model unchanged, every second run empty",
        cases.len()
    );
}
