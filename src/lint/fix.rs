//! `lint --fix`: mechanical fixes for some rules, applied as byte edits to the file that
//! wrote the value (an override or included file, never a merged copy), so comments,
//! quoting and layout elsewhere stay as they were. Each fix re-checks, from the scalar's
//! extent in the text, that the edit cannot change what the project loads to; when it
//! cannot tell, it skips the finding and says why.
//!
//! Only files inside the project directory are edited: a file reached through `extends` or
//! `include` from elsewhere belongs to someone else, and standard input cannot be written.

pub mod diff;
mod quote_port;
mod remove_version;

use crate::lint::Finding;
use crate::load::yaml::extent::{Role, ScalarExtent, Style, scalar_extents};
use crate::source::{SourceMap, Span};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A replacement of `range` (bytes) of a file's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

/// What a fix reads: the text of the file a finding points into and its scalars.
pub struct FileText<'a> {
    pub text: &'a str,
    pub scalars: &'a [ScalarExtent],
}

impl FileText<'_> {
    /// The scalar written at `span`'s line and column, with its index.
    fn scalar_at(&self, span: Span) -> Option<(usize, &ScalarExtent)> {
        self.scalars
            .iter()
            .enumerate()
            .find(|(_, s)| s.line == span.line && s.col == span.col)
    }

    /// Whether new quotes should be `"`: the file's values use them at least as often as `'`.
    fn prefers_double_quotes(&self) -> bool {
        let count = |style| {
            self.scalars
                .iter()
                .filter(|s| s.role != Role::Key && s.style == style)
                .count()
        };
        count(Style::DoubleQuoted) >= count(Style::SingleQuoted)
    }

    fn written(&self, s: &ScalarExtent) -> &str {
        self.text.get(s.range.clone()).unwrap_or_default()
    }
}

/// A fix: the edit for one finding of its rule, or why it is not safe here.
type FixFn = fn(&FileText, &Finding) -> Result<Edit, String>;

/// Rules with a fix, by ID.
static FIXES: &[(&str, FixFn)] = &[("TS307", remove_version::fix), ("TS309", quote_port::fix)];

/// Whether `--fix` can fix findings of this rule.
pub fn is_fixable(rule: &str) -> bool {
    FIXES.iter().any(|(id, _)| *id == rule)
}

/// One file's text before and after its fixes.
#[derive(Debug)]
pub struct FileFix {
    /// Where to write (symbolic links resolved).
    pub path: PathBuf,
    /// The path as lint messages show it.
    pub display: String,
    pub before: String,
    pub after: String,
    /// Findings fixed in this file.
    pub fixed: usize,
}

/// A fixable finding left alone, and why.
#[derive(Debug)]
pub struct Skipped {
    pub rule: &'static str,
    pub location: String,
    pub reason: String,
}

/// Every fix `--fix` would make.
#[derive(Debug, Default)]
pub struct Plan {
    pub files: Vec<FileFix>,
    pub skipped: Vec<Skipped>,
}

impl Plan {
    pub fn fixed(&self) -> usize {
        self.files.iter().map(|f| f.fixed).sum()
    }
}

/// Edits gathered for one file.
struct Pending {
    display: String,
    text: std::sync::Arc<str>,
    scalars: Option<Result<Vec<ScalarExtent>, String>>,
    edits: Vec<Edit>,
}

