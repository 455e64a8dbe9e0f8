//! `extends`: a service built on another one, from the same file or from `file:`
//! (compose-go `loader/extends.go`). Runs per file, before the file is merged.

use crate::diag::LoadError;
use crate::load::file::{Ctx, Phases, apply_resets, empty_dict};
use crate::load::merge;
use crate::load::node::{KeyPath, Map, Node, Value};
use crate::load::options::{Environment, absolute};
use crate::load::paths;
use std::path::{Path, PathBuf};

/// Longest `extends` chain: each link is a recursion, and no real project comes near it.
pub const MAX_EXTENDS_DEPTH: usize = 100;

/// Chain of `(file, service)` already being extended, for cycle messages.
#[derive(Clone, Default)]
struct Tracker(Vec<(PathBuf, String)>);

impl Tracker {
    fn add(
        &self,
        ctx: &Ctx,
        file: &Path,
        service: &str,
        span: crate::source::Span,
    ) -> Result<Tracker, LoadError> {
        let entry = (file.to_path_buf(), service.to_string());
        if self.0.contains(&entry) {
            let mut lines = vec!["Circular reference:".to_string()];
            if let Some((f, s)) = self.0.first() {
                lines.push(format!("  {s} in {}", ctx.display(f)));
            }
            for (f, s) in self.0.iter().skip(1).chain(std::iter::once(&entry)) {
                lines.push(format!("  extends {s} in {}", ctx.display(f)));
            }
            return Err(LoadError::new(
                span,
                KeyPath::root().key("services").key(service).key("extends"),
                lines.join("\n"),
            ));
        }
        if self.0.len() >= MAX_EXTENDS_DEPTH {
            return Err(LoadError::new(
                span,
                KeyPath::root().key("services").key(service).key("extends"),
                format!("extends chain is more than {MAX_EXTENDS_DEPTH} services long"),
            ));
        }
        let mut next = self.clone();
        next.0.push(entry);
        Ok(next)
    }
}

/// Resolve `extends` of every service of one document.
///
/// # Errors
/// Unknown base service, unreadable base file, cycles, merge errors.
pub fn apply_extends(
    ctx: &mut Ctx,
    root: &mut Node,
    file: &Path,
    working_dir: &Path,
    env: &Environment,
    resets: &[String],
) -> Result<(), LoadError> {
    let Some(services) = root.get_mut("services") else {
        return Ok(());
    };
    let span = services.span;
    let Some(services) = services.as_map_mut() else {
        return Err(LoadError::new(
            span,
            KeyPath::root().key("services"),
            "services must be a mapping",
        ));
    };
    let names: Vec<String> = services.keys().cloned().collect();
    for name in names {
        let scope = Scope {
            file,
            working_dir,
            env,
            resets,
        };
        service_extends(ctx, &name, services, &scope, &Tracker::default())?;
    }
    Ok(())
}

/// Where a service is being resolved: its file, the directory `extends.file` is relative
/// to, the interpolation environment, and the file's `!reset` paths.
struct Scope<'a> {
    file: &'a Path,
    working_dir: &'a Path,
    env: &'a Environment,
    resets: &'a [String],
}

