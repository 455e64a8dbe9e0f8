//! Accepted approximations: `x-transship: {accept: [...]}` names warnings a team has read
//! and decided to live with, each with its reason, so that `--strict` can gate on everything
//! else. An entry matches by key path (segments, `*` for any one, a prefix covers the keys
//! under it), optionally only for some targets and only messages containing some text.
//!
//! ```yaml
//! x-transship:
//!   accept:
//!     - key: services.*.depends_on
//!       target: systemd
//!       reason: every service retries its connections, restarts need not propagate
//! ```

use crate::diag::LoadError;
use crate::load::node::{KeyPath, Node, Value};
use crate::source::Span;

/// One accepted approximation.
#[derive(Clone, Debug, PartialEq)]
pub struct Accept {
    /// The key pattern as written.
    pub key: String,
    /// Targets it applies to (ids as `--to` takes them); empty: every target and the loader.
    pub targets: Vec<String>,
    /// Only messages containing this text.
    pub contains: Option<String>,
    pub reason: String,
    /// Where the entry is written.
    pub span: Span,
}

const KEYS: &[&str] = &["key", "target", "contains", "reason"];

impl Accept {
    /// Whether this entry covers a warning at `key_path` with `message`, raised while
    /// converting to `target` (`None`: by the loader, which every target shares).
    #[must_use]
    pub fn covers(&self, key_path: &str, target: Option<&str>, message: &str) -> bool {
        let target_ok = match target {
            Some(t) => self.targets.is_empty() || self.targets.iter().any(|x| x == t),
            None => self.targets.is_empty(),
        };
        target_ok
            && self.contains.as_ref().is_none_or(|c| message.contains(c))
            && key_matches(&self.key, key_path)
    }

    /// Whether this entry can match anything in a conversion to `targets`.
    #[must_use]
    pub fn applies_to_any(&self, targets: &[&str]) -> bool {
        self.targets.is_empty() || self.targets.iter().any(|t| targets.contains(&t.as_str()))
    }
}

/// `pattern` covers `path` when each of its segments is `*` or equals the path's segment
/// (an index `[0]` is part of the segment it follows, and `ports` covers `ports[0]`), and the
/// path has at least as many segments.
fn key_matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.split('.');
    let mut have = path.split('.');
    loop {
        match (want.next(), have.next()) {
            (None, _) => return true,
            (Some(_), None) => return false,
            (Some(w), Some(h)) => {
                let bare = h.split('[').next().unwrap_or(h);
                if w != "*" && w != h && w != bare {
                    return false;
                }
            }
        }
    }
}

