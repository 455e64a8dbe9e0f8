//! TS307: delete the top-level `version:` entry, with the comment on its line.
//!
//! Safe because the loader drops `version` before building the model (as compose does), so
//! the project loads the same without it. Only a one-line entry of a block mapping is
//! removed: the key at the start of its line, a scalar value, at most a comment after it.
//! A comment on the lines above is kept (it may belong to the file, not to `version`); the
//! blank line after is removed too when nothing but a blank line or the document start is
//! above, so the file does not start with a gap. An anchored value or key is left alone (an
//! alias elsewhere may repeat it), and so is a `version` that is its document's only key
//! (removing it would leave an empty document).

use super::{Edit, FileText};
use crate::lint::Finding;
use crate::load::yaml::extent::Role;

pub fn fix(file: &FileText, finding: &Finding) -> Result<Edit, String> {
    let (i, key) = file
        .scalar_at(finding.span)
        .ok_or("no key is written at the finding")?;
    if key.role != Role::Key
        || key.depth != 1
        || key.in_flow
        || file.written(key).trim_matches(['"', '\'']) != "version"
    {
        return Err("it is not a top-level `version:` line of a block mapping".into());
    }
    let value = file
        .scalars
        .get(i + 1)
        .filter(|v| v.role == Role::Value && v.depth == 1 && v.doc == key.doc)
        .ok_or("its value is not a plain value")?;
    if key.anchored || value.anchored || value.tagged {
        return Err("it has an anchor or a tag".into());
    }
    if value.end_line != key.line {
        return Err("its value continues on another line".into());
    }
    let keys = file
        .scalars
        .iter()
        .filter(|s| s.doc == key.doc && s.depth == 1 && s.role == Role::Key)
        .count();
    if keys == 1 {
        return Err("it is the only key of its document".into());
    }
    let text = file.text;
    let start = line_start(text, key.range.start);
    if !text
        .get(start..key.range.start)
        .unwrap_or("x")
        .trim()
        .is_empty()
    {
        return Err("something else is written before it on its line".into());
    }
    let mut end = line_end(text, value.range.end);
    let after = text.get(value.range.end..end).unwrap_or("x").trim();
    if !(after.is_empty() || after.starts_with('#')) {
        return Err("something else is written after it on its line".into());
    }
    if opens_section(text, start) {
        let next = line_end(text, end);
        if next > end && text.get(end..next).is_some_and(|l| l.trim().is_empty()) {
            end = next;
        }
    }
    Ok(Edit {
        range: start..end,
        text: String::new(),
    })
}

/// Byte offset where the line holding `at` starts.
fn line_start(text: &str, at: usize) -> usize {
    text.get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// Byte offset just after the line ending of the line holding `at` (or the end of the text).
fn line_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| at + i + 1)
}

/// The line starting at `start` is the first of its document, or follows a blank line.
fn opens_section(text: &str, start: usize) -> bool {
    if start == 0 {
        return true;
    }
    let prev = text
        .get(line_start(text, start - 1)..start)
        .unwrap_or_default()
        .trim();
    prev.is_empty() || prev.starts_with("---")
}
