#!/usr/bin/env python3
"""Side-by-side benchmark of transship against Docker Compose and podlet (README "## Speed").

Usage: python3 benches/bench.py [--compose COMPOSE_BIN] [--bin target/release/transship]
           [--sizes 10,1000,5000] [--runs 5] [--compose-runs 3] [--startup-runs 50]
           [--only SECTION,...] [--out FILE]

Sections (`--only`, comma-separated; default all, in this order):
  startup          `transship --version` against an empty Rust binary (`fn main(){}`, built
                   with `rustc -O` into the cache directory) and /bin/true
  parser           `config -q` (the loader) against examples/yaml_events.rs (every event of
                   the same YAML parser, nothing built) on the same bytes: MB/s and the ratio
  podlet           `convert --to quadlet -o DIR` against `podlet compose` writing into a
                   directory, on plain services both accept (`--podlet-sizes`, default 10,1000)
  config-anchor    `config --format json` against `docker compose config --format json`: one
                   file, an anchor merged into every service, interpolation with defaults
  config-override  the same on a base file with an anchor plus an override file and a .env
  convert          convert per target and all three (nomad, swarm, systemd) in one run,
                   against parsing alone (`config -q`), beside `docker stack config`
  lint             lint and lint --format sarif against parsing alone
  warnings         at the largest size, convert with its warnings going to /dev/null, to a
                   file, and to a file with --verbose: bytes of warnings and their share of
                   the run (there is no flag that stops convert printing warnings)

Every time is the median of several paired runs: the commands compared run in turn (a, b,
a, b, ...), each once untimed first (timed too when it takes 2 s or more), so a change in
the machine's load falls on all of them. Peak RSS is that of the first run, through GNU
time so that it is the command's own (without GNU time: one more run, forked).
Converted files go to a tmpfs (/dev/shm) when there is one, a new directory for every run
(`--out-dir` to choose: on ext4, creating thousands of files right after many were deleted
is slow whatever writes them). The tables are Markdown, on stdout and in `--out FILE`.
Only Python's standard library; podlet is installed into the cache directory with
`cargo install` when it is missing.
"""
import argparse, json, os, platform, resource, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SECTIONS = ["startup", "parser", "podlet", "config-anchor", "config-override", "convert",
            "lint", "warnings"]
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                     "transship-bench")


def note(msg):
    print(msg, file=sys.stderr, flush=True)


class Cmd:
    """One command to time. `{out}` in argv becomes a new directory under `fresh` for each
    run (created beforehand, untimed, when `mkdir`); `stderr` is a file path (a new file for
    each run, `{run}` replaced) or None for /dev/null; exit codes in `ok` count as success;
    the peak-RSS run writes its stdout to `capture` when given."""

    def __init__(self, argv, cwd, runs, fresh=None, mkdir=False, stderr=None, ok=(0,), capture=None):
        self.argv, self.cwd, self.runs, self.capture = argv, cwd, runs, capture
        self.fresh, self.mkdir, self.stderr, self.ok = fresh, mkdir, stderr, ok

    def prepared(self, run):
        argv = self.argv
        if self.fresh:
            out = os.path.join(self.fresh, run)
            argv = [a.replace("{out}", out) for a in argv]
            if self.mkdir:
                os.makedirs(out, exist_ok=True)
        err = self.stderr.replace("{run}", run) if self.stderr else None
        return argv, err


def run_once(argv, cwd, err_path=None, out_path=None):
    """(seconds, (user, system) CPU seconds, exit code). subprocess spawns with vfork/posix_spawn:
    os.fork of this Python process would add about a millisecond to every run, which is
    most of a small run."""
    err = open(err_path, "wb") if err_path else subprocess.DEVNULL
    out = open(out_path, "wb") if out_path else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, close_fds=False)
        _, status, usage = os.wait4(p.pid, 0)
        elapsed = time.perf_counter() - t0
    finally:
        for f, path in ((err, err_path), (out, out_path)):
            if path:
                f.close()
    return elapsed, (usage.ru_utime, usage.ru_stime), os.waitstatus_to_exitcode(status)


