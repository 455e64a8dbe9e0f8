//! `transship convert --to TARGET`: load, lower to the target, report what could not be
//! translated exactly, then print, write (atomically) or `--check` the files.

use crate::backend::mapping::ConvertWarning;
use crate::backend::{EmitError, Emitted, OutFile};
use crate::cli::{ConvertArgs, LoadArgs, Target};
use crate::commands::{load_options, print_warnings};
use crate::diag::Severity;
use crate::load;
use crate::model::Project;
use crate::source::SourceMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// # Errors
/// Output cannot be written (tool failure, not a user finding).
pub fn run(load_args: &LoadArgs, args: &ConvertArgs) -> anyhow::Result<ExitCode> {
    let opts = load_options(load_args, true)?;
    let sources = SourceMap::new();
    let loaded = match load::load(&opts, &sources) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {}", e.render(&sources));
            return Ok(ExitCode::from(1));
        }
    };
    print_warnings(&loaded.warnings, &sources);
    let emitted = match emit(args.to, &loaded.project, args) {
        Ok(e) => e,
        Err(e) => {
            let at = if e.span.is_synthetic() {
                String::new()
            } else {
                format!("{}: ", sources.describe(e.span))
            };
            eprintln!("error: {at}{}: {}", e.key_path, e.message);
            return Ok(ExitCode::from(1));
        }
    };
    report(&emitted.warnings, &sources, args.strict);
    if args.strict && !emitted.warnings.is_empty() {
        eprintln!(
            "error: {} conversion warning(s) and --strict: nothing written",
            emitted.warnings.len()
        );
        return Ok(ExitCode::from(1));
    }
    match (&args.output, args.check) {
        (Some(dir), true) => check(dir, &emitted.files),
        (Some(dir), false) => {
            crate::output::write_all_atomic(dir, &emitted.files)?;
            Ok(ExitCode::SUCCESS)
        }
        (None, _) => {
            let mut out = std::io::stdout().lock();
            let many = emitted.files.len() > 1;
            for f in &emitted.files {
                if many {
                    writeln!(out, "# ---- {} ----", f.name)?;
                }
                out.write_all(f.contents.as_bytes())?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One line per warning: severity, `file:line`, key path, what was done.
fn report(warnings: &[ConvertWarning], sources: &SourceMap, strict: bool) {
    for w in warnings {
        let sev = if strict || w.severity == Severity::Error {
            "error"
        } else {
            "warning"
        };
        let at = if w.span.is_synthetic() {
            String::new()
        } else {
            format!("{}: ", sources.describe(w.span))
        };
        eprintln!("{sev}: {at}{}: {}", w.key_path, w.message);
    }
}

/// `--check`: compare generated files with those on disk; print a unified diff per file that
/// differs (or is missing). Exit 1 when anything differs; nothing is written.
fn check(dir: &Path, files: &[OutFile]) -> anyhow::Result<ExitCode> {
    let mut differs = false;
    let mut out = std::io::stdout().lock();
    for f in files {
        let path = dir.join(&f.name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != f.contents {
            differs = true;
            let diff = similar::TextDiff::from_lines(&current, &f.contents);
            let name = path.display().to_string();
            write!(out, "{}", diff.unified_diff().header(&name, &name))?;
        }
    }
    Ok(if differs {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Lower the project with the chosen backend.
///
/// # Errors
/// What the backend cannot express at all.
pub fn emit(target: Target, project: &Project, args: &ConvertArgs) -> Result<Emitted, EmitError> {
    match target {
        Target::Swarm => {
            let opts = crate::backend::swarm::Options {
                stateful: args.stateful.clone(),
                placement_label: args.placement_label.clone(),
                anchors: args.anchors,
                output_dir: args
                    .output
                    .as_ref()
                    .map(|d| std::path::absolute(d).unwrap_or_else(|_| d.clone())),
            };
            crate::backend::swarm::emit(project, &opts)
        }
        Target::Systemd | Target::Quadlet => {
            use crate::backend::systemd;
            let opts = systemd::Options {
                runtime: match args.runtime {
                    crate::cli::Runtime::Docker => systemd::Runtime::Docker,
                    crate::cli::Runtime::Podman => systemd::Runtime::Podman,
                },
                instance_port: args.instance_port,
                fleet: args.fleet,
                env_dir: args.env_dir.clone(),
                templates: args.templates.clone(),
            };
            if target == Target::Quadlet {
                systemd::quadlet::emit(project, &opts)
            } else {
                systemd::emit(project, &opts)
            }
        }
        other => Err(EmitError::new(
            crate::source::Span::SYNTHETIC,
            "",
            format!("the {} backend is not wired into the CLI yet", other.id()),
        )),
    }
}
