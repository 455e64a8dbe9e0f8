//! Where each scalar of a YAML text was written, as byte ranges of the original text, for
//! edits that must keep everything else byte for byte (`lint --fix`). The loader's tree keeps
//! only start positions; this walks the parser's events once more and records the extent,
//! style and place (mapping key, value, sequence item) of every scalar.

use super::{MAX_REINDENTS, reindent_closing_line, resolve_plain};
use crate::load::node::Value;
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::ops::Range;

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` or `>` block scalars.
    Block,
}

/// Where a scalar sits in its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A document that is only a scalar.
    Root,
    Key,
    Value,
    Item,
}

/// One scalar as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalarExtent {
    /// Index of the YAML document in the file (0-based).
    pub doc: usize,
    /// Start line (1-based) and column (1-based, in characters), as [`crate::source::Span`].
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    /// Bytes of the original text, quotes included (tags and anchors before it excluded).
    pub range: Range<usize>,
    pub style: Style,
    pub role: Role,
    /// Collections above it: 1 for a top-level key or its value.
    pub depth: usize,
    /// Inside a `{...}` or `[...]` collection.
    pub in_flow: bool,
    /// Carries an anchor (`&name`), so an alias elsewhere may repeat it.
    pub anchored: bool,
    pub tagged: bool,
}

/// Every scalar of `text`, in document order.
///
/// # Errors
/// The text is not YAML the loader accepts (the message is the parser's).
pub fn scalar_extents(text: &str) -> Result<Vec<ScalarExtent>, String> {
    let mut parsed = std::borrow::Cow::Borrowed(text);
    // As the loader does: a closing bracket indented below its key is moved and the text
    // parsed again. Only lines holding nothing but closing brackets change, so line and
    // column of every scalar still hold in the original text.
    for _ in 0..MAX_REINDENTS {
        match walk(&parsed, text) {
            Err((msg, line)) if msg.contains("invalid indentation") => {
                match reindent_closing_line(&parsed, line) {
                    Some(fixed) => parsed = std::borrow::Cow::Owned(fixed),
                    None => return Err(msg),
                }
            }
            other => return other.map_err(|(msg, _)| msg),
        }
    }
    walk(&parsed, text).map_err(|(msg, _)| msg)
}

#[derive(Clone, Copy)]
enum Frame {
    Map { expect_key: bool, flow: bool },
    Seq { flow: bool },
}

/// Walk the events of `parsed`, locating scalars in `original` by line and column.
fn walk(parsed: &str, original: &str) -> Result<Vec<ScalarExtent>, (String, u32)> {
    let lines = LineIndex::new(original);
    let probe = LineIndex::new(parsed);
    let mut parser = Parser::new_from_str(parsed);
    let mut stack: Vec<Frame> = Vec::new();
    let mut out = Vec::new();
    let mut doc = 0usize;
    let mut started = false;
    while let Some(next) = parser.next_event() {
        let (ev, span) = next.map_err(|e| {
            let line = u32::try_from(e.marker().line()).unwrap_or(u32::MAX);
            (format!("invalid YAML: {}", e.info()), line)
        })?;
        let start = (span.start.line(), span.start.col());
        let role = match &ev {
            Event::Scalar(..)
            | Event::Alias(_)
            | Event::MappingStart(..)
            | Event::SequenceStart(..) => take_role(&mut stack),
            _ => Role::Root,
        };
        let in_flow = stack.iter().any(|f| match f {
            Frame::Map { flow, .. } | Frame::Seq { flow } => *flow,
        });
        match ev {
            Event::DocumentStart(_) => {
                if started {
                    doc += 1;
                }
                started = true;
            }
            Event::MappingStart(..) => {
                let flow = probe.char_at(start) == Some('{');
                stack.push(Frame::Map {
                    expect_key: true,
                    flow,
                });
            }
            Event::SequenceStart(..) => {
                let flow = probe.char_at(start) == Some('[');
                stack.push(Frame::Seq { flow });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            Event::Scalar(_, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal | ScalarStyle::Folded => Style::Block,
                };
                let end = (span.end.line(), span.end.col());
                let (Some(at), Some(parser_end)) = (lines.byte_at(start), lines.byte_at(end))
                else {
                    return Err(("scalar outside the text".into(), 0));
                };
                let from = skip_properties(original, at);
                let to = match style {
                    // The parser's end of a quoted scalar lies past the spaces and comment
                    // after it: find the closing quote instead.
                    Style::SingleQuoted | Style::DoubleQuoted => {
                        closing_quote(original, from, style).unwrap_or(parser_end)
                    }
                    Style::Plain | Style::Block => parser_end,
                };
                let breaks = original.get(at..to).map_or(0, |t| t.matches('\n').count());
                out.push(ScalarExtent {
                    doc,
                    line: u32::try_from(start.0).unwrap_or(u32::MAX),
                    col: u32::try_from(start.1 + 1).unwrap_or(u32::MAX),
                    end_line: u32::try_from(start.0 + breaks).unwrap_or(u32::MAX),
                    range: from..to,
                    style,
                    role,
                    depth: stack.len(),
                    in_flow,
                    anchored: anchor != 0,
                    tagged: tag.is_some(),
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Past the anchor (`&name`) and tag (`!!str`) written before a scalar at `at`: the
/// parser's position of a scalar (and the loader's) is that of its first property.
fn skip_properties(text: &str, mut at: usize) -> usize {
    while let Some(rest) = text.get(at..).filter(|r| r.starts_with(['&', '!'])) {
        let token = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let gap = rest
            .get(token..)
            .map_or(0, |r| r.len() - r.trim_start().len());
        at += token + gap;
    }
    at
}

/// The byte just after the quote closing the scalar that opens at `from`.
fn closing_quote(text: &str, from: usize, style: Style) -> Option<usize> {
    let body = text.get(from + 1..)?;
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (style, c) {
            (Style::DoubleQuoted, '\\') => {
                chars.next();
            }
            (Style::DoubleQuoted, '"') => return Some(from + 1 + i + 1),
            (Style::SingleQuoted, '\'') => {
                if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                    chars.next();
                } else {
                    return Some(from + 1 + i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The role of the node starting now, advancing the parent mapping from key to value.
fn take_role(stack: &mut [Frame]) -> Role {
    match stack.last_mut() {
        None => Role::Root,
        Some(Frame::Seq { .. }) => Role::Item,
        Some(Frame::Map { expect_key, .. }) => {
            let was_key = *expect_key;
            *expect_key = !was_key;
            if was_key { Role::Key } else { Role::Value }
        }
    }
}

/// Line starts of a text, to turn (line, column in characters) into byte offsets.
struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// Byte offset of 1-based `line`, 0-based character `col` (the end of the text counts).
    fn byte_at(&self, (line, col): (usize, usize)) -> Option<usize> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let rest = self.text.get(start..)?;
        match rest.char_indices().nth(col) {
            Some((i, _)) => Some(start + i),
            None => (rest.chars().count() == col).then_some(self.text.len()),
        }
    }

    fn char_at(&self, at: (usize, usize)) -> Option<char> {
        self.text.get(self.byte_at(at)?..)?.chars().next()
    }
}

/// The quoted spelling of a plain scalar that every reader takes for the same string the
/// loader reads from the plain one, or `None` when quoting could change what it means
/// (the plain text reads as a number, boolean or null, or spans lines). `double` picks `"`;
/// the other quote is used when the text holds the preferred one (or a `\`, for `"`).
pub fn quote_plain(text: &str, double: bool) -> Option<String> {
    if text.is_empty() || text.contains(['\n', '\r']) {
        return None;
    }
    if resolve_plain(text) != Value::Str(text.to_string()) {
        return None;
    }
    let fits_double = !text.contains(['"', '\\']);
    let fits_single = !text.contains('\'');
    match (double && fits_double, fits_single, fits_double) {
        (true, _, _) => Some(format!("\"{text}\"")),
        (false, true, _) => Some(format!("'{text}'")),
        (false, false, true) => Some(format!("\"{text}\"")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extents(text: &str) -> Vec<ScalarExtent> {
        scalar_extents(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn written<'t>(text: &'t str, e: &ScalarExtent) -> &'t str {
        text.get(e.range.clone()).unwrap_or_default()
    }

    #[test]
    fn ranges_roles_and_styles() {
        let text = "version: \"3.8\" # \"old\"\nservices:\n  web:\n    ports:\n      - 22:22   # ssh\n      - 'it''s' # 'c'\n    x: [1:2, \"b\\\" \"]\n";
        let e = extents(text);
        let shown: Vec<(&str, Role, usize, Style, bool)> = e
            .iter()
            .map(|x| (written(text, x), x.role, x.depth, x.style, x.in_flow))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("version", Role::Key, 1, Style::Plain, false),
                ("\"3.8\"", Role::Value, 1, Style::DoubleQuoted, false),
                ("services", Role::Key, 1, Style::Plain, false),
                ("web", Role::Key, 2, Style::Plain, false),
                ("ports", Role::Key, 3, Style::Plain, false),
                ("22:22", Role::Item, 4, Style::Plain, false),
                ("'it''s'", Role::Item, 4, Style::SingleQuoted, false),
                ("x", Role::Key, 3, Style::Plain, false),
                ("1:2", Role::Item, 4, Style::Plain, true),
                ("\"b\\\" \"", Role::Item, 4, Style::DoubleQuoted, true),
            ]
        );
        let port = e.get(5).unwrap_or_else(|| panic!("no port"));
        assert_eq!((port.line, port.col, port.end_line), (5, 9, 5));
    }

    #[test]
    fn non_ascii_columns_and_documents() {
        let text = "a: ünï # é\nb: &x 1:2\n---\nc: !!str 5:6\n";
        let e = extents(text);
        assert_eq!(written(text, &e[1]), "ünï");
        assert_eq!(written(text, &e[3]), "1:2");
        assert!(e[3].anchored && !e[3].tagged);
        assert_eq!(
            (e[3].line, e[3].col),
            (2, 4),
            "the loader's position: the anchor"
        );
        assert_eq!((e[4].doc, written(text, &e[5])), (1, "5:6"));
        assert!(e[5].tagged);
    }

    #[test]
    fn closing_brackets_below_their_key_are_accepted_as_the_loader_does() {
        let text = "svc:\n  test: [\n      \"CMD\",\n      x:y\n  ]\n  interval: 5s\n";
        let e = extents(text);
        assert_eq!(written(text, &e[3]), "x:y");
        assert_eq!(written(text, &e[5]), "5s");
    }

    #[test]
    fn quoting_keeps_strings_and_refuses_other_types() {
        assert_eq!(quote_plain("22:22", true).as_deref(), Some("\"22:22\""));
        assert_eq!(quote_plain("22:22", false).as_deref(), Some("'22:22'"));
        assert_eq!(
            quote_plain("${P:-80}:80", true).as_deref(),
            Some("\"${P:-80}:80\"")
        );
        assert_eq!(quote_plain("a\\b", true).as_deref(), Some("'a\\b'"));
        assert_eq!(quote_plain("it's", false).as_deref(), Some("\"it's\""));
        assert_eq!(quote_plain("80", true), None);
        assert_eq!(quote_plain("true", true), None);
        assert_eq!(quote_plain("~", true), None);
        assert_eq!(quote_plain("", true), None);
    }
}
