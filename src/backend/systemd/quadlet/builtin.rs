//! The built-in Quadlet templates (`templates/quadlet-*.tera`) written out in Rust: the same
//! text without tera's parser, which took a millisecond, most of a small project's
//! conversion. A template given in `--templates DIR` is still rendered by tera; the
//! `builtin_templates_match_tera` test renders every Quadlet fixture both ways.
//!
//! Each line below mirrors the template's: tera treats an empty string, `None`, `false` and
//! an empty list as false in `{% if %}`.

use super::resources::{NetworkCtx, VolumeCtx};
use super::{ContainerCtx, TargetCtx};
use crate::backend::systemd::render::Builtin;
use std::fmt::Write;

fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

/// `KEY=value` lines, one per value.
fn each(out: &mut String, key: &str, values: &[String]) {
    for v in values {
        let _ = writeln!(out, "{key}={v}");
    }
}

/// The lines a `.network` or `.volume` file starts with, up to its own section's header.
fn resource_head(unit: &str, kind: &str, section: &str, description: &str) -> String {
    let service = unit.replace(&format!(".{kind}"), &format!("-{kind}.service"));
    format!(
        "# {unit}: Podman Quadlet {kind}; Quadlet generates {service}.\n[Unit]\nDescription={description}\n\n[{section}]\n"
    )
}

impl Builtin for TargetCtx {
    const TEMPLATE: &'static str = "quadlet-target.tera";

    fn render_builtin(&self) -> String {
        let unit = &self.unit;
        let mut out = format!(
            "# {unit}: every container of the compose project; a plain systemd unit (install\n\
             # it beside the units, not among the Quadlet files). Start the project with:\n\
             #   systemctl enable --now {unit}\n\
             # It is ordered before its containers, so that stopping it returns once they have stopped.\n\
             [Unit]\n\
             Description={}\n",
            self.description
        );
        if !self.wants.is_empty() {
            let wants = self.wants.join(" ");
            let _ = write!(out, "Wants={wants}\nBefore={wants}\n");
        }
        out.push_str("\n[Install]\nWantedBy=default.target\n");
        out
    }
}

impl Builtin for ContainerCtx {
    const TEMPLATE: &'static str = "quadlet-container.tera";

    fn render_builtin(&self) -> String {
        let mut out = String::with_capacity(1024);
        let _ = write!(
            out,
            "# {}: Podman Quadlet container; Quadlet generates {}.\n[Unit]\nDescription={}\nPartOf={}\n",
            self.unit,
            self.unit.replace(".container", ".service"),
            self.description,
            self.project_target
        );
        each(&mut out, "Requires", &self.requires);
        each(&mut out, "Wants", &self.wants);
        let _ = writeln!(out, "After={}", self.after.join(" "));
        each(&mut out, "RequiresMountsFor", &self.requires_mounts_for);
        if let Some((burst, interval)) = &self.start_limit {
            let _ = write!(
                out,
                "StartLimitBurst={burst}\nStartLimitIntervalSec={interval}\n"
            );
        }
        let _ = write!(
            out,
            "\n[Container]\nImage={}\nContainerName={}\n",
            self.image, self.container_name
        );
        if self.notify_healthy {
            out.push_str("Notify=healthy\n");
        }
        each(&mut out, "PodmanArgs", &self.podman_args);
        if !self.exec.is_empty() {
            let _ = writeln!(out, "Exec={}", self.exec.join(" "));
        }
        out.push_str("\n[Service]\n");
        if self.oneshot {
            out.push_str(
                "# A job: started once it has exited successfully (podman-systemd.unit(5), \"Service Type\").\n\
                 Type=oneshot\nRemainAfterExit=yes\n",
            );
        }
        if let Some(file) = set(&self.environment_file) {
            let _ = write!(
                out,
                "# systemd reads the values; PodmanArgs=--env NAME passes each one to the container.\n\
                 EnvironmentFile={file}\n"
            );
        }
        each(&mut out, "ExecStartPre", &self.pre_start);
        each(&mut out, "ExecStartPost", &self.post_start);
        let _ = writeln!(out, "Restart={}", self.restart);
        if let Some(sec) = set(&self.restart_sec) {
            let _ = writeln!(out, "RestartSec={sec}");
        }
        let _ = write!(
            out,
            "TimeoutStartSec={}\nTimeoutStopSec={}\n",
            self.timeout_start_sec, self.timeout_stop_sec
        );
        if let Some(signal) = set(&self.reload_signal) {
            let _ = writeln!(
                out,
                "ExecReload=/usr/bin/podman kill -s {signal} {}",
                self.container_name
            );
        }
        out.push_str("\n[Install]\n");
        match set(&self.wanted_by) {
            Some(target) => {
                let _ = writeln!(out, "WantedBy={target}");
            }
            None => {
                let _ = writeln!(
                    out,
                    "# A template: {} wants its instances.",
                    self.project_target
                );
            }
        }
        out
    }
}

impl Builtin for NetworkCtx {
    const TEMPLATE: &'static str = "quadlet-network.tera";

    fn render_builtin(&self) -> String {
        let mut out = resource_head(&self.unit, "network", "Network", &self.description);
        if let Some(name) = set(&self.name) {
            let _ = writeln!(out, "NetworkName={name}");
        }
        if let Some(driver) = set(&self.driver) {
            let _ = writeln!(out, "Driver={driver}");
        }
        if self.internal {
            out.push_str("Internal=true\n");
        }
        if self.ipv6 {
            out.push_str("IPv6=true\n");
        }
        if let Some(driver) = set(&self.ipam_driver) {
            let _ = writeln!(out, "IPAMDriver={driver}");
        }
        each(&mut out, "Subnet", &self.subnets);
        each(&mut out, "Gateway", &self.gateways);
        each(&mut out, "IPRange", &self.ip_ranges);
        each(&mut out, "Options", &self.options);
        each(&mut out, "Label", &self.labels);
        // The template's last line is empty.
        out.push('\n');
        out
    }
}

impl Builtin for VolumeCtx {
    const TEMPLATE: &'static str = "quadlet-volume.tera";

    fn render_builtin(&self) -> String {
        let mut out = resource_head(&self.unit, "volume", "Volume", &self.description);
        for (key, value) in [
            ("VolumeName", &self.name),
            ("Driver", &self.driver),
            ("Device", &self.device),
            ("Type", &self.fs_type),
            ("Options", &self.mount_options),
        ] {
            if let Some(v) = set(value) {
                let _ = writeln!(out, "{key}={v}");
            }
        }
        each(&mut out, "Label", &self.labels);
        each(&mut out, "PodmanArgs", &self.podman_args);
        out.push('\n');
        out
    }
}
