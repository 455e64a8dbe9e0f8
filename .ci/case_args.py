#!/usr/bin/env python3
"""How a case folder's case.json is loaded: the transship arguments (-f FILE..., -p,
--project-directory, --profile, --env-file) and the case's own environment. Shared by the
.ci/check-*.sh scripts (through the command line) and the lint scripts (as a module).

Usage: case_args.py args|env CASE_JSON
  prints the arguments, or the environment as NAME=VALUE, NUL-separated for bash's
  `mapfile -d ''`; the project defaults to `oracle`, as the loader oracle names it.
"""
import json
import sys


def transship_args(spec, default_project):
    """The load arguments of case.json `spec`, `default_project` when it names none."""
    args = []
    for f in spec.get("files", []):
        args += ["-f", f]
    args += ["-p", spec.get("project", default_project)]
    if spec.get("project_directory"):
        args += ["--project-directory", spec["project_directory"]]
    for p in spec.get("profiles", []):
        args += ["--profile", p]
    for e in spec.get("env_files", []):
        args += ["--env-file", e]
    return args


def case_env(spec):
    """The variables case.json `spec` sets (the caller adds PATH and HOME)."""
    return dict(spec.get("env", {}))


if __name__ == "__main__":
    what, path = sys.argv[1], sys.argv[2]
    spec = json.load(open(path))
    if what == "args":
        items = transship_args(spec, "oracle")
    elif what == "env":
        items = [f"{k}={v}" for k, v in case_env(spec).items()]
    else:
        sys.exit(f"case_args.py: unknown {what!r} (args or env)")
    sys.stdout.write("".join(i + "\0" for i in items))
