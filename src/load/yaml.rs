//! The only module that knows a YAML parser: compose YAML text → [`Node`] trees with
//! positions, read the way Docker Compose reads YAML (go-yaml v3 into `map[string]any`):
//! anchors, aliases and `<<` merge keys resolved, `!reset`/`!override` recorded, duplicate keys
//! refused, scalars typed by YAML 1.2 rules plus go-yaml's extras (`0123` is octal, `1_000`).
//! Hostile input is refused with bounded work: size, nesting depth and alias expansion limits.

use crate::diag::LoadError;
use crate::load::node::{At, KeyPath, Map, Node, Value};
use crate::source::{FileId, Span};
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use std::borrow::Cow;

pub mod extent;
mod split;

/// Bounds that make hostile input fail fast instead of exhausting time or memory.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_depth: usize,
    /// Nodes after alias expansion (an alias "billion laughs" bomb exceeds it quickly).
    pub max_nodes: usize,
    /// Published ports after expanding ranges, over the whole load: `"1-65535"` is one node
    /// that becomes 65,535 entries, and an anchor or `extends` can repeat it per service.
    pub max_ports: usize,
    /// Nodes inherited through `extends` over the whole load: every service that extends a
    /// base gets its own copy, so a large base times many services multiplies.
    pub max_extends_nodes: usize,
}

/// A bound spent over a whole load (ports expanded, nodes inherited): what is allowed and
/// what has been used.
#[derive(Debug)]
pub struct Budget {
    pub limit: usize,
    used: usize,
}

impl Budget {
    pub fn new(limit: usize) -> Self {
        Budget { limit, used: 0 }
    }

    /// Spend `n`; false once more than the limit has been spent.
    pub fn spend(&mut self, n: usize) -> bool {
        self.used = self.used.saturating_add(n);
        self.used <= self.limit
    }

    /// Whether spending `n` more would stay within the limit.
    pub fn can_spend(&self, n: usize) -> bool {
        self.used.saturating_add(n) <= self.limit
    }

    pub fn used(&self) -> usize {
        self.used
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 << 20,
            max_depth: 200,
            max_nodes: 1_000_000,
            max_ports: 65_536,
            max_extends_nodes: 1_000_000,
        }
    }
}

/// One YAML document: its tree and the paths its `!reset`/`!override` tags name.
#[derive(Clone, Debug)]
pub struct Document {
    pub root: Node,
    pub reset_paths: Vec<String>,
}

/// Every YAML document in `text`, in order.
///
/// # Errors
/// Syntax errors, duplicate keys, non-string keys, and the [`Limits`].
pub fn parse_documents(
    text: &str,
    file: FileId,
    limits: &Limits,
) -> Result<Vec<Document>, LoadError> {
    if text.len() > limits.max_bytes {
        return Err(LoadError::plain(format!(
            "file is {} bytes, over the {} byte limit",
            text.len(),
            limits.max_bytes
        )));
    }
    check_characters(text, file)?;
    // The size first: asking for the core count reads cgroup files, which a small run
    // does not need to.
    if text.len() >= split::MIN_BYTES
        && crate::par::cores() >= 2
        && let Some(docs) = split::parse(text, file, limits, split::MIN_BYTES)
    {
        return Ok(docs);
    }
    let mut text = std::borrow::Cow::Borrowed(text);
    // go-yaml accepts a flow collection's closing bracket on a line indented less than its
    // parent key (`test: [` … `]` at the key's column); YAML 1.2 parsers don't. Whitespace
    // before a closing bracket means nothing inside a flow collection, so such lines are
    // indented to the previous line and the text parsed again (positions on every other line
    // are unchanged).
    for _ in 0..MAX_REINDENTS {
        match parse_text(&text, file, limits) {
            Err(e) if e.message == "invalid YAML: invalid indentation" => {
                match reindent_closing_line(&text, e.span.line) {
                    Some(fixed) => text = std::borrow::Cow::Owned(fixed),
                    None => return Err(e),
                }
            }
            other => return other,
        }
    }
    parse_text(&text, file, limits)
}

const MAX_REINDENTS: usize = 64;

