//! Conversion notes about one service: warnings that point at the YAML that set a key.

use crate::backend::mapping::ConvertWarning;
use crate::diag::Severity;
use crate::model::Service;

pub struct Notes<'a> {
    pub service: &'a Service,
    pub warnings: Vec<ConvertWarning>,
}

impl<'a> Notes<'a> {
    pub fn new(service: &'a Service) -> Self {
        Notes {
            service,
            warnings: Vec::new(),
        }
    }

    /// A warning about `path` (relative to the service), pointing at where it was written.
    pub fn warn(&mut self, severity: Severity, path: &str, message: String) {
        let svc = self.service;
        self.warnings.push(ConvertWarning {
            severity,
            service: Some(svc.name.clone()),
            key_path: format!("services.{}.{path}", svc.name),
            span: svc.provenance.nearest_key_span(path),
            message,
        });
    }
}
