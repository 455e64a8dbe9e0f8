//! Project-level steps after normalisation (compose-go `ModelToProject` and docker compose's
//! `config`): profiles, consistency checks, `env_file`/`label_file` contents, `scale` vs
//! `deploy.replicas`, and dropping resources no active service uses.

use crate::diag::{LoadError, Warning};
use crate::load::dotenv;
use crate::load::node::{KeyPath, Map, Node, Value};
use crate::load::options::{Environment, parse_go_bool, read_text};
use crate::source::{SourceMap, Span};
use std::collections::BTreeSet;
use std::path::Path;

fn svc_path(name: &str) -> KeyPath {
    KeyPath::root().key("services").key(name)
}

fn strings_of(node: Option<&Node>) -> Vec<String> {
    match node.map(|n| &n.value) {
        Some(Value::Str(s)) => vec![s.clone()],
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Remove services whose profiles are not active. Returns the disabled services' profiles.
pub fn apply_profiles(
    dict: &mut Node,
    profiles: &[String],
) -> indexmap::IndexMap<String, Vec<String>> {
    let mut disabled = indexmap::IndexMap::new();
    let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) else {
        return disabled;
    };
    services.retain(|name, svc| {
        let own = strings_of(svc.get("profiles"));
        let enabled = own.is_empty() || profiles.iter().any(|p| p == "*" || own.contains(p));
        if !enabled {
            disabled.insert(name.clone(), own);
        }
        enabled
    });
    disabled
}

fn int_of(n: Option<&Node>) -> Option<i64> {
    match n.map(|n| &n.value) {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    }
}

fn err(span: Span, path: KeyPath, msg: impl Into<String>) -> LoadError {
    LoadError::new(span, path, msg)
}

/// compose-go `checkConsistency`, on the tree so that each error keeps its position.
///
/// # Errors
/// The first inconsistency found, in service order.
pub fn check_consistency(
    dict: &mut Node,
    disabled: &indexmap::IndexMap<String, Vec<String>>,
) -> Result<(), LoadError> {
    let top_keys = |k: &str| -> BTreeSet<String> {
        dict.get(k)
            .and_then(Node::as_map)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let known = Known {
        service_names: top_keys("services"),
        networks: top_keys("networks"),
        volumes: top_keys("volumes"),
        secrets: top_keys("secrets"),
        configs: top_keys("configs"),
        models: top_keys("models"),
        disabled,
    };
    let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) else {
        return Ok(());
    };
    // Services are checked independently: a large project's on every core, the first error
    // in file order being the one reported, as one after the other.
    let mut entries: Vec<(&String, &mut Node)> = services.iter_mut().collect();
    crate::par::map_mut_in_order(&mut entries, crate::par::MIN_PER_THREAD, |(name, svc)| {
        check_service(name, svc, &known)
    })
    .collect::<Result<(), LoadError>>()?;
    check_secrets_declared(dict)?;
    check_cycles(dict)
}

/// What services may refer to: the project's names by section, and the services profiles
/// disabled.
struct Known<'a> {
    service_names: BTreeSet<String>,
    networks: BTreeSet<String>,
    volumes: BTreeSet<String>,
    secrets: BTreeSet<String>,
    configs: BTreeSet<String>,
    models: BTreeSet<String>,
    disabled: &'a indexmap::IndexMap<String, Vec<String>>,
}