/// Indent line `line` (1-based) like the line before it, if it holds only closing flow
/// indicators.
fn reindent_closing_line(text: &str, line: u32) -> Option<String> {
    let idx = usize::try_from(line).ok()?.checked_sub(1)?;
    let lines: Vec<&str> = text.split('\n').collect();
    let target = lines.get(idx)?;
    let trimmed = target.trim_start();
    if trimmed.is_empty()
        || !trimmed
            .chars()
            .all(|c| matches!(c, ']' | '}' | ',' | ' ' | '\r'))
    {
        return None;
    }
    let prev_indent = lines
        .get(..idx)?
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())?
        .chars()
        .take_while(|c| *c == ' ')
        .count();
    let current = target.len() - trimmed.len();
    if prev_indent <= current {
        return None;
    }
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_string()).collect();
    let slot = out.get_mut(idx)?;
    *slot = format!("{}{}", " ".repeat(prev_indent), trimmed);
    Some(out.join("\n"))
}

fn parse_text(text: &str, file: FileId, limits: &Limits) -> Result<Vec<Document>, LoadError> {
    Builder::new(file, limits).documents(&mut Parser::new_from_str(text))
}

/// YAML forbids most control characters; name the first one instead of failing obscurely.
fn check_characters(text: &str, file: FileId) -> Result<(), LoadError> {
    if !text.bytes().any(may_start_forbidden) {
        return Ok(());
    }
    find_forbidden(text, file)
}

/// Every forbidden character is, in UTF-8, a C0 control other than tab, newline or carriage
/// return, DEL, or starts with 0xC2 (U+0080..U+009F) or 0xEF (U+FFFE, U+FFFF): one pass
/// over the bytes clears nearly every file (a pass over the characters of every line cost
/// a tenth of the parse).
fn may_start_forbidden(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || matches!(b, 0x7f | 0xc2 | 0xef)
}

/// The first forbidden character, by line and column (in characters).
fn find_forbidden(text: &str, file: FileId) -> Result<(), LoadError> {
    for (i, line) in text.split('\n').enumerate() {
        if let Some((col, c)) = line.chars().enumerate().find(|(_, c)| {
            let c = *c as u32;
            (c < 0x20 && c != 0x09 && c != 0x0d)
                || c == 0x7f
                || (0x80..0xa0).contains(&c)
                || c == 0xfffe
                || c == 0xffff
        }) {
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let col_no = u32::try_from(col + 1).unwrap_or(u32::MAX);
            return Err(LoadError::new(
                Span::new(file, line_no, col_no),
                KeyPath::root(),
                format!(
                    "control character U+{:04X} is not allowed in YAML",
                    c as u32
                ),
            ));
        }
    }
    Ok(())
}

fn pos(file: FileId, span: &saphyr_parser::Span) -> Span {
    let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
    let col = u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX);
    Span::new(file, line, col)
}

/// Where the tree builder takes its events from: the parser itself, or events a parser
/// produced on another thread ([`split`]).
trait Events<'a> {
    fn pull(&mut self, file: FileId) -> Result<(Event<'a>, saphyr_parser::Span), LoadError>;
}

impl<'a> Events<'a> for Parser<'a, saphyr_parser::StrInput<'a>> {
    fn pull(&mut self, file: FileId) -> Result<(Event<'a>, saphyr_parser::Span), LoadError> {
        next(self, file)
    }
}

fn next<'a>(
    parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>,
    file: FileId,
) -> Result<(Event<'a>, saphyr_parser::Span), LoadError> {
    match parser.next_event() {
        Some(Ok(x)) => Ok(x),
        Some(Err(e)) => {
            let m = e.marker();
            let line = u32::try_from(m.line()).unwrap_or(u32::MAX);
            let col = u32::try_from(m.col() + 1).unwrap_or(u32::MAX);
            let info = e.info();
            let msg = if info.contains("recursion limit") {
                format!("invalid YAML: nesting too deep ({info})")
            } else {
                format!("invalid YAML: {info}")
            };
            Err(LoadError::new(
                Span::new(file, line, col),
                KeyPath::root(),
                msg,
            ))
        }
        None => Ok((Event::StreamEnd, saphyr_parser::Span::default())),
    }
}

struct Builder {
    file: FileId,
    limits: Limits,
    /// Anchored nodes by anchor id (saphyr numbers anchors from 1), with their node counts.
    anchors: Vec<Option<(Node, usize)>>,
    nodes: usize,
}

fn is_tag(tag: &Option<Cow<'_, Tag>>, name: &str) -> bool {
    tag.as_ref()
        .is_some_and(|t| t.handle == "!" && t.suffix == name)
}

