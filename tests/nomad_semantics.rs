//! What the Nomad jobs mean when they run, read back through the HCL parser: for the review's
//! fixtures under each topology and service provider, every reference between services is
//! served the way the topology promises (the dialled service registers the name and port the
//! consumer uses; a mesh upstream listens on the port the application dials, with the name on
//! loopback in every task of the group; one group resolves every name on loopback), every task
//! has resources, dependencies are waited for by a prestart task, and private ports stay
//! private. Rests on the Nomad semantics cited in src/backend/nomad/wiring.rs and wait.rs.

use crate::util::{options_for, read_case, root};
use hcl::expr::Expression;
use hcl::structure::{Block, Body};
use transship::backend::nomad::{Options, Provider, Topology, emit, hcl as nhcl};
use transship::load;
use transship::source::SourceMap;

fn convert(fixture: &str, topology: Topology, provider: Provider) -> Body {
    let dir = root().join("fixtures/convert").join(fixture);
    let case = read_case(&dir);
    let sources = SourceMap::new();
    let project = load::load(&options_for(&dir, &case), &sources)
        .map(|l| l.project)
        .unwrap_or_else(|e| panic!("{}", e.render(&sources)));
    let opts = Options {
        topology,
        provider,
        ..Options::default()
    };
    let emitted = emit(&project, &opts).unwrap_or_else(|e| panic!("{e}"));
    let text: String = emitted.files.iter().map(|f| f.contents.as_str()).collect();
    hcl::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn blocks<'a>(body: &'a Body, name: &'a str) -> impl Iterator<Item = &'a Block> {
    body.blocks().filter(move |b| b.identifier() == name)
}

fn label(b: &Block) -> String {
    b.labels()
        .first()
        .map(|l| l.as_str().to_string())
        .unwrap_or_default()
}

fn groups(body: &Body) -> Vec<&Block> {
    blocks(body, "job")
        .flat_map(|j| blocks(j.body(), "group"))
        .collect()
}

fn group<'a>(body: &'a Body, name: &str) -> &'a Block {
    groups(body)
        .into_iter()
        .find(|g| label(g) == name)
        .unwrap_or_else(|| panic!("no group {name}"))
}

fn string(body: &Body, key: &str) -> Option<String> {
    body.attributes()
        .find(|a| a.key.as_str() == key)
        .map(|a| nhcl::unquote(&a.expr))
}

fn strings(body: &Body, key: &str) -> Vec<String> {
    match body
        .attributes()
        .find(|a| a.key.as_str() == key)
        .map(|a| &a.expr)
    {
        Some(Expression::Array(items)) => items.iter().map(nhcl::config_unquote).collect(),
        _ => Vec::new(),
    }
}

/// Every `service` block of a group, group-level and task-level.
fn services(g: &Block) -> Vec<&Block> {
    let mut out: Vec<&Block> = blocks(g.body(), "service").collect();
    for t in blocks(g.body(), "task") {
        out.extend(blocks(t.body(), "service"));
    }
    out
}

/// The container port a group maps for a service's `port` (a label or a number).
fn container_port(g: &Block, port: &str) -> Option<u32> {
    if let Ok(n) = port.parse() {
        return Some(n);
    }
    let net = blocks(g.body(), "network").next()?;
    let p = blocks(net.body(), "port").find(|p| label(p) == port)?;
    p.body()
        .attributes()
        .find(|a| a.key.as_str() == "to")
        .and_then(|a| match &a.expr {
            Expression::Number(n) => n.as_u64().map(|n| n as u32),
            _ => None,
        })
}

/// The groups registering `name`, with the container port of the registration.
fn registrations(body: &Body, name: &str) -> Vec<(String, Option<u32>)> {
    let mut out = Vec::new();
    for g in groups(body) {
        for s in services(g) {
            if string(s.body(), "name").as_deref() == Some(name) {
                let port = string(s.body(), "port").and_then(|p| container_port(g, &p));
                out.push((label(g), port));
            }
        }
    }
    out
}

