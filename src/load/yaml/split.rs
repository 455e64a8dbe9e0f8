//! A large compose file parsed on two cores. Parsing is most of a load and one thread's
//! work: the file is cut at a service entry past the middle of `services:`, the part
//! after the cut is parsed (events only) on a second thread while this one builds the
//! tree of the part before it, then those events are built onto the same tree.
//!
//! The part after the cut may use anchors defined before it. Its text is given stub
//! definitions of the anchors the first part appears to define (`x-stubs: [&a ~]`), so the
//! second parser numbers every anchor as one parser of the whole file would; once the
//! first part is built, the anchors it really defined are read back from their positions
//! and must be exactly those stubs, so an alias resolves to the node it names.
//!
//! Anything unusual (a merge key or tag at the top levels, documents, quoted or odd service
//! names, a cut that is not an entry of `services:`, any error in either part, a key on both
//! sides) gives `None`, and the caller parses the file in one piece: errors and their
//! positions always come from that one parse.

use super::{Builder, Document, Events, Limits};
use crate::diag::LoadError;
use crate::load::node::{At, Node, Value};
use crate::source::{FileId, Span};
use saphyr_parser::{Event, Marker, Parser};

/// Below this a second thread costs more than it saves.
pub const MIN_BYTES: usize = 64 << 10;

/// Where the cut falls in the services region: the first entry past this share of it.
/// The first part is parsed and built, the second only parsed meanwhile (building
/// costs about as much again as parsing): cutting before the middle evens them out.
const CUT_PERCENT: usize = 45;

type Located<'a> = (Event<'a>, saphyr_parser::Span);

/// The documents of `text`, parsed in two parts, or `None` when it cannot be cut safely.
pub(super) fn parse(
    text: &str,
    file: FileId,
    limits: &Limits,
    min_bytes: usize,
) -> Option<Vec<Document>> {
    if text.len() < min_bytes {
        return None;
    }
    let cut = plan(text)?;
    let (first, rest) = text.split_at(cut.offset);
    let names = guessed_anchors(first);
    let second = second_part(&names, rest);
    // Line `first_line` of the second text is line `cut.line` of the file.
    let first_line: i64 = if names.is_empty() { 2 } else { 3 };
    let shift = i64::from(cut.line) - first_line;
    std::thread::scope(|scope| {
        // A node is one or two events: more than that many means the node limit is
        // exceeded, which one parse reports without keeping every event in memory.
        let most = limits.max_nodes.saturating_mul(2).saturating_add(16);
        let second = &second;
        let events = scope.spawn(move || events(second, shift, most));
        let mut builder = Builder::new(file, limits);
        let built = builder.documents(&mut Parser::new_from_str(first));
        let events = events.join().ok()??;
        let mut docs = built.ok()?;
        if docs.len() != 1 || !anchors_are(&builder, first, &names) {
            return None;
        }
        let (root, resets) = build_second(&mut builder, events, names.len())?;
        let doc = docs.first_mut()?;
        join(&mut doc.root, root)?;
        doc.reset_paths.extend(resets);
        Some(docs)
    })
}

struct Cut {
    /// Byte offset of the line the second part starts with.
    offset: usize,
    /// Its line number (1-based).
    line: u32,
}

