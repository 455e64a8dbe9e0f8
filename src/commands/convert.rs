//! `transship convert --to TARGET`: load, lower to the target, report what could not be
//! translated exactly, then print, write (atomically) or `--check` the files.

mod report;

use crate::backend::{EmitError, Emitted, OutFile};
use crate::cli::{ConvertArgs, LoadArgs, Target};
use crate::commands::load_options;
use crate::load;
use crate::model::Project;
use crate::output::{Stage, Staged};
use crate::source::SourceMap;
use clap::ValueEnum;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Have the unit templates parsed while the project loads (see [`render::prefetch`]).
///
/// [`render::prefetch`]: crate::backend::systemd::render::prefetch
fn prefetch_templates(targets: &[Target], args: &ConvertArgs) {
    use crate::backend::systemd::render;
    for t in targets {
        let names = match t {
            Target::Systemd => render::UNIT_TEMPLATES,
            Target::Quadlet => render::QUADLET_TEMPLATES,
            Target::Nomad | Target::Swarm => continue,
        };
        render::prefetch(args.templates.as_deref(), names);
    }
}

/// # Errors
/// Output cannot be written (tool failure, not a user finding).
pub fn run(load_args: &LoadArgs, args: &ConvertArgs) -> anyhow::Result<ExitCode> {
    if args.output.as_deref() == Some(Path::new("-")) {
        eprintln!("error: -o - is not an output directory: leave -o out to print to stdout");
        return Ok(ExitCode::from(2));
    }
    let targets = Target::distinct(&args.to);
    let many = targets.len() > 1;
    if many && args.output.is_none() {
        eprintln!("error: several targets need -o DIR (each writes under DIR/<target>/)");
        return Ok(ExitCode::from(2));
    }
    let opts = load_options(load_args, true)?;
    prefetch_templates(&targets, args);
    let sources = SourceMap::new();
    let mut loaded = match crate::commands::load_or_report(&opts, &sources) {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let all_ids: Vec<&str> = Target::value_variants().iter().map(|t| t.id()).collect();
    let accepts = match load::accept::parse(&loaded.tree, &all_ids) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {}", e.render(&sources));
            return Ok(ExitCode::from(1));
        }
    };
    // The backends read only the model, and its positions throughout: record them now and
    // free the YAML tree, so that the backends reuse its memory instead of touching (and
    // having the kernel zero) fresh pages.
    loaded.project.settle_provenance();
    loaded.tree = std::sync::Arc::new(load::node::Node::synthetic(load::node::Value::Null));
    let mut acceptance = report::Acceptance::new(&accepts);
    let mut tally = report::report_loader(
        &loaded.warnings,
        &mut report::Context {
            sources: &sources,
            strict: args.strict,
            verbose: args.verbose,
            prefix: "",
            target: None,
            acceptance: &mut acceptance,
        },
    );
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
    for ((&target, dir), result) in targets.iter().zip(dirs).zip(lowered) {
        let prefix = if many {
            format!("[{}] ", target.id())
        } else {
            String::new()
        };
        let done = match result? {
            Ok(done) => done,
            Err(e) => {
                let at = sources.location_prefix(e.span);
                eprintln!("error: {prefix}{at}{}: {}", e.key_path, e.message);
                return Ok(ExitCode::from(1));
            }
        };
        tally.add(&report::report(
            &done.emitted.warnings,
            &mut report::Context {
                sources: &sources,
                strict: args.strict,
                verbose: args.verbose,
                prefix: &prefix,
                target: Some(target.id()),
                acceptance: &mut acceptance,
            },
        ));
        if args.stats {
            let mut m = serde_json::Map::new();
            m.insert("target".into(), target.id().into());
            for (k, v) in &done.emitted.stats {
                m.insert((*k).into(), (*v).into());
            }
            eprintln!("{}", serde_json::Value::Object(m));
        }
        staged.extend(done.staged);
        outputs.push((target, dir, done.emitted));
    }
    let ids: Vec<&str> = targets.iter().map(|t| t.id()).collect();
    acceptance.report_unused(&ids, &sources, &mut tally);
    let services = loaded.project.services.len();
    if args.strict && tally.blocking > 0 {
        eprintln!(
            "error: {} warning(s) and --strict: nothing written (fix them, or accept each with a reason in x-transship.accept)",
            tally.blocking
        );
        summary("nothing written", services, &tally);
        return Ok(ExitCode::from(1));
    }
    let Some(root) = &args.output else {
        let Some((_, _, emitted)) = outputs.first() else {
            return Ok(ExitCode::SUCCESS);
        };
        // stdout carries one document, so it can be piped (`| nomad job run -`,
        // `| docker stack deploy -c - S`); a conversion into several files needs a directory.
        if emitted.files.len() > 1 {
            let target = outputs.first().map_or("", |(t, _, _)| t.id());
            eprintln!(
                "error: the {target} conversion is {} files ({}): write them with -o DIR (stdout carries a single document, so that it can be piped)",
                emitted.files.len(),
                file_list(&emitted.files)
            );
            return Ok(ExitCode::from(2));
        }
        let mut out = std::io::stdout().lock();
        for f in &emitted.files {
            out.write_all(f.contents.as_bytes())?;
        }
        out.flush()?;
        summary(
            &files_phrase(emitted.files.len(), "printed to stdout"),
            services,
            &tally,
        );
        return Ok(ExitCode::SUCCESS);
    };
    // One file list relative to the root, so the check is of the whole set; the manifest
    // of what this run writes goes with it.
    let mut all: Vec<OutFile> = outputs
        .iter_mut()
        .flat_map(|(_, _, e)| std::mem::take(&mut e.files))
        .collect();
    let stale = crate::output::manifest::stale(root, &all);
    let listing = crate::output::manifest::manifest(&all);
    if let Some(stage) = &stage {
        staged.push(stage.write(std::slice::from_ref(&listing))?);
    }
    all.push(listing);
    let Some(stage) = stage else {
        let code = check(root, &all, &stale)?;
        let what = format!(
            "checked against {}{}",
            root.display(),
            stale_phrase(&stale, "would be removed")
        );
        summary(&files_phrase(all.len() - 1, &what), services, &tally);
        return Ok(code);
    };
    stage.commit(staged)?;
    crate::output::manifest::remove_stale(root, &stale)?;
    for name in &stale {
        eprintln!(
            "removed: {} (written by an earlier run, no longer produced)",
            root.join(name).display()
        );
    }
    let what = format!(
        "written to {}{}",
        root.display(),
        stale_phrase(&stale, "removed")
    );
    summary(&files_phrase(all.len() - 1, &what), services, &tally);
    let mut code = ExitCode::SUCCESS;
    if args.validate {
        // Absolute paths: each validator runs from its target's directory, where a path
        // relative to ours (`-o out`) would name nothing.
        let root = std::path::absolute(root)?;
        let written: Vec<PathBuf> = all.iter().map(|f| root.join(&f.name)).collect();
        for (target, dir, _) in &outputs {
            let dir = match dir {
                Some(d) => std::path::absolute(d)?,
                None => root.clone(),
            };
            let mine: Vec<PathBuf> = written
                .iter()
                .filter(|p| p.starts_with(&dir))
                .cloned()
                .collect();
            if validation_failed(*target, &dir, &mine, args.strict) {
                code = ExitCode::from(1);
            }
        }
    }
    crate::commands::discard((loaded, outputs, all));
    Ok(code)
}

