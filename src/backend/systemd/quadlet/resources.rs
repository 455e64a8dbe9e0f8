//! `.network` and `.volume` files: compose's network and volume settings as Quadlet reads
//! them (`pkg/systemd/quadlet/quadlet.go` ConvertNetwork / ConvertVolume), only with the keys
//! the chosen podman knows; what has no Quadlet or podman counterpart is warned about.

use super::stem;
use crate::backend::mapping::ConvertWarning;
use crate::backend::systemd::escape::{directive_value, exec_word};
use crate::backend::systemd::podman::{self, Feature, PodmanVersion};
use crate::diag::Severity;
use crate::model::{Network, Project, Volume};
use serde::Serialize;
use std::borrow::Cow;

#[derive(Serialize, Default)]
pub(super) struct NetworkCtx {
    pub unit: String,
    pub(super) description: String,
    pub(super) name: Option<String>,
    pub(super) driver: Option<String>,
    pub(super) internal: bool,
    pub(super) ipv6: bool,
    pub(super) ipam_driver: Option<String>,
    pub(super) subnets: Vec<String>,
    pub(super) gateways: Vec<String>,
    pub(super) ip_ranges: Vec<String>,
    pub(super) options: Vec<String>,
    pub(super) labels: Vec<String>,
}

#[derive(Serialize, Default)]
pub(super) struct VolumeCtx {
    pub unit: String,
    pub(super) description: String,
    pub(super) name: Option<String>,
    pub(super) driver: Option<String>,
    pub(super) device: Option<String>,
    pub(super) fs_type: Option<String>,
    pub(super) mount_options: Option<String>,
    pub(super) labels: Vec<String>,
    pub(super) podman_args: Vec<String>,
}

/// A value Quadlet copies verbatim into the generated `ExecStart=` (one argument): systemd
/// would expand `%` specifiers and `$` variables there.
fn arg_value(s: &str) -> String {
    directive_value(s).replace('$', "$$")
}

fn warn(
    warnings: &mut Vec<ConvertWarning>,
    key_path: String,
    span: crate::source::Span,
    message: String,
) {
    warnings.push(ConvertWarning {
        severity: Severity::Warning,
        service: None,
        key_path,
        span,
        message,
    });
}

/// The name podman gives a resource: compose's (`<project>_<key>`, or its `name:`), or,
/// before `NetworkName=`/`VolumeName=` (podman 4.7), Quadlet's own `systemd-<file stem>`.
pub(super) fn real_name(
    project: &Project,
    key: &str,
    declared: Option<&str>,
    version: PodmanVersion,
) -> String {
    if version.has(Feature::ResourceName) {
        declared
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}_{key}", project.name))
    } else {
        format!("systemd-{}", stem(project, key))
    }
}

/// Before podman 4.7 Quadlet names networks and volumes itself: the project as the
/// containers must see it (each non-external network and volume under Quadlet's name), and
/// a warning for each compose name that is lost.
pub(super) fn with_quadlet_names<'a>(
    project: &'a Project,
    version: PodmanVersion,
    warnings: &mut Vec<ConvertWarning>,
) -> Cow<'a, Project> {
    if version.has(Feature::ResourceName) {
        return Cow::Borrowed(project);
    }
    let mut p = project.clone();
    // One resource kept under Quadlet's own name: the warning says what the compose name was.
    let mut rename = |kind: &str, key: &str, name: &mut Option<String>, span, lost: &str| {
        let compose = name
            .clone()
            .unwrap_or_else(|| format!("{}_{key}", project.name));
        let quadlet = real_name(project, key, None, version);
        let lost = lost.replace("{compose}", &compose);
        warn(
            warnings,
            format!("{kind}s.{key}"),
            span,
            format!(
                "{kind} {compose} is named {quadlet}{lost}: {}",
                Feature::ResourceName.lacking(version)
            ),
        );
        *name = Some(quadlet);
    };
    for (key, n) in p.networks.iter_mut().filter(|(_, n)| !n.external) {
        rename("network", key, &mut n.name, n.provenance.key_span, "");
    }
    for (key, v) in p.volumes.iter_mut().filter(|(_, v)| !v.external) {
        let lost = " (data in an existing {compose} is not used)";
        rename("volume", key, &mut v.name, v.provenance.key_span, lost);
    }
    Cow::Owned(p)
}

