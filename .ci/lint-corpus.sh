#!/usr/bin/env bash
# Run `transship lint` (all rules, every --target) over compose cases and print how many
# findings each rule produced, to spot noisy rules. A case is a folder with case.json
# ({"files": [...], "project": ..., "project_directory": ..., "env": {...}, "profiles": [...],
# "env_files": [...]}), run from inside the folder as the loader oracle runs it.
# Usage: .ci/lint-corpus.sh [--bin PATH] CASE_DIR...
# Fails when lint crashes (panics, is killed, or prints something that is not the JSON
# schema); cases that do not load (exit 2) are counted, not failures.
set -euo pipefail
BIN=${TRANSSHIP_BIN:-$(dirname "$0")/../target/release/transship}
if [ "${1:-}" = "--bin" ]; then BIN=$2; shift 2; fi
[ -x "$BIN" ] || { echo "no transship binary at $BIN (build it or pass --bin)"; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[ $# -gt 0 ] || { echo "usage: $0 [--bin PATH] CASE_DIR..."; exit 2; }
PYTHONPATH="$(cd "$(dirname "$0")" && pwd)" exec python3 - "$BIN" "$@" <<'PY'
import collections, json, os, subprocess, sys
from case_args import case_env, transship_args

binary, cases = sys.argv[1], sys.argv[2:]
findings = collections.Counter()
cases_hit = collections.defaultdict(set)
names = {}
for line in subprocess.run([binary, "rules"], capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split()
    if len(parts) >= 4:
        names[parts[0]] = (parts[1], parts[3])
loaded = unloadable = crashed = 0
for case in cases:
    case = case.rstrip("/")
    try:
        spec = json.load(open(os.path.join(case, "case.json")))
    except (OSError, ValueError) as e:
        print(f"SKIP {case}: {e}")
        continue
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    env.update(case_env(spec))
    args = [binary] + transship_args(spec, "corpus")
    args += ["lint", "--format", "json", "--fail-on", "error"]
    for t in ("nomad", "swarm", "systemd"):
        args += ["--target", t]
    try:
        p = subprocess.run(args, cwd=case, env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        print(f"CRASH {case}: timed out")
        crashed += 1
        continue
    if p.returncode == 2:
        unloadable += 1
        print(f"NOLOAD {os.path.basename(case)}: {p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ''}")
        continue
    try:
        doc = json.loads(p.stdout)
        ok = p.returncode in (0, 1) and doc.get("version") == 1 and "panicked" not in p.stderr
    except ValueError:
        ok = False
    if not ok:
        crashed += 1
        print(f"CRASH {case}: exit {p.returncode}: {p.stderr.strip()[-400:]}")
        continue
    loaded += 1
    for f in doc["findings"]:
        findings[f["rule"]] += 1
        cases_hit[f["rule"]].add(case)

print(f"\n{'rule':6} {'name':40} {'severity':8} {'findings':>8} {'cases':>6}")
for rule in sorted(names):
    name, sev = names[rule]
    print(f"{rule:6} {name:40} {sev:8} {findings[rule]:>8} {len(cases_hit[rule]):>6}")
print(f"{'total':6} {'':40} {'':8} {sum(findings.values()):>8} {loaded:>6}")
print(f"\n{loaded} cases linted, {unloadable} did not load, {crashed} crashed")
sys.exit(1 if crashed else 0)
PY
