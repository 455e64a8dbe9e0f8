//! (stub)
use crate::diag::LoadError;
use crate::source::FileId;
pub fn parse(
    _text: &str,
    _file: FileId,
    _lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<indexmap::IndexMap<String, String>, LoadError> {
    todo!()
}
