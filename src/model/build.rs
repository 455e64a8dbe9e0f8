//! `build`.

use super::Extensions;
use super::ser::{blank, not_true, zero_bytes};
use super::service::{FileRef, HostsList, Mapping, MappingWithEquals, Ulimit, sorted};
use super::units::ByteSize;
use indexmap::IndexMap;
use serde::{Serialize, Serializer};

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Build {
    #[serde(skip_serializing_if = "blank")]
    pub context: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub dockerfile: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub dockerfile_inline: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<String>,
    #[serde(skip_serializing_if = "MappingWithEquals::is_empty")]
    pub args: MappingWithEquals,
    #[serde(skip_serializing_if = "blank")]
    pub provenance: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub sbom: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ssh: Vec<SshKey>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cache_from: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cache_to: Vec<String>,
    #[serde(skip_serializing_if = "not_true")]
    pub no_cache: Option<bool>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub additional_contexts: Mapping,
    #[serde(skip_serializing_if = "not_true")]
    pub pull: Option<bool>,
    #[serde(skip_serializing_if = "HostsList::is_empty")]
    pub extra_hosts: HostsList,
    #[serde(skip_serializing_if = "blank")]
    pub isolation: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub network: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<FileRef>,
    #[serde(skip_serializing_if = "zero_bytes")]
    pub shm_size: Option<ByteSize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty", serialize_with = "sorted")]
    pub ulimits: IndexMap<String, Ulimit>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    #[serde(skip_serializing_if = "not_true")]
    pub privileged: Option<bool>,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// One `build.ssh` entry: an agent socket or key id, optionally with a path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshKey {
    pub id: String,
    pub path: Option<String>,
}

impl Serialize for SshKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // compose itself fails to print an entry with a path (it emits invalid JSON);
        // `id=path` is the form it reads back.
        match self.path.as_deref().filter(|p| !p.is_empty()) {
            None => self.id.serialize(s),
            Some(p) => s.collect_str(&format_args!("{}={}", self.id, p)),
        }
    }
}