/// Run the target's validator on the files written for it and say what it found; true when
/// it rejects them, or when it could not run and `strict` asks for a verdict.
fn validation_failed(target: Target, dir: &Path, written: &[PathBuf], strict: bool) -> bool {
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
        Verdict::Unavailable(why) if strict => {
            eprintln!("error: validate: skipped: {why} (--strict needs a verdict)");
            true
        }
        Verdict::Unavailable(why) => {
            eprintln!("validate: skipped: {why}");
            false
        }
    }
}

/// The first few file names, for a message.
fn file_list(files: &[OutFile]) -> String {
    let mut names: Vec<&str> = files.iter().take(3).map(|f| f.name.as_str()).collect();
    if files.len() > 3 {
        names.push("...");
    }
    names.join(", ")
}

/// "3 files written to out", "1 file printed to stdout".
fn files_phrase(n: usize, what: &str) -> String {
    format!("{n} file{} {what}", if n == 1 { "" } else { "s" })
}

/// ", 2 stale files removed" (nothing when there are none).
fn stale_phrase(stale: &[String], done: &str) -> String {
    match stale.len() {
        0 => String::new(),
        1 => format!(" (1 file of an earlier run {done})"),
        n => format!(" ({n} files of an earlier run {done})"),
    }
}

/// The last line on stderr: what was written, how many services, how many warnings.
fn summary(files: &str, services: usize, tally: &report::Tally) {
    let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "summary: {files}; {}; {}",
        plural(services, "service"),
        plural(tally.warnings, "warning")
    );
    if tally.accepted > 0 {
        line.push_str(&format!(" ({} accepted)", tally.accepted));
    }
    if tally.notes > 0 {
        line.push_str(&format!(", {}", plural(tally.notes, "note")));
    }
    if tally.lines < tally.warnings.saturating_sub(tally.accepted) + tally.notes {
        line.push_str(&format!(" (grouped into {} lines)", tally.lines));
    }
    eprintln!("{line}");
}

/// `--check`: compare generated files with those on disk; print a unified diff per file that
/// differs (or is missing). Exit 1 when anything differs; nothing is written.
fn check(dir: &Path, files: &[OutFile], stale: &[String]) -> anyhow::Result<ExitCode> {
    let mut differs = !stale.is_empty();
    let mut out = std::io::stdout().lock();
    for name in stale {
        writeln!(
            out,
            "stale: {} (an earlier run wrote it; this one would delete it)",
            dir.join(name).display()
        )?;
    }
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
                env_from: args.env_from.clone(),
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
