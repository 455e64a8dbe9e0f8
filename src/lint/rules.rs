//! The rule registry and what rules see: a [`Ctx`] over the loaded project, and [`Hit`], a
//! finding before the runner gives it its rule ID and configured severity.
//!
//! Each rule is one file under `rules/` exporting `META` and `check(&Ctx) -> Vec<Hit>`; the
//! [`ALL`] table lists them in ID order (a test keeps it sorted and unique).

mod bind_outside_project;
mod build_without_image;
mod cap_add_all;
mod container_name_with_replicas;
mod credential_in_url;
mod dangerous_capability;
mod dangerous_host_device;
mod database_port_on_all_interfaces;
mod dependency_started_not_healthy;
mod dependency_without_healthcheck;
mod deprecated_links;
mod docker_socket_mount;
mod duplicate_container_target;
mod duplicate_host_port;
mod elevated_capability;
mod engine_socket_directory_mount;
mod executable_tmpfs;
mod healthy_dependency_without_healthcheck;
mod host_ipc_mode;
mod host_network_mode;
mod host_pid_mode;
mod image_latest_tag;
mod image_moving_tag;
mod image_not_pinned_by_digest;
mod image_without_tag;
mod invalid_container_name;
mod key_approximated_by_target;
mod key_dropped_by_target;
mod log_without_rotation;
mod logging_disabled;
mod memory_reservation_above_limit;
mod missing_cap_drop_all;
mod missing_memory_limit;
mod missing_no_new_privileges;
mod missing_restart_policy;
mod obsolete_version_key;
mod out_of_range_duration;
mod plaintext_secret_in_environment;
mod port_on_all_interfaces;
mod ports_with_host_network;
mod privileged_container;
mod replicated_stateful_volume;
mod root_user;
mod sensitive_host_path_mount;
mod service_name_not_dns_label;
mod single_file_bind_mount;
mod size_without_unit;
mod unconfined_security_profile;
mod undefined_variable;
mod unquoted_port_mapping;
mod writable_root_filesystem;

use crate::backend::mapping::KeyRule;
use crate::diag::Warning;
use crate::lint::RuleMeta;
use crate::lint::config::RuleOptions;
use crate::load::node::Node;
use crate::model::{Project, Service};
use crate::source::{FileId, SourceMap, Span};
use std::path::Path;

/// A rule: its metadata and its check.
pub struct Rule {
    pub meta: &'static RuleMeta,
    pub check: fn(&Ctx) -> Vec<Hit>,
}

macro_rules! rule {
    ($m:ident) => {
        Rule {
            meta: &$m::META,
            check: $m::check,
        }
    };
}

/// Every rule, in ID order.
pub static ALL: &[Rule] = &[
    rule!(undefined_variable),
    rule!(healthy_dependency_without_healthcheck),
    rule!(duplicate_host_port),
    rule!(duplicate_container_target),
    rule!(container_name_with_replicas),
    rule!(size_without_unit),
    rule!(out_of_range_duration),
    rule!(ports_with_host_network),
    rule!(memory_reservation_above_limit),
    rule!(invalid_container_name),
    rule!(missing_restart_policy),
    rule!(dependency_without_healthcheck),
    rule!(missing_memory_limit),
    rule!(replicated_stateful_volume),
    rule!(dependency_started_not_healthy),
    rule!(log_without_rotation),
    rule!(logging_disabled),
    rule!(image_without_tag),
    rule!(image_latest_tag),
    rule!(image_not_pinned_by_digest),
    rule!(single_file_bind_mount),
    rule!(bind_outside_project),
    rule!(build_without_image),
    rule!(obsolete_version_key),
    rule!(deprecated_links),
    rule!(unquoted_port_mapping),
    rule!(image_moving_tag),
    rule!(privileged_container),
    rule!(docker_socket_mount),
    rule!(host_network_mode),
    rule!(host_pid_mode),
    rule!(host_ipc_mode),
    rule!(cap_add_all),
    rule!(plaintext_secret_in_environment),
    rule!(database_port_on_all_interfaces),
    rule!(unconfined_security_profile),
    rule!(sensitive_host_path_mount),
    rule!(engine_socket_directory_mount),
    rule!(dangerous_capability),
    rule!(elevated_capability),
    rule!(credential_in_url),
    rule!(port_on_all_interfaces),
    rule!(dangerous_host_device),
    rule!(root_user),
    rule!(executable_tmpfs),
    rule!(missing_no_new_privileges),
    rule!(missing_cap_drop_all),
    rule!(writable_root_filesystem),
    rule!(key_dropped_by_target),
    rule!(key_approximated_by_target),
    rule!(service_name_not_dns_label),
];

