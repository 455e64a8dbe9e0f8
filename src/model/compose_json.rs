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
        let top = self.top();
        let mut map = s.serialize_map(Some(top.len()))?;
        for (key, entry) in &top {
            map.serialize_entry(key, &TopValue { json: self, entry })?;
        }
        map.end()
    }
}

/// One top-level value.
struct TopValue<'v, 'a> {
    json: &'v ComposeJson<'a>,
    entry: &'v Top<'a>,
}

impl Serialize for TopValue<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (json, p) = (self.json, self.json.project);
        match self.entry {
            Top::Name(n) => n.serialize(s),
            Top::Services => json.sorted(&p.services, service_view).serialize(s),
            Top::Networks => json.sorted(&p.networks, as_is).serialize(s),
            Top::Volumes => json.sorted(&p.volumes, as_is).serialize(s),
            Top::Secrets => json.sorted(&p.secrets, secret_view).serialize(s),
            Top::Configs => json.sorted(&p.configs, config_view).serialize(s),
            Top::Extension(v) => v.serialize(s),
        }
    }
}

impl<'a> ComposeJson<'a> {
    /// Pretty JSON, as serialising through `serde_json::Serializer::with_formatter(out,
    /// formatter)` writes it, for a formatter that indents by two spaces per level (as
    /// serde_json's `PrettyFormatter` does): the text of 5,000 services cost a sixth of a
    /// `config`, so services are printed each on its own at level 0, on every core, and
    /// indented to their level as they are written (a newline in pretty JSON is always
    /// the formatter's: strings escape theirs).
    ///
    /// # Errors
    /// Write failures.
    pub fn write_pretty<W, F>(&self, out: &mut W, formatter: &F) -> std::io::Result<()>
    where
        W: std::io::Write,
        F: serde_json::ser::Formatter + Clone + Sync,
    {
        if !crate::par::worth_splitting(self.project.services.len(), crate::par::MIN_PER_THREAD) {
            // One core: straight through serde, with no pieces to indent.
            return self
                .serialize(&mut serde_json::Serializer::with_formatter(
                    out,
                    formatter.clone(),
                ))
                .map_err(std::io::Error::from);
        }
        let top = self.top();
        let mut buf = Vec::new();
        for (i, (key, entry)) in top.iter().enumerate() {
            out.write_all(if i == 0 { b"{\n  " } else { b",\n  " })?;
            buf.clear();
            pretty(*key, &mut buf, formatter.clone())?;
            out.write_all(&buf)?;
            out.write_all(b": ")?;
            if matches!(entry, Top::Services) {
                self.write_services(out, formatter)?;
                continue;
            }
            buf.clear();
            pretty(&TopValue { json: self, entry }, &mut buf, formatter.clone())?;
            indented(out, &buf, 1)?;
        }
        out.write_all(b"\n}")
    }

    fn write_services<W, F>(&self, out: &mut W, formatter: &F) -> std::io::Result<()>
    where
        W: std::io::Write,
        F: serde_json::ser::Formatter + Clone + Sync,
    {
        let services = self.sorted(&self.project.services, service_view);
        let entries = services.in_order();
        if entries.is_empty() {
            return out.write_all(b"{}");
        }
        let texts =
            crate::par::map_in_order(&entries, crate::par::MIN_PER_THREAD, |(name, svc)| {
                let mut buf = Vec::new();
                pretty(name.as_str(), &mut buf, formatter.clone())?;
                buf.extend_from_slice(b": ");
                pretty(services.view(svc).as_ref(), &mut buf, formatter.clone())?;
                Ok::<_, std::io::Error>(buf)
            });
        for (i, text) in texts.enumerate() {
            out.write_all(if i == 0 { b"{\n    " } else { b",\n    " })?;
            indented(out, &text?, 2)?;
        }
        out.write_all(b"\n  }")
    }
}

