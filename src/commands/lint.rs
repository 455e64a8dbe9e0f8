//! `transship lint`: load the project, run the rules, print the findings in the chosen
//! format and turn them into an exit code (0 clean, 1 a finding reaches `--fail-on`, 2 the
//! files cannot be loaded or the options are wrong). With `--fix`, the fixable findings are
//! fixed first and what is left is reported.

use crate::cli::{FailOn, LintArgs, LintFormat, LoadArgs, Target};
use crate::commands::load_options;
use crate::diag::Severity;
use crate::lint::Finding;
use crate::lint::baseline;
use crate::lint::config::{self, ConfigFile};
use crate::lint::portability::target_table;
use crate::lint::render::{self, ReportPaths};
use crate::lint::rules::{TargetTable, metas};
use crate::lint::run::{LintOptions, fails, lint};
use crate::load;
use crate::source::SourceMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod fix;

/// The configuration file looked for when `--config` is not given.
pub const CONFIG_NAME: &str = ".transship.toml";

/// # Errors
/// Output cannot be written, or standard input cannot be read.
pub fn run(load_args: &LoadArgs, args: &LintArgs) -> anyhow::Result<ExitCode> {
    let usage = |msg: String| {
        eprintln!("error: {msg}");
        Ok(ExitCode::from(2))
    };
    let opts = load_options(load_args, true)?;
    let sources = SourceMap::new();
    let mut loaded = match load::load(&opts, &sources) {
        Ok(l) => l,
        Err(e) => return usage(e.render(&sources)),
    };
    // Rules look positions up in every service: record them on every core at once.
    loaded.project.settle_provenance();
    let cwd = std::env::current_dir()?;
    let config = match find_config(args.config.as_deref(), &cwd, &loaded.project.working_dir) {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    let fail_on = match (args.fail_on, config.lint.fail_on) {
        (Some(f), _) => Some(fail_on_severity(f)),
        (None, Some(level)) => level.severity(),
        (None, None) => Some(Severity::Error),
    };
    let lint_opts = LintOptions {
        targets: target_tables(&args.targets),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        config: config.lint,
    };
    let unknown = lint_opts.unknown_rules();
    if !unknown.is_empty() {
        return usage(format!(
            "unknown rule(s): {} (see `transship rules`)",
            unknown.join(", ")
        ));
    }
    for t in &lint_opts.targets {
        if t.table.is_none() {
            eprintln!(
                "warning: no mapping table for target {} yet: portability rules skip it",
                t.id
            );
        }
    }
    let mut findings = lint(&loaded, &sources, &lint_opts);
    let (loaded, sources) = if args.fix {
        match fix::run(&opts, &loaded, &sources, &findings, args.diff)? {
            fix::Outcome::Printed(code) => return Ok(code),
            fix::Outcome::Failed(msg) => return usage(msg),
            fix::Outcome::Unchanged => (loaded, sources),
            fix::Outcome::Fixed { loaded, sources } => {
                let mut loaded = *loaded;
                loaded.project.settle_provenance();
                findings = lint(&loaded, &sources, &lint_opts);
                (loaded, sources)
            }
        }
    } else {
        (loaded, sources)
    };
    if let Some(path) = &args.write_baseline {
        let text = baseline::render(&findings, &sources, &loaded.project.working_dir);
        write_one_atomic(path, &text)?;
        let recorded = findings.iter().filter(|f| f.suppressed.is_none()).count();
        eprintln!("recorded {recorded} finding(s) in {}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &args.baseline {
        let entries = match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| baseline::parse(&t))
        {
            Ok(e) => e,
            Err(e) => return usage(format!("{}: {e}", path.display())),
        };
        let reason = format!("recorded in baseline {}", path.display());
        baseline::apply(
            &mut findings,
            &entries,
            &sources,
            &loaded.project.working_dir,
            &reason,
        );
    }
    let color = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let paths = ReportPaths::new(&cwd, &loaded.files);
    let text = render_report(&findings, &sources, args.format, color, &paths);
    std::io::stdout().lock().write_all(text.as_bytes())?;
    let too_many = too_many_warnings(&findings, args.max_warnings);
    if let Some((count, max)) = too_many {
        eprintln!("error: {count} warnings, more than --max-warnings {max}");
    }
    let failed = fail_on.is_some_and(|f| fails(&findings, f)) || too_many.is_some();
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Write `text` to `path` through a temporary file in the same directory, so an
/// interrupted run leaves the previous baseline whole.
fn write_one_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| anyhow::anyhow!("{}: not a file name", path.display()))?;
    crate::output::write_all_atomic(
        &dir,
        &[crate::backend::OutFile {
            name: name.to_string_lossy().into_owned(),
            contents: text.to_string(),
        }],
    )?;
    Ok(())
}

