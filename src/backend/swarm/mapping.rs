//! What the Swarm backend does with every compose key. "Dropped" rows are keys the Docker
//! CLI's stack loader rejects (`mem_limit`, `volumes_from`, ...), ignores with "Ignoring
//! unsupported options" (`build`, `privileged`, ...), or that its compose-file 3.x schema has
//! no place for (`dns_opt`, `group_add`, ...).

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
    d(
        "annotations",
        "Swarm services have no container annotations",
    ),
    d("attach", "log attachment is a `docker compose up` setting"),
    d("blkio_config", "Swarm has no block-IO limits"),
    d(
        "build",
        "Swarm cannot build: build and push the image first; without `image` the name compose would give it (<project>-<service>) is used",
    ),
    t("cap_add", "cap_add"),
    t("cap_drop", "cap_drop"),
    d("cgroup", "not in the stack file format"),
    d("cgroup_parent", "ignored by `docker stack deploy`"),
    t("command", "command"),
    t("configs", "configs"),
    a(
        "container_name",
        "networks.*.aliases",
        "Swarm names tasks itself: the name becomes a network alias",
    ),
    d("cpu_count", "Windows-only, not in the stack file format"),
    d("cpu_percent", "Windows-only, not in the stack file format"),
    d(
        "cpu_period",
        "rejected by `docker stack deploy`: use deploy.resources.limits.cpus",
    ),
    d(
        "cpu_quota",
        "rejected by `docker stack deploy`: use deploy.resources.limits.cpus",
    ),
    d("cpu_rt_period", "Swarm has no realtime scheduler settings"),
    d("cpu_rt_runtime", "Swarm has no realtime scheduler settings"),
    d(
        "cpu_shares",
        "rejected by `docker stack deploy`: use deploy.resources",
    ),
    t("cpus", "deploy.resources.limits.cpus"),
    d(
        "cpuset",
        "rejected by `docker stack deploy`: use deploy.resources",
    ),
    t("credential_spec", "credential_spec"),
    d(
        "depends_on",
        "Swarm starts all services together: clients must retry until dependencies answer",
    ),
    t("deploy.endpoint_mode", "deploy.endpoint_mode"),
    t("deploy.labels", "deploy.labels"),
    t("deploy.mode", "deploy.mode"),
    t(
        "deploy.placement.constraints",
        "deploy.placement.constraints",
    ),
    t(
        "deploy.placement.max_replicas_per_node",
        "deploy.placement.max_replicas_per_node",
    ),
    t(
        "deploy.placement.preferences",
        "deploy.placement.preferences",
    ),
    t("deploy.replicas", "deploy.replicas"),
    t(
        "deploy.resources.limits.cpus",
        "deploy.resources.limits.cpus",
    ),
    t(
        "deploy.resources.limits.memory",
        "deploy.resources.limits.memory",
    ),
    t(
        "deploy.resources.limits.pids",
        "deploy.resources.limits.pids",
    ),
    t(
        "deploy.resources.reservations.cpus",
        "deploy.resources.reservations.cpus",
    ),
    d(
        "deploy.resources.reservations.devices",
        "not in the stack file format: advertise devices as node generic resources",
    ),
    t(
        "deploy.resources.reservations.generic_resources",
        "deploy.resources.reservations.generic_resources",
    ),
    t(
        "deploy.resources.reservations.memory",
        "deploy.resources.reservations.memory",
    ),
    t("deploy.restart_policy", "deploy.restart_policy"),
    t("deploy.rollback_config", "deploy.rollback_config"),
    t("deploy.update_config", "deploy.update_config"),
    d(
        "develop",
        "file watching is a `docker compose watch` feature",
    ),
    d(
        "device_cgroup_rules",
        "Swarm services cannot change device cgroup rules",
    ),
    d(
        "devices",
        "ignored by `docker stack deploy`: Swarm services cannot map host devices",
    ),
    t("dns", "dns"),
    d("dns_opt", "not in the stack file format"),
    t("dns_search", "dns_search"),
    d("domainname", "ignored by `docker stack deploy`"),
    t("entrypoint", "entrypoint"),
    t("env_file", "environment"),
    t("environment", "environment"),
    t(
        "expose",
        "nothing: the overlay network reaches every container port, and nothing is published",
    ),
    t("extends", "resolved while loading"),
    d("external_links", "ignored by `docker stack deploy`"),
    t("extra_hosts", "extra_hosts"),
    d(
        "gpus",
        "not in the stack file format: advertise GPUs as node generic resources",
    ),
    d("group_add", "not in the stack file format"),
    t("healthcheck", "healthcheck"),
    t("hostname", "hostname"),
    t("image", "image"),
    t("init", "init"),
    d("ipc", "ignored by `docker stack deploy`"),
    t("isolation", "isolation"),
    t("label_file", "labels"),
    t("labels", "labels"),
    d(
        "links",
        "ignored by `docker stack deploy`: services reach each other by service name",
    ),
    t("logging", "logging"),
    d("mac_address", "ignored by `docker stack deploy`"),
    t("mem_limit", "deploy.resources.limits.memory"),
    t("mem_reservation", "deploy.resources.reservations.memory"),
    d("mem_swappiness", "Swarm has no swap settings"),
    d(
        "memswap_limit",
        "rejected by `docker stack deploy`; Swarm has no swap settings",
    ),
    d("models", "Docker Model Runner is a compose feature"),
    d(
        "network_mode",
        "ignored by `docker stack deploy`: the service joins the stack's networks",
    ),
    t(
        "networks",
        "networks (aliases, driver_opts; a dropped static address, MAC, priority or interface name is reported)",
    ),
    d(
        "oom_kill_disable",
        "Swarm services cannot disable the OOM killer",
    ),
    t("oom_score_adj", "oom_score_adj"),
    d("pid", "ignored by `docker stack deploy`"),
    t("pids_limit", "deploy.resources.limits.pids"),
    a(
        "platform",
        "deploy.placement.constraints",
        "becomes node.platform.os/arch constraints; the image's manifest picks the variant",
    ),
    t(
        "ports",
        "ports (long syntax; host_ip and published ranges are reported where approximated)",
    ),
    d("post_start", "Swarm has no lifecycle hooks"),
    d("pre_stop", "Swarm has no lifecycle hooks"),
    d(
        "privileged",
        "ignored by `docker stack deploy`: Swarm services cannot run privileged",
    ),
    d(
        "profiles",
        "Swarm has no profiles: every service active when converting is deployed",
    ),
    d(
        "provider",
        "provider services are run by compose plugins, not by Swarm",
    ),
    d(
        "pull_policy",
        "Swarm resolves and pulls images on every node itself",
    ),
    t("read_only", "read_only"),
    t(
        "restart",
        "deploy.restart_policy (no → none, always → any, on-failure[:N] → on-failure with max_attempts N; unless-stopped → any is reported)",
    ),
    d("runtime", "Swarm services use the node's default runtime"),
    t("scale", "deploy.replicas"),
    t("secrets", "secrets"),
    d("security_opt", "ignored by `docker stack deploy`"),
    a(
        "shm_size",
        "volumes (tmpfs at /dev/shm)",
        "becomes a tmpfs mount of that size on /dev/shm",
    ),
    t("stdin_open", "stdin_open"),
    t("stop_grace_period", "stop_grace_period"),
    t("stop_signal", "stop_signal"),
    d("storage_opt", "Swarm has no storage options"),
    t("sysctls", "sysctls"),
    t(
        "tmpfs",
        "volumes (type tmpfs; only the size option is kept)",
    ),
    t("tty", "tty"),
    t("ulimits", "ulimits"),
    d("use_api_socket", "a compose-only convenience"),
    t("user", "user"),
    d("userns_mode", "ignored by `docker stack deploy`"),
    d("uts", "not in the stack file format"),
    t("volumes", "volumes (long syntax)"),
    d(
        "volumes_from",
        "rejected by `docker stack deploy`: share a named volume instead",
    ),
    t("working_dir", "working_dir"),
    t(
        "top:configs",
        "configs (file paths relative to the stack file; inline content written next to it)",
    ),
    t("top:include", "resolved while loading"),
    d("top:models", "Docker Model Runner is a compose feature"),
    a(
        "top:name",
        "stack name",
        "the stack name is given to `docker stack deploy`; it names the output file",
    ),
    a(
        "top:networks",
        "networks",
        "driver defaults to overlay (bridge becomes overlay); only IPAM subnets kept",
    ),
    a(
        "top:secrets",
        "secrets",
        "file secrets kept; environment secrets become external, created by the plan",
    ),
    t("top:volumes", "volumes"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::mapping::{coverage_problems, to_markdown};

    #[test]
    fn table_covers_every_key_once() {
        assert_eq!(coverage_problems(TABLE), Vec::<String>::new());
    }

    /// `docs/mapping/swarm.md` is generated from the table; regenerate it with
    /// `UPDATE_DOCS=1 cargo test --lib swarm::mapping`.
    #[test]
    fn docs_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/mapping/swarm.md");
        let want = to_markdown("swarm", TABLE);
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap_or(&path))
                .unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(&path, &want).unwrap_or_else(|e| panic!("{e}"));
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/mapping/swarm.md is stale: run UPDATE_DOCS=1 cargo test --lib swarm::mapping"
        );
    }
}
