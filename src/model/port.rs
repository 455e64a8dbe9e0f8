//! A published or exposed port (`ports[]`, long syntax).

use super::Extensions;
use super::ser::blank;
use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Port {
    #[serde(skip_serializing_if = "blank")]
    pub name: Option<String>,
    /// `ingress` or `host`.
    #[serde(skip_serializing_if = "blank")]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub host_ip: Option<String>,
    /// Container port; 0 (unset) is not printed.
    #[serde(skip_serializing_if = "is_zero")]
    pub target: u32,
    /// Host port or range (`"8080"`, `"8000-8010"`), a string as compose prints it.
    #[serde(skip_serializing_if = "blank")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub app_protocol: Option<String>,
    #[serde(skip)]
    pub extensions: Extensions,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}
