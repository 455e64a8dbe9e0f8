//! The podman version the output is written for (`--podman-version X.Y`) and the features
//! that depend on it. Each floor was read from podman's own source at the release tags
//! (`pkg/systemd/quadlet/quadlet.go`: the supported-keys tables and the generator;
//! `cmd/podman/...`: flags) and its release notes; docs/systemd.md lists them with the
//! evidence. Quadlet rejects a key it does not know ("unsupported key"), so a key written
//! for a newer podman does not degrade: the whole unit is not generated. Hence the gates.

use std::fmt;

/// A podman release, major and minor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodmanVersion {
    pub major: u32,
    pub minor: u32,
}

impl PodmanVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        PodmanVersion { major, minor }
    }

    /// The default: podman 4.9, the oldest podman of the current long-term distributions
    /// (Ubuntu 24.04 ships 4.9.3, RHEL 9.4 4.9.4), and the first with every Quadlet key the
    /// plain output needs (`NetworkName=`/`VolumeName=`, `.volume` `Driver=`).
    pub const DEFAULT: PodmanVersion = PodmanVersion::new(4, 9);

    /// Whether this version has `feature`.
    pub fn has(self, feature: Feature) -> bool {
        self >= feature.since()
    }
}

impl Default for PodmanVersion {
    fn default() -> Self {
        PodmanVersion::DEFAULT
    }
}

impl fmt::Display for PodmanVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl std::str::FromStr for PodmanVersion {
    type Err = String;

    /// `4.9`, `5`, or a full `4.9.3` (the patch level decides nothing here).
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.trim().trim_start_matches('v').split('.');
        let num = |p: Option<&str>| -> Result<u32, String> {
            match p {
                None => Ok(0),
                Some(p) => p
                    .parse()
                    .map_err(|_| format!("{s:?} is not a podman version (X.Y)")),
            }
        };
        let major = num(parts.next())?;
        let minor = num(parts.next())?;
        if let Some(patch) = parts.next() {
            num(Some(patch))?;
        }
        if parts.next().is_some() || major == 0 {
            return Err(format!("{s:?} is not a podman version (X.Y)"));
        }
        Ok(PodmanVersion::new(major, minor))
    }
}

/// A version-dependent key or flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// `podman network create --ignore`, `podman volume create --ignore` (4.4).
    CreateIgnore,
    /// `PodmanArgs=` in `.volume` and `.network` files (4.6; `.container` files have it since Quadlet's first release, 4.4).
    ResourcePodmanArgs,
    /// Quadlet `NetworkName=` / `VolumeName=` (4.7).
    ResourceName,
    /// `podman run --sdnotify=healthy` (4.7).
    SdNotifyHealthy,
    /// Quadlet `.volume` `Driver=` (4.8).
    VolumeDriver,
    /// Quadlet `Notify=healthy` (5.0).
    NotifyHealthy,
    /// Quadlet template files, `foo@.container` (5.0).
    Templates,
}

impl Feature {
    /// The first release that has it.
    pub const fn since(self) -> PodmanVersion {
        match self {
            Feature::CreateIgnore => PodmanVersion::new(4, 4),
            Feature::ResourcePodmanArgs => PodmanVersion::new(4, 6),
            Feature::ResourceName | Feature::SdNotifyHealthy => PodmanVersion::new(4, 7),
            Feature::VolumeDriver => PodmanVersion::new(4, 8),
            Feature::NotifyHealthy | Feature::Templates => PodmanVersion::new(5, 0),
        }
    }

    /// What it is, for a warning.
    pub const fn what(self) -> &'static str {
        match self {
            Feature::CreateIgnore => "`network/volume create --ignore`",
            Feature::ResourcePodmanArgs => "Quadlet `PodmanArgs=` in .volume/.network files",
            Feature::ResourceName => "Quadlet `NetworkName=`/`VolumeName=`",
            Feature::SdNotifyHealthy => "`podman run --sdnotify=healthy`",
            Feature::VolumeDriver => "Quadlet `.volume` `Driver=`",
            Feature::NotifyHealthy => "Quadlet `Notify=healthy`",
            Feature::Templates => "Quadlet template units (`name@.container`)",
        }
    }

    /// "needs podman ≥ X.Y (have A.B)", the tail of a warning.
    pub fn lacking(self, have: PodmanVersion) -> String {
        format!(
            "{} needs podman >= {} (--podman-version is {have})",
            self.what(),
            self.since()
        )
    }
}

