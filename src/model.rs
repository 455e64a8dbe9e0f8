//! (stub)
#[derive(Debug, Default)]
pub struct Project {}
impl Project {
    pub fn to_compose_json(&self) -> serde_json::Value {
        todo!()
    }
}
