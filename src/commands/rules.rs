//! `transship rules`: the rule list, or one rule's documentation. The same Markdown is what
//! `docs/rules/` holds (a test fails when those files are stale).

use crate::cli::RulesArgs;
use crate::diag::Severity;
use crate::lint::RuleMeta;
use crate::lint::rules::{ALL, find};
use std::io::Write;
use std::process::ExitCode;

/// # Errors
/// Output cannot be written.
pub fn run(args: &RulesArgs) -> anyhow::Result<ExitCode> {
    let text = match &args.rule {
        None => list(),
        Some(r) => match find(r) {
            Some(rule) => rule_markdown(rule.meta),
            None => {
                eprintln!("error: no rule {r} (see `transship rules`)");
                return Ok(ExitCode::from(2));
            }
        },
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

pub fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// One line per rule: ID, name, category, default severity, summary.
pub fn list() -> String {
    let width = ALL.iter().map(|r| r.meta.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in ALL {
        let m = r.meta;
        out.push_str(&format!(
            "{}  {:width$}  {:11}  {:7}  {}\n",
            m.id,
            m.name,
            m.category.as_str(),
            severity_word(m.severity),
            m.summary
        ));
    }
    out
}

/// The file name of a rule's page under `docs/rules/`.
pub fn doc_file_name(m: &RuleMeta) -> String {
    format!("{}-{}.md", m.id, m.name)
}

/// A rule's documentation page.
pub fn rule_markdown(m: &RuleMeta) -> String {
    format!(
        "# {} {}\n\n{}\n\n| category | default severity |\n|---|---|\n| {} | {} |\n\n{}\n## Suppressing\n\nOn the offending line or alone on the line above it: `# transship-ignore: {} <reason>`.\nFor one whole file, in the comments at its top: `# transship-ignore-file: {} <reason>`.\nIn `.transship.toml`: `[lint.rules]` `{} = \"off\"` (or `\"info\"`, `\"warning\"`, `\"error\"`).\n",
        m.id,
        m.name,
        capitalise(m.summary),
        m.category.as_str(),
        severity_word(m.severity),
        m.docs.trim_end().to_string() + "\n",
        m.id,
        m.id,
        m.id,
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}

/// `docs/rules/README.md`: a table of every rule.
pub fn index_markdown() -> String {
    let mut out = String::from(
        "# Lint rules\n\nGenerated from the rules' own documentation (`src/lint/rules/`); do not edit.\n`transship rules ID` prints the same pages.\n\n| ID | name | category | severity | finds |\n|---|---|---|---|---|\n",
    );
    for r in ALL {
        let m = r.meta;
        out.push_str(&format!(
            "| {} | [{}]({}) | {} | {} | {} |\n",
            m.id,
            m.name,
            doc_file_name(m),
            m.category.as_str(),
            severity_word(m.severity),
            m.summary.replace('|', "\\|")
        ));
    }
    out
}

/// Every generated file under `docs/rules/`: (file name, contents).
pub fn doc_files() -> Vec<(String, String)> {
    let mut v = vec![("README.md".to_string(), index_markdown())];
    v.extend(
        ALL.iter()
            .map(|r| (doc_file_name(r.meta), rule_markdown(r.meta))),
    );
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_has_every_rule() {
        let l = list();
        assert_eq!(l.lines().count(), ALL.len());
        assert!(l.contains("TS302  image-latest-tag"));
    }

    #[test]
    fn page_has_title_and_sections() {
        let m = ALL.first().map(|r| r.meta);
        let text = m.map(rule_markdown).unwrap_or_default();
        assert!(text.starts_with("# TS101 undefined-variable\n"));
        assert!(text.contains("## Fix"));
        assert!(text.contains("transship-ignore: TS101"));
        assert!(text.contains("transship-ignore-file: TS101"));
    }
}
