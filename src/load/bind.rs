//! (stub)
use crate::diag::LoadError;
use crate::load::node::Node;
use crate::model::Project;
pub fn bind(_root: &Node) -> Result<Project, LoadError> {
    todo!()
}
