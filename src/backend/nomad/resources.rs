//! The task's `resources` block (cpu in MHz, memory / memory_max in MiB, devices) and the
//! project-wide notes about it.
//!
//! Every service task gets a block, even when compose says nothing: without one Nomad gives
//! the task `cpu = 100` and `memory = 300` (nomad/structs/structs.go `DefaultResources`;
//! https://developer.hashicorp.com/nomad/docs/job-specification/resources), and with the
//! docker driver `memory` is a hard cgroup limit, so a database or JVM that compose runs
//! unlimited would be OOM-killed at 300 MB. `--default-memory` / `--default-cpu` fill in.
//!
//! Memory: Nomad's `memory` is the hard limit and `memory_max` only takes effect when the
//! cluster has memory oversubscription enabled; otherwise the server ignores it ("Memory
//! oversubscription is not enabled; Task ... memory_max value will be ignored",
//! nomad/job_endpoint_hooks.go; `MemoryOversubscriptionEnabled (bool: false)` in
//! https://developer.hashicorp.com/nomad/api-docs/operator/scheduler). So the compose limit
//! is `memory`, and a lower reservation becomes `memory` (with the limit as `memory_max`)
//! only when the user says oversubscription is on (`--memory-oversubscription`).

use super::hcl::attr;
use super::{Ctx, Options};
use crate::backend::mapping::ConvertWarning;
use crate::backend::notes::Notes;
use crate::diag::Severity;
use crate::model::{ByteSize, DeviceRequest, Project, Resource, Service};
use crate::source::Span;
use hcl::structure::Block;

/// One MiB, Nomad's memory unit.
const MIB: i64 = 1024 * 1024;
/// Nomad's smallest memory setting (nomad/structs/structs.go `MinResources`).
const MIN_MEMORY_MB: i64 = 10;
/// Nomad's defaults for a task without `resources` (nomad/structs/structs.go
/// `DefaultResources`), named in the note about services that got ours instead.
const NOMAD_DEFAULT_MEMORY_MB: i64 = 300;
const NOMAD_DEFAULT_CPU_MHZ: i64 = 100;

/// The `resources` block of `svc`'s task.
pub fn block(ctx: &Ctx, svc: &Service, notes: &mut Notes) -> Block {
    let opts = ctx.opts;
    let cpu = cpu_mhz(svc, opts).unwrap_or_else(|| i64::from(opts.default_cpu_mhz));
    let mut b = Block::builder("resources").add_attribute(attr("cpu", cpu.max(1)));
    let memory = memory(svc, opts, notes).unwrap_or_else(|| Memory {
        memory: default_memory(svc, opts, notes),
        memory_max: None,
    });
    b = b.add_attribute(attr("memory", memory.memory.max(MIN_MEMORY_MB)));
    if let Some(m) = memory.memory_max {
        b = b.add_attribute(attr("memory_max", m.max(MIN_MEMORY_MB)));
    }
    b.add_blocks(devices(svc, notes)).build()
}

/// `--default-memory`, or more for a JVM whose heap is set (`-Xmx512m` in an environment
/// value such as `ES_JAVA_OPTS`, or in an argument): the hard limit must hold the heap plus
/// what the JVM uses beside it (metaspace, threads, buffers), else the kernel kills it at
/// start.
fn default_memory(svc: &Service, opts: &Options, notes: &mut Notes) -> i64 {
    let default = i64::from(opts.default_memory_mb);
    let Some((path, heap, need)) = jvm_memory(svc, opts) else {
        return default;
    };
    notes.warn(
        Severity::Info,
        &path,
        format!(
            "memory = {need} MiB: a {heap} MiB JVM heap (-Xmx) and room beside it, above --default-memory {default}"
        ),
    );
    need
}

/// Where a JVM heap is set, the heap and the memory it needs, when that is above
/// `--default-memory`.
fn jvm_memory(svc: &Service, opts: &Options) -> Option<(String, i64, i64)> {
    let (path, heap) = jvm_heap(svc)?;
    let need = heap.saturating_add((heap / 2).max(256));
    (need > i64::from(opts.default_memory_mb)).then_some((path, heap, need))
}

