//! How the services of a job reach each other by name, decided once per project from the
//! analysis' references (see [`crate::analysis::references`]) and the chosen [`Topology`]:
//!
//! - same group (`x-nomad.group`, `--topology single-group`, a one-shot run as a prestart
//!   task of its dependent): one network namespace, so `<name> → 127.0.0.1` on every task of
//!   the group serves any port;
//! - mesh: the dialled service registers a Consul Connect service on the container port the
//!   application dials, the consumer gets an upstream bound to that same port, and the name
//!   resolves to the upstream's loopback address on every task of the consumer's group
//!   (Nomad writes an allocation's shared hosts file once, from the first task that starts:
//!   drivers/shared/hostnames/mount.go);
//! - native: the dialled service registers a Nomad service for each port it is reached on,
//!   and the consumer's values that name it are rendered from the registry by a `template`
//!   (`nomadService`), since a registered address is the client's IP and a mapped host port.
//!
//! A reference the topology cannot serve gets a warning at the file:line that wrote it.

use super::{Topology, service_name};
use crate::analysis::references::{PortSource, Reference, Site};
use crate::analysis::{Analysis, lifecycle::OneShot};
use crate::backend::mapping::ConvertWarning;
use crate::diag::Severity;
use std::collections::{BTreeMap, BTreeSet};

/// A Nomad/Consul service registered for a container port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub name: String,
    pub port: u32,
}

/// A mesh upstream of a consumer: Envoy listens on `address:port` in the consumer's
/// namespace and forwards to `destination`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    pub destination: String,
    pub port: u32,
    pub address: String,
}

/// Counts for CI and `--stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub references: usize,
    pub reachable: usize,
    pub warned: usize,
}

/// The wiring of one project.
#[derive(Clone, Debug, Default)]
pub struct Wiring {
    pub topology: Topology,
    /// The template function that lists a service's instances: `nomadService` for Nomad's
    /// registry, `service` for Consul's (which lists passing instances only).
    pub lookup: &'static str,
    /// Per service: the ports other services reach it on, each with its registered name;
    /// the first is the service's primary registration (named after the service).
    pub registrations: BTreeMap<String, Vec<Registration>>,
    /// Per consumer service (mesh): its upstreams.
    pub upstreams: BTreeMap<String, Vec<Upstream>>,
    /// Per group: `host:address` entries every task of the group carries.
    pub hosts: BTreeMap<String, Vec<String>>,
    /// Per consumer service (native): the references its values make, rendered from the
    /// registry.
    pub rendered: BTreeMap<String, Vec<Reference>>,
    /// One-shot services run as a prestart task in each dependent's group: name → the
    /// dependents.
    pub absorbed: BTreeMap<String, Vec<String>>,
    pub warnings: Vec<ConvertWarning>,
    pub stats: Stats,
}

impl Wiring {
    /// The name `service` is registered under for container port `port`.
    pub fn registered_name(&self, service: &str, port: u32) -> Option<&str> {
        self.registrations
            .get(service)?
            .iter()
            .find(|r| r.port == port)
            .map(|r| r.name.as_str())
    }

    /// The name to look `service` up by when dialled on `port` (its own name when no
    /// registration is known for the port).
    pub fn name_for(&self, service: &str, port: u32) -> String {
        self.registered_name(service, port)
            .map_or_else(|| service_name(service), str::to_string)
    }

    /// The `host:address` entries of `group`.
    pub fn hosts_of(&self, group: &str) -> &[String] {
        self.hosts.get(group).map_or(&[], Vec::as_slice)
    }
}

/// Where each service runs: its group and whether that group is in the service job.
pub struct Placement<'a> {
    pub group_of: &'a BTreeMap<String, String>,
}

