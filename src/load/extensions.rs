//! transship's own extension blocks, `x-transship` and `x-nomad`, checked against the keys
//! transship reads. Compose ignores every `x-` key, so a typo there (`statefull: true`) would
//! silently change nothing: it is an error naming the key, with the nearest known key.

use crate::diag::LoadError;
use crate::load::node::{KeyPath, Node, Value};

/// What a key's value must be.
#[derive(Clone, Copy)]
enum Kind {
    Bool,
    Str,
    Int,
    /// A list of strings.
    Strings,
    /// A mapping of string keys to scalars.
    ScalarMap,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A list whose entries another module checks (`accept`).
    List,
}

const JOB_TYPES: &[&str] = &["service", "batch", "system", "sysbatch"];

/// Top-level `x-nomad`: the job's header.
const PROJECT_NOMAD: &[(&str, Kind)] = &[
    ("job", Kind::Str),
    ("datacenters", Kind::Strings),
    ("region", Kind::Str),
    ("namespace", Kind::Str),
    ("node_pool", Kind::Str),
    ("priority", Kind::Int),
];

/// Top-level `x-transship`: accepted approximations (checked entry by entry in `accept`).
const PROJECT_TRANSSHIP: &[(&str, Kind)] = &[("accept", Kind::List)];

/// A service's `x-nomad`.
const SERVICE_NOMAD: &[(&str, Kind)] = &[
    ("group", Kind::Str),
    ("type", Kind::OneOf(JOB_TYPES)),
    ("meta", Kind::ScalarMap),
    ("reload_signal", Kind::Str),
];

/// A service's `x-transship`: its own keys, and the Nomad ones it may carry too.
const SERVICE_TRANSSHIP: &[(&str, Kind)] = &[
    ("stateful", Kind::Bool),
    ("reload_signal", Kind::Str),
    ("group", Kind::Str),
    ("type", Kind::OneOf(JOB_TYPES)),
    ("meta", Kind::ScalarMap),
];

/// Check every `x-transship` / `x-nomad` block of the merged tree.
///
/// # Errors
/// The first unknown key or mistyped value, at its position.
pub fn check(dict: &Node) -> Result<(), LoadError> {
    let root = KeyPath::root();
    check_block(dict, "x-nomad", PROJECT_NOMAD, &root)?;
    check_block(dict, "x-transship", PROJECT_TRANSSHIP, &root)?;
    if let Some(services) = dict.get("services").and_then(Node::as_map) {
        for (name, svc) in services {
            let p = root.key("services").key(name);
            check_block(svc, "x-nomad", SERVICE_NOMAD, &p)?;
            check_block(svc, "x-transship", SERVICE_TRANSSHIP, &p)?;
        }
    }
    Ok(())
}

fn check_block(
    parent: &Node,
    block: &str,
    keys: &[(&str, Kind)],
    at: &KeyPath,
) -> Result<(), LoadError> {
    let Some(node) = parent.get(block) else {
        return Ok(());
    };
    let path = at.key(block);
    let Some(map) = node.as_map() else {
        if matches!(node.value, Value::Null) {
            return Ok(());
        }
        return Err(LoadError::new(
            node.span,
            path,
            format!("{block} must be a mapping"),
        ));
    };
    for (key, value) in map {
        let Some((_, kind)) = keys.iter().find(|(k, _)| k == key) else {
            return Err(LoadError::new(
                value.key_span,
                path.key(key),
                unknown_key_message(block, key, keys),
            ));
        };
        if let Some(expected) = mistyped(value, *kind) {
            return Err(LoadError::new(
                value.span,
                path.key(key),
                format!("{block}.{key} must be {expected}"),
            ));
        }
    }
    Ok(())
}

fn unknown_key_message(block: &str, key: &str, keys: &[(&str, Kind)]) -> String {
    let mut msg = format!("unknown key {key:?} in {block}");
    let known: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    match nearest(key, &known) {
        Some(k) => msg.push_str(&format!(" (did you mean {k:?}?)")),
        None if known.is_empty() => msg.push_str(" (this block takes no keys here)"),
        None => msg.push_str(&format!(" (known keys: {})", known.join(", "))),
    }
    msg
}

