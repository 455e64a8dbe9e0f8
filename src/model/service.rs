//! One service (`services.NAME`) and the small value types only services use. Field order is
//! compose-go's `ServiceConfig` order, which is the order `docker compose config` prints.

use super::build::Build;
use super::deploy::{Deploy, DeviceRequest};
use super::develop::Develop;
use super::healthcheck::Healthcheck;
use super::port::Port;
use super::ser::{blank, not_true, zero_bytes, zero_cpus, zero_i64};
use super::units::{ByteSize, Cpus, Duration, FileMode};
use super::volume::ServiceVolume;
use super::{Extensions, Provenance};
use indexmap::IndexMap;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// `KEY: value` pairs where a value may be absent (`environment`, `build.args`): `None` prints
/// as `null` and means "take it from the environment".
pub type MappingWithEquals = BTreeMap<String, Option<String>>;

/// Plain string maps (`labels`, `sysctls`, `driver_opts`, ...), printed sorted by key.
pub type Mapping = BTreeMap<String, String>;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Service {
    /// The key under `services`.
    #[serde(skip)]
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub annotations: Mapping,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attach: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Box<Build>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub develop: Option<Box<Develop>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blkio_config: Option<Box<Blkio>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    #[serde(skip_serializing_if = "blank")]
    pub cgroup_parent: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub cgroup: Option<String>,
    #[serde(skip_serializing_if = "zero_i64")]
    pub cpu_count: Option<i64>,
    #[serde(skip_serializing_if = "zero_cpus")]
    pub cpu_percent: Option<Cpus>,
    #[serde(skip_serializing_if = "zero_i64")]
    pub cpu_period: Option<i64>,
    #[serde(skip_serializing_if = "zero_i64")]
    pub cpu_quota: Option<i64>,
    #[serde(skip_serializing_if = "zero_i64")]
    pub cpu_rt_period: Option<i64>,
    #[serde(skip_serializing_if = "zero_i64")]
    pub cpu_rt_runtime: Option<i64>,
    #[serde(skip_serializing_if = "zero_cpus")]
    pub cpus: Option<Cpus>,
    #[serde(skip_serializing_if = "blank")]
    pub cpuset: Option<String>,
    #[serde(skip_serializing_if = "zero_i64")]
    pub cpu_shares: Option<i64>,
    /// `None` (printed `null`) keeps the image's command; `Some([])` clears it.
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<FileRef>,
    #[serde(skip_serializing_if = "blank")]
    pub container_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_spec: Option<Box<CredentialSpec>>,
    #[serde(skip_serializing_if = "IndexMap::is_empty", serialize_with = "sorted")]
    pub depends_on: IndexMap<String, Dependency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Box<Deploy>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_cgroup_rules: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceMapping>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_opt: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_search: Vec<String>,
    #[serde(skip_serializing_if = "blank")]
    pub domainname: Option<String>,
    /// Like `command`: `None` prints `null`.
    pub entrypoint: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Box<Provider>>,
    #[serde(skip_serializing_if = "MappingWithEquals::is_empty")]
    pub environment: MappingWithEquals,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env_file: Vec<EnvFile>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expose: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extends: Option<Extends>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_links: Vec<String>,
    #[serde(skip_serializing_if = "HostsList::is_empty")]
    pub extra_hosts: HostsList,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gpus: Vec<DeviceRequest>,
    #[serde(skip_serializing_if = "blank")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    #[serde(skip_serializing_if = "blank")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    #[serde(skip_serializing_if = "blank")]
    pub ipc: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub isolation: Option<String>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub label_file: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    #[serde(skip_serializing_if = "zero_bytes")]
    pub mem_limit: Option<ByteSize>,
    #[serde(skip_serializing_if = "zero_bytes")]
    pub mem_reservation: Option<ByteSize>,
    #[serde(skip_serializing_if = "zero_bytes")]
    pub memswap_limit: Option<ByteSize>,
    /// compose-go types this as a byte size too, and prints it as a string.
    #[serde(skip_serializing_if = "zero_bytes")]
    pub mem_swappiness: Option<ByteSize>,
    #[serde(skip_serializing_if = "blank")]
    pub mac_address: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty", serialize_with = "sorted")]
    pub models: IndexMap<String, Option<ServiceModel>>,
    #[serde(skip_serializing_if = "blank")]
    pub network_mode: Option<String>,
    /// `None` values print as `null` (attached with no options).
    #[serde(skip_serializing_if = "IndexMap::is_empty", serialize_with = "sorted")]
    pub networks: IndexMap<String, Option<ServiceNetwork>>,
    #[serde(skip_serializing_if = "not_true")]
    pub oom_kill_disable: Option<bool>,
    #[serde(skip_serializing_if = "zero_i64")]
    pub oom_score_adj: Option<i64>,
    #[serde(skip_serializing_if = "blank")]
    pub pid: Option<String>,
    #[serde(skip_serializing_if = "zero_i64")]
    pub pids_limit: Option<i64>,
    #[serde(skip_serializing_if = "blank")]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    #[serde(skip_serializing_if = "not_true")]
    pub privileged: Option<bool>,
    #[serde(skip_serializing_if = "blank")]
    pub pull_policy: Option<String>,
    /// Accepted by the schema but not part of compose's model: kept, never printed.
    #[serde(skip)]
    pub pull_refresh_after: Option<String>,
    #[serde(skip_serializing_if = "not_true")]
    pub read_only: Option<bool>,
    #[serde(skip_serializing_if = "blank")]
    pub restart: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub runtime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<FileRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<String>,
    #[serde(skip_serializing_if = "zero_bytes")]
    pub shm_size: Option<ByteSize>,
    #[serde(skip_serializing_if = "not_true")]
    pub stdin_open: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<Duration>,
    #[serde(skip_serializing_if = "blank")]
    pub stop_signal: Option<String>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub storage_opt: Mapping,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub sysctls: Mapping,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tmpfs: Vec<String>,
    #[serde(skip_serializing_if = "not_true")]
    pub tty: Option<bool>,
    #[serde(skip_serializing_if = "IndexMap::is_empty", serialize_with = "sorted")]
    pub ulimits: IndexMap<String, Ulimit>,
    #[serde(skip_serializing_if = "not_true")]
    pub use_api_socket: Option<bool>,
    #[serde(skip_serializing_if = "blank")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub userns_mode: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub uts: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<ServiceVolume>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes_from: Vec<String>,
    #[serde(skip_serializing_if = "blank")]
    pub working_dir: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub post_start: Vec<ServiceHook>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pre_stop: Vec<ServiceHook>,
    /// `x-*` keys of the service (compose does not print them).
    #[serde(skip)]
    pub extensions: Extensions,
    #[serde(skip)]
    pub provenance: Provenance,
}

