//! Semantic checks compose runs on the merged tree before normalisation (compose-go
//! `validation/`): mutually exclusive `file|environment|content`, `external` with other
//! attributes, port host IPs, GPU/device requests.

use crate::diag::LoadError;
use crate::load::node::{KeyPath, Node, Value};

/// # Errors
/// The first violated rule, with its position.
pub fn validate(dict: &Node) -> Result<(), LoadError> {
    let root = KeyPath::root();
    if let Some(vols) = dict.get("volumes").and_then(Node::as_map) {
        for (name, v) in vols {
            let p = root.key("volumes").key(name);
            match &v.value {
                Value::Null => {}
                Value::Map(_) => check_external(v, &p)?,
                _ => {
                    return Err(LoadError::new(
                        v.span,
                        p,
                        format!(
                            "expected volume, got {}",
                            v.scalar_to_string().unwrap_or_default()
                        ),
                    ));
                }
            }
        }
    }
    for (kind, keys) in [
        ("configs", &["file", "environment", "content"][..]),
        ("secrets", &["file", "environment"][..]),
    ] {
        if let Some(m) = dict.get(kind).and_then(Node::as_map) {
            for (name, v) in m {
                check_file_object(v, &root.key(kind).key(name), keys)?;
            }
        }
    }
    if let Some(services) = dict.get("services").and_then(Node::as_map) {
        for (name, svc) in services {
            check_service(svc, &root.key("services").key(name))?;
        }
    }
    Ok(())
}

fn check_external(v: &Node, p: &KeyPath) -> Result<(), LoadError> {
    let Some(m) = v.as_map() else { return Ok(()) };
    if m.get("external").map(|e| &e.value) != Some(&Value::Bool(true)) {
        return Ok(());
    }
    for (k, n) in m {
        if !matches!(k.as_str(), "name" | "external") && !k.starts_with("x-") {
            return Err(LoadError::new(
                n.key_span,
                p.clone(),
                format!("conflicting parameters \"external\" and {k:?} specified"),
            ));
        }
    }
    Ok(())
}

fn check_file_object(v: &Node, p: &KeyPath, keys: &[&str]) -> Result<(), LoadError> {
    let Some(m) = v.as_map() else { return Ok(()) };
    let count = keys.iter().filter(|k| m.contains_key(**k)).count();
    if count > 1 {
        return Err(LoadError::new(
            v.key_span,
            p.clone(),
            format!("{} attributes are mutually exclusive", keys.join("|")),
        ));
    }
    if count == 0 && !m.contains_key("driver") && !m.contains_key("external") {
        return Err(LoadError::new(
            v.key_span,
            p.clone(),
            format!("one of {} must be set", keys.join("|")),
        ));
    }
    check_external(v, p)
}

fn check_service(svc: &Node, p: &KeyPath) -> Result<(), LoadError> {
    if let Some(ports) = svc.get("ports").and_then(Node::as_seq) {
        for (i, port) in ports.iter().enumerate() {
            if let Some(ip) = port.get("host_ip").and_then(Node::as_str)
                && ip.parse::<std::net::IpAddr>().is_err()
            {
                return Err(LoadError::new(
                    port.span,
                    p.key("ports").index(i),
                    format!("invalid ip address: {ip}"),
                ));
            }
        }
    }
    let devices = svc
        .get("deploy")
        .and_then(|d| d.get("resources"))
        .and_then(|r| r.get("reservations"))
        .and_then(|r| r.get("devices"))
        .and_then(Node::as_seq)
        .map(|d| {
            (
                d,
                p.key("deploy")
                    .key("resources")
                    .key("reservations")
                    .key("devices"),
            )
        });
    let gpus = svc
        .get("gpus")
        .and_then(Node::as_seq)
        .map(|d| (d, p.key("gpus")));
    for (list, lp) in devices.into_iter().chain(gpus) {
        for (i, d) in list.iter().enumerate() {
            if d.get("count").is_some() && d.get("device_ids").is_some() {
                return Err(LoadError::new(
                    d.span,
                    lp.index(i),
                    "\"count\" and \"device_ids\" attributes are exclusive",
                ));
            }
        }
    }
    if let Some(watch) = svc
        .get("develop")
        .and_then(|d| d.get("watch"))
        .and_then(Node::as_seq)
    {
        for (i, w) in watch.iter().enumerate() {
            if w.get("path").and_then(Node::as_str) == Some("") {
                return Err(LoadError::new(
                    w.span,
                    p.key("develop").key("watch").index(i).key("path"),
                    "value can't be blank",
                ));
            }
        }
    }
    Ok(())
}
