//! The stack file `docker stack deploy -c` reads (compose file format 3.x as the Docker CLI
//! validates it), as typed structs. Only keys the Docker CLI's schema accepts and Swarm
//! honours appear here; field order is output order. Values are plain: `$` escaping happens
//! once, over the whole serialized tree (see [`super::render`]).

use indexmap::IndexMap;
use serde::Serialize;
use std::collections::BTreeMap;

/// The whole stack file.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackFile {
    pub version: String,
    pub services: IndexMap<String, StackService>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, StackNetwork>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub volumes: BTreeMap<String, StackVolume>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, StackObject>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub configs: BTreeMap<String, StackObject>,
}

/// One service. `command`/`entrypoint` are exec-form lists.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackService {
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `None` values: taken from the deploying shell's environment, as in compose.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, Option<String>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<StackPort>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Option<StackServiceNetwork>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<StackMount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<StackFileRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<StackFileRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<StackHealthcheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<StackDeploy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub credential_spec: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_search: Vec<String>,
    /// `host:address` entries (the Docker CLI splits at the first colon).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_hosts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isolation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging: Option<StackLogging>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oom_score_adj: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdin_open: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sysctls: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tty: Option<bool>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ulimits: BTreeMap<String, StackUlimit>,
}

/// A published port, long syntax (`published` must be an integer for the Docker CLI).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct StackPort {
    pub target: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<u32>,
    pub protocol: String,
    pub mode: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackServiceNetwork {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
}

/// A mount, long syntax.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct StackMount {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consistency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<StackBind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<StackVolumeOpts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<StackTmpfs>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct StackBind {
    pub propagation: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct StackVolumeOpts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nocopy: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subpath: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct StackTmpfs {
    pub size: i64,
}

/// A service's use of a secret or config.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct StackFileRef {
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackHealthcheck {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackDeploy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_mode: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<StackPlacement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<StackResources>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<StackRestartPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_config: Option<StackUpdateConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_config: Option<StackUpdateConfig>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackPlacement {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<StackSpread>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_replicas_per_node: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackSpread {
    pub spread: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackResources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<StackLimits>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservations: Option<StackReservations>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackLimits {
    /// Decimal CPUs as a string (`"0.5"`), as the schema requires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
    /// Bytes as a decimal string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pids: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackReservations {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generic_resources: Vec<StackGenericResource>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackGenericResource {
    pub discrete_resource_spec: StackDiscrete,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackDiscrete {
    pub kind: String,
    pub value: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackRestartPolicy {
    pub condition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackUpdateConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_failure_ratio: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackLogging {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

/// `soft`/`hard` both required by the schema in the object form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum StackUlimit {
    Single(i64),
    Range { soft: i64, hard: i64 },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackNetwork {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipam: Option<StackIpam>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachable: Option<bool>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackIpam {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<StackSubnet>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct StackSubnet {
    pub subnet: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackVolume {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<bool>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// A top-level secret or config.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StackObject {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<bool>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Secrets only (the Docker CLI's schema has no `driver` on configs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_driver: Option<String>,
}
