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

#[cfg(test)]
mod tests {
    use crate::lint::fix::testing::fix_at;

    fn remove(text: &str, line: u32) -> Result<String, String> {
        fix_at(text, "TS307", line, 1)
    }

    #[test]
    fn removes_the_line_with_its_comment() {
        assert_eq!(
            remove("version: '3' # old\n\nservices: {}\n", 1).as_deref(),
            Ok("services: {}\n"),
            "the blank line after goes too at the top of the file"
        );
        assert_eq!(
            remove("# about the file\nversion: \"3.8\"\n\nservices: {}\n", 2).as_deref(),
            Ok("# about the file\n\nservices: {}\n"),
            "the comment above stays, and so does the blank line under it"
        );
        assert_eq!(
            remove("services: {}\nversion: 3.8\nvolumes: {}\n", 2).as_deref(),
            Ok("services: {}\nvolumes: {}\n")
        );
        assert_eq!(
            remove("version: '3'\r\n\r\nservices: {}\r\n", 1).as_deref(),
            Ok("services: {}\r\n")
        );
        assert_eq!(
            remove("a: 1\n---\nversion: '3'\n\nb: 2\n", 3).as_deref(),
            Ok("a: 1\n---\nb: 2\n"),
            "in a later document"
        );
        assert_eq!(
            remove("services: {}\nversion: '3'", 2).as_deref(),
            Ok("services: {}\n"),
            "no final newline"
        );
    }

    #[test]
    fn what_it_leaves_alone() {
        let refused = |text: &str, line| remove(text, line).err().unwrap_or_default();
        assert_eq!(
            refused("version: &v '3'\nx-v: *v\n", 1),
            "it has an anchor or a tag"
        );
        assert_eq!(
            refused("version: >\n  3\nservices: {}\n", 1),
            "its value continues on another line"
        );
        assert_eq!(
            refused("version: [3]\nservices: {}\n", 1),
            "its value is not a plain value"
        );
        assert_eq!(
            refused("# only\nversion: '3'\n", 2),
            "it is the only key of its document"
        );
        let flow = fix_at("{version: '3', services: {}}\n", "TS307", 1, 2);
        assert!(flow.err().unwrap_or_default().contains("block mapping"));
    }
}
