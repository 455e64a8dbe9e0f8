//! `.transship.toml`: per-rule severity (or `off`), ignored services and paths, and
//! suppressions with their reasons.
//!
//! ```toml
//! [lint]
//! fail-on = "warning"
//! ignore-services = ["debug-shell"]
//! ignore-paths = ["compose.dev.yaml"]
//!
//! [lint.rules]
//! TS201 = "off"
//! image-latest-tag = "error"
//!
//! # Kept in the output, marked suppressed, never failing the run:
//! [[lint.suppress]]
//! rule = "privileged-container"
//! service = "node-agent"          # optional
//! path = "compose.ops.yaml"       # optional, same patterns as ignore-paths
//! reason = "reads the host's cgroups"
//!
//! # Options of single rules, keyed by rule name (or ID); they add to the built-in lists:
//! [lint.options.image-moving-tag]
//! tags = ["dev", "rc"]
//!
//! [lint.options.database-port-on-all-interfaces]
//! ports = [4222]
//! images = ["registry-db"]
//!
//! [lint.options.plaintext-secret-in-environment]
//! names = ["*_SALT", "LICENSE_*"]
//! ```

use crate::diag::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub lint: LintConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LintConfig {
    #[serde(default)]
    pub fail_on: Option<Level>,
    #[serde(default)]
    pub ignore_services: Vec<String>,
    #[serde(default)]
    pub ignore_paths: Vec<String>,
    /// Rule ID or name → severity or `off`.
    #[serde(default)]
    pub rules: BTreeMap<String, Level>,
    /// Findings kept but marked suppressed, each with its reason (`[[lint.suppress]]`).
    #[serde(default)]
    pub suppress: Vec<Suppress>,
    /// Options of single rules (`[lint.options.<rule>]`).
    #[serde(default)]
    pub options: RuleOptions,
}

/// `[lint.options]`: one table per rule that takes options. Unknown rules or keys are
/// errors, as elsewhere in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOptions {
    #[serde(default, rename = "image-moving-tag", alias = "TS310")]
    pub moving_tags: MovingTags,
    #[serde(default, rename = "database-port-on-all-interfaces", alias = "TS408")]
    pub databases: Databases,
    #[serde(default, rename = "plaintext-secret-in-environment", alias = "TS407")]
    pub secrets: SecretNames,
}

/// Tags that move, in addition to the built-in `stable`, `nightly`, `edge`, ...
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovingTags {
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Container ports and image names that are databases, in addition to the built-in ones.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Databases {
    #[serde(default)]
    pub ports: Vec<u32>,
    #[serde(default)]
    pub images: Vec<String>,
}

/// Variable-name patterns (`*` matches any run of characters, case-insensitive) that name
/// secrets, in addition to the built-in suffixes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretNames {
    #[serde(default)]
    pub names: Vec<String>,
}

/// One `[[lint.suppress]]` entry: a rule (ID or name), optionally narrowed to a service
/// and/or a file (same patterns as `ignore-paths`), and why.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppress {
    pub rule: String,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

/// Parse a config file's text.
///
/// # Errors
/// Invalid TOML or unknown keys, with toml's own message (it names line and column).
pub fn parse(text: &str) -> Result<ConfigFile, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules_and_ignores() {
        let c = parse("[lint]\nfail-on = \"warning\"\nignore-services = [\"x\"]\n[lint.rules]\nTS101 = \"off\"\nimage-latest-tag = \"error\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.lint.fail_on, Some(Level::Warning));
        assert_eq!(c.lint.ignore_services, vec!["x".to_string()]);
        assert_eq!(c.lint.rules.get("TS101"), Some(&Level::Off));
        assert_eq!(
            c.lint
                .rules
                .get("image-latest-tag")
                .and_then(|l| l.severity()),
            Some(Severity::Error)
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(parse("[lint]\nfail_on = \"x\"\n").is_err());
        assert!(parse("[lint.options.image-latest-tag]\ntags = []\n").is_err());
        assert!(parse("[lint.options.image-moving-tag]\ntag = []\n").is_err());
    }

    #[test]
    fn parses_rule_options_by_name_or_id() {
        let c = parse(
            "[lint.options.image-moving-tag]\ntags = [\"dev\"]\n[lint.options.TS408]\nports = [4222]\nimages = [\"registry-db\"]\n[lint.options.plaintext-secret-in-environment]\nnames = [\"*_SALT\"]\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let o = &c.lint.options;
        assert_eq!(o.moving_tags.tags, vec!["dev".to_string()]);
        assert_eq!(o.databases.ports, vec![4222]);
        assert_eq!(o.databases.images, vec!["registry-db".to_string()]);
        assert_eq!(o.secrets.names, vec!["*_SALT".to_string()]);
    }
}