/// The one-shot services that run as a prestart task of their dependents' groups: those
/// others wait for with `service_completed_successfully` (a prestart task runs to
/// completion before the group's main tasks start and is not restarted after a success:
/// https://developer.hashicorp.com/nomad/docs/job-specification/lifecycle).
pub fn absorbed_one_shots(analysis: &Analysis) -> BTreeMap<String, Vec<String>> {
    analysis
        .one_shots
        .iter()
        .filter_map(|(name, why)| match why {
            OneShot::AwaitedBy(deps) if !deps.is_empty() => Some((name.clone(), deps.clone())),
            _ => None,
        })
        .collect()
}

fn warn(w: &mut Wiring, r: &Reference, severity: Severity, message: String) {
    w.warnings.push(ConvertWarning {
        severity,
        service: Some(r.from.clone()),
        key_path: r.key_path(),
        span: r.span,
        message,
    });
}

fn add_host(w: &mut Wiring, group: &str, host: &str, address: &str) {
    let entry = format!("{}:{address}", host.to_ascii_lowercase());
    let list = w.hosts.entry(group.to_string()).or_default();
    if !list.contains(&entry) {
        list.push(entry);
    }
}

/// Decide the wiring of `project`.
pub fn wire(
    analysis: &Analysis,
    topology: Topology,
    provider: super::Provider,
    placement: &Placement,
) -> Wiring {
    let absorbed = absorbed_one_shots(analysis);
    // The group a service's container runs in, one-shots in their (first) dependent's.
    let group_of = |svc: &str| -> Option<&String> {
        match absorbed.get(svc).and_then(|deps| deps.first()) {
            Some(dep) => placement.group_of.get(dep),
            None => placement.group_of.get(svc),
        }
    };
    let mut w = Wiring {
        topology,
        lookup: match provider {
            super::Provider::Nomad => "nomadService",
            super::Provider::Consul => "service",
        },
        absorbed: absorbed.clone(),
        ..Wiring::default()
    };
    // Registrations: every port a service is dialled on, across groups.
    let mut reached: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    for r in &analysis.references {
        if group_of(&r.from) == group_of(&r.to) {
            continue;
        }
        for port in ports_of(r, analysis) {
            reached.entry(r.to.clone()).or_default().insert(port);
        }
    }
    for (svc, ports) in &reached {
        let regs = ports
            .iter()
            .enumerate()
            .map(|(i, &port)| Registration {
                name: if i == 0 {
                    service_name(svc)
                } else {
                    service_name(&format!("{svc}-{port}"))
                },
                port,
            })
            .collect();
        w.registrations.insert(svc.clone(), regs);
    }
    // Consumers that dial a service somewhere in their values: their ordering-only
    // references (`depends_on`, `links`) are served by those.
    let dialled: BTreeSet<(&str, &str)> = analysis
        .references
        .iter()
        .filter(|r| r.site.is_dialled())
        .map(|r| (r.from.as_str(), r.to.as_str()))
        .collect();
    for r in &analysis.references {
        w.stats.references += 1;
        let (Some(from_group), Some(to_group)) = (group_of(&r.from), group_of(&r.to)) else {
            // A service of another job type, or not converted: the registry still serves it.
            w.stats.reachable += 1;
            continue;
        };
        // Waiting for a one-shot to finish is ordering, not a connection.
        if !r.site.is_dialled() && analysis.one_shots.contains_key(&r.to) {
            w.stats.reachable += 1;
            continue;
        }
        if from_group == to_group {
            add_host(&mut w, from_group, &r.host, "127.0.0.1");
            w.stats.reachable += 1;
            continue;
        }
        if !r.site.is_dialled() && dialled.contains(&(r.from.as_str(), r.to.as_str())) {
            w.stats.reachable += 1;
            continue;
        }
        let served = match topology {
            Topology::Mesh | Topology::SingleGroup => mesh(&mut w, analysis, r, from_group),
            Topology::Native => native(&mut w, r),
        };
        if served {
            w.stats.reachable += 1;
        } else {
            w.stats.warned += 1;
        }
    }
    w
}

