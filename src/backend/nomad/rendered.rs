//! `--topology native`: the values of a task that name another service, rendered from Nomad's
//! registry. One `template` (env = true) holds them: the environment variables, and for a
//! `command`/`entrypoint` argument an environment variable that the argument then names
//! (`${TRANSSHIP_COMMAND_2}`: the client interpolates driver config against the task's
//! environment, template variables included). The template re-renders when the registry
//! changes and restarts the task, as compose would restart nothing but would resolve the new
//! address at the next connection.

use super::hcl::{attr, literal};
use super::wiring::Wiring;
use crate::analysis::references::{PortSource, Reference, Site};
use crate::model::Service;
use hcl::expr::{Expression, TemplateExpr};
use hcl::structure::Block;
use std::collections::{BTreeMap, BTreeSet};

/// What a task's rendered values replace.
#[derive(Default)]
pub struct Rendered {
    /// Environment variables the template sets instead of `env`.
    pub env_keys: BTreeSet<String>,
    /// `(entrypoint?, index)` → the expression the argument becomes.
    pub args: BTreeMap<(bool, usize), Expression>,
    pub template: Option<Block>,
}

/// The variable an argument is rendered into.
fn arg_variable(entrypoint: bool, i: usize) -> String {
    format!(
        "TRANSSHIP_{}_{i}",
        if entrypoint { "ENTRYPOINT" } else { "COMMAND" }
    )
}

/// `${NAME}` for the client to interpolate: `$${NAME}` in the jobspec, which HCL reads as
/// the literal `${NAME}` (helper/pluginutils/hclutils evaluates it on the client).
fn client_variable(name: &str) -> Expression {
    Expression::TemplateExpr(Box::new(TemplateExpr::QuotedString(format!(
        "$${{{name}}}"
    ))))
}

/// The rendered values of `svc` under `wiring`.
pub fn rendered(svc: &Service, wiring: &Wiring) -> Rendered {
    let mut out = Rendered::default();
    let Some(refs) = wiring.rendered.get(&svc.name) else {
        return out;
    };
    let mut by_site: BTreeMap<String, (Site, Vec<&Reference>)> = BTreeMap::new();
    for r in refs {
        by_site
            .entry(r.site.key_path(&r.to))
            .or_insert_with(|| (r.site.clone(), Vec::new()))
            .1
            .push(r);
    }
    let mut vars = Vars::new(wiring.lookup);
    let mut lines: Vec<String> = Vec::new();
    for (site, refs) in by_site.values() {
        let (key, value) = match site {
            Site::Environment { key } => {
                let Some(Some(v)) = svc.environment.get(key) else {
                    continue;
                };
                (key.clone(), v.as_str())
            }
            Site::Command(i) | Site::Entrypoint(i) => {
                let entry = matches!(site, Site::Entrypoint(_));
                let list = if entry { &svc.entrypoint } else { &svc.command };
                let Some(v) = list.as_ref().and_then(|l| l.get(*i)) else {
                    continue;
                };
                let var = arg_variable(entry, *i);
                out.args.insert((entry, *i), client_variable(&var));
                (var, v.as_str())
            }
            _ => continue,
        };
        lines.push(format!(
            "{key}={{{{ print {} | toJSON }}}}",
            print_operands(value, refs, wiring, &mut vars)
        ));
        out.env_keys.insert(key);
        // A companion port variable (`REDIS_PORT` for `REDIS_HOST`) gets the mapped port.
        for r in refs {
            if let PortSource::Companion(port_key) = &r.port_source
                && let Some(port) = r.port
                && out.env_keys.insert(port_key.clone())
            {
                let name = wiring.name_for(&r.to, port);
                let (_, mapped) = vars.of(&name);
                lines.push(format!("{port_key}={{{{ print {mapped} | toJSON }}}}"));
            }
        }
    }
    if lines.is_empty() {
        return out;
    }
    let data = format!("{}{}\n", vars.prelude(), lines.join("\n"));
    out.template = Some(
        Block::builder("template")
            .add_attribute(attr("data", super::hcl::text(&data)))
            .add_attribute(attr(
                "destination",
                literal("local/transship-references.env"),
            ))
            .add_attribute(attr("env", true))
            .add_attribute(attr("change_mode", literal("restart")))
            .build(),
    );
    out
}

