//! (stub)
use crate::diag::LoadError;
use crate::load::node::Node;
pub fn canonical(_root: &mut Node, _ignore_parse_error: bool) -> Result<(), LoadError> {
    todo!()
}