/// One service's references and settings against the rest of the project.
fn check_service(name: &str, svc: &mut Node, known: &Known) -> Result<(), LoadError> {
    let Known {
        service_names,
        networks,
        volumes,
        secrets,
        configs,
        models,
        disabled,
    } = known;
    // The path is built only for an error.
    let p = || svc_path(name);
    let has = |k: &str| svc.get(k).is_some_and(|n| !n.is_null());
    if !has("build")
        && svc
            .get("image")
            .and_then(Node::as_str)
            .is_none_or(str::is_empty)
        && !has("provider")
    {
        return Err(err(
            svc.key_span,
            p(),
            format!(
                "service {name:?} has neither an image nor a build context specified: invalid compose project"
            ),
        ));
    }
    if let Some(b) = svc.get("build") {
        let set = |k: &str| {
            b.get(k)
                .and_then(Node::as_str)
                .is_some_and(|s| !s.is_empty())
        };
        if set("dockerfile_inline") && set("dockerfile") {
            return Err(err(
                b.span,
                p().key("build"),
                format!(
                    "service {name:?} declares mutualy exclusive dockerfile and dockerfile_inline: invalid compose project"
                ),
            ));
        }
    }
    if has("network_mode")
        && svc
            .get("networks")
            .and_then(Node::as_map)
            .is_some_and(|m| !m.is_empty())
    {
        return Err(err(
            svc.key_span,
            p(),
            format!(
                "service {name} declares mutually exclusive `network_mode` and `networks`: invalid compose project"
            ),
        ));
    }
    known_keys(name, svc, "networks", networks, "network")?;
    if let Some(test) = svc
        .get("healthcheck")
        .and_then(|h| h.get("test"))
        .and_then(Node::as_seq)
        && let Some(first) = test.first()
        && !matches!(first.as_str(), Some("CMD" | "CMD-SHELL" | "NONE"))
    {
        return Err(err(
            first.span,
            p().key("healthcheck").key("test"),
            "healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\"",
        ));
    }
    if let Some(deps) = svc.get("depends_on").and_then(Node::as_map) {
        for (dep, cfg) in deps {
            if service_names.contains(dep) {
                continue;
            }
            let required = cfg
                .get("required")
                .is_none_or(|r| r.value != Value::Bool(false));
            if disabled.contains_key(dep) && !required {
                continue;
            }
            return Err(err(
                cfg.key_span,
                p().key("depends_on").key(dep),
                format!(
                    "service {name:?} depends on undefined service {dep:?}: invalid compose project"
                ),
            ));
        }
    }
    if let Some(target) = svc
        .get("network_mode")
        .and_then(Node::as_str)
        .and_then(|m| m.strip_prefix("service:"))
        && !service_names.contains(target)
    {
        return Err(err(
            svc.key_span,
            p().key("network_mode"),
            format!("service {target:?} not found for network_mode 'service:{target}'"),
        ));
    }
    if let Some(vols) = svc.get("volumes").and_then(Node::as_seq) {
        for (i, v) in vols.iter().enumerate() {
            let src = v.get("source").and_then(Node::as_str).unwrap_or_default();
            if v.get("type").and_then(Node::as_str) == Some("volume")
                && !src.is_empty()
                && !volumes.contains(src)
            {
                return Err(err(
                    v.span,
                    p().key("volumes").index(i),
                    format!(
                        "service {name:?} refers to undefined volume {src}: invalid compose project"
                    ),
                ));
            }
        }
    }
    for (key, known, what) in [
        ("secrets", &secrets, "secret"),
        ("configs", &configs, "config"),
    ] {
        if let Some(items) = svc.get(key).and_then(Node::as_seq) {
            for (i, it) in items.iter().enumerate() {
                let src = it.get("source").and_then(Node::as_str).unwrap_or_default();
                if !known.contains(src) {
                    return Err(err(
                        it.span,
                        p().key(key).index(i),
                        format!(
                            "service {name:?} refers to undefined {what} {src}: invalid compose project"
                        ),
                    ));
                }
            }
        }
    }
    if let Some(items) = svc
        .get("build")
        .and_then(|b| b.get("secrets"))
        .and_then(Node::as_seq)
    {
        for (i, it) in items.iter().enumerate() {
            let src = it.get("source").and_then(Node::as_str).unwrap_or_default();
            if !secrets.contains(src) {
                return Err(err(
                    it.span,
                    p().key("build").key("secrets").index(i),
                    format!(
                        "service {name:?} refers to undefined build secret {src}: invalid compose project"
                    ),
                ));
            }
        }
    }
    known_keys(name, svc, "models", models, "model")?;
    check_scale(name, svc)?;
    check_mounts(name, svc)?;
    Ok(())
}

