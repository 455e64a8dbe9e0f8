//! Host names compose's embedded DNS resolves to a service: the service name, its
//! `container_name`, its network aliases, and (for the consumer only) `links` aliases
//! (`links: ["db:database"]`). Names compare case-insensitively, as DNS does.

use crate::model::Project;
use std::collections::BTreeMap;

/// Host name (lowercase) → service, for every service of the project.
#[derive(Clone, Debug, Default)]
pub struct Names {
    global: BTreeMap<String, String>,
    /// Per consumer: its `links` aliases.
    links: BTreeMap<String, BTreeMap<String, String>>,
}

impl Names {
    pub fn of(project: &Project) -> Names {
        let mut global = BTreeMap::new();
        // Aliases and container names first, so that a service name always wins.
        for (name, svc) in &project.services {
            for net in svc.networks.values().flatten() {
                for alias in &net.aliases {
                    global
                        .entry(alias.to_ascii_lowercase())
                        .or_insert_with(|| name.clone());
                }
            }
            if let Some(c) = svc.container_name.as_deref().filter(|c| !c.is_empty()) {
                global.insert(c.to_ascii_lowercase(), name.clone());
            }
        }
        for name in project.services.keys() {
            global.insert(name.to_ascii_lowercase(), name.clone());
        }
        let mut links = BTreeMap::new();
        for (name, svc) in &project.services {
            let mut own = BTreeMap::new();
            for l in &svc.links {
                let (target, alias) = l.split_once(':').unwrap_or((l.as_str(), l.as_str()));
                if project.services.contains_key(target) {
                    own.insert(alias.to_ascii_lowercase(), target.to_string());
                }
            }
            if !own.is_empty() {
                links.insert(name.clone(), own);
            }
        }
        Names { global, links }
    }

    /// The service `host` names when `from` dials it, other than `from` itself.
    pub fn resolve(&self, from: &str, host: &str) -> Option<&str> {
        let key = host.to_ascii_lowercase();
        let to = self
            .links
            .get(from)
            .and_then(|l| l.get(&key))
            .or_else(|| self.global.get(&key))?;
        (to != from).then_some(to.as_str())
    }

    /// Whether any service answers to `host`.
    pub fn is_known(&self, host: &str) -> bool {
        self.global.contains_key(&host.to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Service, ServiceNetwork};

    #[test]
    fn names_aliases_and_links_resolve_to_their_service() {
        let mut p = Project::default();
        let mut db = Service {
            name: "db".into(),
            container_name: Some("pg-main".into()),
            ..Service::default()
        };
        db.networks.insert(
            "back".into(),
            Some(ServiceNetwork {
                aliases: vec!["database".into()],
                ..ServiceNetwork::default()
            }),
        );
        let api = Service {
            name: "api".into(),
            links: vec!["db:sql".into()],
            ..Service::default()
        };
        p.services.insert("db".into(), Box::new(db));
        p.services.insert("api".into(), Box::new(api));
        let n = Names::of(&p);
        assert_eq!(n.resolve("api", "db"), Some("db"));
        assert_eq!(n.resolve("api", "DB"), Some("db"));
        assert_eq!(n.resolve("api", "database"), Some("db"));
        assert_eq!(n.resolve("api", "pg-main"), Some("db"));
        assert_eq!(n.resolve("api", "sql"), Some("db"));
        // A link alias is the consumer's own name for the service.
        assert_eq!(n.resolve("db", "sql"), None);
        // A service does not refer to itself.
        assert_eq!(n.resolve("db", "db"), None);
        assert_eq!(n.resolve("api", "example.com"), None);
    }
}
