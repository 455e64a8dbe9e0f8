//! Every compose key the model understands, as key patterns (`services.*.ports`). Each
//! backend's mapping table must give exactly one row for each of these (a meta test checks it),
//! so a new key cannot be added without every backend saying what it does with it.

/// Service keys (under `services.*.`), including the parts of `deploy` and `healthcheck` whose
/// support differs between backends. A static, not a const: one array, so the entries
/// [`service_key_for`] returns can be compared by address.
pub static SERVICE_KEYS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy.endpoint_mode",
    "deploy.labels",
    "deploy.mode",
    "deploy.placement.constraints",
    "deploy.placement.max_replicas_per_node",
    "deploy.placement.preferences",
    "deploy.replicas",
    "deploy.resources.limits.cpus",
    "deploy.resources.limits.memory",
    "deploy.resources.limits.pids",
    "deploy.resources.reservations.cpus",
    "deploy.resources.reservations.devices",
    "deploy.resources.reservations.generic_resources",
    "deploy.resources.reservations.memory",
    "deploy.restart_policy",
    "deploy.rollback_config",
    "deploy.update_config",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "labels",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "post_start",
    "pre_stop",
    "privileged",
    "profiles",
    "provider",
    "pull_policy",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volumes",
    "volumes_from",
    "working_dir",
];

/// Top-level keys other than `services`.
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "configs", "include", "models", "name", "networks", "secrets", "volumes",
];

/// The most specific service-key pattern that covers `path` (a key path relative to the
/// service, e.g. `deploy.resources.limits.memory` or `ports[0]`), if any: the entry of
/// [`SERVICE_KEYS`] itself, so equal results are the same pointer.
pub fn service_key_for(path: &str) -> Option<&'static str> {
    // Called for every recorded path of every service by each backend: no allocation, a
    // binary search of the sorted table per dotted prefix, and no longer prefix tried unless
    // some pattern extends this one (only `deploy.` has nested patterns).
    let bare = path.split('[').next().unwrap_or(path);
    let mut found = None;
    let mut end = bare.find('.').unwrap_or(bare.len());
    loop {
        let prefix = bare.get(..end).unwrap_or(bare);
        if let Ok(i) = SERVICE_KEYS.binary_search(&prefix) {
            found = SERVICE_KEYS.get(i).copied();
        }
        let rest = bare.get(end + 1..).unwrap_or("");
        if end >= bare.len() || NESTED_PARENTS.binary_search(&prefix).is_err() {
            return found;
        }
        end += 1 + rest.find('.').unwrap_or(rest.len());
    }
}

/// Whether keys of [`SERVICE_KEYS`] sit below service key `top` (`deploy`, `healthcheck`): then
/// settings under it may belong to different keys.
pub fn has_nested_keys(top: &str) -> bool {
    NESTED_PARENTS.binary_search(&top).is_ok()
}

/// Every proper dotted prefix of a pattern in [`SERVICE_KEYS`] (`deploy`, `deploy.resources`,
/// ...), sorted.
static NESTED_PARENTS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    let mut parents: Vec<&'static str> = SERVICE_KEYS
        .iter()
        .flat_map(|k| k.match_indices('.').filter_map(|(i, _)| k.get(..i)))
        .collect();
    parents.sort_unstable();
    parents.dedup();
    parents
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_and_unique() {
        let mut sorted = SERVICE_KEYS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, SERVICE_KEYS);
    }

    #[test]
    fn most_specific_key_wins() {
        assert_eq!(
            service_key_for("deploy.resources.limits.memory"),
            Some("deploy.resources.limits.memory")
        );
        assert_eq!(service_key_for("ports[1].published"), Some("ports"));
        assert_eq!(service_key_for("healthcheck.interval"), Some("healthcheck"));
        assert_eq!(service_key_for("deploy.resources.limits"), None);
        assert_eq!(service_key_for("x-foo"), None);
        assert_eq!(service_key_for("imagex"), None);
        assert_eq!(service_key_for("image"), Some("image"));
        assert_eq!(service_key_for("deploy.mode"), Some("deploy.mode"));
    }

    /// The plain definition: the longest dotted prefix (before any `[`) that is a pattern.
    fn longest_pattern(path: &str) -> Option<&'static str> {
        let bare = path.split('[').next().unwrap_or(path);
        let ends = bare
            .match_indices('.')
            .map(|(i, _)| i)
            .chain(std::iter::once(bare.len()));
        ends.filter_map(|e| bare.get(..e))
            .filter_map(|p| SERVICE_KEYS.iter().find(|k| **k == p).copied())
            .next_back()
    }

    fn segment() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let known: Vec<String> = SERVICE_KEYS
            .iter()
            .flat_map(|k| k.split('.'))
            .map(str::to_string)
            .collect();
        prop_oneof![proptest::sample::select(known), "[a-z_]{0,6}"]
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_longest_matching_prefix(
            key in proptest::sample::select(SERVICE_KEYS),
            keep in 0usize..5,
            extra in proptest::collection::vec(segment(), 0..3),
            index in proptest::option::of(0u8..3),
        ) {
            // Start from part of a real pattern, so that deep `deploy.` paths come up often.
            let segments: Vec<String> = key
                .split('.')
                .take(keep)
                .map(str::to_string)
                .chain(extra)
                .collect();
            let mut path = segments.join(".");
            if let Some(i) = index {
                path.push_str(&format!("[{i}].x"));
            }
            proptest::prop_assert_eq!(service_key_for(&path), longest_pattern(&path), "{}", path);
        }
    }
}
