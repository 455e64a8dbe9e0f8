//! The typed intermediate model: what every backend and the linter read.
//!
//! It mirrors compose-go v2.9.1's `types` package (the model Docker Compose 2.40.3 builds) with
//! Rust types: `Option` for settings that may be absent, `Vec`/maps for collections, unit types
//! for durations and sizes. [`crate::load::bind::bind`] builds it from the loader's final
//! tree; [`Project::to_compose_json`] prints it exactly as `docker compose config --format
//! json` does (before compose's `$` → `$$` escaping). Every service and top-level resource
//! carries a [`Provenance`] so findings can point back at the YAML that set a value.

pub mod build;
pub mod deploy;
pub mod develop;
pub mod healthcheck;
pub mod port;
pub mod resources;
mod ser;
pub mod service;
pub mod units;
pub mod volume;

pub use build::{Build, SshKey};
pub use deploy::{
    Deploy, DeviceRequest, DiscreteResource, GenericResource, Placement, PlacementPreference,
    Resource, Resources, RestartPolicy, UpdateConfig,
};
pub use develop::{Develop, Trigger};
pub use healthcheck::Healthcheck;
pub use port::Port;
pub use resources::{FileObject, Ipam, IpamPool, Model, Network, Volume};
pub use service::{
    Blkio, CredentialSpec, Dependency, DeviceMapping, EnvFile, Extends, FileRef, HostsList,
    Logging, Mapping, MappingWithEquals, Provider, Service, ServiceHook, ServiceModel,
    ServiceNetwork, ThrottleDevice, Ulimit, WeightDevice,
};
pub use units::{ByteSize, Cpus, Duration, FileMode};
pub use volume::{ServiceVolume, VolumeBind, VolumeImage, VolumeTmpfs, VolumeVolume};

use crate::load::node::{Node, Value};
use crate::source::Span;
use indexmap::IndexMap;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// `x-*` keys, kept as plain JSON.
pub type Extensions = IndexMap<String, Json>;

/// A loaded compose project. Maps keep the order the loader produced; output sorts keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Project {
    pub name: String,
    pub services: IndexMap<String, Service>,
    pub networks: IndexMap<String, Network>,
    pub volumes: IndexMap<String, Volume>,
    pub secrets: IndexMap<String, FileObject>,
    pub configs: IndexMap<String, FileObject>,
    pub models: IndexMap<String, Model>,
    /// Top-level `x-*` keys (compose prints these).
    pub extensions: Extensions,
    /// Positions of the top-level sections and the entities in them (`services.web`); each
    /// entity keeps its own settings' positions.
    pub provenance: Provenance,
    /// The project directory (absolute): relative paths in the files were resolved against
    /// it. Backends use it to write paths below it relative to somewhere else, so output
    /// does not depend on where the checkout lives.
    pub working_dir: std::path::PathBuf,
}

impl Project {
    /// The JSON `docker compose config --format json` prints for this project, without its
    /// `$` → `$$` escaping (the caller applies it).
    pub fn to_compose_json(&self) -> Json {
        let mut top: BTreeMap<String, Json> = BTreeMap::new();
        top.insert("name".into(), Json::String(self.name.clone()));
        top.insert("services".into(), sorted_json(&self.services, to_json));
        if !self.networks.is_empty() {
            top.insert("networks".into(), sorted_json(&self.networks, to_json));
        }
        if !self.volumes.is_empty() {
            top.insert("volumes".into(), sorted_json(&self.volumes, to_json));
        }
        if !self.secrets.is_empty() {
            top.insert("secrets".into(), sorted_json(&self.secrets, secret_json));
        }
        if !self.configs.is_empty() {
            top.insert("configs".into(), sorted_json(&self.configs, config_json));
        }
        for (k, v) in &self.extensions {
            top.insert(k.clone(), v.clone());
        }
        Json::Object(top.into_iter().collect())
    }