def gnu_time():
    """GNU time, when installed: it forks the command from its own small process, so the
    peak RSS is the command's own (a child of this Python would start at Python's size:
    the kernel carries a process's peak over exec)."""
    path = shutil.which("time") or ("/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None)
    if path:
        r = subprocess.run([path, "--version"], capture_output=True, text=True)
        if "GNU" in r.stdout + r.stderr:
            return path
    return None


GNU_TIME = gnu_time()


def peak_rss(argv, cwd, stdout_path=None):
    """Peak RSS (KiB) of one run, without GNU time: forked, so that at least the child's
    own pages count (a vfork'd child reports this Python's peak). The kernel carries a
    process's peak over exec, so values under this Python's size read as that."""
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(os.open(stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                    if stdout_path else fd, 1)
            os.dup2(fd, 2)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, _, usage = os.wait4(pid, 0)
    return usage.ru_maxrss


class Result:
    """Medians: wall time, user CPU time, user + system CPU time (seconds); peak RSS (KiB)."""

    def __init__(self, wall, cpu, total_cpu, rss):
        self.wall, self.cpu, self.total_cpu, self.rss = wall, cpu, total_cpu, rss


SLOW = 2.0  # seconds: a first run this long is timed too (cold caches are lost in it)


def measure(cmds, rss=True):
    """Time several commands paired: one first run of each (untimed, and its peak RSS
    taken through GNU time), then round after round of one run of each (a command with
    fewer `runs` drops out early). A first run of SLOW seconds or more counts as one of the
    `runs`: Docker Compose at 5,000 services takes minutes a run. A list of Result, or
    None for a command that failed."""
    times = [[] for _ in cmds]
    failed = [False] * len(cmds)
    peaks = [None] * len(cmds)
    for k, c in enumerate(cmds):
        argv, err = c.prepared("warm")
        peak = tempfile.NamedTemporaryFile("r") if rss and GNU_TIME else None
        wrapped = [GNU_TIME, "-f", "%M", "-o", peak.name] + argv if peak else argv
        wall, cpu, code = run_once(wrapped, c.cwd, err, c.capture)
        if peak:
            try:
                peaks[k] = int(peak.read().strip().splitlines()[-1])
            except (ValueError, IndexError):
                pass
            peak.close()
        if code not in c.ok:
            note(f"  failed (exit {code}): {' '.join(argv)}")
            failed[k] = True
        elif wall >= SLOW:
            times[k].append((wall, cpu))
    for i in range(max(c.runs for c in cmds)):
        for k, c in enumerate(cmds):
            if len(times[k]) >= c.runs or failed[k]:
                continue
            argv, err = c.prepared(f"run{i}")
            wall, cpu, code = run_once(argv, c.cwd, err)
            if code not in c.ok:
                note(f"  failed (exit {code}): {' '.join(argv)}")
                failed[k] = True
            times[k].append((wall, cpu))
    out = []
    for k, c in enumerate(cmds):
        if failed[k] or not times[k]:
            out.append(None)
            continue
        if rss and peaks[k] is None:
            argv, _ = c.prepared("rss")
            peaks[k] = peak_rss(argv, c.cwd, c.capture)
        out.append(Result(statistics.median(t[0] for t in times[k]),
                          statistics.median(t[1][0] for t in times[k]),
                          statistics.median(sum(t[1]) for t in times[k]), peaks[k]))
    return out


def ms(r):
    return "n/a" if r is None else f"{r.wall * 1000:.1f} ms"


def mib(r):
    return "n/a" if r is None or r.rss is None else f"{r.rss / 1024:.1f} MiB"


def cell(r):
    if r is None:
        return "n/a"
    return f"{r.wall * 1000:.1f} ms / " + ("n/a" if r.rss is None else f"{r.rss / 1024:.0f} MiB")


def ratio(a, b, fmt="{:.0f}x"):
    return "n/a" if a is None or b is None else fmt.format(a.wall / b.wall)


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def dir_stats(path):
    files = size = 0
    for root, _, names in os.walk(path):
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(root, n))
    return files, size


class Bench:
    def __init__(self, a, work, outs):
        self.a, self.work, self.outs = a, work, outs
        self.bin = os.path.abspath(a.bin)
        self.projects = {}
        self.rss = {}  # (shape, tool) -> {n: KiB}, for the memory summary

    def runs(self, n):
        # Small projects take a few milliseconds: more runs keep the median steady.
        return self.a.runs * 6 if n <= 100 else self.a.runs if n < 5000 else max(3, self.a.runs // 2)

    def compose_runs(self, n):
        return self.runs(n) if n < 5000 else self.a.compose_runs

    def project(self, shape, n):
        key = (shape, n)
        if key not in self.projects:
            d = os.path.join(self.work, f"{shape}-{n}")
            subprocess.run([sys.executable, os.path.join(HERE, "gen_project.py"), str(n), d,
                            "--shape", shape], check=True)
            self.projects[key] = d
        return self.projects[key]

    def fresh(self, name):
        d = os.path.join(self.outs, name)
        os.makedirs(d, exist_ok=True)
        return d

    # ---- sections -------------------------------------------------------------------

    def startup(self):
        n = self.a.startup_runs
        true = shutil.which("true") or "/bin/true"
        empty = build_empty()
        cmds = [Cmd([true], self.work, n)]
        if empty:
            cmds.append(Cmd([empty], self.work, n))
        cmds.append(Cmd([self.bin, "--version"], self.work, n))
        res = measure(cmds)
        r_true, r_tr = res[0], res[-1]
        r_empty = res[1] if empty else None
        rows = [["/bin/true", f"{r_true.wall * 1000:.2f} ms", mib(r_true), "-"]]
        if empty:
            rows.append(["empty Rust binary (`fn main(){}`, rustc -O)",
                         f"{r_empty.wall * 1000:.2f} ms", mib(r_empty),
                         f"+{(r_empty.wall - r_true.wall) * 1000:.2f} ms"])
        if r_tr:
            base = r_empty or r_true
            rows.append(["`transship --version`", f"{r_tr.wall * 1000:.2f} ms", mib(r_tr),
                         f"+{(r_tr.wall - base.wall) * 1000:.2f} ms over the "
                         + ("empty Rust binary" if empty else "/bin/true")])
        text = f"### Start-up ({n} paired runs)\n\n" + table(
            ["program", "median", "peak RSS", "difference"], rows)
        if not empty:
            text += "\n\nThe empty Rust binary was skipped: no rustc on PATH."
        return text

    def parser(self):
        events = self.a.yaml_events or os.path.join(os.path.dirname(self.bin), "examples", "yaml_events")
        if not os.access(events, os.X_OK):
            built = build_example(self.bin)
            if not built:
                return ("### Loader against the YAML parser\n\nSkipped: no yaml_events binary at "
                        f"{events} (`cargo build --release --example yaml_events`).")
            events = built
        rows = []
        for n in self.sizes:
            d = self.project("anchor", n)
            size = os.path.getsize(os.path.join(d, "compose.yaml"))
            runs = self.runs(n)
            ev, ld = measure([Cmd([events, "compose.yaml"], d, runs),
                              Cmd([self.bin, "-p", "bench", "-f", "compose.yaml", "config", "-q"], d, runs)])
            mbs = lambda r: "n/a" if r is None else f"{size / r.wall / 1e6:.1f} MB/s"
            rows.append([n, f"{size / 1e6:.2f} MB", f"{ms(ev)} / {mbs(ev)}", f"{ms(ld)} / {mbs(ld)}",
                         ratio(ld, ev, "{:.1f}x"), f"{mib(ev)} / {mib(ld)}"])
        return ("### Loader against the YAML parser (anchor shape; goal: loader ≤ 2x parser)\n\n"
                + table(["services", "file", "yaml_events (parser alone)", "config -q (loader)",
                         "loader / parser", "peak RSS parser / loader"], rows)
                + "\n\nBoth times include process start-up (about a millisecond), most of the run at 10 services.")

    def podlet(self):
        title = "### Quadlet: transship against podlet (plain services)"
        podlet = find_podlet(self.a.podlet)
        if not podlet:
            return (f"{title}\n\nSkipped: podlet is not installed and `cargo install podlet --locked "
                    f"--root {os.path.join(CACHE, 'podlet')}` failed (see above).")
        version = subprocess.run([podlet, "--version"], capture_output=True, text=True).stdout.strip()
        rows = []
        for n in [int(x) for x in self.a.podlet_sizes.split(",")]:
            d = self.project("plain", n)
            runs = self.runs(n)
            t_out, p_out = self.fresh(f"quadlet-transship-{n}"), self.fresh(f"quadlet-podlet-{n}")
            # podlet writes into an existing directory (made beforehand, untimed); transship
            # creates its own. --skip-services-check: podlet would otherwise ask systemd over
            # D-Bus for every unit file it knows, which transship does not do.
            tr, po = measure([
                Cmd([self.bin, "-p", "bench", "-f", "compose.yaml", "convert", "--to", "quadlet",
                     "-o", "{out}"], d, runs, fresh=t_out),
                Cmd([podlet, "--skip-services-check", "-f", "{out}", "compose", "compose.yaml"], d,
                    runs, fresh=p_out, mkdir=True)])
            tf, tb = dir_stats(os.path.join(t_out, "warm"))
            pf, pb = dir_stats(os.path.join(p_out, "warm"))
            rows.append([n, ms(tr), ms(po), ratio(po, tr, "{:.1f}x"), mib(tr), mib(po),
                         f"{tf} / {tb / 1024:.0f} KiB", f"{pf} / {pb / 1024:.0f} KiB"])
        return (f"{title}\n\n`transship convert --to quadlet -o DIR` against `podlet "
                f"--skip-services-check -f DIR compose` ({version}), both writing to "
                f"{self.a.out_dir or tempfile.gettempdir()}.\n\n"
                + table(["services", "transship", "podlet", "podlet / transship", "transship peak RSS",
                         "podlet peak RSS", "transship files / bytes", "podlet files / bytes"], rows))

    def config(self, shape):
        rows = []
        files = ["-p", "bench", "-f", "compose.yaml"] + (["-f", "compose.prod.yaml"] if shape == "override" else [])
        args = files + ["config", "--format", "json"]
        for n in self.sizes:
            d = self.project(shape, n)
            t_json, c_json = os.path.join(self.work, "t.json"), os.path.join(self.work, "c.json")
            cmds = [Cmd([self.bin] + args, d, self.runs(n), capture=t_json)]
            cr = self.compose_runs(n) if self.a.compose else 0
            if cr:
                cmds.append(Cmd([self.a.compose] + args, d, cr, capture=c_json))
            if cr and n >= 5000:
                note(f"  config-{shape} {n}: docker compose, {cr} run(s) (more than a minute each at 5,000 on the override shape)")
            res = measure(cmds)
            tr, co = res[0], res[1] if cr else None
            for tool, r in (("transship", tr), ("compose", co)):
                if r and r.rss:
                    self.rss.setdefault((shape, tool), {})[n] = r.rss
            size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".yaml"))
            same = "n/a"
            if tr and co:
                try:
                    with open(t_json) as f1, open(c_json) as f2:
                        same = "yes" if json.load(f1) == json.load(f2) else "**no**"
                except (OSError, ValueError):
                    same = "**no** (not JSON)"
            rows.append([n, f"{size / 1e6:.2f} MB", ms(tr), ms(co) + ("" if not cr or cr == self.runs(n) else f" ({cr} runs)"),
                         ratio(co, tr), mib(tr), mib(co), same])
        what = ("one file, an `x-defaults` anchor merged into every service, `${VAR:-default}` interpolation, no override"
                if shape == "anchor" else "a base file with an anchor and `.env` interpolation, plus an override file")
        return (f"### config --format json, {shape} shape ({what})\n\n"
                + table(["services", "input", "transship config", "docker compose config", "ratio",
                         "transship peak RSS", "compose peak RSS", "same JSON"], rows)
                + (f"\n\n{self.memory(shape)}" if self.memory(shape) else ""))

    def memory(self, shape):
        lines = []
        for tool in ("transship", "compose"):
            rss = self.rss.get((shape, tool), {})
            sizes = sorted(rss)
            if len(sizes) < 3:
                continue
            base, mid, top = sizes[0], sizes[-2], sizes[-1]
            # Linear: RSS = fixed + per-service cost, so each added service costs the same
            # from the smallest project to the middle one as from the middle to the largest.
            a = (rss[mid] - rss[base]) / (mid - base)
            b = (rss[top] - rss[mid]) / (top - mid)
            linear = "linear" if a > 0 and 0.75 <= b / a <= 1.33 else \
                     ("less than linear" if b < a else "more than linear")
            lines.append(f"- {tool}: {rss[mid] / mid:.1f} KiB per service at {mid} (peak RSS / services), "
                         f"{rss[top] / top:.1f} KiB at {top}; each service added from {base} to {mid} "
                         f"adds {a:.1f} KiB, from {mid} to {top} {b:.1f} KiB: {linear}.")
        return "Memory (whether peak RSS grows linearly with the project):\n\n" + "\n".join(lines) if lines else ""

    def convert(self):
        targets = ["nomad", "swarm", "systemd", "quadlet"]
        three = ["nomad", "swarm", "systemd"]
        rows = []
        for n in self.sizes:
            d = self.project("override", n)
            files = ["-p", "bench", "-f", "compose.yaml", "-f", "compose.prod.yaml"]
            runs = self.runs(n)
            cmds = [Cmd([self.bin] + files + ["config", "-q"], d, runs)]
            for t in targets + ["all"]:
                to = ",".join(three) if t == "all" else t
                cmds.append(Cmd([self.bin] + files + ["convert", "--to", to, "-o", "{out}"], d, runs,
                                fresh=self.fresh(f"out-{t}-{n}")))
            res = measure(cmds)
            # docker stack config is a separate program: timed apart (it may be missing).
            stack = measure([Cmd([shutil.which(self.a.docker) or self.a.docker, "stack", "config",
                                  "-c", "compose.yaml", "-c", "compose.prod.yaml"], d, runs)])[0] \
                if shutil.which(self.a.docker) else None
            parse, conv, alls = res[0], res[1:-1], res[-1]
            # Wall time includes creating the files; user CPU time is the conversion itself.
            # (CPU time is counted in clock ticks: too coarse below some 20 ms.)
            cpu = f", {alls.cpu / parse.cpu:.1f}x CPU" if alls and parse and parse.cpu >= 0.02 else ""
            rows.append([n, cell(parse)] + [cell(r) for r in conv] + [cell(alls)]
                        + [ratio(alls, parse, "{:.1f}x wall") + cpu, cell(stack)])
        return ("### convert (override shape; `-o` into a new directory each run)\n\n"
                + table(["services", "parse only (config -q)"] + [f"convert {t}" for t in targets]
                        + ["nomad, swarm, systemd in one run", "those three / parse", "docker stack config"], rows))

    def lint(self):
        rows = []
        for n in self.sizes:
            d = self.project("override", n)
            files = ["-p", "bench", "-f", "compose.yaml", "-f", "compose.prod.yaml"]
            runs = self.runs(n)
            # lint exits 1 when it finds something, which the generated project does.
            parse, lint, sarif = measure([
                Cmd([self.bin] + files + ["config", "-q"], d, runs),
                Cmd([self.bin] + files + ["lint"], d, runs, ok=(0, 1)),
                Cmd([self.bin] + files + ["lint", "--format", "sarif"], d, runs, ok=(0, 1))])
            rows.append([n, cell(parse), cell(lint), cell(sarif), ratio(lint, parse, "{:.2f}x")])
        return ("### lint (override shape)\n\n"
                + table(["services", "parse only (config -q)", "lint", "lint --format sarif", "lint / parse"], rows))

    def warnings(self):
        n = max(self.sizes)
        d = self.project("override", n)
        files = ["-p", "bench", "-f", "compose.yaml", "-f", "compose.prod.yaml"]
        runs = self.runs(n)
        rows = []
        errs = self.fresh(f"stderr-{n}")
        for t in ["nomad", "swarm", "systemd", "quadlet"]:
            base = [self.bin] + files + ["convert", "--to", t, "-o", "{out}"]
            fresh = lambda k: self.fresh(f"warn-{t}-{k}-{n}")
            null, grouped, verbose = measure([
                Cmd(base, d, runs, fresh=fresh("null")),
                Cmd(base, d, runs, fresh=fresh("file"), stderr=os.path.join(errs, f"{t}-{{run}}")),
                Cmd(base + ["--verbose"], d, runs, fresh=fresh("verbose"),
                    stderr=os.path.join(errs, f"{t}-v-{{run}}"))], rss=False)

            def printed(name):
                p = os.path.join(errs, name)
                if not os.path.exists(p):
                    return None
                with open(p, "rb") as f:
                    data = f.read()
                return len(data), data.count(b"\n")

            def share(r):
                if r is None or null is None:
                    return "n/a"
                # CPU time (user + system) too: on a shared machine it moves less than wall time.
                return (f"{ms(r)} ({(r.wall - null.wall) / r.wall * 100:+.1f}%); CPU {r.total_cpu * 1000:.0f} ms "
                        f"({(r.total_cpu - null.total_cpu) / r.total_cpu * 100:+.1f}%)")

            def show(p):
                return "n/a" if p is None else f"{p[0] / 1024:.0f} KiB, {p[1]} lines"
            pg, pv = printed(f"{t}-run0"), printed(f"{t}-v-run0")
            # What one more printed line costs in CPU time (formatting and writing), from
            # --verbose's extra lines; times the lines printed by default, over the default
            # run. An estimate: --verbose also skips the grouping, so it is rather low.
            est = "n/a"
            if grouped and verbose and pg and pv and pv[1] > pg[1]:
                per_line = (verbose.total_cpu - grouped.total_cpu) / (pv[1] - pg[1])
                est = (f"{per_line * pg[1] / grouped.total_cpu * 100:.1f}% ({per_line * 1e6:.1f} µs CPU a line)"
                       if per_line > 0 else "below the noise")
            rows.append([t, "n/a" if null is None else f"{ms(null)}; CPU {null.total_cpu * 1000:.0f} ms",
                         share(grouped), show(pg), share(verbose), show(pv), est])
        return (f"### Warnings: convert at {n} services (override shape), stderr to /dev/null, to a file, "
                "and to a file with --verbose\n\n"
                + table(["target", "stderr to /dev/null", "to a file (share of the run)", "warnings printed",
                         "--verbose to a file (share)", "--verbose printed", "printing share, estimated"], rows)
                + "\n\nShare: (time − time to /dev/null) / time, what writing the warnings to a file costs, in wall "
                "and in CPU time (user + system; CPU time is counted in clock ticks, so it is coarse below some 20 ms); "
                "formatting them is in every column, as convert has no flag that leaves warnings out. The "
                "estimate takes what each extra line of --verbose costs in CPU time (formatting and writing) "
                "times the lines printed by default, over the default run's CPU time; --verbose also skips "
                "grouping the warnings, so where grouping costs more than the extra lines, it is faster and "
                "there is no estimate.")


