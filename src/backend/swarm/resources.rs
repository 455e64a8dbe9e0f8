//! Top-level `networks`, `volumes`, `secrets` and `configs` of the stack file. Networks
//! become `overlay` unless they name another multi-host driver; names compose derived from the
//! project (`<project>_<key>`) are left out so `docker stack deploy` namespaces them itself;
//! `file:` paths are made relative to the output directory (or stay absolute); configs with
//! inline `content:` are written as files next to the stack; environment-sourced secrets must
//! be created by the operator, so they become `external`.

use super::convert::dedup;
use super::stack::{StackIpam, StackNetwork, StackObject, StackSubnet, StackVolume};
use crate::backend::OutFile;
use crate::backend::mapping::ConvertWarning;
use crate::diag::Severity;
use crate::model::{FileObject, Network, Project, Provenance, Volume};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// What the top level produced besides its sections: extra files and operator steps.
#[derive(Default)]
pub struct Extras {
    pub files: Vec<OutFile>,
    /// Operator steps for the node plan (secrets to create).
    pub plan: Vec<super::plan::Op>,
    pub warnings: Vec<ConvertWarning>,
}

impl Extras {
    fn warn(&mut self, prov: &Provenance, key_path: String, rel: &str, message: String) {
        self.warnings.push(ConvertWarning {
            severity: Severity::Warning,
            service: None,
            key_path,
            span: prov.nearest_key_span(rel),
            message,
        });
    }
}

/// `name` unless it is the one compose derives from the project.
fn custom_name(project: &str, key: &str, name: &Option<String>) -> Option<String> {
    name.clone()
        .filter(|n| !n.is_empty() && *n != format!("{project}_{key}"))
}

pub fn networks(p: &Project, x: &mut Extras) -> BTreeMap<String, StackNetwork> {
    p.networks
        .iter()
        .map(|(k, n)| (k.clone(), network(&p.name, k, n, x)))
        .collect()
}

fn network(project: &str, key: &str, n: &Network, x: &mut Extras) -> StackNetwork {
    if n.external {
        return StackNetwork {
            name: n.name.clone().filter(|s| !s.is_empty()),
            external: Some(true),
            ..StackNetwork::default()
        };
    }
    let driver = match n.driver.as_deref().filter(|d| !d.is_empty()) {
        None => "overlay".to_string(),
        Some("bridge") => {
            x.warn(
                &n.provenance,
                format!("networks.{key}.driver"),
                "driver",
                "approximated for swarm: bridge networks are local to one host: overlay used"
                    .into(),
            );
            "overlay".to_string()
        }
        Some(d) => d.to_string(),
    };
    let lost_ipam = n.ipam.config.iter().any(|c| {
        c.gateway.as_deref().is_some_and(|s| !s.is_empty())
            || c.ip_range.as_deref().is_some_and(|s| !s.is_empty())
            || !c.aux_addresses.is_empty()
    });
    if lost_ipam {
        x.warn(
            &n.provenance,
            format!("networks.{key}.ipam"),
            "ipam",
            "approximated for swarm: only subnets are kept".into(),
        );
    }
    if n.enable_ipv6 == Some(true) || n.enable_ipv4 == Some(false) {
        x.warn(
            &n.provenance,
            format!("networks.{key}"),
            "enable_ipv6",
            "approximated for swarm: enable_ipv4/enable_ipv6 dropped".into(),
        );
    }
    let subnets: Vec<StackSubnet> = n
        .ipam
        .config
        .iter()
        .filter_map(|c| c.subnet.clone().filter(|s| !s.is_empty()))
        .map(|subnet| StackSubnet { subnet })
        .collect();
    let ipam_driver = n.ipam.driver.clone().filter(|s| !s.is_empty());
    StackNetwork {
        name: custom_name(project, key, &n.name),
        driver: Some(driver),
        driver_opts: n.driver_opts.clone(),
        ipam: (ipam_driver.is_some() || !subnets.is_empty()).then(|| StackIpam {
            driver: ipam_driver,
            config: dedup(&subnets),
        }),
        external: None,
        internal: n.internal.filter(|b| *b),
        attachable: n.attachable.filter(|b| *b),
        labels: n.labels.clone(),
    }
}

pub fn volumes(p: &Project) -> BTreeMap<String, StackVolume> {
    p.volumes
        .iter()
        .map(|(k, v)| (k.clone(), volume(&p.name, k, v)))
        .collect()
}

fn volume(project: &str, key: &str, v: &Volume) -> StackVolume {
    if v.external {
        return StackVolume {
            name: v.name.clone().filter(|s| !s.is_empty()),
            external: Some(true),
            ..StackVolume::default()
        };
    }
    StackVolume {
        name: custom_name(project, key, &v.name),
        driver: v.driver.clone().filter(|s| !s.is_empty()),
        driver_opts: v.driver_opts.clone(),
        external: None,
        labels: v.labels.clone(),
    }
}

