//! References from one service to another: every place a service dials another by name,
//! and the port it dials. In compose every service reaches every other by service name on
//! any container port, so a target that separates services must know these to keep them
//! reachable.
//!
//! Found in: `environment` values (which include `env_file` values, merged by the loader),
//! `command` and `entrypoint` arguments, and the small project text files the service mounts
//! (bind mounts and compose `configs`, read within [`super::files`]' bounds); plus
//! `depends_on` and `links`, which name a service without a port. A URL or `host:port`
//! counts anywhere; a bare host name (`REDIS_HOST=redis`) counts where the variable's name
//! says it holds a host, or an argument follows a `--host`-like flag. A bare host's port is
//! its companion variable's (`REDIS_PORT`), else the one port the service listens on, else
//! none.

use super::files::TextFiles;
use super::names::Names;
use super::scan::{Form, Mention, mentions};
use crate::model::{Project, Service};
use crate::source::Span;
use std::collections::BTreeMap;

/// Where a reference was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Site {
    /// An `environment` value (or an `env_file` variable) named `key`.
    Environment { key: String },
    /// `command[i]`.
    Command(usize),
    /// `entrypoint[i]`.
    Entrypoint(usize),
    /// A mounted project file: the mount's key path (`volumes[0]`, `configs[1]`), the file
    /// below the mount (empty for a single-file mount) and the 1-based line.
    File {
        mount: String,
        file: String,
        line: usize,
    },
    /// `depends_on.<service>`.
    DependsOn,
    /// `links[i]`.
    Link(usize),
}

impl Site {
    /// The key path relative to the service.
    pub fn key_path(&self, to: &str) -> String {
        match self {
            Site::Environment { key } => format!("environment.{key}"),
            Site::Command(i) => format!("command[{i}]"),
            Site::Entrypoint(i) => format!("entrypoint[{i}]"),
            Site::File { mount, .. } => mount.clone(),
            Site::DependsOn => format!("depends_on.{to}"),
            Site::Link(i) => format!("links[{i}]"),
        }
    }

    /// Whether the reference carries a name the application dials (not just an ordering).
    pub fn is_dialled(&self) -> bool {
        !matches!(self, Site::DependsOn | Site::Link(_))
    }
}

/// How the port of a reference was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortSource {
    /// Written after the host (`db:5432`).
    Written,
    /// The URL scheme's default (`redis://cache`).
    Scheme,
    /// The companion variable (`REDIS_PORT` for `REDIS_HOST`).
    Companion(String),
    /// The one port the target listens on.
    Listen,
    /// No port is known.
    Unknown,
}

/// One reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The service that dials.
    pub from: String,
    /// The service dialled.
    pub to: String,
    /// The name as written (the service name, an alias or a container name).
    pub host: String,
    /// The port dialled.
    pub port: Option<u32>,
    pub port_source: PortSource,
    pub site: Site,
    /// Where the value was written (the key, or the mount for a file).
    pub span: Span,
    /// Byte range of `host[:port]` in the value (for a target that rewrites it).
    pub range: Option<(usize, usize)>,
}

impl Reference {
    /// `services.<from>.<site>`, for messages.
    pub fn key_path(&self) -> String {
        format!("services.{}.{}", self.from, self.site.key_path(&self.to))
    }
}

/// Variable names whose value is a host name: `*HOST`, `*HOSTNAME`, `*SERVER`, `*ADDR`, ...
fn host_variable(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    const ENDINGS: &[&str] = &[
        "HOST", "HOSTS", "HOSTNAME", "SERVER", "SERVERS", "ADDR", "ADDRESS", "ENDPOINT", "NODES",
        "PEERS", "BROKER", "BROKERS", "SERVICE",
    ];
    ENDINGS
        .iter()
        .any(|e| k == *e || k.ends_with(&format!("_{e}")))
}

/// Variable names whose values name images or versions (`postgres:16` is a tag there).
fn image_variable(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    ["IMAGE", "TAG", "VERSION"].iter().any(|w| k.contains(w))
}

/// The companion port variable of a host variable: `REDIS_HOST` → `REDIS_PORT`.
fn companion_port(key: &str, env: &BTreeMap<String, Option<String>>) -> Option<(String, u32)> {
    let upper = key.to_ascii_uppercase();
    let stem = ["_HOSTNAME", "_HOST", "_SERVER", "_ADDR", "_ADDRESS"]
        .iter()
        .find_map(|s| upper.strip_suffix(s))?;
    let prefix = key.get(..stem.len())?;
    ["_PORT", "_port"].iter().find_map(|suffix| {
        let name = format!("{prefix}{suffix}");
        let port = env.get(&name)?.as_deref()?.trim().parse::<u32>().ok()?;
        (1..=65535).contains(&port).then_some((name, port))
    })
}