def build_empty():
    """An empty Rust binary, built once into the cache directory (None without rustc)."""
    path = os.path.join(CACHE, "empty-main")
    if os.access(path, os.X_OK):
        return path
    rustc = shutil.which("rustc")
    if not rustc:
        return None
    os.makedirs(CACHE, exist_ok=True)
    src = os.path.join(CACHE, "empty-main.rs")
    with open(src, "w") as f:
        f.write("fn main() {}\n")
    r = subprocess.run([rustc, "-O", "-o", path, src], capture_output=True, text=True)
    if r.returncode != 0:
        note(f"rustc failed to build the empty binary:\n{r.stderr}")
        return None
    return path


def build_example(binary):
    """Build examples/yaml_events.rs into the target directory `binary` is in (when it is
    this checkout's cargo target directory)."""
    target = os.path.dirname(os.path.dirname(binary))  # .../target/release/transship
    if not shutil.which("cargo") or os.path.basename(os.path.dirname(binary)) != "release":
        return None
    note(f"building examples/yaml_events.rs (cargo build --release --example yaml_events, CARGO_TARGET_DIR={target})")
    env = dict(os.environ, CARGO_TARGET_DIR=target)
    r = subprocess.run(["cargo", "build", "--release", "--example", "yaml_events"], cwd=REPO, env=env,
                       stdout=sys.stderr)
    path = os.path.join(target, "release", "examples", "yaml_events")
    return path if r.returncode == 0 and os.access(path, os.X_OK) else None