/// `path` relative to `base` when both are absolute, else `path` unchanged.
pub fn relative_to(path: &str, base: Option<&Path>) -> String {
    let p = Path::new(path);
    let Some(base) = base.filter(|b| b.is_absolute() && p.is_absolute()) else {
        return path.to_string();
    };
    let pc: Vec<Component> = p.components().collect();
    let bc: Vec<Component> = base.components().collect();
    let common = pc.iter().zip(&bc).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..bc.len() {
        rel.push("..");
    }
    for c in pc.iter().skip(common) {
        rel.push(c.as_os_str());
    }
    let s = rel.to_string_lossy().to_string();
    if s.starts_with("..") {
        s
    } else {
        format!("./{s}")
    }
}

/// How host paths are written in the stack file: those below the project directory
/// relative to the stack file's directory (the `-o` directory, else the project directory,
/// as `docker stack deploy` resolves them), so the file does not depend on where the
/// checkout lives; others (system paths) as they are.
pub struct HostPaths<'a> {
    project_dir: &'a Path,
    base: &'a Path,
}

impl<'a> HostPaths<'a> {
    pub fn new(project: &'a Project, out_dir: Option<&'a Path>) -> Self {
        let project_dir = project.working_dir.as_path();
        HostPaths {
            project_dir,
            base: out_dir.unwrap_or(project_dir),
        }
    }

    /// `path` made absolute against the project directory.
    pub fn absolute(&self, path: &str) -> PathBuf {
        self.project_dir.join(path)
    }

    /// `path` as the compose file would write it: relative to the project directory.
    pub fn in_project(&self, path: &str) -> String {
        relative_to(path, Some(self.project_dir))
    }

    pub fn project_dir(&self) -> &Path {
        self.project_dir
    }

    pub fn below_project(&self, path: &str) -> bool {
        crate::backend::below_project(path, self.project_dir)
    }

    pub fn rel(&self, path: &str) -> String {
        if crate::backend::below_project(path, self.project_dir) {
            relative_to(path, Some(self.base))
        } else {
            path.to_string()
        }
    }
}

/// Which kind of top-level object: secrets and configs differ in what Swarm allows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Secret,
    Config,
}

impl Kind {
    fn section(self) -> &'static str {
        match self {
            Kind::Secret => "secrets",
            Kind::Config => "configs",
        }
    }
}

pub fn objects(
    p: &Project,
    kind: Kind,
    out_dir: Option<&Path>,
    x: &mut Extras,
) -> BTreeMap<String, StackObject> {
    let src = if kind == Kind::Secret {
        &p.secrets
    } else {
        &p.configs
    };
    let host = HostPaths::new(p, out_dir);
    src.iter()
        .map(|(k, o)| (k.clone(), object(&p.name, k, o, kind, &host, x)))
        .collect()
}

fn object(
    project: &str,
    key: &str,
    o: &FileObject,
    kind: Kind,
    host: &HostPaths,
    x: &mut Extras,
) -> StackObject {
    let section = kind.section();
    let name = o.name.clone().filter(|s| !s.is_empty());
    let mut out = StackObject {
        labels: o.labels.clone(),
        template_driver: o.template_driver.clone().filter(|s| !s.is_empty()),
        ..StackObject::default()
    };
    if kind == Kind::Secret {
        out.driver = o.driver.clone().filter(|s| !s.is_empty());
        out.driver_opts = o.driver_opts.clone();
    }
    if o.external {
        out.name = name;
        out.external = Some(true);
        return out;
    }
    if let Some(file) = o.file.as_deref().filter(|s| !s.is_empty()) {
        out.name = match std::fs::read(host.absolute(file)) {
            Ok(bytes) => versioned(project, key, &name, &bytes, o, section, x),
            Err(e) => {
                x.warn(
                    &o.provenance,
                    format!("{section}.{key}"),
                    "file",
                    format!("{file} cannot be read ({e}): the {section} object keeps a fixed name, so `docker stack deploy` fails once the file changes"),
                );
                custom_name(project, key, &name)
            }
        };
        out.file = Some(host.rel(file));
        return out;
    }
    let env = o.environment.clone().filter(|s| !s.is_empty());
    match (kind, &o.content, env) {
        (Kind::Config, Some(content), _) => {
            let rel = format!("{section}/{key}");
            x.files.push(OutFile {
                name: rel.clone(),
                contents: content.clone(),
            });
            out.name = versioned(project, key, &name, content.as_bytes(), o, section, x);
            out.file = Some(format!("./{rel}"));
        }
        (_, _, env) => {
            let swarm_name = name.unwrap_or_else(|| format!("{project}_{key}"));
            let from = env.as_deref().unwrap_or("its source");
            x.warn(
                &o.provenance,
                format!("{section}.{key}"),
                "environment",
                format!("approximated for swarm: Swarm cannot read {from} at deploy time: made external `{swarm_name}`, created by the node-labelling plan"),
            );
            let what = if kind == Kind::Secret {
                "secret"
            } else {
                "config"
            };
            let var = env.unwrap_or_else(|| "VALUE".into());
            x.plan.push(super::plan::Op::Create {
                kind: what,
                name: swarm_name.clone(),
                from: var,
            });
            out.name = Some(swarm_name);
            out.external = Some(true);
        }
    }
    out
}

