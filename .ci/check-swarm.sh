#!/usr/bin/env bash
# Validate the Swarm backend: for each case folder given (with a case.json), convert it with
# the release binary (`convert --to swarm -o TMP`, with the case's files, project, profiles,
# env files and environment) and run `docker stack config -c STACK` from the output folder —
# the Docker CLI's own, engine-free stack-file loader. Cases the loader rejects are skipped;
# cases refused by design (`build` without `image`) are listed but not counted.
# One line per case, then `N/M cases valid` (M = cases that loaded). Always exits 0: CI
# compares the count with .ci/baseline. Needs: target/release/transship, docker (CLI only),
# python3. SWARM_FLAGS adds convert flags (e.g. SWARM_FLAGS=--anchors).
cd "$(dirname "$0")/.." || exit 0
BIN=${BIN:-$PWD/target/release/transship}
DOCKER=${DOCKER:-docker}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
valid=0
total=0
refused=0
for case in "$@"; do
  case=${case%/}
  name=$(basename "$case")
  [ -f "$case/case.json" ] || continue
  out="$TMP/$name"
  # Loader arguments and environment from case.json, as oracle_diff.py reads them.
  mapfile -d '' args < <(python3 .ci/case_args.py args "$case/case.json")
  mapfile -d '' envs < <(python3 .ci/case_args.py env "$case/case.json")
  if ! (cd "$case" && env -i PATH="$PATH" HOME=/tmp "${envs[@]}" "$BIN" "${args[@]}" config --format json >/dev/null 2>&1); then
    echo "SKIP  $name: does not load"
    continue
  fi
  if ! err=$(cd "$case" && env -i PATH="$PATH" HOME=/tmp "${envs[@]}" "$BIN" "${args[@]}" convert --to swarm ${SWARM_FLAGS:-} -o "$out" 2>&1 >/dev/null); then
    first=$(printf '%s' "$err" | grep -m1 '^error' | cut -c1-200)
    # A service to build with no image to push is refused by design (issue 4): not counted.
    if printf '%s' "$first" | grep -q 'without `image`'; then
      refused=$((refused + 1))
      echo "REFUSED $name: $first"
    else
      total=$((total + 1))
      echo "FAIL  $name: convert failed: $first"
    fi
    continue
  fi
  total=$((total + 1))
  ok=1
  for stack in "$out"/*.stack.yaml; do
    if ! msg=$(cd "$out" && env -i PATH="$PATH" HOME=/tmp "$DOCKER" stack config -c "$(basename "$stack")" 2>&1 >/dev/null); then
      ok=0
      echo "FAIL  $name: docker stack config: $(printf '%s' "$msg" | head -n 3 | tr '\n' ' ' | cut -c1-300)"
    fi
  done
  if [ "$ok" = 1 ]; then
    valid=$((valid + 1))
    echo "VALID $name"
  fi
done
echo "($refused cases refused: build without image)"
echo "$valid/$total cases valid"
exit 0
