//! `transship convert --to TARGET`: load, lower to the target, report what could not be
//! translated exactly, then print, write (atomically) or `--check` the files.

use crate::backend::mapping::ConvertWarning;
use crate::backend::{EmitError, Emitted, OutFile};
use crate::cli::{ConvertArgs, LoadArgs, Target};
use crate::commands::{load_options, print_warnings};
use crate::diag::Severity;
use crate::load;
use crate::model::Project;
use crate::output::{Stage, Staged};
use crate::source::SourceMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// # Errors
/// Output cannot be written (tool failure, not a user finding).
pub fn run(load_args: &LoadArgs, args: &ConvertArgs) -> anyhow::Result<ExitCode> {
    let targets = Target::distinct(&args.to);
    let many = targets.len() > 1;
    if many && args.output.is_none() {
        eprintln!("error: several targets need -o DIR (each writes under DIR/<target>/)");
        return Ok(ExitCode::from(2));
    }
    let opts = load_options(load_args, true)?;
    let sources = SourceMap::new();
    let mut loaded = match load::load(&opts, &sources) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {}", e.render(&sources));
            return Ok(ExitCode::from(1));
        }
    };
    // The backends read only the model: free the YAML tree now, so they reuse its memory
    // instead of touching (and having the kernel zero) fresh pages.
    loaded.tree = load::node::Node::synthetic(load::node::Value::Null);
    print_warnings(&loaded.warnings, &sources);
    let header = crate::commands::stamp::header(&loaded.files, &loaded.project.working_dir);
    // Every target is lowered before anything is written: one failure writes nothing.
    // The backends only read the model, so several targets are lowered side by side;
    // results are then handled in the order the targets were given (deterministic output).
    let dirs: Vec<Option<PathBuf>> = targets
        .iter()
        .map(|target| {
            args.output
                .as_ref()
                .map(|d| if many { d.join(target.id()) } else { d.clone() })
        })
        .collect();
    // Files go to a stage as soon as their target is converted (on its own thread when
    // there are several); nothing becomes visible before the commit, which only follows
    // when every target succeeded.
    let stage = match (&args.output, args.check) {
        (Some(root), false) => Some(crate::output::Stage::new(root)?),
        _ => None,
    };
    let job = Job {
        project: &loaded.project,
        environment: &loaded.environment,
        args,
        sources: &sources,
        header: &header,
        many,
        stage: stage.as_ref(),
    };
    let lowered = lower_all(&targets, &dirs, &job);
    let mut outputs: Vec<(Target, Option<PathBuf>, Emitted)> = Vec::new();
    let mut staged = Vec::new();
    let mut blocking = 0;
    for ((&target, dir), result) in targets.iter().zip(dirs).zip(lowered) {
        let prefix = if many {
            format!("[{}] ", target.id())
        } else {
            String::new()
        };
        let done = match result? {
            Ok(done) => done,
            Err(e) => {
                let at = if e.span.is_synthetic() {
                    String::new()
                } else {
                    format!("{}: ", sources.describe(e.span))
                };
                eprintln!("error: {prefix}{at}{}: {}", e.key_path, e.message);
                return Ok(ExitCode::from(1));
            }
        };
        report(&done.emitted.warnings, &sources, args.strict, &prefix);
        if args.stats {
            let mut m = serde_json::Map::new();
            m.insert("target".into(), target.id().into());
            for (k, v) in &done.emitted.stats {
                m.insert((*k).into(), (*v).into());
            }
            eprintln!("{}", serde_json::Value::Object(m));
        }
        blocking += done
            .emitted
            .warnings
            .iter()
            .filter(|w| w.severity != Severity::Info)
            .count();
        staged.extend(done.staged);
        outputs.push((target, dir, done.emitted));
    }
    if args.strict && blocking > 0 {
        eprintln!("error: {blocking} conversion warning(s) and --strict: nothing written");
        return Ok(ExitCode::from(1));
    }
    let Some(root) = &args.output else {
        let Some((_, _, emitted)) = outputs.first() else {
            return Ok(ExitCode::SUCCESS);
        };
        let mut out = std::io::stdout().lock();
        let several = emitted.files.len() > 1;
        for f in &emitted.files {
            if several {
                writeln!(out, "# ---- {} ----", f.name)?;
            }
            out.write_all(f.contents.as_bytes())?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    // One file list relative to the root, so the check is of the whole set.
    let all: Vec<OutFile> = outputs
        .iter_mut()
        .flat_map(|(_, _, e)| std::mem::take(&mut e.files))
        .collect();
    let Some(stage) = stage else {
        return check(root, &all);
    };
    stage.commit(staged)?;
    let mut code = ExitCode::SUCCESS;
    if args.validate {
        let written: Vec<PathBuf> = all.iter().map(|f| root.join(&f.name)).collect();
        for (target, dir, _) in &outputs {
            let dir = dir.as_deref().unwrap_or(root);
            let mine: Vec<PathBuf> = written
                .iter()
                .filter(|p| p.starts_with(dir))
                .cloned()
                .collect();
            if validation_failed(*target, dir, &mine) {
                code = ExitCode::from(1);
            }
        }
    }
    crate::commands::discard((loaded, outputs, all));
    Ok(code)
}

/// Run the target's validator on the files written for it and say what it found; true when
/// it rejects them.
fn validation_failed(target: Target, dir: &Path, written: &[PathBuf]) -> bool {
    use crate::commands::validate::{Verdict, validate};
    match validate(target, dir, written) {
        Verdict::Passed => {
            eprintln!("validate: the {} validator accepts the output", target.id());
            false
        }
        Verdict::Failed(why) => {
            eprintln!(
                "error: the {} validator rejects the output:\n{why}",
                target.id()
            );
            true
        }
        Verdict::Unavailable(why) => {
            eprintln!("validate: {why}");
            false
        }
    }
}

/// One line per warning: severity, `file:line`, key path, what was done.
fn report(warnings: &[ConvertWarning], sources: &SourceMap, strict: bool, prefix: &str) {
    // Buffered: thousands of warnings are thousands of writes on an unbuffered stderr.
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    for w in warnings {
        let sev = match w.severity {
            Severity::Info => "note",
            Severity::Error => "error",
            _ if strict => "error",
            _ => "warning",
        };
        let at = if w.span.is_synthetic() {
            String::new()
        } else {
            format!("{}: ", sources.describe(w.span))
        };
        let _ = writeln!(err, "{sev}: {prefix}{at}{}: {}", w.key_path, w.message);
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

/// What every target's conversion shares.
struct Job<'a> {
    project: &'a Project,
    /// The environment the project was loaded with (systemd writes `environment:` secrets).
    environment: &'a crate::load::options::Environment,
    args: &'a ConvertArgs,
    sources: &'a SourceMap,
    header: &'a str,
    /// Several targets: each writes under `<dir>/<target>/`.
    many: bool,
    /// Where files go when they are written (not with `--check` or to stdout).
    stage: Option<&'a Stage>,
}

/// One target converted: its files (stamped, named relative to the output root) and what
/// was staged of them.
struct Converted {
    emitted: Emitted,
    staged: Option<Staged>,
}

/// Outer error: the tool failed (staging a file); inner: the project cannot be converted.
type Outcome = anyhow::Result<Result<Converted, EmitError>>;

/// The operator's plan, written beside the files when they go to a directory.
pub const PLAN_FILE: &str = "DEPLOY.md";

/// The target's name in the plan's title.
fn display_name(target: Target) -> &'static str {
    match target {
        Target::Nomad => "Nomad",
        Target::Swarm => "Docker Swarm",
        Target::Systemd => "systemd",
        Target::Quadlet => "Podman Quadlet",
    }
}

/// Convert, stamp and stage one target. With an output directory the plan (if the target
/// has one) becomes `DEPLOY.md` among the files, so it is staged, committed and checked
/// with them; on stdout only the target's own documents are printed.
fn convert(target: Target, dir: Option<&Path>, job: &Job) -> Outcome {
    let mut emitted = match emit(target, job.project, job.environment, job.args, dir) {
        Ok(e) => e,
        Err(e) => return Ok(Err(e)),
    };
    if dir.is_some() && !emitted.plan.is_empty() {
        let describe =
            |span: crate::source::Span| (!span.is_synthetic()).then(|| job.sources.describe(span));
        emitted.files.push(OutFile {
            name: PLAN_FILE.to_string(),
            contents: crate::backend::plan::render_markdown(
                display_name(target),
                &job.project.name,
                &emitted.plan,
                &describe,
            ),
        });
    }
    crate::commands::stamp::stamp(
        &mut emitted.files,
        &emitted.anchors,
        job.sources,
        &job.project.working_dir,
        job.header,
        !job.args.no_provenance,
    );
    if job.many {
        for f in &mut emitted.files {
            f.name = format!("{}/{}", target.id(), f.name);
        }
    }
    let staged = match job.stage {
        Some(stage) => Some(stage.write(&emitted.files)?),
        None => None,
    };
    Ok(Ok(Converted { emitted, staged }))
}

/// Convert the project to each target: one thread per target when there are several and
/// the project is large enough to pay for them (each thread starts its own heap; for a few
/// services that costs more than it saves). Results come in the order of `targets`.
fn lower_all(targets: &[Target], dirs: &[Option<PathBuf>], job: &Job) -> Vec<Outcome> {
    const WORTH_A_THREAD: usize = 100;
    if targets.len() < 2 || job.project.services.len() < WORTH_A_THREAD {
        return targets
            .iter()
            .zip(dirs)
            .map(|(&target, dir)| convert(target, dir.as_deref(), job))
            .collect();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .iter()
            .zip(dirs)
            .map(|(&target, dir)| scope.spawn(move || convert(target, dir.as_deref(), job)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Lower the project with the chosen backend.
///
/// # Errors
/// What the backend cannot express at all.
pub fn emit(
    target: Target,
    project: &Project,
    environment: &crate::load::options::Environment,
    args: &ConvertArgs,
    output_dir: Option<&Path>,
) -> Result<Emitted, EmitError> {
    match target {
        Target::Swarm => {
            let opts = crate::backend::swarm::Options {
                stateful: args.stateful.clone(),
                placement_label: args.placement_label.clone(),
                anchors: args.anchors,
                output_dir: output_dir
                    .map(|d| std::path::absolute(d).unwrap_or_else(|_| d.to_path_buf())),
            };
            crate::backend::swarm::emit(project, &opts)
        }
        Target::Nomad => crate::backend::nomad::emit(project, &nomad_options(args)),
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
                project_root: args.project_root.clone(),
                podman_version: args.podman_version,
                environment: environment.clone(),
            };
            if target == Target::Quadlet {
                systemd::quadlet::emit(project, &opts)
            } else {
                systemd::emit(project, &opts)
            }
        }
    }
}

/// `--job`, `--datacenter`, ... as the Nomad backend's options.
fn nomad_options(args: &ConvertArgs) -> crate::backend::nomad::Options {
    use crate::backend::nomad::{Driver, Options, Provider, Topology, VolumeType};
    use crate::cli::{
        Runtime, ServiceProvider, Topology as CliTopology, VolumeType as CliVolumeType,
    };
    Options {
        job: args.job.clone(),
        datacenters: args.datacenters.clone(),
        region: args.region.clone(),
        namespace: args.namespace.clone(),
        driver: match args.driver {
            Runtime::Docker => Driver::Docker,
            Runtime::Podman => Driver::Podman,
        },
        // The mesh is Consul's: its services and checks are registered there.
        provider: match (args.service_provider, args.topology) {
            (_, CliTopology::Mesh) | (ServiceProvider::Consul, _) => Provider::Consul,
            (ServiceProvider::Nomad, _) => Provider::Nomad,
        },
        topology: match args.topology {
            CliTopology::Native => Topology::Native,
            CliTopology::Mesh => Topology::Mesh,
            CliTopology::SingleGroup => Topology::SingleGroup,
        },
        volume_type: match args.volume_type {
            CliVolumeType::Host => VolumeType::Host,
            CliVolumeType::Csi => VolumeType::Csi,
        },
        cpu_mhz_per_core: args.cpu_mhz_per_core,
        memory_oversubscription: args.memory_oversubscription,
        default_memory_mb: args.default_memory_mb,
        default_cpu_mhz: args.default_cpu_mhz,
        env_from_variables: args.env_from_variables,
        project_root: args.project_root.clone(),
        stateful: args.stateful.clone(),
    }
}