/// Whether the podman unit of `svc` can let podman itself wait for healthy
/// (`--sdnotify=healthy`, 4.7): podman refuses it without a healthcheck.
pub fn sd_notify_healthy(version: PodmanVersion, svc: &crate::model::Service) -> bool {
    version.has(Feature::SdNotifyHealthy) && has_healthcheck(svc)
}

/// The service has a healthcheck that runs (a test, not disabled). An image's own
/// HEALTHCHECK is not known here.
pub fn has_healthcheck(svc: &crate::model::Service) -> bool {
    svc.healthcheck
        .as_ref()
        .is_some_and(|h| h.disable != Some(true) && h.test.first().is_some_and(|t| t != "NONE"))
}

/// `--sdnotify=conmon` becomes `--sdnotify=healthy`: podman sends READY once the
/// container is healthy ("requires a healthcheck to be set", podman-run(1) `--sdnotify`),
/// so the unit is started, for `After=`, only then.
pub fn notify_when_healthy(run_options: &mut [String]) {
    for o in run_options.iter_mut().filter(|o| *o == "--sdnotify=conmon") {
        *o = "--sdnotify=healthy".into();
    }
}

/// `--subnet`/`--gateway`/`--ip-range` (podman CLI) or `Subnet=`/`Gateway=`/`IPRange=`
/// (Quadlet): podman pairs the i-th gateway and range with the i-th subnet, so a gateway or
/// range is kept only while every earlier pool has one. Also what is dropped, as
/// `(key below the network, message)`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pools {
    pub subnets: Vec<String>,
    pub gateways: Vec<String>,
    pub ip_ranges: Vec<String>,
    pub dropped: Vec<(String, String)>,
}

pub fn pools(n: &crate::model::Network) -> Pools {
    let mut out = Pools::default();
    let mut gateways_ok = true;
    let mut ranges_ok = true;
    for (i, pool) in n.ipam.config.iter().enumerate() {
        let rel = format!("ipam.config[{i}]");
        let Some(subnet) = pool.subnet.as_deref().filter(|s| !s.is_empty()) else {
            if pool.gateway.is_some() || pool.ip_range.is_some() {
                out.dropped.push((
                    rel.clone(),
                    "dropped for podman: a pool without a subnet cannot carry a gateway or range"
                        .into(),
                ));
            }
            gateways_ok = false;
            ranges_ok = false;
            continue;
        };
        out.subnets.push(subnet.to_string());
        match pool.gateway.as_deref().filter(|s| !s.is_empty()) {
            Some(g) if gateways_ok => out.gateways.push(g.to_string()),
            Some(_) => out.dropped.push((
                format!("{rel}.gateway"),
                "dropped for podman: podman pairs gateways with subnets in order and an earlier pool has none".into(),
            )),
            None => gateways_ok = false,
        }
        match pool.ip_range.as_deref().filter(|s| !s.is_empty()) {
            Some(r) if ranges_ok => out.ip_ranges.push(r.to_string()),
            Some(_) => out.dropped.push((
                format!("{rel}.ip_range"),
                "dropped for podman: podman pairs ranges with subnets in order and an earlier pool has none".into(),
            )),
            None => ranges_ok = false,
        }
        if !pool.aux_addresses.is_empty() {
            out.dropped.push((
                format!("{rel}.aux_addresses"),
                "dropped for podman: podman network create has no auxiliary addresses".into(),
            ));
        }
    }
    out
}

/// The IPAM drivers podman accepts (podman-network-create(1) `--ipam-driver`).
pub const IPAM_DRIVERS: &[&str] = &["dhcp", "host-local", "none"];

/// The options podman's local volume driver accepts (`libpod/runtime_volume_common.go`).
pub const LOCAL_VOLUME_OPTIONS: &[&str] = &[
    "device", "o", "type", "uid", "gid", "size", "inodes", "noquota", "copy", "nocopy",
];

/// What podman keeps of a network's driver, IPAM driver and IPv4 setting, and what it
/// drops, as `(key below the network, message)`.
pub fn network_drivers(
    n: &crate::model::Network,
) -> (Option<&str>, Option<&str>, Vec<(String, String)>) {
    let mut dropped = Vec::new();
    let driver = match n.driver.as_deref().filter(|d| !d.is_empty()) {
        Some("overlay") => {
            dropped.push((
                "driver".to_string(),
                "dropped for podman: podman has no overlay driver (it spans Swarm nodes); a bridge network on this host is created instead".to_string(),
            ));
            None
        }
        d => d,
    };
    let ipam = match n.ipam.driver.as_deref().filter(|d| !d.is_empty()) {
        None | Some("default") => None,
        Some(d) if IPAM_DRIVERS.contains(&d) => Some(d),
        Some(d) => {
            dropped.push((
                "ipam.driver".into(),
                format!("dropped for podman: podman's IPAM drivers are dhcp, host-local and none, not {d}; podman chooses one"),
            ));
            None
        }
    };
    if n.enable_ipv4 == Some(false) {
        dropped.push((
            "enable_ipv4".into(),
            "dropped for podman: podman network create has no option to turn IPv4 off".into(),
        ));
    }
    (driver, ipam, dropped)
}