/// The rule with this ID or name (case-insensitive).
pub fn find(id_or_name: &str) -> Option<&'static Rule> {
    ALL.iter().find(|r| {
        r.meta.id.eq_ignore_ascii_case(id_or_name) || r.meta.name.eq_ignore_ascii_case(id_or_name)
    })
}

/// Every rule's metadata, in ID order.
pub fn metas() -> Vec<&'static RuleMeta> {
    ALL.iter().map(|r| r.meta).collect()
}

/// A deployment target the user named with `--target`, and its backend's mapping table
/// (`None` until that backend provides one).
#[derive(Clone, Copy, Debug)]
pub struct TargetTable {
    pub id: &'static str,
    pub table: Option<&'static [KeyRule]>,
}

/// What a rule reads: the typed project (with provenance), the final tree (for values as
/// written, before binding typed them), the loader's warnings, and the sources.
pub struct Ctx<'a> {
    pub project: &'a Project,
    pub tree: &'a Node,
    pub warnings: &'a [Warning],
    pub sources: &'a SourceMap,
    pub working_dir: &'a Path,
    pub targets: &'a [TargetTable],
    /// Per-rule options from the configuration file.
    pub options: &'a RuleOptions,
}

impl<'a> Ctx<'a> {
    /// Services in name order (findings are sorted by location later; this keeps rules that
    /// compare services deterministic).
    pub fn services(&self) -> Vec<&'a Service> {
        let mut v: Vec<&Service> = self.project.services.values().map(|s| &**s).collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// The tree node at `path` (relative to the service, e.g. `deploy.resources.limits`).
    pub fn service_node(&self, service: &str, path: &str) -> Option<&'a Node> {
        let svc = self.tree.get("services")?.get(service)?;
        node_at(svc, path)
    }

    /// The text written at `span` up to the end of its line (for rules about how a value
    /// was written: quoting, `${...}`, relative paths).
    pub fn written(&self, span: Span) -> Option<String> {
        if span.is_synthetic() {
            return None;
        }
        let line = self.sources.line_text(span)?;
        Some(
            line.chars()
                .skip(span.col.saturating_sub(1) as usize)
                .collect(),
        )
    }
}

/// The node at a relative path (`a.b[2].c`) under `node`.
pub fn node_at<'n>(node: &'n Node, path: &str) -> Option<&'n Node> {
    let mut cur = node;
    if path.is_empty() {
        return Some(cur);
    }
    for part in path.split('.') {
        let (key, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            cur = cur.get(key)?;
        }
        for idx in indexes.split('[').filter(|s| !s.is_empty()) {
            let i: usize = idx.trim_end_matches(']').parse().ok()?;
            cur = cur.as_seq()?.get(i)?;
        }
    }
    Some(cur)
}

/// A finding as a rule reports it (the runner adds the rule ID and severity).
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub span: Span,
    pub key_path: String,
    pub message: String,
    pub help: Option<String>,
    /// The service it is about (for `ignore-services`).
    pub service: Option<String>,
}

impl Hit {
    /// A finding at the value written at `path` of a service (its key, or the nearest
    /// recorded ancestor's key, when the value has no position).
    pub fn value(s: &Service, path: &str, message: impl Into<String>) -> Hit {
        let span = s
            .provenance
            .span(path)
            .filter(|_| !path.is_empty())
            .unwrap_or_else(|| s.provenance.nearest_key_span(path));
        Hit::new(s, path, span, message)
    }

    /// A finding at the key of `path` of a service (the service's own key for `""`).
    pub fn key(s: &Service, path: &str, message: impl Into<String>) -> Hit {
        let span = if path.is_empty() {
            s.provenance.key_span
        } else {
            s.provenance.nearest_key_span(path)
        };
        Hit::new(s, path, span, message)
    }