/// Whether a line's text after its indentation starts a plain service name (compose's
/// `[a-zA-Z0-9._-]`, without the `-` that could start a sequence entry).
fn starts_entry(content: &str) -> bool {
    content
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

/// Where to cut: an entry line of the block mapping under a top-level `services:` line, past
/// [`CUT_PERCENT`] of that mapping's text, and not its first entry.
fn plan(text: &str) -> Option<Cut> {
    let mut services: Option<usize> = None; // byte offset where its entries begin
    let mut region_end: Option<usize> = None; // the next top-level key's
    let mut indent: Option<usize> = None;
    let mut entries: Vec<(usize, u32)> = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split('\n').enumerate() {
        let start = offset;
        offset += line.len() + 1;
        let number = u32::try_from(i + 1).ok()?;
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content == "\r" || content.starts_with('#') {
            continue;
        }
        // Tabs, directives and document markers: one piece.
        if content.starts_with('\t')
            || line.starts_with('%')
            || (i > 0 && (line.starts_with("---") || line.starts_with("...")))
        {
            return None;
        }
        if !line.starts_with(' ') {
            // A top-level key. Merge keys, tags and explicit keys there change what the
            // parts would mean apart.
            if line.starts_with(['<', '!', '?', '&', '*']) {
                return None;
            }
            if services.is_some() && region_end.is_none() {
                region_end = Some(start);
            }
            let rest = line.strip_prefix("services:").map(str::trim);
            if let Some(rest) = rest {
                if services.is_some() || !(rest.is_empty() || rest.starts_with('#')) {
                    return None;
                }
                services = Some(offset.min(text.len()));
            }
            continue;
        }
        if services.is_none() || region_end.is_some() {
            continue;
        }
        let width = line.len() - content.len();
        let i_entry = *indent.get_or_insert(width);
        if width == i_entry {
            if !starts_entry(content) {
                return None;
            }
            entries.push((start, number));
        } else if width < i_entry {
            return None;
        }
    }
    let begin = services?;
    let end = region_end.unwrap_or(text.len());
    let target = begin + end.saturating_sub(begin) * CUT_PERCENT / 100;
    let &(offset, line) = entries.iter().skip(1).find(|(at, _)| *at >= target)?;
    Some(Cut { offset, line })
}

/// Byte ends of an anchor name: whitespace and flow indicators end it.
fn anchor_name(s: &str) -> &str {
    let end = s
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '{' | '}'))
        .unwrap_or(s.len());
    s.get(..end).unwrap_or_default()
}

/// The anchors `text` seems to define, in order: every `&name` where a node can start (at a
/// line's start or after `:`, `-`, `?`, `[`, `{` or `,`). Only a guess (it cannot tell a
/// comment or a block scalar from a node): [`anchors_are`] checks it against the parse.
fn guessed_anchors(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for (at, _) in text.match_indices('&') {
        let before = bytes.get(..at).unwrap_or_default();
        let prev = before.iter().rev().find(|&&b| b != b' ' && b != b'\t');
        let node_start = matches!(
            prev,
            None | Some(b'\n' | b':' | b'-' | b'?' | b'[' | b'{' | b',')
        );
        let name = anchor_name(text.get(at + 1..).unwrap_or_default());
        if node_start && !name.is_empty() {
            out.push(name);
        }
    }
    out
}

/// The second part's text: stub definitions of `names`, in order, then `services:` and the
/// lines from the cut on.
fn second_part(names: &[&str], rest: &str) -> String {
    let stubs: usize = names.iter().map(|n| n.len() + 5).sum();
    let mut out = String::with_capacity(stubs + rest.len() + 24);
    if !names.is_empty() {
        out.push_str("x-stubs: [");
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push('&');
            out.push_str(name);
            out.push_str(" ~");
        }
        out.push_str("]\n");
    }
    out.push_str("services:\n");
    out.push_str(rest);
    out
}

/// Every event of `text`, with lines moved by `shift` to where they are in the file; `None`
/// at a syntax error or past `most` events.
fn events(text: &str, shift: i64, most: usize) -> Option<Vec<Located<'_>>> {
    let mut parser = Parser::new_from_str(text);
    let mut out = Vec::with_capacity((text.len() / 8).min(most));
    while let Some(next) = parser.next_event() {
        if out.len() >= most {
            return None;
        }
        let (ev, span) = next.ok()?;
        let moved = |m: Marker| {
            let line = i64::try_from(m.line())
                .unwrap_or(i64::MAX)
                .saturating_add(shift);
            Marker::new(m.index(), usize::try_from(line).unwrap_or(0), m.col())
        };
        let end = matches!(ev, Event::StreamEnd);
        out.push((
            ev,
            saphyr_parser::Span::new(moved(span.start), moved(span.end)),
        ));
        if end {
            break;
        }
    }
    Some(out)
}

