//! Suppression comments written in a compose file (or an `env_file`, which shares `#` comments).
//!
//! Line level: `# transship-ignore: ID[, ID] [reason]` on the offending line, or alone on the
//! line above it.
//!
//! File level: `# transship-ignore-file: ID[, ID] [reason]` in the file's leading comment
//! block: the lines before the first line that is neither blank nor a comment (`---`, a
//! `%YAML` directive and any key end the block). The comment must start with the marker.
//! It covers findings located in that file only, not those of the other files merged into
//! the project. IDs are rule IDs or names, or `all`.

use crate::lint::RuleMeta;
use crate::lint::run::names_rule;
use crate::source::{FileId, SourceMap, Span};
use std::collections::HashMap;

const MARKER: &str = "transship-ignore:";
const FILE_MARKER: &str = "transship-ignore-file:";

/// The reason given by a `# transship-ignore:` comment covering the finding at `span` for
/// this rule (an empty reason when none is given).
pub fn line_suppression(sources: &SourceMap, span: Span, meta: &RuleMeta) -> Option<String> {
    if span.is_synthetic() {
        return None;
    }
    let same = sources.line_text(span);
    if let Some(r) = same.as_deref().and_then(|l| ignore_comment(l, meta)) {
        return Some(r);
    }
    let above = Span {
        line: span.line.checked_sub(1)?,
        ..span
    };
    if above.line == 0 {
        return None;
    }
    let text = sources.line_text(above)?;
    if !text.trim_start().starts_with('#') {
        return None;
    }
    ignore_comment(&text, meta)
}

/// Parse `# transship-ignore: ID[, ID] [reason]` in a line; `Some(reason)` when it names the
/// rule. The marker must follow a `#` so a value containing the text does not count.
pub fn ignore_comment(line: &str, meta: &RuleMeta) -> Option<String> {
    let at = line.find(MARKER)?;
    let before = line[..at].trim_end();
    if !before.ends_with('#') {
        return None;
    }
    let (ids, reason) = split_ids(line[at + MARKER.len()..].trim());
    covers(&ids, meta).then(|| reason.to_string())
}

fn covers<S: AsRef<str>>(ids: &[S], meta: &RuleMeta) -> bool {
    ids.iter()
        .map(AsRef::as_ref)
        .any(|id| names_rule(id, meta) || id.eq_ignore_ascii_case("all"))
}

/// One `# transship-ignore-file:` comment: the rules it names and its reason.
#[derive(Debug, PartialEq, Eq)]
pub struct FileMarker {
    pub ids: Vec<String>,
    pub reason: String,
}

/// The `# transship-ignore-file:` comments of a file's leading comment block, in order.
pub fn file_markers(text: &str) -> Vec<FileMarker> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix('#') else {
            break;
        };
        let body = comment.trim_start_matches('#').trim_start();
        if let Some(rest) = body.strip_prefix(FILE_MARKER) {
            let (ids, reason) = split_ids(rest.trim());
            out.push(FileMarker {
                ids: ids.into_iter().map(str::to_string).collect(),
                reason: reason.to_string(),
            });
        }
    }
    out
}

/// File-level markers of each file, read once per file per run.
#[derive(Default)]
pub struct FileSuppressions {
    by_file: HashMap<FileId, Vec<FileMarker>>,
}

impl FileSuppressions {
    /// The reason of the first file-level marker in the file of `span` that names the rule.
    pub fn reason(&mut self, sources: &SourceMap, span: Span, meta: &RuleMeta) -> Option<String> {
        if span.is_synthetic() {
            return None;
        }
        let markers = self.by_file.entry(span.file).or_insert_with(|| {
            sources
                .get(span.file)
                .map(|f| file_markers(&f.text))
                .unwrap_or_default()
        });
        markers
            .iter()
            .find(|m| covers(&m.ids, meta))
            .map(|m| m.reason.clone())
    }
}

