//! Finding renderers: compiler-style text for people, a stable JSON schema, SARIF 2.1.0 for
//! code scanning, GitHub workflow commands, and (in submodules) GitLab Code Quality and
//! JUnit XML reports.

mod codeclimate;
mod junit;

pub use codeclimate::codeclimate;
pub use junit::junit;

use crate::diag::Severity;
use crate::lint::{Finding, RuleMeta, SuppressionKind};
use crate::source::SourceMap;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// How the report formats that CI servers match against a checkout (Code Quality, JUnit)
/// name files: relative to `root` (the directory lint runs in, the checkout root in CI),
/// and which compose files were linted (the first stands in for findings without a
/// position; each gets a JUnit suite even when it has no finding).
#[derive(Clone, Debug, Default)]
pub struct ReportPaths {
    /// Empty: paths as the user named them.
    pub root: PathBuf,
    /// The compose files given (or found), as report paths.
    pub files: Vec<String>,
}

impl ReportPaths {
    /// Paths relative to `root` for the compose files `files` (absolute or relative to it).
    pub fn new(root: &Path, files: &[PathBuf]) -> Self {
        let mut paths = ReportPaths {
            root: root.to_path_buf(),
            files: Vec::new(),
        };
        paths.files = files.iter().map(|f| paths.relative(f, None)).collect();
        paths
    }

    /// `path` relative to the root with `/` separators, else `display` (or `path`) as the
    /// user wrote it, without a leading `./`.
    fn relative(&self, path: &Path, display: Option<&str>) -> String {
        let rel = match path.strip_prefix(&self.root) {
            Ok(rel) if !self.root.as_os_str().is_empty() => rel.to_string_lossy().into_owned(),
            _ => display.map_or_else(|| path.to_string_lossy().into_owned(), str::to_string),
        };
        let rel = rel.replace('\\', "/");
        rel.trim_start_matches("./").to_string()
    }

    /// The report path and line of a finding; one without a position is put on line 1 of
    /// the first compose file, so the reader still shows it (both formats need a file).
    fn of(&self, f: &Finding, sources: &SourceMap) -> (String, u32) {
        match sources.get(f.span.file) {
            Some(file) if !f.span.is_synthetic() => {
                (self.relative(&file.path, Some(&file.display)), f.span.line)
            }
            _ => (
                self.files
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "compose.yaml".into()),
                1,
            ),
        }
    }
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// `file:line:col` parts of a finding (file as the user named it).
fn location(f: &Finding, sources: &SourceMap) -> (String, u32, u32) {
    match sources.get(f.span.file) {
        Some(file) if !f.span.is_synthetic() => (file.display.clone(), f.span.line, f.span.col),
        _ => (String::new(), 0, 0),
    }
}

/// Compiler-style diagnostics: header, location, the source line with a caret under the
/// offending key, and the hint. `color` adds ANSI colours (only on a terminal, never with
/// `NO_COLOR`: the caller decides).
pub fn human(findings: &[Finding], sources: &SourceMap, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    for f in findings.iter().filter(|f| f.suppressed.is_none()) {
        let sev = severity_word(f.severity);
        let sev_colored = match f.severity {
            Severity::Error => paint("1;31", sev),
            Severity::Warning => paint("1;33", sev),
            Severity::Info => paint("1;36", sev),
        };
        out.push_str(&format!(
            "{sev_colored}[{}]: {}\n",
            f.rule,
            paint("1", &f.message)
        ));
        let (file, line, col) = location(f, sources);
        if !file.is_empty() {
            out.push_str(&format!("  --> {file}:{line}:{col} ({})\n", f.key_path));
            if let Some(text) = sources.line_text(f.span) {
                let gutter = line.to_string().len();
                out.push_str(&format!("{:gutter$} |\n", ""));
                out.push_str(&format!("{line} | {text}\n"));
                let pad: String = text
                    .chars()
                    .take(col.saturating_sub(1) as usize)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let width = key_width(&text, col);
                out.push_str(&format!(
                    "{:gutter$} | {pad}{}\n",
                    "",
                    paint("1;31", &"^".repeat(width))
                ));
            }
        } else {
            out.push_str(&format!("  --> {}\n", f.key_path));
        }
        if let Some(h) = &f.help {
            out.push_str(&format!("  = help: {h}\n"));
        }
        out.push('\n');
    }
    let count = |s: Severity| {
        findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity == s)
            .count()
    };
    let counted = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    out.push_str(&format!(
        "{}, {}, {}\n",
        counted(count(Severity::Error), "error"),
        counted(count(Severity::Warning), "warning"),
        counted(count(Severity::Info), "info")
    ));
    out
}

/// Length of the key or value starting at `col` (at least one caret): a mapping key up to
/// its colon, otherwise the scalar up to a trailing comment.
fn key_width(text: &str, col: u32) -> usize {
    let rest: String = text.chars().skip(col.saturating_sub(1) as usize).collect();
    let rest = rest.split(" #").next().unwrap_or_default().trim_end();
    let first_word = rest.split(char::is_whitespace).next().unwrap_or_default();
    let width = match first_word.strip_suffix(':') {
        Some(key) if !key.is_empty() => key.chars().count(),
        _ => match rest.find(": ") {
            Some(i) if !rest.starts_with(['"', '\'', '[', '{']) => rest[..i].chars().count(),
            _ => rest.trim_end_matches(',').chars().count(),
        },
    };
    width.max(1)
}

