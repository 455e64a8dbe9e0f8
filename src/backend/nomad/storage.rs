//! Storage: named volumes become group `volume`s (host or CSI; CSI with `per_alloc` so each
//! replica of a stateful service gets its own volume) with task `volume_mount`s; small text
//! bind mounts and compose `configs` become `template`s embedded in the job (re-rendered and
//! signalled with the service's reload signal, e.g. SIGHUP), mounted from the task directory;
//! compose `secrets`, and project files whose names look like credentials, are read from
//! the group's Nomad Variables path, never pasted into the job; other bind mounts and tmpfs
//! become docker `mount`s. What the operator must provide (Variables items, volumes, client
//! paths) is recorded for the plan ([`super::plan::Facts`]).

use super::hcl::{attr, literal, text};
use super::plan::{HostPath, Item, Value, VolumeUse};
use super::{Ctx, VolumeType, label};
use crate::backend::notes::Notes;
use crate::diag::Severity;
use crate::model::{FileRef, Service, ServiceVolume};
use hcl::structure::Block;
use std::path::Path;

/// A docker/podman mount (`config.mount`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub kind: &'static str,
    pub source: Option<String>,
    pub target: String,
    pub readonly: bool,
    pub propagation: Option<String>,
    pub tmpfs_size: Option<i64>,
    pub tmpfs_mode: Option<u32>,
}

/// Everything storage adds to a group and its task.
#[derive(Default)]
pub struct Storage {
    pub group_volumes: Vec<Block>,
    pub volume_mounts: Vec<Block>,
    pub templates: Vec<Block>,
    pub mounts: Vec<Mount>,
    /// A host volume with several replicas: keep them on distinct clients.
    pub needs_distinct_hosts: bool,
}

/// The mode and owner of a rendered file: the template's `perms` (Nomad's default is
/// "644"), `uid` and `gid` (Nomad 1.4 or later; template block docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Ownership {
    perms: Option<String>,
    uid: Option<i64>,
    gid: Option<i64>,
}

impl Ownership {
    fn add_to(&self, mut b: hcl::structure::BlockBuilder) -> hcl::structure::BlockBuilder {
        if let Some(p) = &self.perms {
            b = b.add_attribute(attr("perms", literal(p)));
        }
        if let Some(u) = self.uid {
            b = b.add_attribute(attr("uid", u));
        }
        if let Some(g) = self.gid {
            b = b.add_attribute(attr("gid", g));
        }
        b
    }
}

/// `change_mode`: the reload signal when the service has one, else a restart.
fn on_change(b: hcl::structure::BlockBuilder, reload: Option<&str>) -> Block {
    match reload {
        Some(sig) => b
            .add_attribute(attr("change_mode", literal("signal")))
            .add_attribute(attr("change_signal", literal(sig))),
        None => b.add_attribute(attr("change_mode", literal("restart"))),
    }
    .build()
}

/// A template copying `data` verbatim (delimiters that do not occur in it).
fn template(data: &str, destination: &str, reload: Option<&str>, owner: &Ownership) -> Block {
    template_with(data, delimiters(data), destination, reload, owner)
}

/// A template of `data` read with delimiters `delims` (`None`: Go's `{{`/`}}`).
fn template_with(
    data: &str,
    delims: Option<(&str, &str)>,
    destination: &str,
    reload: Option<&str>,
    owner: &Ownership,
) -> Block {
    let mut b = Block::builder("template")
        .add_attribute(attr("data", text(data)))
        .add_attribute(attr("destination", literal(destination)));
    if let Some((l, r)) = delims {
        b = b
            .add_attribute(attr("left_delimiter", literal(l)))
            .add_attribute(attr("right_delimiter", literal(r)));
    }
    on_change(owner.add_to(b), reload)
}

/// A template rendering item `key` of the Nomad Variable at `path` to `destination`.
fn variable_file(
    path: &str,
    key: &str,
    destination: &str,
    reload: Option<&str>,
    owner: &Ownership,
) -> Block {
    let b = Block::builder("template")
        .add_attribute(attr("data", literal(&variable_template(path, key))))
        .add_attribute(attr("destination", literal(destination)));
    on_change(owner.add_to(b), reload)
}

