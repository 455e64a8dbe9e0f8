//! The tera templates that lay out every unit file: built into the binary, each replaceable
//! by a file of the same name in `--templates DIR`. Templates only arrange text: every value
//! they receive from a compose file is already escaped (see [`super::escape`]).

use crate::backend::EmitError;
use crate::source::Span;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;

/// Built-in templates, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("service.tera", include_str!("templates/service.tera")),
    (
        "service-target.tera",
        include_str!("templates/service-target.tera"),
    ),
    (
        "project-target.tera",
        include_str!("templates/project-target.tera"),
    ),
    ("resource.tera", include_str!("templates/resource.tera")),
    (
        "service-healthy.tera",
        include_str!("templates/service-healthy.tera"),
    ),
    ("rollout.tera", include_str!("templates/rollout.tera")),
    (
        "quadlet-target.tera",
        include_str!("templates/quadlet-target.tera"),
    ),
    (
        "quadlet-container.tera",
        include_str!("templates/quadlet-container.tera"),
    ),
    (
        "quadlet-network.tera",
        include_str!("templates/quadlet-network.tera"),
    ),
    (
        "quadlet-volume.tera",
        include_str!("templates/quadlet-volume.tera"),
    ),
];

/// The templates `--runtime docker|podman` units are made from.
pub const UNIT_TEMPLATES: &[&str] = &[
    "project-target.tera",
    "service-target.tera",
    "service.tera",
    "service-healthy.tera",
    "resource.tera",
    "rollout.tera",
];

/// The templates `--quadlet` files are made from.
pub const QUADLET_TEMPLATES: &[&str] = &[
    "quadlet-target.tera",
    "quadlet-container.tera",
    "quadlet-network.tera",
    "quadlet-volume.tera",
];

/// Built-in templates that [`Builtin`] implementations render without tera.
const RENDERED_IN_RUST: &[&str] = QUADLET_TEMPLATES;

/// A built-in template's context that renders the template's text itself, byte for byte (the
/// template file stays the documented starting point for an override).
pub trait Builtin: Serialize {
    /// The template this renders.
    const TEMPLATE: &'static str;
    fn render_builtin(&self) -> String;
}

pub struct Templates {
    tera: tera::Tera,
}

fn error(what: String) -> EmitError {
    EmitError::new(Span::SYNTHETIC, "--templates", what)
}

impl Templates {
    /// The built-in templates named in `names`, with those found in `dir` (same file name)
    /// taking their place. Only the ones a run renders are parsed: tera's parser takes
    /// ~0.1 ms per template, most of a small project's conversion.
    ///
    /// # Errors
    /// An override cannot be read or does not parse.
    pub fn load(dir: Option<&Path>, names: &[&str]) -> Result<Templates, EmitError> {
        if let Some(prefetched) = take_prefetched(dir, names) {
            return prefetched;
        }
        Templates::parse(dir, names)
    }

    fn parse(dir: Option<&Path>, names: &[&str]) -> Result<Templates, EmitError> {
        let mut tera = tera::Tera::default();
        tera.autoescape_on(Vec::new());
        for (name, builtin) in BUILTIN.iter().filter(|(n, _)| names.contains(n)) {
            let text = match dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
                Some(p) => std::fs::read_to_string(&p)
                    .map_err(|e| error(format!("{}: {e}", p.display())))?,
                // Rendered by its Rust twin unless overridden: nothing to parse.
                None if RENDERED_IN_RUST.contains(name) => continue,
                None => (*builtin).to_string(),
            };
            tera.add_raw_template(name, &text)
                .map_err(|e| error(format!("{name}: {}", chain(&e))))?;
        }
        Ok(Templates { tera })
    }

    /// Render `ctx` with its template: the one given in `--templates DIR` if any, else the
    /// built-in one, written in Rust ([`Builtin`]).
    ///
    /// # Errors
    /// An override refers to something `ctx` lacks.
    pub fn render_unit<T: Builtin>(&self, ctx: &T) -> Result<String, EmitError> {
        if self.tera.get_template_names().any(|n| n == T::TEMPLATE) {
            self.render(T::TEMPLATE, ctx)
        } else {
            Ok(ctx.render_builtin())
        }
    }

    /// Render template `name` with `ctx`.
    ///
    /// # Errors
    /// The template refers to something `ctx` lacks (only possible with overrides).
    pub fn render<T: Serialize>(&self, name: &str, ctx: &T) -> Result<String, EmitError> {
        let c = tera::Context::from_serialize(ctx).map_err(|e| error(chain(&e)))?;
        self.tera
            .render(name, &c)
            .map_err(|e| error(format!("{name}: {}", chain(&e))))
    }
}

