#!/usr/bin/env python3
"""Standing comparison of `transship lint` with two peer Compose linters (issue 18, point 5).

Installs compose-lint (PyPI) and dclint (npm) at pinned versions when they are missing, runs
all three over corpus cases (folders with a case.json, as .ci/lint-corpus.sh reads them) and
prints, per peer rule: the peer's findings, how many transship also makes, how many it misses,
and how many are "peer-only after merge" (the peer lints files one by one; run on the merged
project it no longer reports them). Then the totals and, per TS rule, the transship findings
no peer makes. docs/lint-peers.md explains the mapping and the matching.

Usage: .ci/lint-peers.py [--bin PATH] [--all-misses] [--keep DIR] [CASE_DIR...]
Exit 0 whatever the numbers are (the comparison informs, it does not gate); 1 when a tool
fails to run (no JSON, a crash, a timeout); 2 on bad usage.
Python 3 standard library only.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import case_args  # noqa: E402 (the sibling module, found through the path set above)

COMPOSE_LINT_VERSION = "0.36.2"
DCLINT_VERSION = "3.1.0"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Peer rule -> the transship rules that report the same problem. The kinds:
#   a list of TS ids  compared; [] means compared but transship has no rule for it yet
#   LOAD              compared with transship refusing the project (exit 2), its equivalent
#   STYLE / OTHER     counted, not compared (the reason is printed)
# A peer rule missing here is compared as [] and flagged "unmapped", so a peer upgrade that
# adds rules shows up instead of vanishing.
LOAD, STYLE, OTHER = "load", "style", "other"
MAPPING = {
    "compose-lint": {
        "CL-0001": (["TS402", "TS411"], "engine socket, also via /, /run, /var/run mounts, :ro included"),
        "CL-0002": (["TS401"], "privileged"),
        "CL-0003": (["TS419"], "no-new-privileges not set (opt-in hardening, enabled for this run)"),
        "CL-0004": (["TS301", "TS302", "TS310"], "no tag, latest, or a moving tag (stable, nightly...)"),
        "CL-0005": (["TS408", "TS415"], "any published port on all interfaces (TS408 databases, TS415 the rest)"),
        "CL-0006": (["TS420"], "cap_drop ALL missing (opt-in hardening, enabled for this run)"),
        "CL-0007": (["TS421"], "read_only missing (opt-in hardening, enabled for this run)"),
        "CL-0008": (["TS403"], "network_mode host"),
        "CL-0009": (["TS409"], "seccomp/apparmor/selinux disabled"),
        "CL-0010": (["TS404", "TS405"], "pid or ipc host"),
        "CL-0011": (["TS412", "TS413"], "NET_ADMIN, SYS_BOOT (TS413), BPF (TS412) added"),
        "CL-0013": (["TS410", "TS411"], "sensitive host path, read-only too; TS410 writable only (by design)"),
        "CL-0014": (["TS207"], "logging driver none"),
        "CL-0016": (["TS416"], "host devices, device_cgroup_rules"),
        "CL-0017": ([], "shared mount propagation"),
        "CL-0018": (["TS417"], "explicit root user"),
        "CL-0019": (["TS303"], "tag without digest"),
        "CL-0020": (["TS407"], "credential-named variable with a literal (also env_file, defaults)"),
        "CL-0021": (["TS414", "TS407"], "password in a connection string"),
        "CL-0022": (["TS418"], "tmpfs with exec or suid"),
        "CL-0024": (["TS406", "TS412"], "ALL (TS406), SYS_ADMIN, SYS_MODULE, SYS_RAWIO (TS412)"),
        "CL-0025": (["TS410", "TS411", "TS402"], "writable root-equivalent host path"),
        "CL-0026": (["TS203"], "no memory and no CPU limit; TS203 memory only (by design)"),
        "CL-0027": (["TS412"], "SYS_PTRACE, DAC_READ_SEARCH (an error in TS412)"),
        "CL-0028": (["TS413"], "PERFMON, SYS_TIME"),
        "CL-0029": ([], "SYS_NICE, IPC_LOCK, LEASE (availability only)"),
        "CL-0030": (["TS413"], "SYSLOG"),
    },
    "dclint": {
        "invalid-yaml": (LOAD, "a file that does not parse"),
        "invalid-schema": (LOAD, "a file against the compose schema"),
        "no-duplicate-container-names": (LOAD, "compose refuses duplicate container names"),
        "no-duplicate-exported-ports": (["TS103"], "a host port published twice"),
        "no-unbound-port-interfaces": (["TS408", "TS415"], "any published port without a host IP (TS408 databases, TS415 the rest)"),
        "no-version-field": (["TS307"], "obsolete version key"),
        "require-quotes-in-ports": (["TS309"], "unquoted port; TS309 only the base-60 shapes YAML 1.1 misreads"),
        "service-image-require-explicit-tag": (["TS301", "TS302", "TS310"], "no tag, latest, or a moving tag"),
        "service-container-name-regex": (["TS110"], "container_name Docker rejects"),
        "no-build-and-image": (OTHER, "contradicts TS306, which asks for image: next to build:"),
        "no-quotes-in-volumes": (STYLE, "quoting style"),
        "require-project-name-field": (STYLE, "a top-level name: (transship takes -p)"),
        "service-keys-order": (STYLE, "key order"),
        "services-alphabetical-order": (STYLE, "key order"),
        "service-dependencies-alphabetical-order": (STYLE, "key order"),
        "service-ports-alphabetical-order": (STYLE, "key order"),
        "top-level-properties-order": (STYLE, "key order"),
        "unknown-error": (OTHER, "dclint failed on the file (not a finding about it)"),
    },
}
PEERS = ("compose-lint", "dclint")
# transship's opt-in rules, off by default: the run enables them through a config file, as a
# project would, so CL-0003/0006/0007 are compared with their counterparts.
OPT_IN = ("missing-no-new-privileges", "missing-cap-drop-all", "writable-root-filesystem")
TIMEOUT = 120


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(args, cwd=None, env=None, timeout=TIMEOUT):
    try:
        return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


# ---------------------------------------------------------------- install

def install(tools):
    base = os.path.join(tools, "peers")
    os.makedirs(base, exist_ok=True)
    venv = os.path.join(base, "venv")
    cl = os.path.join(venv, "bin", "compose-lint")
    p = run([cl, "--version"]) if os.path.exists(cl) else None
    if p is None or COMPOSE_LINT_VERSION not in p.stdout + p.stderr:
        log(f"installing compose-lint {COMPOSE_LINT_VERSION} into {venv}")
        if not os.path.exists(os.path.join(venv, "bin", "pip")):
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q",
                        f"compose-lint=={COMPOSE_LINT_VERSION}"], check=True)
    prefix = os.path.join(base, "npm")
    dcl = os.path.join(prefix, "node_modules", ".bin", "dclint")
    p = run([dcl, "--version"]) if os.path.exists(dcl) else None
    if p is None or p.stdout.strip() != DCLINT_VERSION:
        log(f"installing dclint {DCLINT_VERSION} into {prefix}")
        subprocess.run(["npm", "install", "--prefix", prefix, "--no-audit", "--no-fund", "--silent",
                        f"dclint@{DCLINT_VERSION}"], check=True)
    return cl, dcl


# ---------------------------------------------------------------- YAML positions

_lines_cache = {}


def file_lines(path):
    if path not in _lines_cache:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                _lines_cache[path] = f.read().split("\n")
        except OSError:
            _lines_cache[path] = []
    return _lines_cache[path]


def block_end(path, line):
    """Last line of the YAML block that starts at `line` (1-based): the lines indented deeper,
    or list items at the same indent under a `key:` line. Lets a peer that points at a parent
    key (dclint: `ports:`) meet transship pointing at the item."""
    lines = file_lines(path)
    if not 1 <= line <= len(lines):
        return line
    head = lines[line - 1]
    indent = len(head) - len(head.lstrip(" "))
    is_key = head.rstrip().endswith(":")
    end = line
    for i in range(line, len(lines)):
        text = lines[i]
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        ind = len(text) - len(text.lstrip(" "))
        if ind > indent or (is_key and ind == indent and stripped.startswith("- ")):
            end = i + 1
        else:
            break
    return end


def ts_service(key_path):
    m = re.match(r"services\.(.+)", key_path or "")
    return m.group(1) if m else None


def same_service(peer_service, key_path):
    if not peer_service or not (key_path or "").startswith("services."):
        return True
    return key_path == f"services.{peer_service}" or key_path.startswith(f"services.{peer_service}.")


# ---------------------------------------------------------------- the tools

def case_spec(case):
    with open(os.path.join(case, "case.json")) as f:
        return json.load(f)


def case_env(spec):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    env.update(case_args.case_env(spec))
    return env


def transship_args(binary, spec):
    return [binary] + case_args.transship_args(spec, "corpus")


def write_config(work):
    """The `.transship.toml` the lint run reads: the opt-in rules enabled."""
    path = os.path.join(work, "transship.toml")
    with open(path, "w") as f:
        f.write("[lint.rules]\n" + "".join(f'{r} = "warning"\n' for r in OPT_IN))
    return path


def run_transship(binary, case, spec, merged_dir, config):
    """Lint findings, or None when transship refuses the project (exit 2). Also writes the
    merged project (`config`) to merged_dir/compose.yaml for the peers' second run."""
    env = case_env(spec)
    base = transship_args(binary, spec)
    p = run(base + ["lint", "--config", config, "--format", "json", "--fail-on", "info"], cwd=case, env=env)
    if p is None:
        raise RuntimeError(f"transship lint timed out on {case}")
    if p.returncode == 2:
        return None, (p.stderr.strip().splitlines() or [""])[-1]
    try:
        doc = json.loads(p.stdout)
        assert p.returncode in (0, 1) and doc.get("version") == 1
    except (ValueError, AssertionError):
        raise RuntimeError(f"transship lint failed on {case}: exit {p.returncode}: {p.stderr.strip()[-300:]}")
    findings = []
    for f in doc["findings"]:
        if f.get("suppressed"):
            continue
        findings.append({"rule": f["rule"], "file": os.path.normpath(os.path.join(case, f["file"])) if f.get("file") else None,
                         "line": f.get("line"), "key_path": f.get("key_path"), "message": f["message"]})
    p = run(base + ["config"], cwd=case, env=env)
    if p is None or p.returncode != 0:
        raise RuntimeError(f"transship config failed on {case} although lint loaded it")
    os.makedirs(merged_dir, exist_ok=True)
    with open(os.path.join(merged_dir, "compose.yaml"), "w") as f:
        f.write(p.stdout)
    p = run(base + ["config", "--format", "json"], cwd=case, env=env)
    try:
        services = json.loads(p.stdout).get("services") or {}
    except (AttributeError, ValueError):
        raise RuntimeError(f"transship config --format json failed on {case}")
    return {"findings": findings, "builds": sorted(n for n, s in services.items() if s.get("build"))}, None


