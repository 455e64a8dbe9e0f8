#!/usr/bin/env bash
# Check `transship lint --format junit` for every lint fixture and for an adversarial
# project (markup, quotes, control characters, `]]>` and non-BMP characters in the values
# findings quote): the document must parse as XML 1.0 (Python's expat), have the shape
# GitLab, Jenkins and test reporters read (testsuites > testsuite > testcase with name and
# classname; failure or skipped inside), and counts that agree with its testcases, at the
# root and in each suite; quoted values must come back as they were written.
# Usage: .ci/check-junit.sh [--bin PATH]   (default: target/release/transship)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TRANSSHIP_BIN:-target/release/transship}
if [ "${1:-}" = "--bin" ]; then BIN=$2; shift 2; fi
[ -x "$BIN" ] || { echo "no transship binary at $BIN (build it or pass --bin)"; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
exec python3 - "$BIN" fixtures/lint/*/*/ <<'PY'
import json, os, subprocess, sys, tempfile
import xml.etree.ElementTree as ET

binary, cases = sys.argv[1], sys.argv[2:]
# An image reference holding everything an XML writer gets wrong; TS302 quotes it.
HOSTILE = 'x<&>"\'\t]]>\x01\x1b\u2028\U0001F600:latest'
tmp = tempfile.mkdtemp()
with open(os.path.join(tmp, "compose.yaml"), "w") as f:
    f.write('services:\n  web:\n    image: "x<&>\\"\'\\t]]>\\x01\\x1b\\u2028\\U0001F600:latest"\n')
with open(os.path.join(tmp, "case.json"), "w") as f:
    json.dump({"files": ["compose.yaml"], "project": "hostile"}, f)
cases.append(tmp)

def count(el, attr):
    return int(el.get(attr, "-1"))

checked = failed = testcases = 0
for case in cases:
    spec = json.load(open(os.path.join(case, "case.json")))
    args = [binary]
    for f in spec.get("files", []):
        args += ["-f", f]
    args += ["-p", spec.get("project", "lint"), "lint", "--format", "junit"]
    for t in spec.get("targets", []):
        args += ["--target", t]
    p = subprocess.run(args, cwd=case, capture_output=True,
                       env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp"})
    errs = []
    if p.returncode not in (0, 1):
        errs.append(f"exit {p.returncode}: {p.stderr.decode().strip()}")
    else:
        try:
            root = ET.fromstring(p.stdout)
        except ET.ParseError as e:
            root = None
            errs.append(f"not well-formed XML: {e}")
        if root is not None:
            if root.tag != "testsuites":
                errs.append(f"root element {root.tag}")
            totals = {"tests": 0, "failures": 0, "skipped": 0}
            for suite in root:
                if suite.tag != "testsuite" or not suite.get("name"):
                    errs.append(f"child {suite.tag} {suite.attrib}")
                    continue
                tcs = list(suite)
                fails = sum(1 for t in tcs if t.find("failure") is not None)
                skips = sum(1 for t in tcs if t.find("skipped") is not None)
                for t in tcs:
                    if t.tag != "testcase" or not t.get("name") or not t.get("classname"):
                        errs.append(f"bad testcase {t.tag} {t.attrib}")
                    if len(t) > 1 or any(c.tag not in ("failure", "skipped") for c in t):
                        errs.append(f"testcase {t.get('name')} holds {[c.tag for c in t]}")
                for attr, n in (("tests", len(tcs)), ("failures", fails), ("skipped", skips)):
                    if count(suite, attr) != n:
                        errs.append(f"suite {suite.get('name')}: {attr}={suite.get(attr)}, counted {n}")
                    totals[attr] += n
                if count(suite, "errors") != 0:
                    errs.append(f"suite {suite.get('name')}: errors={suite.get('errors')}")
                testcases += len(tcs)
            for attr, n in totals.items():
                if count(root, attr) != n:
                    errs.append(f"testsuites: {attr}={root.get(attr)}, counted {n}")
            if case == tmp:
                messages = [f.get("message") for f in root.iter("failure")]
                # XML 1.0 cannot carry U+0001 or U+001B: they come back as \u{...} text.
                want = "TS302: image `" + HOSTILE.replace("\x01", "\\u{0001}").replace("\x1b", "\\u{001B}")
                if not any(m and m.startswith(want) for m in messages):
                    errs.append(f"the hostile image did not come back intact: {messages}")
    checked += 1
    if errs:
        failed += 1
        print(f"FAIL {case}:")
        for e in errs[:10]:
            print("   ", e)
print(f"junit: {checked} reports ({testcases} testcases, one adversarial) parsed as XML with consistent counts, {failed} invalid")
sys.exit(1 if failed or not checked else 0)
PY
