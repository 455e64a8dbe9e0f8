//! Merging an override file onto the model built so far (compose-go `override/merge.go`):
//! maps merge key by key, sequences append, and some keys have their own rule, chosen by path.
//! The value that wins keeps its span, so provenance names the file that set it.

use crate::diag::LoadError;
use crate::load::node::{KeyPath, Map, Node, Value};

/// Special merge rules by path pattern (`*` matches one key).
#[derive(Clone, Copy)]
enum Rule {
    /// Map or list forms become one `KEY=VALUE` list, base first (duplicates are removed later
    /// by unicity).
    ToSequence,
    /// The override replaces the base (even with null).
    Replace,
    Build,
    DependsOn,
    /// `networks`, `models`: list or map forms merged as maps.
    AsMapping,
    ExtraHosts,
    Logging,
    Ulimit,
    IpamConfig,
}

const RULES: &[(&str, Rule)] = &[
    ("networks.*.ipam.config", Rule::IpamConfig),
    ("networks.*.labels", Rule::ToSequence),
    ("volumes.*.labels", Rule::ToSequence),
    ("services.*.annotations", Rule::ToSequence),
    ("services.*.build", Rule::Build),
    ("services.*.build.args", Rule::ToSequence),
    ("services.*.build.additional_contexts", Rule::ToSequence),
    ("services.*.build.extra_hosts", Rule::ExtraHosts),
    ("services.*.build.labels", Rule::ToSequence),
    ("services.*.command", Rule::Replace),
    ("services.*.depends_on", Rule::DependsOn),
    ("services.*.deploy.labels", Rule::ToSequence),
    ("services.*.dns", Rule::ToSequence),
    ("services.*.dns_opt", Rule::ToSequence),
    ("services.*.dns_search", Rule::ToSequence),
    ("services.*.entrypoint", Rule::Replace),
    ("services.*.env_file", Rule::ToSequence),
    ("services.*.label_file", Rule::ToSequence),
    ("services.*.environment", Rule::ToSequence),
    ("services.*.extra_hosts", Rule::ExtraHosts),
    ("services.*.healthcheck.test", Rule::Replace),
    ("services.*.labels", Rule::ToSequence),
    ("services.*.volumes.*.volume.labels", Rule::ToSequence),
    ("services.*.logging", Rule::Logging),
    ("services.*.models", Rule::AsMapping),
    ("services.*.networks", Rule::AsMapping),
    ("services.*.sysctls", Rule::ToSequence),
    ("services.*.tmpfs", Rule::ToSequence),
    ("services.*.ulimits.*", Rule::Ulimit),
];

