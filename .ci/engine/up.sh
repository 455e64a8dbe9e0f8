#!/usr/bin/env bash
# Brings up what the engine harness runs on, idempotently, on a fresh Debian 12 machine as
# root (or through sudo): Debian's docker.io, busybox-static and debootstrap; a Docker
# daemon (reused when one answers on $ENGINE_SOCK); the probe image transship-probe:latest;
# the systemd-as-PID-1 image transship-systemd:bookworm; a one-node swarm.
# Everything is cached under $TOOLS, so a second run only checks.
#
# Env: TOOLS, ENGINE_SOCK (see common.sh); DOCKERD_ARGS: extra dockerd arguments when this
# script starts the daemon (a second daemon beside another: "--bridge=OWN_BRIDGE
# --iptables=false", never --bridge=none, which deletes the other daemon's docker0).
# SKIP_SYSTEMD_IMAGE=1 / SKIP_SWARM=1 leave those out.
# Output: a log on stderr, and on stdout a summary of KEY=VALUE lines.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"
mkdir -p "$STATE"
START=$SECONDS
did=()

# -- packages ------------------------------------------------------------------------------
need=()
command -v dockerd >/dev/null || need+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v etcd >/dev/null || need+=(etcd-server)
command -v etcdctl >/dev/null || need+=(etcd-client)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  did+=("installed ${need[*]}")
fi
BUSYBOX=$(command -v busybox)

# -- the daemon ----------------------------------------------------------------------------
if engine_answers; then
  log "a Docker daemon answers on $ENGINE_SOCK: using it"
else
  log "no daemon on $ENGINE_SOCK: starting dockerd --data-root $TOOLS/docker"
  args=(--data-root "$TOOLS/docker" --pidfile "$DOCKERD_PID" -H "unix://$ENGINE_SOCK")
  # A second daemon next to the system one needs its own exec root (containerd, netns).
  [ "$ENGINE_SOCK" = /var/run/docker.sock ] || args+=(--exec-root "$STATE/exec")
  # shellcheck disable=SC2206 # DOCKERD_ARGS is a list of words by design
  args+=(${DOCKERD_ARGS:-})
  # dockerd --bridge=none deletes the docker0 interface, which another daemon may be using.
  case " ${DOCKERD_ARGS:-} " in *" --bridge=none "* | *" -b none "* | *" --bridge none "*)
    ip link show docker0 >/dev/null 2>&1 && die "--bridge=none would delete docker0 of the daemon already here: give this one a bridge of its own (ip link add NAME type bridge; --bridge=NAME)" ;;
  esac
  as_root mkdir -p "$TOOLS/docker"
  as_root setsid nohup dockerd "${args[@]}" >"$STATE/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    engine_answers && break
    sleep 0.5
  done
  engine_answers || { tail -n 30 "$STATE/dockerd.log" >&2; die "dockerd did not answer within 60 s"; }
  [ -s "$DOCKERD_PID" ] || die "dockerd answers but wrote no pid file at $DOCKERD_PID"
  did+=("started dockerd (pid $(cat "$DOCKERD_PID"), log $STATE/dockerd.log)")
fi

# -- etcd ----------------------------------------------------------------------------------
# The scenarios whose units read their environment from etcd (--env-from etcd) talk to it
# on loopback; the systemd containers of those scenarios share the host's network.
if ETCDCTL_ENDPOINTS=$ETCD_ENDPOINT etcdctl endpoint health >/dev/null 2>&1; then
  log "etcd answers on $ETCD_ENDPOINT: using it"
