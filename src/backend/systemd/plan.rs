//! The install plan of the systemd and Quadlet outputs (`DEPLOY.md` beside the files with
//! `-o DIR`): the versions to check, where the unit files, the env files and secrets
//! (`--env-dir`) and the project tree (`--project-root`) go, the data directories to create,
//! the images to build for build-only services, then `systemctl daemon-reload` and
//! `systemctl enable --now <project>.target`, and how to stop the project.
//!
//! Everything is derived from the project, the options and the names of the files just
//! written, so the plan lists exactly what is in the output directory.

use super::escape::unit_name_part;
use super::{Options, Runtime, podman::Feature};
use crate::backend::OutFile;
use crate::backend::plan::{Step, StepKind, shell_word as sh};
use crate::model::Project;

/// Which output the plan is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Units(Runtime),
    Quadlet,
}

/// The plan for `--to systemd` (docker or podman units).
pub fn systemd(project: &Project, opts: &Options, files: &[OutFile]) -> Vec<Step> {
    steps(project, opts, files, Output::Units(opts.runtime))
}

/// The plan for `--to quadlet`.
pub fn quadlet(project: &Project, opts: &Options, files: &[OutFile]) -> Vec<Step> {
    steps(project, opts, files, Output::Quadlet)
}

fn steps(project: &Project, opts: &Options, files: &[OutFile], out: Output) -> Vec<Step> {
    let dirs = super::HostDirs::new(project, opts);
    let runtime = match out {
        Output::Units(rt) => rt,
        Output::Quadlet => Runtime::Podman,
    };
    let mut steps = vec![versions(project, opts, out)];
    steps.extend(project_tree(project, &dirs.project_root));
    steps.extend(data_dirs(project, &dirs.project_root));
    steps.extend(images(project, runtime, &dirs.project_root));
    steps.extend(env_files(files, &dirs.env));
    steps.extend(etcd_values(project, opts, &dirs.env, out));
    steps.push(unit_files(project, files, out));
    steps.push(start(project, opts, out));
    steps.extend(rollouts(files));
    steps.push(stop(project, out));
    steps
}

/// `--env-from etcd`: etcdctl and its settings on every machine, and the values in etcd.
fn etcd_values(project: &Project, opts: &Options, env: &str, out: Output) -> Option<Step> {
    let from = opts.env_from.as_ref()?;
    if out != Output::Units(Runtime::Docker) {
        return None;
    }
    let to = match &from.prefix {
        Some(p) => format!("etcd:{p}"),
        None => "etcd".to_string(),
    };
    Some(
        Step::new(
            StepKind::Secret,
            "Put the environment in etcd",
            format!(
                "The units read each service's environment from etcd ({}<service>/<NAME>) when an instance starts, with etcdctl and the ETCDCTL_* settings of {}etcd.env (ETCDCTL_ENDPOINTS, certificates); an instance whose values are missing does not start. Install etcdctl on every machine, write that file, and push the values from the project (run again after a change: it writes only what differs; --check says what would). A changed value recreates an instance's container at its next start.",
                from.service_dir(&project.name, "").trim_end_matches('/').to_string() + "/",
                env
            ),
        )
        .commands([
            format!("mkdir -p {}", sh(env.trim_end_matches('/'))),
            format!(
                "printf 'ETCDCTL_ENDPOINTS=%s\\n' http://127.0.0.1:2379 > {}",
                sh(&format!("{env}etcd.env"))
            ),
            format!("transship push-config --to {}", sh(&to)),
        ]),
    )
}