/// The largest `-Xmx` heap (MiB) in `svc`'s environment values or arguments, and where.
fn jvm_heap(svc: &Service) -> Option<(String, i64)> {
    let env = svc
        .environment
        .iter()
        .filter_map(|(k, v)| Some((format!("environment.{k}"), v.as_deref()?)));
    let args = svc
        .command
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, a)| (format!("command[{i}]"), a.as_str()));
    env.chain(args)
        .flat_map(|(path, text)| {
            text.split_whitespace()
                .filter_map(|w| w.strip_prefix("-Xmx").and_then(heap_mib))
                .map(move |m| (path.clone(), m))
                .collect::<Vec<_>>()
        })
        .max_by_key(|(_, m)| *m)
}

/// `512m`, `2g`, `1048576k`, or bytes, as MiB.
fn heap_mib(size: &str) -> Option<i64> {
    let size = size.trim_matches(|c| c == '"' || c == '\'');
    let (num, unit) = size.split_at(
        size.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(size.len()),
    );
    let n: i64 = num.parse().ok()?;
    Some(match unit.to_ascii_lowercase().as_str() {
        "" => n / MIB,
        "k" => n / 1024,
        "m" => n,
        "g" => n.checked_mul(1024)?,
        _ => return None,
    })
}

fn limits(svc: &Service) -> Option<&Resource> {
    svc.deploy
        .as_ref()
        .and_then(|d| d.resources.limits.as_ref())
}

fn reservations(svc: &Service) -> Option<&Resource> {
    svc.deploy
        .as_ref()
        .and_then(|d| d.resources.reservations.as_ref())
}

/// CPUs the service is limited to: `deploy.resources.limits.cpus`, `cpus`, or quota/period.
/// A limit is enforced with `cpu_hard_limit`.
pub fn cpu_limit(svc: &Service) -> Option<f64> {
    let deploy = limits(svc).and_then(|l| l.cpus).map(|c| f64::from(c.0));
    deploy
        .or_else(|| svc.cpus.map(|c| f64::from(c.0)))
        .or_else(|| {
            let q = svc.cpu_quota.filter(|q| *q > 0)?;
            let p = svc.cpu_period.filter(|p| *p > 0).unwrap_or(100_000);
            Some(q as f64 / p as f64)
        })
        .filter(|c| *c > 0.0)
}

/// `cpu` in MHz from the service's own CPU setting (limit, reservation or shares), if any.
fn cpu_mhz(svc: &Service, opts: &Options) -> Option<i64> {
    let reserved = reservations(svc)
        .and_then(|r| r.cpus)
        .map(|c| f64::from(c.0))
        .filter(|c| *c > 0.0);
    let cpus = cpu_limit(svc)
        .or(reserved)
        .or_else(|| svc.cpu_shares.filter(|s| *s > 0).map(|s| s as f64 / 1024.0))?;
    Some(((cpus * f64::from(opts.cpu_mhz_per_core)).round() as i64).max(1))
}

fn mib(b: ByteSize) -> i64 {
    (b.0 + MIB - 1) / MIB
}