    /// A finding at a mount's `field` (`source`, `target`) when the long syntax wrote it,
    /// else at the `volumes[i]` entry.
    pub fn mount(s: &Service, i: usize, field: &str, message: impl Into<String>) -> Hit {
        let item = format!("volumes[{i}]");
        let long = format!("{item}.{field}");
        match s.provenance.span(&long) {
            Some(span) => Hit::new(s, &item, span, message),
            None => Hit::value(s, &item, message),
        }
    }

    /// A finding at an explicit position about a service's `path`.
    pub fn new(s: &Service, path: &str, span: Span, message: impl Into<String>) -> Hit {
        Hit {
            span,
            key_path: service_path(&s.name, path),
            message: message.into(),
            help: None,
            service: Some(s.name.clone()),
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Hit {
        self.help = Some(help.into());
        self
    }
}

/// `services.NAME.path` (or `services.NAME` for an empty path).
pub fn service_path(service: &str, path: &str) -> String {
    if path.is_empty() {
        format!("services.{service}")
    } else if path.starts_with('[') {
        format!("services.{service}{path}")
    } else {
        format!("services.{service}.{path}")
    }
}

/// The repository name of an image reference, without registry, tag or digest
/// (`docker.io/library/postgres:16` → `postgres`).
pub fn image_repo_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last)
}

/// The tag of an image reference (`None` when it has none; a registry port is not a tag).
pub fn image_tag(image: &str) -> Option<&str> {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split_once(':').map(|(_, t)| t)
}

/// Whether a mount is a bind mount.
pub fn is_bind(v: &crate::model::ServiceVolume) -> bool {
    v.kind.as_deref() == Some("bind")
}

/// Where and how an `environment` value was written: in the compose file, or in an
/// `env_file` target (whose values the loader places at the file's first position).
pub struct EnvEntry {
    pub span: Span,
    /// The text from the value's position to the end of its line (compose), or the value
    /// after `NAME=` (env file).
    pub text: String,
    /// The written value interpolates something (`${...}` or `$NAME`).
    pub interpolated: bool,
    pub in_env_file: bool,
}

impl Ctx<'_> {
    /// The written form of `s.environment[name]`, when it has a position.
    pub fn env_entry(&self, s: &Service, name: &str) -> Option<EnvEntry> {
        let span = s.provenance.span(&format!("environment.{name}"))?;
        if span.is_synthetic() {
            return None;
        }
        if span.line == 1 && span.col == 1 {
            return self.env_file_entry(span, name);
        }
        let text = self.written(span)?;
        Some(EnvEntry {
            span,
            interpolated: text.contains('$'),
            text,
            in_env_file: false,
        })
    }

    /// The first copy of `file` the loader read: it reads an env file once for each service
    /// that names it, and findings in it should have one position, so that the runner
    /// reports them once.
    fn first_copy(&self, file: FileId) -> FileId {
        let Some(path) = self.sources.path_of(file) else {
            return file;
        };
        (1..file.0)
            .map(FileId)
            .find(|id| self.sources.path_of(*id).as_ref() == Some(&path))
            .unwrap_or(file)
    }

    /// The last `NAME=value` line of the env file at `span.file` (the last one wins).
    fn env_file_entry(&self, span: Span, name: &str) -> Option<EnvEntry> {
        let file = self.sources.get(span.file)?;
        let (line, value) = file
            .text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                let l = l.trim_start();
                let l = l.strip_prefix("export ").unwrap_or(l);
                let (k, v) = l.split_once('=')?;
                (k.trim_end() == name).then(|| (i + 1, v.trim().to_string()))
            })
            .last()?;
        // Single quotes keep `$` literal in env files.
        let interpolated = !value.starts_with('\'') && value.contains('$');
        Some(EnvEntry {
            span: Span::new(self.first_copy(span.file), u32::try_from(line).ok()?, 1),
            text: value,
            interpolated,
            in_env_file: true,
        })
    }
}

/// The host path of a bind mount, without a trailing `/` (`/` stays `/`).
pub fn bind_source(v: &crate::model::ServiceVolume) -> Option<&str> {
    let src = v.source.as_deref().filter(|_| is_bind(v))?;
    Some(if src == "/" {
        src
    } else {
        src.trim_end_matches('/')
    })
}

