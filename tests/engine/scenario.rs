//! A scenario: a small compose project in `fixtures/engine/<name>/` and its `case.json`
//! (compose files, profiles, steps to run once it has settled, expected by-design
//! differences per target, the mutant check).

use crate::compare::ByDesign;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    #[serde(default = "default_files")]
    pub files: Vec<String>,
    #[serde(default)]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub steps: Vec<Step>,
    /// target → differences it has by design.
    #[serde(default)]
    pub by_design: BTreeMap<String, Vec<ByDesign>>,
    #[serde(default)]
    pub mutant: Option<Mutant>,
    /// What the scenario is about (printed with its result).
    #[serde(default)]
    pub about: String,
    /// The units read the environment from etcd (`--env-from etcd`, values pushed with
    /// `transship push-config` to the etcd `.ci/engine/up.sh` starts).
    #[serde(default)]
    pub etcd: bool,
}

fn default_files() -> Vec<String> {
    vec!["compose.yaml".into()]
}

/// One action on a settled project, after which it settles again.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// restart | stop | start | reload (SIGHUP) | wait (seconds in `seconds`) | redeploy
    /// (write `text` to the project's `file`, then deploy again as each target's users
    /// would: `up -d --force-recreate <service>`; a new conversion installed and the
    /// service's units restarted; `docker stack deploy`)
    #[serde(rename = "do")]
    pub action: String,
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub seconds: u64,
    #[serde(default)]
    pub file: String,
    #[serde(default)]
    pub text: String,
}

impl Step {
    /// The edit of a `redeploy` step, made in a target's copy of the project.
    pub fn edit(&self, project_dir: &Path) -> Result<(), String> {
        if self.file.is_empty() || self.file.contains("..") {
            return Err(format!(
                "redeploy: a file inside the project, not {:?}",
                self.file
            ));
        }
        let path = project_dir.join(&self.file);
        std::fs::write(&path, &self.text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Drop `variable` from `service`'s converted systemd output; the comparison must report
/// exactly it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mutant {
    pub service: String,
    pub variable: String,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// `tsh-<name>`: compose project, systemd unit prefix, stack name.
    pub project: String,
    pub source: PathBuf,
    pub case: Case,
    /// Engine objects the project names itself, outside its `<project>_` prefix.
    pub named: Named,
}

/// Networks and volumes with an explicit `name:`, and `container_name`s: what teardown must
/// remove besides the project's prefixed objects.
#[derive(Debug, Clone, Default)]
pub struct Named {
    pub networks: std::collections::BTreeSet<String>,
    pub volumes: std::collections::BTreeSet<String>,
    pub containers: std::collections::BTreeSet<String>,
}

impl Scenario {
    pub fn load(dir: &Path) -> Result<Scenario, String> {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{}: no name", dir.display()))?
            .to_string();
        let text = std::fs::read_to_string(dir.join("case.json"))
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let case: Case =
            serde_json::from_str(&text).map_err(|e| format!("{}/case.json: {e}", dir.display()))?;
        Ok(Scenario {
            project: format!("tsh-{name}"),
            name,
            source: dir.to_path_buf(),
            case,
            named: Named::default(),
        })
    }

    pub fn by_design(&self, target: &str) -> &[ByDesign] {
        self.case
            .by_design
            .get(target)
            .map_or(&[], |v| v.as_slice())
    }
}

/// Every scenario under `root` (sorted by name).
pub fn all(root: &Path) -> Result<Vec<Scenario>, String> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| format!("{}: {e}", root.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.json").is_file())
        .collect();
    dirs.sort();
    dirs.iter().map(|d| Scenario::load(d)).collect()
}

/// Copies a directory tree (files, directories, symlinks as files).
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