/// `text` (pretty JSON at level 0) written at `level`: two more spaces per level after every
/// newline.
fn indented(out: &mut impl std::io::Write, text: &[u8], level: usize) -> std::io::Result<()> {
    let pad = b"        ".get(..2 * level).unwrap_or(b"        ");
    let mut lines = text.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.write_all(first)?;
    }
    for line in lines {
        out.write_all(b"\n")?;
        out.write_all(pad)?;
        out.write_all(line)?;
    }
    Ok(())
}

/// `value` as JSON through `formatter`, onto `buf`.
fn pretty<T, F>(value: &T, buf: &mut Vec<u8>, formatter: F) -> std::io::Result<()>
where
    T: Serialize + ?Sized,
    F: serde_json::ser::Formatter,
{
    value
        .serialize(&mut serde_json::Serializer::with_formatter(buf, formatter))
        .map_err(std::io::Error::from)
}

impl<'a> ComposeJson<'a> {
    fn top(&self) -> Vec<(&'a str, Top<'a>)> {
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
        top
    }

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

impl<'a, T: Clone> Sorted<'a, T> {
    /// The entries in key order.
    fn in_order(&self) -> Vec<(&'a String, &'a T)> {
        let mut entries: Vec<(&String, &T)> = self.map.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries
    }

    /// An entry as it prints.
    fn view<'b>(&self, value: &'b T) -> Cow<'b, T> {
        (self.view)(value, self.env_files)
    }
}

impl<T: Clone + Serialize> Serialize for Sorted<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let entries = self.in_order();
        let mut map = s.serialize_map(Some(entries.len()))?;
        for (name, value) in entries {
            map.serialize_entry(name, &self.view(value))?;
        }
        map.end()
    }
}

fn as_is<T: Clone>(v: &T, _: bool) -> Cow<'_, T> {
    Cow::Borrowed(v)
}

#[allow(clippy::borrowed_box)] // the model's map holds boxes: this is its entry type
fn service_view(svc: &Box<Service>, env_files: bool) -> Cow<'_, Box<Service>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Network, Volume};
    use serde_json::ser::PrettyFormatter;

    fn through_serde(json: &ComposeJson) -> String {
        let mut buf = Vec::new();
        pretty(json, &mut buf, PrettyFormatter::new()).unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8(buf).unwrap_or_default()
    }

    fn written(json: &ComposeJson) -> String {
        let mut buf = Vec::new();
        json.write_pretty(&mut buf, &PrettyFormatter::new())
            .unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8(buf).unwrap_or_default()
    }

    /// Services printed apart (on every core past 400) and indented as written: the text
    /// serde_json prints for the whole view, for every section, empty or not.
    #[test]
    fn written_in_pieces_is_what_serde_prints_whole() {
        let mut p = Project {
            name: "demo".into(),
            ..Project::default()
        };
        assert_eq!(
            written(&ComposeJson {
                project: &p,
                env_files: false
            }),
            through_serde(&ComposeJson {
                project: &p,
                env_files: false
            })
        );
        for i in (0..450).rev() {
            let svc = Service {
                name: format!("s{i}"),
                image: Some(format!("img:{i} \"q\"\n$x")),
                command: (i % 3 == 0).then(|| vec!["a".into(), "b\nc".into()]),
                ..Service::default()
            };
            p.services.insert(svc.name.clone(), Box::new(svc));
        }
        p.networks.insert("n".into(), Network::default());
        p.volumes.insert(
            "v".into(),
            Volume {
                name: Some("vol".into()),
                ..Volume::default()
            },
        );
        p.secrets.insert(
            "s".into(),
            FileObject {
                content: Some("x".into()),
                ..FileObject::default()
            },
        );
        p.extensions.insert(
            "x-a".into(),
            serde_json::json!({"k": [1, {"n": null}], "e": {}}),
        );
        for env_files in [false, true] {
            let json = ComposeJson {
                project: &p,
                env_files,
            };
            assert_eq!(written(&json), through_serde(&json));
        }
        p.services.clear();
        let json = ComposeJson {
            project: &p,
            env_files: false,
        };
        assert_eq!(written(&json), through_serde(&json));
    }
}
