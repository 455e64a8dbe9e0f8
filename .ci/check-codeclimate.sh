#!/usr/bin/env bash
# Check `transship lint --format codeclimate` against what GitLab's Code Quality reader
# needs, for every lint fixture: its documented report format (a JSON array, no byte order
# mark; per issue a string description, check_name and fingerprint, a severity among info,
# minor, major, critical, blocker, a relative location.path and an integer
# location.lines.begin >= 1), the Code Climate issue spec's `type: "issue"` and categories,
# one-line descriptions, and what GitLab's parser does with the array: it keys issues by
# fingerprint (so fingerprints must be unique) and stops at the first invalid one.
# Also: the path names a file that exists, the line is inside it, and fingerprints do not
# move when lines are added above the findings.
# Usage: .ci/check-codeclimate.sh [--bin PATH]   (default: target/release/transship)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TRANSSHIP_BIN:-target/release/transship}
if [ "${1:-}" = "--bin" ]; then BIN=$2; shift 2; fi
[ -x "$BIN" ] || { echo "no transship binary at $BIN (build it or pass --bin)"; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
exec python3 - "$BIN" fixtures/lint/*/*/ <<'PY'
import json, os, shutil, subprocess, sys, tempfile

SEVERITIES = {"info", "minor", "major", "critical", "blocker"}
CATEGORIES = {"Bug Risk", "Clarity", "Compatibility", "Complexity", "Duplication",
              "Performance", "Security", "Style"}
binary, cases = sys.argv[1], sys.argv[2:]

def run(case, spec):
    args = [binary]
    for f in spec.get("files", []):
        args += ["-f", f]
    args += ["-p", spec.get("project", "lint"), "lint", "--format", "codeclimate"]
    for t in spec.get("targets", []):
        args += ["--target", t]
    return subprocess.run(args, cwd=case, capture_output=True,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp"})

def problems(raw, case):
    errs = []
    if raw.startswith(b"\xef\xbb\xbf"):
        errs.append("starts with a byte order mark")
    doc = json.loads(raw)
    if not isinstance(doc, list):
        return ["not a JSON array"], []
    seen = set()
    for i, issue in enumerate(doc):
        where = f"issue {i}"
        for key in ("description", "check_name", "fingerprint"):
            if not isinstance(issue.get(key), str) or not issue[key]:
                errs.append(f"{where}: {key} is not a non-empty string")
        if "\n" in issue.get("description", ""):
            errs.append(f"{where}: description has a newline")
        if issue.get("severity") not in SEVERITIES:
            errs.append(f"{where}: severity {issue.get('severity')!r}")
        if issue.get("type") != "issue":
            errs.append(f"{where}: type {issue.get('type')!r}")
        cats = issue.get("categories")
        if not isinstance(cats, list) or not cats or not set(cats) <= CATEGORIES:
            errs.append(f"{where}: categories {cats!r}")
        loc = issue.get("location", {})
        path, begin = loc.get("path"), loc.get("lines", {}).get("begin")
        if not isinstance(path, str) or not path or path.startswith(("/", "./")):
            errs.append(f"{where}: location.path {path!r} is not relative")
        elif not os.path.isfile(os.path.join(case, path)):
            errs.append(f"{where}: location.path {path!r} names no file")
        if not isinstance(begin, int) or isinstance(begin, bool) or begin < 1:
            errs.append(f"{where}: location.lines.begin {begin!r}")
        elif isinstance(path, str) and os.path.isfile(os.path.join(case, path)):
            with open(os.path.join(case, path), "rb") as f:
                if begin > max(1, len(f.read().splitlines())):
                    errs.append(f"{where}: line {begin} is past the end of {path}")
        if issue.get("fingerprint") in seen:
            errs.append(f"{where}: duplicate fingerprint {issue.get('fingerprint')}")
        seen.add(issue.get("fingerprint"))
    return errs, doc

checked = failed = issues = 0
for case in cases:
    spec = json.load(open(os.path.join(case, "case.json")))
    p = run(case, spec)
    if p.returncode not in (0, 1):
        print(f"FAIL {case}: exit {p.returncode}: {p.stderr.decode().strip()}")
        failed += 1
        continue
    errs, doc = problems(p.stdout, case)
    issues += len(doc)
    # Lines added above every finding: the same fingerprints (GitLab would otherwise
    # report every issue as new and fixed at once).
    if doc and not errs:
        with tempfile.TemporaryDirectory() as tmp:
            moved = os.path.join(tmp, "case")
            shutil.copytree(case, moved)
            for issue in doc:
                path = os.path.join(moved, issue["location"]["path"])
                with open(path, "rb") as f:
                    text = f.read()
                if not text.startswith(b"# moved\n"):
                    with open(path, "wb") as f:
                        f.write(b"# moved\n# down\n" + text)
            q = run(moved, spec)
            after = json.loads(q.stdout)
            if sorted(i["fingerprint"] for i in after) != sorted(i["fingerprint"] for i in doc):
                errs.append("fingerprints changed when lines were added above the findings")
            if any(a["location"]["lines"]["begin"] != b["location"]["lines"]["begin"] + 2
                   for a, b in zip(after, doc)):
                errs.append("lines did not move with the added lines")
    checked += 1
    if errs:
        failed += 1
        print(f"FAIL {case}:")
        for e in errs[:10]:
            print("   ", e)
print(f"codeclimate: {checked} reports ({issues} issues) checked against GitLab's Code Quality format, {failed} invalid")
sys.exit(1 if failed or not checked else 0)
PY
