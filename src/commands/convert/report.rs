//! What `convert` tells the user on stderr: its warnings, grouped so that one problem shared
//! by many services is one line (with the count and the first places) instead of hundreds,
//! and a closing summary line.

use crate::backend::mapping::ConvertWarning;
use crate::diag::Severity;
use crate::source::SourceMap;
use std::io::Write;

/// How many places a grouped line names before "and N more".
const SHOWN: usize = 3;

/// The counts the summary line gives.
#[derive(Default)]
pub struct Tally {
    pub warnings: usize,
    pub notes: usize,
    /// Lines printed for them (groups count once).
    pub lines: usize,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.warnings += other.warnings;
        self.notes += other.notes;
        self.lines += other.lines;
    }
}

/// One line per warning, or per group of warnings with the same severity, key (with the
/// service name as `*`) and message; `verbose` prints every warning on its own line.
pub fn report(
    warnings: &[ConvertWarning],
    sources: &SourceMap,
    strict: bool,
    prefix: &str,
    verbose: bool,
) -> Tally {
    // Buffered: thousands of warnings are thousands of writes on an unbuffered stderr.
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    let mut tally = Tally::default();
    for w in warnings {
        match w.severity {
            Severity::Info => tally.notes += 1,
            _ => tally.warnings += 1,
        }
    }
    let groups = if verbose {
        warnings.iter().map(|w| vec![w]).collect()
    } else {
        group(warnings)
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
                at(first, sources),
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
fn group(warnings: &[ConvertWarning]) -> Vec<Vec<&ConvertWarning>> {
    let mut index: std::collections::HashMap<(u8, String, &str), usize> =
        std::collections::HashMap::new();
    let mut out: Vec<Vec<&ConvertWarning>> = Vec::new();
    for w in warnings {
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

fn at(w: &ConvertWarning, sources: &SourceMap) -> String {
    if w.span.is_synthetic() {
        String::new()
    } else {
        format!("{}: ", sources.describe(w.span))
    }
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
        let ws = vec![
            w("a", "restart", "approximated"),
            w("b", "ports", "dropped"),
            w("b", "restart", "approximated"),
            w("c", "restart", "other reason"),
        ];
        let groups = group(&ws);
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
