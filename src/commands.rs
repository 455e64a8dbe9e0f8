//! One module per subcommand; each returns the process exit code or a tool error.

pub mod config;
pub mod convert;
pub mod explain;
pub mod lint;
pub mod packaging;
pub mod push_config;
pub mod rules;
pub mod stamp;
pub mod validate;

use crate::cli::LoadArgs;
use crate::load::options::LoadOptions;
use std::io::Read;

/// Loader options from the command line (standard input read when `-f -` is used).
///
/// # Errors
/// Standard input cannot be read.
use std::process::ExitCode;

pub fn load_options(args: &LoadArgs, interpolate: bool) -> anyhow::Result<LoadOptions> {
    let stdin = if args.files.iter().any(|f| f == "-") {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Some(s)
    } else {
        None
    };
    Ok(LoadOptions {
        files: args.files.clone(),
        project_name: args.project_name.clone(),
        project_directory: args.project_directory.clone(),
        env_files: args.env_files.clone(),
        profiles: args.profiles.clone(),
        interpolate,
        // Hermetic: an empty process environment; `.env` and --env-file still apply.
        environment: args.hermetic.then(indexmap::IndexMap::new),
        cwd: None,
        stdin,
    })
}

/// Leave a large value to the operating system instead of freeing it piece by piece: the
/// command returns and the process exits right after (freeing a 1,000-service model took
/// ~9% of `config -q`).
/// The loaded project, or the load error printed with its position and exit code 1.
///
/// # Errors
/// The project does not load (the error is already printed).
pub fn load_or_report(
    opts: &LoadOptions,
    sources: &crate::source::SourceMap,
) -> Result<crate::load::Loaded, ExitCode> {
    crate::load::load(opts, sources).map_err(|e| {
        eprintln!("error: {}", e.render(sources));
        ExitCode::from(1)
    })
}

pub fn discard<T>(value: T) {
    std::mem::forget(value);
}

/// Print warnings the way compose does, on stderr, each with its position.
pub fn print_warnings(warnings: &[crate::diag::Warning], sources: &crate::source::SourceMap) {
    use std::io::Write;
    // Buffered: thousands of warnings are thousands of writes on an unbuffered stderr.
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    for w in warnings {
        let at = sources.location_prefix(w.span);
        let path = if w.path.0.is_empty() {
            String::new()
        } else {
            format!("{}: ", w.path)
        };
        let _ = writeln!(err, "warning: {at}{path}{}", w.message);
    }
}
