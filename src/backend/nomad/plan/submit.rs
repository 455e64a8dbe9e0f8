//! The order to submit the job files. Nomad's job type is per job, so global services and
//! one-off jobs land in their own files (`<job>-system`, `<job>-batch`, ...); a job whose
//! services others depend on goes first, and a batch job others wait to complete is
//! watched until it has finished.

use super::super::JobType;
use super::jobs::JobView;
use super::{Cx, Step, StepKind, sh, some, unique_count};

/// The job of each service, by the task that runs it.
fn job_of<'a>(cx: &'a Cx, service: &str) -> Option<&'a JobView> {
    let task = super::label(service);
    cx.jobs.iter().find(|j| {
        j.groups
            .iter()
            .any(|g| g.tasks.iter().any(|t| t.name == task))
    })
}

/// A dependency of one job on another: (dependent service, dependency, condition).
type Edge = (String, String, String);

pub fn steps(cx: &Cx) -> Vec<Step> {
    // Edges between jobs, from depends_on, in service order.
    let mut edges: Vec<(usize, usize, Edge)> = Vec::new();
    for name in cx.project.service_names() {
        let Some(svc) = cx.service(name) else {
            continue;
        };
        for (dep, d) in &svc.depends_on {
            let (Some(from), Some(to)) = (job_of(cx, dep), job_of(cx, name)) else {
                continue;
            };
            let index = |j: &JobView| cx.jobs.iter().position(|x| x.file == j.file);
            if let (Some(a), Some(b)) = (index(from), index(to))
                && a != b
            {
                let condition = d
                    .condition
                    .clone()
                    .unwrap_or_else(|| "service_started".into());
                edges.push((a, b, (name.to_string(), dep.clone(), condition)));
            }
        }
    }
    // Kahn's order, ties in file order (the service job first); a cycle keeps file order.
    let mut order: Vec<usize> = Vec::new();
    let mut cyclic = false;
    while order.len() < cx.jobs.len() {
        let ready = (0..cx.jobs.len()).find(|i| {
            !order.contains(i)
                && edges
                    .iter()
                    .all(|(a, b, _)| *b != *i || order.contains(a) || a == i)
        });
        match ready {
            Some(i) => order.push(i),
            None => {
                cyclic = true;
                if let Some(i) = (0..cx.jobs.len()).find(|i| !order.contains(i)) {
                    order.push(i);
                }
            }
        }
    }
    let several = cx.jobs.len() > 1;
    let files: Vec<String> = cx.jobs.iter().map(|j| j.file.clone()).collect();
    let flags = cx.flags();
    order
        .iter()
        .enumerate()
        .filter_map(|(position, &i)| {
            let job = cx.jobs.get(i)?;
            let dependents: Vec<&Edge> = edges
                .iter()
                .filter(|(a, _, _)| *a == i)
                .map(|(_, _, e)| e)
                .collect();
            let one_off = matches!(job.job_type, Some(JobType::Batch | JobType::Sysbatch));
            let awaited: Vec<&Edge> = dependents
                .iter()
                .copied()
                .filter(|(_, _, c)| c == "service_completed_successfully")
                .collect();
            let wait = one_off && !awaited.is_empty();
            let mut commands = vec![format!(
                "nomad job run{} {}",
                if wait { " -detach=false" } else { "" },
                sh(&job.file)
            )];
            let kind = job.job_type.map_or("service", JobType::name);
            let mut why = if several && position == 0 {
                format!(
                    "The conversion wrote {} job files, because Nomad's job type is per job ({}): submit them in the order of these steps. This one holds the {kind} job {}.",
                    files.len(),
                    some(&files),
                    job.id
                )
            } else if several {
                format!("Then the {kind} job {}.", job.id)
            } else {
                format!("Submit the {kind} job {}.", job.id)
            };
            if !dependents.is_empty() {
                let who: Vec<String> = dependents.iter().map(|(s, _, _)| s.clone()).collect();
                let what: Vec<String> = dependents.iter().map(|(_, d, _)| d.clone()).collect();
                why.push_str(&format!(
                    " Submit it before the jobs of {}, which depend on {} (`depends_on`).",
                    some(&who),
                    some(&what)
                ));
            }
            if wait {
                let who: Vec<String> = awaited.iter().map(|(s, _, _)| s.clone()).collect();
                why.push_str(&format!(
                    " {} wait{} for it to complete (`service_completed_successfully`), but a {kind} job has no deployment, so `nomad job run -detach=false` returns once its allocations are placed, not when they finish: the loop waits until the job is dead (every allocation finished). Check that the status shows no failed allocation before going on, as compose would not start {} after a failure.",
                    some(&who),
                    if unique_count(&who) > 1 { "" } else { "s" },
                    some(&who)
                ));
                commands.push(format!(
                    "until nomad job status{flags} -short {} | grep -q '^Status *= *dead'; do sleep 5; done",
                    sh(&job.id)
                ));
                commands.push(format!("nomad job status{flags} {}", sh(&job.id)));
            } else if kind == "service" {
                why.push_str(" `nomad job run` follows the deployment until it is healthy or fails, and exits non-zero on failure.");
            }
            if cyclic && position == 0 {
                why.push_str(" The jobs depend on each other in a cycle: they are listed in file order, and the dependency waits inside the groups do the ordering.");
            }
            why.push_str(" Run the command in the directory of this file (https://developer.hashicorp.com/nomad/commands/job/run).");
            Some(
                Step::new(StepKind::Submit, format!("Submit {}", job.file), why)
                    .commands(commands),
            )
        })
        .collect()
}