type Parsed = Result<Templates, EmitError>;
type Prefetch = (Option<PathBuf>, &'static [&'static str], JoinHandle<Parsed>);

/// Templates being parsed on their own thread, by `--templates` dir and set of names.
static PREFETCHED: Mutex<Vec<Prefetch>> = Mutex::new(Vec::new());

/// Start parsing the templates a run will need while the project loads: tera's parser is
/// about a millisecond for the unit set, a fifth of converting a small project. A later
/// [`Templates::load`] with the same arguments takes the result (errors included); when
/// no thread can be started, it parses them itself.
pub fn prefetch(dir: Option<&Path>, names: &'static [&'static str]) {
    if dir.is_none() && names.iter().all(|n| RENDERED_IN_RUST.contains(n)) {
        // Nothing to parse: `load` makes an empty set at once.
        return;
    }
    let owned = dir.map(Path::to_path_buf);
    let for_thread = owned.clone();
    let spawned = std::thread::Builder::new()
        .name("templates".into())
        .spawn(move || Templates::parse(for_thread.as_deref(), names));
    if let (Ok(handle), Ok(mut list)) = (spawned, PREFETCHED.lock()) {
        list.push((owned, names, handle));
    }
}

fn take_prefetched(dir: Option<&Path>, names: &[&str]) -> Option<Parsed> {
    let handle = {
        let mut list = PREFETCHED.lock().ok()?;
        let at = list
            .iter()
            .position(|(d, n, _)| d.as_deref() == dir && *n == names)?;
        list.swap_remove(at).2
    };
    handle.join().ok()
}

/// A tera error with its causes (the top message alone says little).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefetched_set_is_what_load_would_parse() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("quadlet-target.tera"),
            "prefetched {{ unit }}\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        prefetch(Some(dir.path()), QUADLET_TEMPLATES);
        // Taken once: a second load parses again (and sees the file as it is then).
        let first =
            Templates::load(Some(dir.path()), QUADLET_TEMPLATES).unwrap_or_else(|e| panic!("{e}"));
        let ctx = serde_json::json!({"unit": "p.target", "project": "p", "description": "d", "wants": []});
        let out = first
            .render("quadlet-target.tera", &ctx)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out, "prefetched p.target\n");
        std::fs::write(dir.path().join("quadlet-target.tera"), "{% if %}")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(Templates::load(Some(dir.path()), QUADLET_TEMPLATES).is_err());
        // A prefetched parse error is reported by load as its own would be.
        prefetch(Some(dir.path()), QUADLET_TEMPLATES);
        assert!(Templates::load(Some(dir.path()), QUADLET_TEMPLATES).is_err());
    }

    #[test]
    fn override_replaces_one_template() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("project-target.tera"),
            "custom {{ unit }}\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let t = Templates::load(Some(dir.path()), UNIT_TEMPLATES).unwrap_or_else(|e| panic!("{e}"));
        let ctx = serde_json::json!({"unit": "p.target", "project": "p", "description": "d", "wants": []});
        assert_eq!(
            t.render("project-target.tera", &ctx).ok().as_deref(),
            Some("custom p.target\n")
        );
        let builtin = t
            .render("service-target.tera", &serde_json::json!({}))
            .is_err();
        assert!(builtin, "built-in service-target needs its context");
    }

    #[test]
    fn broken_override_is_an_error() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("service.tera"), "{% if %}")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(Templates::load(Some(dir.path()), UNIT_TEMPLATES).is_err());
        assert!(
            Templates::load(Some(dir.path()), QUADLET_TEMPLATES).is_ok(),
            "a quadlet run does not read service.tera"
        );
    }
}
