//! Target-aware portability: with `lint --target`, every key the target backend drops or
//! approximates becomes a finding. The backend's mapping table is the only list: this module
//! reads it, it never keeps one of its own.

use crate::backend::mapping::{KeyRule, Support, rule_for};
use crate::keys::{TOP_LEVEL_KEYS, service_key_for};
use crate::lint::rules::{Ctx, Hit, TargetTable};
use crate::model::Provenance;
use crate::source::Span;

/// The mapping table of a `--target` backend; `None` while that backend has none.
pub fn target_table(target: &str) -> Option<&'static [KeyRule]> {
    match target {
        "swarm" => Some(crate::backend::swarm::mapping::TABLE),
        "nomad" => Some(crate::backend::nomad::mapping::TABLE),
        "systemd" => Some(crate::backend::systemd::mapping::TABLE),
        "quadlet" => Some(crate::backend::systemd::mapping::QUADLET_TABLE),
        _ => None,
    }
}

/// Which kind of support a portability rule reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Dropped,
    Approximated,
}

/// Findings for every key of every service (and top-level section) that a target's table
/// gives `kind` support, once per key and service, at the first place it was written.
pub fn check(cx: &Ctx, kind: Kind) -> Vec<Hit> {
    let mut out = Vec::new();
    for t in cx.targets {
        let Some(table) = t.table else { continue };
        for s in cx.services() {
            for (key, span) in present_keys(&s.provenance) {
                let Some(note) = rule_for(table, key).and_then(|r| note(r.support, kind)) else {
                    continue;
                };
                out.push(
                    Hit::new(s, key, span, message(t, key, kind, note)).help(help(kind, t.id)),
                );
            }
        }
        for (key, span) in present_top_keys(&cx.project.provenance) {
            let row = format!("top:{key}");
            let Some(note) = rule_for(table, &row).and_then(|r| note(r.support, kind)) else {
                continue;
            };
            out.push(Hit {
                span,
                key_path: key.to_string(),
                message: message(t, key, kind, note),
                help: Some(help(kind, t.id)),
                service: None,
            });
        }
    }
    out
}

fn note(s: Support, kind: Kind) -> Option<&'static str> {
    match (s, kind) {
        (Support::Dropped(n), Kind::Dropped) | (Support::Approximated(n), Kind::Approximated) => {
            Some(n)
        }
        _ => None,
    }
}

fn message(t: &TargetTable, key: &str, kind: Kind, note: &str) -> String {
    let what = match kind {
        Kind::Dropped => "dropped",
        Kind::Approximated => "approximated",
    };
    let mut m = format!("`{key}` is {what} by the {} target", t.id);
    if !note.is_empty() {
        m.push_str(": ");
        m.push_str(note);
    }
    m
}

fn help(kind: Kind, target: &str) -> String {
    match kind {
        Kind::Dropped => format!(
            "remove the key, or express it another way in {target} (see `transship explain --to {target}`)"
        ),
        Kind::Approximated => {
            format!("check that the {target} behaviour described is acceptable")
        }
    }
}

/// Service key patterns present in a service's provenance, each with the key position where
/// it was first written (in file and line order).
pub fn present_keys(p: &Provenance) -> Vec<(&'static str, Span)> {
    let mut found: Vec<(&'static str, Span)> = Vec::new();
    for (path, origin) in p.iter() {
        let Some(key) = service_key_for(path) else {
            continue;
        };
        let span = if origin.key_span.is_synthetic() {
            origin.span
        } else {
            origin.key_span
        };
        if span.is_synthetic() {
            continue;
        }
        match found.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) if span < entry.1 => entry.1 = span,
            Some(_) => {}
            None => found.push((key, span)),
        }
    }
    found.sort_by_key(|(_, s)| *s);
    found
}

/// Top-level sections written in the files (`secrets`, `configs`, ...).
fn present_top_keys(p: &Provenance) -> Vec<(&'static str, Span)> {
    TOP_LEVEL_KEYS
        .iter()
        .filter_map(|k| p.key_span(k).map(|s| (*k, s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::node::Node;
    use crate::source::FileId;

    #[test]
    fn present_keys_takes_earliest_position_per_pattern() {
        let n = Node::from_json(
            &serde_json::json!({"image": "x", "deploy": {"resources": {"limits": {"memory": "1g"}}}}),
            Span::new(FileId(1), 4, 5),
        );
        let mut p = Provenance::from_node(&n);
        p.set_key_span("deploy.resources.limits.memory", Span::new(FileId(1), 2, 9));
        let keys = present_keys(&p);
        assert_eq!(
            keys[0],
            ("deploy.resources.limits.memory", Span::new(FileId(1), 2, 9))
        );
        assert!(keys.iter().any(|(k, _)| *k == "image"));
        assert!(!keys.iter().any(|(k, _)| *k == "deploy.resources.limits"));
    }

    #[test]
    fn no_table_until_backends_land() {
        assert!(target_table("nowhere").is_none());
    }
}
