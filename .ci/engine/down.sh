#!/usr/bin/env bash
# Removes what the engine harness made (every stack, service, container, network, volume,
# config and secret whose name matches the regex $NAMES, default "^tsh[a-z]*-": tsh-...,
# tshr-...), then undoes up.sh:
# leaves the swarm only if up.sh initialised it, stops dockerd only if up.sh started it
# (its pid is in $TOOLS/engine/dockerd.pid). A daemon or swarm that was there before is kept.
# Images and the caches under $TOOLS stay, so the next up.sh is quick.
# Env: TOOLS, ENGINE_SOCK (see common.sh), NAMES (an extended regex; PREFIX=p stands for ^p).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"
if [ -n "${PREFIX:-}" ]; then NAMES="^$PREFIX"; fi
NAMES=${NAMES:-^tsh[a-z]*-}
case $NAMES in ^?*) ;; *) die "NAMES must be anchored (^...): $NAMES" ;; esac

# Names of the given kind (stack, service, container, network, volume, config, secret)
# that match $NAMES.
named() {
  local kind=$1 fmt='{{.Name}}'
  case $kind in container) fmt='{{.Names}}' ;; esac
  case $kind in
    container) dk ps -a --format "$fmt" ;;
    stack) dk stack ls --format "$fmt" ;;
    *) dk "$kind" ls --format "$fmt" ;;
  esac 2>/dev/null | grep -E -- "$NAMES"
}

if engine_answers; then
  swarm=$(dk info -f '{{.Swarm.LocalNodeState}}')
  if [ "$swarm" = active ]; then
    for s in $(named stack); do log "stack rm $s"; dk stack rm "$s" >/dev/null; done
    for s in $(named service); do log "service rm $s"; dk service rm "$s" >/dev/null; done
  fi
  # Task containers of removed services go away by themselves; wait for them (bounded).
  for _ in $(seq 1 60); do
    dk ps -a --format '{{.Label "com.docker.swarm.service.name"}}' | grep -Eq -- "$NAMES" || break
    sleep 0.25
  done
  containers=$(named container)
  if [ -n "$containers" ]; then
    log "rm -f $(echo "$containers" | tr '\n' ' ')"
    # Restart policies off first: dockerd 20.10 can leak a network endpoint otherwise.
    # shellcheck disable=SC2086 # one name per word
    dk update --restart=no $containers >/dev/null 2>&1
    # shellcheck disable=SC2086
    dk rm -f -v $containers >/dev/null
  fi
  for n in $(named network); do
    for _ in 1 2 3 4 5 6 7 8; do dk network rm "$n" >/dev/null 2>&1 && break; sleep 0.5; done
    if dk network inspect "$n" >/dev/null 2>&1; then log "could not remove network $n"; else log "network rm $n"; fi
  done
  for v in $(named volume); do log "volume rm $v"; dk volume rm -f "$v" >/dev/null; done
  if [ "$swarm" = active ]; then
    for c in $(named config); do log "config rm $c"; dk config rm "$c" >/dev/null; done
    for c in $(named secret); do log "secret rm $c"; dk secret rm "$c" >/dev/null; done
  fi
  if [ -f "$SWARM_MARK" ]; then
    log "swarm leave --force (up.sh initialised it)"
    dk swarm leave --force >/dev/null
    rm -f "$SWARM_MARK"
  fi
fi

if [ -s "$ETCD_PID" ]; then
  pid=$(cat "$ETCD_PID")
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = etcd ]; then
    log "stopping etcd $pid (started by up.sh)"
    kill -TERM "$pid"
  fi
  rm -f "$ETCD_PID"
fi

if [ -s "$DOCKERD_PID" ]; then
  pid=$(cat "$DOCKERD_PID")
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
    log "stopping dockerd $pid (started by up.sh)"
    as_root kill -TERM "$pid"
    for _ in $(seq 1 60); do [ -d "/proc/$pid" ] || break; sleep 0.5; done
    if [ -d "/proc/$pid" ]; then log "dockerd $pid did not stop in 30 s: SIGKILL"; as_root kill -KILL "$pid"; fi
  fi
  as_root rm -f "$DOCKERD_PID"
else
  log "dockerd was not started by up.sh: left running"
fi
