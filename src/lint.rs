//! The compose linter: rules with stable IDs, findings located at the file and line where the
//! offending value was written (whichever override file that is), and renderers for humans,
//! JSON, SARIF and GitHub workflow commands.
//!
//! A rule is one file under `lint/rules/`: a [`RuleMeta`] (ID, name, category, default
//! severity, docs) and a `check` over the loaded project. Rules read only the model and its
//! provenance (plus the loaded tree for keys the model normalises away).

pub mod baseline;
pub mod config;
pub mod fix;
pub mod portability;
pub mod render;
pub mod rules;
pub mod run;
pub mod suppress;

use crate::diag::Severity;
use crate::source::Span;

/// Rule categories, as shown in docs and SARIF tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Correctness,
    Reliability,
    Hygiene,
    Security,
    Portability,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Correctness => "correctness",
            Category::Reliability => "reliability",
            Category::Hygiene => "hygiene",
            Category::Security => "security",
            Category::Portability => "portability",
        }
    }
}

/// What a rule is, independent of any input.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable ID, never reused (e.g. `TS101`).
    pub id: &'static str,
    /// Kebab-case name naming the bad pattern (reads well after "allow").
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// Off unless enabled by `--select`, or a severity in the config's `[lint.rules]` (for
    /// hardening baselines that most projects do not follow).
    pub opt_in: bool,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Markdown with `## Why`, `## Fix` and `## Example` sections.
    pub docs: &'static str,
}

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Key path of the offending value, e.g. `services.web.image`.
    pub key_path: String,
    pub help: Option<String>,
    /// Set when the finding is suppressed (inline comment, config or baseline).
    pub suppressed: Option<Suppression>,
}

/// Why a finding is kept but not reported as a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// The reason given (empty when none was).
    pub reason: String,
}

/// Where a suppression was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionKind {
    /// A `# transship-ignore:` or `# transship-ignore-file:` comment in the compose file.
    Inline,
    /// A `[[lint.suppress]]` entry in the configuration file.
    Config,
    /// A finding recorded in the `--baseline` file.
    Baseline,
}

impl SuppressionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Inline => "inline",
            SuppressionKind::Config => "config",
            SuppressionKind::Baseline => "baseline",
        }
    }
}