/// `(count, max)` when more unsuppressed warnings than `--max-warnings` allows were
/// reported (ESLint's rule: errors and infos are not counted).
fn too_many_warnings(findings: &[Finding], max: Option<usize>) -> Option<(usize, usize)> {
    let max = max?;
    let count = findings
        .iter()
        .filter(|f| f.suppressed.is_none() && f.severity == Severity::Warning)
        .count();
    (count > max).then_some((count, max))
}

fn fail_on_severity(f: FailOn) -> Severity {
    match f {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    }
}

/// The `--target` values with their backends' mapping tables.
pub fn target_tables(targets: &[Target]) -> Vec<TargetTable> {
    Target::distinct(targets)
        .into_iter()
        .map(|t| TargetTable {
            id: t.id(),
            table: target_table(t.id()),
        })
        .collect()
}

/// Findings in one of the output formats, report paths as the user named the files.
pub fn render_findings(
    findings: &[Finding],
    sources: &SourceMap,
    format: LintFormat,
    color: bool,
) -> String {
    render_report(findings, sources, format, color, &ReportPaths::default())
}

/// Findings in one of the output formats; `paths` says how Code Quality and JUnit reports
/// name files.
pub fn render_report(
    findings: &[Finding],
    sources: &SourceMap,
    format: LintFormat,
    color: bool,
    paths: &ReportPaths,
) -> String {
    match format {
        LintFormat::Human => render::human(findings, sources, color),
        LintFormat::Json => render::json(findings, sources),
        LintFormat::Sarif => render::sarif(findings, &metas(), sources, env!("CARGO_PKG_VERSION")),
        LintFormat::Github => render::github(findings, sources),
        LintFormat::Codeclimate => render::codeclimate(findings, sources, paths),
        LintFormat::Junit => render::junit(findings, sources, paths),
    }
}

/// `--config FILE`, else `.transship.toml` in the current directory, else in the project
/// directory, else the defaults.
///
/// # Errors
/// The file cannot be read or is not a valid configuration (the message names the file).
pub fn find_config(
    explicit: Option<&Path>,
    cwd: &Path,
    project_dir: &Path,
) -> Result<ConfigFile, String> {
    let path: Option<PathBuf> = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => [cwd.join(CONFIG_NAME), project_dir.join(CONFIG_NAME)]
            .into_iter()
            .find(|p| p.is_file()),
    };
    let Some(path) = path else {
        return Ok(ConfigFile::default());
    };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_config_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("x.toml");
        std::fs::write(&p, "[lint]\nbogus = 1\n").unwrap_or_else(|e| panic!("{e}"));
        let e = find_config(Some(&p), dir.path(), dir.path())
            .err()
            .unwrap_or_default();
        assert!(e.contains("x.toml"), "{e}");
        assert!(find_config(None, dir.path(), dir.path()).is_ok());
    }

    #[test]
    fn targets_are_deduplicated() {
        let t = target_tables(&[Target::Swarm, Target::Nomad, Target::Swarm]);
        assert_eq!(
            t.iter().map(|t| t.id).collect::<Vec<_>>(),
            ["swarm", "nomad"]
        );
    }
}