/// Every key of the service's mapping `key` names a `what` the project declares.
fn known_keys(
    name: &str,
    svc: &Node,
    key: &str,
    known: &BTreeSet<String>,
    what: &str,
) -> Result<(), LoadError> {
    let Some(refs) = svc.get(key).and_then(Node::as_map) else {
        return Ok(());
    };
    match refs.iter().find(|(k, _)| !known.contains(*k)) {
        Some((k, n)) => Err(err(
            n.key_span,
            svc_path(name).key(key).key(k),
            format!("service {name:?} refers to undefined {what} {k}: invalid compose project"),
        )),
        None => Ok(()),
    }
}

/// `scale` and `deploy.replicas` must agree; `scale` then sets `deploy.replicas`.
fn check_scale(name: &str, svc: &mut Node) -> Result<(), LoadError> {
    // The path is built only for an error.
    let p = || svc_path(name);
    let scale = int_of(svc.get("scale"));
    let scale_span = svc.get("scale").map_or(svc.key_span, |s| s.span);
    if let (Some(s), Some(deploy)) = (scale, svc.get_mut("deploy").and_then(Node::as_map_mut)) {
        if let Some(r) = int_of(deploy.get("replicas"))
            && r != s
        {
            return Err(err(
                scale_span,
                p(),
                "can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project",
            ));
        }
        deploy.insert("replicas".into(), Node::new(Value::Int(s), scale_span));
    }
    if scale.is_some_and(|s| s < 0) {
        return Err(err(
            scale_span,
            p().key("scale"),
            "must be greater than or equal to 0",
        ));
    }
    let replicas = svc.get("deploy").and_then(|d| d.get("replicas"));
    if int_of(replicas).is_some_and(|r| r < 0) {
        return Err(err(
            replicas.map_or(svc.span, |r| r.span),
            p().key("deploy").key("replicas"),
            "must be greater than or equal to 0",
        ));
    }
    check_limits_agree(name, svc)?;
    let replicas = svc.get("deploy").and_then(|d| d.get("replicas"));
    let effective = scale.or(int_of(replicas)).unwrap_or(1);
    if effective > 1
        && svc
            .get("container_name")
            .and_then(Node::as_str)
            .is_some_and(|c| !c.is_empty())
    {
        let attr = if scale.is_some() {
            "scale"
        } else {
            "deploy.replicas"
        };
        return Err(err(
            svc.get("container_name").map_or(svc.span, |c| c.key_span),
            p(),
            format!(
                "can't set container_name and {attr} as container name must be unique: invalid compose project"
            ),
        ));
    }
    Ok(())
}

