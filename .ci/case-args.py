#!/usr/bin/env python3
"""A case folder's case.json as transship arguments (`args`: -f FILE..., -p, --project-directory,
--profile, --env-file) or as its environment (`env`: NAME=VALUE...), NUL-separated for bash's
`mapfile -d ''`. Shared by the .ci/check-*.sh scripts.

Usage: case-args.py args|env CASE_JSON
"""
import json
import sys

what, path = sys.argv[1], sys.argv[2]
case = json.load(open(path))
if what == "args":
    out = []
    for f in case["files"]:
        out += ["-f", f]
    out += ["-p", case.get("project", "oracle")]
    if case.get("project_directory"):
        out += ["--project-directory", case["project_directory"]]
    for p in case.get("profiles", []):
        out += ["--profile", p]
    for e in case.get("env_files", []):
        out += ["--env-file", e]
    sys.stdout.write("".join(a + "\0" for a in out))
elif what == "env":
    sys.stdout.write("".join(f"{k}={v}\0" for k, v in case.get("env", {}).items()))
else:
    sys.exit(f"case-args.py: unknown {what!r} (args or env)")
