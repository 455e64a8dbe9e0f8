//! Binding: the loader's final tree → the typed [`crate::model::Project`].
//!
//! The input is the normalised tree (the shape compose-go hands to `loader.Transform`; the
//! JSON `docker compose config` prints is such a tree too). Binding validates what compose's
//! JSON schema checks — unknown keys, wrong types — and reports the node's span and key path,
//! then decodes values as compose-go's decoders do (shell-split commands, `KEY=VALUE` lists,
//! durations, byte sizes). Short syntaxes that need real parsing (`ports`, `volumes`,
//! `devices` strings) must already be in long form.

mod build;
mod deploy;
mod scalar;
mod service;

use crate::diag::LoadError;
use crate::load::node::{At, Node, Value};
use crate::model::{
    Extensions, FileObject, Ipam, IpamPool, Model, Network, Project, Provenance, Volume,
};
use indexmap::IndexMap;
use scalar::*;
use std::sync::Arc;

pub use scalar::shell_split;

/// Bind the final tree to the typed model. Its provenance records from `root` when first
/// looked up (the project's own record needs its sections and entity names, not again every
/// setting of every service).
pub fn bind(root: &Arc<Node>) -> Result<Project, LoadError> {
    let p = At::ROOT;
    let mut project = Project {
        provenance: Provenance::deferred(root, Box::new([]), 2),
        ..Project::default()
    };
    let mut ext = Extensions::new();
    fields(root, &p, Some(&mut ext), |k, v, kp| {
        let at = Section {
            root,
            index: root
                .as_map()
                .and_then(|m| m.get_index_of(k))
                .and_then(|i| u32::try_from(i).ok()),
        };
        let at = &at;
        match k {
            "name" => project.name = string(v, kp)?,
            "version" => {
                string(v, kp)?;
            }
            // Resolved by the loader before binding.
            "include" => {
                seq(v, kp)?;
            }
            // Boxed: a service is 2.5 KB, and the map's entries would hold it a second
            // time beside the per-core results it is bound into.
            "services" => {
                project.services = named(v, kp, at, true, |k, n, p| {
                    service::service(k, n, p).map(Box::new)
                })?
            }
            "networks" => project.networks = named(v, kp, at, false, network)?,
            "volumes" => project.volumes = named(v, kp, at, true, volume)?,
            "secrets" => {
                project.secrets = named(v, kp, at, true, |_, n, p| file_object(n, p, true))?
            }
            "configs" => {
                project.configs = named(v, kp, at, true, |_, n, p| file_object(n, p, false))?
            }
            "models" => project.models = named(v, kp, at, false, model)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    project.extensions = ext;
    Ok(project)
}

/// A top-level section: name → entity. `strict` sections only allow names matching
/// `^[a-zA-Z0-9._-]+$`, as compose's schema does.
fn named<T: Send + Recorded>(
    n: &Node,
    p: &At<'_>,
    at: &Section<'_>,
    strict: bool,
    f: impl Fn(&str, &Node, &At<'_>) -> R<T> + Sync,
) -> R<IndexMap<String, T>> {
    let entries: Vec<(&String, &Node)> = map(n, p)?.iter().collect();
    let one = |&(k, v): &(&String, &Node)| {
        if strict && !valid_name(k) {
            return Err(LoadError::new(
                v.key_span,
                p.key_path(),
                format!("additional properties '{k}' not allowed"),
            ));
        }
        f(k, v, &p.key(k))
    };
    // Entries bind independently, so a large project binds on every core; the first error
    // in file order is the one reported, as when binding one after the other.
    let bound = crate::par::map_in_order(&entries, crate::par::MIN_PER_THREAD, one);
    // Sized up front: growing a map of 4 KiB services copies them at every doubling.
    let mut out = IndexMap::with_capacity(entries.len());
    for (i, ((k, _), value)) in entries.into_iter().zip(bound).enumerate() {
        let mut value = value?;
        *value.provenance() = at.entity(i);
        out.insert(k.clone(), value);
    }
    Ok(out)
}

/// A top-level section of the tree being bound: where its entities' provenance records from.
struct Section<'a> {
    root: &'a Arc<Node>,
    /// The section's entry index in the root; `None` only past `u32::MAX` entries.
    index: Option<u32>,
}

impl Section<'_> {
    /// The provenance of the section's `i`-th entity, recorded when first looked up.
    fn entity(&self, i: usize) -> Provenance {
        match (self.index, u32::try_from(i)) {
            (Some(section), Ok(i)) => {
                Provenance::deferred(self.root, Box::new([section, i]), usize::MAX)
            }
            _ => Provenance::default(),
        }
    }
}

/// An entity that records where its settings were written.
trait Recorded {
    fn provenance(&mut self) -> &mut Provenance;
}

macro_rules! recorded {
    ($($t:ty),*) => {$(
        impl Recorded for $t {
            fn provenance(&mut self) -> &mut Provenance {
                &mut self.provenance
            }
        }
    )*};
}
recorded!(crate::model::Service, Network, Volume, FileObject, Model);

impl<T: Recorded> Recorded for Box<T> {
    fn provenance(&mut self) -> &mut Provenance {
        (**self).provenance()
    }
}

fn valid_name(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// A `null` definition is an empty one.
fn is_empty_def(n: &Node) -> bool {
    n.is_null()
}

fn network(_: &str, n: &Node, p: &At<'_>) -> R<Network> {
    let mut o = Network::default();
    if is_empty_def(n) {
        return Ok(o);
    }
    let mut ext = Extensions::new();
    let mut ext_name = None;
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "name" => o.name = ostring(v, kp)?,
            "driver" => o.driver = ostring(v, kp)?,
            "driver_opts" => o.driver_opts = options(v, kp)?,
            "ipam" => o.ipam = ipam(v, kp)?,
            "external" => (o.external, ext_name) = external(v, kp)?,
            "internal" => o.internal = oboolean(v, kp)?,
            "enable_ipv4" => o.enable_ipv4 = oboolean(v, kp)?,
            "enable_ipv6" => o.enable_ipv6 = oboolean(v, kp)?,
            "attachable" => o.attachable = oboolean(v, kp)?,
            "labels" => o.labels = mapping(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    o.name = o.name.or(ext_name);
    o.extensions = ext;
    Ok(o)
}

fn ipam(n: &Node, p: &At<'_>) -> R<Ipam> {
    let mut o = Ipam::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "driver" => o.driver = ostring(v, kp)?,
            "config" => o.config = service::list(v, kp, ipam_pool)?,
            "options" => o.options = options(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    o.extensions = ext;
    Ok(o)
}

fn ipam_pool(n: &Node, p: &At<'_>) -> R<IpamPool> {
    let mut o = IpamPool::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "subnet" => o.subnet = ostring(v, kp)?,
            "ip_range" => o.ip_range = ostring(v, kp)?,
            "gateway" => o.gateway = ostring(v, kp)?,
            "aux_addresses" => o.aux_addresses = options(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    o.extensions = ext;
    Ok(o)
}

/// `external`: a boolean, or the deprecated `{name: ...}` form (external, with that name).
fn external(n: &Node, p: &At<'_>) -> R<(bool, Option<String>)> {
    if let Value::Map(_) = n.value {
        let mut name = None;
        fields(n, p, Some(&mut Extensions::new()), |k, v, kp| {
            match k {
                "name" => name = ostring(v, kp)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        return Ok((true, name));
    }
    boolean(n, p).map(|b| (b, None))
}

fn volume(_: &str, n: &Node, p: &At<'_>) -> R<Volume> {
    let mut o = Volume::default();
    if is_empty_def(n) {
        return Ok(o);
    }
    let mut ext = Extensions::new();
    let mut ext_name = None;
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "name" => o.name = ostring(v, kp)?,
            "driver" => o.driver = ostring(v, kp)?,
            "driver_opts" => o.driver_opts = options(v, kp)?,
            "external" => (o.external, ext_name) = external(v, kp)?,
            "labels" => o.labels = mapping(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    o.name = o.name.or(ext_name);
    o.extensions = ext;
    Ok(o)
}

/// A top-level secret (`driver`, `driver_opts` allowed) or config (`content` allowed).
fn file_object(n: &Node, p: &At<'_>, secret: bool) -> R<FileObject> {
    let mut o = FileObject::default();
    let mut ext = Extensions::new();
    let mut ext_name = None;
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match (k, secret) {
            ("name", _) => o.name = ostring(v, kp)?,
            ("environment", _) => o.environment = ostring(v, kp)?,
            ("file", _) => o.file = ostring(v, kp)?,
            ("external", _) => (o.external, ext_name) = external(v, kp)?,
            ("labels", _) => o.labels = mapping(v, kp)?,
            ("template_driver", _) => o.template_driver = ostring(v, kp)?,
            ("driver", true) => o.driver = ostring(v, kp)?,
            ("driver_opts", true) => o.driver_opts = options(v, kp)?,
            ("content", false) => o.content = ostring(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    o.name = o.name.or(ext_name);
    // The loader stores a secret's value read from `environment` under this key.
    if let Some(serde_json::Value::String(v)) = ext.shift_remove(SECRET_VALUE_KEY) {
        o.content = Some(v);
    }
    o.extensions = ext;
    Ok(o)
}

/// compose-go's key for the resolved value of an `environment` secret.
pub const SECRET_VALUE_KEY: &str = "x-#value";

fn model(_: &str, n: &Node, p: &At<'_>) -> R<Model> {
    let mut o = Model::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "name" => o.name = ostring(v, kp)?,
            "model" => o.model = ostring(v, kp)?,
            "context_size" => o.context_size = oint(v, kp, "integer")?,
            "runtime_flags" => o.runtime_flags = strings(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if o.model.is_none() {
        return Err(err(n, p, "missing property 'model'"));
    }
    o.extensions = ext;
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};
    use serde_json::json;

    fn tree(v: serde_json::Value) -> Arc<Node> {
        Arc::new(Node::from_json(&v, Span::new(FileId(1), 1, 1)))
    }

    fn round_trip(v: serde_json::Value) -> serde_json::Value {
        match bind(&tree(v)) {
            Ok(p) => p.to_compose_json(),
            Err(e) => json!(format!("ERR {e}")),
        }
    }

    fn bind_err(v: serde_json::Value) -> String {
        match bind(&tree(v)) {
            Ok(_) => "ok".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn minimal_project_prints_like_compose() {
        let got = round_trip(json!({
            "name": "demo",
            "services": {"web": {"image": "nginx", "networks": {"default": null}}},
            "networks": {"default": {"name": "demo_default"}}
        }));
        assert_eq!(
            got,
            json!({
                "name": "demo",
                "services": {"web": {"command": null, "entrypoint": null, "image": "nginx", "networks": {"default": null}}},
                "networks": {"default": {"name": "demo_default", "ipam": {}}}
            })
        );
    }

    #[test]
    fn short_forms_decode_like_compose_go() {
        let got = round_trip(json!({"name": "p", "services": {"s": {
            "command": "sh -c 'echo hi'",
            "entrypoint": "",
            "environment": ["A=1", "B", "C=x=y"],
            "labels": ["a=b", "c"],
            "healthcheck": {"test": "curl -f x", "interval": "90s", "retries": "3"},
            "stop_grace_period": "1h0m0.5s",
            "mem_limit": "1g",
            "shm_size": 1024,
            "cpus": "0.1",
            "dns": "8.8.8.8",
            "expose": [80, "90-91"],
            "extra_hosts": {"b": ["::1", "[::2]"], "a": "1.2.3.4"},
            "ulimits": {"nofile": 5, "nproc": {"soft": "1", "hard": 2}},
            "secrets": ["s"],
            "configs": [{"source": "c", "mode": "0440"}],
            "gpus": "all",
            "depends_on": ["db"],
            "build": ".",
            "read_only": "yes",
            "privileged": false,
            "deploy": {"resources": {"limits": {"cpus": 2, "memory": "512m"}}}
        }}}));
        let s = &got["services"]["s"];
        assert_eq!(s["command"], json!(["sh", "-c", "echo hi"]));
        assert_eq!(s["entrypoint"], json!([]));
        assert_eq!(s["environment"], json!({"A": "1", "B": null, "C": "x=y"}));
        assert_eq!(s["labels"], json!({"a": "b", "c": ""}));
        assert_eq!(
            s["healthcheck"],
            json!({"test": ["CMD-SHELL", "curl -f x"], "interval": "1m30s", "retries": 3})
        );
        assert_eq!(s["stop_grace_period"], json!("1h0m0.5s"));
        assert_eq!(s["mem_limit"], json!("1073741824"));
        assert_eq!(s["shm_size"], json!("1024"));
        assert_eq!(s["cpus"], json!(0.1));
        assert_eq!(s["dns"], json!(["8.8.8.8"]));
        assert_eq!(s["expose"], json!(["80", "90-91"]));
        assert_eq!(s["extra_hosts"], json!(["a=1.2.3.4", "b=::1", "b=::2"]));
        assert_eq!(
            s["ulimits"],
            json!({"nofile": 5, "nproc": {"soft": 1, "hard": 2}})
        );
        assert_eq!(s["secrets"], json!([{"source": "s"}]));
        assert_eq!(s["configs"], json!([{"source": "c", "mode": "0440"}]));
        assert_eq!(s["gpus"], json!([{"count": -1}]));
        assert_eq!(
            s["depends_on"],
            json!({"db": {"condition": "service_started", "required": true}})
        );
        assert_eq!(s["build"], json!({"context": "."}));
        assert_eq!(s["read_only"], json!(true));
        assert_eq!(s.get("privileged"), None);
        assert_eq!(
            s["deploy"],
            json!({"resources": {"limits": {"cpus": 2, "memory": "536870912"}}, "placement": {}})
        );
    }

    #[test]
    fn resources_print_like_compose() {
        let got = round_trip(json!({"name": "p", "services": {},
            "volumes": {"v": {"external": {"name": "real"}}, "w": null},
            "secrets": {"s": {"x-#value": "hidden", "name": "p_s", "environment": "S"}},
            "configs": {"c": {"content": "shown"}, "e": {"environment": "E", "content": "dropped"}},
            "models": {"m": {"model": "ai/x"}},
            "x-top": {"a": [1, null]}
        }));
        assert_eq!(
            got,
            json!({"name": "p", "services": {},
                "volumes": {"v": {"name": "real", "external": true}, "w": {}},
                "secrets": {"s": {"name": "p_s", "environment": "S"}},
                "configs": {"c": {"content": "shown"}, "e": {"environment": "E"}},
                "x-top": {"a": [1, null]}
            })
        );
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_position() {
        let root = json!({"services": {"web": {"image": "x", "foo": 1}}});
        let node = Node::from_json(&root, Span::new(FileId(1), 2, 3));
        let e = bind(&Arc::new(node)).err();
        assert_eq!(
            e.as_ref().map(|e| e.to_string()),
            Some("services.web: additional properties 'foo' not allowed".into())
        );
        assert_eq!(e.map(|e| e.span), Some(Span::new(FileId(1), 2, 3)));
        assert_eq!(
            bind_err(
                json!({"services": {"web": {"deploy": {"resources": {"limits": {"devices": []}}}}}})
            ),
            "services.web.deploy.resources.limits: additional properties 'devices' not allowed"
        );
        assert_eq!(
            bind_err(json!({"foo": 1})),
            "additional properties 'foo' not allowed"
        );
        assert_eq!(
            bind_err(json!({"services": {"bad name": {}}})),
            "services: additional properties 'bad name' not allowed"
        );
    }

    #[test]
    fn extensions_are_allowed_and_kept() {
        let p = bind(&tree(
            json!({"services": {"web": {"x-a": {"b": 1}, "ports": [{"target": 80, "x-p": true}]}}, "x-top": 1}),
        ));
        let Ok(p) = p else {
            panic!("bind failed: {p:?}")
        };
        assert_eq!(p.services["web"].extensions["x-a"], json!({"b": 1}));
        assert_eq!(p.services["web"].ports[0].extensions["x-p"], json!(true));
        assert_eq!(p.extensions["x-top"], json!(1));
        assert_eq!(p.to_compose_json()["services"]["web"].get("x-a"), None);
        assert_eq!(
            bind_err(json!({"services": {"web": {"blkio_config": {"x-a": 1}}}})),
            "services.web.blkio_config: additional properties 'x-a' not allowed"
        );
    }

    #[test]
    fn wrong_types_are_rejected() {
        assert_eq!(
            bind_err(json!({"services": {"web": {"image": 1}}})),
            "services.web.image: must be a string"
        );
        assert_eq!(
            bind_err(json!({"services": {"web": {"ports": ["80:80"]}}})),
            "services.web.ports[0]: must be a mapping"
        );
        assert_eq!(
            bind_err(json!({"services": {"web": {"cap_add": ["A", 1]}}})),
            "services.web.cap_add[1]: must be a string"
        );
        assert_eq!(
            bind_err(json!({"services": {"web": {"init": 1}}})),
            "services.web.init: must be a boolean or string"
        );
        assert_eq!(
            bind_err(json!({"services": {"web": {"init": "maybe"}}})),
            "services.web.init: invalid boolean: maybe"
        );
        assert_eq!(
            bind_err(json!({"services": {"web": {"cpus": [1]}}})),
            "services.web.cpus: must be a number or string"
        );
        assert_eq!(
            bind_err(json!({"services": {"web": {"stop_grace_period": "10"}}})),
            "services.web.stop_grace_period: time: missing unit in duration \"10\""
        );
        assert_eq!(
            bind_err(json!({"services": {"web": {"mem_limit": "1x"}}})),
            "services.web.mem_limit: invalid suffix: 'x'"
        );
        assert_eq!(
            bind_err(json!({"services": {"web": {"command": "echo 'a"}}})),
            "services.web.command: invalid command line string"
        );
        assert_eq!(
            bind_err(json!({"services": {"web": {"environment": ["A =1"]}}})),
            "services.web.environment[0]: environment variable A  is declared with a trailing space"
        );
        assert_eq!(
            bind_err(json!({"services": {"web": {"extra_hosts": ["nohost"]}}})),
            "services.web.extra_hosts[0]: invalid additional host, missing IP: nohost"
        );
        assert_eq!(
            bind_err(json!({"services": {"web": {"post_start": [{"user": "x"}]}}})),
            "services.web.post_start[0]: missing property 'command'"
        );
        assert_eq!(
            bind_err(json!({"services": {"web": {"depends_on": {"db": {"required": "yes"}}}}})),
            "services.web.depends_on.db.required: must be a boolean"
        );
        assert_eq!(
            bind_err(json!({"services": []})),
            "services: must be a mapping"
        );
    }

    #[test]
    fn schema_alternatives_and_required_keys() {
        let e = |svc: serde_json::Value| bind_err(json!({"services": {"web": svc}}));
        assert_eq!(
            e(json!({"command": 1})),
            "services.web.command: must be a null"
        );
        assert_eq!(
            e(json!({"build": 1})),
            "services.web.build: must be a string"
        );
        assert_eq!(
            e(json!({"volumes": [true]})),
            "services.web.volumes[0]: must be a string"
        );
        assert_eq!(
            e(json!({"ports": [true]})),
            "services.web.ports[0]: must be a number"
        );
        assert_eq!(
            e(json!({"ulimits": {"nofile": {"soft": 1}}})),
            "services.web.ulimits.nofile: must be a integer or string"
        );
        assert_eq!(
            e(json!({"healthcheck": {"retries": -1}})),
            "services.web.healthcheck.retries: cannot parse value as 'uint64': -1 overflows uint"
        );
        assert_eq!(
            e(json!({"develop": {"watch": [{"path": "x"}]}})),
            "services.web.develop.watch[0]: missing property 'action'"
        );
        assert_eq!(
            e(json!({"depends_on": {"db": {"required": true}}})),
            "services.web.depends_on.db: missing property 'condition'"
        );
        assert_eq!(
            e(json!({"volumes": [{"target": "/x"}]})),
            "services.web.volumes[0]: missing property 'type'"
        );
        assert_eq!(
            e(json!({"deploy": {"resources": {"reservations": {"devices": [{"count": 1}]}}}})),
            "services.web.deploy.resources.reservations.devices[0]: missing property 'capabilities'"
        );
        assert_eq!(
            bind_err(json!({"models": {"m": {"name": "x"}}})),
            "models.m: missing property 'model'"
        );
    }

    #[test]
    fn secret_values_from_the_environment_are_kept_but_not_printed() {
        let p = bind(&tree(
            json!({"secrets": {"s": {"environment": "S", "x-#value": "v"}}}),
        ));
        let Ok(p) = p else {
            panic!("bind failed: {p:?}")
        };
        assert_eq!(p.secrets["s"].content.as_deref(), Some("v"));
        assert!(p.secrets["s"].extensions.is_empty());
        assert_eq!(
            p.to_compose_json()["secrets"]["s"],
            json!({"environment": "S"})
        );
    }

    /// Provenance recorded at the first lookup is what recording at once gives, entity by
    /// entity; settling lets go of the tree.
    #[test]
    fn deferred_provenance_is_the_entity_own() {
        let root = tree(json!({
            "services": {"web": {"image": "x", "ports": [{"target": 80}]}, "db": {"image": "y", "environment": {"A": "1"}}},
            "networks": {"front": {}, "back": {"driver": "bridge"}},
            "volumes": {"data": {"labels": {"k": "v"}}},
            "secrets": {"s": {"file": "/s"}},
            "configs": {"c": {"content": "x"}},
        }));
        let Ok(mut p) = bind(&root) else {
            panic!("bind failed")
        };
        let node = |section: &str, name: &str| root.get(section).and_then(|s| s.get(name)).cloned();
        let entities = [
            ("services", "web", &p.services["web"].provenance),
            ("services", "db", &p.services["db"].provenance),
            ("networks", "front", &p.networks["front"].provenance),
            ("networks", "back", &p.networks["back"].provenance),
            ("volumes", "data", &p.volumes["data"].provenance),
            ("secrets", "s", &p.secrets["s"].provenance),
            ("configs", "c", &p.configs["c"].provenance),
        ];
        for (section, name, prov) in entities {
            let Some(n) = node(section, name) else {
                panic!("no {section}.{name}")
            };
            assert_eq!(*prov, Provenance::from_node(&n), "{section}.{name}");
            assert!(prov.iter().next().is_some() || n.as_map().is_some_and(|m| m.is_empty()));
        }
        assert_eq!(p.provenance, Provenance::to_depth(&root, 2));
        assert!(p.provenance.origin("services.db").is_some());
        assert!(p.provenance.origin("services.db.image").is_none());
        let before = p.clone();
        p.settle_provenance();
        assert_eq!(p, before);
        drop(before);
        assert_eq!(Arc::strong_count(&root), 1);
    }

    #[test]
    fn provenance_records_key_and_value_spans() {
        let mut root = Node::from_json(
            &json!({"services": {"web": {"image": "x", "ports": [{"target": 80}, {"target": 81}], "environment": {"FOO": "1"}}}}),
            Span::new(FileId(1), 1, 1),
        );
        let web = root.get_mut("services").and_then(|s| s.get_mut("web"));
        let Some(web) = web else { panic!("no web") };
        web.key_span = Span::new(FileId(1), 2, 3);
        if let Some(image) = web.get_mut("image") {
            image.key_span = Span::new(FileId(1), 3, 5);
            image.span = Span::new(FileId(1), 3, 12);
        }
        if let Some(p) = web
            .get_mut("ports")
            .and_then(|p| p.as_seq_mut())
            .and_then(|s| s.get_mut(1))
        {
            p.span = Span::new(FileId(1), 5, 7);
        }
        let Ok(p) = bind(&Arc::new(root)) else {
            panic!("bind failed")
        };
        let prov = &p.services["web"].provenance;
        assert_eq!(prov.key_span, Span::new(FileId(1), 2, 3));
        assert_eq!(prov.key_span("image"), Some(Span::new(FileId(1), 3, 5)));
        assert_eq!(prov.span("image"), Some(Span::new(FileId(1), 3, 12)));
        assert_eq!(prov.span("ports[1]"), Some(Span::new(FileId(1), 5, 7)));
        assert!(prov.span("environment.FOO").is_some());
        assert_eq!(prov.span("user"), None);
        assert_eq!(
            prov.nearest_key_span("ports[1].target"),
            Span::new(FileId(1), 1, 1)
        );
        assert_eq!(
            p.provenance.key_span("services.web"),
            Some(Span::new(FileId(1), 2, 3))
        );
    }

    /// Compare with every oracle output in `$TRANSSHIP_ORACLE_JSON` (a directory of
    /// `docker compose config --format json` outputs; see scripts/oracle_dump.py).
    #[test]
    #[ignore]
    fn oracle_round_trip() {
        let Ok(dir) = std::env::var("TRANSSHIP_ORACLE_JSON") else {
            return;
        };
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let mut bad = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            let Ok(want) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            let got = round_trip(want.clone());
            if got != want {
                bad.push(f.display().to_string());
                eprintln!("DIFF {}\n  want {}\n  got  {}", f.display(), want, got);
            }
        }
        eprintln!("{}/{} round-trip", files.len() - bad.len(), files.len());
        assert!(bad.is_empty(), "{bad:?}");
    }
}
