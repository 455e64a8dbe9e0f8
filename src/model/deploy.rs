//! `deploy` (Swarm-style deployment settings, also read by compose for resources) and device
//! requests (`deploy.resources.reservations.devices`, `gpus`).

use super::Extensions;
use super::ser::{blank, zero_bytes, zero_cpus, zero_duration, zero_i64, zero_u64};
use super::service::Mapping;
use super::units::{ByteSize, Cpus, Duration};
use serde::Serialize;

/// compose always prints `resources` and `placement`, even empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Deploy {
    #[serde(skip_serializing_if = "blank")]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i64>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_config: Option<UpdateConfig>,
    pub resources: Resources,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    pub placement: Placement,
    #[serde(skip_serializing_if = "blank")]
    pub endpoint_mode: Option<String>,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// `update_config` and `rollback_config`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct UpdateConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u64>,
    #[serde(skip_serializing_if = "zero_duration")]
    pub delay: Option<Duration>,
    #[serde(skip_serializing_if = "blank")]
    pub failure_action: Option<String>,
    #[serde(skip_serializing_if = "zero_duration")]
    pub monitor: Option<Duration>,
    #[serde(skip_serializing_if = "zero_cpus")]
    pub max_failure_ratio: Option<Cpus>,
    #[serde(skip_serializing_if = "blank")]
    pub order: Option<String>,
    #[serde(skip)]
    pub extensions: Extensions,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Resources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<Resource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservations: Option<Resource>,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// `limits` or `reservations`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Resource {
    #[serde(skip_serializing_if = "zero_cpus")]
    pub cpus: Option<Cpus>,
    #[serde(skip_serializing_if = "zero_bytes")]
    pub memory: Option<ByteSize>,
    #[serde(skip_serializing_if = "zero_i64")]
    pub pids: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceRequest>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generic_resources: Vec<GenericResource>,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// A device request (GPUs and the like). `count` -1 means `all`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DeviceRequest {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    #[serde(skip_serializing_if = "blank")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "zero_i64")]
    pub count: Option<i64>,
    #[serde(rename = "device_ids", skip_serializing_if = "Vec::is_empty")]
    pub device_ids: Vec<String>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub options: Mapping,
    #[serde(skip)]
    pub extensions: Extensions,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GenericResource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discrete_resource_spec: Option<DiscreteResource>,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// compose always prints both fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DiscreteResource {
    pub kind: String,
    pub value: i64,
    #[serde(skip)]
    pub extensions: Extensions,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RestartPolicy {
    #[serde(skip_serializing_if = "blank")]
    pub condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<Duration>,
    #[serde(skip)]
    pub extensions: Extensions,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Placement {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<PlacementPreference>,
    #[serde(skip_serializing_if = "zero_u64")]
    pub max_replicas_per_node: Option<u64>,
    #[serde(skip)]
    pub extensions: Extensions,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PlacementPreference {
    #[serde(skip_serializing_if = "blank")]
    pub spread: Option<String>,
    #[serde(skip)]
    pub extensions: Extensions,
}
