//! `develop` (compose watch).

use super::Extensions;
use super::ser::{blank, not_true};
use super::service::ServiceHook;
use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Develop {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<Trigger>,
    #[serde(skip)]
    pub extensions: Extensions,
}

/// One `develop.watch` rule. compose always prints `path`, `action` and `exec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Trigger {
    pub path: String,
    pub action: String,
    #[serde(skip_serializing_if = "blank")]
    pub target: Option<String>,
    pub exec: ServiceHook,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    #[serde(skip_serializing_if = "not_true")]
    pub initial_sync: Option<bool>,
    #[serde(skip)]
    pub extensions: Extensions,
}
