//! Where an entity and each of its settings were written.

use crate::load::node::{Node, Value};
use crate::source::Span;
use std::sync::Arc;

/// Where a value and its key were written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub span: Span,
    pub key_span: Span,
}

/// Where an entity and each of its settings were written. Paths are relative to the entity:
/// `image`, `ports[1]`, `environment.FOO`, `deploy.resources.limits.memory`. Values the loader
/// synthesised (no source position) are not recorded.
///
/// The loader's final tree outlives binding, so an entity bound from it keeps a handle on
/// its node and records its paths at the first lookup: `config` never looks one up, and
/// recording every setting of every service was some 6% of its work.
/// [`Provenance::settle`] records at once and lets go of the tree.
#[derive(Clone, Default)]
pub struct Provenance {
    /// The entity's value (e.g. the mapping under `services.web`).
    pub span: Span,
    /// The entity's key (e.g. `web:`).
    pub key_span: Span,
    /// Where to record from at the first lookup; `None` once settled or recorded at once.
    source: Option<Source>,
    table: std::sync::OnceLock<Table>,
}

/// The entity's node in the loader's final tree: map entry indices from the root.
#[derive(Clone)]
struct Source {
    root: Arc<Node>,
    path: Box<[u32]>,
    depth: usize,
}

impl Source {
    fn node(&self) -> Option<&Node> {
        let mut n = &*self.root;
        for &i in &self.path {
            n = n.as_map()?.get_index(i as usize)?.1;
        }
        Some(n)
    }
}

/// Every recorded path of an entity.
#[derive(Clone, Debug, Default)]
struct Table {
    /// Every recorded path, back to back; `entries` point into it. One buffer instead of a
    /// string per path: the provenance of 5,000 services was a tenth of the load's memory.
    paths: String,
    /// In the order the walk met them.
    entries: Vec<Entry>,
    /// `entries` indices sorted by path; `None` when `entries` are in path order already,
    /// as the walk visits keys in order. A sorted vector, not a tree: far cheaper when a
    /// port range expands into tens of thousands of paths.
    sorted: Option<Box<[u32]>>,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    start: u32,
    len: u32,
    origin: Origin,
}

impl PartialEq for Provenance {
    /// Equal when they record the same paths at the same places, however they were recorded.
    fn eq(&self, other: &Self) -> bool {
        self.span == other.span
            && self.key_span == other.key_span
            && self.table().entries.len() == other.table().entries.len()
            && self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for Provenance {
    /// The recorded paths, not the tree they come from.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provenance")
            .field("span", &self.span)
            .field("key_span", &self.key_span)
            .field("paths", &self.iter().collect::<Vec<_>>())
            .finish()
    }
}

impl Provenance {
    /// Record `node` and everything under it, now: what a deferred record must equal.
    #[cfg(test)]
    pub fn from_node(node: &Node) -> Provenance {
        Provenance::to_depth(node, usize::MAX)
    }

    /// Record `node` and what is at most `depth` levels under it, now.
    #[cfg(test)]
    pub fn to_depth(node: &Node, depth: usize) -> Provenance {
        Provenance {
            span: node.span,
            key_span: node.key_span,
            source: None,
            table: std::sync::OnceLock::from(Table::of(node, depth)),
        }
    }

    /// The node at map entry indices `path` from `root`, and what is at most `depth` levels
    /// under it, recorded at the first lookup.
    pub fn deferred(root: &Arc<Node>, path: Box<[u32]>, depth: usize) -> Provenance {
        let source = Source {
            root: Arc::clone(root),
            path,
            depth,
        };
        let (span, key_span) = source
            .node()
            .map_or_else(Default::default, |n| (n.span, n.key_span));
        Provenance {
            span,
            key_span,
            source: Some(source),
            table: std::sync::OnceLock::new(),
        }
    }

    /// Record now, and let go of the tree (so that it can be freed).
    pub fn settle(&mut self) {
        self.table();
        self.source = None;
    }

    fn table(&self) -> &Table {
        self.table.get_or_init(|| {
            self.source
                .as_ref()
                .and_then(|s| Some(Table::of(s.node()?, s.depth)))
                .unwrap_or_default()
        })
    }

    /// Every recorded path with its origin, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Origin)> {
        let t = self.table();
        (0..t.entries.len())
            .filter_map(|rank| t.by_rank(rank))
            .map(|e| (entry_path(&t.paths, e), &e.origin))
    }

