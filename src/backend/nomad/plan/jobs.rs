//! The jobs emit printed, read back from their bodies: the plan asks what the jobs actually
//! contain (job types, network modes, driver options, constraints, resources) rather than
//! re-deriving it from compose, so it cannot drift from the output when a lowering rule
//! changes.

use super::super::JobType;
use super::super::hcl::{config_unquote, unquote};
#[cfg(test)]
use crate::backend::OutFile;
use hcl::expr::Expression;
use hcl::structure::{Block, Body};

/// One job file.
#[derive(Clone, Debug, Default)]
pub struct JobView {
    pub file: String,
    pub id: String,
    pub job_type: Option<JobType>,
    /// The job names its datacenters (else Nomad's default, every datacenter).
    pub datacenters: bool,
    pub groups: Vec<GroupView>,
}

#[derive(Clone, Debug, Default)]
pub struct GroupView {
    pub name: String,
    /// `count` (1 when the job type has none).
    pub count: i64,
    pub volumes: Vec<VolumeView>,
    /// The network mode (`bridge`, `host`, `none`).
    pub mode: String,
    /// Client host networks the group's ports bind on.
    pub host_networks: Vec<String>,
    /// `(attribute, operator, value)` of each attribute constraint (`=` when none given).
    pub constraints: Vec<(String, String, String)>,
    pub tasks: Vec<TaskView>,
}

/// A group `volume` block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VolumeView {
    pub label: String,
    /// `host` or `csi`.
    pub kind: String,
    pub source: String,
    pub read_only: bool,
    pub per_alloc: bool,
}

#[derive(Clone, Debug, Default)]
pub struct TaskView {
    pub name: String,
    pub driver: String,
    pub privileged: bool,
    pub cap_add: Vec<String>,
    /// The namespace options set to `host` (`pid_mode`, `ipc_mode`, `uts_mode`).
    pub host_namespaces: Vec<String>,
    /// Docker `mount`s of `type = "bind"` whose source is a client path (absolute).
    pub host_binds: bool,
    pub cpu: i64,
    pub memory: i64,
    /// A template sets `uid` or `gid`.
    pub template_owner: bool,
}

/// [`views`] of job files given as text (tests; emit hands over the bodies it printed, as
/// parsing them back was a quarter of converting 1,000 services). A file that does not
/// parse is skipped.
#[cfg(test)]
pub fn read(files: &[OutFile]) -> Vec<JobView> {
    let bodies: Vec<(String, Body)> = files
        .iter()
        .filter_map(|f| Some((f.name.clone(), hcl::parse(&f.contents).ok()?)))
        .collect();
    views(&bodies)
}

/// What the plan needs of each job file, from its (file name, body).
pub fn views(jobs: &[(String, Body)]) -> Vec<JobView> {
    jobs.iter()
        .filter_map(|(file, body)| {
            let job = body.blocks().find(|b| b.identifier() == "job")?;
            Some(JobView {
                file: file.clone(),
                id: job
                    .labels()
                    .first()
                    .map(|l| l.as_str().to_string())
                    .unwrap_or_default(),
                job_type: string(job.body(), "type").and_then(|t| JobType::parse(&t)),
                datacenters: attribute(job.body(), "datacenters").is_some(),
                groups: blocks(job.body(), "group").map(group).collect(),
            })
        })
        .collect()
}

fn group(b: &Block) -> GroupView {
    let network = blocks(b.body(), "network").next();
    let mode = network
        .and_then(|n| string(n.body(), "mode"))
        .unwrap_or_else(|| "host".into());
    let mut host_networks: Vec<String> = network
        .into_iter()
        .flat_map(|n| blocks(n.body(), "port"))
        .filter_map(|p| string(p.body(), "host_network"))
        .collect();
    host_networks.sort();
    host_networks.dedup();
    let constraints = blocks(b.body(), "constraint")
        .filter_map(|c| {
            let attribute = string(c.body(), "attribute")?;
            let value = string(c.body(), "value")?;
            let operator = string(c.body(), "operator").unwrap_or_else(|| "=".into());
            Some((attribute, operator, value))
        })
        .collect();
    let flag = |body: &Body, k: &str| matches!(attribute(body, k), Some(Expression::Bool(true)));
    let volumes = blocks(b.body(), "volume")
        .map(|v| VolumeView {
            label: label_of(v),
            kind: string(v.body(), "type").unwrap_or_default(),
            source: string(v.body(), "source").unwrap_or_default(),
            read_only: flag(v.body(), "read_only"),
            per_alloc: flag(v.body(), "per_alloc"),
        })
        .collect();
    GroupView {
        name: label_of(b),
        count: match attribute(b.body(), "count") {
            Some(Expression::Number(n)) => n.as_i64().unwrap_or(1),
            _ => 1,
        },
        volumes,
        mode,
        host_networks,
        constraints,
        tasks: blocks(b.body(), "task").map(task).collect(),
    }
}