/// The ports a reference reaches: its own, else (for a name without a port) every port
/// the target listens on.
fn ports_of(r: &Reference, analysis: &Analysis) -> Vec<u32> {
    match r.port {
        Some(p) => vec![p],
        None => analysis.listens.get(&r.to).cloned().unwrap_or_default(),
    }
}

/// Mesh: an upstream for each port, on the loopback address the name resolves to.
fn mesh(w: &mut Wiring, analysis: &Analysis, r: &Reference, group: &str) -> bool {
    let ports = ports_of(r, analysis);
    if ports.is_empty() {
        warn(
            w,
            r,
            Severity::Warning,
            format!(
                "{} is reached on no known port: no upstream to it is made; declare the port with `expose` on {}",
                r.to, r.to
            ),
        );
        return false;
    }
    let own = analysis.listens.get(&r.from).cloned().unwrap_or_default();
    let mut served = true;
    for port in ports {
        if own.contains(&port) {
            warn(
                w,
                r,
                Severity::Warning,
                format!(
                    "{}:{port} cannot be served by the mesh: {} itself listens on port {port}, where the upstream would have to listen",
                    r.host, r.from
                ),
            );
            served = false;
            continue;
        }
        let destination = w.name_for(&r.to, port);
        let list = w.upstreams.entry(r.from.clone()).or_default();
        if list
            .iter()
            .any(|u| u.destination == destination && u.port == port)
        {
            continue;
        }
        // Two services dialled on one port need two addresses (the whole of 127/8 is
        // loopback on Linux); the first keeps 127.0.0.1.
        let taken = list.iter().filter(|u| u.port == port).count();
        let address = format!("127.0.0.{}", taken + 1);
        let host_address = list
            .iter()
            .find(|u| u.destination == destination)
            .map_or_else(|| address.clone(), |u| u.address.clone());
        if host_address != address {
            warn(
                w,
                r,
                Severity::Warning,
                format!(
                    "{}:{port} cannot be served by the mesh: the name already resolves to {host_address}, where port {port} is taken by another upstream",
                    r.host
                ),
            );
            served = false;
            continue;
        }
        list.push(Upstream {
            destination,
            port,
            address: address.clone(),
        });
        add_host(w, group, &r.host, &address);
    }
    served
}

/// Native: values are rendered from the registry when the address and port can both be
/// written into them.
fn native(w: &mut Wiring, r: &Reference) -> bool {
    let why_not: Option<String> = match (&r.site, r.port, &r.port_source) {
        (Site::DependsOn | Site::Link(_), ..) => Some(format!(
            "{} is named here but in no value transship can render: if the application dials {} by a name written in its code or image, it cannot resolve under --topology native (use --topology mesh, or single-group on one node)",
            r.to, r.host
        )),
        (_, None, _) => Some(format!(
            "{} is named without a port and listens on no known port: the value cannot be rendered with its address (declare the port with `expose` on {})",
            r.host, r.to
        )),
        (_, Some(p), PortSource::Listen | PortSource::Unknown) => Some(format!(
            "{} is a bare host name: the registry gives an address and a mapped port, and the application would dial its default port {p} (add a companion port variable, or use --topology mesh)",
            r.host
        )),
        _ => None,
    };
    if let Some(message) = why_not {
        warn(w, r, Severity::Warning, message);
        return false;
    }
    w.rendered
        .entry(r.from.clone())
        .or_default()
        .push(r.clone());
    true
}

#[cfg(test)]
mod tests {
    use super::super::rendered::{Vars, print_operands};
    use super::*;
    use crate::analysis::analyse;
    use crate::model::{Dependency, Project, Service};

    fn svc(name: &str, image: &str, env: &[(&str, &str)]) -> Service {
        let mut s = Service {
            name: name.into(),
            image: Some(image.into()),
            ..Service::default()
        };
        for (k, v) in env {
            s.environment.insert((*k).into(), Some((*v).into()));
        }
        s
    }