    /// Service names, sorted.
    pub fn service_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.services.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Json {
    serde_json::to_value(v).unwrap_or(Json::Null)
}

/// compose never prints a secret's inline content.
fn secret_json(s: &FileObject) -> Json {
    let mut s = s.clone();
    s.content = None;
    to_json(&s)
}

/// compose drops a config's content when it was read from `environment`.
fn config_json(c: &FileObject) -> Json {
    let mut c = c.clone();
    if c.environment.as_deref().is_some_and(|e| !e.is_empty()) {
        c.content = None;
    }
    to_json(&c)
}

fn sorted_json<T>(m: &IndexMap<String, T>, f: impl Fn(&T) -> Json) -> Json {
    let view: BTreeMap<&String, Json> = m.iter().map(|(k, v)| (k, f(v))).collect();
    Json::Object(view.into_iter().map(|(k, v)| (k.clone(), v)).collect())
}

/// Where a value and its key were written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub span: Span,
    pub key_span: Span,
}

/// Where an entity and each of its settings were written. Paths are relative to the entity:
/// `image`, `ports[1]`, `environment.FOO`, `deploy.resources.limits.memory`. Values the loader
/// synthesised (no source position) are not recorded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Provenance {
    /// The entity's value (e.g. the mapping under `services.web`).
    pub span: Span,
    /// The entity's key (e.g. `web:`).
    pub key_span: Span,
    /// Sorted by path (built once, then only read: a sorted vector is far cheaper to build
    /// than a tree when a port range expands into tens of thousands of paths).
    pub keys: Vec<(String, Origin)>,
}

impl Provenance {
    /// Record `node` and everything under it.
    pub fn from_node(node: &Node) -> Provenance {
        Provenance::to_depth(node, usize::MAX)
    }

    /// Record `node` and what is at most `depth` levels under it: the project's own record
    /// needs its sections and entity names, not again every setting of every service.
    pub fn to_depth(node: &Node, depth: usize) -> Provenance {
        let mut p = Provenance {
            span: node.span,
            key_span: node.key_span,
            keys: Vec::new(),
        };
        p.walk(node, &mut String::with_capacity(64), depth);
        // Paths are unique (mapping keys are), so an unstable sort is deterministic.
        p.keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        p
    }

    /// Record every path below `node`; `path` is the node's own path, extended in place and
    /// restored (one buffer for the whole walk instead of a string per level).
    fn walk(&mut self, node: &Node, path: &mut String, depth: usize) {
        use std::fmt::Write;
        if depth == 0 {
            return;
        }
        let len = path.len();
        match &node.value {
            Value::Map(m) => {
                for (k, v) in m {
                    if len > 0 {
                        path.push('.');
                    }
                    path.push_str(k);
                    self.record(path, v);
                    self.walk(v, path, depth - 1);
                    path.truncate(len);
                }
            }
            Value::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    let _ = write!(path, "[{i}]");
                    self.record(path, v);
                    self.walk(v, path, depth - 1);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }

    fn record(&mut self, path: &str, node: &Node) {
        if !node.span.is_synthetic() || !node.key_span.is_synthetic() {
            self.keys.push((
                path.to_string(),
                Origin {
                    span: node.span,
                    key_span: node.key_span,
                },
            ));
        }
    }

    /// Where `path` was written, if it was.
    pub fn origin(&self, path: &str) -> Option<&Origin> {
        self.keys
            .binary_search_by(|(k, _)| k.as_str().cmp(path))
            .ok()
            .and_then(|i| self.keys.get(i))
            .map(|(_, o)| o)
    }

    /// Where the value at `path` was written.
    pub fn span(&self, path: &str) -> Option<Span> {
        self.origin(path)
            .map(|o| o.span)
            .filter(|s| !s.is_synthetic())
    }

    /// Where the key holding `path` was written (the item itself for list items).
    pub fn key_span(&self, path: &str) -> Option<Span> {
        self.origin(path)
            .map(|o| o.key_span)
            .filter(|s| !s.is_synthetic())
    }

    /// The key span of `path` or of its nearest recorded ancestor, else the entity's own key:
    /// the best place to point at for a finding about `path`.
    pub fn nearest_key_span(&self, path: &str) -> Span {
        let mut p = path;
        loop {
            if let Some(s) = self.key_span(p) {
                return s;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return self.key_span,
            }
        }
    }
}
