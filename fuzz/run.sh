#!/usr/bin/env bash
# Fuzz every target in turn: `fuzz/run.sh [SECONDS]` (default 600 each).
# The committed seeds (fuzz/seeds, the fixtures' compose files) start every target; what a
# run discovers stays in fuzz/corpus/<target> (not committed). A crash is saved under
# fuzz/artifacts/<target>/ and stops that target: turn it into a fixture, fix, rerun.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
export RUSTC_BOOTSTRAP=${RUSTC_BOOTSTRAP:-1}   # cargo fuzz needs nightly flags
# 30 s per input: the largest inputs the loader accepts (a 65,536-port range) take a quarter
# of a second in a release build but over 10 s under ASan with libFuzzer's compare tracing.
for t in load nomad swarm systemd; do
  mkdir -p "corpus/$t"
  cargo fuzz run -O "$t" "corpus/$t" seeds -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=30 -max_len=65536
done
