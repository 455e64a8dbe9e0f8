#!/usr/bin/env python3
"""Side-by-side benchmark: `transship config` against `docker compose config` (and, when
given, other commands) on generated projects of 10, 1,000 and 5,000 services.

Usage: python3 benches/bench.py --compose COMPOSE_BIN [--bin target/release/transship] [--sizes 10,1000,5000]
Prints a Markdown table: median wall time of several runs, peak RSS, and the speed ratio.
Each command runs in its own process; peak memory is that child's maxrss.
"""
import argparse, os, resource, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))

def run_once(cmd, cwd):
    pid = os.fork()
    if pid == 0:
        os.chdir(cwd)
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execv(cmd[0], cmd)
    t0 = time.perf_counter()
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss

def measure(cmd, cwd, runs):
    results = [run_once(cmd, cwd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--compose", required=True, help="docker-compose v2 binary")
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "target", "release", "transship"))
    ap.add_argument("--sizes", default="10,1000,5000")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    print("| services | transship config | docker compose config | ratio | transship peak RSS | compose peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as work:
        for n in [int(x) for x in a.sizes.split(",")]:
            d = os.path.join(work, f"p{n}")
            subprocess.run([sys.executable, os.path.join(HERE, "gen_project.py"), str(n), d], check=True)
            args = ["-f", "compose.yaml", "-f", "compose.prod.yaml", "config", "--format", "json"]
            runs = a.runs if n < 5000 else max(3, a.runs // 2)
            tt, tm = measure([binary] + args, d, runs)
            ct, cm = measure([a.compose] + args, d, runs)
            print(f"| {n} | {tt*1000:.1f} ms | {ct*1000:.1f} ms | {ct/tt:.0f}x | {tm/1024:.1f} MiB | {cm/1024:.1f} MiB |")

main()
