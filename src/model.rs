//! The typed intermediate model: what every backend and the linter read.
//!
//! It mirrors compose-go v2.9.1's `types` package (the model Docker Compose 2.40.3 builds) with
//! Rust types: `Option` for settings that may be absent, `Vec`/maps for collections, unit types
//! for durations and sizes. [`crate::load::bind::bind`] builds it from the loader's final
//! tree; [`Project::to_compose_json`] prints it exactly as `docker compose config --format
//! json` does (before compose's `$` → `$$` escaping). Every service and top-level resource
//! carries a [`Provenance`] so findings can point back at the YAML that set a value.

pub mod build;
pub mod compose_json;
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
pub use compose_json::ComposeJson;
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

/// `x-*` keys, kept as plain JSON.
pub type Extensions = IndexMap<String, Json>;

/// A loaded compose project. Maps keep the order the loader produced; output sorts keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Project {
    pub name: String,
    pub services: IndexMap<String, Box<Service>>,
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
    /// Record every entity's provenance now (services on every core when there are many)
    /// and let go of the loader's tree, which can then be freed: for a command that looks
    /// positions up throughout, such as `convert`.
    pub fn settle_provenance(&mut self) {
        self.provenance.settle();
        let mut services: Vec<&mut Service> =
            self.services.values_mut().map(|s| &mut **s).collect();
        crate::par::map_mut_in_order(&mut services, crate::par::MIN_PER_THREAD, |s| {
            s.provenance.settle();
        })
        .for_each(drop);
        let others = (self.networks.values_mut().map(|o| &mut o.provenance))
            .chain(self.volumes.values_mut().map(|o| &mut o.provenance))
            .chain(self.secrets.values_mut().map(|o| &mut o.provenance))
            .chain(self.configs.values_mut().map(|o| &mut o.provenance))
            .chain(self.models.values_mut().map(|o| &mut o.provenance));
        others.for_each(Provenance::settle);
    }

    /// The JSON `docker compose config --format json` prints for this project, without its
    /// `$` → `$$` escaping (the caller applies it), and with each service's `env_file` and
    /// `label_file` references (which `config` leaves out: [`ComposeJson`]).
    pub fn to_compose_json(&self) -> Json {
        let view = ComposeJson {
            project: self,
            env_files: true,
        };
        serde_json::to_value(view).unwrap_or(Json::Null)
    }

    /// The service `name` (the map holds services boxed).
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.get(name).map(|s| &**s)
    }

    /// Service names, sorted.
    pub fn service_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.services.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}