/// Host directories that hold the container engine's API socket (or are its parents): a
/// bind of one of them hands the socket over as surely as mounting the socket itself.
pub const SOCKET_DIRECTORIES: &[&str] = &[
    "/",
    "/run",
    "/var/run",
    "/run/docker",
    "/var/run/docker",
    "/run/containerd",
    "/var/run/containerd",
    "/run/podman",
    "/var/run/podman",
    "/run/crio",
    "/var/run/crio",
];

/// A Linux capability name without its optional `CAP_` prefix, upper-cased.
pub fn capability_name(c: &str) -> String {
    let up = c.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

/// `*` matches any run of characters; case-insensitive (for configured name patterns).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some((b'*', rest)) => {
                (0..=t.len()).any(|i| t.get(i..).is_some_and(|tail| go(rest, tail)))
            }
            Some((c, rest)) => t
                .split_first()
                .is_some_and(|(f, tail)| f.eq_ignore_ascii_case(c) && go(rest, tail)),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// The YAML of a rule's `## Example` section (the first fenced `yaml` block after it).
pub fn example_yaml(meta: &RuleMeta) -> Option<&'static str> {
    let docs: &'static str = meta.docs;
    let after = docs.split_once("## Example")?.1;
    let body = after.split_once("```yaml\n")?.1;
    body.split_once("```").map(|(y, _)| y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sorted_unique_and_names_kebab() {
        let ids: Vec<&str> = ALL.iter().map(|r| r.meta.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
        assert!(ALL.len() >= 30, "{} rules", ALL.len());
        for r in ALL {
            let n = r.meta.name;
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{n}"
            );
            assert!(
                r.meta.id.starts_with("TS") && r.meta.id.len() == 5,
                "{}",
                r.meta.id
            );
            let cat = match &r.meta.id[2..3] {
                "1" => crate::lint::Category::Correctness,
                "2" => crate::lint::Category::Reliability,
                "3" => crate::lint::Category::Hygiene,
                "4" => crate::lint::Category::Security,
                _ => crate::lint::Category::Portability,
            };
            assert_eq!(r.meta.category, cat, "{}", r.meta.id);
        }
        let mut names: Vec<&str> = ALL.iter().map(|r| r.meta.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }

    #[test]
    fn docs_have_the_three_sections_and_a_yaml_example() {
        for r in ALL {
            for s in ["## Why", "## Fix", "## Example"] {
                assert!(r.meta.docs.contains(s), "{} lacks {s}", r.meta.id);
            }
            assert!(
                example_yaml(r.meta).is_some(),
                "{} has no ```yaml example",
                r.meta.id
            );
        }
    }

    #[test]
    fn find_by_id_or_name() {
        assert_eq!(find("ts302").map(|r| r.meta.name), Some("image-latest-tag"));
        assert_eq!(find("image-latest-tag").map(|r| r.meta.id), Some("TS302"));
        assert!(find("TS999").is_none());
    }

    #[test]
    fn image_parts() {
        assert_eq!(image_repo_name("docker.io/library/postgres:16"), "postgres");
        assert_eq!(image_tag("localhost:5000/app"), None);
        assert_eq!(image_tag("localhost:5000/app:1.2"), Some("1.2"));
        assert_eq!(image_tag("app@sha256:abc"), None);
    }

    #[test]
    fn wildcards_and_capabilities() {
        assert!(wildcard_match("*_salt", "GITLAB_DERIVATION_SALT"));
        assert!(wildcard_match("LICENSE_*", "license_key"));
        assert!(!wildcard_match("*_SALT", "SALTY"));
        assert_eq!(capability_name("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(capability_name("NET_ADMIN"), "NET_ADMIN");
    }

    #[test]
    fn node_at_follows_keys_and_indexes() {
        let n = Node::from_json(
            &serde_json::json!({"a": {"b": [1, {"c": "x"}]}}),
            Span::SYNTHETIC,
        );
        assert_eq!(node_at(&n, "a.b[1].c").and_then(Node::as_str), Some("x"));
        assert!(node_at(&n, "a.b[5]").is_none());
    }
}
