//! GitLab Code Quality reports (`artifacts:reports:codequality`): a JSON array of Code
//! Climate issues. GitLab reads `description`, `check_name`, `fingerprint`, `severity`,
//! `location.path` and `location.lines.begin`; `type`, `categories` and `content` complete
//! the Code Climate issue for other readers.
//!
//! GitLab keeps one issue per fingerprint and tells new from fixed ones by comparing the
//! fingerprints of two pipelines, so a fingerprint names the problem, not where it is: rule,
//! path, key path and message (never the line, so an edit above it does not make it new),
//! plus how many identical issues came before it (so two identical findings stay two).

use super::ReportPaths;
use crate::diag::Severity;
use crate::lint::rules::find;
use crate::lint::{Category, Finding};
use crate::source::SourceMap;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The report for the findings that are not suppressed (GitLab has no notion of a dismissed
/// issue: a suppressed one would show as open).
pub fn codeclimate(findings: &[Finding], sources: &SourceMap, paths: &ReportPaths) -> String {
    let mut seen: HashMap<(String, &str, &str, &str), u32> = HashMap::new();
    let issues: Vec<Value> = findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| {
            let (path, line) = paths.of(f, sources);
            let n = seen
                .entry((path.clone(), f.rule, f.key_path.as_str(), f.message.as_str()))
                .or_insert(0);
            let fingerprint = fingerprint(&[
                f.rule,
                &path,
                &f.key_path,
                &f.message,
                &n.to_string(),
            ]);
            *n += 1;
            let category = find(f.rule).map_or("Bug Risk", |r| category(r.meta.category));
            let mut issue = json!({
                "type": "issue",
                "check_name": f.rule,
                "description": single_line(&f.message),
                "categories": [category],
                "severity": severity(f.severity),
                "fingerprint": fingerprint,
                "location": { "path": path, "lines": { "begin": line, "end": line } },
            });
            if let (Some(help), Some(obj)) = (&f.help, issue.as_object_mut()) {
                obj.insert(
                    "content".into(),
                    json!({ "body": format!("{help}\n\nKey: `{}`. See `transship rules {}`.", f.key_path, f.rule) }),
                );
            }
            issue
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_default();
    s.push('\n');
    s
}

/// Code Climate's scale (`info`, `minor`, `major`, `critical`, `blocker`), mapped as other
/// linters' GitLab formatters do: an error is major, a warning minor.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// The nearest of Code Climate's eight categories.
fn category(c: Category) -> &'static str {
    match c {
        Category::Correctness | Category::Reliability => "Bug Risk",
        Category::Hygiene => "Style",
        Category::Security => "Security",
        Category::Portability => "Compatibility",
    }
}

/// Code Climate descriptions are one line: a compose value with a newline in it must not
/// break that.
fn single_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// FNV-1a (128 bits) of the parts, each ended by a NUL so `ab`+`c` and `a`+`bc` differ:
/// defined by its constants, so the same finding has the same fingerprint on every build
/// and platform (std's hasher promises neither).
fn fingerprint(parts: &[&str]) -> String {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut h = OFFSET;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u128::from(b);
            h = h.wrapping_mul(PRIME);
        }
    }
    format!("{h:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    fn finding(sources: &SourceMap, line: u32, message: &str) -> Finding {
        let id = sources.add(
            "./compose.yaml".into(),
            PathBuf::from("/repo/compose.yaml"),
            Arc::from("services:\n  web:\n    image: nginx:latest\n"),
        );
        Finding {
            rule: "TS302",
            severity: Severity::Warning,
            message: message.into(),
            span: Span::new(id, line, 12),
            key_path: "services.web.image".into(),
            help: None,
            suppressed: None,
        }
    }

    fn issues(findings: &[Finding], sources: &SourceMap) -> Vec<Value> {
        let paths = ReportPaths::new(Path::new("/repo"), &[PathBuf::from("/repo/compose.yaml")]);
        let text = codeclimate(findings, sources, &paths);
        serde_json::from_str::<Vec<Value>>(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    #[test]
    fn fingerprints_survive_moved_lines_and_keep_duplicates_apart() {
        let s = SourceMap::new();
        let at3 = issues(&[finding(&s, 3, "m")], &s);
        let at9 = issues(&[finding(&s, 9, "m")], &s);
        assert_eq!(at3[0]["fingerprint"], at9[0]["fingerprint"]);
        assert_eq!(at3[0]["location"]["lines"]["begin"], 3);
        assert_eq!(at3[0]["location"]["path"], "compose.yaml");
        let twice = issues(&[finding(&s, 3, "m"), finding(&s, 4, "m")], &s);
        assert_ne!(twice[0]["fingerprint"], twice[1]["fingerprint"]);
        assert_eq!(twice[0]["fingerprint"], at3[0]["fingerprint"]);
        let other = issues(&[finding(&s, 3, "n")], &s);
        assert_ne!(other[0]["fingerprint"], at3[0]["fingerprint"]);
    }

    #[test]
    fn fingerprint_is_fixed_fnv1a() {
        // FNV-1a 128 of the empty input is its offset basis; one NUL byte changes it.
        assert_eq!(fingerprint(&[]), "6c62272e07bb014262b821756295c58d");
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
        assert_eq!(fingerprint(&["x"]).len(), 32);
    }

    #[test]
    fn synthetic_findings_land_on_the_first_file_and_descriptions_stay_one_line() {
        let s = SourceMap::new();
        let mut f = finding(&s, 3, "bad\nvalue\u{1}");
        f.span = Span::SYNTHETIC;
        let v = issues(&[f], &s);
        assert_eq!(v[0]["location"]["path"], "compose.yaml");
        assert_eq!(v[0]["location"]["lines"]["begin"], 1);
        assert_eq!(v[0]["description"], "bad value ");
        assert_eq!(v[0]["severity"], "minor");
        assert_eq!(v[0]["categories"][0], "Style");
    }
}
