//! `transship completions SHELL` and `transship man`: generated from the clap definition, so
//! they can never disagree with the real options.

use crate::cli::Cli;
use clap::CommandFactory;
use std::process::ExitCode;

/// # Errors
/// Standard output cannot be written.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "transship", &mut std::io::stdout().lock());
    Ok(ExitCode::SUCCESS)
}

/// # Errors
/// Standard output cannot be written.
pub fn man() -> anyhow::Result<ExitCode> {
    clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}