/// An embedded project file (`mount`, file `file` below it) whose lines dial other services,
/// as template text with each `host:port` replaced by the registry's address and port, and
/// the delimiters it uses. `None` when nothing in it is rendered.
pub fn render_file(
    svc: &Service,
    wiring: &Wiring,
    mount: &str,
    file: &str,
    data: &str,
) -> Option<(String, (&'static str, &'static str))> {
    let refs: Vec<&Reference> = wiring
        .rendered
        .get(&svc.name)?
        .iter()
        .filter(
            |r| matches!(&r.site, Site::File { mount: m, file: f, .. } if m == mount && f == file),
        )
        .collect();
    if refs.is_empty() {
        return None;
    }
    // The embedded file's own delimiters when it holds `{{`, so its text stays literal.
    let (l, r) = super::storage::delimiters(data).unwrap_or(("{{", "}}"));
    let mut vars = Vars::new(wiring.lookup);
    let mut out = String::with_capacity(data.len() + 256);
    for (n, line) in data.split_inclusive('\n').enumerate() {
        let on_line = refs
            .iter()
            .copied()
            .filter(|x| matches!(x.site, Site::File { line, .. } if line == n + 1));
        let mut at = 0usize;
        for s in splices(on_line) {
            let (addr, mapped) = vars.of(&wiring.name_for(&s.to.to, s.port));
            out.push_str(line.get(at..s.start).unwrap_or(""));
            out.push_str(&format!("{l} {addr} {r}:{l} {mapped} {r}"));
            at = s.end;
        }
        out.push_str(line.get(at..).unwrap_or(""));
    }
    // The declarations print nothing and stand before the first byte of the file.
    let head: String = vars.declarations(l, r).concat();
    Some((format!("{head}{out}"), (l, r)))
}

/// One reference's `host[:port]` in a text, to be replaced.
struct Splice<'a> {
    to: &'a Reference,
    start: usize,
    end: usize,
    port: u32,
}

/// The references of one text that can be replaced, in text order, without overlaps.
fn splices<'a>(refs: impl Iterator<Item = &'a Reference>) -> Vec<Splice<'a>> {
    let mut all: Vec<Splice> = refs
        .filter_map(|r| {
            let (start, end) = r.range?;
            Some(Splice {
                to: r,
                start,
                end,
                port: r.port?,
            })
        })
        .collect();
    all.sort_by_key(|s| s.start);
    let mut at = 0usize;
    all.retain(|s| {
        let keep = s.start >= at;
        if keep {
            at = s.end;
        }
        keep
    });
    all
}

/// The operands of a Go template `print` that yields `value` with each reference's
/// `host[:port]` replaced by the registry's address and port. Literal text is a quoted
/// string, so nothing in it is read as template.
pub(super) fn print_operands(
    value: &str,
    refs: &[&Reference],
    wiring: &Wiring,
    vars: &mut Vars,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut at = 0usize;
    for s in splices(refs.iter().copied()) {
        let (addr, mapped) = vars.of(&wiring.name_for(&s.to.to, s.port));
        parts.push(go_string(value.get(at..s.start).unwrap_or("")));
        parts.push(addr);
        // A companion variable carries the port: the host value gets the address only.
        if matches!(s.to.port_source, PortSource::Written | PortSource::Scheme) {
            parts.push(go_string(":"));
            parts.push(mapped);
        }
        at = s.end;
    }
    parts.push(go_string(value.get(at..).unwrap_or("")));
    parts.join(" ")
}

/// Template variables holding each registered service's address and port, declared once
/// at the top of the template.
pub struct Vars {
    names: Vec<String>,
    lookup: &'static str,
}

