//! Top-level `include`: other compose projects loaded with their own directory and env files
//! and imported into this one (compose-go `loader/include.go`).

use crate::diag::LoadError;
use crate::load::file::{Ctx, Phases};
use crate::load::node::{KeyPath, Node, Value, same_value};
use crate::load::options::{Environment, absolute, read_env_files};
use crate::load::{finish_model, node::Map};
use std::path::{Path, PathBuf};

const IMPORTED: &[&str] = &[
    "services", "volumes", "networks", "secrets", "configs", "models",
];

struct Include {
    paths: Vec<(PathBuf, crate::source::Span)>,
    project_directory: Option<String>,
    env_files: Vec<String>,
    span: crate::source::Span,
}

fn strings(node: &Node, path: &KeyPath) -> Result<Vec<String>, LoadError> {
    match &node.value {
        Value::Str(s) => Ok(vec![s.clone()]),
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .map(|(i, n)| {
                n.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| LoadError::new(n.span, path.index(i), "must be a string"))
            })
            .collect(),
        _ => Err(LoadError::new(
            node.span,
            path.clone(),
            "must be a string or a list of strings",
        )),
    }
}

fn parse_includes(node: &Node, working_dir: &Path) -> Result<Vec<Include>, LoadError> {
    let path = KeyPath::root().key("include");
    let Some(items) = node.as_seq() else {
        return Err(LoadError::new(node.span, path, "`include` must be a list"));
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let inc = match &item.value {
            Value::Str(s) => Include {
                paths: vec![(PathBuf::from(s), item.span)],
                project_directory: None,
                env_files: vec![],
                span: item.span,
            },
            Value::Map(m) => {
                for k in m.keys() {
                    if !matches!(k.as_str(), "path" | "project_directory" | "env_file")
                        && !k.starts_with("x-")
                    {
                        return Err(LoadError::new(
                            m[k].key_span,
                            p.key(k),
                            format!("Additional property {k} is not allowed"),
                        ));
                    }
                }
                let paths_node = m
                    .get("path")
                    .ok_or_else(|| LoadError::new(item.span, p.clone(), "path is required"))?;
                let paths = strings(paths_node, &p.key("path"))?
                    .into_iter()
                    .map(|s| (PathBuf::from(s), paths_node.span))
                    .collect();
                let project_directory = match m.get("project_directory") {
                    Some(n) => Some(
                        n.as_str()
                            .ok_or_else(|| {
                                LoadError::new(
                                    n.span,
                                    p.key("project_directory"),
                                    "must be a string",
                                )
                            })?
                            .to_string(),
                    ),
                    None => None,
                };
                let env_files = match m.get("env_file") {
                    Some(n) => strings(n, &p.key("env_file"))?,
                    None => vec![],
                };
                Include {
                    paths,
                    project_directory,
                    env_files,
                    span: item.span,
                }
            }
            _ => {
                return Err(LoadError::new(
                    item.span,
                    p,
                    "must be a string or a mapping",
                ));
            }
        };
        out.push(inc);
    }
    let _ = working_dir;
    Ok(out)
}

/// Load every `include` of `root` and import its resources into `root`; removes `include`.
///
/// # Errors
/// Cycles, missing files, conflicting resources, any load error of the included project.
/// Deepest chain of files including each other: each level is a recursion, and no real
/// project comes near it.
pub const MAX_INCLUDE_DEPTH: usize = 100;

