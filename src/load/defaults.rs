//! Defaults compose sets once all files are merged (compose-go `transform/defaults.go`):
//! build context, secret mount targets, port protocol and mode, device request counts.

use crate::diag::LoadError;
use crate::load::node::{Node, Value};

fn set(n: &mut Node, key: &str, value: Value) {
    let span = n.span;
    if let Some(m) = n.as_map_mut() {
        m.entry(key.to_string())
            .or_insert_with(|| Node::new(value, span));
    }
}

fn device_requests(list: Option<&mut Node>) {
    for d in list.and_then(Node::as_seq_mut).into_iter().flatten() {
        if d.get("count").is_none() && d.get("device_ids").is_none() {
            set(d, "count", Value::Str("all".into()));
        }
    }
}

/// # Errors
/// None today; kept fallible like the other phases.
pub fn set_default_values(root: &mut Node) -> Result<(), LoadError> {
    let Some(services) = root.get_mut("services").and_then(Node::as_map_mut) else {
        return Ok(());
    };
    for (_, svc) in services.iter_mut() {
        if let Some(b) = svc.get_mut("build") {
            if b.as_map().is_some() {
                set(b, "context", Value::Str(".".into()));
            }
        }
        for s in svc
            .get_mut("secrets")
            .and_then(Node::as_seq_mut)
            .into_iter()
            .flatten()
        {
            let source = s
                .get("source")
                .and_then(Node::scalar_to_string)
                .unwrap_or_default();
            set(s, "target", Value::Str(format!("/run/secrets/{source}")));
        }
        for p in svc
            .get_mut("ports")
            .and_then(Node::as_seq_mut)
            .into_iter()
            .flatten()
        {
            set(p, "protocol", Value::Str("tcp".into()));
            set(p, "mode", Value::Str("ingress".into()));
        }
        device_requests(svc.get_mut("gpus"));
        let reservations = svc
            .get_mut("deploy")
            .and_then(|d| d.get_mut("resources"))
            .and_then(|r| r.get_mut("reservations"))
            .and_then(|r| r.get_mut("devices"));
        device_requests(reservations);
    }
    Ok(())
}
