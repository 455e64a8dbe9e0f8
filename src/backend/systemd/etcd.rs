//! `--env-from etcd[:PREFIX]`: the units read each service's environment from etcd when an
//! instance starts, instead of from an env file pasted on every machine (the fleet-era
//! pattern: one change in the cluster store for the whole cluster).
//!
//! Keys are `<PREFIX>/<service>/<NAME>` (PREFIX defaults to `/environment/<project>`), one
//! value each, written by `transship push-config`. The create step becomes one shell
//! script ([`FETCH_AND_CREATE`]) that reads every name with `etcdctl get`, exports it, and
//! creates the container with `--env NAME` as before: values travel through the process
//! environment only (never a file, never an argument), byte for byte. The config hash the
//! unit compares gains a digest of the fetched values, so a changed value recreates the
//! container as a changed env file does. `ETCDCTL_*` settings (endpoints, certificates)
//! come from `<env-dir>/etcd.env`.

/// Where a project's values live in etcd.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvFrom {
    /// `None`: `/environment/<project>`.
    pub prefix: Option<String>,
}

/// A bad `--env-from` value.
#[derive(Debug, thiserror::Error)]
#[error("--env-from {0:?}: expected etcd or etcd:/PREFIX (an absolute key prefix)")]
pub struct BadEnvFrom(String);

impl std::str::FromStr for EnvFrom {
    type Err = BadEnvFrom;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadEnvFrom(s.to_string());
        match s.split_once(':') {
            None if s == "etcd" => Ok(EnvFrom { prefix: None }),
            Some(("etcd", p))
                if p.starts_with('/')
                    && p.len() > 1
                    && p.chars().all(|c| c.is_ascii_graphic() && c != '%') =>
            {
                Ok(EnvFrom {
                    prefix: Some(p.trim_end_matches('/').to_string()),
                })
            }
            _ => Err(bad()),
        }
    }
}

impl EnvFrom {
    /// `<prefix>/<service>/`: the directory of one service's names.
    pub fn service_dir(&self, project: &str, service: &str) -> String {
        let prefix = self
            .prefix
            .clone()
            .unwrap_or_else(|| format!("/environment/{project}"));
        format!("{prefix}/{service}/")
    }
}

/// Whether a variable is read from etcd: the names the units would otherwise write to the
/// systemd env file (systemd's and the shell's names, not read by the runtime's own CLI).
pub fn served(name: &str) -> bool {
    super::escape::systemd_env_name_ok(name) && !super::flags::runtime_reads(name)
}

/// `$0` container, `$1` config hash of everything but the values, `$2` image, `$3` the
/// service's key directory, then the names up to `--`, then the create command. Reads each
/// name (`etcdctl get` prints the value and one newline; the `x` keeps trailing newlines
/// from command substitution), refuses a missing one, exports it, and recreates the
/// container only when the hash with the values' digest or the image changed (never while
/// a rollout's rollback pins it).
pub const FETCH_AND_CREATE: &str = r#"c=$0; hash=$1; image=$2; dir=$3; shift 3; sum=
[ -e "/run/transship/keep/$c" ] && exit 0
while [ "$1" != -- ]; do
  v=$(etcdctl get --print-value-only -- "$dir$1" && echo x) || { echo "etcd: cannot read $dir$1" >&2; exit 1; }
  [ "$v" != x ] || { echo "etcd has no $dir$1 (transship push-config writes it)" >&2; exit 1; }
  v=${v%x}; v=${v%?}
  export "$1=$v"
  sum="$sum$1=${#v}:$v;"
  shift
done
shift
want="$hash-$(printf '%s' "$sum" | cksum | cut -d' ' -f1)"
if have=$(docker inspect -f '{{index .Config.Labels "io.transship.config-hash"}} {{.Image}}' "$c" 2>/dev/null); then
  [ "$have" = "$want $(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null)" ] && exit 0
  docker rm -f "$c" >/dev/null
fi
cmd=$1; verb=$2; shift 2
exec "$cmd" "$verb" --label "io.transship.config-hash=$want" "$@""#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_from_values() {
        assert_eq!(
            "etcd".parse::<EnvFrom>().ok(),
            Some(EnvFrom { prefix: None })
        );
        assert_eq!(
            "etcd:/environment/".parse::<EnvFrom>().ok(),
            Some(EnvFrom {
                prefix: Some("/environment".into())
            })
        );
        for bad in [
            "etcd:",
            "etcd:rel",
            "consul",
            "etcd:/a b",
            "etcd:/%i",
            "etcd:/",
        ] {
            assert!(bad.parse::<EnvFrom>().is_err(), "{bad}");
        }
        assert_eq!(
            EnvFrom { prefix: None }.service_dir("shop", "web"),
            "/environment/shop/web/"
        );
    }
}