fn template_data(task: &Block) -> Vec<String> {
    blocks(task.body(), "template")
        .filter_map(|t| string(t.body(), "data"))
        .collect()
}

fn task<'a>(g: &'a Block, name: &str) -> &'a Block {
    blocks(g.body(), "task")
        .find(|t| label(t) == name)
        .unwrap_or_else(|| panic!("no task {name}"))
}

fn every_task_has_resources(body: &Body) {
    for g in groups(body) {
        for t in blocks(g.body(), "task") {
            assert!(
                blocks(t.body(), "resources").next().is_some(),
                "task {} of group {} has no resources: Nomad's 300 MB default would apply",
                label(t),
                label(g)
            );
        }
    }
}

#[test]
fn native_renders_each_reference_from_a_registration_of_the_dialled_port() {
    for provider in [Provider::Nomad, Provider::Consul] {
        let body = convert("nomad-references", Topology::Native, provider);
        every_task_has_resources(&body);
        // api dials db:5432 in DATABASE_URL: the template reads the registry's db on 5432.
        let api = task(group(&body, "api"), "api");
        let data = template_data(api).join("\n");
        // Consul's `service` lists passing instances; Nomad's `nomadService` every one.
        let lookup = match provider {
            Provider::Nomad => "nomadService",
            Provider::Consul => "service",
        };
        assert!(data.contains(&format!("range {lookup} \"db\"")), "{data}");
        assert!(data.contains("DATABASE_URL={{ print \"postgres://app:pw@\" $addr0 \":\" $port0 \"/app\" | toJSON }}"), "{data}");
        assert!(
            blocks(api.body(), "env").all(|e| string(e.body(), "DATABASE_URL").is_none()),
            "the rendered variable must not also be in env"
        );
        assert_eq!(registrations(&body, "db"), [("db".to_string(), Some(5432))]);
        // nginx's embedded file proxies to api:8080: rendered from api's registration on 8080.
        let web = task(group(&body, "web"), "web");
        let conf = template_data(web).join("\n");
        assert!(conf.contains(&format!("range {lookup} \"api\"")), "{conf}");
        assert!(
            conf.contains("proxy_pass http://{{ $addr0 }}:{{ $port0 }};"),
            "{conf}"
        );
        assert_eq!(
            registrations(&body, "api"),
            [("api".to_string(), Some(8080))]
        );
        // worker's argument names api: the client interpolates it from the template's env.
        let worker = task(group(&body, "worker"), "worker");
        // After the jobspec parse the argument is `${TRANSSHIP_COMMAND_1}`, an interpolation
        // the client evaluates against the task's environment (template variables included).
        let cfg = blocks(worker.body(), "config").next().map(Block::body);
        let arg = cfg
            .and_then(|c| c.attributes().find(|a| a.key.as_str() == "args"))
            .and_then(|a| match &a.expr {
                Expression::Array(items) => items.get(1).map(nhcl::unquote),
                _ => None,
            });
        assert_eq!(arg.as_deref(), Some("${TRANSSHIP_COMMAND_1}"));
        assert!(
            template_data(worker)
                .join("\n")
                .contains("TRANSSHIP_COMMAND_1=")
        );
    }
}