    /// Where `path` was written, if it was.
    pub fn origin(&self, path: &str) -> Option<&Origin> {
        let t = self.table();
        let i = t.position(path)?;
        t.entries.get(i).map(|e| &e.origin)
    }

    /// Change where the key of a recorded `path` was written (tests build odd provenances;
    /// paths do not change, so the sorted order stays valid).
    #[cfg(test)]
    pub fn set_key_span(&mut self, path: &str, key_span: Span) {
        self.settle();
        if let Some(t) = self.table.get_mut()
            && let Some(e) = t.position(path).and_then(|i| t.entries.get_mut(i))
        {
            e.origin.key_span = key_span;
        }
    }

    /// Where the value at `path` was written.
    pub fn span(&self, path: &str) -> Option<Span> {
        self.origin(path)
            .map(|o| o.span)
            .filter(|s| !s.is_synthetic())
    }

    /// Where the key holding `path` was written (the item itself for list items).
    pub fn key_span(&self, path: &str) -> Option<Span> {
        self.origin(path)
            .map(|o| o.key_span)
            .filter(|s| !s.is_synthetic())
    }

    /// The key span of `path` or of its nearest recorded ancestor, else the entity's own key:
    /// the best place to point at for a finding about `path`.
    pub fn nearest_key_span(&self, path: &str) -> Span {
        let mut p = path;
        loop {
            if let Some(s) = self.key_span(p) {
                return s;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return self.key_span,
            }
        }
    }
}

impl Table {
    /// Record what is at most `depth` levels under `node`.
    fn of(node: &Node, depth: usize) -> Table {
        // Sized by a first, allocation-free pass: growing both by doubling was most of the
        // cost of recording (fresh pages at every step).
        let (count, bytes) = measure(node, 0, depth);
        let mut t = Table {
            paths: String::with_capacity(bytes),
            entries: Vec::with_capacity(count),
            sorted: None,
        };
        t.walk(node, &mut String::with_capacity(64), depth);
        t.sorted = t.order();
        t
    }

    /// `entries` indices by path, `None` when that is their own order. The walk visits
    /// keys in order, so only a key that is a prefix of its sibling followed by a byte
    /// below `.` (`a` and `a-b`) or a list of more than ten items (`[10]` sorts before
    /// `[2]`) needs a sort. Paths are unique (mapping keys are), so an unstable sort is
    /// deterministic.
    fn order(&self) -> Option<Box<[u32]>> {
        let paths = &self.paths;
        if self
            .entries
            .is_sorted_by(|a, b| entry_path(paths, a) < entry_path(paths, b))
        {
            return None;
        }
        // `record` keeps at most u32::MAX bytes of paths, so fewer entries than that.
        let mut order: Vec<u32> = (0..self.entries.len())
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        order.sort_unstable_by(|&a, &b| self.path_at(a).cmp(self.path_at(b)));
        Some(order.into_boxed_slice())
    }

    /// The entry `rank`-th by path.
    fn by_rank(&self, rank: usize) -> Option<&Entry> {
        match &self.sorted {
            None => self.entries.get(rank),
            Some(order) => order.get(rank).and_then(|&i| self.entry_at(i)),
        }
    }

    fn entry_at(&self, i: u32) -> Option<&Entry> {
        self.entries.get(i as usize)
    }

    fn path_at(&self, i: u32) -> &str {
        self.entry_at(i)
            .map(|e| entry_path(&self.paths, e))
            .unwrap_or_default()
    }

