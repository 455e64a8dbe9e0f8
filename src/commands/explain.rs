//! `transship explain --to TARGET`: the backend's mapping table, as text or Markdown (the
//! Markdown is what `docs/mapping/<target>.md` holds).

use crate::backend::mapping::{KeyRule, to_markdown, to_text};
use crate::cli::{ExplainArgs, ExplainFormat, Target};
use std::io::Write;
use std::process::ExitCode;

/// The mapping table of a target.
pub fn table(target: Target) -> &'static [KeyRule] {
    match target {
        Target::Swarm => crate::backend::swarm::mapping::TABLE,
        Target::Nomad => crate::backend::nomad::mapping::TABLE,
        Target::Systemd => crate::backend::systemd::mapping::TABLE,
        Target::Quadlet => crate::backend::systemd::mapping::QUADLET_TABLE,
    }
}

/// # Errors
/// Output cannot be written.
pub fn run(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let t = table(args.to);
    let text = match args.format {
        ExplainFormat::Text => format!(
            "{}{}",
            crate::backend::mapping::preface(args.to.id()),
            to_text(t)
        ),
        ExplainFormat::Markdown => to_markdown(args.to.id(), t),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
