//! What the user asked for (`-f`, `-p`, `--project-directory`, `--env-file`, `--profile`) turned
//! into what the loader needs: the compose files, the working directory, the environment used
//! for interpolation, the active profiles and the project name — in the order Docker Compose
//! decides them (`cli/options.go` in compose-go).

use crate::diag::LoadError;
use crate::load::dotenv;
use crate::source::SourceMap;
use indexmap::IndexMap;
use std::path::{Path, PathBuf};

pub const DEFAULT_FILE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
pub const DEFAULT_OVERRIDE_FILE_NAMES: &[&str] = &[
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// The loader's inputs, as given on the command line.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `-f` files in order; `-` is standard input. Empty: `COMPOSE_FILE` or discovery.
    pub files: Vec<String>,
    pub project_name: Option<String>,
    pub project_directory: Option<PathBuf>,
    pub env_files: Vec<PathBuf>,
    pub profiles: Vec<String>,
    /// `false` for `--no-interpolate`.
    pub interpolate: bool,
    /// The process environment. `None` reads the real one; tests pass their own.
    pub environment: Option<IndexMap<String, String>>,
    /// Working directory for relative `-f` paths and discovery. `None`: the process's.
    pub cwd: Option<PathBuf>,
    /// Standard input's content when `-f -` is used (read by the caller).
    pub stdin: Option<String>,
}

/// The environment compose interpolates with: process environment first (it always wins),
/// then `--env-file`s or the project's `.env`.
pub type Environment = IndexMap<String, String>;

/// Everything settled before any compose file is parsed.
#[derive(Debug)]
pub struct Prepared {
    pub files: Vec<PathBuf>,
    pub working_dir: PathBuf,
    pub environment: Environment,
    pub profiles: Vec<String>,
    pub cwd: PathBuf,
}

fn err(msg: impl Into<String>) -> LoadError {
    LoadError::plain(msg)
}

/// Absolute form of `p` against `cwd`, lexically cleaned (as Go's `filepath.Abs`).
pub fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    clean(&joined)
}