/// The software the units call, and the versions they were written for.
fn versions(project: &Project, opts: &Options, out: Output) -> Step {
    let v = opts.podman_version;
    let (why, commands) = match out {
        Output::Units(Runtime::Docker) => {
            let start_interval = project.services.values().any(|s| {
                s.healthcheck
                    .as_ref()
                    .is_some_and(|h| h.start_interval.is_some())
            });
            let mut why = "The units call `docker` (found on systemd's fixed search path) and need a running Docker Engine (`docker.service`).".to_string();
            if start_interval {
                why.push_str(" A healthcheck uses `start_interval`: `--health-start-interval` needs Docker Engine 25 or later (API 1.44); older engines refuse to start those containers.");
            }
            (
                why,
                vec![
                    "docker version --format '{{.Server.Version}}'".to_string(),
                    "systemctl --version | head -n 1".into(),
                ],
            )
        }
        Output::Units(Runtime::Podman) => (
            format!(
                "The units call `podman` and were written for podman {v} or later (`--podman-version`): flags a newer podman added are left out, with a warning at conversion. Below {} `network/volume create --ignore` does not exist and the units check before creating.",
                Feature::CreateIgnore.since()
            ),
            vec![
                "podman version --format '{{.Client.Version}}'".to_string(),
                "systemctl --version | head -n 1".into(),
            ],
        ),
        Output::Quadlet => (
            format!(
                "Quadlet is podman's systemd generator (podman 4.4 or later); these files were written for podman {v} or later (`--podman-version`): Quadlet refuses a file with a key it does not know, so keys a newer podman added are left out, with a warning at conversion. Quadlet needs cgroup v2."
            ),
            vec![
                "podman version --format '{{.Client.Version}}'".to_string(),
                "stat -fc %T /sys/fs/cgroup   # cgroup2fs".into(),
            ],
        ),
    };
    Step::new(StepKind::ClusterSetup, "Check the container runtime", why).commands(commands)
}

/// The project directory, when a unit reads anything below it (bind mounts, secret and
/// config files, env files of `env_file:` are already folded into the env files).
fn project_tree(project: &Project, root: &str) -> Option<Step> {
    let wd = &project.working_dir;
    let below = |p: &str| crate::backend::below_project(p, wd);
    let reads = project.services.values().any(|s| {
        s.volumes
            .iter()
            .any(|v| v.kind.as_deref() == Some("bind") && v.source.as_deref().is_some_and(below))
    }) || [&project.secrets, &project.configs]
        .iter()
        .any(|defs| defs.values().any(|o| o.file.as_deref().is_some_and(below)));
    if !reads {
        return None;
    }
    Some(
        Step::new(
            StepKind::HostFiles,
            format!("Copy the project directory to {root}"),
            format!(
                "Bind mounts and secret or config files below the project directory are read from {root} on the machine that runs the units (`--project-root`). Run this from the project directory."
            ),
        )
        .commands([
            format!("mkdir -p {}", sh(root)),
            format!("cp -a . {}/", sh(root)),
        ]),
    )
}

/// Bind sources below the project directory that compose would create (`create_host_path`,
/// the short syntax's default): the units create them before each start too; creating them
/// now lets you set owners.
fn data_dirs(project: &Project, root: &str) -> Option<Step> {
    // Host paths outside the project are the machine's own (a socket, /srv/data): the
    // units create them there if missing; a plan written elsewhere cannot know.
    let found = crate::backend::bind_dirs_below_project(project, |src| {
        crate::backend::rebase(src, &project.working_dir, root)
    })?;
    let dirs = &found.dirs;
    let words: Vec<String> = dirs.iter().map(|d| sh(d)).collect();
    Some(
        Step::new(
            StepKind::HostFiles,
            "Create the bind-mounted directories",
            "compose creates a missing bind source as an empty root-owned directory; the units do the same before each start (`ExecStartPre=mkdir -p`), and podman never creates one itself. Create them now to give them the owner the container's user needs.",
        )
        .commands([format!("mkdir -p {}", words.join(" "))])
        .source(found.key, found.span),
    )
}

/// Build-only services run `<project>-<service>`, which no registry has.
fn images(project: &Project, rt: Runtime, root: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for (name, s) in &project.services {
        let Some(b) = s.build.as_ref() else { continue };
        if s.image.as_deref().is_some_and(|i| !i.is_empty()) {
            continue;
        }
        let context = b.context.as_deref().unwrap_or(".");
        let context = crate::backend::rebase(context, &project.working_dir, root);
        let mut cmd = format!(
            "{} build -t {}",
            rt.command(),
            sh(&super::flags::image_of(project, s))
        );
        if let Some(f) = b.dockerfile.as_deref().filter(|f| !f.is_empty()) {
            cmd.push_str(&format!(" -f {}", sh(f)));
        }
        for (k, v) in &b.args {
            let a = match v {
                Some(v) => format!("{k}={v}"),
                None => k.clone(),
            };
            cmd.push_str(&format!(" --build-arg {}", sh(&a)));
        }
        cmd.push_str(&format!(" {}", sh(&context)));
        out.push(
            Step::new(
                StepKind::ClusterSetup,
                format!("Build the image of {name}"),
                format!(
                    "{name} has a `build` and no `image`: the unit runs the local image {} and never pulls it. Build it on the machine that runs the unit (the build context is below the project directory).",
                    super::flags::image_of(project, s)
                ),
            )
            .commands([cmd])
            .source(format!("services.{name}.build"), s.provenance.nearest_key_span("build")),
        );
    }
    out
}