/// `cpus`/`mem_limit`/`mem_reservation`/`pids_limit` may repeat `deploy.resources`, but only
/// with the same value.
fn check_limits_agree(name: &str, svc: &Node) -> Result<(), LoadError> {
    use crate::model::units::ByteSize;
    let bytes = |n: Option<&Node>| -> Option<i64> {
        match n.map(|n| &n.value) {
            Some(Value::Int(i)) => Some(*i),
            Some(Value::Str(s)) => ByteSize::parse(s).ok().map(|b| b.0),
            _ => None,
        }
    };
    let float = |n: Option<&Node>| -> Option<f32> {
        n.and_then(Node::scalar_to_string)
            .and_then(|s| s.parse::<f32>().ok())
    };
    let res = |part: &str, key: &str| {
        svc.get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get(part))
            .and_then(|l| l.get(key))
    };
    let has_part = |part: &str| {
        svc.get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get(part))
            .is_some()
    };
    let checks: [(&str, &str, &str, bool); 4] = [
        (
            "cpus",
            "limits",
            "cpus",
            float(svc.get("cpus")).is_some_and(|c| c != 0.0)
                && float(res("limits", "cpus")).unwrap_or(0.0)
                    != float(svc.get("cpus")).unwrap_or(0.0),
        ),
        (
            "mem_limit",
            "limits",
            "memory",
            bytes(svc.get("mem_limit")).is_some_and(|m| m != 0)
                && bytes(res("limits", "memory")).unwrap_or(0)
                    != bytes(svc.get("mem_limit")).unwrap_or(0),
        ),
        (
            "mem_reservation",
            "reservations",
            "memory",
            bytes(svc.get("mem_reservation")).is_some_and(|m| m != 0)
                && bytes(res("reservations", "memory")).unwrap_or(0)
                    != bytes(svc.get("mem_reservation")).unwrap_or(0),
        ),
        (
            "pids_limit",
            "limits",
            "pids",
            int_of(svc.get("pids_limit")).is_some_and(|p| p != 0)
                && int_of(res("limits", "pids")).unwrap_or(0)
                    != int_of(svc.get("pids_limit")).unwrap_or(0),
        ),
    ];
    for (key, part, field, differs) in checks {
        if differs && has_part(part) {
            let span = svc.get(key).map_or(svc.key_span, |n| n.key_span);
            return Err(err(
                span,
                svc_path(name),
                format!(
                    "can't set distinct values on '{key}' and 'deploy.resources.{part}.{field}': invalid compose project"
                ),
            ));
        }
    }
    Ok(())
}

/// Two mounts (tmpfs or volumes) on one target.
fn check_mounts(name: &str, svc: &Node) -> Result<(), LoadError> {
    // Targets seen, with the key and index that mounted them (named only in an error).
    let mut mounts: std::collections::HashMap<&str, (&str, usize), foldhash::fast::RandomState> =
        std::collections::HashMap::default();
    let tmpfs = svc
        .get("tmpfs")
        .and_then(Node::as_seq)
        .map_or(&[][..], Vec::as_slice);
    let tmpfs = tmpfs.iter().map(|n| {
        let target = n.as_str().unwrap_or_default();
        (n, target.split(':').next().unwrap_or_default())
    });
    let volumes = svc
        .get("volumes")
        .and_then(Node::as_seq)
        .map_or(&[][..], Vec::as_slice);
    let volumes = volumes.iter().map(|n| {
        let target = n.get("target").and_then(Node::as_str).unwrap_or_default();
        (n, target)
    });
    let listed = tmpfs
        .enumerate()
        .map(|(i, m)| ("tmpfs", i, m))
        .chain(volumes.enumerate().map(|(i, m)| ("volumes", i, m)));
    for (key, i, (n, target)) in listed {
        if let Some((prev_key, prev_i)) = mounts.get(target) {
            return Err(err(
                n.span,
                svc_path(name).key(key).index(i),
                format!("target {target} already mounted as services.{name}.{prev_key}[{prev_i}]"),
            ));
        }
        mounts.insert(target, (key, i));
    }
    Ok(())
}

fn check_secrets_declared(dict: &Node) -> Result<(), LoadError> {
    let Some(secrets) = dict.get("secrets").and_then(Node::as_map) else {
        return Ok(());
    };
    for (name, s) in secrets {
        let external = s
            .get("external")
            .and_then(Node::scalar_to_string)
            .and_then(|v| parse_go_bool(&v))
            .unwrap_or(false);
        if external {
            continue;
        }
        let set = |k: &str| {
            s.get(k)
                .and_then(Node::as_str)
                .is_some_and(|v| !v.is_empty())
        };
        if !set("file") && !set("environment") {
            return Err(err(
                s.key_span,
                KeyPath::root().key("secrets").key(name),
                format!(
                    "secret {name:?} must declare either `file` or `environment`: invalid compose project"
                ),
            ));
        }
    }
    Ok(())
}