pub(super) fn network(
    project: &Project,
    key: &str,
    n: &Network,
    version: PodmanVersion,
    warnings: &mut Vec<ConvertWarning>,
) -> NetworkCtx {
    let at = |rel: &str| n.provenance.nearest_key_span(rel);
    let path = |rel: &str| format!("networks.{key}.{rel}");
    let mut ctx = NetworkCtx {
        unit: format!("{}.network", stem(project, key)),
        description: directive_value(&format!(
            "network {key} of compose project {}",
            project.name
        )),
        name: version
            .has(Feature::ResourceName)
            .then(|| arg_value(&real_name(project, key, n.name.as_deref(), version))),
        internal: n.internal == Some(true),
        ipv6: n.enable_ipv6 == Some(true),
        labels: n
            .labels
            .iter()
            .map(|(k, v)| exec_word(&format!("{k}={v}")))
            .collect(),
        options: n
            .driver_opts
            .iter()
            .map(|(k, v)| exec_word(&format!("{k}={v}")))
            .collect(),
        ..NetworkCtx::default()
    };
    let (driver, ipam, mut dropped) = podman::network_drivers(n);
    ctx.driver = driver.map(arg_value);
    ctx.ipam_driver = ipam.map(arg_value);
    let pools = podman::pools(n);
    ctx.subnets = pools.subnets.iter().map(|s| arg_value(s)).collect();
    ctx.gateways = pools.gateways.iter().map(|s| arg_value(s)).collect();
    ctx.ip_ranges = pools.ip_ranges.iter().map(|s| arg_value(s)).collect();
    dropped.extend(pools.dropped);
    for (rel, message) in dropped {
        warn(warnings, path(&rel), at(&rel), message);
    }
    ctx
}