/// The env files, secrets and configs written under `env/`.
fn env_files(files: &[OutFile], env_dir: &str) -> Option<Step> {
    let prefix = format!("{}/", super::ENV_OUT);
    let names: Vec<&str> = files
        .iter()
        .filter_map(|f| f.name.strip_prefix(&prefix))
        .collect();
    if names.is_empty() {
        return None;
    }
    let dir = env_dir.trim_end_matches('/');
    let mut commands = vec![format!("install -d -m 0700 {}", sh(dir))];
    let top: Vec<String> = names
        .iter()
        .filter(|n| !n.contains('/'))
        .map(|n| sh(&format!("{prefix}{n}")))
        .collect();
    if !top.is_empty() {
        commands.push(format!("install -m 0600 {} {}/", top.join(" "), sh(dir)));
    }
    for kind in ["secrets", "configs"] {
        let these: Vec<String> = names
            .iter()
            .filter_map(|n| n.strip_prefix(&format!("{kind}/")))
            .map(|n| sh(&format!("{prefix}{kind}/{n}")))
            .collect();
        if !these.is_empty() {
            commands.push(format!(
                "install -d -m 0700 {}",
                sh(&format!("{dir}/{kind}"))
            ));
            commands.push(format!(
                "install -m 0444 {} {}/",
                these.join(" "),
                sh(&format!("{dir}/{kind}"))
            ));
        }
    }
    Some(
        Step::new(
            StepKind::Secret,
            format!("Install the env files into {dir}"),
            format!(
                "The units read environment values from {dir} (`--env-dir`), never from their own text; env files stay readable by root only. Secret and config files are bind-mounted into the containers, which read them as compose's 0444 (their directory keeps other host users out)."
            ),
        )
        .commands(commands),
    )
}

/// Where the unit files go.
fn unit_files(project: &Project, files: &[OutFile], out: Output) -> Step {
    let ends = |exts: &[&str]| -> Vec<String> {
        files
            .iter()
            .filter(|f| !f.name.contains('/') && exts.iter().any(|e| f.name.ends_with(e)))
            .map(|f| sh(&f.name))
            .collect()
    };
    match out {
        Output::Units(_) => {
            let units = ends(&[".service", ".target"]);
            Step::new(
                StepKind::Submit,
                "Install the unit files",
                "System units go to /etc/systemd/system.",
            )
            .commands([format!(
                "install -m 0644 {} /etc/systemd/system/",
                units.join(" ")
            )])
        }
        Output::Quadlet => {
            let quadlets = ends(&[".container", ".network", ".volume"]);
            let target = sh(&format!("{}.target", unit_name_part(&project.name)));
            Step::new(
                StepKind::Submit,
                "Install the Quadlet files and the project target",
                "Quadlet reads /etc/containers/systemd (rootless: ~/.config/containers/systemd, and `systemctl --user` below); the project target is a plain unit and goes to /etc/systemd/system (rootless: ~/.config/systemd/user). The dry run prints the units Quadlet generates, or why it refuses a file.",
            )
            .commands([
                "install -d /etc/containers/systemd".to_string(),
                format!("install -m 0644 {} /etc/containers/systemd/", quadlets.join(" ")),
                format!("install -m 0644 {target} /etc/systemd/system/"),
                "/usr/lib/systemd/system-generators/podman-system-generator --dryrun > /dev/null".into(),
            ])
        }
    }
}

fn start(project: &Project, opts: &Options, out: Output) -> Step {
    let target = format!("{}.target", unit_name_part(&project.name));
    let mut why = format!(
        "`daemon-reload` reads the new units{}; enabling the project target starts every service now and at boot, in dependency order (a dependency awaited as healthy or completed is waited for).",
        if out == Output::Quadlet {
            " and runs the Quadlet generator"
        } else {
            ""
        }
    );
    if opts.fleet {
        why.push_str(" With --fleet the units are for a fleet cluster instead: fleet schedules only .service (and socket, timer, …) units, so `fleetctl start` each instance; the network and volume units must be installed on every machine.");
    }
    Step::new(StepKind::Submit, "Start the project", why).commands([
        "systemctl daemon-reload".to_string(),
        format!("systemctl enable --now {}", sh(&target)),
    ])
}

