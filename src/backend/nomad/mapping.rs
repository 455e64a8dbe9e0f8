//! What the Nomad backend does with every compose key: the one table behind the conversion
//! warnings, `transship explain --to nomad`, `docs/mapping/nomad.md` and `lint --target
//! nomad`. Each service becomes a task group with one task (`docker` or `podman` driver).

use crate::backend::mapping::{KeyRule, Support};

const fn t(key: &'static str, to: &'static str) -> KeyRule {
    KeyRule {
        key,
        support: Support::Translated,
        to,
    }
}

const fn a(key: &'static str, to: &'static str, how: &'static str) -> KeyRule {
    KeyRule {
        key,
        support: Support::Approximated(how),
        to,
    }
}

const fn d(key: &'static str, why: &'static str) -> KeyRule {
    KeyRule {
        key,
        support: Support::Dropped(why),
        to: "",
    }
}

/// Nomad's `memory` is a hard limit and `memory_max` works only with memory
/// oversubscription enabled on the cluster (see [`super::resources`]).
const MEMORY_RESERVATION: &str = "memory is Nomad's hard limit, so with a limit the limit is memory; only with --memory-oversubscription a lower reservation becomes memory and the limit memory_max; a reservation alone becomes memory";

/// What holds for the whole project: how services reach each other under each
/// `--topology`, and what each needs on the cluster. Printed before the key table by
/// `explain` and in docs/mapping/nomad.md.
pub const PREFACE: &str = "\
## How services reach each other (`--topology`)

In compose every service reaches every other by its name, on any container port. transship \
finds every reference from one service to another (URLs and `host:port` in environment \
values, `env_file` values, arguments and the project files a service mounts; host-name \
variables such as `REDIS_HOST` with their `*_PORT` companion; `depends_on`, `links`, network \
aliases) and makes each work under the topology chosen. A reference the topology cannot \
serve is a warning at the file:line that wrote it (`convert --stats` counts them).

| topology | a name resolves to | the cluster needs |
|---|---|---|
| `native` (default) | the registry's address and mapped port, rendered into the values that name the service by a `template` with `nomadService` (env = true; arguments through an env variable; embedded files) | Nomad 1.3 or later (native service discovery); nothing else. A name written only inside an image or its code cannot be rendered: such `depends_on` edges are warned |
| `mesh` | `127.0.0.1` on every task of the consumer's group (sidecar included), where a Consul Connect upstream listens on the port the application dials | Consul agents with Connect enabled on every client, the CNI plugins (bridge, firewall, host-local, loopback, portmap, 0.4.0 or later) in the client's `cni_path`; implies `--service-provider consul` |
| `single-group` | `127.0.0.1`: every service of the service job is a task of one group, in one network namespace | one client that holds the whole project; refused when two services listen on one container port or want different counts |

`depends_on`: one prestart task per group waits for what compose waits for: registered \
(`service_started`; services register when their task runs), passing checks (Consul) or the \
dependency's own port or HTTP check probed (Nomad provider, which has no health status a task \
can read: hashicorp/nomad#23317) for `service_healthy`; a one-shot others wait for with \
`service_completed_successfully` runs as a prestart task of their groups. Inside a group, \
dependencies start first as prestart sidecars.

