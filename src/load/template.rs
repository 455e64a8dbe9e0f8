//! (stub)
pub struct Substituted {
    pub value: String,
    pub unset: Vec<String>,
}
#[derive(Debug)]
pub enum TemplateError {
    Invalid { template: String },
}
impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid")
    }
}
pub fn substitute(
    _t: &str,
    _l: &dyn Fn(&str) -> Option<String>,
) -> Result<Substituted, TemplateError> {
    todo!()
}