#[test]
fn mesh_upstreams_listen_on_the_dialled_port_and_every_task_resolves_the_name() {
    let body = convert("nomad-references", Topology::Mesh, Provider::Consul);
    every_task_has_resources(&body);
    let api = group(&body, "api");
    let connect: Vec<&Block> = blocks(api.body(), "service")
        .flat_map(|s| blocks(s.body(), "connect"))
        .collect();
    let upstreams: Vec<(String, i64)> = connect
        .iter()
        .flat_map(|c| blocks(c.body(), "sidecar_service"))
        .flat_map(|s| blocks(s.body(), "proxy"))
        .flat_map(|p| blocks(p.body(), "upstreams"))
        .map(|u| {
            let port = u
                .body()
                .attributes()
                .find(|a| a.key.as_str() == "local_bind_port")
                .and_then(|a| match &a.expr {
                    Expression::Number(n) => n.as_i64(),
                    _ => None,
                })
                .unwrap_or(0);
            (
                string(u.body(), "destination_name").unwrap_or_default(),
                port,
            )
        })
        .collect();
    assert_eq!(
        upstreams,
        [("db".to_string(), 5432), ("redis".to_string(), 6379)]
    );
    // The destination registers a Connect service on the container port dialled.
    let db = group(&body, "db");
    let db_connect = blocks(db.body(), "service")
        .find(|s| blocks(s.body(), "connect").next().is_some())
        .unwrap_or_else(|| panic!("db has no Connect service"));
    assert_eq!(string(db_connect.body(), "name").as_deref(), Some("db"));
    assert_eq!(string(db_connect.body(), "port").as_deref(), Some("5432"));
    // Every task of the consumer's group, the sidecar included, resolves db and redis.
    let want = ["db:127.0.0.1", "redis:127.0.0.1"];
    for t in blocks(api.body(), "task") {
        let hosts = blocks(t.body(), "config")
            .next()
            .map(|c| strings(c.body(), "extra_hosts"))
            .unwrap_or_default();
        assert_eq!(hosts, want, "task {}", label(t));
    }
    let sidecar_hosts: Vec<String> = connect
        .iter()
        .flat_map(|c| blocks(c.body(), "sidecar_task"))
        .flat_map(|s| blocks(s.body(), "config"))
        .flat_map(|c| strings(c.body(), "extra_hosts"))
        .collect();
    assert_eq!(sidecar_hosts, want);
    // The application's values are left as compose wrote them.
    let env = blocks(task(api, "api").body(), "env")
        .next()
        .map(Block::body);
    assert_eq!(
        env.and_then(|e| string(e, "DATABASE_URL")).as_deref(),
        Some("postgres://app:pw@db:5432/app")
    );
}

#[test]
fn one_group_resolves_every_name_on_loopback_and_orders_dependencies() {
    for provider in [Provider::Nomad, Provider::Consul] {
        one_group(provider);
    }
}

fn one_group(provider: Provider) {
    let body = convert("nomad-references", Topology::SingleGroup, provider);
    every_task_has_resources(&body);
    let all = groups(&body);
    assert_eq!(all.len(), 1, "one group for the whole service job");
    let g = all[0];
    for t in blocks(g.body(), "task") {
        let hosts = blocks(t.body(), "config")
            .next()
            .map(|c| strings(c.body(), "extra_hosts"))
            .unwrap_or_default();
        for name in ["db", "redis", "api"] {
            assert!(
                hosts.contains(&format!("{name}:127.0.0.1")),
                "task {} cannot resolve {name}: {hosts:?}",
                label(t)
            );
        }
    }
    // api's dependencies start first (prestart sidecars); the wait task probes db's port.
    for dep in ["db", "redis"] {
        let lc = blocks(task(g, dep).body(), "lifecycle")
            .next()
            .map(Block::body);
        assert_eq!(
            lc.and_then(|l| string(l, "hook")).as_deref(),
            Some("prestart")
        );
    }
    let wait = task(g, "wait-for-dependencies");
    let script = blocks(wait.body(), "config")
        .next()
        .map(|c| strings(c.body(), "args"))
        .unwrap_or_default()
        .join(" ");
    assert!(script.contains("nc -z 127.0.0.1 5432"), "{script}");
}

