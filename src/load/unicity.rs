//! (stub)
use crate::diag::LoadError;
use crate::load::node::Node;
pub fn enforce_unicity(_root: &mut Node) -> Result<(), LoadError> {
    todo!()
}