/// Lexical path cleaning like Go's `filepath.Clean`: removes `.`, resolves `..`, no trailing `/`.
pub fn clean(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// Settle files, working directory, environment and profiles.
///
/// # Errors
/// A named file that does not exist, an unreadable env file, an invalid project name.
pub fn prepare(opts: &LoadOptions, sources: &SourceMap) -> Result<Prepared, LoadError> {
    let cwd = match &opts.cwd {
        Some(c) => c.clone(),
        None => std::env::current_dir()
            .map_err(|e| err(format!("cannot read working directory: {e}")))?,
    };
    let mut environment: Environment = match &opts.environment {
        Some(e) => e.clone(),
        None => std::env::vars().collect(),
    };
    if !environment.contains_key("PWD") {
        environment.insert("PWD".into(), cwd.display().to_string());
    }

    let mut files: Vec<PathBuf> = opts.files.iter().map(PathBuf::from).collect();
    let explicit_dir = opts.project_directory.as_ref().map(|d| absolute(&cwd, d));
    let working_dir_of = |files: &[PathBuf]| -> PathBuf {
        if let Some(d) = &explicit_dir {
            return d.clone();
        }
        files
            .iter()
            .find(|f| f.as_os_str() != "-")
            .and_then(|f| absolute(&cwd, f).parent().map(Path::to_path_buf))
            .unwrap_or_else(|| cwd.clone())
    };

    // First pass of env files (from the working directory known so far), as compose does,
    // because COMPOSE_FILE may come from `.env`.
    let env_files = env_file_list(opts, &working_dir_of(&files), &environment);
    merge_env_files(&mut environment, &env_files?, &cwd, sources)?;

    if files.is_empty()
        && let Some(list) = environment.get("COMPOSE_FILE")
    {
        let sep = environment
            .get("COMPOSE_PATH_SEPARATOR")
            .filter(|s| !s.is_empty())
            .cloned()
            .unwrap_or_else(|| ":".into());
        for f in list.split(sep.as_str()) {
            let p = absolute(&cwd, Path::new(f));
            if !p.exists() {
                return Err(err(format!(
                    "stat {}: no such file or directory",
                    p.display()
                )));
            }
            files.push(p);
        }
    }
    if files.is_empty() {
        files = discover(&working_dir_of(&[]))?;
    }
    let working_dir = working_dir_of(&files);
    let env_files = env_file_list(opts, &working_dir, &environment)?;
    merge_env_files(&mut environment, &env_files, &cwd, sources)?;

    let profiles = if opts.profiles.is_empty() {
        environment
            .get("COMPOSE_PROFILES")
            .map(|p| p.split(',').map(|s| s.trim().to_string()).collect())
            .unwrap_or_default()
    } else {
        opts.profiles.clone()
    };

    let files = files
        .into_iter()
        .map(|f| {
            if f.as_os_str() == "-" {
                f
            } else {
                absolute(&cwd, &f)
            }
        })
        .collect();
    Ok(Prepared {
        files,
        working_dir,
        environment,
        profiles,
        cwd,
    })
}

/// `--env-file`s (relative to the current directory), or the working directory's `.env`.
fn env_file_list(
    opts: &LoadOptions,
    working_dir: &Path,
    env: &Environment,
) -> Result<Vec<PathBuf>, LoadError> {
    if !opts.env_files.is_empty() {
        return Ok(opts.env_files.clone());
    }
    if let Some(v) = env.get("COMPOSE_DISABLE_ENV_FILE") {
        match parse_go_bool(v) {
            Some(true) => return Ok(Vec::new()),
            Some(false) => {}
            None => {
                return Err(err(format!(
                    "strconv.ParseBool: parsing {v:?}: invalid syntax"
                )));
            }
        }
    }
    let dotenv = working_dir.join(".env");
    Ok(if dotenv.is_file() {
        vec![dotenv]
    } else {
        Vec::new()
    })
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Read env files in order; later files see earlier ones; values never override what the
/// environment already has.
fn merge_env_files(
    environment: &mut Environment,
    files: &[PathBuf],
    cwd: &Path,
    sources: &SourceMap,
) -> Result<(), LoadError> {
    let from_files = read_env_files(environment, files, cwd, sources)?;
    for (k, v) in from_files {
        environment.entry(k).or_insert(v);
    }
    Ok(())
}

/// compose-go `dotenv.GetEnvFromFile`: files read in order into one map; a value's `${VAR}`
/// is looked up in the environment first, then in keys already read.
///
/// # Errors
/// Missing file, a directory, a parse error.
pub fn read_env_files(
    current: &Environment,
    files: &[PathBuf],
    cwd: &Path,
    sources: &SourceMap,
) -> Result<Environment, LoadError> {
    let mut out = Environment::new();
    let mut warnings = Vec::new();
    for f in files {
        let abs = absolute(cwd, f);
        if !abs.exists() {
            return Err(err(format!("couldn't find env file: {}", abs.display())));
        }
        if abs.is_dir() {
            return Err(err(format!("{} is a directory", abs.display())));
        }
        let text = read_text(&abs)?;
        let id = sources.add(f.display().to_string(), abs.clone(), text.clone().into());
        let lookup = |k: &str| current.get(k).cloned();
        dotenv::parse_into(&text, id, &lookup, &mut out, &mut warnings)?;
    }
    Ok(out)
}

/// Read a file as UTF-8 text with a clear message for binary content.
///
/// # Errors
/// I/O errors and invalid UTF-8.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let bytes = std::fs::read(path)
        .map_err(|e| err(format!("cannot read {}: {}", path.display(), io_reason(&e))))?;
    String::from_utf8(bytes).map_err(|e| {
        err(format!(
            "{}: file is not valid UTF-8 (byte offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        _ => e.to_string(),
    }
}

/// `compose.yaml` (and its override) in `dir` or the nearest parent that has one.
fn discover(start: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        if let Some(main) = DEFAULT_FILE_NAMES
            .iter()
            .map(|n| d.join(n))
            .find(|p| p.exists())
        {
            let mut files = vec![main];
            if let Some(o) = DEFAULT_OVERRIDE_FILE_NAMES
                .iter()
                .map(|n| d.join(n))
                .find(|p| p.exists())
            {
                files.push(o);
            }
            return Ok(files);
        }
        dir = d.parent();
    }
    Err(err("no configuration file provided: not found"))
}

/// compose's project-name normalisation: lowercase, keep `[a-z0-9_-]`, trim leading `_`/`-`.
///
/// ```
/// use transship::load::options::normalize_project_name;
/// assert_eq!(normalize_project_name("My Shop_Stack!"), "myshop_stack");
/// assert_eq!(normalize_project_name("--x"), "x");
/// ```
pub fn normalize_project_name(s: &str) -> String {
    let lowered = s.to_lowercase();
    let kept: String = lowered
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_string()
}

pub fn invalid_project_name(v: &str) -> LoadError {
    err(format!(
        "invalid project name {v:?}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
    ))
}