/// The entries of the merged project's top-level `x-transship.accept`.
///
/// # Errors
/// An entry that is not a mapping, lacks `key` or a non-empty `reason`, has an unknown key,
/// or names an unknown target.
pub fn parse(dict: &Node, targets: &[&str]) -> Result<Vec<Accept>, LoadError> {
    let Some(list) = dict.get("x-transship").and_then(|x| x.get("accept")) else {
        return Ok(Vec::new());
    };
    let path = KeyPath::root().key("x-transship").key("accept");
    let Value::Seq(items) = &list.value else {
        if matches!(list.value, Value::Null) {
            return Ok(Vec::new());
        }
        return Err(LoadError::new(
            list.span,
            path,
            "x-transship.accept must be a list of {key, reason} entries",
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| entry(item, &path.index(i), targets))
        .collect()
}

fn entry(item: &Node, path: &KeyPath, targets: &[&str]) -> Result<Accept, LoadError> {
    let Some(map) = item.as_map() else {
        return Err(LoadError::new(
            item.span,
            path.clone(),
            "an accepted approximation is a mapping with key and reason",
        ));
    };
    if let Some((k, v)) = map.iter().find(|(k, _)| !KEYS.contains(&k.as_str())) {
        return Err(LoadError::new(
            v.key_span,
            path.key(k),
            format!(
                "unknown key {k:?} in an accepted approximation (known keys: key, target, contains, reason)"
            ),
        ));
    }
    let text = |k: &str| -> Result<Option<String>, LoadError> {
        match map.get(k) {
            None => Ok(None),
            Some(v) => match v.as_str() {
                Some(s) => Ok(Some(s.trim().to_string())),
                None => Err(LoadError::new(
                    v.span,
                    path.key(k),
                    format!("{k} must be a string"),
                )),
            },
        }
    };
    let Some(key) = text("key")?.filter(|k| !k.is_empty()) else {
        return Err(LoadError::new(
            item.span,
            path.key("key"),
            "an accepted approximation needs the key path it covers (e.g. services.web.depends_on)",
        ));
    };
    let Some(reason) = text("reason")?.filter(|r| !r.is_empty()) else {
        return Err(LoadError::new(
            item.span,
            path.key("reason"),
            "an accepted approximation needs a reason: say why the difference is fine here",
        ));
    };
    let target_list = match map.get("target") {
        None => Vec::new(),
        Some(v) => match &v.value {
            Value::Str(s) => vec![(s.clone(), v.span)],
            Value::Seq(xs) if xs.iter().all(|x| x.as_str().is_some()) => xs
                .iter()
                .filter_map(|x| x.as_str().map(|s| (s.to_string(), x.span)))
                .collect(),
            _ => {
                return Err(LoadError::new(
                    v.span,
                    path.key("target"),
                    "target must be a target name or a list of them",
                ));
            }
        },
    };
    for (t, span) in &target_list {
        if !targets.contains(&t.as_str()) {
            return Err(LoadError::new(
                *span,
                path.key("target"),
                format!("unknown target {t:?} (targets: {})", targets.join(", ")),
            ));
        }
    }
    Ok(Accept {
        key,
        targets: target_list.into_iter().map(|(t, _)| t).collect(),
        contains: text("contains")?.filter(|c| !c.is_empty()),
        reason,
        span: item.span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::yaml;
    use crate::source::FileId;

    const TARGETS: &[&str] = &["nomad", "swarm", "systemd", "quadlet"];

    fn parse_text(text: &str) -> Result<Vec<Accept>, String> {
        let docs = yaml::parse_documents(text, FileId(1), &yaml::Limits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        parse(&docs[0].root, TARGETS)
            .map_err(|e| format!("{}:{}: {}: {}", e.span.line, e.span.col, e.path, e.message))
    }

    #[test]
    fn a_key_pattern_covers_its_segments_wildcards_and_the_keys_below() {
        assert!(key_matches(
            "services.web.depends_on",
            "services.web.depends_on"
        ));
        assert!(key_matches(
            "services.*.depends_on",
            "services.db.depends_on.x"
        ));
        assert!(key_matches("services.web", "services.web.ports[0]"));
        assert!(key_matches("services.web.ports", "services.web.ports[1]"));
        assert!(!key_matches("services.web", "services.webapp.ports"));
        assert!(!key_matches("services.web.ports.x", "services.web.ports"));
        assert!(!key_matches("services.*.restart", "services.web.ports"));
    }

    #[test]
    fn entries_parse_with_targets_and_text() {
        let got = parse_text(
            "x-transship:\n  accept:\n    - key: services.*.depends_on\n      target: [systemd, quadlet]\n      contains: restart\n      reason: ' they retry '\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 1);
        let a = &got[0];
        assert_eq!(a.reason, "they retry");
        assert!(a.covers(
            "services.web.depends_on",
            Some("systemd"),
            "no restart propagation"
        ));
        assert!(!a.covers("services.web.depends_on", Some("nomad"), "restart"));
        assert!(!a.covers("services.web.depends_on", Some("systemd"), "other"));
        assert!(
            !a.covers("services.web.depends_on", None, "restart"),
            "a targeted entry is not about loader warnings"
        );
        assert!(a.applies_to_any(&["quadlet"]));
        assert!(!a.applies_to_any(&["swarm"]));
    }

    #[test]
    fn an_entry_without_a_reason_is_an_error_at_its_place() {
        assert_eq!(
            parse_text("x-transship:\n  accept:\n    - key: services.web.image\n"),
            Err("3:7: x-transship.accept[0].reason: an accepted approximation needs a reason: say why the difference is fine here".into())
        );
    }

    #[test]
    fn unknown_keys_and_targets_are_errors() {
        let e = parse_text("x-transship:\n  accept:\n    - {key: a, reason: b, tagret: swarm}\n")
            .unwrap_err();
        assert!(
            e.contains("x-transship.accept[0].tagret: unknown key"),
            "{e}"
        );
        let e = parse_text("x-transship:\n  accept:\n    - {key: a, reason: b, target: k8s}\n")
            .unwrap_err();
        assert!(e.contains("unknown target \"k8s\""), "{e}");
    }
}
