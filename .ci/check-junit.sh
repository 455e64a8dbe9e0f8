#!/usr/bin/env bash
# Check `transship lint --format junit` for every lint fixture and for an adversarial
# project (markup, quotes, control characters, `]]>` and non-BMP characters in the values
# findings quote): the document must parse as XML 1.0 (Python's expat), have the shape
# GitLab, Jenkins and test reporters read (testsuites > testsuite > testcase with name and
# classname; failure or skipped inside), and counts that agree with its testcases, at the
# root and in each suite; quoted values must come back as they were written. With xmllint
# (Debian: libxml2-utils) each report is also validated against .ci/junit.xsd, after a
# self-check that the schema accepts a minimal report and rejects broken ones.
# Usage: .ci/check-junit.sh [--bin PATH]   (default: target/release/transship)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TRANSSHIP_BIN:-target/release/transship}
if [ "${1:-}" = "--bin" ]; then BIN=$2; shift 2; fi
[ -x "$BIN" ] || { echo "no transship binary at $BIN (build it or pass --bin)"; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
exec python3 - "$BIN" fixtures/lint/*/*/ <<'PY'
import json, os, shutil, subprocess, sys, tempfile
import xml.etree.ElementTree as ET

binary, cases = sys.argv[1], sys.argv[2:]
SCHEMA = ".ci/junit.xsd"
XMLLINT = shutil.which("xmllint")

def schema_errors(doc):
    """xmllint's complaints about a document, or None when it validates."""
    p = subprocess.run([XMLLINT, "--noout", "--schema", SCHEMA, "-"], input=doc, capture_output=True)
    return None if p.returncode == 0 else p.stderr.decode(errors="replace").strip()

def suites(body):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="1" failures="1" errors="0">'
            + body + "</testsuites>\n").encode()

SUITE = '<testsuite name="compose.yaml" tests="1" failures="1" errors="0" skipped="0" time="0">{}</testsuite>'
GOOD = SUITE.format('<testcase name="TS401 services.web.privileged" classname="compose.yaml" time="0">'
                    '<failure message="TS401: privileged" type="error">details</failure></testcase>')
# Each breaks one thing the reporters rely on; a schema that accepts any of them is too weak.
BROKEN = {
    "a testcase without name": SUITE.format('<testcase classname="compose.yaml"/>'),
    "a testcase without classname": SUITE.format('<testcase name="lint"/>'),
    "a failure outside a testcase": SUITE.format('<failure message="m" type="error"/>'),
    "a failure without message": SUITE.format('<testcase name="a" classname="c"><failure type="error"/></testcase>'),
    "a failure without type": SUITE.format('<testcase name="a" classname="c"><failure message="m"/></testcase>'),
    "a testsuite without tests": '<testsuite name="c" failures="0" errors="0"/>',
    "a count that is not a number": '<testsuite name="c" tests="one" failures="0" errors="0"/>',
    "a negative time": '<testsuite name="c" tests="0" failures="0" errors="0" time="-1"/>',
    "a testcase directly under testsuites": '<testcase name="a" classname="c"/>',
    "an unknown element in a testcase": SUITE.format('<testcase name="a" classname="c"><passed/></testcase>'),
}
schema_checked = 0
if XMLLINT:
    bad = []
    err = schema_errors(suites(GOOD))
    if err:
        bad.append(f"the schema rejects a minimal valid report: {err}")
    for what, body in BROKEN.items():
        if schema_errors(suites(body)) is None:
            bad.append(f"the schema accepts {what}")
    if bad:
        print("FAIL schema self-check (.ci/junit.xsd):")
        for b in bad:
            print("   ", b)
        sys.exit(1)
    print(f"junit schema: accepts a minimal report, rejects {len(BROKEN)} broken ones")
else:
    print("junit schema: skipped: xmllint not found on PATH (Debian: libxml2-utils)")
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
            if XMLLINT:
                err = schema_errors(p.stdout)
                if err:
                    errs.append(f"does not validate against {SCHEMA}: {err}")
                schema_checked += 1
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
print(f"junit: {checked} reports ({testcases} testcases, one adversarial) parsed as XML with consistent counts, "
      f"{schema_checked} validated against {SCHEMA}, {failed} invalid")
sys.exit(1 if failed or not checked else 0)
PY
