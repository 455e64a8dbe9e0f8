//! What the systemd backend does with every compose key: one row per key, read by the
//! conversion warnings, `transship explain --to systemd` and `docs/mapping/systemd.md`.
//! Flags are `docker run` / `podman run` flags on the template unit's `ExecStart=` line.

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

pub const TABLE: &[KeyRule] = &[
    t("annotations", "--annotation"),
    d(
        "attach",
        "every instance's output goes to the journal (journalctl -u UNIT)",
    ),
    t(
        "blkio_config",
        "--blkio-weight, --blkio-weight-device, --device-read-bps/-iops, --device-write-bps/-iops",
    ),
    a(
        "build",
        "ExecStart= image",
        "not built: the unit runs `image`, or compose's default tag `<project>-<service>` when there is none; build it on the host first",
    ),
    t("cap_add", "--cap-add"),
    t("cap_drop", "--cap-drop"),
    t("cgroup", "--cgroupns"),
    t("cgroup_parent", "--cgroup-parent"),
    t("command", "ExecStart= words after the image"),
    t(
        "configs",
        "--mount type=bind,readonly at the target (default /<name>); `content` and `environment` ones are files in the env directory given compose's mode (0444 unless `mode`) and owner before each start",
    ),
    a(
        "container_name",
        "--name %p-%i, and a network alias",
        "each instance needs its own name: containers are named <project>-<service>-<instance>, so `docker exec NAME` needs that name; a service with one instance stays resolvable by its container_name (a network alias)",
    ),
    d("cpu_count", "Windows-only"),
    d("cpu_percent", "Windows-only"),
    t("cpu_period", "--cpu-period"),
    t("cpu_quota", "--cpu-quota"),
    t("cpu_rt_period", "--cpu-rt-period"),
    t("cpu_rt_runtime", "--cpu-rt-runtime"),
    t("cpu_shares", "--cpu-shares"),
    t("cpus", "--cpus"),
    t("cpuset", "--cpuset-cpus"),
    d("credential_spec", "Windows-only"),
    t(
        "depends_on",
        "Requires=/Wants= and After= the dependency's instance units, started once the container runs (service_started), is healthy (service_healthy) or has exited 0 (service_completed_successfully: a Type=oneshot job)",
    ),
    d(
        "deploy.endpoint_mode",
        "no virtual IP: instances are reached through the service's network alias",
    ),
    d(
        "deploy.labels",
        "Swarm service labels have no container counterpart",
    ),
    a(
        "deploy.mode",
        "instances",
        "`global` runs one instance on each host that enables the project target",
    ),
    a(
        "deploy.placement.constraints",
        "[X-Fleet] MachineMetadata=",
        "with --fleet, `node.labels.KEY == VALUE` constraints become MachineMetadata=KEY=VALUE; other constraints, and all without --fleet, are dropped",
    ),
    a(
        "deploy.placement.max_replicas_per_node",
        "[X-Fleet] Conflicts=",
        "with --fleet, 1 becomes Conflicts=<project>-<service>@*.service; other values, and all without --fleet, are dropped",
    ),
    d(
        "deploy.placement.preferences",
        "no scheduler spreads instances",
    ),
    t(
        "deploy.replicas",
        "instances @1..@N wanted by <project>-<service>.target",
    ),
    t("deploy.resources.limits.cpus", "--cpus"),
    t("deploy.resources.limits.memory", "--memory"),
    t("deploy.resources.limits.pids", "--pids-limit"),
    d(
        "deploy.resources.reservations.cpus",
        "containers have no CPU reservation flag",
    ),
    a(
        "deploy.resources.reservations.devices",
        "--gpus",
        "GPU requests become --gpus (count or device IDs, docker only); other device requests are dropped",
    ),
    d(
        "deploy.resources.reservations.generic_resources",
        "Swarm-only",
    ),
    t(
        "deploy.resources.reservations.memory",
        "--memory-reservation",
    ),
    t(
        "deploy.restart_policy",
        "Restart= (condition any→always, on-failure→on-failure, none→no), RestartSec= (delay); max_attempts → StartLimitBurst=/StartLimitIntervalSec=, with its own warning",
    ),
    d(
        "deploy.rollback_config",
        "no rollback: restart instances one by one yourself",
    ),
    d(
        "deploy.update_config",
        "no rolling update: restart instances one by one (systemctl restart <unit>@N)",
    ),
    d(
        "develop",
        "a development-time `docker compose watch` setting",
    ),
    t("device_cgroup_rules", "--device-cgroup-rule"),
    t("devices", "--device"),
    t("dns", "--dns"),
    t("dns_opt", "--dns-option"),
    t("dns_search", "--dns-search (an empty one becomes `.`)"),
    t("domainname", "--domainname"),
    t(
        "entrypoint",
        "--entrypoint (first word; the others precede the command)",
    ),
    t(
        "env_file",
        "EnvironmentFile= (read at load time into the environment)",
    ),
    t(
        "environment",
        "EnvironmentFile=<env-dir>/<service>.env and --env NAME on create (docker: the values of a new conversion change the config hash and so recreate the container; after editing an installed env file by hand, remove the container before the restart)",
    ),
    t("expose", "--expose"),
    t("extends", "resolved at load time"),
    d(
        "external_links",
        "legacy links: containers resolve each other by service name on shared networks",
    ),
    t("extra_hosts", "--add-host"),
    t("gpus", "--gpus"),
    t("group_add", "--group-add"),
    t(
        "healthcheck",
        "--health-cmd, --health-interval, --health-timeout, --health-retries, --health-start-period, --health-start-interval",
    ),
    t("hostname", "--hostname"),
    t("image", "ExecStart= image"),
    t("init", "--init"),
    a(
        "ipc",
        "--ipc",
        "`service:NAME` joins the first instance of that service (<project>-NAME-<first instance>)",
    ),
    t("isolation", "--isolation"),
    t("label_file", "--label (read at load time)"),
    t("labels", "--label"),
    d(
        "links",
        "legacy links: containers resolve each other by service name on shared networks",
    ),
    t("logging", "--log-driver, --log-opt"),
    t("mac_address", "--mac-address"),
    t("mem_limit", "--memory"),
    t("mem_reservation", "--memory-reservation"),
    t("mem_swappiness", "--memory-swappiness"),
    t("memswap_limit", "--memory-swap"),
    d("models", "Docker Model Runner is a compose feature"),
    a(
        "network_mode",
        "--network",
        "`service:NAME` joins the first instance of that service (<project>-NAME-<first instance>)",
    ),
    t(
        "networks",
        "--network (alias = service name) for the first network, `docker network connect` for the others (engines before 25 accept one network at create), Requires= on the network's unit",
    ),
    t("oom_kill_disable", "--oom-kill-disable"),
    t("oom_score_adj", "--oom-score-adj"),
    a(
        "pid",
        "--pid",
        "`service:NAME` joins the first instance of that service (<project>-NAME-<first instance>)",
    ),
    t("pids_limit", "--pids-limit"),
    t("platform", "--platform"),
    t(
        "ports",
        "--publish (with --instance-port, the first published port is the instance name)",
    ),
    d(
        "post_start",
        "no hook after the container starts: add an ExecStartPost= drop-in",
    ),
    t("pre_stop", "ExecStop=-<runtime> exec ... before the stop"),
    t("privileged", "--privileged"),
    t("profiles", "resolved at load time"),
    d("provider", "provider services are run by compose plugins"),
    t(
        "pull_policy",
        "always → ExecStartPre=<runtime> pull (Quadlet: --pull always); missing/if_not_present/build → --pull missing; never → --pull never; daily/weekly/every_* pull at every start, with their own warning",
    ),
    t("read_only", "--read-only"),
    t(
        "restart",
        "Restart= (no→no, always/unless-stopped→always, on-failure→on-failure); on-failure:N → StartLimitBurst=N+1, with its own warning",
    ),
    t("runtime", "--runtime"),
    t(
        "scale",
        "instances @1..@N wanted by <project>-<service>.target",
    ),
    t(
        "secrets",
        "--mount type=bind,readonly at /run/secrets/<target>; `content` and `environment` ones are files in the env directory given compose's mode (0444 unless `mode`) and owner before each start",
    ),
    t("security_opt", "--security-opt"),
    t("shm_size", "--shm-size"),
    t(
        "stdin_open",
        "--interactive on create (docker start -a attaches no stdin, so the container keeps it open)",
    ),
    t(
        "stop_grace_period",
        "ExecStop=-<runtime> stop -t, --stop-timeout, TimeoutStopSec=; exit status 143 (SIGTERM) is a clean stop, 137 (killed after the grace period) a failure",
    ),
    t("stop_signal", "--stop-signal"),
    t("storage_opt", "--storage-opt"),
    t("sysctls", "--sysctl"),
    t("tmpfs", "--tmpfs"),
    t("tty", "--tty on create"),
    t("ulimits", "--ulimit"),
    a(
        "use_api_socket",
        "--use-api-socket",
        "docker only: dropped with --runtime podman",
    ),
    t("user", "--user"),
    t("userns_mode", "--userns"),
    t("uts", "--uts"),
    t(
        "volumes",
        "--mount (docker: --volume for a bind with :z/:Z); an anonymous volume becomes the named volume <project>_<service>-<instance>_<hash of the target>, kept like compose's; create_host_path → ExecStartPre=mkdir -p; RequiresMountsFor= the bind sources",
    ),
    a(
        "volumes_from",
        "--volumes-from",
        "a service is addressed by its first instance (<project>-<service>-<first instance>)",
    ),
    t("working_dir", "--workdir"),
    a(
        "top:configs",
        "bind-mounted files",
        "file configs are mounted from their path; `content` and `environment` ones are written to the env directory (an unset variable is warned about); external ones are dropped",
    ),
    t("top:include", "resolved at load time"),
    d("top:models", "Docker Model Runner is a compose feature"),
    t("top:name", "unit name prefix <project>-"),
    t(
        "top:networks",
        "oneshot unit <project>-network-<name>.service (RemainAfterExit=yes) creating it idempotently",
    ),
    a(
        "top:secrets",
        "bind-mounted files",
        "file secrets are mounted from their path; `content` and `environment` ones are written to the env directory (an unset variable is warned about); external ones are dropped",
    ),
    t(
        "top:volumes",
        "oneshot unit <project>-volume-<name>.service (RemainAfterExit=yes) creating it idempotently",
    ),
];

pub const QUADLET_TABLE: &[KeyRule] = TABLE;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::mapping::{coverage_problems, to_markdown};

    #[test]
    fn table_covers_every_key_once() {
        assert_eq!(coverage_problems(TABLE), Vec::<String>::new());
    }

    /// `docs/mapping/systemd.md` is generated from the table; regenerate it with
    /// `UPDATE_DOCS=1 cargo test --lib systemd::mapping`.
    #[test]
    fn docs_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/mapping/systemd.md");
        let want = to_markdown("systemd", TABLE);
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).unwrap_or_else(|e| panic!("{e}"));
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/mapping/systemd.md is stale: run UPDATE_DOCS=1 cargo test --lib systemd::mapping"
        );
    }
}