Resources: every task has a `resources` block: the compose limit, else `--default-memory` / \
`--default-cpu` (Nomad's own default is a 300 MB hard limit). `cpu` is MHz relative to the \
client's fingerprinted total under `cpu_hard_limit`: set `--cpu-mhz-per-core` to the \
clients' `attr.cpu.frequency`.

";

pub const TABLE: &[KeyRule] = &[
    d(
        "annotations",
        "the docker driver has no container annotations",
    ),
    d("attach", "log attachment is a `docker compose up` setting"),
    d("blkio_config", "the docker driver has no block-IO limits"),
    a(
        "build",
        "config.image",
        "Nomad cannot build: build and push the image first; without `image` the name compose would give it (<project>-<service>) is used",
    ),
    t("cap_add", "config.cap_add"),
    t("cap_drop", "config.cap_drop"),
    d(
        "cgroup",
        "the docker driver sets the cgroup namespace itself",
    ),
    d("cgroup_parent", "Nomad places tasks in its own cgroups"),
    t("command", "config.args"),
    a(
        "configs",
        "template",
        "embedded in a template block (file and inline content), or read from Nomad Variables (external / environment)",
    ),
    a(
        "container_name",
        "task",
        "Nomad names containers itself (<task>-<alloc id>); the name is the task name",
    ),
    d("cpu_count", "Windows-only"),
    d("cpu_percent", "Windows-only"),
    a(
        "cpu_period",
        "config.cpu_cfs_period",
        "the period is kept; the quota comes from resources.cpu with cpu_hard_limit",
    ),
    a(
        "cpu_quota",
        "resources.cpu",
        "quota/period × --cpu-mhz-per-core MHz with cpu_hard_limit",
    ),
    d(
        "cpu_rt_period",
        "the docker driver has no realtime scheduler settings",
    ),
    d(
        "cpu_rt_runtime",
        "the docker driver has no realtime scheduler settings",
    ),
    a(
        "cpu_shares",
        "resources.cpu",
        "Nomad's cpu MHz are also relative shares: shares/1024 × --cpu-mhz-per-core",
    ),
    a(
        "cpus",
        "resources.cpu",
        "CPUs × --cpu-mhz-per-core MHz, enforced with config.cpu_hard_limit",
    ),
    t("cpuset", "config.cpuset_cpus"),
    d("credential_spec", "Windows-only"),
    t(
        "depends_on",
        "prestart task wait-for-dependencies (service_started: registered once running; service_healthy: passing Consul check, or probed like its check with the Nomad provider); service_completed_successfully: the one-shot runs as a prestart task of the dependent group",
    ),
    d(
        "deploy.endpoint_mode",
        "services are found through the service registry, not a virtual IP",
    ),
    t("deploy.labels", "group.meta"),
    t("deploy.mode", "job.type"),
    t(
        "deploy.placement.constraints",
        "constraint: node.labels → ${meta.*} (set as client meta, see DEPLOY.md), node.hostname/id/platform → node attributes; node.role and engine labels are dropped, each with its own warning",
    ),
    t(
        "deploy.placement.max_replicas_per_node",
        "constraint (distinct_hosts / distinct_property)",
    ),
    t("deploy.placement.preferences", "spread"),
    t("deploy.replicas", "group.count"),
    a(
        "deploy.resources.limits.cpus",
        "resources.cpu",
        "CPUs × --cpu-mhz-per-core MHz, enforced with config.cpu_hard_limit",
    ),
    t(
        "deploy.resources.limits.memory",
        "resources.memory (memory_max with --memory-oversubscription and a lower reservation)",
    ),
    t("deploy.resources.limits.pids", "config.pids_limit"),
    a(
        "deploy.resources.reservations.cpus",
        "resources.cpu",
        "CPUs × --cpu-mhz-per-core MHz",
    ),
    a(
        "deploy.resources.reservations.devices",
        "resources.device",
        "one device block per request (nvidia/gpu for GPUs); device_ids and options are dropped",
    ),
    t(
        "deploy.resources.reservations.generic_resources",
        "resources.device",
    ),
    a(
        "deploy.resources.reservations.memory",
        "resources.memory",
        MEMORY_RESERVATION,
    ),
    a(
        "deploy.restart_policy",
        "restart / reschedule",
        "max_attempts → attempts, delay → delay, window → interval; Nomad restarts a service task whatever its exit code",
    ),
    d(
        "deploy.rollback_config",
        "Nomad rolls back with the update strategy (auto_revert): there is no separate rollback strategy",
    ),
    a(
        "deploy.update_config",
        "update",
        "parallelism → max_parallel, monitor → min_healthy_time, failure_action rollback → auto_revert, order start-first → canary + auto_promote; delay only for system jobs (stagger); max_failure_ratio dropped",
    ),
    d("develop", "file watching is a development-loop setting"),
    d(
        "device_cgroup_rules",
        "the docker driver has no device cgroup rules",
    ),
    t("devices", "config.devices"),
    t("dns", "network.dns.servers"),
    t("dns_opt", "network.dns.options"),
    t("dns_search", "network.dns.searches"),
    d("domainname", "the docker driver has no domain name setting"),
    t("entrypoint", "config.entrypoint"),
    a(
        "env_file",
        "env",
        "the files' variables are inlined into env (the loader read them), or with --env-from-variables rendered from Nomad Variables",
    ),
    t("environment", "env"),
    a(
        "expose",
        "network.port",
        "--topology native: a dynamic host port the registry publishes to the other services; mesh and single-group: not mapped (peers come in through the mesh or the shared namespace)",
    ),
    d("extends", "resolved by the loader"),
    d(
        "external_links",
        "containers outside the job are found through the service registry",
    ),
    t("extra_hosts", "config.extra_hosts"),
    a(
        "gpus",
        "resources.device",
        "device \"nvidia/gpu\" with the requested count (`all` → 1)",
    ),
    t("group_add", "config.group_add"),
    a(
        "healthcheck",
        "service.check",
        "curl/wget of a local URL → http check; other commands → script check (Consul) or tcp check on the service port (Nomad provider); retries/start_period → check_restart",
    ),
    t("hostname", "network.hostname"),
    t("image", "config.image"),
    t("init", "config.init"),
    t("ipc", "config.ipc_mode"),
    t("isolation", "config.isolation"),
    d("label_file", "read by the loader into labels"),
    t("labels", "config.labels"),
    t(
        "links",
        "the wiring of --topology (link aliases resolve like service names)",
    ),
    t("logging", "config.logging"),
    d(
        "mac_address",
        "in bridge mode the container joins the group's network namespace, which docker forbids a MAC for",
    ),
    t(
        "mem_limit",
        "resources.memory (memory_max with --memory-oversubscription and a lower reservation)",
    ),
    a("mem_reservation", "resources.memory", MEMORY_RESERVATION),
    d(
        "mem_swappiness",
        "the docker driver has no swappiness setting",
    ),
    d(
        "memswap_limit",
        "the docker driver has no swap limit setting",
    ),
    d("models", "AI models are a Docker Desktop feature"),
    a(
        "network_mode",
        "network.mode",
        "host and none are kept; service:/container: namespaces are dropped (put the tasks in one group with x-nomad.group)",
    ),
    a(
        "networks",
        "network { mode = \"bridge\" }",
        "each group gets its own bridge network and the --topology wiring lets every service reach the ones it names: the isolation between compose networks is not kept",
    ),
    d(
        "oom_kill_disable",
        "the docker driver has no OOM-killer setting",
    ),
    t("oom_score_adj", "config.oom_score_adj"),
    t("pid", "config.pid_mode"),
    t("pids_limit", "config.pids_limit"),
    a(
        "platform",
        "constraint",
        "constraints on ${attr.kernel.name} and ${attr.cpu.arch}",
    ),
    a(
        "ports",
        "network.port",
        "static host ports mapped to the container port (one replica per node for a static port); host_ip and port ranges are approximated",
    ),
    d(
        "post_start",
        "Nomad has no post-start hook inside the container",
    ),
    d(
        "pre_stop",
        "Nomad has no pre-stop hook inside the container",
    ),
    t("privileged", "config.privileged"),
    d("profiles", "resolved by the loader"),
    d(
        "provider",
        "provider services are a Docker Compose plugin feature",
    ),
    a(
        "pull_policy",
        "config.force_pull",
        "always → force_pull = true; other policies keep Nomad's default (pull when missing)",
    ),
    t("read_only", "config.readonly_rootfs"),
    a(
        "restart",
        "restart / reschedule",
        "no → no restarts and no rescheduling; always/unless-stopped → restarts with delay mode; on-failure[:N] → N attempts, then fail",
    ),
    t("runtime", "config.runtime"),
    t("scale", "group.count"),
    a(
        "secrets",
        "template",
        "the secret is read from Nomad Variables at nomad/jobs/<job>/<group> (never pasted into the job) and mounted at its target",
    ),
    t("security_opt", "config.security_opt"),
    t("shm_size", "config.shm_size"),
    t("stdin_open", "config.interactive"),
    t("stop_grace_period", "kill_timeout"),
    t("stop_signal", "kill_signal"),
    t("storage_opt", "config.storage_opt"),
    t("sysctls", "config.sysctl"),
    t("tmpfs", "config.mount (tmpfs)"),
    t("tty", "config.tty"),
    t("ulimits", "config.ulimit"),
    d(
        "use_api_socket",
        "the Docker API socket is not given to Nomad tasks",
    ),
    t("user", "task.user"),
    t("userns_mode", "config.userns_mode"),
    t("uts", "config.uts_mode"),
    a(
        "volumes",
        "volume / volume_mount / template / config.mount",
        "named volumes → host or CSI volumes (per_alloc for replicas); small text bind mounts → templates (files named like credentials → Nomad Variables); other bind mounts need the path on every client",
    ),
    d(
        "volumes_from",
        "put the tasks in one group (x-nomad.group) and share a volume instead",
    ),
    t("working_dir", "config.work_dir"),
    a(
        "top:configs",
        "template",
        "file and inline content embedded in templates; external/environment configs read from Nomad Variables",
    ),
    d("top:include", "resolved by the loader"),
    d("top:models", "AI models are a Docker Desktop feature"),
    t("top:name", "job id (unless --job)"),
    a(
        "top:networks",
        "network",
        "Nomad gives each group its own network namespace; driver options and IPAM are dropped",
    ),
    a(
        "top:secrets",
        "template",
        "read from Nomad Variables; DEPLOY.md (written with -o DIR) gives one `nomad var put` per path, listing every key",
    ),
    a(
        "top:volumes",
        "volume",
        "host volumes (the client must define them) or CSI volumes (--volume-type csi); driver options dropped",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::mapping::{coverage_problems, to_markdown};

    #[test]
    fn every_compose_key_has_one_row() {
        assert_eq!(coverage_problems(TABLE), Vec::<String>::new());
    }

    /// `docs/mapping/nomad.md` is generated from the table; refresh with
    /// `UPDATE_DOCS=1 cargo test --lib nomad::mapping`.
    #[test]
    fn docs_are_fresh() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/mapping/nomad.md");
        let expected = to_markdown("nomad", TABLE);
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &expected).unwrap_or_else(|e| panic!("{e}"));
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/mapping/nomad.md is stale: run UPDATE_DOCS=1 cargo test --lib nomad::mapping"
        );
    }
}