fn dotted(path: &KeyPath) -> String {
    use crate::load::node::PathSeg;
    let parts: Vec<String> = path
        .0
        .iter()
        .filter(|s| !matches!(s, PathSeg::Key(k) if &**k == "<<"))
        .map(|s| match s {
            PathSeg::Key(k) => k.to_string(),
            PathSeg::Index(i) => i.to_string(),
        })
        .collect();
    parts.join(".")
}

impl Builder {
    fn new(file: FileId, limits: &Limits) -> Self {
        Builder {
            file,
            limits: *limits,
            anchors: Vec::new(),
            nodes: 0,
        }
    }

    /// Every document of the stream `events`.
    fn documents<'a>(&mut self, events: &mut impl Events<'a>) -> Result<Vec<Document>, LoadError> {
        let file = self.file;
        let mut docs = Vec::new();
        loop {
            let (ev, span) = events.pull(file)?;
            match ev {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => break,
                Event::DocumentStart(_) => {
                    self.anchors.clear();
                    let mut resets = Vec::new();
                    let (first, fspan) = events.pull(file)?;
                    let root = self.node(events, first, fspan, 0, &At::ROOT, &mut resets)?;
                    let root = root.unwrap_or_else(|| Node::null(pos(file, &span)));
                    docs.push(Document {
                        root,
                        reset_paths: resets,
                    });
                }
                _ => {
                    return Err(LoadError::new(
                        pos(file, &span),
                        KeyPath::root(),
                        "unexpected YAML event",
                    ));
                }
            }
        }
        Ok(docs)
    }

    fn bump(&mut self, n: usize, span: Span, path: &At) -> Result<(), LoadError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(LoadError::new(
                span,
                path.key_path(),
                format!(
                    "document expands to more than {} nodes (possible alias bomb)",
                    self.limits.max_nodes
                ),
            ));
        }
        Ok(())
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor == 0 {
            return;
        }
        if self.anchors.len() <= anchor {
            self.anchors.resize(anchor + 1, None);
        }
        if let Some(slot) = self.anchors.get_mut(anchor) {
            *slot = Some((node.clone(), node.count_nodes()));
        }
    }

    /// Build the node that starts with `ev`. `None` when the node is tagged `!reset`.
    /// `path` is where the node is.
    fn node<'a>(
        &mut self,
        parser: &mut impl Events<'a>,
        ev: Event<'a>,
        span: saphyr_parser::Span,
        depth: usize,
        path: &At,
        resets: &mut Vec<String>,
    ) -> Result<Option<Node>, LoadError> {
        let at = pos(self.file, &span);
        if depth > self.limits.max_depth {
            return Err(LoadError::new(
                at,
                path.key_path(),
                format!("nesting deeper than {} levels", self.limits.max_depth),
            ));
        }
        let (node, anchor, tag) = match ev {
            Event::Alias(id) => {
                let Some(Some((_, n))) = self.anchors.get(id) else {
                    return Err(LoadError::new(at, path.key_path(), "unknown anchor"));
                };
                // Count before cloning: an alias bomb is refused without building it.
                self.bump(*n, at, path)?;
                let Some(Some((node, _))) = self.anchors.get(id) else {
                    return Err(LoadError::new(at, path.key_path(), "unknown anchor"));
                };
                let mut node = node.clone();
                node.key_span = at;
                return Ok(Some(node));
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.bump(1, at, path)?;
                (Node::new(scalar(&text, style, &tag), at), anchor, tag)
            }
            Event::SequenceStart(anchor, tag) => {
                self.bump(1, at, path)?;
                let mut items = Vec::new();
                loop {
                    let (ev, sp) = parser.pull(self.file)?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    let item_at = path.index(items.len());
                    let item = self.node(parser, ev, sp, depth + 1, &item_at, resets)?;
                    if let Some(n) = item {
                        items.push(n);
                    }
                }
                (Node::seq(items, at), anchor, tag)
            }
            Event::MappingStart(anchor, tag) => {
                self.bump(1, at, path)?;
                (self.mapping(parser, at, depth, path, resets)?, anchor, tag)
            }
            _ => return Err(LoadError::new(at, path.key_path(), "unexpected YAML event")),
        };
        self.remember(anchor, &node);
        if is_tag(&tag, "reset") {
            resets.push(dotted(&path.key_path()));
            return Ok(None);
        }
        if is_tag(&tag, "override") {
            resets.push(dotted(&path.key_path()));
        }
        Ok(Some(node))
    }

    fn mapping<'a>(
        &mut self,
        parser: &mut impl Events<'a>,
        at: Span,
        depth: usize,
        path: &At,
        resets: &mut Vec<String>,
    ) -> Result<Node, LoadError> {
        let mut map = Map::default();
        // Keys tagged `!reset` build no node, so the map cannot tell where they were written:
        // kept aside to find a duplicate of one (duplicate keys are an error).
        let mut reset_keys: Vec<(String, u32)> = Vec::new();
        let mut merged: Vec<Node> = Vec::new();
        loop {
            let (ev, sp) = parser.pull(self.file)?;
            if matches!(ev, Event::MappingEnd) {
                break;
            }
            let key_at = pos(self.file, &sp);
            // A merge key is `<<` written plain or tagged `!!merge` (as in go-yaml, whose
            // resolver gives a plain `<<` the merge tag): `"<<"` and `!!str <<` are ordinary keys.
            let (key, merge_tagged) = match ev {
                Event::Scalar(text, style, _, tag) => match scalar(&text, style, &tag) {
                    Value::Str(s) => {
                        let merge = match &tag {
                            None => matches!(style, ScalarStyle::Plain),
                            Some(t) => t.is_yaml_core_schema() && t.suffix == "merge",
                        };
                        (s, merge)
                    }
                    other => {
                        let shown = Node::new(other, key_at)
                            .scalar_to_string()
                            .unwrap_or_else(|| "null".into());
                        let where_ = if path.is_root() {
                            "at top level".to_string()
                        } else {
                            format!("in {}", path.key_path())
                        };
                        return Err(LoadError::new(
                            key_at,
                            path.key_path(),
                            format!("non-string key {where_}: {shown}"),
                        ));
                    }
                },
                _ => {
                    return Err(LoadError::new(
                        key_at,
                        path.key_path(),
                        "mapping keys must be strings",
                    ));
                }
            };
            let is_merge = merge_tagged && key == "<<";
            if !is_merge {
                let first = map.get(&key).map(|v| v.key_span.line).or_else(|| {
                    reset_keys
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map(|(_, line)| *line)
                });
                if let Some(line) = first {
                    return Err(LoadError::new(
                        key_at,
                        path.key_path().key(&key),
                        format!("mapping key {key:?} already defined at line {line}"),
                    ));
                }
            }
            let (vev, vsp) = parser.pull(self.file)?;
            let value_at = path.key(&key);
            let built = self.node(parser, vev, vsp, depth + 1, &value_at, resets)?;
            let child_path = is_merge.then(|| value_at.key_path());
            let Some(mut value) = built else {
                if !is_merge {
                    reset_keys.push((key, key_at.line));
                }
                continue;
            };
            if let Some(child_path) = child_path {
                match value.value {
                    Value::Map(_) => merged.push(value),
                    Value::Seq(items) => {
                        for item in items {
                            if item.as_map().is_none() {
                                return Err(LoadError::new(
                                    item.span,
                                    child_path.clone(),
                                    "map merge requires map or sequence of maps as the value",
                                ));
                            }
                            merged.push(item);
                        }
                    }
                    _ => {
                        return Err(LoadError::new(
                            value.span,
                            child_path,
                            "map merge requires map or sequence of maps as the value",
                        ));
                    }
                }
                continue;
            }
            value.key_span = key_at;
            map.insert(key, value);
        }
        // Merge keys: explicit keys win, then earlier merged maps win over later ones.
        for m in merged {
            if let Value::Map(entries) = m.value {
                for (k, v) in entries {
                    map.entry(k).or_insert(v);
                }
            }
        }
        Ok(Node::map(map, at))
    }
}

