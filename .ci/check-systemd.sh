#!/usr/bin/env bash
# Validate the systemd backend: for each case folder given (with a case.json), convert it
# with the release binary (`convert --to systemd -o TMP`, with the case's files, project,
# profiles, env files and environment), once with `--runtime docker` and once with
# `--runtime podman --fleet --instance-port`, and run `systemd-analyze verify` on every unit
# inside a throw-away root: the host's own units (sysinit.target, network-online.target, ...)
# plus a stub docker.service and stub `docker`/`podman` executables, so that only our units
# are judged. Any output from verify counts as a failure. Cases the loader rejects are
# skipped. One line per case, then `N/M cases valid` (M = cases that loaded). Always exits 0:
# CI compares the count with .ci/baseline. Needs: target/release/transship, systemd
# (systemd-analyze), python3. SYSTEMD_FLAGS adds convert flags to both runs.
cd "$(dirname "$0")/.." || exit 0
BIN=${BIN:-$PWD/target/release/transship}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
ROOT=$TMP/root
mkdir -p "$ROOT/usr/lib/systemd" "$ROOT/usr/bin" "$ROOT/bin" "$ROOT/etc/systemd"
cp -a /usr/lib/systemd/system "$ROOT/usr/lib/systemd/" 2>/dev/null || mkdir -p "$ROOT/usr/lib/systemd/system"
for exe in docker podman; do printf '#!/bin/sh\nexit 0\n' > "$ROOT/usr/bin/$exe"; chmod +x "$ROOT/usr/bin/$exe"; done
cp /bin/sh "$ROOT/bin/sh"
printf '[Unit]\nDescription=stub docker daemon\n[Service]\nExecStart=/usr/bin/docker\n' > "$ROOT/usr/lib/systemd/system/docker.service"

# verify DIR: copy the units of DIR into the root and verify each of them (templates also
# through one instance); prints problems, returns 1 when there are any.
verify() {
  local dir=$1 units=() u
  rm -rf "$ROOT/etc/systemd/system"
  mkdir -p "$ROOT/etc/systemd/system"
  for u in "$dir"/*.service "$dir"/*.target; do
    [ -e "$u" ] || continue
    cp "$u" "$ROOT/etc/systemd/system/"
    u=$(basename "$u")
    units+=("$u")
    case $u in *@.service) units+=("${u%@.service}@1.service") ;; esac
  done
  [ ${#units[@]} -gt 0 ] || { echo "no units"; return 1; }
  local msg
  msg=$(cd "$ROOT/etc/systemd/system" && systemd-analyze verify --root="$ROOT" "${units[@]}" 2>&1)
  local rc=$?
  if [ $rc -ne 0 ] || [ -n "$msg" ]; then
    printf '%s' "$msg" | head -n 3 | tr '\n' ' ' | cut -c1-300
    return 1
  fi
}

valid=0
total=0
for case in "$@"; do
  case=${case%/}
  name=$(basename "$case")
  [ -f "$case/case.json" ] || continue
  mapfile -d '' args < <(python3 .ci/case_args.py args "$case/case.json")
  mapfile -d '' envs < <(python3 .ci/case_args.py env "$case/case.json")
  if ! (cd "$case" && env -i PATH="$PATH" HOME=/tmp "${envs[@]}" "$BIN" "${args[@]}" config --format json >/dev/null 2>&1); then
    echo "SKIP  $name: does not load"
    continue
  fi
  total=$((total + 1))
  ok=1
  for variant in "--runtime docker" "--runtime podman --fleet --instance-port"; do
    out="$TMP/out/$name/${variant// /_}"
    # shellcheck disable=SC2086
    if ! err=$(cd "$case" && env -i PATH="$PATH" HOME=/tmp "${envs[@]}" "$BIN" "${args[@]}" convert --to systemd $variant ${SYSTEMD_FLAGS:-} -o "$out" 2>&1 >/dev/null); then
      ok=0
      echo "FAIL  $name ($variant): convert failed: $(printf '%s' "$err" | grep -m1 '^error' | cut -c1-200)"
      break
    fi
    if ! msg=$(verify "$out"); then
      ok=0
      echo "FAIL  $name ($variant): systemd-analyze verify: $msg"
      break
    fi
  done
  if [ "$ok" = 1 ]; then
    valid=$((valid + 1))
    echo "VALID $name"
  fi
done
echo "$valid/$total cases valid"
exit 0