/// Flags whose next argument is a host (`-h db`, `--host db`).
fn host_flag(arg: &str) -> bool {
    let a = arg.trim_start_matches('-');
    arg.starts_with('-') && (a == "h" || host_variable(&a.replace('-', "_")))
}

struct Finder<'a> {
    names: &'a Names,
    listens: &'a BTreeMap<String, Vec<u32>>,
    from: &'a str,
    out: Vec<Reference>,
}

impl Finder<'_> {
    fn push(&mut self, m: &Mention, site: Site, span: Span, companion: Option<(String, u32)>) {
        let Some(to) = self.names.resolve(self.from, &m.host) else {
            return;
        };
        let written = match m.form {
            Form::Url(_) if m.end > m.start + m.host.len() => PortSource::Written,
            Form::Url(_) if m.port.is_some() => PortSource::Scheme,
            Form::HostPort => PortSource::Written,
            _ => PortSource::Unknown,
        };
        let single_listen = match self.listens.get(to).map(Vec::as_slice) {
            Some([only]) => Some(*only),
            _ => None,
        };
        let (port, port_source) = match (m.port, written, companion, single_listen) {
            (Some(p), s, _, _) if s != PortSource::Unknown => (Some(p), s),
            (_, _, Some((name, p)), _) => (Some(p), PortSource::Companion(name)),
            (_, _, None, Some(p)) => (Some(p), PortSource::Listen),
            _ => (None, PortSource::Unknown),
        };
        self.out.push(Reference {
            from: self.from.to_string(),
            to: to.to_string(),
            host: m.host.clone(),
            port,
            port_source,
            site,
            span,
            range: Some((m.start, m.end)),
        });
    }

    fn text(
        &mut self,
        text: &str,
        site: &Site,
        span: Span,
        bare_ok: bool,
        companion: Option<(String, u32)>,
    ) {
        let names = self.names;
        for m in mentions(text, |h| names.is_known(h)) {
            if m.form == Form::Bare && !bare_ok {
                continue;
            }
            self.push(&m, site.clone(), span, companion.clone());
        }
    }
}

/// Every reference of the project.
pub fn find(
    project: &Project,
    names: &Names,
    listens: &BTreeMap<String, Vec<u32>>,
    files: &TextFiles,
) -> Vec<Reference> {
    let mut out = Vec::new();
    for (name, svc) in &project.services {
        let mut f = Finder {
            names,
            listens,
            from: name,
            out: Vec::new(),
        };
        environment(&mut f, svc);
        arguments(&mut f, svc);
        mounted_files(&mut f, project, svc, files);
        ordering(&mut f, svc);
        out.append(&mut f.out);
    }
    out
}

fn environment(f: &mut Finder, svc: &Service) {
    for (key, value) in &svc.environment {
        let Some(value) = value else {
            continue;
        };
        if image_variable(key) {
            continue;
        }
        let path = format!("environment.{key}");
        let span = svc.provenance.nearest_key_span(&path);
        let companion = companion_port(key, &svc.environment);
        let site = Site::Environment { key: key.clone() };
        f.text(value, &site, span, host_variable(key), companion);
    }
}

fn arguments(f: &mut Finder, svc: &Service) {
    for (list, site) in [
        (
            svc.entrypoint.as_deref(),
            Site::Entrypoint as fn(usize) -> Site,
        ),
        (svc.command.as_deref(), Site::Command as fn(usize) -> Site),
    ] {
        let Some(args) = list else {
            continue;
        };
        for (i, arg) in args.iter().enumerate() {
            let site = site(i);
            let key = site.key_path("");
            let span = svc.provenance.nearest_key_span(&key);
            let after_flag = i > 0 && args.get(i - 1).is_some_and(|p| host_flag(p));
            // `--db-host=db`: the value after `=` of a host flag.
            if let Some((flag, value)) = arg.split_once('=')
                && host_flag(flag)
            {
                let offset = flag.len() + 1;
                let names = f.names;
                for mut m in mentions(value, |h| names.is_known(h)) {
                    m.start += offset;
                    m.end += offset;
                    f.push(&m, site.clone(), span, None);
                }
                continue;
            }
            f.text(arg, &site, span, after_flag, None);
        }
    }
}

fn mounted_files(f: &mut Finder, project: &Project, svc: &Service, files: &TextFiles) {
    let dir = &project.working_dir;
    let mut sources: Vec<(String, String)> = Vec::new();
    for (i, v) in svc.volumes.iter().enumerate() {
        if v.kind.as_deref() == Some("bind")
            && let Some(s) = v.source.as_deref()
            && crate::backend::below_project(s, dir)
        {
            sources.push((format!("volumes[{i}]"), s.to_string()));
        }
    }
    for (i, r) in svc.configs.iter().enumerate() {
        if let Some(file) = r
            .source
            .as_deref()
            .and_then(|s| project.configs.get(s))
            .and_then(|c| c.file.as_deref())
        {
            sources.push((format!("configs[{i}]"), file.to_string()));
        }
    }
    for (mount, source) in sources {
        let Some(texts) = files.read(std::path::Path::new(&source)) else {
            continue;
        };
        let span = svc.provenance.nearest_key_span(&mount);
        for (file, text) in texts.iter() {
            for (n, line) in text.lines().enumerate() {
                let site = Site::File {
                    mount: mount.clone(),
                    file: file.clone(),
                    line: n + 1,
                };
                f.text(line, &site, span, false, None);
            }
        }
    }
}