def run_compose_lint(cl, cwd, files, env):
    """compose-lint as the review ran it: --fail-on low, again with --allow-partial-coverage on
    exit 2 (a coverage gap). Returns (findings, refusal)."""
    args = [cl, "check", "--format", "json", "--fail-on", "low", "--"] + files
    p = run(args, cwd=cwd, env=env)
    if p is not None and p.returncode == 2:
        p = run(args[:2] + ["--allow-partial-coverage"] + args[2:], cwd=cwd, env=env)
    if p is None:
        raise RuntimeError(f"compose-lint timed out in {cwd}")
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        raise RuntimeError(f"compose-lint failed in {cwd}: exit {p.returncode}: {p.stderr.strip()[-300:]}")
    findings = [{"rule": f["rule_id"], "file": os.path.normpath(os.path.join(cwd, f["file"])),
                 "line": f.get("line"), "service": f.get("service"), "message": f.get("message", "")}
                for f in doc.get("findings", []) if not f.get("suppressed")]
    refusal = None
    if p.returncode == 2 or doc.get("errors"):
        refusal = "; ".join(f"{e.get('file')}: {e.get('message')}" for e in doc.get("errors", [])) or f"exit {p.returncode}"
    return findings, refusal


def dclint_call(dcl, files, out):
    p = run([dcl, "-f", "json", "-o", out, "--no-color"] + files, cwd=tempfile.gettempdir(), timeout=600)
    try:
        with open(out) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def run_dclint(dcl, files, workdir, jobs):
    """dclint on many files per call (its start-up costs about a second); JSON goes through -o
    because piped stdout gets cut at 64 KiB. A chunk that fails is retried file by file, so one
    file dclint cannot open does not lose the others. Returns ({file: findings}, failures)."""
    files = sorted(set(files))
    chunks = [files[i::jobs] for i in range(jobs) if files[i::jobs]]
    results, failures = {}, []

    def one(i, chunk):
        doc = dclint_call(dcl, chunk, os.path.join(workdir, f"dclint-{i}.json"))
        if doc is not None:
            return doc, []
        doc, bad = [], []
        for j, f in enumerate(chunk):
            d = dclint_call(dcl, [f], os.path.join(workdir, f"dclint-{i}-{j}.json"))
            if d is None:
                bad.append(f)
            else:
                doc += d
        return doc, bad

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for doc, bad in pool.map(lambda a: one(*a), enumerate(chunks)):
            failures += bad
            for entry in doc:
                path = os.path.normpath(os.path.join(tempfile.gettempdir(), entry["filePath"]))
                for m in entry.get("messages", []):
                    data = m.get("data") or {}
                    results.setdefault(path, []).append({
                        "rule": m["rule"], "file": path, "line": m.get("line"),
                        "service": data.get("serviceName"), "message": m.get("message", ""),
                        "port": data.get("portItem")})
    return results, failures


