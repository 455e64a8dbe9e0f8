//! Backends: each turns the typed model into a target's files. They share one small
//! interface, and each has one mapping table (see [`mapping`]) that says what happens to
//! every compose key.

pub mod mapping;
pub mod nomad;
pub mod notes;
pub mod nul;
pub mod plan;
pub mod swarm;
pub mod systemd;

use mapping::{ConvertWarning, KeyRule};

/// A file a backend wants written, with its name relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutFile {
    pub name: String,
    pub contents: String,
}

/// What a conversion produced: files (in a stable order), warnings, where in the files
/// each service's output begins (for provenance comments), and what the operator must do
/// besides submitting the files ([`plan`]; empty for targets that do not say yet).
#[derive(Clone, Debug, Default)]
pub struct Emitted {
    pub files: Vec<OutFile>,
    pub warnings: Vec<ConvertWarning>,
    pub anchors: Vec<Anchor>,
    /// Counts of what the conversion did, for `convert --stats` (name, count).
    pub stats: Vec<(&'static str, usize)>,
    /// What the operator must do before the first run (rendered as DEPLOY.md).
    pub plan: Vec<plan::Step>,
}

/// A line of an output file that starts what `key_path` (e.g. `services.web`) became.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub file: String,
    /// 0-based line index in the file's contents.
    pub line: usize,
    pub key_path: String,
    pub span: crate::source::Span,
}

/// Anchors for the lines of `text` (file `file`) that `start_of` recognises as the start of
/// a service's output, returning that service's key path and position.
pub fn anchors_where(
    file: &str,
    text: &str,
    start_of: impl Fn(&str) -> Option<(String, crate::source::Span)>,
) -> Vec<Anchor> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            start_of(l).map(|(key_path, span)| Anchor {
                file: file.to_string(),
                line: i,
                key_path,
                span,
            })
        })
        .filter(|a| !a.span.is_synthetic())
        .collect()
}

/// The interface every target implements.
pub trait Backend: Sync {
    /// The `--to` value and snapshot suffix, e.g. `nomad`.
    fn id(&self) -> &'static str;
    /// What happens to every compose key.
    fn mapping(&self) -> &'static [KeyRule];
}

/// A conversion that cannot be done (e.g. a Swarm service with `build` and no `image`):
/// where, which key, why. Nothing is written when a backend returns one.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{key_path}: {message}")]
pub struct EmitError {
    pub span: crate::source::Span,
    pub key_path: String,
    pub message: String,
}

impl EmitError {
    pub fn new(
        span: crate::source::Span,
        key_path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        EmitError {
            span,
            key_path: key_path.into(),
            message: message.into(),
        }
    }
}

/// `extra_hosts` entries as `host:address`, sorted, and a message for each one dropped
/// because its address is not an IP (nor `host-gateway`): Compose accepts any text there,
/// but Docker, Podman and Swarm refuse to start the container for it.
pub fn usable_extra_hosts(svc: &crate::model::Service, target: &str) -> (Vec<String>, Vec<String>) {
    let (ok, bad) = svc.extra_hosts.usable(":");
    let dropped = bad
        .into_iter()
        .map(|(host, ip)| {
            format!(
                "dropped for {target}: {ip:?} (for host {host:?}) is not an IP address, \
                 and the runtime would refuse to start the container"
            )
        })
        .collect();
    (ok, dropped)
}

/// Whether `path` is the project directory or below it (never true without a known,
/// absolute project directory).
pub fn below_project(path: &str, project_dir: &std::path::Path) -> bool {
    project_dir.is_absolute() && std::path::Path::new(path).starts_with(project_dir)
}

/// The host directory compose would create for a bind mount (`create_host_path`, the short
/// syntax's default), as the model writes it; `None` for other mounts and for a source below
/// the project directory that is something else there (a config file). Paths outside the
/// project are the machine's own: the conversion does not look at them (its output must not
/// depend on the machine that runs it).
pub fn created_bind_dir<'v>(
    v: &'v crate::model::ServiceVolume,
    project_dir: &std::path::Path,
) -> Option<&'v str> {
    let create = v.bind.as_ref().and_then(|b| b.create_host_path) == Some(true);
    let src = v
        .source
        .as_deref()
        .filter(|s| !s.is_empty() && create && v.kind.as_deref() == Some("bind"))?;
    let path = std::path::Path::new(src);
    let other = below_project(src, project_dir) && path.exists() && !path.is_dir();
    (!other).then_some(src)
}

/// The bind directories below the project that compose would create ([`created_bind_dir`]),
/// each written by `place`, in service-name order: what a plan step asks an operator to
/// create, with the services that mount them and the first mount's key and position.
pub struct BindDirs {
    pub dirs: Vec<String>,
    pub services: Vec<String>,
    pub key: String,
    pub span: crate::source::Span,
}

pub fn bind_dirs_below_project(
    project: &crate::model::Project,
    place: impl Fn(&str) -> String,
) -> Option<BindDirs> {
    let wd = &project.working_dir;
    let mut dirs: Vec<String> = Vec::new();
    let mut services: Vec<String> = Vec::new();
    let mut first = None;
    for name in project.service_names() {
        let Some(s) = project.services.get(name) else {
            continue;
        };
        for (i, v) in s.volumes.iter().enumerate() {
            let Some(src) = created_bind_dir(v, wd).filter(|s| below_project(s, wd)) else {
                continue;
            };
            let dir = place(src);
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
            if !services.iter().any(|n| n == name) {
                services.push(name.to_string());
            }
            if first.is_none() {
                let rel = format!("volumes[{i}]");
                first = Some((
                    format!("services.{name}.{rel}"),
                    s.provenance.nearest_key_span(&rel),
                ));
            }
        }
    }
    let (key, span) = first?;
    Some(BindDirs {
        dirs,
        services,
        key,
        span,
    })
}

/// `--project-root`, else `/srv/<project>`: where the project directory is on the machines
/// that run the containers.
pub fn project_root(project: &crate::model::Project, given: Option<&str>) -> String {
    given.map_or_else(|| format!("/srv/{}", project.name), str::to_string)
}

/// `path` with the project directory prefix replaced by `root` (`root/<relative part>`);
/// paths outside the project directory are returned unchanged.
pub fn rebase(path: &str, project_dir: &std::path::Path, root: &str) -> String {
    match std::path::Path::new(path).strip_prefix(project_dir) {
        Ok(rel) if below_project(path, project_dir) => {
            let rel = rel.to_string_lossy();
            let root = root.trim_end_matches('/');
            if rel.is_empty() {
                root.to_string()
            } else {
                format!("{root}/{rel}")
            }
        }
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::rebase;
    use std::path::Path;

    #[test]
    fn paths_below_the_project_move_to_the_root_and_others_stay() {
        let dir = Path::new("/home/ci/checkout");
        assert_eq!(
            rebase("/home/ci/checkout/conf", dir, "/srv/app"),
            "/srv/app/conf"
        );
        assert_eq!(rebase("/home/ci/checkout", dir, "/srv/app/"), "/srv/app");
        assert_eq!(
            rebase("/home/ci/checkout2/x", dir, "/srv/app"),
            "/home/ci/checkout2/x"
        );
        assert_eq!(
            rebase("/var/run/docker.sock", dir, "/srv/app"),
            "/var/run/docker.sock"
        );
        assert_eq!(rebase("/x/conf", Path::new(""), "/srv/app"), "/x/conf");
    }
}