pub fn apply_include(
    ctx: &mut Ctx,
    root: &mut Node,
    file: &Path,
    working_dir: &Path,
    env: &Environment,
) -> Result<(), LoadError> {
    let Some(node) = root.as_map_mut().and_then(|m| m.shift_remove("include")) else {
        return Ok(());
    };
    if node.is_null() {
        return Ok(());
    }
    let includes = parse_includes(&node, working_dir)?;
    for inc in includes {
        let files: Vec<PathBuf> = inc
            .paths
            .iter()
            .map(|(p, _)| absolute(working_dir, p))
            .collect();
        let Some(main) = files.first().cloned() else {
            continue;
        };
        let project_dir = match &inc.project_directory {
            None => main.parent().map(Path::to_path_buf).unwrap_or_default(),
            Some(d) => absolute(working_dir, Path::new(d)),
        };
        let mut chain: Vec<PathBuf> = ctx.include_stack.clone();
        if chain.is_empty() {
            chain.push(file.to_path_buf());
        }
        if chain.contains(&main) {
            chain.push(main.clone());
            let listing: Vec<String> = chain.iter().map(|p| p.display().to_string()).collect();
            let main_name = main.display().to_string();
            let (first, rest) = listing.split_first().unwrap_or((&main_name, &[]));
            let msg = format!(
                "include cycle detected:\n{first}\n include {}",
                rest.join("\n include ")
            );
            return Err(LoadError::new(
                inc.span,
                KeyPath::root().key("include"),
                msg,
            ));
        }
        if chain.len() > MAX_INCLUDE_DEPTH {
            return Err(LoadError::new(
                inc.span,
                KeyPath::root().key("include"),
                format!(
                    "includes are nested more than {MAX_INCLUDE_DEPTH} files deep (at {})",
                    ctx.display(&main)
                ),
            ));
        }
        let env_files: Vec<PathBuf> = if inc.env_files.is_empty() {
            let f = project_dir.join(".env");
            if f.is_file() { vec![f] } else { vec![] }
        } else {
            let mut v = Vec::new();
            for f in &inc.env_files {
                let p = absolute(working_dir, Path::new(f));
                if !p.exists() {
                    return Err(LoadError::new(
                        inc.span,
                        KeyPath::root().key("include"),
                        format!("stat {}: no such file or directory", p.display()),
                    ));
                }
                if p.is_dir() {
                    return Err(LoadError::new(
                        inc.span,
                        KeyPath::root().key("include"),
                        format!("{} is not a file", p.display()),
                    ));
                }
                v.push(p);
            }
            v
        };
        let from_files = read_env_files(env, &env_files, &ctx.cwd.clone(), ctx.sources)?;
        let mut inc_env = env.clone();
        for (k, v) in from_files {
            inc_env.entry(k).or_insert(v);
        }
        let saved = std::mem::replace(&mut ctx.include_stack, chain);
        ctx.include_stack.push(main.clone());
        let imported = load_included(ctx, &files, &project_dir, &inc_env);
        ctx.include_stack = saved;
        import_resources(&imported?, root)?;
    }
    Ok(())
}

fn load_included(
    ctx: &mut Ctx,
    files: &[PathBuf],
    project_dir: &Path,
    env: &Environment,
) -> Result<Node, LoadError> {
    let mut dict = crate::load::file::empty_dict();
    for f in files {
        dict = ctx.load_file(
            f,
            None,
            dict,
            project_dir,
            env,
            Phases {
                extends: true,
                include: true,
            },
        )?;
    }
    finish_model(&mut dict, project_dir, env)?;
    Ok(dict)
}

fn import_resources(source: &Node, target: &mut Node) -> Result<(), LoadError> {
    let Some(target_map) = target.as_map_mut() else {
        return Ok(());
    };
    for key in IMPORTED {
        let Some(from) = source.get(key).and_then(Node::as_map) else {
            continue;
        };
        let entry = target_map
            .entry((*key).to_string())
            .or_insert_with(|| Node::map(Map::default(), crate::source::Span::SYNTHETIC));
        if entry.is_null() {
            *entry = Node::map(Map::default(), entry.span);
        }
        let Some(to) = entry.as_map_mut() else {
            continue;
        };
        for (name, value) in from {
            if let Some(existing) = to.get(name) {
                if same_value(existing, value) {
                    continue;
                }
                return Err(LoadError::new(
                    existing.key_span,
                    KeyPath::root().key(key).key(name),
                    format!("{key}.{name} conflicts with imported resource"),
                ));
            }
            to.insert(name.clone(), value.clone());
        }
    }
    Ok(())
}
