//! Fixture helpers: read a case folder's `case.json`, load it the way the oracle does, and
//! redact machine-specific paths so snapshots are the same on every machine.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use transship::load::options::LoadOptions;

#[derive(Deserialize, Default)]
pub struct Case {
    pub files: Vec<String>,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub project_directory: Option<String>,
    #[serde(default)]
    pub env_files: Vec<String>,
    #[serde(default)]
    pub env: indexmap::IndexMap<String, String>,
    #[serde(default)]
    pub profiles: Vec<String>,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read_case(dir: &Path) -> Case {
    let text = std::fs::read_to_string(dir.join("case.json"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

/// Loader options for a case, as `oracle_diff.py` runs Docker Compose: from inside the case
/// folder, with only `PATH` and `HOME` plus the case's `env` in the environment.
pub fn options_for(dir: &Path, case: &Case) -> LoadOptions {
    let mut environment: indexmap::IndexMap<String, String> = indexmap::IndexMap::new();
    environment.insert("PATH".into(), "/usr/bin:/bin".into());
    environment.insert("HOME".into(), "/tmp".into());
    environment.insert("PWD".into(), dir.display().to_string());
    environment.extend(case.env.clone());
    LoadOptions {
        files: case.files.clone(),
        project_name: case.project.clone(),
        project_directory: case.project_directory.as_ref().map(PathBuf::from),
        env_files: case.env_files.iter().map(PathBuf::from).collect(),
        profiles: case.profiles.clone(),
        interpolate: true,
        environment: Some(environment),
        cwd: Some(dir.to_path_buf()),
        stdin: None,
    }
}

/// Replace the absolute fixture folder with a placeholder.
pub fn redact(text: &str, dir: &Path) -> String {
    text.replace(&dir.display().to_string(), "@@CASE@@")
}

/// Every case folder under `fixtures/<area>`, sorted.
pub fn cases(area: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures").join(area))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("case.json").is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
