//! Normalisation after all files are merged (compose-go `loader/normalize.go` and
//! `loader/environment.go`): default network, implicit `depends_on`, build defaults,
//! environment entries taken from the environment, resource names prefixed by the project.

use crate::load::node::{Map, Node, Value};
use crate::load::options::{Environment, parse_go_bool};
use crate::source::Span;

fn dep(restart: bool) -> Node {
    let mut m = Map::default();
    m.insert(
        "condition".into(),
        Node::synthetic(Value::Str("service_started".into())),
    );
    m.insert("restart".into(), Node::synthetic(Value::Bool(restart)));
    m.insert("required".into(), Node::synthetic(Value::Bool(true)));
    Node::synthetic(Value::Map(m))
}

/// List entries `KEY` without `=` (and map entries with a null value) take their value from
/// the environment; `keep_empty` keeps unresolved ones (as `KEY` / null).
fn resolve_mapping(node: &mut Node, env: &Environment, keep_empty: bool) {
    match &mut node.value {
        Value::Seq(items) => {
            items.retain_mut(|item| {
                let Value::Str(s) = &mut item.value else {
                    return false;
                };
                if s.contains('=') {
                    return true;
                }
                match env.get(s.as_str()) {
                    Some(v) => {
                        *s = format!("{s}={v}");
                        true
                    }
                    None => keep_empty,
                }
            });
        }
        Value::Map(m) => {
            m.retain(|k, v| {
                if !v.is_null() {
                    return true;
                }
                match env.get(k) {
                    Some(val) => {
                        v.value = Value::Str(val.clone());
                        true
                    }
                    None => keep_empty,
                }
            });
        }
        _ => {}
    }
}

/// compose-go `Normalize`: run once on the whole merged tree, `name` already set.
pub fn normalize(dict: &mut Node, env: &Environment) {
    normalize_networks(dict);
    if let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) {
        // Each service on its own: a large project's on every core.
        let mut all: Vec<&mut Node> = services.values_mut().collect();
        crate::par::map_mut_in_order(&mut all, crate::par::MIN_PER_THREAD, |svc| {
            normalize_service(svc, env);
        })
        .for_each(drop);
    }
    set_name_from_key(dict);
}

fn normalize_service(svc: &mut Node, env: &Environment) {
    let Some(s) = svc.as_map_mut() else { return };
    if let Some(p) = s.get_mut("pull_policy")
        && p.as_str() == Some("if_not_present")
    {
        p.value = Value::Str("missing".into());
    }
    if let Some(build) = s.get_mut("build").and_then(Node::as_map_mut) {
        if build.get("context").is_none_or(Node::is_null) {
            build.insert("context".into(), Node::synthetic(Value::Str(".".into())));
        }
        if build.get("dockerfile").is_none_or(Node::is_null)
            && build.get("dockerfile_inline").is_none_or(Node::is_null)
        {
            build.insert(
                "dockerfile".into(),
                Node::synthetic(Value::Str("Dockerfile".into())),
            );
        }
        if let Some(args) = build.get_mut("args") {
            resolve_mapping(args, env, false);
        }
    }
    if let Some(e) = s.get_mut("environment") {
        resolve_mapping(e, env, true);
    }

    let mut depends: Map = s
        .get("depends_on")
        .and_then(Node::as_map)
        .cloned()
        .unwrap_or_default();
    if let Some(links) = s.get("links").and_then(Node::as_seq) {
        for l in links {
            let Some(link) = l.as_str() else { continue };
            let name = match link.split_once(':') {
                Some((name, alias)) if !alias.contains(':') => name,
                _ => link,
            };
            depends.entry(name.to_string()).or_insert_with(|| dep(true));
        }
    }
    for ns in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
        if let Some(shared) = s
            .get(ns)
            .and_then(Node::as_str)
            .and_then(|r| r.strip_prefix("service:"))
        {
            depends
                .entry(shared.to_string())
                .or_insert_with(|| dep(true));
        }
    }
    if let Some(vols) = s.get_mut("volumes").and_then(Node::as_seq_mut) {
        for v in vols.iter_mut() {
            if let Some(t) = v.get_mut("target")
                && let Value::Str(target) = &mut t.value
            {
                *target = clean_unix(target);
            }
        }
    }
    if let Some(from) = s.get("volumes_from").and_then(Node::as_seq) {
        for v in from {
            let Some(vol) = v.as_str() else { continue };
            if !vol.starts_with("container:") {
                let name = vol.split(':').next().unwrap_or(vol);
                depends.entry(name.to_string()).or_insert_with(|| {
                    let mut d = dep(false);
                    if let Some(m) = d.as_map_mut() {
                        m.insert("restart".into(), Node::synthetic(Value::Bool(false)));
                    }
                    d
                });
            }
        }
    }
    if !depends.is_empty() {
        let span = s.get("depends_on").map_or(Span::SYNTHETIC, |d| d.span);
        let key_span = s.get("depends_on").map_or(Span::SYNTHETIC, |d| d.key_span);
        let mut node = Node::map(depends, span);
        node.key_span = key_span;
        s.insert("depends_on".into(), node);
    }
}

/// Go's `path.Clean` for slash-separated paths.
pub fn clean_unix(p: &str) -> String {
    // Most paths are clean already (`/var/lib/data`): copied as they are.
    if is_clean(p) {
        return p.to_string();
    }
    clean_unix_by_segments(p)
}

