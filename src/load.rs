//! The frontend: everything between compose files on disk and the typed model.
//!
//! Phases, in the order Docker Compose v2 runs them:
//! 1. `options`: files (`-f`, `COMPOSE_FILE`, discovery), working directory, environment
//!    (process, then `--env-file`/`.env`), profiles, project name.
//! 2. per file and YAML document (`file`): `yaml` (positions kept, anchors and merge keys
//!    resolved, `!reset`/`!override` recorded) → `interpolate` → `extends` → resets →
//!    `include` → `merge` onto earlier files → `unicity` → `canonical` (long syntax).
//! 3. `defaults`, `validate`, `paths` (absolute), environment entries resolved.
//! 4. `normalize` (default network, implicit depends_on, resource names).
//! 5. `project`: profiles, consistency checks, env_file/label_file contents, unused
//!    resources dropped.
//! 6. `bind`: tree → typed [`crate::model::Project`].

pub mod accept;
pub mod bind;
pub mod canonical;
pub mod defaults;
pub mod dotenv;
pub mod extends;
pub mod extensions;
pub mod file;
pub mod include;
pub mod interpolate;
pub mod merge;
pub mod node;
pub mod normalize;
pub mod options;
pub mod paths;
pub mod project;
pub mod template;
pub mod unicity;
pub mod validate;
pub mod yaml;