fn ordering(f: &mut Finder, svc: &Service) {
    for dep in svc.depends_on.keys() {
        let span = svc
            .provenance
            .nearest_key_span(&format!("depends_on.{dep}"));
        push_unwritten(f, dep, dep, Site::DependsOn, span);
    }
    for (i, l) in svc.links.iter().enumerate() {
        let target = l.split(':').next().unwrap_or(l);
        let span = svc.provenance.nearest_key_span(&format!("links[{i}]"));
        let alias = l.rsplit(':').next().unwrap_or(l);
        push_unwritten(f, target, alias, Site::Link(i), span);
    }
}

/// A reference that names the service but no port (`depends_on`, `links`).
fn push_unwritten(f: &mut Finder, target: &str, host: &str, site: Site, span: Span) {
    if target == f.from || f.names.resolve(f.from, target).is_none() {
        return;
    }
    f.out.push(Reference {
        from: f.from.to_string(),
        to: target.to_string(),
        host: host.to_string(),
        port: None,
        port_source: PortSource::Unknown,
        site,
        span,
        range: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dependency;

    fn project(services: Vec<Service>) -> Project {
        let mut p = Project::default();
        for s in services {
            p.services.insert(s.name.clone(), Box::new(s));
        }
        p
    }

    fn svc(name: &str, image: &str) -> Service {
        Service {
            name: name.into(),
            image: Some(image.into()),
            ..Service::default()
        }
    }

    fn found(p: &Project) -> Vec<(String, String, Option<u32>, String)> {
        let names = Names::of(p);
        let listens = super::super::listen::all(p);
        find(p, &names, &listens, &TextFiles::default())
            .into_iter()
            .map(|r| (r.from.clone(), r.to.clone(), r.port, r.site.key_path(&r.to)))
            .collect()
    }

    #[test]
    fn the_review_example_finds_every_reference_and_its_port() {
        let mut api = svc("api", "example/api:1");
        api.environment.insert(
            "DATABASE_URL".into(),
            Some("postgres://app:pw@db:5432/app".into()),
        );
        api.environment
            .insert("REDIS_HOST".into(), Some("redis".into()));
        api.depends_on.insert("db".into(), Dependency::default());
        let p = project(vec![api, svc("db", "postgres:16"), svc("redis", "redis:7")]);
        assert_eq!(
            found(&p),
            [
                (
                    "api".into(),
                    "db".into(),
                    Some(5432),
                    "environment.DATABASE_URL".into()
                ),
                (
                    "api".into(),
                    "redis".into(),
                    Some(6379),
                    "environment.REDIS_HOST".into()
                ),
                ("api".into(), "db".into(), None, "depends_on.db".into()),
            ]
        );
    }

    #[test]
    fn companion_port_variables_and_host_flags() {
        let mut app = svc("app", "example/app");
        app.environment
            .insert("CACHE_HOST".into(), Some("cache".into()));
        app.environment
            .insert("CACHE_PORT".into(), Some("7000".into()));
        app.environment.insert("MODE".into(), Some("cache".into()));
        app.environment
            .insert("CACHE_IMAGE".into(), Some("cache:7".into()));
        app.command = Some(vec![
            "serve".into(),
            "--db-host".into(),
            "cache".into(),
            "--upstream=cache".into(),
            "cache".into(),
        ]);
        let p = project(vec![app, svc("cache", "example/cache")]);
        assert_eq!(
            found(&p),
            [
                (
                    "app".into(),
                    "cache".into(),
                    Some(7000),
                    "environment.CACHE_HOST".into()
                ),
                ("app".into(), "cache".into(), None, "command[2]".into()),
            ]
        );
    }

    #[test]
    fn host_equals_value_flags() {
        let mut app = svc("app", "example/app");
        app.command = Some(vec!["--pg-host=db".into(), "--redis=cache:6380".into()]);
        let p = project(vec![app, svc("db", "postgres"), svc("cache", "redis")]);
        assert_eq!(
            found(&p),
            [
                ("app".into(), "db".into(), Some(5432), "command[0]".into()),
                (
                    "app".into(),
                    "cache".into(),
                    Some(6380),
                    "command[1]".into()
                ),
            ]
        );
    }
}