/// The stable JSON schema (version 1), documented in `docs/lint-json.md`.
pub fn json(findings: &[Finding], sources: &SourceMap) -> String {
    let items: Vec<Value> = findings
        .iter()
        .map(|f| {
            let (file, line, col) = location(f, sources);
            json!({
                "rule": f.rule,
                "severity": severity_word(f.severity),
                "message": f.message,
                "file": if file.is_empty() { Value::Null } else { Value::String(file) },
                "line": if line == 0 { Value::Null } else { json!(line) },
                "column": if col == 0 { Value::Null } else { json!(col) },
                "key_path": f.key_path,
                "help": f.help,
                "suppressed": f.suppressed.is_some(),
                "suppression_kind": f.suppressed.as_ref().map(|s| s.kind.as_str()),
                "suppression_reason": f.suppressed.as_ref().map(|s| s.reason.as_str()).filter(|r| !r.is_empty()),
            })
        })
        .collect();
    let doc = json!({ "version": 1, "findings": items });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// SARIF 2.1.0 with one run, the rules that fired (with their help text), and results with
/// regions. Suppressed findings carry a `suppressions` entry, as code scanning expects.
pub fn sarif(
    findings: &[Finding],
    rules: &[&RuleMeta],
    sources: &SourceMap,
    version: &str,
) -> String {
    let mut used: Vec<&RuleMeta> = rules
        .iter()
        .copied()
        .filter(|r| findings.iter().any(|f| f.rule == r.id))
        .collect();
    used.sort_by_key(|r| r.id);
    let rule_index = |id: &str| used.iter().position(|r| r.id == id);
    let rules_json: Vec<Value> = used
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": { "text": r.docs, "markdown": r.docs },
                "defaultConfiguration": { "level": sarif_level(r.severity) },
                "properties": { "tags": [r.category.as_str()] },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let (file, line, col) = location(f, sources);
            let mut res = json!({
                "ruleId": f.rule,
                "level": sarif_level(f.severity),
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": if file.is_empty() { "compose.yaml".to_string() } else { file } },
                        "region": { "startLine": line.max(1), "startColumn": col.max(1) }
                    },
                    "logicalLocations": [{ "fullyQualifiedName": f.key_path }]
                }],
            });
            if let (Some(i), Some(obj)) = (rule_index(f.rule), res.as_object_mut()) {
                obj.insert("ruleIndex".into(), json!(i));
            }
            if let (Some(sup), Some(obj)) = (&f.suppressed, res.as_object_mut()) {
                // SARIF knows two kinds: in the analysed file, or kept elsewhere.
                let kind = match sup.kind {
                    SuppressionKind::Inline => "inSource",
                    SuppressionKind::Config | SuppressionKind::Baseline => "external",
                };
                obj.insert("suppressions".into(), json!([{ "kind": kind, "justification": sup.reason }]));
            }
            res
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "transship",
                "version": version,
                "informationUri": "https://github.com/transship/transship",
                "rules": rules_json,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// GitHub Actions workflow commands (`::error file=…,line=…,col=…::message`).
pub fn github(findings: &[Finding], sources: &SourceMap) -> String {
    let mut out = String::new();
    for f in findings.iter().filter(|f| f.suppressed.is_none()) {
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let (file, line, col) = location(f, sources);
        let msg = escape_data(&format!("{}: {} ({})", f.rule, f.message, f.key_path));
        if file.is_empty() {
            out.push_str(&format!(
                "::{cmd} title={}::{msg}\n",
                escape_property(f.rule)
            ));
        } else {
            out.push_str(&format!(
                "::{cmd} file={},line={line},col={col},title={}::{msg}\n",
                escape_property(&file),
                escape_property(f.rule)
            ));
        }
    }
    out
}

/// Workflow-command escaping of the message part.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command escaping of a property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceMap, Span};
    use std::path::PathBuf;
    use std::sync::Arc;

    fn sample() -> (SourceMap, Vec<Finding>) {
        let sources = SourceMap::new();
        let id = sources.add(
            "compose.yaml".into(),
            PathBuf::from("/x/compose.yaml"),
            Arc::from("services:\n  web:\n    image: nginx:latest\n"),
        );
        let f = Finding {
            rule: "TS301",
            severity: Severity::Warning,
            message: "image `nginx:latest` uses the `latest` tag".into(),
            span: Span::new(id, 3, 12),
            key_path: "services.web.image".into(),
            help: Some("pin a version".into()),
            suppressed: None,
        };
        (sources, vec![f])
    }

    #[test]
    fn human_shows_caret_under_value() {
        let (s, f) = sample();
        let text = human(&f, &s, false);
        assert!(text.contains("warning[TS301]: image `nginx:latest` uses the `latest` tag"));
        assert!(text.contains("--> compose.yaml:3:12 (services.web.image)"));
        assert!(
            text.contains("3 |     image: nginx:latest\n  |            ^^^^^^^^^^^^\n"),
            "{text}"
        );
        assert!(text.ends_with("0 errors, 1 warning, 0 infos\n"), "{text}");
    }

    #[test]
    fn github_escapes_properties() {
        let (s, f) = sample();
        let text = github(&f, &s);
        assert_eq!(
            text,
            "::warning file=compose.yaml,line=3,col=12,title=TS301::TS301: image `nginx:latest` uses the `latest` tag (services.web.image)\n"
        );
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn json_has_location_fields() {
        let (s, f) = sample();
        let v: Value = serde_json::from_str(&json(&f, &s)).unwrap_or_default();
        assert_eq!(v["findings"][0]["line"], 3);
        assert_eq!(v["findings"][0]["file"], "compose.yaml");
        assert_eq!(v["version"], 1);
    }
}
