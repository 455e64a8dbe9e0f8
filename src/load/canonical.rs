//! Short syntax to long syntax (compose-go `transform/`): ports, volumes, build, depends_on,
//! env_file, secrets/configs references, devices, gpus, ssh, networks lists, legacy
//! `external: {name}`. Runs on each file's merged tree, so later merges see long forms.

mod ports;
mod volume;

pub use ports::parse_port;
pub use volume::{parse_volume, split_volume};

use crate::diag::LoadError;
use crate::load::node::{KeyPath, Map, Node, Value};
use crate::load::yaml::Budget;
use crate::source::Span;

fn err(n: &Node, path: &[String], msg: impl Into<String>) -> LoadError {
    LoadError::new(n.span, KeyPath::from_keys(path), msg)
}

fn str_node(s: impl Into<String>, span: Span) -> Node {
    Node::new(Value::Str(s.into()), span)
}

fn map_node(entries: Vec<(&str, Node)>, like: &Node) -> Node {
    let m: Map = entries
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    Node {
        value: Value::Map(m),
        span: like.span,
        key_span: like.key_span,
    }
}

/// What expanding the services' port strings spends from the budget at most, counted up to
/// `cap` (past it the caller goes one service at a time anyway): a range counts its ports,
/// anything else one (an invalid port fails before spending). Nothing is expanded.
fn worst_case_ports(services: &Map, cap: usize) -> usize {
    let entries = services
        .values()
        .filter_map(|svc| svc.get("ports").and_then(Node::as_seq))
        .flatten();
    let mut total = 0usize;
    for p in entries {
        total = total.saturating_add(match &p.value {
            Value::Str(s) => ports::expanded_count(s),
            _ => 1,
        });
        if total > cap {
            break;
        }
    }
    total
}

/// Turn every short form under `root` into its long form.
///
/// # Errors
/// Invalid ports, volumes, devices and wrongly typed values, with their position.
pub fn canonical(
    root: &mut Node,
    ignore_parse_error: bool,
    ports: &mut Budget,
) -> Result<(), LoadError> {
    if let Some(services) = root.get_mut("services").and_then(Node::as_map_mut) {
        if crate::par::worth_splitting(services.len(), crate::par::MIN_PER_THREAD)
            && ports.can_spend(worst_case_ports(services, ports.limit))
        {
            // The budget cannot run out, so each service spends from its own and the sum is
            // charged after: the same result, and the same first error in file order, as
            // one service after the other.
            let mut entries: Vec<(&String, &mut Node)> = services.iter_mut().collect();
            let done = crate::par::map_mut_in_order(
                &mut entries,
                crate::par::MIN_PER_THREAD,
                |(name, svc)| {
                    let mut own = Budget::new(usize::MAX);
                    if svc.as_map().is_some() {
                        let path = ["services".to_string(), (*name).clone()];
                        service(svc, &path, ignore_parse_error, &mut own)?;
                    }
                    Ok::<usize, LoadError>(own.used())
                },
            );
            for used in done {
                ports.spend(used?);
            }
        } else {
            for (name, svc) in services.iter_mut() {
                if svc.as_map().is_some() {
                    service(
                        svc,
                        &["services".to_string(), name.clone()],
                        ignore_parse_error,
                        ports,
                    )?;
                }
            }
        }
    }
    for kind in ["volumes", "networks", "secrets", "configs"] {
        if let Some(m) = root.get_mut(kind).and_then(Node::as_map_mut) {
            for (name, res) in m.iter_mut() {
                maybe_external(res, &[kind.to_string(), name.clone()])?;
            }
        }
    }
    Ok(())
}

fn service(
    svc: &mut Node,
    path: &[String],
    lenient: bool,
    ports: &mut Budget,
) -> Result<(), LoadError> {
    let Some(s) = svc.as_map_mut() else {
        return Ok(());
    };
    let sub = |k: &str| {
        let mut p = path.to_vec();
        p.push(k.to_string());
        p
    };
    for (key, value) in s.iter_mut() {
        // The key's path is built only where a canonical form needs it.
        match key.as_str() {
            "build" => build(value, &sub(key))?,
            "depends_on" => depends_on(value, &sub(key))?,
            "env_file" => env_file(value, &sub(key))?,
            "label_file" | "dns" => string_or_list(value),
            "extends" => {
                if let Value::Str(s) = &value.value {
                    *value = map_node(vec![("service", str_node(s.clone(), value.span))], value);
                }
            }
            "gpus" => gpus(value, &sub(key))?,
            "networks" | "models" => names_to_map(value),
            "volumes" => {
                if let Some(items) = value.as_seq_mut() {
                    let p = sub(key);
                    for (i, v) in items.iter_mut().enumerate() {
                        volume_mount(v, &p, i, lenient)?;
                    }
                }
            }
            "devices" => {
                if let Some(items) = value.as_seq_mut() {
                    let p = sub(key);
                    for v in items.iter_mut() {
                        device(v, &p, lenient)?;
                    }
                }
            }
            "secrets" | "configs" => file_mounts(value, &sub(key))?,
            "ports" => ports::transform_ports(value, &sub(key), lenient, ports)?,
            "ulimits" => ulimits(value, &sub(key))?,
            "develop" => develop(value),
            _ => {}
        }
    }
    Ok(())
}

