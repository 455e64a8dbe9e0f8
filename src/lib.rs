//! transship: Docker Compose projects in, Nomad jobs, Swarm stacks and systemd units out.
//!
//! Pipeline: `load` (YAML → node tree → interpolate → extends/include → merge → canonical →
//! normalise) → `model` (typed, with provenance) → backends and the linter.

pub mod analysis;
pub mod backend;
pub mod cli;
pub mod commands;
pub mod diag;
pub mod keys;
pub mod lint;
pub mod load;
pub mod model;
pub mod output;
pub mod par;
pub mod source;