impl Service {
    /// Replica count as compose computes it: `scale`, else `deploy.replicas`, else 1.
    pub fn replicas(&self) -> i64 {
        self.scale
            .or_else(|| self.deploy.as_ref().and_then(|d| d.replicas))
            .unwrap_or(1)
    }

    /// Network names ordered as compose attaches them: higher `priority` first, then by name.
    pub fn networks_by_priority(&self) -> Vec<&str> {
        let mut names: Vec<(&str, i64)> = self
            .networks
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_ref().and_then(|n| n.priority).unwrap_or(0)))
            .collect();
        names.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        names.into_iter().map(|(n, _)| n).collect()
    }
}

/// Serialise a map with keys sorted, as Go's encoder does, whatever order the model keeps.
pub(crate) fn sorted<V: Serialize, S: Serializer>(
    m: &IndexMap<String, V>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let view: BTreeMap<&String, &V> = m.iter().collect();
    view.serialize(s)
}

/// `logging`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Logging {
    #[serde(skip_serializing_if = "blank")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub options: Mapping,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// One `ulimits` entry: a single number (soft = hard) or a soft/hard pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ulimit {
    Single(i64),
    Range { soft: i64, hard: i64 },
}

impl Serialize for Ulimit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Go prints the single form only when non-zero, else the pair with zero parts dropped.
        let (soft, hard) = match *self {
            Ulimit::Single(v) if v != 0 => return v.serialize(s),
            Ulimit::Single(_) => (0, 0),
            Ulimit::Range { soft, hard } => (soft, hard),
        };
        let mut m = serde_json::Map::new();
        if soft != 0 {
            m.insert("soft".into(), soft.into());
        }
        if hard != 0 {
            m.insert("hard".into(), hard.into());
        }
        m.serialize(s)
    }
}

/// One `depends_on` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Dependency {
    #[serde(skip_serializing_if = "blank")]
    pub condition: Option<String>,
    #[serde(skip_serializing_if = "not_true")]
    pub restart: Option<bool>,
    #[serde(skip)]
    pub extensions: Extensions,
    /// compose defaults this to true; always printed.
    pub required: bool,
}

/// One entry of a service's `networks`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ServiceNetwork {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub driver_opts: Mapping,
    #[serde(skip_serializing_if = "zero_i64")]
    pub gw_priority: Option<i64>,
    #[serde(skip_serializing_if = "blank")]
    pub interface_name: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub ipv4_address: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub ipv6_address: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub link_local_ips: Vec<String>,
    #[serde(skip_serializing_if = "blank")]
    pub mac_address: Option<String>,
    #[serde(skip_serializing_if = "zero_i64")]
    pub priority: Option<i64>,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// One entry of a service's `models`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ServiceModel {
    #[serde(skip_serializing_if = "blank")]
    pub endpoint_var: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub model_var: Option<String>,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// A service's use of a secret or config (long syntax; the short one names `source` only).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FileRef {
    #[serde(skip_serializing_if = "blank")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub uid: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub gid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<FileMode>,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// One `devices` entry (long syntax).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DeviceMapping {
    #[serde(skip_serializing_if = "blank")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub permissions: Option<String>,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// One `env_file` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EnvFile {
    pub path: String,
    pub required: bool,
    pub format: Option<String>,
}