/// The object's name: one the compose file gave (kept, with a warning that it must change
/// with the content), else `<project>_<key>_<hash of the content>`. Swarm secrets and
/// configs cannot change: `docker stack deploy` fails updating one whose content changed
/// (moby#35048). A new name per content makes it create a new object and roll the services
/// to it, as compose recreates the container.
fn versioned(
    project: &str,
    key: &str,
    name: &Option<String>,
    content: &[u8],
    o: &FileObject,
    section: &str,
    x: &mut Extras,
) -> Option<String> {
    if let Some(n) = custom_name(project, key, name) {
        x.warnings.push(ConvertWarning {
            severity: Severity::Info,
            service: None,
            key_path: format!("{section}.{key}.name"),
            span: o.provenance.nearest_key_span("name"),
            message: format!("name {n} kept: Swarm cannot update a {section} object, so change the name whenever the content changes"),
        });
        return Some(n);
    }
    Some(format!("{project}_{key}_{}", content_hash(content)))
}

/// 12 hex digits of the FNV-1a hash of `bytes`: a version tag, not a security measure.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")[..12].to_string()
}

pub use crate::backend::plan::shell_word as shell_quote;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_relative_to_the_output_dir() {
        assert_eq!(
            relative_to("/a/b/c.txt", Some(Path::new("/a/out"))),
            "../b/c.txt"
        );
        assert_eq!(
            relative_to("/a/out/c.txt", Some(Path::new("/a/out"))),
            "./c.txt"
        );
        assert_eq!(relative_to("/a/b/c.txt", None), "/a/b/c.txt");
        assert_eq!(
            relative_to("/a/b/c.txt", Some(Path::new("rel"))),
            "/a/b/c.txt"
        );
    }

    #[test]
    fn default_names_are_left_to_the_stack() {
        assert_eq!(custom_name("p", "data", &Some("p_data".into())), None);
        assert_eq!(
            custom_name("p", "data", &Some("shared".into())),
            Some("shared".into())
        );
    }

    #[test]
    fn networks_default_to_overlay() {
        let mut x = Extras::default();
        let n = network(
            "p",
            "back",
            &Network {
                driver: Some("bridge".into()),
                ..Network::default()
            },
            &mut x,
        );
        assert_eq!(n.driver.as_deref(), Some("overlay"));
        assert_eq!(x.warnings.len(), 1);
        let n = network("p", "front", &Network::default(), &mut x);
        assert_eq!(n.driver.as_deref(), Some("overlay"));
    }

    #[test]
    fn inline_config_content_becomes_a_file() {
        let mut x = Extras::default();
        let o = FileObject {
            content: Some("a $b\n".into()),
            ..FileObject::default()
        };
        let p = Project::default();
        let s = object(
            "p",
            "conf",
            &o,
            Kind::Config,
            &HostPaths::new(&p, None),
            &mut x,
        );
        assert_eq!(s.file.as_deref(), Some("./configs/conf"));
        assert_eq!(s.name, Some(format!("p_conf_{}", content_hash(b"a $b\n"))));
        assert_eq!(x.files[0].contents, "a $b\n");
    }

    #[test]
    fn env_secret_becomes_external_with_a_plan_line() {
        let mut x = Extras::default();
        let o = FileObject {
            environment: Some("TOKEN".into()),
            content: Some("s3cret".into()),
            ..FileObject::default()
        };
        let p = Project::default();
        let s = object(
            "p",
            "tok",
            &o,
            Kind::Secret,
            &HostPaths::new(&p, None),
            &mut x,
        );
        assert_eq!((s.external, s.name.as_deref()), (Some(true), Some("p_tok")));
        assert_eq!(
            x.plan,
            vec![super::super::plan::Op::Create {
                kind: "secret",
                name: "p_tok".into(),
                from: "TOKEN".into()
            }]
        );
        assert!(x.files.is_empty());
    }
}