fn task(b: &Block) -> TaskView {
    let body = b.body();
    let config = blocks(body, "config").next().map(Block::body);
    let cfg_string = |k: &str| {
        config
            .and_then(|c| attribute(c, k))
            .map(config_unquote)
            .filter(|s| !s.is_empty())
    };
    let host_namespaces = ["pid_mode", "ipc_mode", "uts_mode"]
        .into_iter()
        .filter(|k| cfg_string(k).as_deref() == Some("host"))
        .map(str::to_string)
        .collect();
    let cap_add = match config.and_then(|c| attribute(c, "cap_add")) {
        Some(Expression::Array(items)) => items.iter().map(config_unquote).collect(),
        _ => Vec::new(),
    };
    // A bind mount from the task directory (`local/...`, `secrets/...`) needs nothing of
    // the client; one from an absolute path needs docker volumes enabled.
    let host_binds = config
        .into_iter()
        .flat_map(|c| blocks(c, "mount"))
        .any(|m| {
            let get = |k: &str| attribute(m.body(), k).map(config_unquote);
            get("type").as_deref() == Some("bind")
                && get("source").is_some_and(|s| s.starts_with('/'))
        });
    let resources = blocks(body, "resources").next().map(Block::body);
    let number = |k: &str| match resources.and_then(|r| attribute(r, k)) {
        Some(Expression::Number(n)) => n.as_i64().unwrap_or(0),
        _ => 0,
    };
    TaskView {
        name: label_of(b),
        driver: string(body, "driver").unwrap_or_default(),
        privileged: matches!(
            config.and_then(|c| attribute(c, "privileged")),
            Some(Expression::Bool(true))
        ),
        cap_add,
        host_namespaces,
        host_binds,
        cpu: number("cpu"),
        memory: number("memory"),
        template_owner: blocks(body, "template")
            .any(|t| attribute(t.body(), "uid").is_some() || attribute(t.body(), "gid").is_some()),
    }
}

fn label_of(b: &Block) -> String {
    b.labels()
        .first()
        .map(|l| l.as_str().to_string())
        .unwrap_or_default()
}

fn blocks<'a>(body: &'a Body, name: &'a str) -> impl Iterator<Item = &'a Block> {
    body.blocks().filter(move |b| b.identifier() == name)
}

fn attribute<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.attributes()
        .find(|a| a.key.as_str() == key)
        .map(|a| &a.expr)
}

fn string(body: &Body, key: &str) -> Option<String> {
    attribute(body, key).map(unquote)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_plan_needs_from_a_job_file() {
        let text = r#"job "app" {
  type = "service"

  group "db" {
    count = 2

    constraint {
      attribute = "${meta.rack}"
      value     = "r1"
    }

    network {
      mode = "bridge"
      port "port_5432" {
        static       = 5432
        to           = 5432
        host_network = "loopback"
      }
    }

    volume "data" {
      type      = "csi"
      source    = "app_data"
      read_only = true
      per_alloc = true
    }

    task "db" {
      driver = "docker"

      config {
        image      = "postgres:16"
        privileged = true
        cap_add    = ["NET_ADMIN"]
        pid_mode   = "host"

        mount {
          type   = "bind"
          target = "/data"
          source = "/srv/app/data"
        }
      }

      resources {
        cpu    = 500
        memory = 512
      }
    }
  }
}
"#;
        let jobs = read(&[OutFile {
            name: "app.nomad.hcl".into(),
            contents: text.into(),
        }]);
        let [job] = jobs.as_slice() else {
            panic!("{jobs:?}")
        };
        assert_eq!(job.id, "app");
        assert_eq!(job.job_type, Some(JobType::Service));
        assert!(!job.datacenters);
        let [g] = job.groups.as_slice() else {
            panic!("{job:?}")
        };
        assert_eq!(g.mode, "bridge");
        assert_eq!(g.count, 2);
        assert_eq!(
            g.volumes,
            [VolumeView {
                label: "data".into(),
                kind: "csi".into(),
                source: "app_data".into(),
                read_only: true,
                per_alloc: true,
            }]
        );
        assert_eq!(g.host_networks, ["loopback"]);
        assert_eq!(
            g.constraints,
            [(
                "${meta.rack}".to_string(),
                "=".to_string(),
                "r1".to_string()
            )]
        );
        let [t] = g.tasks.as_slice() else {
            panic!("{g:?}")
        };
        assert!(t.privileged && t.host_binds);
        assert_eq!(t.cap_add, ["NET_ADMIN"]);
        assert_eq!(t.host_namespaces, ["pid_mode"]);
        assert_eq!((t.cpu, t.memory), (500, 512));
    }
}
