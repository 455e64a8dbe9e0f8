//! Writing the stack file: `$` escaping (the Docker CLI interpolates `$VAR` in every value of
//! a stack file, so a literal `$` must be written `$$`) and YAML, optionally with the shared
//! part of each stateful group written once under an `x-` key with an anchor and merged into
//! each member (`<<: *anchor`). The YAML itself always comes from
//! [`crate::load::yaml::to_yaml_string`]; the anchored document is assembled from
//! independently serialized, re-indented blocks, so quoting stays the emitter's job.

use crate::load::yaml::to_yaml_string;
use serde_json::{Map, Value};

/// Services that share one anchored block: `members` in output order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchorGroup {
    /// The anchor name, also used for the `x-<anchor>` key.
    pub anchor: String,
    pub members: Vec<String>,
}

/// `$` → `$$` in every string value (keys are not interpolated by the Docker CLI).
pub fn escape_dollars(v: &mut Value) {
    match v {
        Value::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        Value::Array(items) => items.iter_mut().for_each(escape_dollars),
        Value::Object(m) => m.values_mut().for_each(escape_dollars),
        _ => {}
    }
}

/// The whole document, plain.
pub fn plain(doc: &Value) -> Result<String, String> {
    to_yaml_string(doc)
}

/// The document with each group's common service keys written once under `x-<anchor>`.
/// `doc` must be an object with a `services` object (as the stack file is).
pub fn anchored(doc: &Value, groups: &[AnchorGroup]) -> Result<String, String> {
    let Some(top) = doc.as_object() else {
        return plain(doc);
    };
    let empty = Map::new();
    let services = top
        .get("services")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut shared_by_member: Vec<(&str, &str, Map<String, Value>)> = Vec::new();
    let mut out = String::new();
    for (k, v) in top {
        if k == "services" {
            // Anchors must be defined before they are used: the x- blocks go first.
            for g in groups {
                let shared = shared_part(services, &g.members);
                if shared.is_empty() {
                    continue;
                }
                out.push_str(&format!(
                    "{}: &{}\n",
                    key(&format!("x-{}", g.anchor))?,
                    g.anchor
                ));
                out.push_str(&indent(&to_yaml_string(&Value::Object(shared.clone()))?, 2));
                for m in &g.members {
                    shared_by_member.push((m.as_str(), g.anchor.as_str(), shared.clone()));
                }
            }
            out.push_str("services:\n");
            for (name, body) in services {
                out.push_str(&indent(&format!("{}:\n", key(name)?), 2));
                let member = shared_by_member.iter().find(|(m, _, _)| m == name);
                let body = match (member, body.as_object()) {
                    (Some((_, anchor, shared)), Some(map)) => {
                        out.push_str(&indent(&format!("<<: *{anchor}\n"), 4));
                        let rest: Map<String, Value> = map
                            .iter()
                            .filter(|(k, _)| !shared.contains_key(*k))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect();
                        if rest.is_empty() {
                            continue;
                        }
                        Value::Object(rest)
                    }
                    _ => body.clone(),
                };
                out.push_str(&indent(&to_yaml_string(&body)?, 4));
            }
        } else {
            let mut one = Map::new();
            one.insert(k.clone(), v.clone());
            out.push_str(&to_yaml_string(&Value::Object(one))?);
        }
    }
    Ok(out)
}

/// Keys whose values are equal in every member (so a shallow YAML merge reproduces them).
fn shared_part(services: &Map<String, Value>, members: &[String]) -> Map<String, Value> {
    let bodies: Vec<&Map<String, Value>> = members
        .iter()
        .filter_map(|m| services.get(m).and_then(Value::as_object))
        .collect();
    let Some((first, rest)) = bodies.split_first() else {
        return Map::new();
    };
    if rest.is_empty() {
        return Map::new();
    }
    first
        .iter()
        .filter(|(k, v)| rest.iter().all(|b| b.get(*k) == Some(*v)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A mapping key as the emitter would quote it (`"1"`, `"true"` stay strings).
fn key(k: &str) -> Result<String, String> {
    Ok(to_yaml_string(&Value::String(k.to_string()))?
        .trim_end_matches('\n')
        .to_string())
}

/// Indent every non-empty line by `n` spaces. Relative indentation (also inside block
/// scalars) is unchanged, and empty lines stay empty, which block scalars read as empty.
fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        if line != "\n" {
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn escapes_values_not_keys() {
        let mut v = json!({"a$": ["$x", "no", {"k": "$${y}"}], "n": 1});
        escape_dollars(&mut v);
        assert_eq!(v, json!({"a$": ["$$x", "no", {"k": "$$$${y}"}], "n": 1}));
    }

    /// The Docker CLI's reading of an escaped value: `$$` is one `$` (other `$` forms would
    /// be interpolated, which escaped text never contains).
    fn unescape(s: &str) -> Option<String> {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '$' && chars.next() != Some('$') {
                return None;
            }
            out.push(c);
        }
        Some(out)
    }

    proptest! {
        #[test]
        fn escaping_round_trips(s in "\\PC*") {
            let mut v = Value::String(s.clone());
            escape_dollars(&mut v);
            let escaped = v.as_str().map(str::to_string).unwrap_or_default();
            prop_assert_eq!(unescape(&escaped), Some(s));
        }
    }

    #[test]
    fn indent_keeps_empty_lines_empty() {
        assert_eq!(indent("a: |\n  x\n\n  y\n", 2), "  a: |\n    x\n\n    y\n");
    }

    #[test]
    fn shared_part_takes_equal_keys_only() {
        let services = json!({
            "db-1": {"image": "m", "hostname": "db-1"},
            "db-2": {"image": "m", "hostname": "db-2"},
        });
        let m = services.as_object().cloned().unwrap_or_default();
        let shared = shared_part(&m, &["db-1".into(), "db-2".into()]);
        assert_eq!(Value::Object(shared), json!({"image": "m"}));
    }
}
