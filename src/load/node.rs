//! The loader's working tree: a YAML/JSON-like value where every node remembers where it was
//! written. Every loader phase (interpolation, extends, merge, canonical forms, normalisation)
//! rewrites this tree; binding turns it into the typed [`crate::model`].
//! This module must not know about any YAML crate.

use crate::source::Span;
use indexmap::IndexMap;

/// Mapping with insertion order kept (output order is decided later, deterministically).
/// Hashed with foldhash: std's SipHash was ~5% of a conversion's instructions, and foldhash
/// is still seeded per process, so colliding keys cannot be prepared in a file.
pub type Map = IndexMap<String, Node, foldhash::fast::RandomState>;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Map),
}

/// A value with its position. `key_span` is where the mapping key that holds this value was
/// written (equal to `span` for sequence items and the root), so findings can point at the key.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    pub key_span: Span,
}

impl Node {
    pub fn new(value: Value, span: Span) -> Self {
        Node {
            value,
            span,
            key_span: span,
        }
    }

    /// A value the loader made up (defaults, normalisation): it has no source position.
    pub fn synthetic(value: Value) -> Self {
        Node::new(value, Span::SYNTHETIC)
    }

    pub fn null(span: Span) -> Self {
        Node::new(Value::Null, span)
    }

    pub fn str(s: impl Into<String>, span: Span) -> Self {
        Node::new(Value::Str(s.into()), span)
    }

    pub fn map(m: Map, span: Span) -> Self {
        Node::new(Value::Map(m), span)
    }

    pub fn seq(v: Vec<Node>, span: Span) -> Self {
        Node::new(Value::Seq(v), span)
    }

    /// This node and everything under it.
    pub fn count_nodes(&self) -> usize {
        match &self.value {
            Value::Seq(v) => 1 + v.iter().map(Node::count_nodes).sum::<usize>(),
            Value::Map(m) => 1 + m.values().map(Node::count_nodes).sum::<usize>(),
            _ => 1,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&Vec<Node>> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Map lookup by key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|m| m.get(key))
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut().and_then(|m| m.get_mut(key))
    }

    /// Name of the value's type, as compose's messages say it.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "mapping",
        }
    }

    /// Scalar rendered the way Go's `fmt.Sprint` renders it (compose converts scalars to
    /// strings this way, e.g. in `environment` and `labels`). `None` for collections and null.
    pub fn scalar_to_string(&self) -> Option<String> {
        match &self.value {
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(format_go_float(*f)),
            Value::Str(s) => Some(s.clone()),
        }
    }

    /// Plain JSON view (positions dropped), for comparisons and debugging.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(v) => J::Array(v.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// Build a tree from plain JSON, every node at `span` (used for values compose synthesises
    /// and in tests).
    pub fn from_json(v: &serde_json::Value, span: Span) -> Node {
        use serde_json::Value as J;
        let value = match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::Str(s.clone()),
            J::Array(a) => Value::Seq(a.iter().map(|x| Node::from_json(x, span)).collect()),
            J::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, x)| (k.clone(), Node::from_json(x, span)))
                    .collect(),
            ),
        };
        Node::new(value, span)
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`-like rendering used by `fmt.Sprint(float64)`:
/// shortest representation, exponent form for very large or small magnitudes.
pub fn format_go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e21).contains(&abs) {
        // Go prints e.g. 1e+21, 1e-05
        let s = format!("{f:e}");
        if let Some((mant, exp)) = s.split_once('e') {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            let digits = if digits.len() < 2 {
                format!("0{digits}")
            } else {
                digits.to_string()
            };
            return format!("{mant}e{sign}{digits}");
        }
        return s;
    }
    let s = format!("{f}");
    s
}

/// A key path such as `services.web.ports[1]`, as printed in messages.
///
/// ```
/// use transship::load::node::KeyPath;
/// let p = KeyPath::root().key("services").key("web").key("ports").index(1);
/// assert_eq!(p.to_string(), "services.web.ports[1]");
/// assert!(p.matches("services.*.ports.[]"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyPath(pub Vec<PathSeg>);