fn string_or_list(n: &mut Node) {
    if let Value::Str(s) = &n.value {
        n.value = Value::Seq(vec![str_node(s.clone(), n.span)]);
    }
}

fn build(n: &mut Node, path: &[String]) -> Result<(), LoadError> {
    match &mut n.value {
        Value::Str(s) => {
            let ctx = str_node(s.clone(), n.span);
            *n = map_node(vec![("context", ctx)], n);
        }
        Value::Map(m) => {
            if let Some(sec) = m.get_mut("secrets") {
                file_mounts(sec, path)?;
            }
            for k in ["provenance", "sbom"] {
                if let Some(v) = m.get_mut(k)
                    && !matches!(v.value, Value::Str(_))
                {
                    v.value = Value::Str(v.scalar_to_string().unwrap_or_default());
                }
            }
            if let Some(ac) = m.get_mut("additional_contexts") {
                key_value(ac, path)?;
            }
            if let Some(ssh) = m.get_mut("ssh") {
                build_ssh(ssh)?;
            }
            if let Some(ul) = m.get_mut("ulimits") {
                ulimits(ul, path)?;
            }
        }
        _ => {
            return Err(err(
                n,
                path,
                format!(
                    "{}: invalid type {} for build",
                    path.join("."),
                    n.type_name()
                ),
            ));
        }
    }
    Ok(())
}

fn key_value(n: &mut Node, path: &[String]) -> Result<(), LoadError> {
    if let Value::Seq(items) = &n.value {
        let mut m = Map::default();
        for it in items {
            let s = it.as_str().unwrap_or_default();
            let Some((k, v)) = s.split_once('=') else {
                return Err(err(
                    it,
                    path,
                    format!("{}: invalid value {s}, expected key=value", path.join(".")),
                ));
            };
            m.insert(k.to_string(), str_node(v, it.span));
        }
        n.value = Value::Map(m);
    }
    Ok(())
}

fn build_ssh(n: &mut Node) -> Result<(), LoadError> {
    if let Value::Seq(items) = &n.value {
        let mut m = Map::default();
        for it in items {
            let Some(s) = it.as_str() else {
                return Err(LoadError::new(
                    it.span,
                    KeyPath::root(),
                    format!("invalid ssh key type {}", it.type_name()),
                ));
            };
            match s.split_once('=') {
                Some((id, p)) => m.insert(id.to_string(), str_node(p, it.span)),
                None if s == "default" => m.insert(s.to_string(), Node::null(it.span)),
                None => {
                    return Err(LoadError::new(
                        it.span,
                        KeyPath::root(),
                        format!("invalid ssh key {s:?}"),
                    ));
                }
            };
        }
        n.value = Value::Map(m);
    }
    Ok(())
}

fn depends_on(n: &mut Node, path: &[String]) -> Result<(), LoadError> {
    let span = n.span;
    match &mut n.value {
        Value::Map(m) => {
            for (name, d) in m.iter_mut() {
                let Some(dm) = d.as_map_mut() else {
                    return Err(LoadError::new(
                        d.span,
                        KeyPath::from_keys(path).key(name),
                        "unsupported value",
                    ));
                };
                dm.entry("condition".to_string())
                    .or_insert_with(|| str_node("service_started", span));
                dm.entry("required".to_string())
                    .or_insert_with(|| Node::new(Value::Bool(true), span));
            }
        }
        Value::Seq(items) => {
            let mut m = Map::default();
            for it in items.iter() {
                let name = it.scalar_to_string().unwrap_or_default();
                let mut d = map_node(
                    vec![
                        ("condition", str_node("service_started", it.span)),
                        ("required", Node::new(Value::Bool(true), it.span)),
                    ],
                    it,
                );
                d.key_span = it.span;
                m.insert(name, d);
            }
            n.value = Value::Map(m);
        }
        _ => {
            return Err(err(
                n,
                path,
                format!(
                    "{}: invalid type {} for depend_on",
                    path.join("."),
                    n.type_name()
                ),
            ));
        }
    }
    Ok(())
}