#[test]
fn one_shots_complete_before_their_dependents_and_batch_dependencies_never_block() {
    for topology in [Topology::Native, Topology::Mesh] {
        let provider = if topology == Topology::Mesh {
            Provider::Consul
        } else {
            Provider::Nomad
        };
        let body = convert("nomad-one-shots", topology, provider);
        every_task_has_resources(&body);
        let api = group(&body, "api");
        for one_shot in ["migrate", "seed"] {
            let lc = blocks(task(api, one_shot).body(), "lifecycle")
                .next()
                .map(Block::body);
            assert_eq!(
                lc.and_then(|l| string(l, "hook")).as_deref(),
                Some("prestart")
            );
            assert_eq!(
                lc.and_then(|l| l.attributes().find(|a| a.key.as_str() == "sidecar"))
                    .map(|a| a.expr.clone()),
                Some(Expression::Bool(false)),
                "{one_shot} runs to completion, not as a sidecar"
            );
            assert!(
                groups(&body).iter().all(|g| label(g) != one_shot),
                "{one_shot} must not also run (and restart) as a group of its own"
            );
        }
        // No wait task anywhere waits for a service nothing registers.
        for g in groups(&body) {
            for t in blocks(g.body(), "task").filter(|t| label(t).starts_with("wait-for")) {
                for data in template_data(t) {
                    assert!(
                        !data.contains("\"seed"),
                        "{} waits for seed: {data}",
                        label(g)
                    );
                    assert!(
                        !data.contains("\"migrate"),
                        "{} waits for migrate: {data}",
                        label(g)
                    );
                }
            }
        }
    }
}

#[test]
fn private_ports_stay_private() {
    for (topology, provider) in [
        (Topology::Native, Provider::Nomad),
        (Topology::Mesh, Provider::Consul),
    ] {
        let body = convert("nomad-private-ports", topology, provider);
        let net = blocks(group(&body, "result").body(), "network")
            .next()
            .map(Block::body)
            .unwrap_or_else(|| panic!("no network"));
        let debugger = blocks(net, "port")
            .find(|p| label(p) == "port_9229")
            .unwrap_or_else(|| panic!("no debugger port"));
        assert_eq!(
            string(debugger.body(), "host_network").as_deref(),
            Some("loopback"),
            "127.0.0.1:9229 must bind on the clients' loopback only"
        );
        // db only exposes 3306: never a static host port; under the mesh not mapped at all.
        let db_net = blocks(group(&body, "db").body(), "network")
            .next()
            .map(Block::body)
            .unwrap_or_else(|| panic!("no network"));
        for p in blocks(db_net, "port") {
            assert!(
                p.body().attributes().all(|a| a.key.as_str() != "static"),
                "an exposed port became a static host port"
            );
            assert!(
                topology == Topology::Native,
                "the mesh maps no exposed port"
            );
        }
    }
}

#[test]
fn stateful_members_each_have_a_name_a_volume_and_a_client() {
    let body = convert("nomad-stateful-mongo", Topology::Native, Provider::Nomad);
    let mut sources = Vec::new();
    for i in 1..=3 {
        let g = group(&body, &format!("mongo-{i}"));
        let net = blocks(g.body(), "network").next().map(Block::body);
        assert_eq!(
            net.and_then(|n| string(n, "hostname")),
            Some(format!("mongo-{i}"))
        );
        let vol = blocks(g.body(), "volume").next().map(Block::body);
        sources.push(vol.and_then(|v| string(v, "source")).unwrap_or_default());
        let pinned = blocks(g.body(), "constraint").any(|c| {
            string(c.body(), "value") == Some(i.to_string())
                && c.body().attributes().any(|a| a.key.as_str() == "attribute")
        });
        assert!(pinned, "member {i} is not pinned to its client");
        assert_eq!(registrations(&body, &format!("mongo-{i}")).len(), 1);
    }
    sources.sort();
    sources.dedup();
    assert_eq!(
        sources.len(),
        3,
        "each member needs its own volume: {sources:?}"
    );
    // Clients of the original name reach the set.
    assert_eq!(registrations(&body, "mongo").len(), 3);
}