/// Resolve `extends` of service `name` in place: afterwards `services[name]` holds the merged
/// definition. In place, because copying every service (most have no `extends`) to hand it
/// back was a tenth of the load's memory.
fn service_extends(
    ctx: &mut Ctx,
    name: &str,
    services: &mut Map,
    scope: &Scope,
    tracker: &Tracker,
) -> Result<(), LoadError> {
    let Scope {
        file,
        working_dir,
        env,
        resets,
    } = *scope;
    let path = KeyPath::root().key("services").key(name);
    let Some(service) = services.get(name) else {
        return Ok(());
    };
    if service.is_null() {
        return Ok(());
    }
    if service.as_map().is_none() {
        return Err(LoadError::new(service.span, path, "must be a mapping"));
    }
    let Some(ext) = service.get("extends") else {
        return Ok(());
    };
    let ext_span = ext.span;
    let (reference, base_file) = match (&ext.value, ext.get("service")) {
        (crate::load::node::Value::Str(s), _) => (s.clone(), None),
        (_, Some(s)) if s.as_str().is_some() => {
            let file_ref = ext.get("file").and_then(Node::as_str).map(str::to_string);
            (s.as_str().unwrap_or_default().to_string(), file_ref)
        }
        _ => {
            return Err(LoadError::new(
                ext_span,
                path.key("extends"),
                format!("extends.{name}.service is required"),
            ));
        }
    };

    let base = match &base_file {
        Some(f) => {
            // Relative to the project (or include) directory, as compose's resource loader does.
            let local = absolute(working_dir, Path::new(f));
            let key = (local.clone(), fingerprint(env));
            let found = base_file_services(ctx, &key, env).map_err(|e| {
                // A file that cannot be read is reported at the `extends` that names it.
                if e.span.is_synthetic() {
                    LoadError::new(ext_span, path.key("extends").key("file"), e.message)
                } else {
                    e
                }
            })?;
            let Some(mut base_services) = found else {
                return Err(LoadError::new(
                    ext_span,
                    path.key("extends"),
                    format!(
                        "cannot extend service {name:?} in {}: no services section",
                        ctx.display(&local)
                    ),
                ));
            };
            if !base_services.contains_key(&reference) {
                return Err(LoadError::new(
                    ext_span,
                    path.key("extends"),
                    format!(
                        "cannot extend service {name:?} in {}: service {reference:?} not found in {f}",
                        ctx.display(file)
                    ),
                ));
            }
            let tracker = tracker.add(ctx, &local, name, ext_span)?;
            let base_scope = Scope {
                file: &local,
                working_dir,
                env,
                resets: &[],
            };
            let resolved =
                service_extends(ctx, &reference, &mut base_services, &base_scope, &tracker)
                    .map(|()| resolved_base(&base_services, &reference));
            // Back in the cache whatever happened: it now also holds the resolved base.
            ctx.extends_bases.insert(key, base_services);
            resolved?
        }
        None => {
            if !services.contains_key(&reference) {
                return Err(LoadError::new(
                    ext_span,
                    path.key("extends"),
                    format!(
                        "cannot extend service {name:?} in {}: service {reference:?} not found",
                        ctx.display(file)
                    ),
                ));
            }
            let tracker = tracker.add(ctx, file, name, ext_span)?;
            let base_scope = Scope {
                file,
                working_dir,
                env,
                resets,
            };
            service_extends(ctx, &reference, services, &base_scope, &tracker)?;
            resolved_base(services, &reference)
        }
    };
    if let Some(b) = &base {
        charge_copy(ctx, b, ext_span, &path)?;
    }
    let Some(base) = base else {
        return Ok(());
    };
    // Taken out of its slot (not copied) and put back merged; on an error the load fails.
    let Some(slot) = services.get_mut(name) else {
        return Ok(());
    };
    let service = std::mem::replace(slot, Node::null(crate::source::Span::SYNTHETIC));

    // The current file's `!reset`s apply to what is inherited.
    let mut wrapper = Node::map(Map::default(), base.span);
    let mut inner = Map::default();
    inner.insert(name.to_string(), base);
    if let Some(m) = wrapper.as_map_mut() {
        m.insert(
            "services".into(),
            Node::map(inner, crate::source::Span::SYNTHETIC),
        );
    }
    apply_resets(&mut wrapper, resets);
    let base = wrapper
        .as_map_mut()
        .and_then(|m| m.shift_remove("services"))
        .and_then(|mut s| s.as_map_mut().and_then(|m| m.shift_remove(name)))
        .unwrap_or_else(|| Node::map(Map::default(), service.span));

    let mut merged = merge::merge_extends(base, service)?;
    if let Some(m) = merged.as_map_mut() {
        m.shift_remove("extends");
    }
    if let Some(slot) = services.get_mut(name) {
        *slot = merged;
    }
    Ok(())
}

/// A copy of the resolved base service to merge into an extending one (`None`: null).
fn resolved_base(services: &Map, reference: &str) -> Option<Node> {
    services.get(reference).filter(|n| !n.is_null()).cloned()
}

/// The services of a file named by `extends.file` (`None`: it has no services section),
/// loaded once per load and environment (`key`): a thousand services extending one base
/// file must not parse it a thousand times. Taken out of the cache while in use, so
/// resolving into it needs no second borrow of `ctx`.
fn base_file_services(
    ctx: &mut Ctx,
    key: &(PathBuf, u64),
    env: &Environment,
) -> Result<Option<Map>, LoadError> {
    if let Some(m) = ctx.extends_bases.remove(key) {
        return Ok(Some(m));
    }
    let mut loaded = load_base_file(ctx, &key.0, env)?;
    Ok(
        match loaded.as_map_mut().and_then(|m| m.shift_remove("services")) {
            Some(Node {
                value: Value::Map(m),
                ..
            }) => Some(m),
            _ => None,
        },
    )
}

/// Every service extending a base gets its own copy of it: count them, so a large base
/// times many services is refused instead of exhausting memory.
fn charge_copy(
    ctx: &mut Ctx,
    base: &Node,
    span: crate::source::Span,
    path: &KeyPath,
) -> Result<(), LoadError> {
    if ctx.extends_nodes.spend(base.count_nodes()) {
        return Ok(());
    }
    Err(LoadError::new(
        span,
        path.key("extends"),
        format!(
            "services inherit more than {} nodes through extends; \
             transship refuses that much (each extending service gets its own copy)",
            ctx.extends_nodes.limit
        ),
    ))
}

/// Which environment a base file was loaded with (an included project may have its own).
fn fingerprint(env: &Environment) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (k, v) in env {
        k.hash(&mut h);
        v.hash(&mut h);
    }
    h.finish()
}

/// Load a file named by `extends.file`: interpolated and canonical, no extends/include of its
/// own (those are followed service by service), relative paths resolved against its folder.
fn load_base_file(ctx: &mut Ctx, local: &Path, env: &Environment) -> Result<Node, LoadError> {
    let dir = local.parent().unwrap_or(Path::new("/")).to_path_buf();
    let phases = Phases {
        extends: false,
        include: false,
    };
    let mut loaded = ctx.load_file(local, None, empty_dict(), &dir, env, phases)?;
    paths::resolve_relative_paths(&mut loaded, &dir)?;
    Ok(loaded)
}
