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
}
