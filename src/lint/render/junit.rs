//! JUnit XML, as GitLab (`artifacts:reports:junit`), Jenkins and GitHub test reporters read
//! it: one `<testsuite>` per compose file, one `<testcase>` per finding (a `<failure>`, or
//! `<skipped>` when suppressed), and a passing `lint` testcase in a file without findings,
//! so a clean run shows passed tests rather than none. Testcase names hold rule and key
//! path, not the line, so a test's history survives edits above it.

use super::{ReportPaths, severity_word};
use crate::lint::Finding;
use crate::source::SourceMap;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One `<testcase>`.
struct Case<'a> {
    finding: &'a Finding,
    line: u32,
}

pub fn junit(findings: &[Finding], sources: &SourceMap, paths: &ReportPaths) -> String {
    // Suites in the order files were given, then any other file findings are in (an
    // override or included file), by name.
    let mut suites: BTreeMap<(usize, String), Vec<Case>> = BTreeMap::new();
    let rank = |path: &str| {
        paths
            .files
            .iter()
            .position(|p| p == path)
            .unwrap_or(usize::MAX)
    };
    for p in &paths.files {
        suites.entry((rank(p), p.clone())).or_default();
    }
    for f in findings {
        let (path, line) = paths.of(f, sources);
        suites
            .entry((rank(&path), path))
            .or_default()
            .push(Case { finding: f, line });
    }
    let count = |cases: &[Case], skipped: bool| {
        cases
            .iter()
            .filter(|c| c.finding.suppressed.is_some() == skipped)
            .count()
    };
    // A suite without findings holds one passing testcase.
    let tests = |cases: &[Case]| cases.len().max(1);
    let all: Vec<&Case> = suites.values().flatten().collect();
    let total_tests: usize = suites.values().map(|c| tests(c)).sum();
    let failures = all
        .iter()
        .filter(|c| c.finding.suppressed.is_none())
        .count();
    let skipped = all.len() - failures;

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"transship lint\" tests=\"{total_tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"0\">"
    );
    for ((_, path), cases) in &suites {
        let file = attr(path);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{file}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"0\">",
            tests(cases),
            count(cases, false),
            count(cases, true),
        );
        if cases.is_empty() {
            let _ = writeln!(
                out,
                "    <testcase name=\"lint\" classname=\"{file}\" time=\"0\"/>"
            );
        }
        for case in cases {
            let f = case.finding;
            let _ = writeln!(
                out,
                "    <testcase name=\"{}\" classname=\"{file}\" time=\"0\">",
                attr(&format!("{} {}", f.rule, f.key_path))
            );
            match &f.suppressed {
                Some(sup) => {
                    let why = if sup.reason.is_empty() {
                        format!("suppressed ({})", sup.kind.as_str())
                    } else {
                        format!("suppressed ({}): {}", sup.kind.as_str(), sup.reason)
                    };
                    let _ = writeln!(out, "      <skipped message=\"{}\"/>", attr(&why));
                }
                None => {
                    let mut body = format!("{path}:{}: {}: {}", case.line, f.key_path, f.message);
                    if let Some(h) = &f.help {
                        let _ = write!(body, "\nhelp: {h}");
                    }
                    let _ = write!(body, "\nsee: transship rules {}", f.rule);
                    let _ = writeln!(
                        out,
                        "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                        attr(&format!("{}: {}", f.rule, f.message)),
                        severity_word(f.severity),
                        text(&body)
                    );
                }
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// An attribute value (inside double quotes): the markup characters as entities, and tab,
/// newline and carriage return as character references so attribute normalisation keeps
/// them.
fn attr(s: &str) -> String {
    escape(s, true)
}

/// Element content: markup characters as entities, carriage returns as a reference (a
/// parser turns a raw one into a newline).
fn text(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, in_attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attr => out.push_str("&quot;"),
            '\'' if in_attr => out.push_str("&apos;"),
            '\t' | '\n' if in_attr => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            '\r' => out.push_str("&#13;"),
            c if allowed_in_xml(c) => out.push(c),
            // XML 1.0 has no way to write these, not even as a reference: show the code.
            c => {
                let _ = write!(out, "\\u{{{:04X}}}", u32::from(c));
            }
        }
    }
    out
}

