#!/usr/bin/env bash
# systemd-container.sh NAME HOSTDIR: starts (afresh) a container NAME from
# transship-systemd:bookworm with systemd as PID 1, driving the outer engine through the
# mounted socket, with HOSTDIR mounted at the same path (so bind-mount sources written
# inside resolve on the outer engine). Waits until systemd is up (running or degraded,
# at most $SYSTEMD_WAIT seconds, default 60; the failed units are listed when degraded).
# Prints the container id on stdout; everything else goes to stderr.
# Run commands in it with: docker exec NAME systemctl ... / journalctl -u UNIT
# Env: SYSTEMD_WAIT; SYSTEMD_HOST_NETWORK=1 (see below).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"
[ $# = 2 ] || die "usage: $0 NAME HOSTDIR"
NAME=$1
HOSTDIR=$(realpath -m "$2")
mkdir -p "$HOSTDIR"

if dk container inspect "$NAME" >/dev/null 2>&1; then
  log "removing the old $NAME"
  dk rm -f "$NAME" >/dev/null
fi
# SYSTEMD_HOST_NETWORK=1: the host's network (to reach etcd on loopback; no own hostname
# then); the host's etcdctl is mounted for the units that read etcd.
net=(--hostname "$NAME")
if [ "${SYSTEMD_HOST_NETWORK:-0}" = 1 ]; then
  net=(--network host -v "$(command -v etcdctl)":/usr/local/bin/etcdctl:ro)
fi
id=$(dk run -d --name "$NAME" "${net[@]}" --label tsh.harness=systemd \
  --stop-signal SIGRTMIN+3 \
  --cap-add ALL --cap-drop SYS_RESOURCE \
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
  --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
  --tmpfs /run --tmpfs /run/lock \
  -v "$ENGINE_SOCK":/var/run/docker.sock \
  -v "$HOSTDIR":"$HOSTDIR" \
  "$SYSTEMD_IMAGE" /lib/systemd/systemd)

state=
for _ in $(seq 1 $((${SYSTEMD_WAIT:-60} * 4))); do
  state=$(dk exec "$NAME" systemctl is-system-running 2>/dev/null || true)
  case $state in running | degraded) break ;; esac
  [ "$(dk inspect -f '{{.State.Running}}' "$NAME")" = true ] || break
  sleep 0.25
done
case $state in
  running) log "$NAME: systemd is running" ;;
  degraded)
    log "$NAME: systemd is degraded; failed units:"
    dk exec "$NAME" systemctl --failed --no-legend --plain >&2 || true
    ;;
  *)
    dk logs --tail 40 "$NAME" >&2 || true
    die "$NAME: systemd did not come up (state: ${state:-none})"
    ;;
esac
echo "$id"
