//! Top-level resources: `networks`, `volumes`, `secrets`, `configs` and `models`.

use super::ser::{blank, is_false, not_true, zero_i64};
use super::service::Mapping;
use super::{Extensions, Provenance};
use serde::Serialize;

/// compose always prints `ipam`, even empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Network {
    #[serde(skip_serializing_if = "blank")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub driver_opts: Mapping,
    pub ipam: Ipam,
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "not_true")]
    pub internal: Option<bool>,
    #[serde(skip_serializing_if = "not_true")]
    pub attachable: Option<bool>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_ipv4: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_ipv6: Option<bool>,
    #[serde(skip)]
    pub extensions: Extensions,
    #[serde(skip)]
    pub provenance: Provenance,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Ipam {
    #[serde(skip_serializing_if = "blank")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<IpamPool>,
    /// In the schema but not in compose's model: kept, never printed.
    #[serde(skip)]
    pub options: Mapping,
    #[serde(skip)]
    pub extensions: Extensions,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IpamPool {
    #[serde(skip_serializing_if = "blank")]
    pub subnet: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub gateway: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub ip_range: Option<String>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub aux_addresses: Mapping,
    #[serde(skip)]
    pub extensions: Extensions,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Volume {
    #[serde(skip_serializing_if = "blank")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub driver_opts: Mapping,
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    #[serde(skip)]
    pub extensions: Extensions,
    #[serde(skip)]
    pub provenance: Provenance,
}

/// A top-level secret or config. compose never prints a secret's `content`, and prints a
/// config's only when it does not come from `environment` (see
/// [`crate::model::Project::to_compose_json`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FileObject {
    #[serde(skip_serializing_if = "blank")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "blank")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub driver_opts: Mapping,
    #[serde(skip_serializing_if = "blank")]
    pub template_driver: Option<String>,
    #[serde(skip)]
    pub extensions: Extensions,
    #[serde(skip)]
    pub provenance: Provenance,
}

/// A top-level `models` entry (an AI model served by Docker Model Runner). compose does not
/// print the top-level `models` section.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Model {
    #[serde(skip_serializing_if = "blank")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "zero_i64")]
    pub context_size: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runtime_flags: Vec<String>,
    #[serde(skip)]
    pub extensions: Extensions,
    #[serde(skip)]
    pub provenance: Provenance,
}
