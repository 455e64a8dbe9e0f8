#!/usr/bin/env bash
# Side-by-side benchmark: `transship config` vs `docker compose config` on generated projects.
# Usage: benches/bench.sh [COMPOSE_BIN]   (run from the repository root; builds --release)
# Prints wall time (median of runs) and peak memory for each, and the speed ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
COMPOSE_BIN=${1:-${COMPOSE_BIN:-}}
cargo build --release --quiet
BIN=$PWD/target/release/transship
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

measure() { # label runs cmd... → prints "median_seconds peak_kib"
  local runs=$1; shift
  local times=() peak=0
  for _ in $(seq "$runs"); do
    /usr/bin/env time -f '%e %M' -o "$WORK/t" "$@" >/dev/null 2>"$WORK/err" || { echo "failed: $*" >&2; cat "$WORK/err" >&2; return 1; }
    read -r t m <"$WORK/t"; times+=("$t"); [ "$m" -gt "$peak" ] && peak=$m
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v p="$peak" '{a[NR]=$1} END {print a[int((NR+1)/2)], p}'
}

printf '| services | transship config | docker compose config | ratio | transship peak RSS | compose peak RSS |\n|---|---|---|---|---|---|\n'
for n in 10 1000 5000; do
  dir=$WORK/p$n
  python3 benches/gen_project.py "$n" "$dir"
  runs=5; [ "$n" -ge 5000 ] && runs=3
  read -r tt tm < <(cd "$dir" && measure "$runs" "$BIN" -f compose.yaml -f compose.prod.yaml config --format json)
  if [ -n "$COMPOSE_BIN" ]; then
    read -r ct cm < <(cd "$dir" && measure "$runs" "$COMPOSE_BIN" -f compose.yaml -f compose.prod.yaml config --format json)
    ratio=$(awk -v a="$ct" -v b="$tt" 'BEGIN { if (b == 0) b = 0.005; printf "%.0fx", a / b }')
  else
    ct=n/a; cm=n/a; ratio=n/a
  fi
  printf '| %s | %ss | %ss | %s | %s KiB | %s KiB |\n' "$n" "$tt" "$ct" "$ratio" "$tm" "$cm"
done
