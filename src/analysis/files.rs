//! Small text files of the project that services mount (bind mounts, compose `configs`):
//! targets embed them, and the analysis reads the host names they dial (`proxy_pass
//! http://backend:8000;`). One bound for both, so what is analysed is what is embedded.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Largest single file embedded or analysed.
const MAX_FILE: u64 = 64 * 1024;
/// Largest directory (sum of files) embedded or analysed.
const MAX_DIR: u64 = 256 * 1024;
/// Most files of one directory embedded or analysed.
const MAX_DIR_FILES: usize = 32;

/// The text files of a bind mount source, `(path relative to the source, text)` (one entry
/// with an empty path for a file); `None` unless it is all small UTF-8 text: then targets
/// may embed it in their output, and the analysis reads the addresses it names.
pub fn text_files(source: &Path) -> Option<Vec<(String, String)>> {
    let meta = std::fs::symlink_metadata(source).ok()?;
    if meta.is_file() {
        if meta.len() > MAX_FILE {
            return None;
        }
        let text = std::fs::read_to_string(source).ok()?;
        return Some(vec![(String::new(), text)]);
    }
    if !meta.is_dir() {
        return None;
    }
    let mut files = Vec::new();
    let mut total = 0u64;
    let mut stack = vec![(source.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir).ok()?.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_str()?.to_string();
            let rel_name = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let m = std::fs::symlink_metadata(e.path()).ok()?;
            if m.is_dir() {
                stack.push((e.path(), rel_name));
            } else if m.is_file() {
                total += m.len();
                if m.len() > MAX_FILE || total > MAX_DIR || files.len() >= MAX_DIR_FILES {
                    return None;
                }
                files.push((rel_name, std::fs::read_to_string(e.path()).ok()?));
            } else {
                return None;
            }
        }
    }
    files.sort();
    Some(files)
}

/// The text files of a source as [`text_files`] reads them, shared.
pub type Texts = Option<Rc<Vec<(String, String)>>>;

/// Project files read once per run, however many services mount them: the analysis reads
/// them for references and a target embeds them, both from here (a thousand services that
/// mount `./config` must not read it a thousand times).
#[derive(Clone, Debug, Default)]
pub struct TextFiles(RefCell<HashMap<PathBuf, Texts>>);

impl TextFiles {
    /// [`text_files`] of `source`, read on first use.
    pub fn read(&self, source: &Path) -> Texts {
        if let Some(known) = self.0.borrow().get(source) {
            return known.clone();
        }
        let read = text_files(source).map(Rc::new);
        self.0
            .borrow_mut()
            .insert(source.to_path_buf(), read.clone());
        read
    }
}
