//! Running the rules over a loaded project: rule selection (`--select`, `--ignore`, config
//! `off`), severities from the configuration, ignored services and paths, inline
//! suppression comments, and the order findings are reported in.
//!
//! Suppression comments (line and file level) are parsed in `lint::suppress`.

use crate::diag::Severity;
use crate::lint::config::{Level, LintConfig};
use crate::lint::rules::{ALL, Ctx, Hit, Rule, TargetTable, find};
use crate::lint::suppress::{FileSuppressions, line_suppression};
use crate::lint::{Finding, RuleMeta, Suppression, SuppressionKind};
use crate::load::Loaded;
use crate::source::SourceMap;

/// Everything that decides which findings are reported and how.
#[derive(Debug, Default)]
pub struct LintOptions {
    pub targets: Vec<TargetTable>,
    /// Only these rules (IDs or names); empty means all.
    pub select: Vec<String>,
    /// Never these rules.
    pub ignore: Vec<String>,
    pub config: LintConfig,
}

impl LintOptions {
    /// Rule references that name no rule (in `--select`, `--ignore` or the config file).
    pub fn unknown_rules(&self) -> Vec<String> {
        self.select
            .iter()
            .chain(&self.ignore)
            .chain(self.config.rules.keys())
            .chain(self.config.suppress.iter().map(|s| &s.rule))
            .filter(|r| find(r).is_none())
            .cloned()
            .collect()
    }

    /// The severity a rule reports at, or `None` when it is turned off.
    fn severity(&self, meta: &RuleMeta) -> Option<Severity> {
        let named = |list: &[String]| list.iter().any(|r| names_rule(r, meta));
        if (!self.select.is_empty() && !named(&self.select)) || named(&self.ignore) {
            return None;
        }
        let level = self
            .config
            .rules
            .iter()
            .find(|(k, _)| names_rule(k, meta))
            .map(|(_, l)| *l);
        match level {
            Some(Level::Off) => None,
            Some(l) => l.severity(),
            None => (!meta.opt_in || named(&self.select)).then_some(meta.severity),
        }
    }
}

pub(crate) fn names_rule(reference: &str, meta: &RuleMeta) -> bool {
    reference.eq_ignore_ascii_case(meta.id) || reference.eq_ignore_ascii_case(meta.name)
}

/// Run every enabled rule. Findings come sorted by file, line, column and rule; those in
/// ignored services or files are left out, those suppressed inline are kept and marked.
pub fn lint(loaded: &Loaded, sources: &SourceMap, opts: &LintOptions) -> Vec<Finding> {
    let cx = Ctx {
        project: &loaded.project,
        tree: &loaded.tree,
        warnings: &loaded.warnings,
        sources,
        working_dir: &loaded.project.working_dir,
        targets: &opts.targets,
        options: &opts.config.options,
    };
    let mut out = Vec::new();
    let mut file_level = FileSuppressions::default();
    for rule in ALL {
        let Some(severity) = opts.severity(rule.meta) else {
            continue;
        };
        for hit in run_rule(rule, &cx) {
            if ignored(&hit, sources, &opts.config) {
                continue;
            }
            // Both comment forms are inline: SARIF `inSource`, JSON `inline`.
            let suppressed = line_suppression(sources, hit.span, rule.meta)
                .or_else(|| file_level.reason(sources, hit.span, rule.meta))
                .map(|reason| Suppression {
                    kind: SuppressionKind::Inline,
                    reason,
                })
                .or_else(|| {
                    configured_suppression(&hit, sources, rule.meta, &opts.config).map(|reason| {
                        Suppression {
                            kind: SuppressionKind::Config,
                            reason,
                        }
                    })
                });
            out.push(Finding {
                rule: rule.meta.id,
                severity,
                message: hit.message,
                span: hit.span,
                key_path: hit.key_path,
                help: hit.help,
                suppressed,
            });
        }
    }
    out.sort_by(|a, b| {
        (a.span.file, a.span.line, a.span.col, a.rule, &a.key_path).cmp(&(
            b.span.file,
            b.span.line,
            b.span.col,
            b.rule,
            &b.key_path,
        ))
    });
    out.dedup_by(|a, b| a.rule == b.rule && a.span == b.span && a.message == b.message);
    out
}

fn run_rule(rule: &Rule, cx: &Ctx) -> Vec<Hit> {
    (rule.check)(cx)
}

