//! One-shot jobs: services that run to completion rather than serve. Compose says so in two
//! ways: another service waits for it with `condition: service_completed_successfully`, or
//! its `deploy.mode` is `replicated-job` / `global-job`. (`restart: "no"` alone is compose's
//! default for every service, so it says nothing about whether a container exits.)

use crate::model::Project;
use std::collections::BTreeMap;

/// Why a service is a one-shot job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OneShot {
    /// These services wait for it to complete successfully.
    AwaitedBy(Vec<String>),
    /// Its deploy mode is a job mode.
    JobMode(String),
}

/// Every one-shot job of the project.
pub fn one_shots(project: &Project) -> BTreeMap<String, OneShot> {
    let mut out: BTreeMap<String, OneShot> = BTreeMap::new();
    for (name, svc) in &project.services {
        if let Some(mode) = svc
            .deploy
            .as_ref()
            .and_then(|d| d.mode.as_deref())
            .filter(|m| m.ends_with("-job"))
        {
            out.insert(name.clone(), OneShot::JobMode(mode.to_string()));
        }
    }
    for (name, svc) in &project.services {
        for (dep, d) in &svc.depends_on {
            if d.condition.as_deref() != Some("service_completed_successfully")
                || !project.services.contains_key(dep)
            {
                continue;
            }
            // Being waited for says more than the mode: the dependents need its completion.
            let entry = out
                .entry(dep.clone())
                .or_insert_with(|| OneShot::AwaitedBy(Vec::new()));
            match entry {
                OneShot::AwaitedBy(v) => v.push(name.clone()),
                OneShot::JobMode(_) => *entry = OneShot::AwaitedBy(vec![name.clone()]),
            }
        }
    }
    out
}

/// The services that wait for `service` to complete successfully.
pub fn awaited_by<'a>(project: &'a Project, service: &'a str) -> impl Iterator<Item = &'a str> {
    project.services.iter().filter_map(move |(n, s)| {
        s.depends_on
            .get(service)
            .filter(|d| d.condition.as_deref() == Some("service_completed_successfully"))
            .map(|_| n.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dependency, Deploy, Service};

    #[test]
    fn awaited_and_job_mode_services_are_one_shots() {
        let mut p = Project::default();
        let mut api = Service::default();
        api.depends_on.insert(
            "migrate".into(),
            Dependency {
                condition: Some("service_completed_successfully".into()),
                ..Dependency::default()
            },
        );
        api.depends_on.insert(
            "db".into(),
            Dependency {
                condition: Some("service_healthy".into()),
                ..Dependency::default()
            },
        );
        p.services.insert("api".into(), Box::new(api));
        p.services
            .insert("migrate".into(), Box::new(Service::default()));
        p.services.insert("db".into(), Box::new(Service::default()));
        p.services.insert(
            "seed".into(),
            Box::new(Service {
                deploy: Some(Box::new(Deploy {
                    mode: Some("replicated-job".into()),
                    ..Deploy::default()
                })),
                ..Service::default()
            }),
        );
        let got = one_shots(&p);
        assert_eq!(
            got.get("migrate"),
            Some(&OneShot::AwaitedBy(vec!["api".into()]))
        );
        assert_eq!(
            got.get("seed"),
            Some(&OneShot::JobMode("replicated-job".into()))
        );
        assert!(!got.contains_key("db"));
        assert_eq!(awaited_by(&p, "migrate").collect::<Vec<_>>(), ["api"]);
    }
}
