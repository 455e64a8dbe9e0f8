#!/usr/bin/env python3
"""Side-by-side benchmark: `transship config` against `docker compose config`, and
`transship convert` per target and for all three targets in one run (against parsing alone,
`config -q`) beside `docker stack config`, on generated projects of 10, 1,000 and 5,000
services.

Usage: python3 benches/bench.py --compose COMPOSE_BIN [--bin target/release/transship] [--sizes 10,1000,5000]
Prints Markdown tables: median wall time of several runs, peak RSS, and the speed ratio.
Each command runs in its own process; peak memory is that child's maxrss. Converted files
go to a tmpfs (/dev/shm) when there is one, so the numbers are transship's work and not the
disk's (`--out-dir` to choose; on ext4, creating thousands of files right after many were
deleted is slow whatever writes them).
"""
import argparse, os, resource, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))

def run_once(cmd, cwd, check=True, ok=(0,)):
    # subprocess spawns with vfork/posix_spawn: os.fork of this Python process would add
    # about a millisecond to every run, which is most of a small run.
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         close_fds=False)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in ok:
        if check:
            sys.exit(f"failed: {' '.join(cmd)}")
        return None
    return elapsed, usage.ru_maxrss, usage.ru_utime

def peak_rss(cmd, cwd):
    """Peak RSS (KiB) of one run, forked so that the child's own pages are counted (a
    vfork'd child reports the parent's size before exec)."""
    pid = os.fork()
    if pid == 0:
        os.chdir(cwd)
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        try:
            os.execv(cmd[0], cmd)
        finally:
            os._exit(127)
    _, _, usage = os.wait4(pid, 0)
    return usage.ru_maxrss

def measure(cmd, cwd, runs, check=True, fresh=None, ok=(0,)):
    """Median time and peak RSS of `runs` runs. With `fresh` (a directory), `{out}` in the
    command becomes a new directory under it for every run, so each run writes its files
    anew; nothing is deleted between runs (ext4 slows down creating files right after
    many were deleted, which would measure the file system, not transship)."""
    # One untimed run first: the first start after a pause pays for cold caches (and, for a
    # binary the linker just wrote, page-cache state), which is not what a pipeline sees.
    warm = [a.replace("{out}", os.path.join(fresh, "warm")) for a in cmd] if fresh else cmd
    run_once(warm, cwd, check=False, ok=ok)
    results = []
    for i in range(runs):
        argv = [a.replace("{out}", os.path.join(fresh, f"run{i}")) for a in cmd] if fresh else cmd
        results.append(run_once(argv, cwd, check, ok))
    if any(r is None for r in results):
        return None
    argv = [a.replace("{out}", os.path.join(fresh, "rss")) for a in cmd] if fresh else cmd
    return (statistics.median(r[0] for r in results), peak_rss(argv, cwd),
            statistics.median(r[2] for r in results))

def cell(m):
    return "n/a" if m is None else f"{m[0]*1000:.1f} ms / {m[1]/1024:.0f} MiB"

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--compose", required=True, help="docker-compose v2 binary")
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "target", "release", "transship"))
    ap.add_argument("--sizes", default="10,1000,5000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--docker", default="docker", help="Docker CLI for `docker stack config`")
    ap.add_argument("--out-dir", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None,
                    help="where convert writes its files (default: /dev/shm when writable)")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    targets = ["nomad", "swarm", "systemd"]
    rows, convert_rows, lint_rows = [], [], []
    with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory(dir=a.out_dir) as outs:
        for n in [int(x) for x in a.sizes.split(",")]:
            d = os.path.join(work, f"p{n}")
            subprocess.run([sys.executable, os.path.join(HERE, "gen_project.py"), str(n), d], check=True)
            files = ["-p", "bench", "-f", "compose.yaml", "-f", "compose.prod.yaml"]
            args = files + ["config", "--format", "json"]
            # Small projects take a few milliseconds: more runs keep the median steady.
            runs = a.runs * 6 if n <= 100 else a.runs if n < 5000 else max(3, a.runs // 2)
            tt, tm, _ = measure([binary] + args, d, runs)
            ct, cm, _ = measure([a.compose] + args, d, runs)
            rows.append(f"| {n} | {tt*1000:.1f} ms | {ct*1000:.1f} ms | {ct/tt:.0f}x | {tm/1024:.1f} MiB | {cm/1024:.1f} MiB |")
            conv = {}
            for t in targets:
                out = os.path.join(outs, f"out-{t}-{n}")
                conv[t] = measure([binary] + files + ["convert", "--to", t, "-o", "{out}"], d, runs, check=False, fresh=out)
            out = os.path.join(outs, f"out-all-{n}")
            conv["all"] = measure([binary] + files + ["convert", "--to", ",".join(targets), "-o", "{out}"], d, runs, check=False, fresh=out)
            parse = measure([binary] + files + ["config", "-q"], d, runs)
            # lint exits 1 when it finds something, which the generated project does.
            lint = measure([binary] + files + ["lint"], d, runs, ok=(0, 1))
            sarif = measure([binary] + files + ["lint", "--format", "sarif"], d, runs, ok=(0, 1))
            lint_rows.append(f"| {n} | {cell(parse)} | {cell(lint)} | {cell(sarif)} |")
            stack = measure([shutil.which(a.docker) or a.docker, "stack", "config", "-c", "compose.yaml", "-c", "compose.prod.yaml"], d, runs, check=False)
            # Wall time includes creating the files; user CPU time is the conversion itself.
            # (CPU time is counted in clock ticks: too coarse below some 20 ms.)
            cpu = f", {conv['all'][2] / parse[2]:.1f}x CPU" if conv["all"] and parse[2] >= 0.02 else ""
            ratio = "n/a" if conv["all"] is None else f"{conv['all'][0] / parse[0]:.1f}x wall{cpu}"
            convert_rows.append(f"| {n} | {cell(parse)} | " + " | ".join(cell(conv[t]) for t in targets + ["all"]) + f" | {ratio} | {cell(stack)} |")
    print("| services | transship config | docker compose config | ratio | transship peak RSS | compose peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print()
    print("| services | parse only (config -q) | convert nomad | convert swarm | convert systemd | all three in one run | all three / parse | docker stack config |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(convert_rows))
    print()
    print("| services | parse only (config -q) | lint | lint --format sarif |")
    print("|---:|---:|---:|---:|")
    print("\n".join(lint_rows))
    print(f"\nconvert wrote to {a.out_dir or tempfile.gettempdir()}")

main()