    fn review_project() -> Project {
        let mut p = Project::default();
        let mut api = svc(
            "api",
            "example/api:1",
            &[
                ("DATABASE_URL", "postgres://app:pw@db:5432/app"),
                ("REDIS_HOST", "redis"),
            ],
        );
        api.depends_on.insert("db".into(), Dependency::default());
        for s in [
            api,
            svc("db", "postgres:16", &[]),
            svc("redis", "redis:7", &[]),
        ] {
            p.services.insert(s.name.clone(), Box::new(s));
        }
        p
    }

    fn own_groups(p: &Project) -> BTreeMap<String, String> {
        p.services.keys().map(|k| (k.clone(), k.clone())).collect()
    }

    /// The wiring of `p` with each service in its own group.
    fn wired(p: &Project, topology: Topology) -> Wiring {
        let groups = own_groups(p);
        wire(
            &analyse(p),
            topology,
            super::super::Provider::Nomad,
            &Placement { group_of: &groups },
        )
    }

    #[test]
    fn mesh_binds_each_upstream_on_the_port_the_application_dials() {
        let p = review_project();
        let w = wired(&p, Topology::Mesh);
        let up = w.upstreams.get("api").cloned().unwrap_or_default();
        assert_eq!(
            up,
            [
                Upstream {
                    destination: "db".into(),
                    port: 5432,
                    address: "127.0.0.1".into()
                },
                Upstream {
                    destination: "redis".into(),
                    port: 6379,
                    address: "127.0.0.1".into()
                },
            ]
        );
        assert_eq!(w.hosts_of("api"), ["db:127.0.0.1", "redis:127.0.0.1"]);
        assert_eq!(w.registered_name("db", 5432), Some("db"));
        assert_eq!(
            w.stats,
            Stats {
                references: 3,
                reachable: 3,
                warned: 0
            }
        );
    }

    #[test]
    fn native_renders_urls_and_warns_about_bare_hosts_without_a_port_variable() {
        let p = review_project();
        let w = wired(&p, Topology::Native);
        assert_eq!(
            w.stats,
            Stats {
                references: 3,
                reachable: 2,
                warned: 1
            }
        );
        let warned: Vec<&str> = w.warnings.iter().map(|w| w.key_path.as_str()).collect();
        assert_eq!(warned, ["services.api.environment.REDIS_HOST"]);
        let refs: Vec<&Reference> = w.rendered.get("api").into_iter().flatten().collect();
        let mut vars = Vars::new(w.lookup);
        let text = format!(
            "{{{{ print {} }}}}",
            print_operands("postgres://app:pw@db:5432/app", &refs, &w, &mut vars)
        );
        assert_eq!(
            text,
            r#"{{ print "postgres://app:pw@" $addr0 ":" $port0 "/app" }}"#
        );
        assert!(vars.prelude().contains(r#"range nomadService "db""#));
    }

    #[test]
    fn one_group_serves_every_name_on_loopback() {
        let p = review_project();
        let a = analyse(&p);
        let groups: BTreeMap<String, String> = p
            .services
            .keys()
            .map(|k| (k.clone(), "all".to_string()))
            .collect();
        let w = wire(
            &a,
            Topology::SingleGroup,
            super::super::Provider::Nomad,
            &Placement { group_of: &groups },
        );
        assert_eq!(w.hosts_of("all"), ["db:127.0.0.1", "redis:127.0.0.1"]);
        assert_eq!(w.stats.warned, 0);
        assert!(w.registrations.is_empty());
    }

    #[test]
    fn a_consumer_listening_on_the_dialled_port_cannot_get_that_upstream() {
        let mut p = Project::default();
        let mut web = svc("web", "nginx", &[]);
        web.command = Some(vec!["--backend=http://app:80".into()]);
        for s in [web, svc("app", "example/app", &[])] {
            p.services.insert(s.name.clone(), Box::new(s));
        }
        let w = wired(&p, Topology::Mesh);
        assert_eq!(w.stats.warned, 1);
        assert!(!w.upstreams.contains_key("web"));
    }
}