fn env_file(n: &mut Node, path: &[String]) -> Result<(), LoadError> {
    let one = |v: &Node| -> Node {
        match &v.value {
            Value::Str(s) => map_node(
                vec![
                    ("path", str_node(s.clone(), v.span)),
                    ("required", Node::new(Value::Bool(true), v.span)),
                ],
                v,
            ),
            Value::Map(_) => {
                let mut v = v.clone();
                let span = v.span;
                if let Some(m) = v.as_map_mut() {
                    m.entry("required".to_string())
                        .or_insert_with(|| Node::new(Value::Bool(true), span));
                }
                v
            }
            _ => Node::null(v.span),
        }
    };
    match &n.value {
        Value::Str(_) => n.value = Value::Seq(vec![one(n)]),
        Value::Seq(items) => n.value = Value::Seq(items.iter().map(one).collect()),
        _ => {
            return Err(err(
                n,
                path,
                format!(
                    "{}: invalid type {} for env_file",
                    path.join("."),
                    n.type_name()
                ),
            ));
        }
    }
    Ok(())
}

fn gpus(n: &mut Node, path: &[String]) -> Result<(), LoadError> {
    match &n.value {
        Value::Seq(_) => Ok(()),
        Value::Str(_) => {
            let count = map_node(vec![("count", str_node("all", n.span))], n);
            n.value = Value::Seq(vec![count]);
            Ok(())
        }
        _ => Err(err(
            n,
            path,
            format!(
                "{}: invalid type {} for gpus",
                path.join("."),
                n.type_name()
            ),
        )),
    }
}

fn names_to_map(n: &mut Node) {
    if let Value::Seq(items) = &n.value {
        let mut m = Map::default();
        for it in items {
            let mut v = Node::null(it.span);
            v.key_span = it.span;
            m.insert(it.scalar_to_string().unwrap_or_default(), v);
        }
        n.value = Value::Map(m);
    }
}

fn volume_mount(v: &mut Node, path: &[String], i: usize, lenient: bool) -> Result<(), LoadError> {
    match &v.value {
        Value::Map(_) => Ok(()),
        Value::Str(s) => match parse_volume(s) {
            Ok(mut parsed) => {
                parsed.span = v.span;
                parsed.key_span = v.key_span;
                set_spans(&mut parsed, v.span);
                *v = parsed;
                Ok(())
            }
            Err(_) if lenient => Ok(()),
            Err(m) => Err(LoadError::new(v.span, KeyPath::from_keys(path).index(i), m)),
        },
        _ => Err(LoadError::new(
            v.span,
            KeyPath::from_keys(path).index(i),
            format!(
                "{}: invalid type {} for service volume mount",
                path.join("."),
                v.type_name()
            ),
        )),
    }
}

/// Give every node of a synthesised subtree the position of the short form it came from.
fn set_spans(n: &mut Node, span: Span) {
    n.span = span;
    n.key_span = span;
    match &mut n.value {
        Value::Map(m) => m.values_mut().for_each(|c| set_spans(c, span)),
        Value::Seq(s) => s.iter_mut().for_each(|c| set_spans(c, span)),
        _ => {}
    }
}

fn device(v: &mut Node, path: &[String], lenient: bool) -> Result<(), LoadError> {
    let Value::Str(s) = &v.value else {
        return if v.as_map().is_some() {
            Ok(())
        } else {
            Err(err(
                v,
                path,
                format!(
                    "{}: invalid type {} for service volume mount",
                    path.join("."),
                    v.type_name()
                ),
            ))
        };
    };
    let parts: Vec<&str> = s.split(':').collect();
    let (src, mut dst, perms) = match parts.as_slice() {
        [a] => (*a, "", "rwm"),
        [a, b] => (*a, *b, "rwm"),
        [a, b, c] => (*a, *b, *c),
        _ if lenient => ("", "", "rwm"),
        _ => {
            return Err(err(
                v,
                path,
                format!("confusing device mapping, please use long syntax: {s}"),
            ));
        }
    };
    if dst.is_empty() {
        dst = src;
    }
    let span = v.span;
    *v = map_node(
        vec![
            ("source", str_node(src, span)),
            ("target", str_node(dst, span)),
            ("permissions", str_node(perms, span)),
        ],
        v,
    );
    Ok(())
}