impl Vars {
    /// Variables read with the template function `lookup` (see [`Wiring::lookup`]).
    pub fn new(lookup: &'static str) -> Vars {
        Vars {
            names: Vec::new(),
            lookup,
        }
    }

    /// `($addrN, $portN)` for registered service `name`.
    pub fn of(&mut self, name: &str) -> (String, String) {
        let i = match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_string());
                self.names.len() - 1
            }
        };
        (format!("$addr{i}"), format!("$port{i}"))
    }

    /// The declarations: the last instance's address and port of each service (empty until
    /// one registers; the template re-renders and restarts the task when it does), a line
    /// each.
    pub fn prelude(&self) -> String {
        let mut out = String::new();
        for line in self.declarations("{{", "}}") {
            out.push_str("{{-");
            out.push_str(line.get(2..).unwrap_or(""));
            out.push('\n');
        }
        out
    }

    /// The declarations with delimiters `l`/`r`, one string per service; they print nothing.
    pub fn declarations(&self, l: &str, r: &str) -> Vec<String> {
        self.names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                format!(
                    "{l} $addr{i} := \"\" {r}{l} $port{i} := 0 {r}{l} range {} {} {r}{l} $addr{i} = .Address {r}{l} $port{i} = .Port {r}{l} end {r}",
                    self.lookup,
                    go_string(n)
                )
            })
            .collect()
    }
}

/// A Go string literal for `s` (JSON's escapes are a subset of Go's).
pub fn go_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyse;
    use crate::backend::nomad::Topology;
    use crate::backend::nomad::wiring::{Placement, wire};
    use crate::model::Project;

    #[test]
    fn env_values_and_arguments_are_rendered_from_the_registry() {
        let mut p = Project::default();
        let mut api = Service {
            name: "api".into(),
            image: Some("example/api".into()),
            command: Some(vec!["serve".into(), "--db=db:5432".into()]),
            ..Service::default()
        };
        api.environment
            .insert("CACHE_HOST".into(), Some("cache".into()));
        api.environment
            .insert("CACHE_PORT".into(), Some("6379".into()));
        api.environment.insert("PLAIN".into(), Some("x".into()));
        p.services.insert("api".into(), Box::new(api));
        for (n, i) in [("db", "postgres"), ("cache", "redis")] {
            p.services.insert(
                n.into(),
                Box::new(Service {
                    name: n.into(),
                    image: Some(i.into()),
                    ..Service::default()
                }),
            );
        }
        let a = analyse(&p);
        let groups: BTreeMap<String, String> =
            p.services.keys().map(|k| (k.clone(), k.clone())).collect();
        let w = wire(
            &a,
            Topology::Native,
            crate::backend::nomad::Provider::Nomad,
            &Placement { group_of: &groups },
        );
        let svc = p.services.get("api").cloned().unwrap_or_default();
        let r = rendered(&svc, &w);
        assert_eq!(
            r.env_keys.iter().collect::<Vec<_>>(),
            ["CACHE_HOST", "CACHE_PORT", "TRANSSHIP_COMMAND_1"]
        );
        assert!(r.args.contains_key(&(false, 1)));
        let data = r
            .template
            .and_then(|t| {
                t.body()
                    .attributes()
                    .find(|a| a.key.as_str() == "data")
                    .map(|a| crate::backend::nomad::hcl::unquote(&a.expr))
            })
            .unwrap_or_default();
        let lines: Vec<&str> = data.lines().skip(2).collect();
        assert_eq!(
            lines,
            [
                r#"TRANSSHIP_COMMAND_1={{ print "--db=" $addr0 ":" $port0 "" | toJSON }}"#,
                r#"CACHE_HOST={{ print "" $addr1 "" | toJSON }}"#,
                r#"CACHE_PORT={{ print $port1 | toJSON }}"#,
            ]
        );
        assert!(
            data.starts_with(
                r#"{{- $addr0 := "" }}{{ $port0 := 0 }}{{ range nomadService "db" }}"#
            )
        );
    }
}