/// Whether the number of unsuppressed findings at or above `fail_on` is non-zero.
pub fn fails(findings: &[Finding], fail_on: Severity) -> bool {
    findings
        .iter()
        .any(|f| f.suppressed.is_none() && f.severity >= fail_on)
}

/// The reason of the first `[[lint.suppress]]` entry that covers `hit`.
fn configured_suppression(
    hit: &Hit,
    sources: &SourceMap,
    meta: &RuleMeta,
    config: &LintConfig,
) -> Option<String> {
    let display = sources
        .get(hit.span.file)
        .map(|f| f.display.trim_start_matches("./").to_string());
    config
        .suppress
        .iter()
        .find(|s| {
            (s.rule == meta.id || s.rule == meta.name)
                && s.service
                    .as_ref()
                    .is_none_or(|svc| hit.service.as_ref() == Some(svc))
                && s.path.as_ref().is_none_or(|p| {
                    display
                        .as_deref()
                        .is_some_and(|d| path_matches(p.trim_start_matches("./"), d))
                })
        })
        .map(|s| s.reason.clone())
}

/// In an ignored service, or written in an ignored file.
fn ignored(hit: &Hit, sources: &SourceMap, config: &LintConfig) -> bool {
    if let Some(s) = &hit.service
        && config.ignore_services.iter().any(|i| i == s)
    {
        return true;
    }
    if hit.span.is_synthetic() || config.ignore_paths.is_empty() {
        return false;
    }
    let Some(file) = sources.get(hit.span.file) else {
        return false;
    };
    let display = file.display.trim_start_matches("./");
    config
        .ignore_paths
        .iter()
        .any(|p| path_matches(p.trim_start_matches("./"), display))
}

/// `pattern` names `path` itself, a folder above it, or matches it with `*` wildcards
/// (`*` does not cross `/`, `**` does).
fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_end_matches('/');
    if path == pattern || path.starts_with(&format!("{pattern}/")) {
        return true;
    }
    glob(pattern.as_bytes(), path.as_bytes())
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => {
            let (deep, rest) = match rest.split_first() {
                Some((b'*', r)) => (true, r),
                _ => (false, rest),
            };
            let rest = if deep {
                rest.strip_prefix(b"/").unwrap_or(rest)
            } else {
                rest
            };
            (0..=s.len()).any(|i| {
                let (skipped, tail) = s.split_at(i);
                (deep || !skipped.contains(&b'/')) && glob(rest, tail)
            })
        }
        Some((c, rest)) => match s.split_first() {
            Some((first, tail)) => first == c && glob(rest, tail),
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const META: RuleMeta = crate::lint::suppress::TEST_META;

    #[test]
    fn path_patterns() {
        assert!(path_matches("compose.dev.yaml", "compose.dev.yaml"));
        assert!(path_matches("dev", "dev/compose.yaml"));
        assert!(path_matches("*.dev.yaml", "compose.dev.yaml"));
        assert!(!path_matches("*.yaml", "a/compose.yaml"));
        assert!(path_matches("**/*.yaml", "a/b/compose.yaml"));
        assert!(!path_matches("compose.yaml", "compose.yaml.bak"));
    }

    #[test]
    fn selection_and_config_severity() {
        let mut o = LintOptions::default();
        assert_eq!(o.severity(&META), Some(Severity::Warning));
        o.config
            .rules
            .insert("image-latest-tag".into(), Level::Error);
        assert_eq!(o.severity(&META), Some(Severity::Error));
        o.ignore.push("ts302".into());
        assert_eq!(o.severity(&META), None);
        o.ignore.clear();
        o.select.push("TS101".into());
        assert_eq!(o.severity(&META), None);
        o.select.push("nonsense".into());
        assert_eq!(o.unknown_rules(), vec!["nonsense".to_string()]);
    }

    #[test]
    fn opt_in_rules_run_only_when_selected_or_configured() {
        let meta = RuleMeta {
            opt_in: true,
            ..META
        };
        let mut o = LintOptions::default();
        assert_eq!(o.severity(&meta), None);
        o.select.push("TS302".into());
        assert_eq!(o.severity(&meta), Some(Severity::Warning));
        let mut o = LintOptions::default();
        o.config.rules.insert("TS302".into(), Level::Info);
        assert_eq!(o.severity(&meta), Some(Severity::Info));
    }
}
