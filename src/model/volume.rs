//! A service mount (`volumes[]`, long syntax) and its per-type options.

use super::Extensions;
use super::ser::{blank, not_true, zero_bytes};
use super::service::Mapping;
use super::units::ByteSize;
use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ServiceVolume {
    /// `bind`, `volume`, `tmpfs`, `npipe`, `cluster` or `image`.
    #[serde(rename = "type", skip_serializing_if = "blank")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "not_true")]
    pub read_only: Option<bool>,
    #[serde(skip_serializing_if = "blank")]
    pub consistency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<VolumeBind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeVolume>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<VolumeTmpfs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<VolumeImage>,
    #[serde(skip)]
    pub extensions: Extensions,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VolumeBind {
    #[serde(skip_serializing_if = "blank")]
    pub selinux: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub propagation: Option<String>,
    #[serde(skip_serializing_if = "not_true")]
    pub create_host_path: Option<bool>,
    #[serde(skip_serializing_if = "blank")]
    pub recursive: Option<String>,
    #[serde(skip)]
    pub extensions: Extensions,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VolumeVolume {
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "not_true")]
    pub nocopy: Option<bool>,
    #[serde(skip_serializing_if = "blank")]
    pub subpath: Option<String>,
    #[serde(skip)]
    pub extensions: Extensions,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VolumeTmpfs {
    #[serde(skip_serializing_if = "zero_bytes")]
    pub size: Option<ByteSize>,
    #[serde(skip_serializing_if = "zero_u32")]
    pub mode: Option<u32>,
    #[serde(skip)]
    pub extensions: Extensions,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VolumeImage {
    #[serde(skip_serializing_if = "blank")]
    pub subpath: Option<String>,
    #[serde(skip)]
    pub extensions: Extensions,
}

fn zero_u32(v: &Option<u32>) -> bool {
    v.is_none_or(|x| x == 0)
}
