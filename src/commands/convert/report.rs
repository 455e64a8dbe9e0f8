//! What `convert` tells the user on stderr: its warnings, grouped so that one problem shared
//! by many services is one line (with the count and the first places) instead of hundreds,
//! and a closing summary line.

use crate::backend::mapping::ConvertWarning;
use crate::diag::{Severity, Warning};
use crate::load::accept::Accept;
use crate::load::node::PathSeg;
use crate::source::SourceMap;
use std::io::Write;

/// How many places a grouped line names before "and N more".
const SHOWN: usize = 3;

/// The counts the summary line gives.
#[derive(Default)]
pub struct Tally {
    pub warnings: usize,
    pub notes: usize,
    /// Warnings an `x-transship.accept` entry covers (not printed without `--verbose`).
    pub accepted: usize,
    /// Warnings that fail `--strict`: neither notes nor accepted.
    pub blocking: usize,
    /// Lines printed for them (groups count once).
    pub lines: usize,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.warnings += other.warnings;
        self.notes += other.notes;
        self.accepted += other.accepted;
        self.blocking += other.blocking;
        self.lines += other.lines;
    }
}

/// The accepted approximations of a project and which of them matched something.
pub struct Acceptance<'a> {
    entries: &'a [Accept],
    used: Vec<bool>,
}

impl<'a> Acceptance<'a> {
    pub fn new(entries: &'a [Accept]) -> Self {
        Acceptance {
            entries,
            used: vec![false; entries.len()],
        }
    }

    /// The entry covering this warning, marked as used.
    fn find(&mut self, key_path: &str, target: Option<&str>, message: &str) -> Option<&'a Accept> {
        let i = self
            .entries
            .iter()
            .position(|a| a.covers(key_path, target, message))?;
        if let Some(u) = self.used.get_mut(i) {
            *u = true;
        }
        self.entries.get(i)
    }

    /// Entries that could have matched in a conversion to `targets` and did not: a key that
    /// was fixed (or mistyped) should not keep accepting what may come back.
    pub fn report_unused(&self, targets: &[&str], sources: &SourceMap, tally: &mut Tally) {
        let mut err = std::io::stderr().lock();
        for (i, (a, used)) in self.entries.iter().zip(&self.used).enumerate() {
            if *used || !a.applies_to_any(targets) {
                continue;
            }
            let at = sources.location_prefix(a.span);
            let _ = writeln!(
                err,
                "note: {at}x-transship.accept[{i}]: accepts {} but no warning of this conversion has that key: remove it if it is fixed",
                a.key
            );
            tally.notes += 1;
            tally.lines += 1;
        }
    }
}

/// The loader's warnings (shared by every target), grouped and accepted like the
/// conversion's. One that changes no output (the obsolete `version`) is a note, so it does
/// not fail `--strict`.
pub fn report_loader(warnings: &[Warning], cx: &mut Context<'_, '_, '_>) -> Tally {
    let as_convert: Vec<ConvertWarning> = warnings
        .iter()
        .map(|w| {
            let key_path = w.path.to_string();
            let service = match w.path.0.as_slice() {
                [PathSeg::Key(s), PathSeg::Key(name), ..] if &**s == "services" => {
                    Some(name.to_string())
                }
                _ => None,
            };
            ConvertWarning {
                severity: if key_path == "version" {
                    Severity::Info
                } else {
                    Severity::Warning
                },
                service,
                key_path,
                span: w.span,
                message: w.message.clone(),
            }
        })
        .collect();
    report(&as_convert, cx)
}

/// One line per warning, or per group of warnings with the same severity, key (with the
/// service name as `*`) and message; `verbose` prints every warning on its own line.
pub struct Context<'s, 'a, 'b> {
    pub sources: &'s SourceMap,
    pub strict: bool,
    pub verbose: bool,
    /// `[swarm] ` when several targets are converted.
    pub prefix: &'s str,
    /// The target converted to; `None` for the loader's warnings, which all targets share.
    pub target: Option<&'s str>,
    pub acceptance: &'b mut Acceptance<'a>,
}

