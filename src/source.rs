//! Source files and positions. Every node of the loaded tree carries a [`Span`], so a
//! diagnostic or a provenance comment can name `file:line:col` long after merging.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A position in a source file (1-based line and column). `file` 0 with line 0 means "no
/// position", used for values the loader synthesises (defaults, normalisation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub line: u32,
    pub col: u32,
}

impl Span {
    pub const SYNTHETIC: Span = Span {
        file: FileId(0),
        line: 0,
        col: 0,
    };

    pub fn new(file: FileId, line: u32, col: u32) -> Self {
        Span { file, line, col }
    }

    pub fn is_synthetic(&self) -> bool {
        self.line == 0
    }
}

/// One loaded source file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user named it (relative paths stay relative in messages).
    pub display: String,
    /// Absolute path, used to resolve relative references.
    pub path: PathBuf,
    pub text: Arc<str>,
    /// Byte offset where each line starts, computed on first use: snippets and inline
    /// suppressions look lines up by number, and scanning from the top each time made
    /// linting a large file quadratic.
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// Line `line` (1-based) without its line ending, as `str::lines` would give it.
    pub fn line(&self, line: usize) -> Option<&str> {
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let start = *starts.get(line.checked_sub(1)?)?;
        match starts.get(line) {
            Some(next) => {
                let text = self.text.get(start..next - 1)?;
                Some(text.strip_suffix('\r').unwrap_or(text))
            }
            // The last line: none after a final newline.
            None => (start < self.text.len())
                .then(|| self.text.get(start..))
                .flatten(),
        }
    }
}

/// Registry of every file the loader read. File id 0 is reserved for synthetic values.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: RwLock<Vec<Arc<SourceFile>>>,
}

impl SourceMap {
    pub fn new() -> Self {
        let map = SourceMap::default();
        map.add(String::from("<generated>"), PathBuf::new(), Arc::from(""));
        map
    }

    pub fn add(&self, display: String, path: PathBuf, text: Arc<str>) -> FileId {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        let id = FileId(u32::try_from(files.len()).unwrap_or(u32::MAX));
        files.push(Arc::new(SourceFile {
            display,
            path,
            text,
            line_starts: OnceLock::new(),
        }));
        id
    }

    pub fn get(&self, id: FileId) -> Option<Arc<SourceFile>> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        files.get(id.0 as usize).cloned()
    }

    /// `file:line:col` for a span, or `<generated>` for a synthetic one.
    pub fn describe(&self, span: Span) -> String {
        match self.get(span.file) {
            Some(f) if !span.is_synthetic() => format!("{}:{}:{}", f.display, span.line, span.col),
            _ => String::from("<generated>"),
        }
    }

    /// `file:line:col: ` to start a message with, or nothing for a synthetic span.
    pub fn location_prefix(&self, span: Span) -> String {
        if span.is_synthetic() {
            String::new()
        } else {
            format!("{}: ", self.describe(span))
        }
    }

    /// The text of line `line` (1-based) of a file, for snippets.
    pub fn line_text(&self, span: Span) -> Option<String> {
        let f = self.get(span.file)?;
        f.line(usize::try_from(span.line).ok()?).map(str::to_owned)
    }

    pub fn path_of(&self, id: FileId) -> Option<PathBuf> {
        self.get(id).map(|f| f.path.clone())
    }
}

/// Display path relative to the working directory when possible.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Line lookup by offsets agrees with `str::lines` (the definition of a line
        /// everywhere else), including `\r\n`, bare `\r` and a missing final newline.
        #[test]
        fn line_agrees_with_str_lines(text in "[ab\r\n]{0,40}") {
            let map = SourceMap::new();
            let id = map.add("f".into(), PathBuf::from("f"), Arc::from(text.as_str()));
            let file = map.get(id).unwrap_or_else(|| panic!("file {id:?}"));
            for n in 0..text.len() + 3 {
                let want = n.checked_sub(1).and_then(|i| text.lines().nth(i));
                prop_assert_eq!(file.line(n), want, "line {}", n);
            }
        }
    }
}
