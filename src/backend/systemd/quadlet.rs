//! Podman Quadlet output (`convert --to quadlet`).

use super::Options;
use crate::backend::{EmitError, Emitted};
use crate::model::Project;

/// # Errors
/// Not yet.
pub fn emit(_project: &Project, _opts: &Options) -> Result<Emitted, EmitError> {
    Err(EmitError::new(crate::source::Span::SYNTHETIC, "", "quadlet: not yet"))
}