/// Whether the first part defined exactly the anchors `names`, in order: each anchored node
/// starts (at its anchor, or at a tag before it) where a `&name` of that name is written.
fn anchors_are(builder: &Builder, text: &str, names: &[&str]) -> bool {
    let defined = builder.anchors.len().saturating_sub(1);
    if defined != names.len() {
        return false;
    }
    let mut wanted: Vec<(Span, &str)> = Vec::with_capacity(names.len());
    for (slot, name) in builder.anchors.iter().skip(1).zip(names) {
        let Some((node, _)) = slot else {
            return false;
        };
        wanted.push((node.span, name));
    }
    // The lines that hold them, found in one pass.
    let mut numbers: Vec<u32> = wanted.iter().map(|(span, _)| span.line).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let mut lines: Vec<&str> = Vec::with_capacity(numbers.len());
    let mut next = numbers.iter().peekable();
    for (i, line) in text.split('\n').enumerate() {
        let Some(&&n) = next.peek() else { break };
        if u32::try_from(i + 1).is_ok_and(|at| at == n) {
            lines.push(line);
            next.next();
        }
    }
    for (span, name) in wanted {
        let Ok(i) = numbers.binary_search(&span.line) else {
            return false;
        };
        let Some(line) = lines.get(i) else {
            return false;
        };
        let col = usize::try_from(span.col).unwrap_or(0).saturating_sub(1);
        let Some(at) = line.char_indices().nth(col).map(|(b, _)| b) else {
            return false;
        };
        let mut here = line.get(at..).unwrap_or_default();
        if here.starts_with('!') {
            let tag_end = here.find(char::is_whitespace).unwrap_or(here.len());
            here = here.get(tag_end..).unwrap_or_default().trim_start();
        }
        let Some(after) = here.strip_prefix('&') else {
            return false;
        };
        if anchor_name(after) != name {
            return false;
        }
    }
    true
}

/// Events handed over from the other thread.
struct Replay<'a> {
    events: std::vec::IntoIter<Located<'a>>,
}

impl<'a> Events<'a> for Replay<'a> {
    fn pull(&mut self, _: FileId) -> Result<Located<'a>, LoadError> {
        Ok(self
            .events
            .next()
            .unwrap_or((Event::StreamEnd, saphyr_parser::Span::default())))
    }
}

/// Build the second part's root mapping onto `builder` (which holds the first part's
/// anchors), past the stubs of `stubs` anchors; its resets too.
fn build_second<'a>(
    builder: &mut Builder,
    events: Vec<Located<'a>>,
    stubs: usize,
) -> Option<(Node, Vec<String>)> {
    let mut events = events.into_iter();
    let mut pull = || events.next().map(|(ev, _)| ev);
    if !matches!(pull()?, Event::StreamStart)
        || !matches!(pull()?, Event::DocumentStart(_))
        || !matches!(pull()?, Event::MappingStart(0, None))
    {
        return None;
    }
    if stubs > 0 {
        let key = matches!(pull()?, Event::Scalar(k, _, 0, None) if k == "x-stubs");
        if !key || !matches!(pull()?, Event::SequenceStart(0, None)) {
            return None;
        }
        for id in 1..=stubs {
            if !matches!(pull()?, Event::Scalar(_, _, a, None) if a == id) {
                return None;
            }
        }
        if !matches!(pull()?, Event::SequenceEnd) {
            return None;
        }
    }
    let mut replay = Replay { events };
    let mut resets = Vec::new();
    let at = Span::new(builder.file, 1, 1);
    let root = builder
        .mapping(&mut replay, at, 0, &At::ROOT, &mut resets)
        .ok()?;
    for ev in replay.events.by_ref() {
        match ev.0 {
            Event::DocumentEnd | Event::Nothing => {}
            Event::StreamEnd => break,
            _ => return None,
        }
    }
    Some((root, resets))
}