def refine_port_line(f):
    """dclint reports a port at the `ports:` line; move it to the item that holds the port, so
    a service with several ports is matched port by port."""
    port = f.get("port")
    if not isinstance(port, str) or not f.get("line"):
        return
    lines = file_lines(f["file"])
    for n in range(f["line"], block_end(f["file"], f["line"]) + 1):
        if 1 <= n <= len(lines) and port in lines[n - 1]:
            f["line"] = n
            return


# ---------------------------------------------------------------- comparison

IMAGE_RULES = {"TS301", "TS302", "TS303"}


def parent_key(path, line):
    """The key of the block a list item belongs to (`ports`, `expose`...)."""
    lines = file_lines(path)
    if not 1 <= line <= len(lines):
        return None
    indent = len(lines[line - 1]) - len(lines[line - 1].lstrip(" "))
    for n in range(line - 2, -1, -1):
        text = lines[n]
        if not text.strip() or text.strip().startswith("#"):
            continue
        ind = len(text) - len(text.lstrip(" "))
        if ind < indent or (ind == indent and not text.strip().startswith("- ")):
            return text.strip().rstrip(":").strip()
    return None


# YAML 1.1's base-60 integer, which TS309 reports when a port mapping has its shape.
YAML11_SEXAGESIMAL = re.compile(r"[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+$")


