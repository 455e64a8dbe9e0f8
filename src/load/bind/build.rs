//! Binding of `services.NAME.build`.

use super::scalar::*;
use super::service::{file_refs, hosts_list, ulimits};
use crate::load::node::{At, Node, Value};
use crate::model::{Build, Extensions, SshKey};

/// A string is the short syntax (the context).
pub fn build(n: &Node, p: &At<'_>) -> R<Build> {
    match &n.value {
        Value::Str(s) => {
            return Ok(Build {
                context: Some(s.clone()),
                ..Build::default()
            });
        }
        Value::Map(_) => {}
        _ => return Err(type_err(n, p, "string")),
    }
    let mut b = Build::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "context" => b.context = ostring(v, kp)?,
            "dockerfile" => b.dockerfile = ostring(v, kp)?,
            "dockerfile_inline" => b.dockerfile_inline = ostring(v, kp)?,
            "entitlements" => b.entitlements = strings(v, kp)?,
            "args" => b.args = mapping_with_equals(v, kp)?,
            "ssh" => b.ssh = ssh(v, kp)?,
            "labels" => b.labels = mapping(v, kp)?,
            "cache_from" => b.cache_from = string_or_list(v, kp)?,
            "cache_to" => b.cache_to = string_or_list(v, kp)?,
            "no_cache" => b.no_cache = oboolean(v, kp)?,
            "additional_contexts" => b.additional_contexts = mapping(v, kp)?,
            "network" => b.network = ostring(v, kp)?,
            "provenance" => b.provenance = Some(scalar_string(v, kp, "string or boolean")?),
            "sbom" => b.sbom = Some(scalar_string(v, kp, "string or boolean")?),
            "pull" => b.pull = oboolean(v, kp)?,
            "target" => b.target = ostring(v, kp)?,
            "shm_size" => b.shm_size = bytes(v, kp, "integer or string")?,
            "extra_hosts" => b.extra_hosts = hosts_list(v, kp)?,
            "isolation" => b.isolation = ostring(v, kp)?,
            "privileged" => b.privileged = oboolean(v, kp)?,
            "secrets" => b.secrets = file_refs(v, kp)?,
            "tags" => b.tags = string_or_list(v, kp)?,
            "ulimits" => b.ulimits = ulimits(v, kp)?,
            "platforms" => b.platforms = string_or_list(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    b.extensions = ext;
    Ok(b)
}

/// `ssh`: `{id: path}` or `["default", "id=path"]`.
fn ssh(n: &Node, p: &At<'_>) -> R<Vec<SshKey>> {
    match &n.value {
        Value::Map(m) => m
            .iter()
            .map(|(k, v)| {
                let path = if v.is_null() {
                    None
                } else {
                    Some(scalar_string(v, &p.key(k), "string")?)
                };
                Ok(SshKey {
                    id: k.clone(),
                    path,
                })
            })
            .collect(),
        _ => seq(n, p)?
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let s = string(x, &p.index(i))?;
                match s.split_once('=') {
                    Some((id, path)) => Ok(SshKey {
                        id: id.into(),
                        path: Some(path.into()),
                    }),
                    None if s == "default" => Ok(SshKey { id: s, path: None }),
                    None => Err(err(x, &p.index(i), format!("invalid ssh key {s:?}"))),
                }
            })
            .collect(),
    }
}
