//! The project as `docker compose config --format json` prints it (before compose's `$` →
//! `$$` escaping), as a [`Serialize`] view: `config` streams it straight into its output,
//! other callers collect it into a JSON value. Go's encoder sorts map keys, so every map here
//! is written in key order; struct fields keep compose-go's order (the model's field order).

use super::{FileObject, Project, Service};
use indexmap::IndexMap;
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::borrow::Cow;

/// See the module docs. `env_files`: whether services keep their `env_file` and
/// `label_file` references (compose's `config` drops them, their contents being merged into
/// `environment` and `labels` already).
pub struct ComposeJson<'a> {
    pub project: &'a Project,
    pub env_files: bool,
}

enum Top<'a> {
    Name(&'a str),
    Services,
    Networks,
    Volumes,
    Secrets,
    Configs,
    Extension(&'a serde_json::Value),
}

impl Serialize for ComposeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.project;
        let mut top: Vec<(&str, Top)> =
            vec![("name", Top::Name(&p.name)), ("services", Top::Services)];
        for (key, present, entry) in [
            ("networks", !p.networks.is_empty(), Top::Networks),
            ("volumes", !p.volumes.is_empty(), Top::Volumes),
            ("secrets", !p.secrets.is_empty(), Top::Secrets),
            ("configs", !p.configs.is_empty(), Top::Configs),
        ] {
            if present {
                top.push((key, entry));
            }
        }
        top.extend(
            p.extensions
                .iter()
                .map(|(k, v)| (k.as_str(), Top::Extension(v))),
        );
        // Extension keys start with `x-` (the binder keeps no other), so every key is unique.
        top.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut map = s.serialize_map(Some(top.len()))?;
        for (key, entry) in &top {
            match entry {
                Top::Name(n) => map.serialize_entry(key, n)?,
                Top::Services => {
                    map.serialize_entry(key, &self.sorted(&p.services, service_view))?
                }
                Top::Networks => map.serialize_entry(key, &self.sorted(&p.networks, as_is))?,
                Top::Volumes => map.serialize_entry(key, &self.sorted(&p.volumes, as_is))?,
                Top::Secrets => map.serialize_entry(key, &self.sorted(&p.secrets, secret_view))?,
                Top::Configs => map.serialize_entry(key, &self.sorted(&p.configs, config_view))?,
                Top::Extension(v) => map.serialize_entry(key, v)?,
            }
        }
        map.end()
    }
}

impl<'a> ComposeJson<'a> {
    fn sorted<T: Clone>(&self, map: &'a IndexMap<String, T>, view: View<T>) -> Sorted<'a, T> {
        Sorted {
            map,
            view,
            env_files: self.env_files,
        }
    }
}

/// How an entry prints: the model's own value, or a copy changed where compose prints it
/// differently (made only for the entries that differ). The flag is `env_files`.
type View<T> = for<'b> fn(&'b T, bool) -> Cow<'b, T>;

/// A name-keyed section in key order, each entry through its view.
struct Sorted<'a, T: Clone> {
    map: &'a IndexMap<String, T>,
    view: View<T>,
    env_files: bool,
}

impl<T: Clone + Serialize> Serialize for Sorted<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<(&String, &T)> = self.map.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut map = s.serialize_map(Some(entries.len()))?;
        for (name, value) in entries {
            map.serialize_entry(name, &(self.view)(value, self.env_files))?;
        }
        map.end()
    }
}

fn as_is<T: Clone>(v: &T, _: bool) -> Cow<'_, T> {
    Cow::Borrowed(v)
}

fn service_view(svc: &Service, env_files: bool) -> Cow<'_, Service> {
    if env_files || (svc.env_file.is_empty() && svc.label_file.is_empty()) {
        return Cow::Borrowed(svc);
    }
    let mut svc = svc.clone();
    svc.env_file.clear();
    svc.label_file.clear();
    Cow::Owned(svc)
}

/// compose never prints a secret's inline content.
fn secret_view(s: &FileObject, _: bool) -> Cow<'_, FileObject> {
    if s.content.is_none() {
        return Cow::Borrowed(s);
    }
    let mut s = s.clone();
    s.content = None;
    Cow::Owned(s)
}

/// compose drops a config's content when it was read from `environment`.
fn config_view(c: &FileObject, _: bool) -> Cow<'_, FileObject> {
    if c.content.is_none() || c.environment.as_deref().is_none_or(str::is_empty) {
        return Cow::Borrowed(c);
    }
    let mut c = c.clone();
    c.content = None;
    Cow::Owned(c)
}
