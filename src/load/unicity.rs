//! Keyed lists keep one entry per key, the last one winning in the first one's place
//! (compose-go `override/uncity.go`): environment, labels, ports, volumes by target, ...

use crate::diag::LoadError;
use crate::load::node::{KeyPath, Node, Value};
use std::borrow::Cow;
use std::collections::HashMap;

#[derive(Clone, Copy)]
enum Indexer {
    KeyValue,
    Volume,
    Device,
    Expose,
    Mount(&'static str),
    Port,
    EnvFile,
}

const UNIQUE: &[(&str, Indexer)] = &[
    ("networks.*.labels", Indexer::KeyValue),
    ("networks.*.ipam.options", Indexer::KeyValue),
    ("services.*.annotations", Indexer::KeyValue),
    ("services.*.build.args", Indexer::KeyValue),
    ("services.*.build.additional_contexts", Indexer::KeyValue),
    ("services.*.build.platform", Indexer::KeyValue),
    ("services.*.build.tags", Indexer::KeyValue),
    ("services.*.build.labels", Indexer::KeyValue),
    ("services.*.cap_add", Indexer::KeyValue),
    ("services.*.cap_drop", Indexer::KeyValue),
    ("services.*.devices", Indexer::Device),
    ("services.*.configs", Indexer::Mount("")),
    ("services.*.deploy.labels", Indexer::KeyValue),
    ("services.*.dns", Indexer::KeyValue),
    ("services.*.dns_opt", Indexer::KeyValue),
    ("services.*.dns_search", Indexer::KeyValue),
    ("services.*.environment", Indexer::KeyValue),
    ("services.*.env_file", Indexer::EnvFile),
    ("services.*.expose", Indexer::Expose),
    ("services.*.labels", Indexer::KeyValue),
    ("services.*.links", Indexer::KeyValue),
    ("services.*.networks.*.aliases", Indexer::KeyValue),
    ("services.*.networks.*.link_local_ips", Indexer::KeyValue),
    ("services.*.ports", Indexer::Port),
    ("services.*.profiles", Indexer::KeyValue),
    ("services.*.secrets", Indexer::Mount("/run/secrets")),
    ("services.*.sysctls", Indexer::KeyValue),
    ("services.*.tmpfs", Indexer::KeyValue),
    ("services.*.volumes", Indexer::Volume),
];

/// The patterns split into segments once (matching runs for every node of every file).
static SPLIT: std::sync::LazyLock<Vec<(Vec<&'static str>, Indexer)>> =
    std::sync::LazyLock::new(|| {
        UNIQUE
            .iter()
            .map(|(p, r)| (p.split('.').collect(), *r))
            .collect()
    });

/// A set of [`UNIQUE`] patterns, by position.
type Patterns = u64;
const _: () = assert!(UNIQUE.len() <= Patterns::BITS as usize);

/// The patterns by what they hold at one depth: a lookup per key instead of a pass over
/// every pattern (this runs for every key of every service, twice a file).
#[derive(Default)]
struct Depth {
    /// Those with `*` here.
    star: Patterns,
    /// Those with a literal segment here, by segment, sorted.
    literal: Vec<(&'static str, Patterns)>,
    /// Those that end here (a list at this depth is theirs).
    ends: Patterns,
}

static DEPTHS: std::sync::LazyLock<Vec<Depth>> = std::sync::LazyLock::new(|| {
    let deepest = SPLIT.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
    let mut depths: Vec<Depth> = (0..=deepest).map(|_| Depth::default()).collect();
    for (i, (segments, _)) in SPLIT.iter().enumerate() {
        let bit: Patterns = 1 << i;
        for (d, seg) in segments.iter().enumerate() {
            let Some(depth) = depths.get_mut(d) else {
                continue;
            };
            if *seg == "*" {
                depth.star |= bit;
            } else {
                match depth.literal.iter_mut().find(|(s, _)| s == seg) {
                    Some((_, set)) => *set |= bit,
                    None => depth.literal.push((seg, bit)),
                }
            }
        }
        if let Some(depth) = depths.get_mut(segments.len()) {
            depth.ends |= bit;
        }
    }
    for depth in &mut depths {
        depth.literal.sort_unstable_by_key(|(s, _)| *s);
    }
    depths
});

/// The patterns of `alive` whose segment at `depth` is `key` or `*`.
fn step(alive: Patterns, depth: usize, key: &str) -> Patterns {
    let Some(d) = DEPTHS.get(depth) else {
        return 0;
    };
    let literal = d
        .literal
        .binary_search_by(|(s, _)| (*s).cmp(key))
        .ok()
        .and_then(|i| d.literal.get(i))
        .map_or(0, |(_, set)| *set);
    alive & (d.star | literal)
}

/// The first pattern of `alive` that ends at `depth`: the rule for a list found there.
fn ending(alive: Patterns, depth: usize) -> Option<Indexer> {
    let set = alive & DEPTHS.get(depth)?.ends;
    if set == 0 {
        return None;
    }
    SPLIT.get(set.trailing_zeros() as usize).map(|(_, r)| *r)
}

/// # Errors
/// An entry of a keyed list that has no key (e.g. a port without a target).
pub fn enforce_unicity(root: &mut Node) -> Result<(), LoadError> {
    walk(root, &mut Vec::new(), Patterns::MAX)
}

/// `alive`: the patterns `path` is a prefix of. Only where one remains is a key copied into
/// `path` and its value visited (this runs for every node of every file).
fn walk(node: &mut Node, path: &mut Vec<String>, alive: Patterns) -> Result<(), LoadError> {
    match &mut node.value {
        // The entries of a large top-level section (services) on every core; the first
        // error in file order is the one reported.
        Value::Map(m)
            if path.len() == 1
                && crate::par::worth_splitting(m.len(), crate::par::MIN_PER_THREAD) =>
        {
            let mut entries: Vec<(&String, &mut Node)> = m.iter_mut().collect();
            let section = path.clone();
            let done =
                crate::par::map_mut_in_order(&mut entries, crate::par::MIN_PER_THREAD, |(k, v)| {
                    let next = step(alive, 1, k);
                    if next == 0 || !matches!(v.value, Value::Map(_) | Value::Seq(_)) {
                        return Ok(());
                    }
                    let mut path = section.clone();
                    path.push((*k).clone());
                    walk(v, &mut path, next)
                });
            done.into_iter().collect::<Result<(), LoadError>>()?;
        }
        Value::Map(m) => {
            for (k, v) in m.iter_mut() {
                if !matches!(v.value, Value::Map(_) | Value::Seq(_)) {
                    continue;
                }
                let next = step(alive, path.len(), k);
                if next == 0 {
                    continue;
                }
                path.push(k.clone());
                let r = walk(v, path, next);
                path.pop();
                r?;
            }
        }
        Value::Seq(items) => {
            if let Some(indexer) = ending(alive, path.len()) {
                dedup(items, indexer, path)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// One entry per key in `items`, the last one winning in the first one's place. Most lists
/// have no duplicate: their keys are borrowed and the list is left as it is.
fn dedup(items: &mut Vec<Node>, indexer: Indexer, path: &[String]) -> Result<(), LoadError> {
    let keys: Vec<Cow<'_, str>> = items
        .iter()
        .enumerate()
        .map(|(i, entry)| index(indexer, entry, path, i))
        .collect::<Result<_, _>>()?;
    if !has_duplicates(&keys) {
        return Ok(());
    }
    let keys: Vec<String> = keys.into_iter().map(Cow::into_owned).collect();
    let mut out: Vec<Node> = Vec::with_capacity(items.len());
    // Key → position in `out`.
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    for (entry, key) in std::mem::take(items).into_iter().zip(&keys) {
        match seen.get(key.as_str()) {
            Some(&j) => {
                if let Some(slot) = out.get_mut(j) {
                    *slot = entry;
                }
            }
            None => {
                seen.insert(key, out.len());
                out.push(entry);
            }
        }
    }
    *items = out;
    Ok(())
}

/// Whether a key repeats: searched in place for the handful most lists have, hashed for
/// long ones (a port range expands to thousands of entries).
fn has_duplicates(keys: &[Cow<'_, str>]) -> bool {
    if keys.len() <= 16 {
        return keys
            .iter()
            .enumerate()
            .any(|(i, k)| keys.get(i + 1..).is_some_and(|rest| rest.contains(k)));
    }
    let mut seen = std::collections::HashSet::with_capacity(keys.len());
    !keys.iter().all(|k| seen.insert(k.as_ref()))
}

fn err(entry: &Node, path: &[String], i: usize, msg: String) -> LoadError {
    LoadError::new(entry.span, KeyPath::from_keys(path).index(i), msg)
}

fn index<'a>(
    indexer: Indexer,
    entry: &'a Node,
    path: &[String],
    i: usize,
) -> Result<Cow<'a, str>, LoadError> {
    // Only error messages name the list: joined only for them.
    let dotted = Dotted(path);
    match indexer {
        Indexer::KeyValue => match &entry.value {
            Value::Str(s) => Ok(Cow::Borrowed(
                s.split_once('=').map_or(s.as_str(), |(k, _)| k),
            )),
            _ => Err(err(
                entry,
                path,
                i,
                format!("{dotted}[{i}]: unexpected type {}", entry.type_name()),
            )),
        },
        Indexer::Volume => match &entry.value {
            Value::Map(m) => match m.get("target").and_then(Node::as_str) {
                Some(t) => Ok(Cow::Borrowed(t)),
                None => Err(err(
                    entry,
                    path,
                    i,
                    format!("service volume {dotted}[{i}] is missing a mount target"),
                )),
            },
            // Only the target is the key: split, without building the long form.
            Value::Str(s) => crate::load::canonical::split_volume(s)
                .map(|v| Cow::Owned(v.target()))
                .map_err(|m| err(entry, path, i, m)),
            _ => Ok(Cow::Borrowed("")),
        },
        Indexer::Device => match &entry.value {
            Value::Map(m) => match m.get("target").and_then(Node::as_str) {
                Some(t) => Ok(Cow::Borrowed(t)),
                None => Err(err(
                    entry,
                    path,
                    i,
                    format!("service device {dotted}[{i}] is missing a mount target"),
                )),
            },
            Value::Str(s) => {
                let mut parts = s.split(':');
                let first = parts.next().unwrap_or_default();
                Ok(Cow::Borrowed(parts.next().unwrap_or(first)))
            }
            _ => Ok(Cow::Borrowed("")),
        },
        Indexer::Expose => match &entry.value {
            Value::Str(s) => Ok(Cow::Borrowed(s)),
            Value::Int(n) => Ok(Cow::Owned(n.to_string())),
            _ => Err(err(
                entry,
                path,
                i,
                format!("{dotted}[{i}]: unsupported expose value"),
            )),
        },
        Indexer::Mount(default) => match &entry.value {
            Value::Str(s) => Ok(Cow::Owned(format!("{default}/{s}"))),
            Value::Map(m) => match m.get("target").and_then(Node::as_str) {
                Some(t) => Ok(Cow::Borrowed(t)),
                None => Ok(Cow::Owned(format!(
                    "{default}/{}",
                    m.get("source")
                        .and_then(Node::scalar_to_string)
                        .unwrap_or_default()
                ))),
            },
            _ => Err(err(
                entry,
                path,
                i,
                format!("{dotted}[{i}]: unsupported value"),
            )),
        },
        Indexer::Port => match &entry.value {
            Value::Int(n) => Ok(Cow::Owned(n.to_string())),
            Value::Str(s) => Ok(Cow::Borrowed(s)),
            Value::Map(m) => {
                let Some(target) = m.get("target") else {
                    return Err(err(
                        entry,
                        path,
                        i,
                        format!("service ports {dotted}[{i}] is missing a target port"),
                    ));
                };
                let published = m
                    .get("published")
                    .and_then(Node::scalar_to_string)
                    .unwrap_or_default();
                let host = m
                    .get("host_ip")
                    .and_then(Node::scalar_to_string)
                    .unwrap_or_else(|| "0.0.0.0".into());
                let proto = m
                    .get("protocol")
                    .and_then(Node::scalar_to_string)
                    .unwrap_or_else(|| "tcp".into());
                Ok(Cow::Owned(format!(
                    "{host}:{published}:{}/{proto}",
                    target.scalar_to_string().unwrap_or_default()
                )))
            }
            _ => Ok(Cow::Borrowed("")),
        },
        Indexer::EnvFile => match &entry.value {
            Value::Str(s) => Ok(Cow::Borrowed(s)),
            Value::Map(m) => match m.get("path").and_then(Node::scalar_to_string) {
                Some(p) => Ok(Cow::Owned(p)),
                None => Err(err(
                    entry,
                    path,
                    i,
                    format!("environment path attribute {dotted}[{i}] is missing"),
                )),
            },
            _ => Ok(Cow::Borrowed("")),
        },
    }
}

/// `path` joined with dots when displayed.
struct Dotted<'a>(&'a [String]);

impl std::fmt::Display for Dotted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn uniq(v: serde_json::Value) -> serde_json::Value {
        let mut n = Node::from_json(&v, crate::source::Span::SYNTHETIC);
        enforce_unicity(&mut n).unwrap_or_else(|e| panic!("{e}"));
        n.to_json()
    }

    /// A section large enough to be walked on several threads: every service is
    /// de-duplicated, and the first bad entry in file order is the one reported.
    #[test]
    fn large_sections_walk_in_parallel_with_the_first_error() {
        let services: serde_json::Map<String, serde_json::Value> = (0..1000)
            .map(|i| {
                (
                    format!("s{i}"),
                    json!({"environment": ["A=1", format!("A={i}")]}),
                )
            })
            .collect();
        let r = uniq(json!({ "services": services.clone() }));
        for i in [0, 499, 500, 999] {
            assert_eq!(
                r["services"][format!("s{i}")]["environment"],
                json!([format!("A={i}")])
            );
        }
        let mut bad = services;
        for i in [700, 300] {
            bad.insert(format!("s{i}"), json!({"environment": [1]}));
        }
        let mut n = Node::from_json(&json!({ "services": bad }), crate::source::Span::SYNTHETIC);
        let e = enforce_unicity(&mut n).err().map(|e| e.path.to_string());
        assert_eq!(e.as_deref(), Some("services.s300.environment[0]"));
    }

    #[test]
    fn last_value_wins_in_first_place() {
        let r = uniq(json!({"services": {"w": {"environment": ["A=1", "B=2", "A=3"]}}}));
        assert_eq!(r["services"]["w"]["environment"], json!(["A=3", "B=2"]));
    }

    #[test]
    fn ports_by_binding_volumes_by_target() {
        let r = uniq(json!({"services": {"w": {
            "ports": [{"target": 80, "published": "8080"}, {"target": 80, "published": "8080", "protocol": "tcp", "mode": "host"}, {"target": 81}],
            "volumes": [{"type": "bind", "source": "/a", "target": "/x"}, {"type": "bind", "source": "/b", "target": "/x"}]
        }}}));
        assert_eq!(
            r["services"]["w"]["ports"],
            json!([{"target": 80, "published": "8080", "protocol": "tcp", "mode": "host"}, {"target": 81}])
        );
        assert_eq!(
            r["services"]["w"]["volumes"],
            json!([{"type": "bind", "source": "/b", "target": "/x"}])
        );
    }

    #[test]
    fn secrets_by_target_or_default_path() {
        let r = uniq(
            json!({"services": {"w": {"secrets": ["a", {"source": "a"}, {"source": "b", "target": "/run/secrets/a"}]}}}),
        );
        assert_eq!(
            r["services"]["w"]["secrets"],
            json!([{"source": "b", "target": "/run/secrets/a"}])
        );
    }

    #[test]
    fn five_levels_down_network_aliases() {
        let r = uniq(json!({"services": {"w": {"networks": {"n": {"aliases": ["a", "b", "a"]}}}}}));
        assert_eq!(
            r["services"]["w"]["networks"]["n"]["aliases"],
            json!(["a", "b"])
        );
    }

    #[test]
    fn long_lists_keep_the_same_rule() {
        // Past 16 entries the keys are indexed instead of searched: same outcome.
        let env: Vec<String> = (0..40).map(|i| format!("V{}={i}", i % 25)).collect();
        let r = uniq(json!({"services": {"w": {"environment": env}}}));
        let expected: Vec<String> = (0..25)
            .map(|k| format!("V{k}={}", if k < 15 { k + 25 } else { k }))
            .collect();
        assert_eq!(r["services"]["w"]["environment"], json!(expected));
    }

    /// The per-depth lookup gives what matching every pattern segment by segment gives.
    #[test]
    fn step_matches_the_patterns_segment_by_segment() {
        let naive = |alive: Patterns, depth: usize, key: &str| {
            let mut next = 0;
            for (i, (segments, _)) in SPLIT.iter().enumerate() {
                if alive & (1 << i) != 0
                    && segments.get(depth).is_some_and(|s| *s == "*" || *s == key)
                {
                    next |= 1 << i;
                }
            }
            next
        };
        let mut keys: Vec<&str> = SPLIT.iter().flat_map(|(p, _)| p.iter().copied()).collect();
        keys.extend(["web", "", "servicesx", "environmen", "zzz"]);
        let alive_sets = [
            Patterns::MAX,
            0b1010_1010,
            1 << 3,
            step(Patterns::MAX, 0, "services"),
        ];
        for depth in 0..8 {
            for key in &keys {
                for alive in alive_sets {
                    assert_eq!(
                        step(alive, depth, key),
                        naive(alive, depth, key),
                        "{depth} {key}"
                    );
                }
            }
            for alive in alive_sets {
                let first = SPLIT
                    .iter()
                    .enumerate()
                    .find(|(i, (p, _))| alive & (1 << i) != 0 && p.len() == depth)
                    .map(|(i, _)| i);
                let got = ending(alive, depth).map(|r| std::mem::discriminant(&r));
                let want = first
                    .and_then(|i| SPLIT.get(i))
                    .map(|(_, r)| std::mem::discriminant(r));
                assert_eq!(got, want, "depth {depth}");
            }
        }
    }

    proptest::proptest! {
        /// Whatever the keys and their repeats, short lists and long ones: one entry per
        /// key, in the place of its first occurrence, holding its last value.
        #[test]
        fn dedup_keeps_the_last_value_in_the_first_place(
            entries in proptest::collection::vec((0u8..30, 0u8..5), 0..60)
        ) {
            let env: Vec<String> = entries.iter().map(|(k, v)| format!("K{k}={v}")).collect();
            let mut expected: Vec<(String, String)> = Vec::new();
            for e in &env {
                let (k, _) = e.split_once('=').unwrap_or((e, ""));
                match expected.iter_mut().find(|(ek, _)| ek == k) {
                    Some(slot) => slot.1 = e.clone(),
                    None => expected.push((k.to_string(), e.clone())),
                }
            }
            let expected: Vec<String> = expected.into_iter().map(|(_, e)| e).collect();
            let r = uniq(json!({"services": {"w": {"environment": env}}}));
            proptest::prop_assert_eq!(&r["services"]["w"]["environment"], &json!(expected));
        }
    }

    #[test]
    fn other_keys_are_left_alone() {
        let v = json!({"services": {"w": {"command": ["a", "a"], "x-list": ["a", "a"]}},
                       "x-top": {"environment": ["A=1", "A=2"]}});
        assert_eq!(uniq(v.clone()), v);
    }
}