pub(super) fn volume(
    project: &Project,
    key: &str,
    v: &Volume,
    version: PodmanVersion,
    warnings: &mut Vec<ConvertWarning>,
) -> VolumeCtx {
    let at = |rel: &str| v.provenance.nearest_key_span(rel);
    let path = |rel: &str| format!("volumes.{key}.{rel}");
    let mut ctx = VolumeCtx {
        unit: format!("{}.volume", stem(project, key)),
        description: directive_value(&format!("volume {key} of compose project {}", project.name)),
        name: version
            .has(Feature::ResourceName)
            .then(|| arg_value(&real_name(project, key, v.name.as_deref(), version))),
        labels: v
            .labels
            .iter()
            .map(|(k, val)| exec_word(&format!("{k}={val}")))
            .collect(),
        ..VolumeCtx::default()
    };
    let local = match v
        .driver
        .as_deref()
        .filter(|d| !d.is_empty() && *d != "local")
    {
        Some(d) if version.has(Feature::VolumeDriver) => {
            ctx.driver = Some(arg_value(d));
            false
        }
        Some(d) => {
            let opts = if v.driver_opts.is_empty() {
                ""
            } else {
                " (its driver_opts too)"
            };
            warn(
                warnings,
                path("driver"),
                at("driver"),
                format!(
                    "dropped for quadlet: the volume uses the local driver, not {d}{opts}: {}",
                    Feature::VolumeDriver.lacking(version)
                ),
            );
            return ctx;
        }
        None => true,
    };
    // Quadlet turns Device=, Type= and Options= into `--opt device= --opt type= --opt o=`,
    // and refuses Type=/Options= without Device=; every other option is passed as is.
    let opts = &v.driver_opts;
    let device = opts.get("device").filter(|d| !d.is_empty());
    let mut rest: Vec<(&String, &String)> = Vec::new();
    for (k, val) in opts {
        match k.as_str() {
            "device" if device.is_some() => ctx.device = Some(arg_value(val)),
            "type" if device.is_some() => ctx.fs_type = Some(arg_value(val)),
            "o" if device.is_some() => ctx.mount_options = Some(arg_value(val)),
            _ => rest.push((k, val)),
        }
    }
    for (k, val) in rest {
        if local && !podman::LOCAL_VOLUME_OPTIONS.contains(&k.to_ascii_lowercase().as_str()) {
            warn(
                warnings,
                path(&format!("driver_opts.{k}")),
                at("driver_opts"),
                format!(
                    "dropped for quadlet: podman's local volume driver refuses the option {k} (\"invalid mount option\")"
                ),
            );
        } else if version.has(Feature::ResourcePodmanArgs) {
            ctx.podman_args
                .push(format!("--opt {}", exec_word(&format!("{k}={val}"))));
        } else {
            warn(
                warnings,
                path(&format!("driver_opts.{k}")),
                at("driver_opts"),
                format!(
                    "dropped for quadlet: {} (Device=, Type= and Options= carry only device, type and o)",
                    Feature::ResourcePodmanArgs.lacking(version)
                ),
            );
        }
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> Project {
        Project {
            name: "p".into(),
            ..Project::default()
        }
    }

    #[test]
    fn a_bind_volume_uses_device_type_and_options() {
        let mut v = Volume::default();
        for (k, val) in [("device", "/mnt/books"), ("o", "bind"), ("type", "none")] {
            v.driver_opts.insert(k.into(), val.into());
        }
        let mut w = Vec::new();
        let c = volume(&project(), "books", &v, PodmanVersion::DEFAULT, &mut w);
        assert_eq!(c.device.as_deref(), Some("/mnt/books"));
        assert_eq!(c.fs_type.as_deref(), Some("none"));
        assert_eq!(c.mount_options.as_deref(), Some("bind"));
        assert!(c.podman_args.is_empty() && w.is_empty());
        assert_eq!(c.name.as_deref(), Some("p_books"));
    }

    #[test]
    fn options_without_a_device_become_opt_arguments_from_4_6() {
        let mut v = Volume::default();
        v.driver_opts.insert("size".into(), "10".into());
        v.driver_opts.insert("o".into(), "uid=1000".into());
        let mut w = Vec::new();
        let c = volume(&project(), "d", &v, PodmanVersion::new(4, 6), &mut w);
        assert_eq!(c.podman_args, vec!["--opt o=uid=1000", "--opt size=10"]);
        assert_eq!(c.mount_options, None);
        let c = volume(&project(), "d", &v, PodmanVersion::new(4, 5), &mut w);
        assert!(c.podman_args.is_empty());
        assert_eq!(w.len(), 2, "{w:?}");
    }

    #[test]
    fn the_volume_driver_and_names_follow_the_version() {
        let mut v = Volume {
            driver: Some("rexray".into()),
            ..Volume::default()
        };
        v.driver_opts.insert("volumetype".into(), "gp2".into());
        let mut w = Vec::new();
        let c = volume(&project(), "d", &v, PodmanVersion::new(4, 8), &mut w);
        assert_eq!(c.driver.as_deref(), Some("rexray"));
        assert_eq!(c.podman_args, vec!["--opt volumetype=gp2"]);
        let c = volume(&project(), "d", &v, PodmanVersion::new(4, 7), &mut w);
        assert_eq!(c.driver, None);
        // The plugin's options go with it: the local driver refuses them.
        assert!(c.podman_args.is_empty());
        assert_eq!(w.len(), 1);
        v.driver = None;
        let c = volume(&project(), "d", &v, PodmanVersion::new(4, 8), &mut w);
        assert!(c.podman_args.is_empty());
        assert_eq!(w.len(), 2, "{w:?}");
        w.clear();
        let c = volume(&project(), "d", &v, PodmanVersion::new(4, 6), &mut w);
        assert_eq!(c.name, None);
        assert_eq!(
            real_name(&project(), "d", None, PodmanVersion::new(4, 6)),
            "systemd-p-d"
        );
    }

    #[test]
    fn network_pools_pair_in_order_and_unknown_drivers_are_dropped() {
        let mut n = Network {
            driver: Some("overlay".into()),
            ..Network::default()
        };
        n.ipam.driver = Some("default".into());
        for (s, g, r) in [
            ("10.1.0.0/24", Some("10.1.0.1"), Some("10.1.0.128/25")),
            ("10.2.0.0/24", None, Some("10.2.0.0/25")),
            ("10.3.0.0/24", Some("10.3.0.1"), None),
        ] {
            n.ipam.config.push(crate::model::IpamPool {
                subnet: Some(s.into()),
                gateway: g.map(str::to_string),
                ip_range: r.map(str::to_string),
                ..Default::default()
            });
        }
        let mut w = Vec::new();
        let c = network(&project(), "n", &n, PodmanVersion::DEFAULT, &mut w);
        assert_eq!(c.driver, None);
        assert_eq!(c.ipam_driver, None);
        assert_eq!(c.subnets.len(), 3);
        assert_eq!(c.gateways, vec!["10.1.0.1"]);
        assert_eq!(c.ip_ranges, vec!["10.1.0.128/25", "10.2.0.0/25"]);
        // overlay, and the third pool's gateway.
        assert_eq!(w.len(), 2, "{w:?}");
        n.ipam.driver = Some("host-local".into());
        let c = network(&project(), "n", &n, PodmanVersion::DEFAULT, &mut Vec::new());
        assert_eq!(c.ipam_driver.as_deref(), Some("host-local"));
    }
}