/// Type a scalar as go-yaml v3 does when decoding into `any`.
fn scalar(text: &str, style: ScalarStyle, tag: &Option<Cow<'_, Tag>>) -> Value {
    if let Some(t) = tag
        && t.is_yaml_core_schema()
    {
        return match t.suffix.as_str() {
            "str" => Value::Str(text.to_string()),
            "null" => Value::Null,
            "bool" => resolve_plain(text),
            "int" | "float" => match resolve_plain(text) {
                v @ (Value::Int(_) | Value::Float(_)) => v,
                _ => Value::Str(text.to_string()),
            },
            _ => Value::Str(text.to_string()),
        };
    }
    if style != ScalarStyle::Plain {
        return Value::Str(text.to_string());
    }
    resolve_plain(text)
}

fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = text.chars().next().unwrap_or(' ');
    if !(first.is_ascii_digit() || first == '+' || first == '-' || first == '.') {
        return Value::Str(text.to_string());
    }
    let plain = text.replace('_', "");
    if let Some(i) = parse_go_int(&plain) {
        return Value::Int(i);
    }
    if is_yaml_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(text.to_string())
}

/// Go's `strconv.ParseInt(s, 0, 64)`: sign, then `0x`/`0o`/`0b` prefixes or a leading `0`
/// for octal.
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (digits, radix) = if let Some(d) = lower.strip_prefix("0x") {
        (d.to_string(), 16)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (d.to_string(), 8)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (d.to_string(), 2)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (lower.get(1..)?.to_string(), 8)
    } else {
        (lower.clone(), 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(&digits, radix).ok()?;
    let v = if neg { -magnitude } else { magnitude };
    i64::try_from(v).ok()
}

/// go-yaml's float pattern `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (
            s.get(..i).unwrap_or_default(),
            Some(s.get(i + 1..).unwrap_or_default()),
        ),
        None => (s, None),
    };
    let digits = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exp_ok = exp.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exp_ok
}