/// A project file name that looks like it holds a credential (`*password*`, `*secret*`,
/// `*token*`, `*.key`, `*.pem`, an OpenSSH private key `id_rsa*`...; a `.pub` public key is
/// not one). Such a file is read from Nomad Variables rather than embedded: anyone who
/// can read the job (`read-job`) reads its templates (review nomad.md, finding 7).
pub fn looks_like_credential(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    if n.ends_with(".pub") {
        return false;
    }
    ["password", "secret", "token"]
        .iter()
        .any(|w| n.contains(w))
        || n.ends_with(".key")
        || n.ends_with(".pem")
        || ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"]
            .iter()
            .any(|p| n.starts_with(p))
}

/// The mode a bind-mounted project file keeps: `perms = "755"` when it is executable
/// (a script used as the command fails with "permission denied" at Nomad's default 644,
/// review nomad.md finding 13), else Nomad's default. Only the exec bit is carried: git
/// records a file as 644 or 755 and nothing else, so other bits come from the checkout's
/// umask, and output must not depend on the machine that converts.
fn kept_mode(file: &Path) -> Ownership {
    Ownership {
        perms: executable(file).then(|| "755".to_string()),
        ..Ownership::default()
    }
}

#[cfg(unix)]
fn executable(file: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(file).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn executable(_: &Path) -> bool {
    false
}

/// Template delimiters that do not occur in `data`, so the file is copied verbatim (Nomad
/// renders templates with Go's text/template, whose default `{{` would be interpreted).
pub(super) fn delimiters(data: &str) -> Option<(&'static str, &'static str)> {
    if !data.contains("{{") {
        return None;
    }
    [
        ("[[", "]]"),
        ("<%=", "%>"),
        ("{{transship:", ":transship}}"),
        ("\u{1}", "\u{2}"),
    ]
    .into_iter()
    .find(|(l, _)| !data.contains(l))
}

/// The task-directory path a container path is rendered to: `local/<path without the />`.
fn local_path(target: &str) -> String {
    let clean: Vec<&str> = target
        .split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .collect();
    format!("local/{}", clean.join("/"))
}

/// The service's reload signal: `x-transship.reload_signal` / `x-nomad.reload_signal`.
pub fn reload_signal(svc: &Service) -> Option<String> {
    super::service_ext(svc, "reload_signal")
        .and_then(|v| v.as_str())
        .map(|s| {
            let s = s.trim().to_ascii_uppercase();
            if s.starts_with("SIG") {
                s
            } else {
                format!("SIG{s}")
            }
        })
}

/// Volumes, bind mounts, tmpfs, configs and secrets of `svc`.
pub fn storage(ctx: &Ctx, svc: &Service, count: i64, notes: &mut Notes) -> Storage {
    let mut st = Storage::default();
    let reload = reload_signal(svc);
    // label, source, read-only, external, the first mount's key
    let mut group_volumes: Vec<(String, String, bool, bool, String)> = Vec::new();
    let mut volume_index: std::collections::HashMap<String, usize> =
        std::collections::HashMap::new();
    for (i, v) in svc.volumes.iter().enumerate() {
        let path = format!("volumes[{i}]");
        let Some(target) = v.target.clone() else {
            continue;
        };
        let ro = v.read_only == Some(true);
        match v.kind.as_deref() {
            Some("volume") => match v.source.as_deref().filter(|s| !s.is_empty()) {
                Some(src) => {
                    let (real, external) = ctx
                        .project
                        .volumes
                        .get(src)
                        .map(|vol| {
                            (
                                vol.name.clone().unwrap_or_else(|| src.to_string()),
                                vol.external,
                            )
                        })
                        .unwrap_or_else(|| (src.to_string(), false));
                    let vlabel = label(src);
                    match volume_index
                        .get(&vlabel)
                        .and_then(|&i| group_volumes.get_mut(i))
                    {
                        Some(g) => g.2 &= ro,
                        None => {
                            volume_index.insert(vlabel.clone(), group_volumes.len());
                            group_volumes.push((vlabel.clone(), real, ro, external, path.clone()));
                        }
                    }
                    let mut m = Block::builder("volume_mount")
                        .add_attribute(attr("volume", literal(&vlabel)))
                        .add_attribute(attr("destination", literal(&target)));
                    if ro {
                        m = m.add_attribute(attr("read_only", true));
                    }
                    st.volume_mounts.push(m.build());
                }
                None => st.mounts.push(Mount {
                    kind: "volume",
                    source: None,
                    target,
                    readonly: ro,
                    propagation: None,
                    tmpfs_size: None,
                    tmpfs_mode: None,
                }),
            },
            Some("bind") => bind(
                ctx,
                v,
                &target,
                ro,
                reload.as_deref(),
                &path,
                &mut st,
                notes,
            ),
            Some("tmpfs") => st.mounts.push(Mount {
                kind: "tmpfs",
                source: None,
                target,
                readonly: false,
                propagation: None,
                tmpfs_size: v.tmpfs.as_ref().and_then(|t| t.size).map(|s| s.0),
                tmpfs_mode: v.tmpfs.as_ref().and_then(|t| t.mode),
            }),
            other => notes.warn(
                Severity::Warning,
                &path,
                format!(
                    "dropped for nomad: {} mounts have no Nomad equivalent",
                    other.unwrap_or("untyped")
                ),
            ),
        }
    }
    for t in &svc.tmpfs {
        let (target, opts) = t.split_once(':').unwrap_or((t.as_str(), ""));
        let size = opts
            .split(',')
            .find_map(|o| o.strip_prefix("size="))
            .and_then(|s| crate::model::ByteSize::parse(s).ok())
            .map(|b| b.0);
        st.mounts.push(Mount {
            kind: "tmpfs",
            source: None,
            target: target.to_string(),
            readonly: false,
            propagation: None,
            tmpfs_size: size,
            tmpfs_mode: None,
        });
    }
    for (vlabel, source, ro, external, key) in group_volumes {
        ctx.facts.volume(VolumeUse {
            service: svc.name.clone(),
            key,
            label: vlabel.clone(),
            external,
        });
        let mut b = Block::builder("volume")
            .add_label(vlabel.as_str())
            .add_attribute(attr(
                "type",
                literal(match ctx.opts.volume_type {
                    VolumeType::Host => "host",
                    VolumeType::Csi => "csi",
                }),
            ))
            .add_attribute(attr("source", literal(&source)));
        if ro {
            b = b.add_attribute(attr("read_only", true));
        }
        if ctx.opts.volume_type == VolumeType::Csi {
            b = b
                .add_attribute(attr(
                    "access_mode",
                    literal(if ro {
                        "single-node-reader-only"
                    } else {
                        "single-node-writer"
                    }),
                ))
                .add_attribute(attr("attachment_mode", literal("file-system")));
            if count > 1 && !external {
                b = b.add_attribute(attr("per_alloc", true));
                notes.warn(
                    Severity::Info,
                    "volumes",
                    format!(
                        "{count} replicas with volume {vlabel}: per_alloc gives each replica its own CSI volume ({source}[0] .. {source}[{}]); create them before running the job",
                        count - 1
                    ),
                );
            }
        } else if count > 1 {
            st.needs_distinct_hosts = true;
            notes.warn(
                Severity::Warning,
                "volumes",
                format!(
                    "{count} replicas with host volume {vlabel}: each replica runs on its own client with that client's copy of {source} (distinct_hosts); use --volume-type csi for per-replica volumes"
                ),
            );
        }
        st.group_volumes.push(b.build());
    }
    let mut from_variables: Option<String> = None;
    for (i, r) in svc.configs.iter().enumerate() {
        if file_ref(ctx, svc, r, false, i, reload.as_deref(), &mut st, notes) {
            from_variables.get_or_insert_with(|| format!("configs[{i}]"));
        }
    }
    for (i, r) in svc.secrets.iter().enumerate() {
        if file_ref(ctx, svc, r, true, i, reload.as_deref(), &mut st, notes) {
            from_variables.get_or_insert_with(|| format!("secrets[{i}]"));
        }
    }
    // One note per service: the plan (DEPLOY.md) gives the one command that puts them.
    if let Some(key) = from_variables {
        notes.warn(
            Severity::Info,
            &key,
            format!(
                "secrets and configs are read from Nomad Variables at {}: see DEPLOY.md (written with -o DIR) for the nomad var put that stores them",
                group_variables_path(ctx)
            ),
        );
    }
    st
}

#[allow(clippy::too_many_arguments)]
fn bind(
    ctx: &Ctx,
    v: &ServiceVolume,
    target: &str,
    ro: bool,
    reload: Option<&str>,
    path: &str,
    st: &mut Storage,
    notes: &mut Notes,
) {
    let Some(source) = v.source.as_deref() else {
        return;
    };
    let propagation = v.bind.as_ref().and_then(|b| b.propagation.clone());
    // Only the project's own files travel in the job; any other host path names a path on
    // the client, and reading it here would copy this machine's file instead.
    let in_project = crate::backend::below_project(source, &ctx.project.working_dir);
    if let Some(files) = in_project
        .then(|| ctx.analysis.files.read(Path::new(source)))
        .flatten()
    {
        let base = local_path(target);
        let single = files.len() == 1 && files.first().is_some_and(|(r, _)| r.is_empty());
        // A directory whose own name looks like a credential (`./secrets`) holds them.
        let credential_dir = !single
            && Path::new(source)
                .file_name()
                .is_some_and(|n| looks_like_credential(&n.to_string_lossy()));
        for (rel, data) in files.iter() {
            let dest = if rel.is_empty() {
                base.clone()
            } else {
                format!("{base}/{rel}")
            };
            let file = if rel.is_empty() {
                source.to_string()
            } else {
                format!("{source}/{rel}")
            };
            let name = Path::new(&file)
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let owner = kept_mode(Path::new(&file));
            if credential_dir || looks_like_credential(&name) {
                credential_file(ctx, &file, &name, &dest, reload, &owner, path, st, notes);
                continue;
            }
            match super::rendered::render_file(notes.service, ctx.wiring, path, rel, data) {
                Some((rendered, (l, r))) => {
                    st.templates.push(template_with(
                        &rendered,
                        (l != "{{").then_some((l, r)),
                        &dest,
                        reload,
                        &owner,
                    ));
                }
                None => st.templates.push(template(data, &dest, reload, &owner)),
            }
        }
        if files.is_empty() {
            notes.warn(
                Severity::Warning,
                path,
                "the bind-mounted directory is empty: an empty directory is mounted".into(),
            );
        }
        if single && reload.is_some() {
            notes.warn(
                Severity::Warning,
                path,
                "a single-file bind mount is not updated in place when Nomad re-renders it: mount its directory so the reload signal sees the new file".into(),
            );
        }
        st.mounts.push(Mount {
            kind: "bind",
            source: Some(base),
            target: target.to_string(),
            readonly: true,
            propagation: None,
            tmpfs_size: None,
            tmpfs_mode: None,
        });
        if !ro {
            notes.warn(
                Severity::Info,
                path,
                "embedded as a template and mounted read-only: writes in the container no longer reach the host".into(),
            );
        }
        return;
    }
    // Name the path the job mounts on the client, not this checkout's: the operator creates
    // that one.
    let root = crate::backend::project_root(ctx.project, ctx.opts.project_root.as_deref());
    let client = crate::backend::rebase(source, &ctx.project.working_dir, &root);
    notes.warn(
        Severity::Warning,
        path,
        format!(
            "approximated for nomad: host bind mount of {client} on the client: the path must exist on every client and the client must allow docker volumes (plugin \"docker\" {{ config {{ volumes {{ enabled = true }} }} }})"
        ),
    );
    ctx.facts.host_path(HostPath {
        service: notes.service.name.clone(),
        key: path.to_string(),
        local: source.to_string(),
        client: client.clone(),
        in_project,
    });
    st.mounts.push(Mount {
        kind: "bind",
        source: Some(client),
        target: target.to_string(),
        readonly: ro,
        propagation,
        tmpfs_size: None,
        tmpfs_mode: None,
    });
}

/// A bind-mounted project file that looks like a credential: rendered from the group's
/// Nomad Variables path like a compose secret (the plan puts it there), not embedded.
#[allow(clippy::too_many_arguments)]
fn credential_file(
    ctx: &Ctx,
    file: &str,
    name: &str,
    dest: &str,
    reload: Option<&str>,
    owner: &Ownership,
    path: &str,
    st: &mut Storage,
    notes: &mut Notes,
) {
    let vpath = group_variables_path(ctx);
    let shown = Path::new(file)
        .strip_prefix(&ctx.project.working_dir)
        .map(|p| format!("./{}", p.display()))
        .unwrap_or_else(|_| file.to_string());
    let key = ctx.facts.item(Item {
        path: vpath.clone(),
        key: label(name).replace('-', "_"),
        value: Value::File(file.to_string()),
        service: notes.service.name.clone(),
        key_path: path.to_string(),
        what: "a bind-mounted project file that looks like a credential".into(),
    });
    st.templates
        .push(variable_file(&vpath, &key, dest, reload, owner));
    notes.warn(
        Severity::Warning,
        path,
        format!(
            "{shown} looks like a credential, so it is not embedded in the job (anyone who may read the job reads its templates): it is read from Nomad Variables at {vpath}, key {key}; see DEPLOY.md (written with -o DIR) for the nomad var put"
        ),
    );
}

/// The Nomad Variables path of a task's own values (its `env_file` variables). A task's
/// workload identity may read exactly `nomad/jobs`, `nomad/jobs/<job>`,
/// `nomad/jobs/<job>/<group>` and `nomad/jobs/<job>/<group>/<task>` without an ACL policy
/// (acl/acl.go `matchingVariablesCapabilitySet`; nothing deeper, so not `<task>/env`).
pub fn task_variables_path(ctx: &Ctx, task: &str) -> String {
    format!("nomad/jobs/{}/{}/{}", ctx.job, ctx.group, task)
}

/// The Nomad Variables path of the files a group's tasks mount (compose secrets and
/// configs): the group's own path, so they never share a path with the env template,
/// which exports every item of the task path as an environment variable, and a secret
/// several tasks of the group mount is put once.
pub fn group_variables_path(ctx: &Ctx) -> String {
    format!("nomad/jobs/{}/{}", ctx.job, ctx.group)
}

/// A template reading key `key` of the task's Nomad Variables.
fn variable_template(path: &str, key: &str) -> String {
    format!(
        "{{{{ with nomadVar \"{path}\" }}}}{{{{ index . \"{key}\" }}}}{{{{ end }}}}",
        path = path.replace('"', ""),
        key = key.replace('"', "")
    )
}

/// What a compose secret or config renders: its text, or an item of a Nomad Variable.
enum Embed {
    Text(String),
    /// (path, key)
    Variable(String, String),
}

/// A compose `uid`/`gid` as the template's integer attribute; compose takes a numeric id
/// (compose spec: "the numeric uid or gid"), so anything else is dropped with a warning.
fn numeric_id(id: Option<&str>, path: &str, notes: &mut Notes) -> Option<i64> {
    let id = id.map(str::trim).filter(|s| !s.is_empty())?;
    match id.parse::<i64>() {
        Ok(n) if n >= 0 => Some(n),
        _ => {
            notes.warn(
                Severity::Warning,
                path,
                format!("dropped for nomad: {id:?} is not a numeric id"),
            );
            None
        }
    }
}

/// The template and mount of one compose secret or config; true when it is read from
/// Nomad Variables.
#[allow(clippy::too_many_arguments)]
fn file_ref(
    ctx: &Ctx,
    svc: &Service,
    r: &FileRef,
    secret: bool,
    i: usize,
    reload: Option<&str>,
    st: &mut Storage,
    notes: &mut Notes,
) -> bool {
    let Some(source) = r.source.as_deref() else {
        return false;
    };
    let section = if secret { "secrets" } else { "configs" };
    let path = format!("{section}[{i}]");
    let target = r.target.clone().unwrap_or_else(|| {
        if secret {
            format!("/run/secrets/{source}")
        } else {
            format!("/{source}")
        }
    });
    let target = if secret && !target.starts_with('/') {
        format!("/run/secrets/{target}")
    } else {
        target
    };
    // Compose's default mode for secrets and configs is 0444, world-readable and never
    // writable (compose spec, services `secrets`/`configs` long syntax: "The default value
    // is world-readable permissions (mode 0444)"); Nomad's template default is 644.
    let owner = Ownership {
        perms: Some(
            r.mode
                .map_or_else(|| "444".to_string(), |m| format!("{:o}", m.0)),
        ),
        uid: numeric_id(r.uid.as_deref(), &format!("{path}.uid"), notes),
        gid: numeric_id(r.gid.as_deref(), &format!("{path}.gid"), notes),
    };
    let objects = if secret {
        &ctx.project.secrets
    } else {
        &ctx.project.configs
    };
    let obj = objects.get(source);
    let dest_dir = if secret { "secrets" } else { "local" };
    let dest = format!("{dest_dir}/{}", label(source));
    let content: Option<String> = if secret {
        None
    } else {
        obj.and_then(|o| {
            o.content.clone().or_else(|| {
                let f = o.file.as_deref()?;
                let files = ctx.analysis.files.read(Path::new(f))?;
                match files.as_slice() {
                    [(rel, text)] if rel.is_empty() => Some(text.clone()),
                    _ => None,
                }
            })
        })
    };
    let from_variables = content.is_none();
    let data = match content {
        Some(c) => Embed::Text(c),
        None => {
            let vpath = group_variables_path(ctx);
            let value = match obj {
                Some(o) if o.file.is_some() => Value::File(o.file.clone().unwrap_or_default()),
                Some(o) if o.environment.is_some() => {
                    Value::Env(o.environment.clone().unwrap_or_default())
                }
                _ => Value::Unknown,
            };
            let key = ctx.facts.item(Item {
                path: vpath.clone(),
                key: label(source).replace('-', "_"),
                value,
                service: svc.name.clone(),
                key_path: path.clone(),
                what: format!(
                    "{} {source}{}",
                    if secret { "secret" } else { "config" },
                    if obj.is_some_and(|o| o.external) {
                        " (external)"
                    } else {
                        ""
                    }
                ),
            });
            Embed::Variable(vpath, key)
        }
    };
    if reload.is_some() && !secret {
        notes.warn(
            Severity::Warning,
            &path,
            format!("{target} is mounted as a single file: a re-rendered file is not seen through it, so the reload signal finds the old content; mount a directory of configs instead"),
        );
    }
    st.templates.push(match data {
        Embed::Text(text) => template(&text, &dest, reload, &owner),
        Embed::Variable(vpath, key) => variable_file(&vpath, &key, &dest, reload, &owner),
    });
    st.mounts.push(Mount {
        kind: "bind",
        source: Some(dest),
        target,
        readonly: true,
        propagation: None,
        tmpfs_size: None,
        tmpfs_mode: None,
    });
    from_variables
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn only_the_exec_bit_of_a_project_file_is_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("start.sh");
        std::fs::write(&file, "#!/bin/sh\n").unwrap_or_else(|e| panic!("{e}"));
        let perms = |mode: u32| {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode))
                .unwrap_or_else(|e| panic!("{e}"));
            kept_mode(&file).perms
        };
        assert_eq!(perms(0o755), Some("755".to_string()));
        assert_eq!(perms(0o700), Some("755".to_string()));
        assert_eq!(perms(0o644), None);
        assert_eq!(perms(0o664), None, "a umask-dependent mode is not carried");
        assert_eq!(kept_mode(&dir.path().join("missing")).perms, None);
    }

    #[test]
    fn credential_names_are_recognised() {
        for name in [
            "db_password.txt",
            "registry-db.sgadmin.PASSWORD",
            "client_secret",
            "github-token",
            "server.key",
            "tls.pem",
            "id_rsa",
            "id_ed25519",
        ] {
            assert!(looks_like_credential(name), "{name}");
        }
        for name in ["nginx.conf", "id_rsa.pub", "keys.txt", "start.sh"] {
            assert!(!looks_like_credential(name), "{name}");
        }
    }

    #[test]
    fn delimiters_avoid_the_content() {
        assert_eq!(delimiters("plain"), None);
        assert_eq!(delimiters("{{ x }}"), Some(("[[", "]]")));
        assert_eq!(delimiters("{{ x }} [[ y ]]"), Some(("<%=", "%>")));
    }

    #[test]
    fn local_paths_stay_inside_the_task_dir() {
        assert_eq!(local_path("/etc/nginx/conf.d"), "local/etc/nginx/conf.d");
        assert_eq!(local_path("/../x/./y"), "local/x/y");
    }

    #[test]
    fn variable_templates_name_path_and_key() {
        assert_eq!(
            variable_template("nomad/jobs/j/g/t", "db_password"),
            "{{ with nomadVar \"nomad/jobs/j/g/t\" }}{{ index . \"db_password\" }}{{ end }}"
        );
    }
}
