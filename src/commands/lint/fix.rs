//! `lint --fix` and `--fix --diff`: plan the fixes, print them or write them, and check that
//! the project still loads to the same model (restoring the files when it does not).

use crate::lint::Finding;
use crate::lint::fix::{self, Plan};
use crate::load::{self, Loaded, options::LoadOptions};
use crate::output::replace::replace_all;
use crate::source::SourceMap;
use std::io::Write;
use std::process::ExitCode;

/// What the fix step leaves the lint command to do.
pub enum Outcome {
    /// `--diff`: printed; exit with this code.
    Printed(ExitCode),
    /// Nothing was written: lint goes on with what it has.
    Unchanged,
    /// Files were fixed: lint goes on with the reloaded project.
    Fixed {
        loaded: Box<Loaded>,
        sources: SourceMap,
    },
    /// Nothing is left changed, and this says why (exit 2).
    Failed(String),
}

/// # Errors
/// Standard output cannot be written.
pub fn run(
    opts: &LoadOptions,
    loaded: &Loaded,
    sources: &SourceMap,
    findings: &[Finding],
    diff: bool,
) -> anyhow::Result<Outcome> {
    let plan = fix::plan(findings, sources, &loaded.project.working_dir);
    for s in &plan.skipped {
        eprintln!("note: {}: {} not fixed: {}", s.location, s.rule, s.reason);
    }
    if diff {
        std::io::stdout()
            .lock()
            .write_all(fix::diff::unified(&plan.files).as_bytes())?;
        eprintln!("{} (not written: --diff)", summary(&plan));
        return Ok(Outcome::Printed(if plan.files.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }));
    }
    if plan.files.is_empty() {
        return Ok(Outcome::Unchanged);
    }
    let fixed: Vec<_> = plan
        .files
        .iter()
        .map(|f| (f.path.clone(), f.after.clone()))
        .collect();
    if let Err(e) = replace_all(&fixed) {
        return Ok(Outcome::Failed(format!("cannot write the fixes: {e:#}")));
    }
    let reloaded_sources = SourceMap::new();
    let problem = match load::load(opts, &reloaded_sources) {
        Err(e) => format!(
            "the fixed files do not load: {}",
            e.render(&reloaded_sources)
        ),
        Ok(l) if fix::loads_the_same(loaded, &l) => {
            eprintln!("{}", summary(&plan));
            return Ok(Outcome::Fixed {
                loaded: Box::new(l),
                sources: reloaded_sources,
            });
        }
        Ok(_) => "the fixed files load to a different model".to_string(),
    };
    // A fix that changes what the project means is a bug: put the files back as they were.
    let original: Vec<_> = plan
        .files
        .iter()
        .map(|f| (f.path.clone(), f.before.clone()))
        .collect();
    Ok(Outcome::Failed(match replace_all(&original) {
        Ok(()) => format!("{problem}; the files were restored (a bug: please report it)"),
        Err(e) => format!("{problem}, and restoring them failed: {e:#}"),
    }))
}

/// `fixed 3 problem(s) in compose.yaml (2), compose.override.yaml (1)`.
fn summary(plan: &Plan) -> String {
    if plan.files.is_empty() {
        return "nothing to fix".into();
    }
    let files: Vec<String> = plan
        .files
        .iter()
        .map(|f| format!("{} ({})", f.display.trim_start_matches("./"), f.fixed))
        .collect();
    format!("fixed {} problem(s) in {}", plan.fixed(), files.join(", "))
}
