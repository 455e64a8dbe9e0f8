//! Writing the stack file: `$` escaping (the Docker CLI interpolates `$VAR` in every value of
//! a stack file, so a literal `$` must be written `$$`) and a small YAML writer, optionally
//! with the shared part of each stateful group written once under an `x-` key with an anchor
//! and merged into each member (`<<: *anchor`).
//!
//! Why not the project's YAML emitter: the Docker CLI reads stack files with go-yaml v2, a
//! YAML 1.1 reader, where plain `yes`, `off`, `1_000`, `1:20` or `2001-12-14` are not strings.
//! This writer leaves a string plain only when it is plainly a string in YAML 1.1 and 1.2
//! alike, and otherwise writes it JSON-quoted (a JSON string is a YAML double-quoted scalar).

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
pub fn plain(doc: &Value) -> String {
    let mut out = String::new();
    match doc {
        Value::Object(m) if !m.is_empty() => write_map(m, 0, &mut out),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

/// The document with each group's common service keys written once under `x-<anchor>`.
/// `doc` must be an object with a `services` object (as the stack file is).
pub fn anchored(doc: &Value, groups: &[AnchorGroup]) -> String {
    let Some(top) = doc.as_object() else {
        return plain(doc);
    };
    let empty = Map::new();
    let services = top
        .get("services")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut shared_of: Vec<(&str, &str, Map<String, Value>)> = Vec::new();
    let mut out = String::new();
    for (k, v) in top {
        if k != "services" {
            let mut one = Map::new();
            one.insert(k.clone(), v.clone());
            write_map(&one, 0, &mut out);
            continue;
        }
        // Anchors must be defined before they are used: the x- blocks go first.
        for g in groups {
            let shared = shared_part(services, &g.members);
            if shared.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "{}: &{}\n",
                key(&format!("x-{}", g.anchor)),
                g.anchor
            ));
            write_map(&shared, 2, &mut out);
            for m in &g.members {
                shared_of.push((m.as_str(), g.anchor.as_str(), shared.clone()));
            }
        }
        out.push_str("services:\n");
        for (name, body) in services {
            let member = shared_of.iter().find(|(m, _, _)| m == name);
            match (member, body.as_object()) {
                (Some((_, anchor, shared)), Some(map)) => {
                    out.push_str(&format!("  {}:\n    <<: *{anchor}\n", key(name)));
                    let rest: Map<String, Value> = map
                        .iter()
                        .filter(|(k, _)| !shared.contains_key(*k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    write_map(&rest, 4, &mut out);
                }
                _ => {
                    let mut one = Map::new();
                    one.insert(name.clone(), body.clone());
                    write_map(&one, 2, &mut out);
                }
            }
        }
    }
    out
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

/// Words YAML 1.1 resolves to booleans or null, whatever their case.
const SPECIAL_WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

/// A string that reads back as the same string, plain, in YAML 1.1 and 1.2: it starts with a
/// letter, `_` or `/`, uses no indicator characters, has no edge spaces and is not a special
/// word. Numbers, dates and times start with a digit or sign, so they are never plain.
fn plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_' || first == '/')
        && !s.ends_with(' ')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/-@+=, ".contains(c))
        && !SPECIAL_WORDS.contains(&s.to_ascii_lowercase().as_str())
}

fn string_scalar(s: &str) -> String {
    if plain_safe(s) {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
    }
}

/// A mapping key (keys follow the same quoting rule as values).
fn key(k: &str) -> String {
    string_scalar(k)
}

/// A scalar or an empty collection, on one line.
fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_scalar(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
        _ => false,
    }
}

fn write_map(m: &Map<String, Value>, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for (k, v) in m {
        out.push_str(&format!("{pad}{}:", key(k)));
        write_child(v, indent, out);
    }
}

/// What follows `key:` or `-`: an inline scalar, or a nested block (sequences under a key sit
/// at the key's indentation, as is common).
fn write_child(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(m, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(a, indent, out);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn write_seq(items: &[Value], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for item in items {
        match item {
            Value::Object(m) if !m.is_empty() => {
                // The first key goes on the dash's line.
                let mut body = String::new();
                write_map(m, indent + 2, &mut body);
                out.push_str(&pad);
                out.push_str("- ");
                out.push_str(body.get(indent + 2..).unwrap_or_default());
            }
            Value::Array(a) if !a.is_empty() => {
                out.push_str(&format!("{pad}-\n"));
                write_seq(a, indent + 2, out);
            }
            other if !is_block(other) => out.push_str(&format!("{pad}- {}\n", inline(other))),
            _ => {}
        }
    }
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
    fn yaml_1_1_specials_are_quoted() {
        for w in [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "N",
            "true",
            "null",
            "~",
            "1_000",
            "1:20",
            "2001-12-14",
            "012",
            ".5",
            "",
            " a",
            "a ",
            "<<",
            "-x",
            "a: b",
            "a #b",
            "*x",
            "&x",
            "!x",
            "%x",
            "@x",
            "`x",
            "'x",
            "\"x",
        ] {
            assert!(!plain_safe(w), "{w:?} must be quoted");
        }
        for w in [
            "nginx",
            "mongo:7",
            "/data/db",
            "node.role",
            "yesterday",
            "a b",
        ] {
            assert_eq!(plain_safe(w), !w.contains(':'), "{w:?}");
        }
    }

    #[test]
    fn writes_block_yaml() {
        let v = json!({"version": "3.8", "services": {"a": {"command": ["yes", "x"], "deploy": {}, "ports": [{"target": 80, "mode": "host"}], "n": [[1]]}}});
        assert_eq!(
            plain(&v),
            "version: \"3.8\"\nservices:\n  a:\n    command:\n    - \"yes\"\n    - x\n    deploy: {}\n    ports:\n    - target: 80\n      mode: host\n    \"n\":\n    -\n      - 1\n"
        );
    }

    /// Whatever the strings, the text reads back (with the project's YAML reader) as the
    /// same tree.
    fn reads_back(v: &Value) -> Option<Value> {
        let text = plain(v);
        let docs = crate::load::yaml::parse_documents(
            &text,
            crate::source::FileId(1),
            &Default::default(),
        )
        .ok()?;
        docs.first().map(|d| d.root.to_json())
    }

    proptest! {
        #[test]
        fn any_strings_read_back(k in "\\PC{1,8}", s in "\\PC*", t in proptest::collection::vec("\\PC*", 0..3)) {
            let v = json!({"services": {k: {"environment": {"A": s}, "command": t}}});
            prop_assert_eq!(reads_back(&v), Some(v));
        }
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
