//! Backends: each turns the typed model into a target's files. They share one small
//! interface, and each has one mapping table (see [`mapping`]) that says what happens to
//! every compose key.

pub mod mapping;
pub mod swarm;
pub mod systemd;

use mapping::{ConvertWarning, KeyRule};

/// A file a backend wants written, with its name relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutFile {
    pub name: String,
    pub contents: String,
}

/// What a conversion produced: files (in a stable order) and warnings.
#[derive(Clone, Debug, Default)]
pub struct Emitted {
    pub files: Vec<OutFile>,
    pub warnings: Vec<ConvertWarning>,
}

/// The interface every target implements.
pub trait Backend: Sync {
    /// The `--to` value and snapshot suffix, e.g. `nomad`.
    fn id(&self) -> &'static str;
    /// What happens to every compose key.
    fn mapping(&self) -> &'static [KeyRule];
}

/// A conversion that cannot be done (e.g. a Swarm service with `build` and no `image`):
/// where, which key, why. Nothing is written when a backend returns one.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{key_path}: {message}")]
pub struct EmitError {
    pub span: crate::source::Span,
    pub key_path: String,
    pub message: String,
}

impl EmitError {
    pub fn new(
        span: crate::source::Span,
        key_path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        EmitError {
            span,
            key_path: key_path.into(),
            message: message.into(),
        }
    }
}