/// The fixes for the unsuppressed, fixable `findings` (suppressed ones were kept on purpose).
pub fn plan(findings: &[Finding], sources: &SourceMap, project_dir: &Path) -> Plan {
    let project_dir = std::fs::canonicalize(project_dir).unwrap_or_else(|_| project_dir.into());
    let mut plan = Plan::default();
    // Files in the order the findings name them (the order they were loaded in).
    let mut pending: indexmap::IndexMap<PathBuf, Pending> = indexmap::IndexMap::new();
    for f in findings.iter().filter(|f| f.suppressed.is_none()) {
        let Some((_, fix)) = FIXES.iter().find(|(id, _)| *id == f.rule) else {
            continue;
        };
        let mut skip = |reason: String| {
            plan.skipped.push(Skipped {
                rule: f.rule,
                location: sources.describe(f.span),
                reason,
            });
        };
        let Some(file) = sources.get(f.span.file).filter(|_| !f.span.is_synthetic()) else {
            skip("no position in a file".into());
            continue;
        };
        if file.display == "-" {
            skip("read from standard input".into());
            continue;
        }
        let path = match std::fs::canonicalize(&file.path) {
            Ok(p) if p.starts_with(&project_dir) => p,
            Ok(_) => {
                skip("the file is outside the project directory".into());
                continue;
            }
            Err(e) => {
                skip(format!("{}: {e}", file.display));
                continue;
            }
        };
        let entry = pending.entry(path).or_insert_with(|| Pending {
            display: file.display.clone(),
            text: file.text.clone(),
            scalars: None,
            edits: Vec::new(),
        });
        // The same file loaded twice (by `extends` and `-f`) has one text; a different one
        // means it changed while loading.
        if entry.text != file.text {
            skip("the file changed while it was loaded".into());
            continue;
        }
        let text = entry.text.clone();
        let scalars = entry.scalars.get_or_insert_with(|| scalar_extents(&text));
        let scalars = match scalars {
            Ok(s) => s,
            Err(e) => {
                skip(e.clone());
                continue;
            }
        };
        match fix(
            &FileText {
                text: &text,
                scalars,
            },
            f,
        ) {
            Ok(edit) => entry.edits.push(edit),
            Err(reason) => skip(reason),
        }
    }
    for (path, p) in pending {
        let (after, fixed) = apply(&p.text, p.edits);
        if fixed > 0 && after != *p.text {
            plan.files.push(FileFix {
                path,
                display: p.display,
                before: p.text.to_string(),
                after,
                fixed,
            });
        }
    }
    plan
}

/// Whether two loads of a project are the same model: what `config --format json` prints
/// and the final tree (positions aside, which edits move).
pub fn loads_the_same(a: &crate::load::Loaded, b: &crate::load::Loaded) -> bool {
    a.project.to_compose_json() == b.project.to_compose_json()
        && a.tree.to_json() == b.tree.to_json()
}

/// `text` with `edits` applied; the number applied. The same edit found twice (a value
/// repeated by an alias is reported at each use) counts once; an edit overlapping an
/// earlier one is dropped (its finding stays, and the next run can fix it).
fn apply(text: &str, mut edits: Vec<Edit>) -> (String, usize) {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    edits.dedup();
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    let mut applied = 0;
    for e in edits {
        if e.range.start < at || e.range.end > text.len() {
            continue;
        }
        out.push_str(text.get(at..e.range.start).unwrap_or_default());
        out.push_str(&e.text);
        at = e.range.end;
        applied += 1;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    (out, applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(range: Range<usize>, text: &str) -> Edit {
        Edit {
            range,
            text: text.into(),
        }
    }

    #[test]
    fn edits_apply_in_order_once_and_never_overlap() {
        let (out, n) = apply(
            "a: 1:2\nb: 3:4\n",
            vec![
                edit(10..13, "\"3:4\""),
                edit(3..6, "'1:2'"),
                edit(3..6, "'1:2'"),
            ],
        );
        assert_eq!((out.as_str(), n), ("a: '1:2'\nb: \"3:4\"\n", 2));
        let (out, n) = apply("abcdef", vec![edit(1..4, "X"), edit(2..5, "Y")]);
        assert_eq!((out.as_str(), n), ("aXef", 1));
    }
}

/// Helpers for the fixes' own tests: a finding of `rule` at `line:col` of `text`, fixed.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::source::FileId;

    pub fn fix_at(text: &str, rule: &'static str, line: u32, col: u32) -> Result<String, String> {
        let scalars = scalar_extents(text)?;
        let finding = Finding {
            rule,
            severity: crate::diag::Severity::Info,
            message: String::new(),
            span: Span::new(FileId(1), line, col),
            key_path: String::new(),
            help: None,
            suppressed: None,
        };
        let (_, fix) = FIXES
            .iter()
            .find(|(id, _)| *id == rule)
            .ok_or("no fix for the rule")?;
        let edit = fix(
            &FileText {
                text,
                scalars: &scalars,
            },
            &finding,
        )?;
        Ok(apply(text, vec![edit]).0)
    }
}
