//! Each backend's audit table: for every compose key, whether the backend translates it,
//! approximates it or drops it. The table drives the conversion warnings, `transship explain`,
//! `docs/mapping/*.md` and `lint --target`: it is never written twice.

use crate::diag::Severity;
use crate::keys::{SERVICE_KEYS, TOP_LEVEL_KEYS, service_key_for};
use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Same meaning in the target.
    Translated,
    /// Kept, but not exactly: the text says how.
    Approximated(&'static str),
    /// Not carried over: the text says why.
    Dropped(&'static str),
}

impl Support {
    pub fn label(&self) -> &'static str {
        match self {
            Support::Translated => "translated",
            Support::Approximated(_) => "approximated",
            Support::Dropped(_) => "dropped",
        }
    }

    pub fn note(&self) -> &'static str {
        match self {
            Support::Translated => "",
            Support::Approximated(n) | Support::Dropped(n) => n,
        }
    }
}

/// One row: a key pattern relative to a service (`ports`, `deploy.replicas`) or, prefixed
/// with `top:`, a top-level key (`top:secrets`).
#[derive(Clone, Copy, Debug)]
pub struct KeyRule {
    pub key: &'static str,
    pub support: Support,
    /// Where it lands in the target (empty when dropped).
    pub to: &'static str,
}

/// A conversion finding about a key the target cannot express exactly.
#[derive(Clone, Debug, PartialEq)]
pub struct ConvertWarning {
    pub severity: Severity,
    pub service: Option<String>,
    /// Full key path, e.g. `services.web.build`.
    pub key_path: String,
    pub span: Span,
    pub message: String,
}

/// The rule for a service key pattern (or `top:KEY`), if the table has one.
pub fn rule_for<'a>(table: &'a [KeyRule], key: &str) -> Option<&'a KeyRule> {
    // Asked for every key of every service by each backend and by lint: a binary search of
    // the service rows, which come sorted and before the `top:` rows (see
    // `coverage_problems`).
    let (services, tops) = split_rows(table);
    if key.starts_with("top:") {
        return tops.iter().find(|r| r.key == key);
    }
    service_rule(services, key)
}

/// The service rows and the `top:` rows.
fn split_rows(table: &[KeyRule]) -> (&[KeyRule], &[KeyRule]) {
    table.split_at(table.partition_point(|r| !r.key.starts_with("top:")))
}

/// The row of service key `key` among the sorted service rows.
fn service_rule<'a>(services: &'a [KeyRule], key: &str) -> Option<&'a KeyRule> {
    let i = services.binary_search_by(|r| r.key.cmp(key)).ok()?;
    services.get(i)
}

/// Every key present in a service (as `(relative path, span)` pairs, e.g. from the model's
/// provenance) that the table approximates or drops gives one warning, at the first place the
/// key was written.
pub fn report<'a>(
    table: &[KeyRule],
    backend: &str,
    service: &str,
    present: impl IntoIterator<Item = (&'a str, Span)>,
) -> Vec<ConvertWarning> {
    let mut seen: Vec<&'static str> = Vec::new();
    let mut out = Vec::new();
    let (services, _) = split_rows(table);
    // Paths come sorted, so a key's settings are consecutive (`ports`, `ports[0].target`,
    // ...): after the first, one whose first segment is the same names the same key
    // unless that segment has keys of its own (`deploy.resources`), and is skipped.
    let mut last_top: Option<&str> = None;
    for (path, span) in present {
        let top = path.split(['.', '[']).next().unwrap_or(path);
        if last_top == Some(top) && !crate::keys::has_nested_keys(top) {
            continue;
        }
        last_top = Some(top);
        let Some(key) = service_key_for(path) else {
            continue;
        };
        // `key` is an entry of SERVICE_KEYS itself: the same key is the same pointer.
        if seen.iter().any(|k| std::ptr::eq(*k, key)) {
            continue;
        }
        seen.push(key);
        let Some(rule) = service_rule(services, key) else {
            continue;
        };
        let message = match rule.support {
            Support::Translated => continue,
            Support::Approximated(how) => format!("approximated for {backend}: {how}"),
            Support::Dropped(why) => format!("dropped for {backend}: {why}"),
        };
        out.push(ConvertWarning {
            severity: Severity::Warning,
            service: Some(service.to_string()),
            key_path: format!("services.{service}.{key}"),
            span,
            message,
        });
    }
    out
}