/// Whether `path.Clean` leaves `p` as it is: no empty, `.` or `..` segment and no trailing
/// slash (the root alone, which Clean keeps, takes the general path).
fn is_clean(p: &str) -> bool {
    let rest = p.strip_prefix('/').unwrap_or(p);
    rest.split('/').all(|seg| !matches!(seg, "" | "." | ".."))
}

fn clean_unix_by_segments(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            x => out.push(x),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn normalize_networks(dict: &mut Node) {
    let Some(root) = dict.as_map_mut() else {
        return;
    };
    let mut uses_default = false;
    if let Some(services) = root.get_mut("services").and_then(Node::as_map_mut) {
        for (_, svc) in services.iter_mut() {
            let Some(s) = svc.as_map_mut() else { continue };
            if s.contains_key("provider") || s.contains_key("network_mode") {
                continue;
            }
            let empty = match s.get("networks") {
                None => true,
                Some(n) => n.as_map().is_none_or(Map::is_empty),
            };
            if empty {
                let mut m = Map::default();
                m.insert("default".into(), Node::synthetic(Value::Null));
                let span = s.get("networks").map_or(Span::SYNTHETIC, |n| n.span);
                s.insert("networks".into(), Node::map(m, span));
                uses_default = true;
            } else if s.get("networks").and_then(|n| n.get("default")).is_some() {
                uses_default = true;
            }
        }
    }
    let has_default = root
        .get("networks")
        .and_then(|n| n.get("default"))
        .is_some();
    if uses_default && !has_default {
        let nets = root
            .entry("networks".to_string())
            .or_insert_with(|| Node::synthetic(Value::Map(Map::default())));
        if nets.is_null() {
            nets.value = Value::Map(Map::default());
        }
        if let Some(m) = nets.as_map_mut() {
            m.insert("default".into(), Node::synthetic(Value::Null));
        }
    }
}

fn set_name_from_key(dict: &mut Node) {
    let project = dict
        .get("name")
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_string();
    for kind in ["networks", "volumes", "configs", "secrets"] {
        let Some(top) = dict.get_mut(kind).and_then(Node::as_map_mut) else {
            continue;
        };
        for (key, res) in top.iter_mut() {
            if res.is_null() {
                res.value = Value::Map(Map::default());
            }
            let Some(m) = res.as_map_mut() else { continue };
            if m.get("name").is_none_or(Node::is_null) {
                let external = m
                    .get("external")
                    .and_then(|x| x.scalar_to_string())
                    .and_then(|s| parse_go_bool(&s))
                    .unwrap_or(false);
                let name = if external {
                    key.clone()
                } else {
                    format!("{project}_{key}")
                };
                m.insert("name".into(), Node::synthetic(Value::Str(name)));
            }
        }
    }
}

/// compose-go `ResolveEnvironment`: list-form `environment` entries without `=` take their
/// value from the environment.
pub fn resolve_environment(dict: &mut Node, env: &Environment) {
    if let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) {
        for (_, svc) in services.iter_mut() {
            if let Some(Value::Seq(items)) = svc.get_mut("environment").map(|e| &mut e.value) {
                items.retain(|i| i.as_str().is_some());
                for item in items.iter_mut() {
                    if let Value::Str(s) = &mut item.value
                        && let Some(v) = env.get(s.as_str())
                    {
                        *s = format!("{s}={v}");
                    }
                }
            }
        }
    }
    // Secrets and configs read from the environment are left to the backends: compose never
    // prints their content, and neither does `config`.
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The shortcut for clean paths changes no result of the segment-by-segment Clean.
        #[test]
        fn clean_paths_are_kept_as_path_clean_keeps_them(p in "[/.a-z]{0,12}") {
            proptest::prop_assert_eq!(clean_unix(&p), clean_unix_by_segments(&p));
        }
    }

    /// Services normalised on every core (a large project) as each is alone.
    #[test]
    fn large_projects_normalised_on_every_core_as_one_at_a_time() {
        let svc = |i: usize| {
            serde_json::json!({
                "image": "x", "pull_policy": "if_not_present", "build": {"args": {"A": null}},
                "environment": {"HOME": null, "N": format!("{i}")}, "depends_on": {"s0": {}},
            })
        };
        let span = crate::source::Span::SYNTHETIC;
        let services: serde_json::Map<String, serde_json::Value> =
            (0..1000).map(|i| (format!("s{i}"), svc(i))).collect();
        let mut all = Node::from_json(&serde_json::json!({"services": services}), span);
        let mut one = all.clone();
        let mut env = Environment::default();
        env.insert("HOME".into(), "/root".into());
        env.insert("A".into(), "a".into());
        normalize(&mut all, &env);
        // The same steps, one service after the other.
        normalize_networks(&mut one);
        if let Some(services) = one.get_mut("services").and_then(Node::as_map_mut) {
            for svc in services.values_mut() {
                normalize_service(svc, &env);
            }
        }
        set_name_from_key(&mut one);
        assert_eq!(all, one);
        let pulled = all
            .get("services")
            .and_then(|s| s.get("s999"))
            .and_then(|s| s.get("pull_policy"))
            .and_then(Node::as_str);
        assert_eq!(pulled, Some("missing"));
    }

    #[test]
    fn go_path_clean_examples() {
        for (p, want) in [
            ("", "."),
            ("/", "/"),
            ("a/", "a"),
            ("/a//b/./c/..", "/a/b"),
            ("../a", "../a"),
            ("/../a", "/a"),
            ("/var/lib/data", "/var/lib/data"),
        ] {
            assert_eq!(clean_unix(p), want, "{p}");
        }
    }
}