pub fn report(warnings: &[ConvertWarning], cx: &mut Context<'_, '_, '_>) -> Tally {
    let sources = cx.sources;
    let (strict, prefix, verbose) = (cx.strict, cx.prefix, cx.verbose);
    // Buffered: thousands of warnings are thousands of writes on an unbuffered stderr.
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    let mut tally = Tally::default();
    let mut open = Vec::with_capacity(warnings.len());
    for w in warnings {
        if w.severity == Severity::Info {
            tally.notes += 1;
            open.push(w);
            continue;
        }
        tally.warnings += 1;
        match cx.acceptance.find(&w.key_path, cx.target, &w.message) {
            Some(a) => {
                tally.accepted += 1;
                if verbose {
                    tally.lines += 1;
                    let _ = writeln!(
                        err,
                        "accepted: {prefix}{}{}: {} (reason: {})",
                        sources.location_prefix(w.span),
                        w.key_path,
                        w.message,
                        a.reason
                    );
                }
            }
            None => {
                tally.blocking += 1;
                open.push(w);
            }
        }
    }
    let groups: Vec<Vec<&ConvertWarning>> = if verbose {
        open.iter().map(|w| vec![*w]).collect()
    } else {
        group(&open)
    };
    for members in groups {
        let Some(first) = members.first() else {
            continue;
        };
        let sev = match first.severity {
            Severity::Info => "note",
            Severity::Error => "error",
            _ if strict => "error",
            _ => "warning",
        };
        let line = if members.len() == 1 {
            format!(
                "{}{}: {}",
                sources.location_prefix(first.span),
                first.key_path,
                first.message
            )
        } else {
            let places: Vec<String> = members
                .iter()
                .take(SHOWN)
                .map(|w| place(w, sources))
                .collect();
            let more = members.len().saturating_sub(SHOWN);
            let tail = if more > 0 {
                format!(" and {more} more (--verbose lists every one)")
            } else {
                String::new()
            };
            format!(
                "{}: {} [{} times: {}{tail}]",
                pattern(first),
                first.message,
                members.len(),
                places.join(", ")
            )
        };
        tally.lines += 1;
        let _ = writeln!(err, "{sev}: {prefix}{line}");
    }
    tally
}

/// Warnings grouped by severity, key pattern and message, in order of first occurrence.
fn group<'w>(warnings: &[&'w ConvertWarning]) -> Vec<Vec<&'w ConvertWarning>> {
    let mut index: std::collections::HashMap<(u8, String, &str), usize> =
        std::collections::HashMap::new();
    let mut out: Vec<Vec<&ConvertWarning>> = Vec::new();
    for &w in warnings {
        let key = (severity_rank(w.severity), pattern(w), w.message.as_str());
        match index.get(&key) {
            Some(&i) => {
                if let Some(g) = out.get_mut(i) {
                    g.push(w);
                }
            }
            None => {
                index.insert(key, out.len());
                out.push(vec![w]);
            }
        }
    }
    out
}

fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::Info => 0,
        Severity::Error => 2,
        _ => 1,
    }
}

/// The key path with the service's name as `*`: `services.*.restart`.
fn pattern(w: &ConvertWarning) -> String {
    if let Some(svc) = &w.service
        && let Some(rest) = w.key_path.strip_prefix(&format!("services.{svc}"))
        && (rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
    {
        return format!("services.*{rest}");
    }
    w.key_path.clone()
}

/// Where one member of a group was written, and which service it is.
fn place(w: &ConvertWarning, sources: &SourceMap) -> String {
    let name = w.service.as_deref().unwrap_or(&w.key_path);
    if w.span.is_synthetic() {
        name.to_string()
    } else {
        format!("{} ({name})", sources.describe(w.span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn w(service: &str, key: &str, message: &str) -> ConvertWarning {
        ConvertWarning {
            severity: Severity::Warning,
            service: Some(service.into()),
            key_path: format!("services.{service}.{key}"),
            span: Span::SYNTHETIC,
            message: message.into(),
        }
    }

    #[test]
    fn the_same_key_and_message_in_several_services_is_one_group() {
        let ws = [
            w("a", "restart", "approximated"),
            w("b", "ports", "dropped"),
            w("b", "restart", "approximated"),
            w("c", "restart", "other reason"),
        ];
        let refs: Vec<&ConvertWarning> = ws.iter().collect();
        let groups = group(&refs);
        let shape: Vec<(String, usize)> = groups.iter().map(|g| (pattern(g[0]), g.len())).collect();
        assert_eq!(
            shape,
            vec![
                ("services.*.restart".to_string(), 2),
                ("services.*.ports".to_string(), 1),
                ("services.*.restart".to_string(), 1),
            ]
        );
    }

    #[test]
    fn a_service_name_is_only_replaced_as_a_whole_segment() {
        let mut x = w("web", "ports", "m");
        x.key_path = "services.webapp.ports".into();
        assert_eq!(pattern(&x), "services.webapp.ports");
        let mut y = w("web.1", "ports[0]", "m");
        y.key_path = "services.web.1.ports[0]".into();
        assert_eq!(pattern(&y), "services.*.ports[0]");
    }
}
