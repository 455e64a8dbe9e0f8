# shellcheck shell=bash disable=SC2034 # sourced: the variables are used by the scripts
# Shared settings of the engine harness's scripts (sourced, not run).
#   TOOLS        cache and state directory (default: $TRANSSHIP_TOOLS, else ~/.cache/transship-ci)
#   ENGINE_SOCK  the Docker socket to use or start a daemon on (default /var/run/docker.sock)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS=${TOOLS:-${TRANSSHIP_TOOLS:-$HOME/.cache/transship-ci}}
ENGINE_SOCK=${ENGINE_SOCK:-/var/run/docker.sock}
export DOCKER_HOST=unix://$ENGINE_SOCK
# What up.sh started and must stop again: dockerd's pid file, the swarm marker.
STATE=$TOOLS/engine
DOCKERD_PID=$STATE/dockerd.pid
SWARM_MARK=$STATE/swarm-initialised-by-up
# etcd for the --env-from etcd scenarios: Debian's etcd-server on loopback, a port of its own.
ETCD_ENDPOINT=${ETCD_ENDPOINT:-http://127.0.0.1:23790}
ETCD_PID=$STATE/etcd.pid
PROBE_IMAGE=transship-probe:latest
SYSTEMD_IMAGE=transship-systemd:bookworm

log() { printf '[engine] %s\n' "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# Root for apt, dockerd and debootstrap: as is when root, else through sudo.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# The docker CLI, through sudo when the socket is not ours to use.
dk() {
  if [ -w "$ENGINE_SOCK" ] || [ "$(id -u)" = 0 ]; then docker "$@"; else sudo --preserve-env=DOCKER_HOST docker "$@"; fi
}
engine_answers() { dk version --format '{{.Server.Version}}' >/dev/null 2>&1; }