/// The rollout scripts (`<prefix>.rollout.sh`): how a new version reaches running
/// instances one batch at a time.
fn rollouts(files: &[OutFile]) -> Option<Step> {
    let scripts: Vec<String> = files
        .iter()
        .filter(|f| f.name.ends_with(".rollout.sh"))
        .map(|f| format!("sh {}", sh(&f.name)))
        .collect();
    if scripts.is_empty() {
        return None;
    }
    Some(
        Step::new(
            StepKind::Submit,
            "Roll out a new version",
            "After converting a new version (a new image tag, new values) and installing the units again (`daemon-reload`), each script restarts its service's instances in batches (`deploy.update_config.parallelism`, default one), waits until each is healthy within its healthcheck's budget and stays so for `monitor` (default 5 s), and stops at the first failure: `failure_action: rollback` restores the failed instance's previous container, `pause` keeps it as `<container>.previous`; the later instances are not touched and the script exits 1 naming the instance. `ROLLOUT_FAILURE_ACTION=rollback|pause|continue` overrides the compose file's choice.",
        )
        .commands(scripts),
    )
}

fn stop(project: &Project, out: Output) -> Step {
    let p = unit_name_part(&project.name);
    let target = format!("{p}.target");
    let pattern = match out {
        Output::Units(_) => format!("{p}-*@*.service"),
        Output::Quadlet => format!("{p}-*.service"),
    };
    Step::new(
        StepKind::Submit,
        "Stop the project",
        "Stopping the target stops every container (they are `PartOf=` it); it is ordered before them, so the command returns once they have stopped. To stop the containers alone, name them with a pattern. `disable` keeps the project from starting at boot.",
    )
    .commands([
        format!("systemctl stop {}", sh(&target)),
        format!("systemctl stop {}", sh(&pattern)),
        format!("systemctl disable {}", sh(&target)),
    ])
}

/// `--fleet`: fleet (CoreOS, archived 2020) schedules only service, socket, device, mount,
/// automount, timer and path units (its "Unit Requirements"): the targets are not for it.
pub fn fleet_warning() -> crate::backend::mapping::ConvertWarning {
    crate::backend::mapping::ConvertWarning {
        severity: crate::diag::Severity::Warning,
        service: None,
        key_path: "services".into(),
        span: crate::source::Span::SYNTHETIC,
        message: "--fleet: fleet cannot submit the project and service targets (it schedules only service, socket, device, mount, automount, timer and path units): `fleetctl start` each instance; the network and volume units, the env files and the project directory must be on every machine, and service-name DNS does not cross machines".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> Project {
        Project {
            name: "shop".into(),
            working_dir: "/work/shop".into(),
            ..Project::default()
        }
    }

    fn file(name: &str) -> OutFile {
        OutFile {
            name: name.into(),
            contents: String::new(),
        }
    }

    #[test]
    fn quadlet_files_and_the_target_go_to_their_own_directories() {
        let files = [
            file("shop.target"),
            file("shop-web.container"),
            file("shop-back.network"),
            file("env/web.env"),
            file("env/secrets/db_password"),
        ];
        let steps = quadlet(&project(), &Options::default(), &files);
        let all: Vec<&str> = steps
            .iter()
            .flat_map(|s| s.commands.iter().map(String::as_str))
            .collect();
        assert!(
            all.contains(
                &"install -m 0644 shop-web.container shop-back.network /etc/containers/systemd/"
            ),
            "{all:#?}"
        );
        assert!(all.contains(&"install -m 0644 shop.target /etc/systemd/system/"));
        assert!(all.contains(&"install -m 0600 env/web.env /etc/shop/"));
        assert!(all.contains(&"install -m 0444 env/secrets/db_password /etc/shop/secrets/"));
        assert!(all.contains(&"systemctl enable --now shop.target"));
        assert_eq!(all.last(), Some(&"systemctl disable shop.target"));
    }

    #[test]
    fn no_env_step_without_env_files_and_the_env_dir_is_honoured() {
        let files = [file("shop.target"), file("shop-web@.service")];
        let opts = Options {
            env_dir: Some("/opt/env".into()),
            ..Options::default()
        };
        let steps = systemd(&project(), &opts, &files);
        assert!(steps.iter().all(|s| s.kind != StepKind::Secret));
        let with_env = [file("env/web.env")];
        let steps = systemd(&project(), &opts, &with_env);
        let env = steps.iter().find(|s| s.kind == StepKind::Secret);
        assert_eq!(
            env.map(|s| s.commands[1].as_str()),
            Some("install -m 0600 env/web.env /opt/env/")
        );
    }
}