else
  peer=${ETCD_ENDPOINT%:*}:$((${ETCD_ENDPOINT##*:} + 10))
  rm -rf "$STATE/etcd"
  setsid nohup etcd --name tsh --data-dir "$STATE/etcd" \
    --listen-client-urls "$ETCD_ENDPOINT" --advertise-client-urls "$ETCD_ENDPOINT" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "tsh=$peer" >"$STATE/etcd.log" 2>&1 </dev/null &
  echo $! >"$ETCD_PID"
  for _ in $(seq 1 60); do
    ETCDCTL_ENDPOINTS=$ETCD_ENDPOINT etcdctl endpoint health >/dev/null 2>&1 && break
    sleep 0.5
  done
  ETCDCTL_ENDPOINTS=$ETCD_ENDPOINT etcdctl endpoint health >/dev/null 2>&1 \
    || { tail -n 20 "$STATE/etcd.log" >&2; die "etcd did not answer on $ETCD_ENDPOINT within 30 s"; }
  did+=("started etcd $(etcd --version | head -n 1 | cut -d' ' -f3) on $ETCD_ENDPOINT (pid $(cat "$ETCD_PID"))")
fi

# -- the probe image -----------------------------------------------------------------------
PROBE_DIR=$ROOT/harness/probe
MUSL=x86_64-unknown-linux-musl
if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$MUSL"; then
  rustup target add "$MUSL"
fi
cargo build --release --quiet --target "$MUSL" --manifest-path "$PROBE_DIR/Cargo.toml" \
  --target-dir "$PROBE_DIR/target"
PROBE_BIN=$PROBE_DIR/target/$MUSL/release/probe

image_recipe() { dk image inspect -f '{{index .Config.Labels "tsh.recipe"}}' "$1" 2>/dev/null || true; }
image_id() { dk image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
# The image a rebuild replaced, once no tag and no container holds it.
drop_replaced() {
  local old=$1
  [ -n "$old" ] && [ "$old" != "$(image_id "$2")" ] || return 0
  if [ -z "$(dk image inspect -f '{{join .RepoTags " "}}' "$old" 2>/dev/null)" ]; then
    dk rmi "$old" >/dev/null 2>&1 || true
  fi
}

# The rootfs: /probe, busybox with its applets linked where --list-full puts them and in
# /bin, root and app (1000:1000), /tmp 1777.
build_probe_image() {
  local dir=$1 recipe=$2
  mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home/app,proc,sys,dev}
  cp "$PROBE_BIN" "$dir/probe"
  cp "$BUSYBOX" "$dir/bin/busybox"
  local applet
  while read -r applet; do
    [ -e "$dir/$applet" ] || ln -s /bin/busybox "$dir/$applet"
  done < <("$BUSYBOX" --list-full)
  while read -r applet; do
    [ -e "$dir/bin/$applet" ] || ln -s /bin/busybox "$dir/bin/$applet"
  done < <("$BUSYBOX" --list)
  printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' >"$dir/etc/passwd"
  printf 'root:x:0:\napp:x:1000:\n' >"$dir/etc/group"
  chmod 1777 "$dir/tmp"
  chmod 0755 "$dir/probe" "$dir/bin/busybox"
  tar -C "$dir" --numeric-owner --owner=0 --group=0 --exclude=./home/app -cf "$dir.tar" .
  tar -C "$dir" --numeric-owner --owner=1000 --group=1000 -rf "$dir.tar" ./home/app
  dk import --change 'ENTRYPOINT ["/probe"]' --change "LABEL tsh.recipe=$recipe" \
    "$dir.tar" "$PROBE_IMAGE" >/dev/null
}

probe_recipe=$( { sha256sum "$PROBE_BIN" "$BUSYBOX"; declare -f build_probe_image; } | sha256sum | cut -c1-16)
if [ "$(image_recipe "$PROBE_IMAGE")" = "$probe_recipe" ]; then
  log "$PROBE_IMAGE is up to date ($probe_recipe)"
else
  tmp=$(mktemp -d)
  old=$(image_id "$PROBE_IMAGE")
  build_probe_image "$tmp/rootfs" "$probe_recipe"
  rm -rf "$tmp"
  drop_replaced "$old" "$PROBE_IMAGE"
  did+=("built $PROBE_IMAGE ($probe_recipe)")
fi

# -- the systemd image ---------------------------------------------------------------------
# The Debian mirror apt already uses (debootstrap's own default when none is found).
apt_mirror() {
  local f=/etc/apt/sources.list.d/debian.sources
  [ -f "$f" ] && awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$f" && return
  [ -f /etc/apt/sources.list ] && awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list
}

# Changes to the debootstrapped tree: docker.service is a stub (the outer engine serves the
# mounted socket), units that fail or stall in a container are masked, stops are short,
# the journal keeps every line.
customize_systemd_rootfs() {
  local r=$1 unit
  cat >"$r/etc/systemd/system/docker.service" <<'EOF'
[Unit]
Description=Docker (stub: the outer engine serves /var/run/docker.sock)

[Service]
Type=oneshot
ExecStart=/bin/true
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
EOF
  mkdir -p "$r/etc/systemd/system/multi-user.target.wants"
  ln -sf /etc/systemd/system/docker.service "$r/etc/systemd/system/multi-user.target.wants/docker.service"
  for unit in docker.socket containerd.service getty.target console-getty.service \
    getty@tty1.service serial-getty@.service systemd-udevd.service systemd-udevd-control.socket \
    systemd-udevd-kernel.socket systemd-udev-trigger.service systemd-udev-settle.service \
    systemd-modules-load.service systemd-remount-fs.service systemd-firstboot.service \
    systemd-sysctl.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
    proc-sys-fs-binfmt_misc.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
    sys-kernel-config.mount sys-fs-fuse-connections.mount dev-hugepages.mount dev-mqueue.mount \
    systemd-hwdb-update.service systemd-journald-audit.socket systemd-pstore.service \
    systemd-random-seed.service systemd-machine-id-commit.service systemd-logind.service \
    apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
    dpkg-db-backup.timer; do
    ln -sf /dev/null "$r/etc/systemd/system/$unit"
  done
  mkdir -p "$r/etc/systemd/system.conf.d" "$r/etc/systemd/journald.conf.d"
  printf '[Manager]\nDefaultTimeoutStopSec=10s\n' >"$r/etc/systemd/system.conf.d/tsh.conf"
  printf '[Journal]\nStorage=volatile\nRateLimitIntervalSec=0\nLineMax=256K\n' \
    >"$r/etc/systemd/journald.conf.d/tsh.conf"
  : >"$r/etc/machine-id"
  echo tsh-systemd >"$r/etc/hostname"
}

if [ "${SKIP_SYSTEMD_IMAGE:-0}" != 1 ]; then
  BASE_TAR=$TOOLS/bookworm-systemd-rootfs.tar
  systemd_recipe=$( { stat -c '%s %Y' "$BASE_TAR" 2>/dev/null || echo none; declare -f customize_systemd_rootfs; } | sha256sum | cut -c1-16)
  if [ -s "$BASE_TAR" ] && [ "$(image_recipe "$SYSTEMD_IMAGE")" = "$systemd_recipe" ]; then
    log "$SYSTEMD_IMAGE is up to date ($systemd_recipe)"
  else
    tmp=$(as_root mktemp -d -p "$TOOLS")
    old=$(image_id "$SYSTEMD_IMAGE")
    if [ ! -s "$BASE_TAR" ]; then
      log "debootstrap bookworm (minbase + systemd, dbus, docker.io): takes a few minutes"
      mirror=$(apt_mirror || true)
      as_root debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,docker.io \
        bookworm "$tmp/rootfs" ${mirror:+"$mirror"} >"$STATE/debootstrap.log" 2>&1 \
        || { tail -n 30 "$STATE/debootstrap.log" >&2; die "debootstrap failed"; }
      as_root rm -rf "$tmp/rootfs/var/cache/apt/archives"/*.deb "$tmp/rootfs/var/lib/apt/lists"/*
      as_root tar -C "$tmp/rootfs" --numeric-owner -cf "$BASE_TAR.part" .
      as_root mv "$BASE_TAR.part" "$BASE_TAR"
      did+=("debootstrapped $BASE_TAR")
      systemd_recipe=$( { stat -c '%s %Y' "$BASE_TAR"; declare -f customize_systemd_rootfs; } | sha256sum | cut -c1-16)
    else
      as_root mkdir "$tmp/rootfs"
      as_root tar -C "$tmp/rootfs" --numeric-owner -xf "$BASE_TAR"
    fi
    as_root bash -c "$(declare -f customize_systemd_rootfs); customize_systemd_rootfs '$tmp/rootfs'"
    as_root tar -C "$tmp/rootfs" --numeric-owner -cf - . \
      | dk import --change 'ENV container=docker' \
        --change 'CMD ["/lib/systemd/systemd"]' --change "LABEL tsh.recipe=$systemd_recipe" \
        - "$SYSTEMD_IMAGE" >/dev/null
    as_root rm -rf "$tmp"
    drop_replaced "$old" "$SYSTEMD_IMAGE"
    did+=("built $SYSTEMD_IMAGE ($systemd_recipe)")
  fi
fi

# -- the swarm -----------------------------------------------------------------------------
if [ "${SKIP_SWARM:-0}" != 1 ]; then
  if [ "$(dk info -f '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')" = "active true" ]; then
    log "already a swarm manager"
  else
    dk swarm init --advertise-addr 127.0.0.1 >/dev/null
    touch "$SWARM_MARK"
    did+=("swarm init --advertise-addr 127.0.0.1")
  fi
fi

# -- summary -------------------------------------------------------------------------------
for d in "${did[@]}"; do log "did: $d"; done
((${#did[@]})) || log "did: nothing (all in place)"
echo "ENGINE_SOCK=$ENGINE_SOCK"
echo "ENGINE_VERSION=$(dk version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
echo "CLI_VERSION=$(dk version --format '{{.Client.Version}}')"
echo "DOCKERD_STARTED_BY_UP=$([ -s "$DOCKERD_PID" ] && cat "$DOCKERD_PID" || echo no)"
echo "BUSYBOX=$("$BUSYBOX" | head -n 1)"
echo "PROBE_IMAGE=$PROBE_IMAGE $(dk image inspect -f '{{.Id}}' "$PROBE_IMAGE" | cut -c1-19)"
if [ "${SKIP_SYSTEMD_IMAGE:-0}" != 1 ]; then
  echo "SYSTEMD_IMAGE=$SYSTEMD_IMAGE $(dk image inspect -f '{{.Id}}' "$SYSTEMD_IMAGE" | cut -c1-19)"
fi
echo "SWARM=$(dk info -f '{{.Swarm.LocalNodeState}}')"
echo "ETCD=$ETCD_ENDPOINT"
echo "UP_SECONDS=$((SECONDS - START))"