/// `podman network create` for the podman units: `--ignore` from 4.4, before it a check
/// (`podman network exists`) in a constant shell snippet, the name and options as its
/// positional parameters.
pub fn network_create(name: &str, n: &crate::model::Network, version: PodmanVersion) -> String {
    use super::escape::exec_word;
    let word = |flag: &str, v: &str| format!("{flag} {}", exec_word(v));
    let (driver, ipam, _) = network_drivers(n);
    let mut opts: Vec<String> = Vec::new();
    opts.extend(driver.map(|d| word("--driver", d)));
    for (k, v) in &n.driver_opts {
        opts.push(word("--opt", &format!("{k}={v}")));
    }
    if n.internal == Some(true) {
        opts.push("--internal".into());
    }
    if n.enable_ipv6 == Some(true) {
        opts.push("--ipv6".into());
    }
    opts.extend(ipam.map(|d| word("--ipam-driver", d)));
    let p = pools(n);
    opts.extend(p.subnets.iter().map(|s| word("--subnet", s)));
    opts.extend(p.gateways.iter().map(|s| word("--gateway", s)));
    opts.extend(p.ip_ranges.iter().map(|s| word("--ip-range", s)));
    for (k, v) in &n.labels {
        opts.push(word("--label", &format!("{k}={v}")));
    }
    create("network", name, opts, version)
}

/// `podman volume create` for the podman units: a plugin driver's options as given, the
/// local driver's only those it accepts.
pub fn volume_create(name: &str, v: &crate::model::Volume, version: PodmanVersion) -> String {
    use super::escape::exec_word;
    let mut opts: Vec<String> = Vec::new();
    let driver = v
        .driver
        .as_deref()
        .filter(|d| !d.is_empty() && *d != "local");
    if let Some(d) = driver {
        opts.push(format!("--driver {}", exec_word(d)));
    }
    for (k, val) in &v.driver_opts {
        if driver.is_some() || LOCAL_VOLUME_OPTIONS.contains(&k.to_ascii_lowercase().as_str()) {
            opts.push(format!("--opt {}", exec_word(&format!("{k}={val}"))));
        }
    }
    for (k, val) in &v.labels {
        opts.push(format!("--label {}", exec_word(&format!("{k}={val}"))));
    }
    create("volume", name, opts, version)
}

fn create(kind: &str, name: &str, opts: Vec<String>, version: PodmanVersion) -> String {
    use super::escape::exec_word;
    if version.has(Feature::CreateIgnore) {
        let mut w = vec![format!("podman {kind} create --ignore")];
        w.extend(opts);
        w.push(exec_word(name));
        return w.join(" ");
    }
    let script = format!("podman {kind} exists \"$0\" || exec podman {kind} create \"$@\" \"$0\"");
    let mut w = vec![
        "/bin/sh -c".to_string(),
        exec_word(&script),
        exec_word(name),
    ];
    w.extend(opts);
    w.join(" ")
}

