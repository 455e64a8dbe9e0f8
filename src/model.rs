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
pub mod provenance;
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
pub use provenance::{Origin, Provenance};
pub use resources::{FileObject, Ipam, IpamPool, Model, Network, Volume};
pub use service::{
    Blkio, CredentialSpec, Dependency, DeviceMapping, EnvFile, Extends, FileRef, HostsList,
    Logging, Mapping, MappingWithEquals, Provider, Service, ServiceHook, ServiceModel,
    ServiceNetwork, ThrottleDevice, Ulimit, WeightDevice,
};
pub use units::{ByteSize, Cpus, Duration, FileMode};
pub use volume::{ServiceVolume, VolumeBind, VolumeImage, VolumeTmpfs, VolumeVolume};

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