    /// Record every path below `node`; `path` is the node's own path, extended in place and
    /// restored (one buffer for the whole walk instead of a string per level).
    fn walk(&mut self, node: &Node, path: &mut String, depth: usize) {
        use std::fmt::Write;
        if depth == 0 {
            return;
        }
        let len = path.len();
        match &node.value {
            Value::Map(m) => {
                // Keys in order, so that paths mostly come out sorted (see `sorted`); a
                // map written in order (one key, often) needs no copy.
                let mut keys: Vec<(&String, &Node)> = Vec::new();
                if !m.keys().is_sorted() {
                    keys.extend(m.iter());
                    keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
                }
                let in_order = keys.is_empty().then(|| m.iter()).into_iter().flatten();
                for (k, v) in in_order.chain(keys.iter().copied()) {
                    if len > 0 {
                        path.push('.');
                    }
                    path.push_str(k);
                    self.record(path, v);
                    self.walk(v, path, depth - 1);
                    path.truncate(len);
                }
            }
            Value::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    let _ = write!(path, "[{i}]");
                    self.record(path, v);
                    self.walk(v, path, depth - 1);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }

    fn record(&mut self, path: &str, node: &Node) {
        if node.span.is_synthetic() && node.key_span.is_synthetic() {
            return;
        }
        // Loader limits keep a project far below 4 GiB of paths; past that, stop recording.
        let (Ok(start), Ok(len)) = (u32::try_from(self.paths.len()), u32::try_from(path.len()))
        else {
            return;
        };
        self.paths.push_str(path);
        self.entries.push(Entry {
            start,
            len,
            origin: Origin {
                span: node.span,
                key_span: node.key_span,
            },
        });
    }

    /// The index in `entries` of the entry recording `path`.
    fn position(&self, path: &str) -> Option<usize> {
        match &self.sorted {
            None => self
                .entries
                .binary_search_by(|e| entry_path(&self.paths, e).cmp(path))
                .ok(),
            Some(order) => {
                let at = order
                    .binary_search_by(|&i| self.path_at(i).cmp(path))
                    .ok()?;
                order.get(at).map(|&i| i as usize)
            }
        }
    }
}

/// How many paths `walk` visits under `node` and their total length (an upper bound of what
/// `record` keeps: synthetic nodes are skipped there).
fn measure(node: &Node, len: usize, depth: usize) -> (usize, usize) {
    if depth == 0 {
        return (0, 0);
    }
    let mut total = (0, 0);
    let mut add = |child: &Node, child_len: usize| {
        let (c, b) = measure(child, child_len, depth - 1);
        total.0 += 1 + c;
        total.1 += child_len + b;
    };
    match &node.value {
        Value::Map(m) => {
            for (k, v) in m {
                add(v, len + usize::from(len > 0) + k.len());
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                add(v, len + index_width(i));
            }
        }
        _ => {}
    }
    total
}

/// The length of `[i]`.
fn index_width(i: usize) -> usize {
    let digits = i.checked_ilog10().map_or(1, |d| d as usize + 1);
    digits + 2
}

fn entry_path<'a>(paths: &'a str, e: &Entry) -> &'a str {
    let start = e.start as usize;
    paths.get(start..start + e.len as usize).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths iterate (and are found) in path order, whether the walk's order already is
    /// (keys in any order) or is not (a key that prefixes its sibling, a long list).
    #[test]
    fn paths_are_sorted_whatever_the_input_order() {
        let span = Span::new(crate::source::FileId(1), 1, 1);
        let in_order = Node::from_json(
            &serde_json::json!({"image": "x", "deploy": {"mode": "global"}, "env": {"B": 1, "A": 2}}),
            span,
        );
        let needs_sort = Node::from_json(
            &serde_json::json!({"a-b": 1, "a": {"x": 1}, "l": (0..12).collect::<Vec<_>>()}),
            span,
        );
        for (node, already) in [(&in_order, true), (&needs_sort, false)] {
            let p = Provenance::from_node(node);
            let paths: Vec<&str> = p.iter().map(|(k, _)| k).collect();
            let mut sorted = paths.clone();
            sorted.sort_unstable();
            assert_eq!(paths, sorted);
            assert_eq!(p.table().sorted.is_none(), already, "{paths:?}");
            for path in &paths {
                assert!(p.origin(path).is_some(), "{path}");
            }
            assert!(p.origin("nope").is_none());
        }
    }

    #[test]
    fn measured_sizes_are_exact_when_nothing_is_synthetic() {
        let n = Node::from_json(
            &serde_json::json!({"image": "x", "ports": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
                "deploy": {"resources": {"limits": {"memory": "1g"}}}}),
            Span::new(crate::source::FileId(1), 1, 1),
        );
        for depth in [1, 2, usize::MAX] {
            let p = Provenance::to_depth(&n, depth);
            let (count, bytes) = measure(&n, 0, depth);
            assert_eq!(p.table().entries.len(), count, "depth {depth}");
            assert_eq!(p.table().paths.len(), bytes, "depth {depth}");
        }
        assert_eq!(
            [0, 9, 10, 99, 100].map(index_width),
            ["[0]", "[9]", "[10]", "[99]", "[100]"].map(str::len)
        );
        assert!(Provenance::from_node(&n).origin("ports[10]").is_some());
        assert!(
            Provenance::from_node(&n)
                .origin("deploy.resources.limits.memory")
                .is_some()
        );
    }
}