/// XML 1.0's `Char` production.
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;
    use crate::lint::{Suppression, SuppressionKind};
    use crate::source::Span;
    use proptest::prelude::*;
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    fn sample(message: &str, key_path: &str) -> (SourceMap, Vec<Finding>, ReportPaths) {
        let sources = SourceMap::new();
        let id = sources.add(
            "compose.yaml".into(),
            PathBuf::from("/repo/compose.yaml"),
            Arc::from("services:\n  web:\n    privileged: true\n"),
        );
        let f = Finding {
            rule: "TS401",
            severity: Severity::Error,
            message: message.into(),
            span: Span::new(id, 3, 5),
            key_path: key_path.into(),
            help: Some("drop it".into()),
            suppressed: None,
        };
        let paths = ReportPaths::new(
            Path::new("/repo"),
            &[
                PathBuf::from("/repo/compose.yaml"),
                PathBuf::from("/repo/compose.prod.yaml"),
            ],
        );
        (sources, vec![f], paths)
    }

    /// Undo [`escape`] (the five entities and decimal references); `None` when the text
    /// holds markup a parser would read as such: a raw `<`, a `&` that starts no
    /// reference, or, in an attribute, a raw quote or whitespace it would normalise.
    fn unescape(s: &str, in_attr: bool) -> Option<String> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            if c == '&' {
                let end = rest.find(';')?;
                let entity = &rest[1..end];
                out.push(match entity {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    _ => char::from_u32(entity.strip_prefix('#')?.parse().ok()?)?,
                });
                rest = &rest[end + 1..];
                continue;
            }
            if c == '<' || c == '\r' || (in_attr && matches!(c, '"' | '\n' | '\t')) {
                return None;
            }
            if !allowed_in_xml(c) {
                return None;
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        Some(out)
    }

    /// What survives: everything but the characters XML cannot carry.
    fn visible(s: &str) -> String {
        s.chars()
            .map(|c| {
                if allowed_in_xml(c) {
                    c.to_string()
                } else {
                    format!("\\u{{{:04X}}}", u32::from(c))
                }
            })
            .collect()
    }

    #[test]
    fn suites_per_file_with_consistent_counts() {
        let (s, mut f, p) = sample("`web` runs privileged", "services.web.privileged");
        let mut quiet = f[0].clone();
        quiet.key_path = "services.agent.privileged".into();
        quiet.suppressed = Some(Suppression {
            kind: SuppressionKind::Inline,
            reason: "needs the host".into(),
        });
        f.push(quiet);
        let xml = junit(&f, &s, &p);
        assert!(xml.contains("<testsuites name=\"transship lint\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"0\">"), "{xml}");
        assert!(xml.contains("<testsuite name=\"compose.yaml\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"0\">"), "{xml}");
        // A linted file without findings passes one test.
        assert!(xml.contains("<testsuite name=\"compose.prod.yaml\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0\">\n    <testcase name=\"lint\" classname=\"compose.prod.yaml\" time=\"0\"/>"), "{xml}");
        assert!(xml.contains("<failure message=\"TS401: `web` runs privileged\" type=\"error\">compose.yaml:3: services.web.privileged: `web` runs privileged\nhelp: drop it\nsee: transship rules TS401</failure>"), "{xml}");
        assert!(
            xml.contains("<skipped message=\"suppressed (inline): needs the host\"/>"),
            "{xml}"
        );
    }

    #[test]
    fn escaping_of_markup_whitespace_and_control_characters() {
        assert_eq!(
            attr("a<b>&\"c'\n\t\r"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#10;&#9;&#13;"
        );
        assert_eq!(text("a<b>&\"c'\n\t\r"), "a&lt;b&gt;&amp;\"c'\n\t&#13;");
        assert_eq!(
            text("x\u{1}\u{1b}\u{FFFE}]]>"),
            "x\\u{0001}\\u{001B}\\u{FFFE}]]&gt;"
        );
        assert_eq!(text("é\u{2028}😀"), "é\u{2028}😀");
    }

    proptest! {
        /// Whatever a compose value holds, the message comes back from the attribute and the
        /// failure text as it was (less the characters XML cannot carry), and nothing in the
        /// document escapes its element.
        #[test]
        fn any_message_round_trips(message in any::<String>(), key in "\\PC{0,12}") {
            let (s, f, p) = sample(&message, &key);
            let xml = junit(&f, &s, &p);
            let start = xml.find("<failure message=\"").map(|i| i + 18);
            let attr_end = start.and_then(|i| xml[i..].find('"').map(|j| i + j));
            let (Some(start), Some(attr_end)) = (start, attr_end) else {
                return Err(TestCaseError::fail(format!("no failure element: {xml}")));
            };
            prop_assert_eq!(unescape(&xml[start..attr_end], true), Some(visible(&format!("TS401: {message}"))));
            let body_start = xml[attr_end..].find('>').map(|i| attr_end + i + 1).unwrap_or(0);
            let body_end = xml.find("</failure>").unwrap_or(0);
            let body = unescape(&xml[body_start..body_end], false);
            let want = visible(&format!("compose.yaml:3: {key}: {message}\nhelp: drop it\nsee: transship rules TS401"));
            prop_assert_eq!(body, Some(want));
            let name_at = xml.find("<testcase name=\"").map(|i| i + 16).unwrap_or(0);
            let name_end = xml[name_at..].find('"').map(|j| name_at + j).unwrap_or(0);
            prop_assert_eq!(unescape(&xml[name_at..name_end], true), Some(visible(&format!("TS401 {key}"))));
            prop_assert_eq!(xml.matches("</testcase>").count(), 1);
        }
    }
}