/// Put the second part's root (`services:` with the entries after the cut, then any later
/// top-level keys) onto the first part's. A key on both sides is a duplicate, which the
/// one-piece parse reports.
fn join(first: &mut Node, second: Node) -> Option<()> {
    let Value::Map(first) = &mut first.value else {
        return None;
    };
    let Value::Map(second) = second.value else {
        return None;
    };
    let mut second = second.into_iter();
    let (key, services) = second.next()?;
    let (last, own) = first.last_mut()?;
    if key != "services" || last != "services" {
        return None;
    }
    let (Value::Map(own), Value::Map(more)) = (&mut own.value, services.value) else {
        return None;
    };
    own.reserve(more.len());
    for (k, v) in more {
        if own.contains_key(&k) {
            return None;
        }
        own.insert(k, v);
    }
    for (k, v) in second {
        if first.contains_key(&k) {
            return None;
        }
        first.insert(k, v);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one_piece(text: &str) -> Result<Vec<Document>, LoadError> {
        Builder::new(FileId(1), &Limits::default()).documents(&mut Parser::new_from_str(text))
    }

    fn in_two(text: &str) -> Option<Vec<Document>> {
        parse(text, FileId(1), &Limits::default(), 0)
    }

    /// The same documents, positions and resets as one parse, or no cut at all.
    pub(super) fn same_as_one_piece(text: &str) -> Result<bool, String> {
        let Some(two) = in_two(text) else {
            return Ok(false);
        };
        let one = one_piece(text).map_err(|e| format!("one piece failed: {e}"))?;
        if one.len() != two.len() {
            return Err("document counts differ".into());
        }
        for (a, b) in one.iter().zip(&two) {
            if a.root != b.root {
                return Err("trees differ".into());
            }
            if a.reset_paths != b.reset_paths {
                return Err("resets differ".into());
            }
        }
        Ok(true)
    }

    /// A service of the test files: `kind` picks the features it has. Every service
    /// anchors its labels, so any may alias the one before it (which may be before the cut).
    fn service(i: usize, kind: u8) -> String {
        let mut s = format!(
            "  s{i}:\n    <<: *defaults\n    image: \"img:{i}\"\n    labels: &own{i}\n      n: \"{i}\"\n"
        );
        if kind & 1 != 0 {
            s.push_str("    command: sh -c \"a && b & c\"\n    entrypoint: x &y\n");
        }
        if kind & 2 != 0 {
            s.push_str("    environment: *env\n");
        }
        if kind & 4 != 0 && i > 0 {
            s.push_str(&format!("    x-prev: *own{}\n", i - 1));
        }
        if kind & 8 != 0 {
            s.push_str("    healthcheck:\n      test: |\n        curl -f x\n\n          two\n      interval: 5s\n");
        }
        if kind & 16 != 0 {
            s.push_str("    # a comment: with a colon\n    ports: [\"80:80\", {target: 81}]\n");
        }
        if kind & 32 != 0 {
            s.push_str("    x-reset: !reset {}\n");
        }
        if kind & 64 != 0 {
            s.push_str("    volumes:\n      - a:/a\n      - type: bind\n        source: ./b\n        target: /b\n");
        }
        s
    }

    fn file(kinds: &[u8], tail: bool) -> String {
        let mut text = String::from(
            "name: t\nx-defaults: &defaults\n  restart: always\nx-env: &env\n  A: \"1\"\nservices:\n",
        );
        for (i, &kind) in kinds.iter().enumerate() {
            text.push_str(&service(i, kind));
        }
        if tail {
            text.push_str("networks:\n  n1: {}\nvolumes: &vols\n  v1:\n");
        }
        text
    }

    #[test]
    fn a_large_file_is_cut_and_built_as_one_parse_builds_it() {
        let kinds: Vec<u8> = (0..300).map(|i| (i * 37 % 128) as u8).collect();
        let text = file(&kinds, true);
        assert_eq!(same_as_one_piece(&text), Ok(true));
        // Line numbers after the cut are the file's own.
        let two = in_two(&text).unwrap_or_else(|| panic!("not cut"));
        let last = two
            .first()
            .and_then(|d| d.root.get("services"))
            .and_then(|s| s.get("s299"))
            .map(|n| n.key_span.line);
        let expected = text
            .lines()
            .position(|l| l == "  s299:")
            .map(|i| i as u32 + 1);
        assert_eq!(last, expected);
    }

    #[test]
    fn what_cannot_stand_in_two_parts_is_parsed_in_one() {
        let kinds: Vec<u8> = vec![6; 200];
        let base = file(&kinds, false);
        let cut_at = plan(&base)
            .map(|c| c.offset)
            .unwrap_or_else(|| panic!("no cut"));
        let with = |extra: &str, at: usize| {
            let mut t = base.clone();
            t.insert_str(at, extra);
            t
        };
        let cases = [
            // The same service on both sides of the cut: a duplicate, reported by one parse.
            with("  s0:\n    image: x\n", cut_at),
            // A merge key among the services.
            with("  <<: *defaults\n", base.find("  s0:").unwrap_or(0)),
            // A second document.
            format!("{base}---\nservices: {{}}\n"),
            // An anchor written inside a block scalar looks like one: the guess is wrong.
            with(
                "  s-first:\n    command: |\n      &defaults x\n",
                base.find("  s0:").unwrap_or(0),
            ),
            // An anchor after a tag is not guessed.
            with("x-tagged: !!map &tagged {a: 1}\n", 0),
            // A quoted service name.
            with("  \"q\":\n    image: x\n", cut_at),
            // Tabs.
            with("\t\n", cut_at),
        ];
        for (i, text) in cases.iter().enumerate() {
            assert_eq!(in_two(text).map(|_| ()), None, "case {i} was cut");
        }
        assert!(in_two(&base).is_some());
    }

    /// Past the node limit the second part stops collecting events, and the one-piece parse
    /// gives the limit's error.
    #[test]
    fn the_node_limit_bounds_the_events_kept() {
        let text = file(&[0; 300], false);
        let limits = Limits {
            max_nodes: 500,
            ..Limits::default()
        };
        assert!(events(&text, 0, 1000).is_none());
        assert!(events(&text, 0, usize::MAX).is_some_and(|e| e.len() > 1000));
        assert!(parse(&text, FileId(1), &limits, 0).is_none());
        let e = super::super::parse_documents(&text, FileId(1), &limits)
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert!(e.message.contains("more than 500 nodes"), "{}", e.message);
    }

    proptest! {
        /// Whatever the services hold, a cut file builds what one parse builds.
        #[test]
        fn cut_parses_equal_one_piece(
            kinds in proptest::collection::vec(0u8..128, 2..40),
            tail in any::<bool>(),
        ) {
            let text = file(&kinds, tail);
            prop_assert_eq!(same_as_one_piece(&text).map(|_| ()), Ok(()));
        }

        /// Arbitrary lines among services (as if someone wrote them): a cut or none, never a
        /// different tree.
        #[test]
        fn odd_lines_never_change_the_tree(
            kinds in proptest::collection::vec(0u8..128, 4..24),
            extra in proptest::collection::vec(
                "( {0,6})([a-z&*!<?#\"'|>{}\\[\\],:-]| ){0,12}", 1..4),
            at in proptest::collection::vec(0usize..10_000, 1..4),
        ) {
            let mut lines: Vec<String> = file(&kinds, true).lines().map(String::from).collect();
            for (e, a) in extra.iter().zip(&at) {
                let i = 6 + a % (lines.len() - 6);
                lines.insert(i, e.clone());
            }
            let text = lines.join("\n") + "\n";
            if one_piece(&text).is_ok() {
                prop_assert_eq!(same_as_one_piece(&text).map(|_| ()), Ok(()));
            } else {
                prop_assert!(in_two(&text).is_none(), "a file one parse refuses was accepted");
            }
        }
    }
}

#[cfg(test)]
mod real_files {
    /// Every compose file of the fixtures (and of the corpus, when `.ci/run` sets
    /// TRANSSHIP_CORPUS), cut wherever a cut is possible however small the file: the tree
    /// one parse builds, or no cut.
    #[test]
    fn real_files_cut_build_what_one_parse_builds() {
        let mut dirs = vec![std::path::PathBuf::from("fixtures")];
        dirs.extend(std::env::var_os("TRANSSHIP_CORPUS").map(std::path::PathBuf::from));
        let (mut files, mut cut) = (0, 0);
        let mut different = Vec::new();
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for path in entries.flatten().map(|e| e.path()) {
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
                let Some(text) = yaml.then(|| std::fs::read_to_string(&path).ok()).flatten() else {
                    continue;
                };
                files += 1;
                match super::tests::same_as_one_piece(&text) {
                    Ok(true) => cut += 1,
                    Ok(false) => {}
                    Err(m) => different.push(format!("{}: {m}", path.display())),
                }
            }
        }
        eprintln!("{files} compose files, {cut} cut");
        assert!(cut > 0, "no fixture was cut ({files} files)");
        assert_eq!(different, Vec::<String>::new());
    }
}