use crate::diag::{LoadError, Warning};
use crate::model::Project;
use crate::source::SourceMap;
use file::{Ctx, Phases, empty_dict};
use node::{Node, Value};
use options::{Environment, LoadOptions, invalid_project_name, normalize_project_name};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A loaded project: the typed model (with the project directory, also without
/// interpolation), the final tree it was bound from (for `--no-interpolate` and lint
/// locations; shared with the model's provenance, which records from it when first looked
/// up), and what was noticed on the way.
#[derive(Debug)]
pub struct Loaded {
    pub project: Project,
    pub tree: Arc<Node>,
    pub warnings: Vec<Warning>,
    pub files: Vec<PathBuf>,
    pub environment: Environment,
}

/// Steps compose runs on a whole model once all its files are merged (also run for each
/// included project): defaults, validation, absolute paths, environment entries.
///
/// # Errors
/// Validation and path errors.
pub fn finish_model(
    dict: &mut Node,
    working_dir: &Path,
    env: &Environment,
) -> Result<(), LoadError> {
    defaults::set_default_values(dict)?;
    validate::validate(dict)?;
    extensions::check(dict)?;
    paths::resolve_relative_paths(dict, working_dir)?;
    normalize::resolve_environment(dict, env);
    Ok(())
}

/// Load a compose project the way `docker compose config` does.
///
/// # Errors
/// The first problem found, with its file, line, column and key path when it has one.
pub fn load(opts: &LoadOptions, sources: &SourceMap) -> Result<Loaded, LoadError> {
    let (tree, mut loaded) = load_tree(opts, sources)?;
    if !opts.interpolate {
        // Without interpolation values may still hold `${...}` where numbers belong: compose
        // prints the untyped model in that case (an empty project here), and so do we.
        return Ok(Loaded {
            tree: Arc::new(tree),
            ..loaded
        });
    }
    let tree = Arc::new(tree);
    let mut project = bind::bind(&tree)?;
    project.working_dir = std::mem::take(&mut loaded.project.working_dir);
    Ok(Loaded {
        project,
        tree,
        ..loaded
    })
}

fn load_tree(opts: &LoadOptions, sources: &SourceMap) -> Result<(Node, Loaded), LoadError> {
    let prepared = options::prepare(opts, sources)?;
    let mut env = prepared.environment.clone();
    let limits = yaml::Limits::default();
    let mut ctx = Ctx {
        sources,
        ports: yaml::Budget::new(limits.max_ports),
        extends_nodes: yaml::Budget::new(limits.max_extends_nodes),
        limits,
        interpolate: opts.interpolate,
        warnings: Vec::new(),
        include_stack: Vec::new(),
        cwd: prepared.cwd.clone(),
        parsed: std::collections::HashMap::new(),
        extends_bases: std::collections::HashMap::new(),
    };
    let name = project_name(opts, &prepared, &mut ctx, &env)?;
    env.insert("COMPOSE_PROJECT_NAME".into(), name.clone());

    let mut dict = empty_dict();
    for f in &prepared.files {
        let stdin = if f.as_os_str() == "-" {
            Some(opts.stdin.as_deref().unwrap_or_default())
        } else {
            None
        };
        dict = ctx.load_file(
            f,
            stdin,
            dict,
            &prepared.working_dir,
            &env,
            Phases {
                extends: true,
                include: true,
            },
        )?;
    }
    finish_model(&mut dict, &prepared.working_dir, &env)?;
    if dict.as_map().is_none_or(indexmap::IndexMap::is_empty) {
        return Err(LoadError::plain("empty compose file"));
    }
    if let Some(m) = dict.as_map_mut() {
        m.insert("name".into(), Node::synthetic(Value::Str(name)));
    }
    normalize::normalize(&mut dict, &env);
    let disabled = project::apply_profiles(&mut dict, &prepared.profiles);
    project::check_consistency(&mut dict, &disabled)?;
    if opts.interpolate {
        project::resolve_service_environment(&mut dict, &env, sources, &mut ctx.warnings)?;
        project::resolve_service_labels(&mut dict, sources)?;
        project::check_container_names(&dict)?;
    }
    project::drop_unused_resources(&mut dict);
    let loaded = Loaded {
        project: Project {
            working_dir: prepared.working_dir,
            ..Project::default()
        },
        tree: Arc::new(Node::synthetic(Value::Null)),
        warnings: ctx.warnings,
        files: prepared.files,
        environment: env,
    };
    Ok((dict, loaded))
}

/// `-p`, then `COMPOSE_PROJECT_NAME`, then the last `name:` of the files (interpolated and
/// normalised), then the project directory's name.
fn project_name(
    opts: &LoadOptions,
    prepared: &options::Prepared,
    ctx: &mut Ctx,
    env: &Environment,
) -> Result<String, LoadError> {
    let imperative = opts
        .project_name
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| {
            env.get("COMPOSE_PROJECT_NAME")
                .filter(|n| !n.is_empty())
                .cloned()
        });
    if let Some(n) = imperative {
        if normalize_project_name(&n) != n {
            return Err(invalid_project_name(&n));
        }
        return Ok(n);
    }
    let mut from_yaml = String::new();
    for f in &prepared.files {
        let stdin = if f.as_os_str() == "-" {
            Some(opts.stdin.as_deref().unwrap_or_default())
        } else {
            None
        };
        let docs = ctx.parse_file(f, stdin)?;
        for doc in &docs {
            if let Some(n) = doc
                .root
                .get("name")
                .and_then(Node::as_str)
                .filter(|n| !n.is_empty())
            {
                from_yaml = n.to_string();
            }
        }
        ctx.parsed.insert(f.clone(), docs);
    }
    if opts.interpolate && !from_yaml.is_empty() {
        let lookup = |k: &str| env.get(k).cloned();
        from_yaml = template::substitute(&from_yaml, &lookup)
            .map(|s| s.value)
            .map_err(|e| LoadError::plain(e.to_string()))?;
    }
    let from_yaml = normalize_project_name(&from_yaml);
    if !from_yaml.is_empty() {
        return Ok(from_yaml);
    }
    let dir = prepared
        .working_dir
        .file_name()
        .map(|d| d.to_string_lossy().to_string())
        .unwrap_or_default();
    let name = normalize_project_name(&dir);
    if name.is_empty() {
        return Err(LoadError::plain("project name must not be empty"));
    }
    Ok(name)
}