/// Dotted form of a path for pattern matching (indexes as `[]`).
/// The patterns split into segments once (matching runs for every node of every file).
static SPLIT: std::sync::LazyLock<Vec<(Vec<&'static str>, Rule)>> =
    std::sync::LazyLock::new(|| {
        RULES
            .iter()
            .map(|(p, r)| (p.split('.').collect(), *r))
            .collect()
    });

fn matches(path: &[String], pattern: &[&str]) -> bool {
    pattern.len() == path.len() && pattern.iter().zip(path).all(|(p, k)| *p == "*" || p == k)
}

/// Merge an override file's tree onto the accumulated tree.
///
/// # Errors
/// A value whose type cannot merge with the base (e.g. a mapping over a list).
pub fn merge(base: Node, over: Node) -> Result<Node, LoadError> {
    merge_at(base, over, &mut Vec::new())
}

/// `extends`: the local service merged onto (a copy of) its base service, with the same
/// rules as files (compose merges under the path `services.x`).
///
/// # Errors
/// As [`merge`].
pub fn merge_extends(base: Node, local: Node) -> Result<Node, LoadError> {
    let mut path = vec!["services".to_string(), "x".to_string()];
    let span = local.span;
    let key_span = local.key_span;
    let mut merged = merge_at(base, local, &mut path)?;
    merged.span = span;
    merged.key_span = key_span;
    Ok(merged)
}

fn merge_at(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node, LoadError> {
    if let Some((_, rule)) = SPLIT.iter().find(|(p, _)| matches(path, p)) {
        return special(*rule, base, over, path);
    }
    if over.is_null() {
        return Ok(base);
    }
    match (base.value, over.value) {
        (Value::Map(b), Value::Map(o)) => {
            let span = base.span;
            let key_span = base.key_span;
            Ok(Node {
                value: Value::Map(merge_maps(b, o, path)?),
                span,
                key_span,
            })
        }
        (Value::Seq(mut b), Value::Seq(o)) => {
            b.extend(o);
            Ok(Node {
                value: Value::Seq(b),
                span: base.span,
                key_span: base.key_span,
            })
        }
        (Value::Map(_) | Value::Seq(_), _) => Err(LoadError::new(
            over.span,
            KeyPath::from_keys(path),
            format!("cannot override {}", path.join(".")),
        )),
        (_, value) => Ok(Node {
            value,
            span: over.span,
            key_span: over.key_span,
        }),
    }
}

fn merge_maps(mut base: Map, over: Map, path: &mut Vec<String>) -> Result<Map, LoadError> {
    for (k, v) in over {
        match base.shift_remove_full(&k) {
            None => {
                base.insert(k, v);
            }
            Some((idx, _, existing)) => {
                path.push(k.clone());
                let merged = merge_at(existing, v, path);
                path.pop();
                base.insert(k.clone(), merged?);
                // Keep the key where the base had it.
                let last = base.len() - 1;
                base.move_index(last, idx.min(last));
            }
        }
    }
    Ok(base)
}

fn special(rule: Rule, base: Node, over: Node, path: &mut Vec<String>) -> Result<Node, LoadError> {
    let (span, key_span) = (base.span, base.key_span);
    let node = |value: Value| Node {
        value,
        span,
        key_span,
    };
    match rule {
        Rule::Replace => Ok(over),
        Rule::ToSequence => {
            let mut items = into_sequence(&base);
            items.extend(into_sequence(&over));
            Ok(node(Value::Seq(items)))
        }
        Rule::ExtraHosts => {
            let mut items = into_sequence(&base);
            for o in into_sequence(&over) {
                if !items.iter().any(|b| crate::load::node::same_value(b, &o)) {
                    items.push(o);
                }
            }
            Ok(node(Value::Seq(items)))
        }
        Rule::Build => {
            let to_map = |n: Node| match n.value {
                Value::Str(s) => {
                    let mut m = Map::default();
                    m.insert("context".into(), Node::new(Value::Str(s), n.span));
                    Node {
                        value: Value::Map(m),
                        ..n
                    }
                }
                _ => n,
            };
            let (b, o) = (to_map(base), to_map(over));
            merge_map_nodes(b, o, path)
        }
        Rule::DependsOn => merge_map_nodes(depends_on_map(base), depends_on_map(over), path),
        Rule::AsMapping => merge_map_nodes(names_to_map(base), names_to_map(over), path),
        Rule::Logging => {
            let driver = |n: &Node| n.get("driver").cloned();
            match (driver(&base), driver(&over)) {
                (Some(b), Some(o)) if !crate::load::node::same_value(&b, &o) => Ok(over),
                _ => merge_map_nodes(base, over, path),
            }
        }
        Rule::Ulimit => Ok(over),
        Rule::IpamConfig => merge_ipam(base, over, path),
    }
}

fn merge_map_nodes(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node, LoadError> {
    match (base.value, over.value) {
        (Value::Map(b), Value::Map(o)) => Ok(Node {
            value: Value::Map(merge_maps(b, o, path)?),
            span: base.span,
            key_span: base.key_span,
        }),
        (_, Value::Null) | (Value::Null, _) => Ok(Node {
            value: Value::Null,
            span: over.span,
            key_span: over.key_span,
        }),
        (_, value) => Err(LoadError::new(
            over.span,
            KeyPath::from_keys(path),
            format!(
                "cannot override {}: unexpected {}",
                path.join("."),
                Node::synthetic(value).type_name()
            ),
        )),
    }
}

/// Map or list forms as a `KEY=VALUE` list (map entries sorted, as compose does).
pub fn into_sequence(n: &Node) -> Vec<Node> {
    match &n.value {
        Value::Seq(items) => items.clone(),
        Value::Str(_) => vec![n.clone()],
        Value::Map(m) => {
            let mut out: Vec<Node> = Vec::new();
            for (k, v) in m {
                match &v.value {
                    Value::Null => out.push(Node {
                        value: Value::Str(k.clone()),
                        ..v.clone()
                    }),
                    Value::Seq(items) => {
                        for it in items {
                            let s = it.scalar_to_string().unwrap_or_default();
                            out.push(Node {
                                value: Value::Str(format!("{k}={s}")),
                                ..it.clone()
                            });
                        }
                    }
                    _ => {
                        let s = go_sprint(v);
                        out.push(Node {
                            value: Value::Str(format!("{k}={s}")),
                            ..v.clone()
                        });
                    }
                }
            }
            out.sort_by(|a, b| {
                a.as_str()
                    .unwrap_or_default()
                    .cmp(b.as_str().unwrap_or_default())
            });
            out
        }
        _ => Vec::new(),
    }
}

/// `fmt.Sprint` of a scalar or collection (collections are rare here; approximate them).
fn go_sprint(n: &Node) -> String {
    n.scalar_to_string()
        .unwrap_or_else(|| n.to_json().to_string())
}

fn depends_on_map(n: Node) -> Node {
    match n.value {
        Value::Seq(items) => {
            let mut m = Map::default();
            for it in items {
                if let Some(name) = it.as_str() {
                    let mut d = Map::default();
                    d.insert(
                        "condition".into(),
                        Node::new(Value::Str("service_started".into()), it.span),
                    );
                    d.insert("required".into(), Node::new(Value::Bool(true), it.span));
                    let mut dn = Node::map(d, it.span);
                    dn.key_span = it.span;
                    m.insert(name.to_string(), dn);
                }
            }
            Node {
                value: Value::Map(m),
                ..n
            }
        }
        _ => n,
    }
}

fn names_to_map(n: Node) -> Node {
    match n.value {
        Value::Seq(items) => {
            let mut m = Map::default();
            for it in items {
                if let Some(name) = it.as_str() {
                    let mut v = Node::null(it.span);
                    v.key_span = it.span;
                    m.insert(name.to_string(), v);
                }
            }
            Node {
                value: Value::Map(m),
                ..n
            }
        }
        _ => n,
    }
}

/// IPAM pools merged by subnet.
fn merge_ipam(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node, LoadError> {
    let (Some(configs), Some(overrides)) = (base.as_seq().cloned(), over.as_seq().cloned()) else {
        return Err(LoadError::new(
            over.span,
            KeyPath::from_keys(path),
            format!("{}: unexpected type", path.join(".")),
        ));
    };
    let subnet = |n: &Node| n.get("subnet").cloned().map(|s| s.to_json());
    let mut out: Vec<Node> = Vec::new();
    for original in &configs {
        for o in &overrides {
            if subnet(o) != subnet(original) && !out.iter().any(|a| subnet(a) == subnet(o)) {
                out.push(o.clone());
                continue;
            }
            let merged = merge_map_nodes(original.clone(), o.clone(), path)?;
            match out.iter().position(|a| subnet(a) == subnet(&merged)) {
                Some(i) => {
                    if let Some(slot) = out.get_mut(i) {
                        *slot = merged;
                    }
                }
                None => out.push(merged),
            }
        }
    }
    Ok(Node {
        value: Value::Seq(out),
        span: base.span,
        key_span: base.key_span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn n(v: serde_json::Value) -> Node {
        Node::from_json(&v, crate::source::Span::SYNTHETIC)
    }

    fn merged(a: serde_json::Value, b: serde_json::Value) -> serde_json::Value {
        merge(n(a), n(b))
            .unwrap_or_else(|e| panic!("{e}"))
            .to_json()
    }

    #[test]
    fn maps_merge_and_scalars_override() {
        let r = merged(
            json!({"services": {"web": {"image": "a", "restart": "always"}}}),
            json!({"services": {"web": {"image": "b"}, "db": {"image": "pg"}}}),
        );
        assert_eq!(
            r,
            json!({"services": {"web": {"image": "b", "restart": "always"}, "db": {"image": "pg"}}})
        );
    }

    #[test]
    fn environment_becomes_a_sorted_sequence() {
        let r = merged(
            json!({"services": {"web": {"environment": {"B": "1", "A": null}}}}),
            json!({"services": {"web": {"environment": ["C=3", "B=2"]}}}),
        );
        assert_eq!(
            r["services"]["web"]["environment"],
            json!(["A", "B=1", "C=3", "B=2"])
        );
    }

    #[test]
    fn command_is_replaced_and_lists_append() {
        let r = merged(
            json!({"services": {"w": {"command": ["a", "b"], "cap_add": ["X"]}}}),
            json!({"services": {"w": {"command": ["c"], "cap_add": ["Y"]}}}),
        );
        assert_eq!(r["services"]["w"]["command"], json!(["c"]));
        assert_eq!(r["services"]["w"]["cap_add"], json!(["X", "Y"]));
    }

    #[test]
    fn logging_driver_change_drops_options() {
        let r = merged(
            json!({"services": {"w": {"logging": {"driver": "json-file", "options": {"max-size": "1m"}}}}}),
            json!({"services": {"w": {"logging": {"driver": "syslog"}}}}),
        );
        assert_eq!(r["services"]["w"]["logging"], json!({"driver": "syslog"}));
        let r = merged(
            json!({"services": {"w": {"logging": {"driver": "json-file", "options": {"max-size": "1m"}}}}}),
            json!({"services": {"w": {"logging": {"options": {"max-file": "3"}}}}}),
        );
        assert_eq!(
            r["services"]["w"]["logging"],
            json!({"driver": "json-file", "options": {"max-size": "1m", "max-file": "3"}})
        );
    }

    #[test]
    fn depends_on_list_and_map_merge() {
        let r = merged(
            json!({"services": {"w": {"depends_on": ["db"]}}}),
            json!({"services": {"w": {"depends_on": {"cache": {"condition": "service_healthy"}}}}}),
        );
        assert_eq!(
            r["services"]["w"]["depends_on"],
            json!({"db": {"condition": "service_started", "required": true}, "cache": {"condition": "service_healthy"}})
        );
    }

    #[test]
    fn build_string_merges_with_map() {
        let r = merged(
            json!({"services": {"w": {"build": "./app"}}}),
            json!({"services": {"w": {"build": {"target": "prod"}}}}),
        );
        assert_eq!(
            r["services"]["w"]["build"],
            json!({"context": "./app", "target": "prod"})
        );
    }

    #[test]
    fn extra_hosts_are_deduplicated() {
        let r = merged(
            json!({"services": {"w": {"extra_hosts": ["a=1"]}}}),
            json!({"services": {"w": {"extra_hosts": ["a=1", "b=2"]}}}),
        );
        assert_eq!(r["services"]["w"]["extra_hosts"], json!(["a=1", "b=2"]));
    }

    #[test]
    fn type_mismatch_is_an_error() {
        let e = merge(
            n(json!({"services": {"w": {"ports": ["80"]}}})),
            n(json!({"services": {"w": {"ports": {"a": 1}}}})),
        )
        .err();
        assert_eq!(
            e.map(|e| e.message),
            Some("cannot override services.w.ports".to_string())
        );
    }

    #[test]
    fn extends_uses_service_rules() {
        let r = merge_extends(
            n(json!({"image": "a", "environment": {"A": "1"}})),
            n(json!({"environment": {"B": "2"}})),
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .to_json();
        assert_eq!(r, json!({"image": "a", "environment": ["A=1", "B=2"]}));
    }
}