/// A compose memory setting and the key (below the service) that set it.
type Setting = Option<(ByteSize, &'static str)>;

/// The compose memory limit and reservation.
fn compose_memory(svc: &Service) -> (Setting, Setting) {
    let limit = limits(svc)
        .and_then(|l| l.memory)
        .map(|m| (m, "deploy.resources.limits.memory"))
        .or(svc.mem_limit.map(|m| (m, "mem_limit")))
        .filter(|(m, _)| m.0 > 0);
    let reservation = reservations(svc)
        .and_then(|r| r.memory)
        .map(|m| (m, "deploy.resources.reservations.memory"))
        .or(svc.mem_reservation.map(|m| (m, "mem_reservation")))
        .filter(|(m, _)| m.0 > 0);
    (limit, reservation)
}

struct Memory {
    memory: i64,
    memory_max: Option<i64>,
}

/// `memory` / `memory_max` from the compose limit and reservation, with a note on the
/// reservation saying what became of it; `None` when compose sets neither.
fn memory(svc: &Service, opts: &Options, notes: &mut Notes) -> Option<Memory> {
    let (out, key) = match compose_memory(svc) {
        (None, None) => return None,
        (Some((l, key)), None) => (
            Memory {
                memory: mib(l),
                memory_max: None,
            },
            key,
        ),
        (None, Some((r, key))) => {
            notes.warn(
                Severity::Warning,
                key,
                format!(
                    "approximated for nomad: memory = {} MiB, which Nomad enforces as a hard limit (compose only reserves it)",
                    mib(r)
                ),
            );
            (
                Memory {
                    memory: mib(r),
                    memory_max: None,
                },
                key,
            )
        }
        (Some((l, lkey)), Some((r, rkey))) => {
            limit_and_reservation(mib(l), (mib(r), rkey), lkey, opts, notes)
        }
    };
    if out.memory < MIN_MEMORY_MB {
        notes.warn(
            Severity::Warning,
            key,
            format!(
                "approximated for nomad: {} MiB is below Nomad's minimum, {MIN_MEMORY_MB} MiB is used",
                out.memory
            ),
        );
    }
    Some(out)
}

/// Both a limit and a reservation (MiB): the limit is `memory` unless oversubscription is
/// on and the reservation is lower. Returns the memory and the key `memory` came from.
fn limit_and_reservation(
    limit: i64,
    (reservation, key): (i64, &'static str),
    limit_key: &'static str,
    opts: &Options,
    notes: &mut Notes,
) -> (Memory, &'static str) {
    if reservation >= limit {
        notes.warn(
            Severity::Warning,
            key,
            format!(
                "approximated for nomad: the reservation is not below the limit: memory = {limit} MiB, the limit"
            ),
        );
    } else if opts.memory_oversubscription {
        notes.warn(
            Severity::Info,
            key,
            format!(
                "memory = {reservation} MiB (the reservation), memory_max = {limit} MiB (the limit): the cluster must have memory oversubscription enabled (nomad operator scheduler set-config -memory-oversubscription=true), or Nomad ignores memory_max and {reservation} MiB is the hard limit"
            ),
        );
        let out = Memory {
            memory: reservation,
            memory_max: Some(limit),
        };
        return (out, key);
    } else {
        notes.warn(
            Severity::Warning,
            key,
            format!(
                "approximated for nomad: memory = {limit} MiB, the limit, which Nomad enforces; the {reservation} MiB reservation is dropped, since memory_max works only with memory oversubscription enabled: if the cluster has it (nomad operator scheduler set-config -memory-oversubscription=true), --memory-oversubscription gives memory = {reservation}, memory_max = {limit}"
            ),
        );
    }
    let out = Memory {
        memory: limit,
        memory_max: None,
    };
    (out, limit_key)
}

/// One `device` block per GPU / device request and per discrete generic resource.
fn devices(svc: &Service, notes: &mut Notes) -> Vec<Block> {
    let reserv = reservations(svc);
    let mut requests: Vec<&DeviceRequest> = svc.gpus.iter().collect();
    if let Some(r) = reserv {
        requests.extend(r.devices.iter());
    }
    let mut out: Vec<Block> = requests.into_iter().map(|d| device(d, notes)).collect();
    for g in reserv
        .map(|r| r.generic_resources.as_slice())
        .unwrap_or(&[])
    {
        if let Some(spec) = &g.discrete_resource_spec {
            out.push(
                Block::builder("device")
                    .add_label(spec.kind.as_str())
                    .add_attribute(attr("count", spec.value.max(1)))
                    .build(),
            );
        }
    }
    out
}

fn device(d: &DeviceRequest, notes: &mut Notes) -> Block {
    let gpu = d.capabilities.iter().any(|c| c == "gpu") || d.driver.as_deref() == Some("nvidia");
    let name = if gpu {
        format!("{}/gpu", d.driver.as_deref().unwrap_or("nvidia"))
    } else {
        d.driver.clone().unwrap_or_else(|| "device".into())
    };
    let count = match d.count {
        Some(n) if n > 0 => n,
        _ if !d.device_ids.is_empty() => d.device_ids.len() as i64,
        _ => {
            notes.warn(
                Severity::Warning,
                "deploy.resources.reservations.devices",
                format!("approximated for nomad: \"all\" {name} devices becomes a count of 1"),
            );
            1
        }
    };
    Block::builder("device")
        .add_label(name.as_str())
        .add_attribute(attr("count", count))
        .build()
}

/// The notes that concern the whole project, one line each: which services got the
/// default memory / CPU, and what the MHz under `cpu_hard_limit` are relative to.
pub fn project_notes(project: &Project, opts: &Options) -> Vec<ConvertWarning> {
    let services: Vec<&Service> = project
        .service_names()
        .into_iter()
        .filter_map(|n| project.service(n))
        .collect();
    [
        defaults_note(&services, opts),
        hard_limit_note(&services, opts),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn project_warning(severity: Severity, message: String) -> ConvertWarning {
    ConvertWarning {
        severity,
        service: None,
        key_path: "services".into(),
        span: Span::SYNTHETIC,
        message,
    }
}

fn names(services: &[&Service], pick: impl Fn(&Service) -> bool) -> Vec<String> {
    services
        .iter()
        .filter(|s| pick(s))
        .map(|s| s.name.clone())
        .collect()
}

fn defaults_note(services: &[&Service], opts: &Options) -> Option<ConvertWarning> {
    let no_memory = names(services, |s| {
        let (l, r) = compose_memory(s);
        l.is_none() && r.is_none() && jvm_memory(s, opts).is_none()
    });
    let no_cpu = names(services, |s| cpu_mhz(s, opts).is_none());
    let mut parts = Vec::new();
    if !no_memory.is_empty() {
        parts.push(format!(
            "memory = {} MiB (--default-memory) for {}",
            opts.default_memory_mb,
            no_memory.join(", ")
        ));
    }
    if !no_cpu.is_empty() {
        parts.push(format!(
            "cpu = {} MHz (--default-cpu) for {}",
            opts.default_cpu_mhz,
            no_cpu.join(", ")
        ));
    }
    if parts.is_empty() {
        return None;
    }
    Some(project_warning(
        Severity::Info,
        format!(
            "no compose resource setting, so {}; without a resources block Nomad would give each task {NOMAD_DEFAULT_MEMORY_MB} MB (a hard limit with the docker driver) and {NOMAD_DEFAULT_CPU_MHZ} MHz",
            parts.join("; ")
        ),
    ))
}

/// `cpu` is a share of the client's fingerprinted MHz: with `cpu_hard_limit` the docker
/// driver sets `CPUQuota = PercentTicks × period × cores`, PercentTicks being the task's MHz
/// over the node's total (drivers/docker/driver.go; client/allocrunner/taskrunner/
/// task_runner.go; nomad-driver-podman computes its quota the same way). A limit of `cpus`
/// CPUs therefore holds only when `--cpu-mhz-per-core` is the clients' per-core MHz.
fn hard_limit_note(services: &[&Service], opts: &Options) -> Option<ConvertWarning> {
    let limited = names(services, |s| cpu_limit(s).is_some());
    if limited.is_empty() {
        return None;
    }
    let n = opts.cpu_mhz_per_core;
    Some(project_warning(
        Severity::Warning,
        format!(
            "cpu_hard_limit for {}: the driver caps a task at its cpu MHz over the client's fingerprinted total (docker: CPUQuota = PercentTicks × period × cores), and cpu was computed with --cpu-mhz-per-core {n}: set that to the clients' attr.cpu.frequency, or on a client whose cores run at {} MHz each of these services gets half its CPUs",
            limited.join(", "),
            u64::from(n) * 2
        ),
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn jvm_heaps_are_read_in_every_unit() {
        assert_eq!(super::heap_mib("512m"), Some(512));
        assert_eq!(super::heap_mib("2G"), Some(2048));
        assert_eq!(super::heap_mib("1048576k"), Some(1024));
        assert_eq!(super::heap_mib("lots"), None);
    }
}