/// Keys of [`SERVICE_KEYS`]/[`TOP_LEVEL_KEYS`] the table misses or lists twice, and rows for
/// keys that don't exist (used by the meta test).
pub fn coverage_problems(table: &[KeyRule]) -> Vec<String> {
    let mut problems = Vec::new();
    let expected: Vec<String> = SERVICE_KEYS
        .iter()
        .map(|k| (*k).to_string())
        .chain(TOP_LEVEL_KEYS.iter().map(|k| format!("top:{k}")))
        .collect();
    for k in &expected {
        match table.iter().filter(|r| r.key == k).count() {
            0 => problems.push(format!("missing row for {k}")),
            1 => {}
            n => problems.push(format!("{n} rows for {k}")),
        }
    }
    for r in table {
        if !expected.iter().any(|k| k == r.key) {
            problems.push(format!("row for unknown key {}", r.key));
        }
    }
    // `rule_for` searches the service rows by halving: they must be sorted, then the
    // `top:` rows.
    for pair in table.windows(2) {
        if let [a, b] = pair
            && (a.key.starts_with("top:"), a.key) > (b.key.starts_with("top:"), b.key)
        {
            problems.push(format!("row {} comes after {}", b.key, a.key));
        }
    }
    problems
}

/// The table as Markdown, for `docs/mapping/<backend>.md` and `transship explain`.
pub fn to_markdown(backend: &str, table: &[KeyRule]) -> String {
    let mut out = format!(
        "# Compose keys in the {backend} backend\n\n\
         Generated from `src/backend/{backend}/mapping.rs` by `transship explain --to {backend} --format markdown`; do not edit.\n\n{}\
         | compose key | support | becomes | note |\n|---|---|---|---|\n",
        preface(backend)
    );
    for r in table {
        let key = r
            .key
            .strip_prefix("top:")
            .map_or_else(|| format!("services.*.{}", r.key), str::to_string);
        out.push_str(&format!(
            "| `{key}` | {} | {} | {} |\n",
            r.support.label(),
            if r.to.is_empty() {
                String::new()
            } else {
                format!("`{}`", r.to)
            },
            r.support.note().replace('|', "\\|")
        ));
    }
    out
}

/// What a backend says before its key table: what holds for the whole project.
pub fn preface(backend: &str) -> &'static str {
    match backend {
        "nomad" => crate::backend::nomad::mapping::PREFACE,
        _ => "",
    }
}