/// `depends_on` cycles, reported as compose reports them (`a -> b -> a`). Depth-first search
/// with colours: linear in services plus dependencies.
fn check_cycles(dict: &Node) -> Result<(), LoadError> {
    let Some(services) = dict.get("services").and_then(Node::as_map) else {
        return Ok(());
    };
    // Services by their index in the map; visited in name order, children too, so the
    // cycle reported does not depend on the file's order.
    let name_of = |i: usize| services.get_index(i).map_or("", |(k, _)| k.as_str());
    let by_name = |v: &mut Vec<usize>| v.sort_unstable_by(|&a, &b| name_of(a).cmp(name_of(b)));
    let mut names: Vec<usize> = (0..services.len()).collect();
    by_name(&mut names);
    let children = |i: usize| -> Vec<usize> {
        let mut v: Vec<usize> = services
            .get_index(i)
            .and_then(|(_, s)| s.get("depends_on"))
            .and_then(Node::as_map)
            .map(|m| m.keys().filter_map(|k| services.get_index_of(k)).collect())
            .unwrap_or_default();
        by_name(&mut v);
        v
    };
    const UNVISITED: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![UNVISITED; services.len()];
    let state_of = |state: &[u8], i: usize| state.get(i).copied().unwrap_or(DONE);
    let set = |state: &mut [u8], i: usize, to: u8| {
        if let Some(s) = state.get_mut(i) {
            *s = to;
        }
    };
    for start in names {
        if state_of(&state, start) != UNVISITED {
            continue;
        }
        // Explicit stack of (service, its children, next child index) to bound recursion.
        let mut path: Vec<usize> = vec![start];
        let mut stack: Vec<(Vec<usize>, usize)> = vec![(children(start), 0)];
        set(&mut state, start, ON_PATH);
        while let Some((kids, idx)) = stack.last_mut() {
            let Some(&next) = kids.get(*idx) else {
                if let Some(done) = path.pop() {
                    set(&mut state, done, DONE);
                }
                stack.pop();
                continue;
            };
            *idx += 1;
            match state_of(&state, next) {
                ON_PATH => {
                    let from = path.iter().position(|&p| p == next).unwrap_or(0);
                    let on_cycle = path.get(from..).unwrap_or_default();
                    let cycle: Vec<&str> = on_cycle.iter().map(|&i| name_of(i)).collect();
                    let first = on_cycle.first().map_or("", |&i| name_of(i));
                    let span = services.get(first).map_or(Span::SYNTHETIC, |s| s.key_span);
                    return Err(err(
                        span,
                        svc_path(first).key("depends_on"),
                        format!(
                            "dependency cycle detected: {} -> {}",
                            cycle.join(" -> "),
                            name_of(next)
                        ),
                    ));
                }
                UNVISITED => {
                    set(&mut state, next, ON_PATH);
                    let grandkids = children(next);
                    path.push(next);
                    stack.push((grandkids, 0));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// `environment` as a map (list entries `K=V` / `K`), values from `env_file`s underneath the
/// service's own values (compose-go `WithServicesEnvironmentResolved`).
///
/// # Errors
/// A required env file that is missing or does not parse.
pub fn resolve_service_environment(
    dict: &mut Node,
    env: &Environment,
    sources: &SourceMap,
    warnings: &mut Vec<Warning>,
) -> Result<(), LoadError> {
    let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) else {
        return Ok(());
    };
    for (name, svc) in services.iter_mut() {
        let Some(s) = svc.as_map_mut() else { continue };
        let own = s.get("environment").map(mapping_to_map).unwrap_or_default();
        let (env_span, env_key_span) = s.get("environment").map_or(
            (
                s.get("image").map_or(Span::SYNTHETIC, |i| i.span),
                Span::SYNTHETIC,
            ),
            |e| (e.span, e.key_span),
        );
        // Variables without value resolved from the project environment.
        let mut own_resolved = own.clone();
        for (k, v) in own_resolved.iter_mut() {
            if v.is_null()
                && let Some(val) = env.get(k)
            {
                v.value = Value::Str(val.clone());
            }
        }
        let mut merged = Map::default();
        if let Some(files) = s.get("env_file").and_then(Node::as_seq) {
            // One accumulating map seeded with the service's own values: compose's lookup
            // order is project environment, then what is already set.
            let mut vars: Environment = own_resolved
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect();
            for (i, f) in files.iter().enumerate() {
                let Some(path) = f.get("path").and_then(Node::as_str) else {
                    continue;
                };
                let required = f
                    .get("required")
                    .is_none_or(|r| r.value != Value::Bool(false));
                let path_buf = Path::new(path);
                if !path_buf.exists() {
                    if required {
                        return Err(err(
                            f.span,
                            svc_path(name).key("env_file").index(i),
                            format!(
                                "env file {path} not found: stat {path}: no such file or directory"
                            ),
                        ));
                    }
                    continue;
                }
                let raw = f.get("format").and_then(Node::as_str) == Some("raw");
                if let Some(fmt) = f
                    .get("format")
                    .and_then(Node::as_str)
                    .filter(|f| !f.is_empty() && *f != "raw")
                {
                    return Err(err(
                        f.span,
                        svc_path(name).key("env_file").index(i).key("format"),
                        format!("unsupported env_file format {fmt:?}"),
                    ));
                }
                let text = read_text(path_buf)?;
                let id = sources.add(
                    path.to_string(),
                    path_buf.to_path_buf(),
                    text.clone().into(),
                );
                let before: Environment = vars.clone();
                let lookup = |k: &str| env.get(k).cloned();
                if raw {
                    parse_raw_env(&text, id, &lookup, &mut vars)?;
                } else {
                    dotenv::parse_into(&text, id, &lookup, &mut vars, warnings)?;
                }
                for (k, v) in &vars {
                    if before.get(k) != Some(v)
                        || !merged.contains_key(k) && !own_resolved.contains_key(k)
                    {
                        merged.insert(
                            k.clone(),
                            Node::new(Value::Str(v.clone()), Span::new(id, 1, 1)),
                        );
                    }
                }
            }
        }
        for (k, v) in own_resolved {
            if v.is_null() {
                warnings.push(pass_through_warning(name, &k, v.span));
            }
            merged.insert(k, v);
        }
        if !merged.is_empty() || s.contains_key("environment") {
            let mut node = Node::map(merged, env_span);
            node.key_span = env_key_span;
            s.insert("environment".into(), node);
        }
    }
    Ok(())
}

/// A variable listed without a value that neither the environment nor an `env_file` sets:
/// compose starts the container without it, which a deploy usually did not mean.
fn pass_through_warning(service: &str, var: &str, span: Span) -> Warning {
    Warning {
        span,
        path: svc_path(service).key("environment").key(var),
        message: format!(
            "{var} has no value: it is not set in the environment or .env, so the container starts without it (give it a value, or set it before converting)"
        ),
    }
}

/// `env_file` with `format: raw`: the `docker run --env-file` format. Values are verbatim (no
/// quotes removed, no interpolation); a line with a name only takes its value from the
/// environment, or is skipped.
fn parse_raw_env(
    text: &str,
    file: crate::source::FileId,
    lookup: &dyn Fn(&str) -> Option<String>,
    vars: &mut Environment,
) -> Result<(), LoadError> {
    for (i, line) in text.lines().enumerate() {
        let line = if i == 0 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (key, value) = match trimmed.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (trimmed, None),
        };
        if key.contains(char::is_whitespace) {
            let at = Span::new(file, u32::try_from(i + 1).unwrap_or(u32::MAX), 1);
            return Err(LoadError::new(
                at,
                KeyPath::root(),
                format!("variable '{key}' contains whitespaces"),
            ));
        }
        match value {
            Some(v) => {
                vars.insert(key.to_string(), v.to_string());
            }
            None => {
                if let Some(v) = lookup(key) {
                    vars.insert(key.to_string(), v);
                }
            }
        }
    }
    Ok(())
}

/// `environment`/`labels`-style mapping in list or map form, as a map (`K` alone → null).
pub fn mapping_to_map(node: &Node) -> Map {
    match &node.value {
        Value::Map(m) => m.clone(),
        Value::Seq(items) => {
            let mut m = Map::default();
            for it in items {
                let Some(s) = it.scalar_to_string() else {
                    continue;
                };
                match s.split_once('=') {
                    Some((k, v)) => m.insert(
                        k.to_string(),
                        Node {
                            value: Value::Str(v.to_string()),
                            ..it.clone()
                        },
                    ),
                    None => m.insert(
                        s.clone(),
                        Node {
                            value: Value::Null,
                            ..it.clone()
                        },
                    ),
                };
            }
            m
        }
        _ => Map::default(),
    }
}

/// `label_file` contents underneath the service's own labels.
///
/// # Errors
/// A missing label file or a parse error.
pub fn resolve_service_labels(dict: &mut Node, sources: &SourceMap) -> Result<(), LoadError> {
    let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) else {
        return Ok(());
    };
    for (name, svc) in services.iter_mut() {
        let Some(s) = svc.as_map_mut() else { continue };
        let files = strings_of(s.get("label_file"));
        if files.is_empty() {
            continue;
        }
        let mut labels = Map::default();
        for (i, f) in files.iter().enumerate() {
            let path = Path::new(f);
            if !path.exists() {
                let span = s.get("label_file").map_or(Span::SYNTHETIC, |n| n.span);
                return Err(err(
                    span,
                    svc_path(name).key("label_file").index(i),
                    format!("label file {f} not found: stat {f}: no such file or directory"),
                ));
            }
            let text = read_text(path)?;
            let id = sources.add(f.clone(), path.to_path_buf(), text.clone().into());
            let snapshot: Environment = labels
                .iter()
                .filter_map(|(k, v): (&String, &Node)| {
                    v.as_str().map(|x| (k.clone(), x.to_string()))
                })
                .collect();
            let lookup = |k: &str| snapshot.get(k).cloned();
            for (k, v) in dotenv::parse(&text, id, &lookup)? {
                labels.insert(k, Node::new(Value::Str(v), Span::new(id, 1, 1)));
            }
        }
        if let Some(own) = s.get("labels") {
            for (k, v) in mapping_to_map(own) {
                labels.insert(k, v);
            }
        }
        labels.retain(|_, v| !v.is_null());
        let span = s.get("labels").map_or(Span::SYNTHETIC, |l| l.span);
        s.insert("labels".into(), Node::map(labels, span));
    }
    Ok(())
}

/// Drop top-level networks, volumes, secrets, configs and models no active service uses
/// (docker compose's `WithoutUnnecessaryResources`).
pub fn drop_unused_resources(dict: &mut Node) {
    let mut used: indexmap::IndexMap<&str, BTreeSet<String>> = indexmap::IndexMap::new();
    for k in ["networks", "volumes", "secrets", "configs", "models"] {
        used.insert(k, BTreeSet::new());
    }
    if let Some(services) = dict.get("services").and_then(Node::as_map) {
        for svc in services.values() {
            let mut add = |kind: &str, name: &str| {
                if let Some(set) = used.get_mut(kind) {
                    set.insert(name.to_string());
                }
            };
            if let Some(n) = svc.get("networks").and_then(Node::as_map) {
                n.keys().for_each(|k| add("networks", k));
            }
            if let Some(m) = svc.get("models").and_then(Node::as_map) {
                m.keys().for_each(|k| add("models", k));
            }
            for v in svc
                .get("volumes")
                .and_then(Node::as_seq)
                .into_iter()
                .flatten()
            {
                if v.get("type").and_then(Node::as_str) == Some("volume")
                    && let Some(src) = v
                        .get("source")
                        .and_then(Node::as_str)
                        .filter(|s| !s.is_empty())
                {
                    add("volumes", src);
                }
            }
            let build_secrets = svc
                .get("build")
                .and_then(|b| b.get("secrets"))
                .and_then(Node::as_seq);
            for s in svc
                .get("secrets")
                .and_then(Node::as_seq)
                .into_iter()
                .flatten()
                .chain(build_secrets.into_iter().flatten())
            {
                if let Some(src) = s.get("source").and_then(Node::as_str) {
                    add("secrets", src);
                }
            }
            for c in svc
                .get("configs")
                .and_then(Node::as_seq)
                .into_iter()
                .flatten()
            {
                if let Some(src) = c.get("source").and_then(Node::as_str) {
                    add("configs", src);
                }
            }
        }
    }
    let Some(root) = dict.as_map_mut() else {
        return;
    };
    for (kind, names) in used {
        if let Some(m) = root.get_mut(kind).and_then(Node::as_map_mut) {
            m.retain(|k, _| names.contains(k));
        }
    }
}

/// Two services with the same `container_name`.
///
/// # Errors
/// The second service using a name.
pub fn check_container_names(dict: &Node) -> Result<(), LoadError> {
    let Some(services) = dict.get("services").and_then(Node::as_map) else {
        return Ok(());
    };
    let mut seen: indexmap::IndexMap<String, String> = indexmap::IndexMap::new();
    for (name, s) in services {
        if let Some(c) = s
            .get("container_name")
            .and_then(Node::as_str)
            .filter(|c| !c.is_empty())
        {
            if let Some(existing) = seen.get(c) {
                let span = s.get("container_name").map_or(s.key_span, |n| n.span);
                return Err(err(
                    span,
                    svc_path(name),
                    format!("container name {c:?} is already in use by service {existing}"),
                ));
            }
            seen.insert(c.to_string(), name.clone());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services(n: usize, bad: &[usize]) -> Node {
        let services: serde_json::Map<String, serde_json::Value> = (0..n)
            .map(|i| {
                let mut svc = serde_json::json!({"image": "x", "scale": 2, "deploy": {}});
                if bad.contains(&i) {
                    svc["networks"] = serde_json::json!({"nope": null});
                }
                (format!("s{i}"), svc)
            })
            .collect();
        Node::from_json(
            &serde_json::json!({"services": services}),
            Span::new(crate::source::FileId(1), 1, 1),
        )
    }

    /// A project large enough to be checked on every core: every service's settings
    /// changed as one at a time changes them, and the first error in file order.
    #[test]
    fn large_projects_checked_on_every_core_match_one_at_a_time() {
        let none = indexmap::IndexMap::new();
        let mut ok = services(1000, &[]);
        assert!(check_consistency(&mut ok, &none).is_ok());
        let replicas: Vec<Option<i64>> = (0..1000)
            .map(|i| {
                ok.get("services")
                    .and_then(|s| s.get(&format!("s{i}")))
                    .and_then(|s| s.get("deploy"))
                    .and_then(|d| int_of(d.get("replicas")))
            })
            .collect();
        assert!(replicas.iter().all(|r| *r == Some(2)), "{replicas:?}");

        let mut bad = services(1000, &[700, 300]);
        let e = check_consistency(&mut bad, &none)
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert_eq!(e.path.to_string(), "services.s300.networks.nope");
        assert_eq!(
            e.message,
            "service \"s300\" refers to undefined network nope: invalid compose project"
        );
    }

    #[test]
    fn undefined_models_are_named_with_their_key() {
        let mut p = Node::from_json(
            &serde_json::json!({
                "services": {"web": {"image": "x", "models": {"llm": null}}},
                "models": {"other": {}},
            }),
            Span::new(crate::source::FileId(1), 1, 1),
        );
        let e = check_consistency(&mut p, &indexmap::IndexMap::new())
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert_eq!(e.path.to_string(), "services.web.models.llm");
        assert_eq!(
            e.message,
            "service \"web\" refers to undefined model llm: invalid compose project"
        );
    }
}
