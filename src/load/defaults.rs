//! (stub)
use crate::diag::LoadError;
use crate::load::node::Node;
pub fn set_default_values(_root: &mut Node) -> Result<(), LoadError> {
    todo!()
}