/// The table as aligned plain text for the terminal.
pub fn to_text(table: &[KeyRule]) -> String {
    let width = table.iter().map(|r| r.key.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in table {
        let detail = match (r.to.is_empty(), r.support.note().is_empty()) {
            (false, false) => format!("{} ({})", r.to, r.support.note()),
            (false, true) => r.to.to_string(),
            (true, _) => r.support.note().to_string(),
        };
        out.push_str(&format!(
            "{:width$}  {:12}  {}\n",
            r.key,
            r.support.label(),
            detail
        ));
    }
    out
}

/// Whether `w` is the table's general warning for its key (from [`report`]).
fn is_general(w: &ConvertWarning, table: &[KeyRule], backend: &str) -> bool {
    let Some(key) = w
        .key_path
        .strip_prefix("services.")
        .and_then(|r| r.split_once('.'))
        .map(|(_, k)| k)
    else {
        return false;
    };
    // Compared piece by piece: formatting the general message for each of thousands of
    // warnings cost an allocation each.
    rule_for(table, key).is_some_and(|r| {
        w.message
            .strip_prefix(r.support.label())
            .and_then(|m| m.strip_prefix(" for "))
            .and_then(|m| m.strip_prefix(backend))
            .and_then(|m| m.strip_prefix(": "))
            == Some(r.support.note())
    })
}

/// A specific note about a key replaces the table's general warning for it, so each key
/// that is not translated exactly is reported once, with the most precise message.
pub fn one_per_key(
    warnings: Vec<ConvertWarning>,
    table: &[KeyRule],
    backend: &str,
) -> Vec<ConvertWarning> {
    let general: Vec<bool> = warnings
        .iter()
        .map(|w| is_general(w, table, backend))
        .collect();
    let specific: std::collections::BTreeSet<&str> = warnings
        .iter()
        .zip(&general)
        .filter(|(_, g)| !**g)
        .map(|(w, _)| w.key_path.as_str())
        .collect();
    // Paths that extend `general` sort right after it, so a range scan finds them.
    let covered = |general: &str| {
        specific
            .range(general..)
            .take_while(|s| s.starts_with(general))
            .any(|s| {
                s.get(general.len()..)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            })
    };
    let keep: Vec<bool> = warnings
        .iter()
        .zip(&general)
        .map(|(w, g)| !*g || !covered(&w.key_path))
        .collect();
    warnings
        .into_iter()
        .zip(keep)
        .filter_map(|(w, k)| k.then_some(w))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    const TABLE: &[KeyRule] = &[
        KeyRule {
            key: "build",
            support: Support::Dropped("build images in CI"),
            to: "",
        },
        KeyRule {
            key: "deploy.replicas",
            support: Support::Approximated("one allocation per replica"),
            to: "count",
        },
        KeyRule {
            key: "image",
            support: Support::Translated,
            to: "config.image",
        },
        KeyRule {
            key: "ports",
            support: Support::Approximated("host ports become static ports"),
            to: "network.port",
        },
        KeyRule {
            key: "top:models",
            support: Support::Dropped("no models"),
            to: "",
        },
    ];

    #[test]
    fn rule_for_finds_every_row_and_nothing_else() {
        for r in TABLE {
            assert_eq!(rule_for(TABLE, r.key).map(|f| f.key), Some(r.key));
        }
        for missing in [
            "",
            "a",
            "deploy",
            "ports.x",
            "zzz",
            "top:",
            "top:configs",
            "secrets",
        ] {
            assert!(rule_for(TABLE, missing).is_none(), "{missing}");
        }
    }

    #[test]
    fn coverage_finds_rows_out_of_order() {
        let mut rows = TABLE.to_vec();
        rows.swap(0, 1);
        assert!(
            coverage_problems(&rows).contains(&"row build comes after deploy.replicas".to_string())
        );
        let mut rows = TABLE.to_vec();
        rows.swap(3, 4);
        assert!(coverage_problems(&rows).contains(&"row ports comes after top:models".to_string()));
        assert!(
            !coverage_problems(TABLE)
                .iter()
                .any(|p| p.contains("comes after"))
        );
    }

    #[test]
    fn report_warns_once_per_key_at_first_position() {
        let s1 = Span::new(FileId(1), 3, 5);
        let s2 = Span::new(FileId(2), 7, 9);
        let present = vec![
            ("image", s1),
            ("build.context", s1),
            ("build.dockerfile", s2),
            ("ports[0]", s2),
            ("ports[1]", s1),
        ];
        let w = report(TABLE, "nomad", "web", present);
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].key_path, "services.web.build");
        assert_eq!(w[0].span, s1);
        assert!(
            w[0].message
                .starts_with("dropped for nomad: build images in CI")
        );
        assert_eq!(w[1].key_path, "services.web.ports");
        assert_eq!(w[1].span, s2);
    }

    /// Settings after the first of a key are skipped by their first segment, except under a
    /// segment with keys of its own (`deploy.mode` is no key here, `deploy.replicas` is).
    #[test]
    fn report_looks_below_segments_with_keys_of_their_own() {
        let s1 = Span::new(FileId(1), 3, 5);
        let s2 = Span::new(FileId(2), 7, 9);
        let present = vec![
            ("deploy.mode", s1),
            ("deploy.replicas", s2),
            ("ports", s1),
            ("ports[0].target", s2),
        ];
        let w: Vec<(String, Span)> = report(TABLE, "nomad", "web", present)
            .into_iter()
            .map(|w| (w.key_path, w.span))
            .collect();
        assert_eq!(
            w,
            [
                ("services.web.deploy.replicas".to_string(), s2),
                ("services.web.ports".to_string(), s1)
            ]
        );
    }

    #[test]
    fn a_specific_note_replaces_the_general_warning_for_its_key() {
        let s1 = Span::new(FileId(1), 3, 5);
        let mut w = report(TABLE, "nomad", "web", vec![("ports[0]", s1), ("build", s1)]);
        let note = |path: &str, message: &str| ConvertWarning {
            severity: Severity::Warning,
            service: Some("web".into()),
            key_path: path.into(),
            span: s1,
            message: message.into(),
        };
        w.push(note("services.web.ports[0]", "port 80 has no host port"));
        let kept = |w: Vec<ConvertWarning>| -> Vec<(String, String)> {
            one_per_key(w, TABLE, "nomad")
                .into_iter()
                .map(|w| (w.key_path, w.message))
                .collect()
        };
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            kept(w.clone()),
            [
                pair(
                    "services.web.build",
                    "dropped for nomad: build images in CI"
                ),
                pair("services.web.ports[0]", "port 80 has no host port"),
            ]
        );
        // Another backend's general text is a specific note here: it replaces nomad's.
        w.push(note(
            "services.web.build",
            "dropped for swarm: build images in CI",
        ));
        assert_eq!(
            kept(w),
            [
                pair("services.web.ports[0]", "port 80 has no host port"),
                pair(
                    "services.web.build",
                    "dropped for swarm: build images in CI"
                ),
            ]
        );
    }

    #[test]
    fn coverage_finds_missing_and_unknown_rows() {
        let p = coverage_problems(TABLE);
        assert!(p.contains(&"missing row for command".to_string()));
        assert!(p.contains(&"missing row for top:secrets".to_string()));
        let bad = [KeyRule {
            key: "nonsense",
            support: Support::Translated,
            to: "",
        }];
        assert!(coverage_problems(&bad).contains(&"row for unknown key nonsense".to_string()));
    }

    #[test]
    fn markdown_escapes_pipes() {
        let t = [KeyRule {
            key: "top:name",
            support: Support::Approximated("a|b"),
            to: "job",
        }];
        let md = to_markdown("nomad", &t);
        assert!(md.contains("| `name` | approximated | `job` | a\\|b |"));
    }
}