/// Warnings for what the podman network and volume units drop.
pub fn resource_warnings(
    project: &crate::model::Project,
) -> Vec<crate::backend::mapping::ConvertWarning> {
    use crate::backend::mapping::ConvertWarning;
    let mut out = Vec::new();
    let mut push = |key_path: String, span, message: String| {
        out.push(ConvertWarning {
            severity: crate::diag::Severity::Warning,
            service: None,
            key_path,
            span,
            message,
        });
    };
    for (key, n) in project.networks.iter().filter(|(_, n)| !n.external) {
        let (_, _, mut dropped) = network_drivers(n);
        dropped.extend(pools(n).dropped);
        for (rel, message) in dropped {
            push(
                format!("networks.{key}.{rel}"),
                n.provenance.nearest_key_span(&rel),
                message,
            );
        }
    }
    for (key, v) in project.volumes.iter().filter(|(_, v)| !v.external) {
        if v.driver
            .as_deref()
            .is_some_and(|d| !d.is_empty() && d != "local")
        {
            continue;
        }
        for k in v.driver_opts.keys() {
            if !LOCAL_VOLUME_OPTIONS.contains(&k.to_ascii_lowercase().as_str()) {
                push(
                    format!("volumes.{key}.driver_opts.{k}"),
                    v.provenance.nearest_key_span("driver_opts"),
                    format!(
                        "dropped for podman: podman's local volume driver refuses the option {k} (\"invalid mount option\")"
                    ),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_order() {
        let v: PodmanVersion = "4.9.3".parse().unwrap_or_default();
        assert_eq!(v, PodmanVersion::new(4, 9));
        assert_eq!("5".parse::<PodmanVersion>(), Ok(PodmanVersion::new(5, 0)));
        assert_eq!(
            "v4.4".parse::<PodmanVersion>(),
            Ok(PodmanVersion::new(4, 4))
        );
        assert!("4.x".parse::<PodmanVersion>().is_err());
        assert!("0.9".parse::<PodmanVersion>().is_err());
        assert!("4.9.1.2".parse::<PodmanVersion>().is_err());
        assert!(PodmanVersion::new(4, 10) > PodmanVersion::new(4, 9));
        assert!(PodmanVersion::new(5, 0) > PodmanVersion::new(4, 10));
    }

    #[test]
    fn each_gate_opens_at_its_release_and_not_before() {
        let cases = [
            (Feature::CreateIgnore, (4, 3), (4, 4)),
            (Feature::ResourcePodmanArgs, (4, 5), (4, 6)),
            (Feature::ResourceName, (4, 6), (4, 7)),
            (Feature::SdNotifyHealthy, (4, 6), (4, 7)),
            (Feature::VolumeDriver, (4, 7), (4, 8)),
            (Feature::NotifyHealthy, (4, 9), (5, 0)),
            (Feature::Templates, (4, 9), (5, 0)),
        ];
        for (f, below, at) in cases {
            assert!(
                !PodmanVersion::new(below.0, below.1).has(f),
                "{f:?} at {below:?}"
            );
            assert!(PodmanVersion::new(at.0, at.1).has(f), "{f:?} at {at:?}");
        }
    }

    #[test]
    fn the_default_has_the_resource_keys_but_not_the_5_0_ones() {
        let d = PodmanVersion::default();
        assert!(d.has(Feature::ResourceName) && d.has(Feature::VolumeDriver));
        assert!(!d.has(Feature::NotifyHealthy) && !d.has(Feature::Templates));
        assert_eq!(
            Feature::Templates.lacking(d),
            "Quadlet template units (`name@.container`) needs podman >= 5.0 (--podman-version is 4.9)"
        );
    }

    #[test]
    fn resources_are_created_idempotently_on_every_version() {
        let n = crate::model::Network::default();
        assert_eq!(
            network_create("p_n", &n, PodmanVersion::new(4, 4)),
            "podman network create --ignore p_n"
        );
        let v = crate::model::Volume::default();
        assert_eq!(
            volume_create("p_v", &v, PodmanVersion::new(4, 3)),
            "/bin/sh -c \"podman volume exists \\\"$$0\\\" || exec podman volume create \\\"$$@\\\" \\\"$$0\\\"\" p_v"
        );
    }

    #[test]
    fn podman_keeps_the_network_settings_it_has() {
        let mut n = crate::model::Network {
            driver: Some("overlay".into()),
            ..Default::default()
        };
        n.ipam.driver = Some("default".into());
        n.ipam.config.push(crate::model::IpamPool {
            subnet: Some("10.1.0.0/24".into()),
            ip_range: Some("10.1.0.128/25".into()),
            ..Default::default()
        });
        n.ipam.config.push(crate::model::IpamPool {
            subnet: Some("10.2.0.0/24".into()),
            gateway: Some("10.2.0.1".into()),
            ..Default::default()
        });
        assert_eq!(
            network_create("p_n", &n, PodmanVersion::DEFAULT),
            "podman network create --ignore --subnet 10.1.0.0/24 --subnet 10.2.0.0/24 --ip-range 10.1.0.128/25 p_n"
        );
        let (_, _, dropped) = network_drivers(&n);
        assert_eq!(dropped.len(), 1);
        assert_eq!(pools(&n).dropped.len(), 1, "the second pool's gateway");
        n.ipam.driver = Some("host-local".into());
        assert_eq!(network_drivers(&n).1, Some("host-local"));
    }
}
