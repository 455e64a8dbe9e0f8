//! (stub)
use crate::diag::{LoadError, Warning};
use crate::load::node::Node;
pub fn interpolate(
    _root: &mut Node,
    _lookup: &dyn Fn(&str) -> Option<String>,
    _warnings: &mut Vec<Warning>,
) -> Result<(), LoadError> {
    todo!()
}