def find_podlet(given):
    if given:
        return given if os.access(given, os.X_OK) else None
    root = os.path.join(CACHE, "podlet")
    path = os.path.join(root, "bin", "podlet")
    if os.access(path, os.X_OK):
        return path
    if not shutil.which("cargo"):
        note("podlet: not in the cache and no cargo to install it with: skipping the podlet rows")
        return None
    note(f"podlet: installing (cargo install podlet --locked --root {root}); this takes a few minutes")
    r = subprocess.run(["cargo", "install", "podlet", "--locked", "--root", root], stdout=sys.stderr)
    if r.returncode != 0 or not os.access(path, os.X_OK):
        note("podlet: cargo install failed: skipping the podlet rows")
        return None
    return path


def header(a, binary):
    def cpu_model():
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return platform.processor() or "unknown CPU"
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    checkout = os.path.dirname(binary)
    rev = subprocess.run(["git", "-C", checkout, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    commit = rev.stdout.strip() if rev.returncode == 0 else "unknown (binary outside a git checkout)"
    if rev.returncode == 0:
        dirty = subprocess.run(["git", "-C", checkout, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        commit += " (uncommitted changes)" if dirty else ""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"## transship benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n"
            f"- binary: `{binary}`: {version}\n- checkout: git {commit}\n"
            f"- machine: {cpus} CPUs (nproc), {cpu_model()}, Linux {platform.release()}; load average at start {load}\n"
            f"- runs: {a.runs} (x6 at 100 services or fewer, {max(3, a.runs // 2)} at 5,000 or more), "
            f"docker compose {a.compose_runs} at 5,000 or more; start-up {a.startup_runs}\n"
            f"- docker compose: {a.compose or 'not given (--compose): its columns are n/a'}\n"
            + ("- peak RSS: through GNU time (each child's own)" if GNU_TIME else
               f"- peak RSS: no GNU time, so values under this Python's own size "
               f"({resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB) read as that"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__[__doc__.index("Sections"):])
    ap.add_argument("--compose", default=os.environ.get("COMPOSE_BIN"),
                    help="docker-compose v2 binary (default: $COMPOSE_BIN; without it, compose columns are n/a)")
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "transship"),
                    help="the transship binary (default: target/release/transship of this checkout)")
    ap.add_argument("--sizes", default="10,1000,5000", help="project sizes in services, comma-separated")
    ap.add_argument("--runs", type=int, default=5,
                    help="timed runs per command (x6 at 100 services or fewer, 3 at 5,000 or more)")
    ap.add_argument("--compose-runs", type=int, default=3,
                    help="docker compose runs at 5,000 services or more (0: leave compose out there)")
    ap.add_argument("--startup-runs", type=int, default=50, help="runs of each program in the startup section")
    ap.add_argument("--podlet", help=f"podlet binary (default: {CACHE}/podlet/bin/podlet, installed when missing)")
    ap.add_argument("--podlet-sizes", default="10,1000", help="project sizes of the podlet section")
    ap.add_argument("--yaml-events", help="the yaml_events example (default: beside --bin in examples/, built when missing)")
    ap.add_argument("--only", default=",".join(SECTIONS), help=f"sections to run, comma-separated (default all: {', '.join(SECTIONS)})")
    ap.add_argument("--out", help="also write the Markdown to this file")
    ap.add_argument("--docker", default="docker", help="Docker CLI for `docker stack config`")
    ap.add_argument("--out-dir", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None,
                    help="where converted files go (default: /dev/shm when writable)")
    a = ap.parse_args()
    only = [s.strip() for s in a.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    binary = os.path.abspath(a.bin)
    if not os.access(binary, os.X_OK):
        sys.exit(f"no transship binary at {binary} (cargo build --release, or --bin)")
    if a.compose and not os.access(a.compose, os.X_OK):
        sys.exit(f"--compose {a.compose}: not an executable")
    started = time.perf_counter()
    parts = [header(a, binary)]
    with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory(dir=a.out_dir) as outs:
        b = Bench(a, work, outs)
        b.sizes = [int(x) for x in a.sizes.split(",")]
        for s in SECTIONS:
            if s not in only:
                continue
            t0 = time.perf_counter()
            note(f"{s} ...")
            if s.startswith("config-"):
                text = b.config(s.split("-", 1)[1])
            else:
                text = getattr(b, s)()
            note(f"{s}: {time.perf_counter() - t0:.0f} s")
            parts.append(text)
            print("\n" + text if len(parts) > 2 else "\n\n".join(parts), flush=True)
    took = time.perf_counter() - started
    footer = f"Sections {', '.join(s for s in SECTIONS if s in only)}: {took:.0f} s in all."
    print("\n" + footer)
    if a.out:
        with open(a.out, "w") as f:
            f.write("\n\n".join(parts + [footer]) + "\n")


main()