/// `TS101, TS302 because x` → (`[TS101, TS302]`, `because x`).
fn split_ids(rest: &str) -> (Vec<&str>, &str) {
    let mut ids = Vec::new();
    let mut rest = rest;
    loop {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        ids.push(&rest[..end]);
        let after = rest[end..].trim_start();
        match after.strip_prefix(',') {
            Some(next) => rest = next.trim_start(),
            None => {
                rest = after;
                break;
            }
        }
    }
    (ids, rest.trim())
}

/// A rule to suppress in unit tests (here and in the lint runner's).
#[cfg(test)]
pub(crate) const TEST_META: RuleMeta = RuleMeta {
    id: "TS302",
    name: "image-latest-tag",
    category: crate::lint::Category::Hygiene,
    severity: crate::diag::Severity::Warning,
    opt_in: false,
    summary: "",
    docs: "",
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::Arc;

    const META: RuleMeta = TEST_META;

    #[test]
    fn ignore_comment_forms() {
        assert_eq!(
            ignore_comment("    image: x:latest # transship-ignore: TS302", &META),
            Some(String::new())
        );
        assert_eq!(
            ignore_comment(
                "# transship-ignore: TS101, image-latest-tag pinned by CI",
                &META
            ),
            Some("pinned by CI".into())
        );
        assert_eq!(
            ignore_comment("# transship-ignore: TS101 TS302", &META),
            None
        );
        assert_eq!(
            ignore_comment("    image: 'transship-ignore: TS302'", &META),
            None
        );
        assert_eq!(ignore_comment("# nothing", &META), None);
        // The file-level marker is not a line-level one.
        assert_eq!(
            ignore_comment("# transship-ignore-file: TS302", &META),
            None
        );
    }

    fn marker(ids: &[&str], reason: &str) -> FileMarker {
        FileMarker {
            ids: ids.iter().map(|s| s.to_string()).collect(),
            reason: reason.into(),
        }
    }

    #[test]
    fn file_markers_in_the_leading_block() {
        let text = "\u{feff}# Project: demo\n\n#transship-ignore-file: TS302, root-user dev only\n  ## transship-ignore-file: all\nservices: {}\n";
        assert_eq!(
            file_markers(text),
            vec![
                marker(&["TS302", "root-user"], "dev only"),
                marker(&["all"], "")
            ]
        );
        let crlf = "# transship-ignore-file: TS302 why\r\nservices: {}\r\n";
        assert_eq!(file_markers(crlf), vec![marker(&["TS302"], "why")]);
    }

    #[test]
    fn file_markers_elsewhere_do_not_count() {
        for text in [
            // After content.
            "services: {}\n# transship-ignore-file: TS302\n",
            // After the document start marker.
            "---\n# transship-ignore-file: TS302\nservices: {}\n",
            // In a value, and in a comment that does not start with the marker.
            "x: '# transship-ignore-file: TS302'\n",
            "# see transship-ignore-file: TS302\nservices: {}\n",
            // A trailing comment on a content line.
            "services: {} # transship-ignore-file: TS302\n",
            // The line-level spelling.
            "# transship-ignore: TS302\nservices: {}\n",
        ] {
            assert_eq!(file_markers(text), vec![], "{text:?}");
        }
    }

    #[test]
    fn file_suppressions_cover_only_their_own_file() {
        let sources = SourceMap::new();
        let base = sources.add(
            "compose.yaml".into(),
            PathBuf::from("/p/compose.yaml"),
            Arc::from("# transship-ignore-file: image-latest-tag dev images\nservices: {}\n"),
        );
        let other = sources.add(
            "compose.prod.yaml".into(),
            PathBuf::from("/p/compose.prod.yaml"),
            Arc::from("services: {}\n"),
        );
        let mut files = FileSuppressions::default();
        assert_eq!(
            files.reason(&sources, Span::new(base, 2, 1), &META),
            Some("dev images".into())
        );
        assert_eq!(files.reason(&sources, Span::new(other, 1, 1), &META), None);
        let root_user = RuleMeta {
            id: "TS417",
            name: "root-user",
            ..META
        };
        assert_eq!(
            files.reason(&sources, Span::new(base, 2, 1), &root_user),
            None
        );
    }
}
