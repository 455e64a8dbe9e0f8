//! (stub)
use crate::diag::LoadError;
use crate::load::node::Node;
pub fn merge(_base: Node, _over: Node) -> Result<Node, LoadError> {
    todo!()
}
pub fn merge_extends(_base: Node, _local: Node) -> Result<Node, LoadError> {
    todo!()
}