def mount_read_only(path, line):
    """Whether the volume entry at `line` is read-only: `:ro` in the short syntax, or
    `read_only: true` in the long-syntax item the line belongs to."""
    lines = file_lines(path)
    if not line or not 1 <= line <= len(lines):
        return False
    if re.search(r":ro\b", lines[line - 1]):
        return True
    indent = lambda t: len(t) - len(t.lstrip(" "))
    start, own = line, indent(lines[line - 1])
    # Up to the `- ` that opens the item; a shallower line that is not one means there is none.
    while not lines[start - 1].strip().startswith("- "):
        start -= 1
        text = lines[start - 1] if start >= 1 else ""
        if start < 1 or (text.strip() and not text.strip().startswith(("#", "- ")) and indent(text) < own):
            return False
    return any(re.match(r"\s*(- )?read_only:\s*true\b", lines[n - 1])
               for n in range(start, block_end(path, start) + 1))


def explain(kind, peer_rule, f, case_builds):
    """A miss that is a known, documented difference rather than something transship should
    report (docs/lint-peers.md): returns the reason, or None for a real miss."""
    if kind == LOAD:
        # transship's loader is held to Docker Compose's verdict in CI (oracle_diff.py).
        return "valid compose: docker compose loads it too"
    if set(kind) & IMAGE_RULES and f.get("service") in case_builds:
        return "the service builds its image: image: names the build output"
    if peer_rule == "require-quotes-in-ports":
        text = file_lines(f["file"])[f["line"] - 1] if f.get("line") and f["line"] <= len(file_lines(f["file"])) else ""
        if parent_key(f["file"], f["line"]) == "expose":
            return "an expose: entry (no host port, nothing for YAML to misread)"
        if '"' in text:
            return "already in double quotes (dclint wants single ones)"
        if "$" in text:
            return "holds a variable: YAML reads it as a string, nothing to misread"
        if ":" not in text.split("#")[0]:
            return "a single container port: nothing for YAML to misread"
        if not YAML11_SEXAGESIMAL.match(text.split("#")[0].strip().lstrip("-").strip()):
            return "YAML 1.1 reads it as a string too (not base-60-shaped), nothing to misread"
    if peer_rule == "CL-0013" and mount_read_only(f["file"], f["line"]):
        return "a read-only mount: TS410 reports writable system paths only"
    if peer_rule == "CL-0026" and "no memory limit" not in f.get("message", ""):
        return "no CPU limit, with a memory limit: TS203 checks memory only"
    if peer_rule == "no-duplicate-exported-ports" and re.search(r'exporting port "\d+"', f.get("message", "")):
        return "a container-only port: Docker picks a free host port, nothing clashes"
    return None


