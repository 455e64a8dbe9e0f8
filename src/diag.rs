//! Diagnostics: "your file has a problem" (as opposed to `anyhow` at the CLI edge, which means
//! "the tool failed"). A diagnostic carries a [`Span`] and a key path and is rendered as
//! `file:line:col: key.path: message`.

use crate::load::node::KeyPath;
use crate::source::{SourceMap, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// A load error: where, which key, what.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadError {
    pub span: Span,
    pub path: KeyPath,
    pub message: String,
}

impl LoadError {
    pub fn new(span: Span, path: KeyPath, message: impl Into<String>) -> Self {
        LoadError {
            span,
            path,
            message: message.into(),
        }
    }

    /// An error not tied to a position (e.g. a missing file named on the command line).
    pub fn plain(message: impl Into<String>) -> Self {
        LoadError {
            span: Span::SYNTHETIC,
            path: KeyPath::root(),
            message: message.into(),
        }
    }

    /// `file:line:col: key.path: message`, with the parts that are known.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        if !self.span.is_synthetic() {
            out.push_str(&sources.describe(self.span));
            out.push_str(": ");
        }
        if !self.path.0.is_empty() {
            out.push_str(&self.path.to_string());
            out.push_str(": ");
        }
        out.push_str(&self.message);
        out
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.path.0.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for LoadError {}

/// A non-fatal finding produced while loading or converting (e.g. an unset variable).
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    pub span: Span,
    pub path: KeyPath,
    pub message: String,
}
