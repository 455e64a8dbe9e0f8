#!/usr/bin/env bash
# Validate the Nomad backend: for each case folder given (with a case.json), convert it with
# the release binary (`convert --to nomad -o TMP/<case>`, with the case's files, project,
# profiles, env files and environment; NOMAD_FLAGS adds convert flags), then run nomadcheck
# (HashiCorp's HCL parser through @cdktf/hcl2json, plus a jobspec structure check) once over
# every job file written. Cases the loader rejects are skipped. With STATS_FILE set, each
# case's `convert --stats` line is appended there (see .ci/nomad-stats.py). One line per case, then
# `N/M cases valid` (M = cases that loaded). Always exits 0: CI compares the count with
# .ci/baseline. Needs: target/release/transship, python3, node/npm, NOMADCHECK (path of
# nomadcheck.py).
cd "$(dirname "$0")/.." || exit 0
BIN=${BIN:-$PWD/target/release/transship}
NOMADCHECK=${NOMADCHECK:-$PWD/../shared/tools/nomadcheck/nomadcheck.py}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
total=0
names=()
failed=()
for case in "$@"; do
  case=${case%/}
  name=$(basename "$case")
  [ -f "$case/case.json" ] || continue
  out="$TMP/$name"
  mapfile -d '' args < <(python3 .ci/case_args.py args "$case/case.json")
  mapfile -d '' envs < <(python3 .ci/case_args.py env "$case/case.json")
  if ! (cd "$case" && env -i PATH="$PATH" HOME=/tmp "${envs[@]}" "$BIN" "${args[@]}" config --format json >/dev/null 2>&1); then
    echo "SKIP  $name: does not load"
    continue
  fi
  total=$((total + 1))
  # shellcheck disable=SC2086
  if ! err=$(cd "$case" && env -i PATH="$PATH" HOME=/tmp "${envs[@]}" "$BIN" "${args[@]}" convert --to nomad --stats ${NOMAD_FLAGS:-} -o "$out" 2>&1 >/dev/null); then
    echo "FAIL  $name: convert failed: $(printf '%s' "$err" | grep -m1 '^error' | cut -c1-200)"
    failed+=("$name")
    continue
  fi
  names+=("$name")
  if [ -n "${STATS_FILE:-}" ]; then printf '%s\n' "$err" | grep '^{"target"' | sed "s/^{/{\"case\":\"$name\",/" >> "$STATS_FILE"; fi
done
# One nomadcheck run over every file: node starts once.
files=()
for n in "${names[@]}"; do for f in "$TMP/$n"/*.nomad.hcl; do [ -f "$f" ] && files+=("$f"); done; done
report="$TMP/nomadcheck.txt"
if [ ${#files[@]} -gt 0 ]; then
  python3 "$NOMADCHECK" "${files[@]}" > "$report" 2>&1 || true
else
  : > "$report"
fi
if grep -q "^nomadcheck: " "$report" && ! grep -q " files, " "$report"; then
  echo "FAIL  nomadcheck did not run: $(head -n 3 "$report")"
  echo "0/$total cases valid"
  exit 0
fi
valid=0
for n in "${names[@]}"; do
  problems=$(grep -F "$TMP/$n/" "$report" | sed "s#$TMP/##" | head -n 5)
  if [ -z "$problems" ]; then
    valid=$((valid + 1))
    echo "VALID $n"
  else
    echo "FAIL  $n: $(printf '%s' "$problems" | tr '\n' ' ' | cut -c1-400)"
  fi
done
tail -n 1 "$report" | sed 's/^/nomadcheck: /'
echo "$valid/$total cases valid"
exit 0