impl Serialize for EnvFile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // compose prints a required file as its bare path.
        if self.required {
            return self.path.serialize(s);
        }
        let mut m = serde_json::Map::new();
        if !self.path.is_empty() {
            m.insert("path".into(), self.path.clone().into());
        }
        m.insert("required".into(), false.into());
        if let Some(f) = self.format.as_ref().filter(|f| !f.is_empty()) {
            m.insert("format".into(), f.clone().into());
        }
        m.serialize(s)
    }
}

/// `extends` (normally resolved and removed by the loader).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Extends {
    #[serde(skip_serializing_if = "blank")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub service: Option<String>,
}

/// `credential_spec` (Windows).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CredentialSpec {
    #[serde(skip_serializing_if = "blank")]
    pub config: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub registry: Option<String>,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// `provider`: a service implemented by a plugin.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Provider {
    #[serde(rename = "type", skip_serializing_if = "blank")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, Vec<String>>,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// `post_start` / `pre_stop` hooks and `develop.watch[].exec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ServiceHook {
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "blank")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "not_true")]
    pub privileged: Option<bool>,
    #[serde(skip_serializing_if = "blank")]
    pub working_dir: Option<String>,
    #[serde(skip_serializing_if = "MappingWithEquals::is_empty")]
    pub environment: MappingWithEquals,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// `blkio_config`. compose prints the device entries with Go field names (`Path`, `Rate`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Blkio {
    #[serde(skip_serializing_if = "zero_i64")]
    pub weight: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weight_device: Vec<WeightDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_read_bps: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_read_iops: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_write_bps: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_write_iops: Vec<ThrottleDevice>,
    #[serde(skip)]
    pub extensions: Extensions,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WeightDevice {
    #[serde(rename = "Path")]
    pub path: String,
    #[serde(rename = "Weight")]
    pub weight: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ThrottleDevice {
    #[serde(rename = "Path")]
    pub path: String,
    #[serde(rename = "Rate")]
    pub rate: ByteSize,
}

/// `extra_hosts`: host name → addresses, in the order written. Printed as sorted
/// `host=address` strings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostsList(pub IndexMap<String, Vec<String>>);

impl HostsList {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `host{sep}address` entries whose address a container runtime accepts (an IP, or
    /// Docker's `host-gateway`), sorted; and the `(host, address)` pairs it would refuse
    /// (compose itself accepts any text there).
    pub fn usable(&self, sep: &str) -> (Vec<String>, Vec<(String, String)>) {
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        for (host, ips) in &self.0 {
            for ip in ips {
                let bare = ip.trim_start_matches('[').trim_end_matches(']');
                if ip == "host-gateway" || bare.parse::<std::net::IpAddr>().is_ok() {
                    ok.push(format!("{host}{sep}{ip}"));
                } else {
                    bad.push((host.clone(), ip.clone()));
                }
            }
        }
        ok.sort();
        (ok, bad)
    }

    /// `host{sep}address` entries, sorted.
    pub fn as_list(&self, sep: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .0
            .iter()
            .flat_map(|(h, ips)| ips.iter().map(move |ip| format!("{h}{sep}{ip}")))
            .collect();
        out.sort();
        out
    }
}

impl Serialize for HostsList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_list("=").serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replicas_follow_scale_then_deploy() {
        let mut s = Service::default();
        assert_eq!(s.replicas(), 1);
        s.deploy = Some(Box::new(Deploy {
            replicas: Some(3),
            ..Deploy::default()
        }));
        assert_eq!(s.replicas(), 3);
        s.scale = Some(2);
        assert_eq!(s.replicas(), 2);
    }

    #[test]
    fn networks_sort_by_priority_then_name() {
        let mut s = Service::default();
        s.networks.insert("b".into(), None);
        s.networks.insert("a".into(), None);
        s.networks.insert(
            "z".into(),
            Some(ServiceNetwork {
                priority: Some(5),
                ..ServiceNetwork::default()
            }),
        );
        assert_eq!(s.networks_by_priority(), ["z", "a", "b"]);
    }

    #[test]
    fn go_zero_values_are_omitted_but_null_commands_are_not() {
        let s = Service {
            image: Some(String::new()),
            privileged: Some(false),
            init: Some(false),
            ulimits: [
                ("a".to_string(), Ulimit::Single(0)),
                ("b".to_string(), Ulimit::Range { soft: 0, hard: 2 }),
            ]
            .into_iter()
            .collect(),
            env_file: vec![
                EnvFile {
                    path: "a.env".into(),
                    required: true,
                    format: None,
                },
                EnvFile {
                    path: "b.env".into(),
                    required: false,
                    format: Some("raw".into()),
                },
            ],
            ..Service::default()
        };
        assert_eq!(
            serde_json::to_value(&s).ok(),
            Some(json!({
                "command": null,
                "entrypoint": null,
                "env_file": ["a.env", {"path": "b.env", "required": false, "format": "raw"}],
                "init": false,
                "ulimits": {"a": {}, "b": {"hard": 2}}
            }))
        );
    }
}
