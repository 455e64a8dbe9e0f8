//! Lint baselines: `lint --write-baseline FILE` records today's findings, `lint --baseline
//! FILE` reports only the ones not recorded there, so a team can turn the gate on for new
//! problems without fixing every old one first.
//!
//! A finding is identified by rule, file (relative to the project directory), key path and
//! message, never by line: adding a line above a recorded finding does not make it new.
//! Identical findings are counted, so a second copy of a recorded problem is still new.

use crate::lint::{Finding, Suppression, SuppressionKind};
use crate::source::SourceMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

const VERSION: u32 = 1;

/// One recorded finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub file: String,
    pub key_path: String,
    pub message: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

/// The identity of `f`: its file is made relative to `project_dir` so the baseline holds
/// on every checkout, whatever directory transship runs from.
pub fn entry(f: &Finding, sources: &SourceMap, project_dir: &Path) -> Entry {
    let file = sources
        .get(f.span.file)
        .filter(|_| !f.span.is_synthetic())
        .map(|src| match src.path.strip_prefix(project_dir) {
            Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
            Err(_) => src.display.trim_start_matches("./").to_string(),
        })
        .unwrap_or_default();
    Entry {
        rule: f.rule.to_string(),
        file,
        key_path: f.key_path.clone(),
        message: f.message.clone(),
    }
}

/// The baseline file for the findings that are not already suppressed, sorted so that it
/// is byte-identical on every run.
pub fn render(findings: &[Finding], sources: &SourceMap, project_dir: &Path) -> String {
    let mut entries: Vec<Entry> = findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| entry(f, sources, project_dir))
        .collect();
    entries.sort();
    let doc = BaselineFile {
        version: VERSION,
        findings: entries,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Read a baseline written by [`render`].
///
/// # Errors
/// The text is not a baseline file of a version this build reads.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let doc: BaselineFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if doc.version != VERSION {
        return Err(format!(
            "baseline version {} is not supported (this build reads version {VERSION})",
            doc.version
        ));
    }
    Ok(doc.findings)
}

/// Mark every finding recorded in `baseline` as suppressed (kind `baseline`, `reason`);
/// what is left unsuppressed is new. Returns how many findings the baseline covered.
pub fn apply(
    findings: &mut [Finding],
    baseline: &[Entry],
    sources: &SourceMap,
    project_dir: &Path,
    reason: &str,
) -> usize {
    let mut remaining: BTreeMap<&Entry, usize> = BTreeMap::new();
    for e in baseline {
        *remaining.entry(e).or_default() += 1;
    }
    let mut covered = 0;
    for f in findings.iter_mut().filter(|f| f.suppressed.is_none()) {
        let key = entry(f, sources, project_dir);
        if let Some(n) = remaining.get_mut(&key)
            && *n > 0
        {
            *n -= 1;
            covered += 1;
            f.suppressed = Some(Suppression {
                kind: SuppressionKind::Baseline,
                reason: reason.to_string(),
            });
        }
    }
    covered
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;
    use crate::source::{FileId, Span};
    use std::path::PathBuf;
    use std::sync::Arc;

    fn finding(file: FileId, line: u32, message: &str) -> Finding {
        Finding {
            rule: "TS301",
            severity: Severity::Warning,
            message: message.into(),
            span: Span::new(file, line, 12),
            key_path: "services.web.image".into(),
            help: None,
            suppressed: None,
        }
    }

    fn sources() -> (SourceMap, FileId) {
        let s = SourceMap::new();
        let id = s.add(
            "./compose.yaml".into(),
            PathBuf::from("/p/compose.yaml"),
            Arc::from("services: {}\n"),
        );
        (s, id)
    }

    #[test]
    fn round_trip_covers_the_same_findings_even_after_lines_move() {
        let (s, id) = sources();
        let dir = Path::new("/p");
        let today = vec![finding(id, 3, "a"), finding(id, 9, "b")];
        let file = render(&today, &s, dir);
        let base = parse(&file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(base.len(), 2);
        assert_eq!(base[0].file, "compose.yaml");
        let mut later = vec![
            finding(id, 5, "a"),
            finding(id, 11, "b"),
            finding(id, 12, "c"),
        ];
        assert_eq!(apply(&mut later, &base, &s, dir, "baseline"), 2);
        let new: Vec<_> = later.iter().filter(|f| f.suppressed.is_none()).collect();
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].message, "c");
    }

    #[test]
    fn a_second_copy_of_a_recorded_finding_is_new() {
        let (s, id) = sources();
        let dir = Path::new("/p");
        let base = parse(&render(&[finding(id, 3, "a")], &s, dir)).unwrap_or_default();
        let mut now = vec![finding(id, 3, "a"), finding(id, 4, "a")];
        assert_eq!(apply(&mut now, &base, &s, dir, "baseline"), 1);
        assert_eq!(now.iter().filter(|f| f.suppressed.is_none()).count(), 1);
    }

    #[test]
    fn already_suppressed_findings_are_not_recorded() {
        let (s, id) = sources();
        let mut f = finding(id, 3, "a");
        f.suppressed = Some(Suppression {
            kind: SuppressionKind::Inline,
            reason: String::new(),
        });
        let base = parse(&render(&[f], &s, Path::new("/p"))).unwrap_or_default();
        assert!(base.is_empty());
    }

    #[test]
    fn other_versions_and_shapes_are_refused() {
        assert!(parse(r#"{"version": 2, "findings": []}"#).is_err());
        assert!(parse(r#"{"version": 1}"#).is_err());
        assert!(parse("not json").is_err());
    }
}