fn file_mounts(n: &mut Node, path: &[String]) -> Result<(), LoadError> {
    if let Some(items) = n.as_seq_mut() {
        for it in items.iter_mut() {
            match &it.value {
                Value::Map(_) => {}
                Value::Str(s) => *it = map_node(vec![("source", str_node(s.clone(), it.span))], it),
                _ => {
                    return Err(err(
                        it,
                        path,
                        format!("{}: unsupported type {}", path.join("."), it.type_name()),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn ulimits(n: &mut Node, path: &[String]) -> Result<(), LoadError> {
    if let Some(m) = n.as_map() {
        for (k, v) in m {
            if !matches!(v.value, Value::Map(_) | Value::Int(_)) {
                return Err(LoadError::new(
                    v.span,
                    KeyPath::from_keys(path).key(k),
                    format!(
                        "{}.{k}: invalid type {} for external",
                        path.join("."),
                        v.type_name()
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn develop(n: &mut Node) {
    if let Some(watch) = n.get_mut("watch").and_then(Node::as_seq_mut) {
        for w in watch {
            for k in ["ignore", "include"] {
                if let Some(v) = w.get_mut(k) {
                    string_or_list(v);
                }
            }
        }
    }
}

/// `external: {name: x}` (legacy) → `external: true` + `name: x`.
fn maybe_external(res: &mut Node, path: &[String]) -> Result<(), LoadError> {
    let span = res.span;
    let Some(m) = res.as_map_mut() else {
        return Ok(());
    };
    let Some(ext) = m.get("external") else {
        return Ok(());
    };
    let Some(ext_map) = ext.as_map() else {
        return Ok(());
    };
    let ext_name = ext_map.get("name").cloned();
    let ext_span = ext.span;
    m.insert("external".into(), Node::new(Value::Bool(true), ext_span));
    if let Some(en) = ext_name {
        match m.get("name") {
            Some(n) if !crate::load::node::same_value(n, &en) => {
                return Err(LoadError::new(
                    span,
                    KeyPath::from_keys(path),
                    format!(
                        "{}: name and external.name conflict; only use name",
                        path.join(".")
                    ),
                ));
            }
            Some(_) => {}
            None => {
                m.insert("name".into(), en);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Services `range` of a project, service i publishing `port(i)`.
    fn services(range: std::ops::Range<usize>, port: impl Fn(usize) -> serde_json::Value) -> Node {
        let services: serde_json::Map<String, serde_json::Value> = range
            .map(|i| {
                let svc =
                    json!({"image": "x", "ports": [port(i)], "volumes": [format!("v{i}:/d")]});
                (format!("s{i}"), svc)
            })
            .collect();
        Node::from_json(&json!({ "services": services }), Span::SYNTHETIC)
    }

    fn run(mut root: Node, budget: &mut Budget) -> Result<serde_json::Value, LoadError> {
        canonical(&mut root, false, budget).map(|()| root.to_json())
    }

    /// A large project is canonicalised on every core with the result, the port budget
    /// spent and the first error (in file order) of one service after the other.
    #[test]
    fn large_projects_on_every_core_match_one_at_a_time() {
        let port = |i: usize| json!(format!("{}:80", 1000 + i));
        let mut many = Budget::new(65_536);
        let parallel = run(services(0..1000, port), &mut many).unwrap_or_else(|e| panic!("{e}"));
        for i in [0, 499, 500, 999] {
            let one = run(services(i..i + 1, port), &mut Budget::new(65_536))
                .unwrap_or_else(|e| panic!("{e}"));
            let name = format!("s{i}");
            assert_eq!(parallel["services"][&name], one["services"][&name]);
        }
        assert_eq!(many.used(), 1000);

        let bad = services(0..1000, |i| match i {
            700 => json!("70000:80"),
            300 => json!("x:80"),
            _ => json!(80),
        });
        let e = run(bad, &mut Budget::new(65_536))
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert_eq!(e.path.to_string(), "services.s300.ports[0]");
    }

    /// Near the port budget, one service after the other: the error names the entry that
    /// crossed it (600 singles, a range of 100, then the 301st single after it).
    #[test]
    fn the_port_budget_is_exact_near_its_limit() {
        let root = services(0..1000, |i| {
            if i == 600 {
                json!("1000-1099:80-179")
            } else {
                json!(80)
            }
        });
        let e = run(root, &mut Budget::new(1000))
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert_eq!(e.path.to_string(), "services.s901.ports[0]");
        assert!(e.message.contains("more than 1000 ports"), "{}", e.message);
    }
}