def match(peer_findings, ts_findings, ts_rules):
    """Which findings of one peer rule in one case transship also makes: a finding of a mapped
    rule in the same file on the same line, on the line before or after (one tool points at the
    key, the other at the value), or inside the YAML block the peer points at (a service, a
    `ports:` list). Off the exact line, the service must agree when both name one. For the
    image and service-level findings, the same service in another file of the project. Several
    peer findings may meet one transship finding: compose-lint reports an anchored image or an
    env_file line once per service that uses it, transship once per place.
    Returns the matched peer indexes and the indexes of the closest transship findings."""
    made, seen = set(), set()
    for i, pf in enumerate(peer_findings):
        if not pf.get("line"):
            continue
        end = max(pf["line"] + 1, block_end(pf["file"], pf["line"]))
        best = None
        for j, tf in enumerate(ts_findings):
            if tf["rule"] not in ts_rules or tf["file"] != pf["file"] or not tf.get("line"):
                continue
            if not pf["line"] - 1 <= tf["line"] <= end:
                continue
            if tf["line"] != pf["line"] and not same_service(pf.get("service"), tf.get("key_path")):
                continue
            d = abs(tf["line"] - pf["line"])
            if best is None or d < best[0]:
                best = (d, j)
        if best is None and pf.get("service"):
            # A single-valued key (the image, the service itself) set in two files: transship
            # points at the one that wins the merge, a per-file peer may report the other.
            for j, tf in enumerate(ts_findings):
                if tf["rule"] in ts_rules and tf.get("key_path") in (
                        f"services.{pf['service']}", f"services.{pf['service']}.image"):
                    best = (0, j)
                    break
        if best:
            made.add(i)
            seen.add(best[1])
    return made, seen


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.environ.get("TRANSSHIP_BIN", os.path.join(ROOT, "target/release/transship")))
    ap.add_argument("--tools", default=os.environ.get("TRANSSHIP_TOOLS", os.path.expanduser("~/.cache/transship-ci")))
    ap.add_argument("--jobs", type=int, default=2, help="processes at a time (default 2)")
    ap.add_argument("--all-misses", action="store_true", help="print every miss, not 5 per rule")
    ap.add_argument("--keep", help="write the raw findings of every tool to this folder")
    ap.add_argument("cases", nargs="*", help="case folders (default: every case of ../shared/corpus)")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    if not os.access(binary, os.X_OK):
        print(f"no transship binary at {binary} (build it or pass --bin)")
        return 2
    cases = a.cases
    if not cases:
        corpus = os.path.join(os.environ.get("SHARED", os.path.join(ROOT, "..", "shared")), "corpus")
        cases = [os.path.join(corpus, d) for d in sorted(os.listdir(corpus))] if os.path.isdir(corpus) else []
    cases = sorted({os.path.abspath(c.rstrip("/")) for c in cases if os.path.isfile(os.path.join(c, "case.json"))})
    if not cases:
        print("usage: lint-peers.py [--bin PATH] CASE_DIR...  (no case.json found)")
        return 2
    jobs = max(1, a.jobs)
    started = time.monotonic()
    try:
        cl, dcl = install(a.tools)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"FAIL: could not install the peers (pip, npm and network needed): {e}")
        return 1
    work = tempfile.mkdtemp(prefix="lint-peers-")
    failures, timing = [], {}
    try:
        config = write_config(work)
        specs = {c: case_spec(c) for c in cases}
        names = {c: os.path.basename(c) for c in cases}
        merged = {c: os.path.join(work, "merged", f"{i:04d}") for i, c in enumerate(cases)}

        # transship: lint, and the merged project for the peers' second run.
        t0 = time.monotonic()
        ts, refused, builds = {}, {}, {}

        def do_ts(c):
            try:
                return c, run_transship(binary, c, specs[c], merged[c], config), None
            except RuntimeError as e:
                return c, (None, None), str(e)
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            for c, (findings, why), err in pool.map(do_ts, cases):
                if err:
                    failures.append(err)
                    refused[c] = "transship failed"
                elif findings is None:
                    refused[c] = why
                else:
                    ts[c] = findings["findings"]
                    builds[c] = set(findings["builds"])
        timing["transship"] = time.monotonic() - t0

        # compose-lint: each case as given, and each merged project.
        t0 = time.monotonic()
        peer = {p: {} for p in PEERS}
        peer_merged = {p: {} for p in PEERS}
        peer_refusals = []

        def do_cl(item):
            kind, c = item
            try:
                if kind == "case":
                    return item, run_compose_lint(cl, c, specs[c]["files"], case_env(specs[c])), None
                return item, run_compose_lint(cl, merged[c], ["compose.yaml"], case_env({})), None
            except RuntimeError as e:
                return item, ([], None), str(e)
        items = [("case", c) for c in cases] + [("merged", c) for c in cases if c in ts]
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            for (kind, c), (findings, refusal), err in pool.map(do_cl, items):
                if err:
                    failures.append(err)
                (peer if kind == "case" else peer_merged)["compose-lint"][c] = findings
                if refusal and kind == "case":
                    peer_refusals.append(f"compose-lint {names[c]}: {refusal}")
        timing["compose-lint"] = time.monotonic() - t0

        # dclint: every file of every case in as few calls as possible, then the merged ones.
        t0 = time.monotonic()
        case_files = {c: [os.path.normpath(os.path.join(c, f)) for f in specs[c]["files"]] for c in cases}
        by_file, bad = run_dclint(dcl, [f for c in cases for f in case_files[c]], work, jobs)
        for f in bad:
            failures.append(f"dclint failed on {f}")
        merged_files = {c: os.path.join(merged[c], "compose.yaml") for c in ts}
        by_merged, bad = run_dclint(dcl, list(merged_files.values()), work, jobs)
        for f in bad:
            failures.append(f"dclint failed on merged {f}")
        for c in cases:
            peer["dclint"][c] = [dict(x) for f in case_files[c] for x in by_file.get(f, [])]
            for x in peer["dclint"][c]:
                refine_port_line(x)
            if c in merged_files:
                peer_merged["dclint"][c] = by_merged.get(merged_files[c], [])
            for x in peer["dclint"][c]:
                if x["rule"] in ("invalid-yaml", "invalid-schema", "unknown-error"):
                    peer_refusals.append(f"dclint {names[c]}: {os.path.relpath(x['file'], c)}: "
                                         f"{x['rule']}: {x['message'].splitlines()[0][:120]}")
        timing["dclint"] = time.monotonic() - t0

        if a.keep:
            os.makedirs(a.keep, exist_ok=True)
            raw = {"transship": {names[c]: v for c, v in ts.items()},
                   "transship-refused": {names[c]: v for c, v in refused.items()}}
            for p in PEERS:
                raw[p] = {names[c]: v for c, v in peer[p].items()}
                raw[p + "-merged"] = {names[c]: v for c, v in peer_merged[p].items()}
            for name, data in raw.items():
                with open(os.path.join(a.keep, f"{name}.json"), "w") as f:
                    json.dump(data, f, indent=1, sort_keys=True)

        # Compare.
        Row = lambda: collections.Counter()
        rows = {p: collections.defaultdict(Row) for p in PEERS}
        misses = {p: collections.defaultdict(list) for p in PEERS}
        gone = {p: collections.defaultdict(list) for p in PEERS}
        explained = {p: collections.defaultdict(list) for p in PEERS}
        ts_seen = {c: set() for c in ts}
        unmapped = set()
        for p in PEERS:
            for c in cases:
                by_rule = collections.defaultdict(list)
                for f in peer[p].get(c, []):
                    by_rule[f["rule"]].append(f)
                for rule, fs in by_rule.items():
                    if rule not in MAPPING[p]:
                        unmapped.add((p, rule))
                    kind = MAPPING[p].get(rule, ([], ""))[0]
                    row = rows[p][rule]
                    row["findings"] += len(fs)
                    if kind in (STYLE, OTHER):
                        continue
                    if kind == LOAD:
                        if c in refused:
                            row["made"] += len(fs)
                        else:
                            for f in fs:
                                row["explained"] += 1
                                explained[p][f"{rule} ({explain(kind, rule, f, set())})"].append((c, f))
                        continue
                    if c in refused:
                        row["refused"] += len(fs)
                        continue
                    made, used = match(fs, ts[c], set(kind))
                    ts_seen[c] |= used
                    row["made"] += len(made)
                    # Unmatched ones the peer no longer reports on the merged project: counted
                    # per service, the slots left over after the matched ones.
                    slots = collections.Counter(f.get("service") for f in peer_merged[p].get(c, []) if f["rule"] == rule)
                    for i, f in enumerate(fs):
                        if i in made:
                            slots[f.get("service")] -= 1
                    for i, f in enumerate(fs):
                        if i in made:
                            continue
                        if f.get("service") and slots[f["service"]] <= 0:
                            row["after_merge"] += 1
                            gone[p][rule].append((c, f))
                        else:
                            slots[f.get("service")] -= 1
                            why = explain(kind, rule, f, builds[c])
                            if why:
                                row["explained"] += 1
                                explained[p][f"{rule} ({why})"].append((c, f))
                            else:
                                row["missed"] += 1
                                misses[p][rule].append((c, f))

        # Output: misses first, the tables last (CI shows the tail).
        out = []

        def listing(title, found):
            out.append(title + ("" if a.all_misses else " (5 per rule; --all-misses for all)"))
            for p in PEERS:
                for rule in sorted(found[p]):
                    ms = sorted(found[p][rule], key=lambda m: (m[0], m[1]["file"], m[1].get("line") or 0, m[1]["message"]))
                    places = len({(m[1]["file"], m[1].get("line")) for m in ms})
                    out.append(f"{p} {rule}: {len(ms)} at {places} places")
                    for c, f in ms if a.all_misses else ms[:5]:
                        svc = f" [{f['service']}]" if f.get("service") else ""
                        out.append(f"  {names[c]}/{os.path.relpath(f['file'], c)}:{f.get('line') or '?'}{svc} "
                                   f"{f['message'].splitlines()[0][:110]}")
        listing("== peer-only after merge: per-file findings the peer drops when run on the merged project", gone)
        out.append("")
        listing("== explained: misses that are a documented difference, not a transship gap", explained)
        out.append("")
        listing("== misses: peer findings of compared rules that transship does not make", misses)
        out.append("")
        out.append("== refusals: cases a tool did not lint completely")
        for c in cases:
            if c in refused:
                out.append(f"transship {names[c]}: {refused[c][:160]}")
        out += [r[:200] for r in sorted(peer_refusals)]
        out.append("")
        tsv = run([binary, "--version"])
        commit = run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"])
        out.append(f"== per peer rule ({tsv.stdout.strip() if tsv else 'transship ?'}, repo at "
                   f"{commit.stdout.strip() if commit and commit.returncode == 0 else '?'}; compose-lint "
                   f"{COMPOSE_LINT_VERSION}; dclint {DCLINT_VERSION}; {len(cases)} cases, {len(ts)} loaded by transship)")
        out.append(f"{'peer rule':46} {'transship':17} {'findings':>8} {'made':>6} {'missed':>6} {'expl':>5} {'merge':>6} {'refused':>7}  note")
        totals = collections.Counter()
        for p in PEERS:
            for rule in sorted(set(rows[p]) | set(MAPPING[p])):
                row = rows[p][rule]
                kind, note = MAPPING[p].get(rule, ([], "unmapped: add it to MAPPING"))
                if kind in (STYLE, OTHER):
                    mapped = "style" if kind == STYLE else "-"
                    out.append(f"{p + ' ' + rule:46} {mapped:17} {row['findings']:>8} {'':>6} {'':>6} {'':>5} {'':>6} {'':>7}  not compared: {note}")
                    totals["not_compared"] += row["findings"]
                    continue
                mapped = "load error" if kind == LOAD else (",".join(kind) or "none")
                out.append(f"{p + ' ' + rule:46} {mapped:17} {row['findings']:>8} {row['made']:>6} {row['missed']:>6} "
                           f"{row['explained']:>5} {row['after_merge']:>6} {row['refused']:>7}  {note}")
                for k in ("findings", "made", "missed", "explained", "after_merge", "refused"):
                    totals[k] += row[k]
        out.append(f"{'total compared':46} {'':17} {totals['findings']:>8} {totals['made']:>6} {totals['missed']:>6} "
                   f"{totals['explained']:>5} {totals['after_merge']:>6} {totals['refused']:>7}  (+ {totals['not_compared']} style/other not compared)")
        out.append("made: transship reports it too. missed: it does not. expl: it does not, for a documented reason"
                   " (listed above). merge: peer-only, gone once the files are merged and interpolated. refused: in a case transship"
                   " refuses (exit 2).")
        out.append("")
        out.append("== transship findings per rule, and those no peer makes")
        out.append(f"{'rule':6} {'findings':>8} {'a peer too':>10} {'no peer':>8}")
        per_ts = collections.defaultdict(collections.Counter)
        for c, fs in ts.items():
            for j, f in enumerate(fs):
                per_ts[f["rule"]]["all"] += 1
                per_ts[f["rule"]]["peer" if j in ts_seen[c] else "only"] += 1
        for rule in sorted(per_ts):
            n = per_ts[rule]
            out.append(f"{rule:6} {n['all']:>8} {n['peer']:>10} {n['only']:>8}")
        out.append(f"{'total':6} {sum(n['all'] for n in per_ts.values()):>8} {sum(n['peer'] for n in per_ts.values()):>10} "
                   f"{sum(n['only'] for n in per_ts.values()):>8}")
        out.append("")
        if unmapped:
            out.append("unmapped peer rules (compared as having no transship rule): "
                       + ", ".join(f"{p} {r}" for p, r in sorted(unmapped)))
        out.append("time: " + ", ".join(f"{k} {v:.0f}s" for k, v in timing.items())
                   + f", total {time.monotonic() - started:.0f}s")
        for f in failures:
            out.append(f"FAIL: {f}")
        out.append(f"lint-peers: {'FAILED, a tool did not run' if failures else 'ok'}")
        print("\n".join(out))
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