/// Serialize a value as YAML (for `config --format yaml` and the Swarm backend).
///
/// # Errors
/// Values YAML cannot represent.
pub fn to_yaml_string<T: serde::Serialize>(v: &T) -> Result<String, String> {
    yaml_serde::to_string(v)
        .map(|t| quote_merge_keys(&t))
        .map_err(|e| e.to_string())
}

/// The emitter writes a `<<` key plain, which every YAML reader (ours, compose's) takes for
/// a merge key: quote it, outside block scalars, so the text reads back as the same tree.
fn quote_merge_keys(text: &str) -> String {
    if !text.contains("<<:") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    // Indentation of the line that opened a block scalar (`|`, `|-`, `>`...): deeper lines
    // are its content.
    let mut block: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let indent = body.len() - body.trim_start_matches(' ').len();
        if let Some(b) = block {
            if body.trim().is_empty() || indent > b {
                out.push_str(line);
                continue;
            }
            block = None;
        }
        let mut item = body.get(indent..).unwrap_or_default();
        while let Some(r) = item.strip_prefix("- ") {
            item = r;
        }
        let prefix_len = body.len() - item.len();
        if item == "<<:" || item.starts_with("<<: ") {
            out.push_str(body.get(..prefix_len).unwrap_or_default());
            out.push_str("'<<'");
            out.push_str(item.get(2..).unwrap_or_default());
            out.push_str(line.get(body.len()..).unwrap_or_default());
        } else {
            out.push_str(line);
        }
        let opens_block = body.rsplit_once(' ').is_some_and(|(_, last)| {
            last.starts_with(['|', '>'])
                && last
                    .chars()
                    .skip(1)
                    .all(|c| c == '-' || c == '+' || c.is_ascii_digit())
        });
        if opens_block {
            block = Some(indent);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The byte screen lets through only text the character scan also accepts: the
        /// verdict and the first position are those of the scan alone.
        #[test]
        fn byte_screen_agrees_with_the_character_scan(
            s in "[a-z \t\r\n\u{0}-\u{1f}\u{7f}\u{80}-\u{a0}\u{e9}\u{a9}\u{fffd}-\u{ffff}\u{10000}]{0,12}",
        ) {
            let screened = check_characters(&s, FileId(1)).map_err(|e| e.span);
            let scanned = find_forbidden(&s, FileId(1)).map_err(|e| e.span);
            prop_assert_eq!(screened, scanned);
        }
    }

    fn one(text: &str) -> Document {
        let mut docs =
            parse_documents(text, FileId(1), &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    fn json(text: &str) -> serde_json::Value {
        one(text).root.to_json()
    }

    #[test]
    fn scalars_are_typed_like_go_yaml() {
        let v = json(
            "a: 0123\nb: 0x1F\nc: yes\nd: ~\ne: '12'\nf: 1_000\ng: 08\nh: 1e3\ni: true\nj: 2001-12-14\nk: +7\nl: .5\n",
        );
        assert_eq!(
            v,
            serde_json::json!({"a": 83, "b": 31, "c": "yes", "d": null, "e": "12", "f": 1000, "g": 8.0, "h": 1000.0, "i": true, "j": "2001-12-14", "k": 7, "l": 0.5})
        );
    }

    #[test]
    fn positions_of_keys_and_values() {
        let d = one("services:\n  web:\n    image: nginx\n");
        let image = d
            .root
            .get("services")
            .and_then(|s| s.get("web"))
            .and_then(|w| w.get("image"))
            .cloned();
        let image = image.unwrap_or_else(|| panic!("no image"));
        assert_eq!((image.span.line, image.span.col), (3, 12));
        assert_eq!((image.key_span.line, image.key_span.col), (3, 5));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let v = json(
            "x: &base {a: 1, b: 2}\ny: &other {b: 3, c: 4}\nz:\n  <<: [*base, *other]\n  a: 9\nw: *base\n",
        );
        assert_eq!(v["z"], serde_json::json!({"a": 9, "b": 2, "c": 4}));
        assert_eq!(v["w"], serde_json::json!({"a": 1, "b": 2}));
    }

    #[test]
    fn the_merge_tag_makes_a_merge_key() {
        let v = json(
            "x: &b {a: 1}\nt:\n  !!merge <<: *b\nq:\n  !!merge \"<<\": *b\ns:\n  !!str <<: *b\nd:\n  \"<<\": *b\n",
        );
        assert_eq!(v["t"], serde_json::json!({"a": 1}));
        assert_eq!(v["q"], serde_json::json!({"a": 1}));
        assert_eq!(v["s"], serde_json::json!({"<<": {"a": 1}}));
        assert_eq!(v["d"], serde_json::json!({"<<": {"a": 1}}));
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = parse_documents("a: 1\nb: 2\na: 3\n", FileId(1), &Limits::default()).err();
        let e = e.unwrap_or_else(|| panic!("accepted"));
        assert_eq!(e.message, "mapping key \"a\" already defined at line 1");
        assert_eq!((e.span.line, e.span.col), (3, 1));
    }

    #[test]
    fn non_string_keys_are_refused() {
        let e = parse_documents("services:\n  80: x\n", FileId(1), &Limits::default()).err();
        assert_eq!(
            e.map(|e| e.message),
            Some("non-string key in services: 80".to_string())
        );
    }

    #[test]
    fn reset_and_override_tags_are_recorded() {
        let d = one(
            "services:\n  web:\n    ports: !reset []\n    environment: !override\n      A: b\n",
        );
        assert_eq!(
            d.reset_paths,
            vec![
                "services.web.ports".to_string(),
                "services.web.environment".to_string()
            ]
        );
        let web = d
            .root
            .get("services")
            .and_then(|s| s.get("web"))
            .cloned()
            .unwrap_or_else(|| panic!("no web"));
        assert!(web.get("ports").is_none());
        assert!(web.get("environment").is_some());
    }

    #[test]
    fn alias_bomb_is_refused_by_node_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        let e = parse_documents(&text, FileId(1), &Limits::default())
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert!(e.message.contains("possible alias bomb"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}1{}", "[".repeat(500), "]".repeat(500));
        let e = parse_documents(&text, FileId(1), &Limits::default())
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert!(e.message.contains("nesting"), "{}", e.message);
        let limits = Limits {
            max_depth: 20,
            ..Limits::default()
        };
        let text = format!("{}1{}", "[".repeat(30), "]".repeat(30));
        let e = parse_documents(&text, FileId(1), &limits)
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert_eq!(e.message, "nesting deeper than 20 levels");
        assert_eq!((e.span.line, e.span.col), (1, 22));
    }

    #[test]
    fn control_characters_and_syntax_errors_have_positions() {
        let e = parse_documents("a: 1\nb: x\u{0}y\n", FileId(1), &Limits::default())
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert_eq!((e.span.line, e.span.col), (2, 5));
        let e = parse_documents("a: [1, 2\nb: 3\n", FileId(1), &Limits::default())
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert!(e.message.starts_with("invalid YAML"), "{}", e.message);
    }

    #[test]
    fn closing_bracket_below_key_indent_is_accepted() {
        let v = json("svc:\n  test: [\n      \"CMD\",\n      \"true\"\n  ]\n  interval: 5s\n");
        assert_eq!(
            v,
            serde_json::json!({"svc": {"test": ["CMD", "true"], "interval": "5s"}})
        );
    }

    #[test]
    fn multi_document_files() {
        let docs = parse_documents("a: 1\n---\nb: 2\n", FileId(1), &Limits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(docs.len(), 2);
        assert!(
            parse_documents("", FileId(1), &Limits::default())
                .map(|d| d.is_empty())
                .unwrap_or(false)
        );
    }
}
