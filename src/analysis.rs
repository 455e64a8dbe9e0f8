//! Project analysis: facts every target needs, derived from the model once and read by the
//! backends and the linter alike (the model stays plain, as compose-go's does). Each fact is
//! one small module with its own tests:
//!
//! - [`names`]: which host name resolves to which service (service names, container names,
//!   network aliases, `links` aliases), as compose's embedded DNS answers them;
//! - [`scan`]: the host names (and ports) a text dials: URLs, `host:port`, bare host values;
//! - [`references`]: every reference from one service to another, with where it was written
//!   and the port it is reached on;
//! - [`listen`]: the container ports a service listens on, and a small table of well-known
//!   images' default ports;
//! - [`lifecycle`]: one-shot jobs (others wait for them to complete, or they never restart);
//! - [`volumes`]: named volumes several services share;
//! - [`stateful`]: services whose replicas each own their data, and their members' names;
//! - [`probe`]: what a healthcheck command probes (an HTTP URL on a local port, or a command).
//!
//! Nothing here knows a target.

pub mod files;
pub mod lifecycle;
pub mod listen;
pub mod names;
pub mod probe;
pub mod references;
pub mod scan;
pub mod stateful;
pub mod volumes;

use crate::model::Project;
use std::collections::BTreeMap;

pub use references::{Reference, Site};

/// The derived facts of one project.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Every service-to-service reference, in service order, then in the order found.
    pub references: Vec<Reference>,
    /// Per service: the container ports it is known to listen on (declared, probed, or the
    /// image's well-known default), sorted.
    pub listens: BTreeMap<String, Vec<u32>>,
    /// Services that are one-shot jobs, with the reason.
    pub one_shots: BTreeMap<String, lifecycle::OneShot>,
    /// Named volumes used by more than one service: volume → services using it.
    pub shared_volumes: BTreeMap<String, Vec<String>>,
    /// The project files services mount, as read for the references (targets that embed
    /// them read them from here).
    pub files: files::TextFiles,
}

impl Analysis {
    /// The ports `service` is reached on by other services (from references with a port).
    pub fn reached_ports(&self, service: &str) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .references
            .iter()
            .filter(|r| r.to == service)
            .filter_map(|r| r.port)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The ports a group must map for `service`: those it listens on and those it is reached on.
    pub fn served_ports(&self, service: &str) -> Vec<u32> {
        let mut out = self.reached_ports(service);
        out.extend(self.listens.get(service).into_iter().flatten().copied());
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The references made by `service`.
    pub fn references_from<'a>(&'a self, service: &'a str) -> impl Iterator<Item = &'a Reference> {
        self.references.iter().filter(move |r| r.from == service)
    }
}

/// Derive every fact of `project`.
pub fn analyse(project: &Project) -> Analysis {
    let names = names::Names::of(project);
    let listens = listen::all(project);
    let files = files::TextFiles::default();
    let references = references::find(project, &names, &listens, &files);
    Analysis {
        references,
        listens,
        one_shots: lifecycle::one_shots(project),
        shared_volumes: volumes::shared(project),
        files,
    }
}