/// What `value` should have been, when it is not of `kind`.
fn mistyped(value: &Node, kind: Kind) -> Option<String> {
    let ok = match (kind, &value.value) {
        (Kind::Bool, Value::Bool(_)) | (Kind::Str, Value::Str(_)) | (Kind::Int, Value::Int(_)) => {
            true
        }
        (Kind::Strings, Value::Seq(items)) => items.iter().all(|i| i.as_str().is_some()),
        (Kind::ScalarMap, Value::Map(m)) => m
            .values()
            .all(|v| !matches!(v.value, Value::Map(_) | Value::Seq(_))),
        (Kind::OneOf(allowed), Value::Str(s)) => allowed.contains(&s.as_str()),
        (Kind::List, Value::Seq(_)) => true,
        _ => false,
    };
    if ok {
        return None;
    }
    Some(match kind {
        Kind::Bool => "true or false".into(),
        Kind::Str => "a string".into(),
        Kind::Int => "an integer".into(),
        Kind::Strings => "a list of strings".into(),
        Kind::ScalarMap => "a mapping of names to values".into(),
        Kind::OneOf(allowed) => format!("one of {}", allowed.join(", ")),
        Kind::List => "a list".into(),
    })
}

/// The known key closest to `key` by edit distance, if it is close enough to be a typo.
fn nearest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = key.to_ascii_lowercase().replace('-', "_");
    known
        .iter()
        .map(|k| (distance(&lower, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(1))
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance over chars, one row at a time.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut next = Vec::with_capacity(row.len());
        next.push(i + 1);
        for ((cb, diagonal), above) in b.iter().zip(&row).zip(row.iter().skip(1)) {
            let left = next.last().copied().unwrap_or(0);
            next.push(
                (diagonal + usize::from(ca != *cb))
                    .min(left + 1)
                    .min(above + 1),
            );
        }
        row = next;
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::yaml;
    use crate::source::FileId;

    fn check_text(text: &str) -> Result<(), String> {
        let docs = yaml::parse_documents(text, FileId(1), &yaml::Limits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        check(&docs[0].root)
            .map_err(|e| format!("{}:{}: {}: {}", e.span.line, e.span.col, e.path, e.message))
    }

    #[test]
    fn known_keys_pass() {
        let text = "x-nomad: {job: shop, datacenters: [a], priority: 70}\nservices:\n  db:\n    image: m\n    x-transship: {stateful: true, reload_signal: SIGHUP}\n    x-nomad: {group: g, type: batch, meta: {team: x}}\n";
        assert_eq!(check_text(text), Ok(()));
    }

    #[test]
    fn a_typo_names_the_key_its_position_and_the_nearest_key() {
        let text = "services:\n  db:\n    image: m\n    x-transship:\n      statefull: true\n";
        assert_eq!(
            check_text(text),
            Err("5:7: services.db.x-transship.statefull: unknown key \"statefull\" in x-transship (did you mean \"stateful\"?)".into())
        );
    }

    #[test]
    fn a_key_far_from_every_known_one_lists_them() {
        let text = "x-nomad: {zone: a}\n";
        let err = check_text(text).unwrap_err();
        assert!(err.contains("known keys: job, datacenters"), "{err}");
        assert!(err.starts_with("1:11: x-nomad.zone:"), "{err}");
    }

    #[test]
    fn stateful_belongs_to_x_transship() {
        let text = "services:\n  db:\n    image: m\n    x-nomad: {stateful: true}\n";
        assert!(
            check_text(text)
                .unwrap_err()
                .contains("unknown key \"stateful\" in x-nomad")
        );
    }

    #[test]
    fn values_are_typed() {
        let text = "services:\n  db:\n    image: m\n    x-transship: {stateful: \"yes\"}\n";
        assert_eq!(
            check_text(text),
            Err("4:29: services.db.x-transship.stateful: x-transship.stateful must be true or false".into())
        );
        let text = "services:\n  db:\n    image: m\n    x-nomad: {type: cron}\n";
        assert!(
            check_text(text)
                .unwrap_err()
                .contains("one of service, batch, system, sysbatch")
        );
    }

    #[test]
    fn distance_is_levenshtein() {
        assert_eq!(distance("statefull", "stateful"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