/// Keys are shared (`Arc<str>`): binding makes a path for every setting it visits, and
/// copying every segment's string for each was 6% of a load.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathSeg {
    Key(std::sync::Arc<str>),
    Index(usize),
}

impl KeyPath {
    pub fn root() -> Self {
        KeyPath(Vec::new())
    }

    pub fn key(&self, k: &str) -> Self {
        self.extended(PathSeg::Key(k.into()))
    }

    /// The path of these keys from the root (the loader's walks keep their path as keys).
    pub fn from_keys(keys: &[String]) -> Self {
        KeyPath(
            keys.iter()
                .map(|k| PathSeg::Key(k.as_str().into()))
                .collect(),
        )
    }

    /// A copy with one more segment, allocated once at its final size.
    fn extended(&self, seg: PathSeg) -> Self {
        let mut segs = Vec::with_capacity(self.0.len() + 1);
        segs.extend(self.0.iter().cloned());
        segs.push(seg);
        KeyPath(segs)
    }

    /// In-place descent for hot walks (pair with [`KeyPath::pop`]).
    pub fn push_key(&mut self, k: &str) {
        self.0.push(PathSeg::Key(k.into()));
    }

    pub fn push_index(&mut self, i: usize) {
        self.0.push(PathSeg::Index(i));
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }

    pub fn index(&self, i: usize) -> Self {
        self.extended(PathSeg::Index(i))
    }

    /// Match against a pattern like `services.*.ports` (`*` matches any one key, `[]` any
    /// index). Allocation-free: this runs for every string during interpolation.
    pub fn matches(&self, pattern: &str) -> bool {
        let mut parts = pattern.split('.');
        for seg in &self.0 {
            let Some(p) = parts.next() else { return false };
            let ok = match seg {
                PathSeg::Key(k) => p == "*" || p == &**k,
                PathSeg::Index(_) => p == "[]" || p == "*",
            };
            if !ok {
                return false;
            }
        }
        parts.next().is_none()
    }
}

impl std::fmt::Display for KeyPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                PathSeg::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                PathSeg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// Structural equality that ignores positions (compose compares imported resources this way).
pub fn same_value(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        (x, y) => x == y,
    }
}

/// A position in the tree as a chain of segments on the stack, each borrowing its key, made
/// into a [`KeyPath`] only when one is needed (an error, a `!reset`): the YAML builder and
/// the binder descend through every node, and a path per node cost more than the node.
#[derive(Clone, Copy)]
pub struct At<'p> {
    parent: Option<&'p At<'p>>,
    seg: Seg<'p>,
}

#[derive(Clone, Copy)]
pub enum Seg<'p> {
    Root,
    Key(&'p str),
    Index(usize),
}

impl<'p> At<'p> {
    pub const ROOT: At<'static> = At {
        parent: None,
        seg: Seg::Root,
    };

    pub fn key<'c>(&'c self, k: &'c str) -> At<'c> {
        At {
            parent: Some(self),
            seg: Seg::Key(k),
        }
    }

    pub fn index<'c>(&'c self, i: usize) -> At<'c> {
        At {
            parent: Some(self),
            seg: Seg::Index(i),
        }
    }

    pub fn is_root(&self) -> bool {
        self.parent.is_none()
    }

    pub fn key_path(&self) -> KeyPath {
        let mut segs = Vec::new();
        let mut at = Some(self);
        while let Some(a) = at {
            segs.push(a.seg);
            at = a.parent;
        }
        let mut path = KeyPath::root();
        for seg in segs.into_iter().rev() {
            match seg {
                Seg::Root => {}
                Seg::Key(k) => path.push_key(k),
                Seg::Index(i) => path.push_index(i),
            }
        }
        path
    }
}
