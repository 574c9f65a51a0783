"""Runs the same workloads on Shoal and on Dask and prints one side-by-side table.

Started by `Benchmarks/compare` (which builds Shoal and the Dask virtual environment
first). Each run of a workload is a fresh process that prints one JSON object
`{"figures": {NAME: VALUE}}`:

    Shoal: Benchmarks/.build/release/shoal-bench WORKLOAD --n N --shoal PATH
    Dask:  Benchmarks/.venv/bin/python Benchmarks/dask/bench.py WORKLOAD --n N

Only the Python standard library is used here.
"""

import argparse
import base64
import datetime
import platform
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import shell_tools

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class Figure:
    """One row of the table."""

    def __init__(self, key, label, unit, better, target=None, absolute=None, workload=None):
        self.key = key
        self.workload = workload  # the workload that measures it
        self.label = label
        self.unit = unit
        self.better = better  # "lower" or "higher"
        self.target = target  # ratio Shoal/Dask the issue asks for
        self.absolute = absolute  # or an absolute value for Shoal


FIGURES = [
    Figure("start_s", "cold start, 2 workers ready", "s", "lower", target=0.1, workload="start"),
    Figure("close_s", "close the cluster", "s", "lower", workload="start"),
    Figure("rtt_p50_ms", "round trip p50 (no-op)", "ms", "lower", target=0.05, workload="latency"),
    Figure("rtt_p99_ms", "round trip p99 (no-op)", "ms", "lower", workload="latency"),
    Figure("throughput_10000", "throughput, 10k no-op", "tasks/s", "higher", target=100),
    Figure("throughput_100000", "throughput, 100k no-op", "tasks/s", "higher", target=100),
    Figure("cpu_us_scheduler_client_10000", "  CPU/task: scheduler+client process", "us", "lower"),
    Figure("cpu_us_workers_10000", "  CPU/task: the 2 workers", "us", "lower"),
    Figure("sleep_efficiency", "400 x 10 ms efficiency", "", "higher", absolute=0.97),
    Figure("sleep_task_ms", "  one 10 ms sleep, as the worker saw it", "ms", "lower"),
    Figure("sleep_gap_ms", "  per-task gap beyond the sleep", "ms", "lower"),
    Figure("adapt_first_s", "adaptive: burst to 1st worker", "s", "lower"),
    Figure("adapt_max_s", "adaptive: burst to maximum (4)", "s", "lower"),
    Figure("adapt_down_s", "adaptive: idle to minimum (0)", "s", "lower"),
    Figure("rss_scheduler_mb", "RSS scheduler after 10k tasks", "MB", "lower", workload="memory"),
    Figure("rss_worker_mb", "RSS idle worker", "MB", "lower", target=1 / 3, workload="memory"),
    Figure("pss_worker_mb", "idle worker, proportional (PSS)", "MB", "lower", workload="memory"),
    Figure("uss_worker_mb", "idle worker, private (USS)", "MB", "lower", workload="memory"),
    Figure("bytes_per_s_mb", "1,000 x 1 MB in+out, 64 in flight", "MB/s", "higher"),
    # Shoal only (issue 13): the same LocalCluster with tls: off, then tls: auto.
    Figure("tls_off_start_s", "tls: off  cold start, 2 workers", "s", "lower", workload="tls"),
    Figure("tls_auto_start_s", "tls: auto cold start (CA + certs)", "s", "lower", workload="tls"),
    Figure("tls_off_rtt_p50_ms", "tls: off  round trip p50", "ms", "lower", workload="tls"),
    Figure("tls_auto_rtt_p50_ms", "tls: auto round trip p50", "ms", "lower", workload="tls"),
    Figure("tls_off_throughput", "tls: off  throughput, 10k no-op", "tasks/s", "higher", workload="tls"),
    Figure("tls_auto_throughput", "tls: auto throughput, 10k no-op", "tasks/s", "higher", workload="tls"),
]

# (workload, n, repeats on Dask when not --full: None = the global --repeats)
WORKLOADS = [
    ("start", 0, None),
    ("latency", 1000, None),
    ("throughput", 10000, None),
    ("throughput", 100000, 1),
    ("sleep", 400, None),
    ("adaptive", 0, None),
    ("memory", 10000, None),
    ("bytes", 1000, None),
    ("tls", 10000, None),
]

# Workloads that only Shoal runs (Dask's side has no counterpart).
SHOAL_ONLY = {"tls"}

# Workloads Dask's tuned settings cannot change (how tasks are spread over workers
# does not matter to a cold start, one task at a time, or an idle worker): the
# tuned column repeats the default there instead of running it again.
UNTUNABLE = {"start", "latency", "memory"}


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def run_one(command, timeout):
    """Runs one measurement process; returns (figures, error)."""
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s"
    except OSError as error:
        return None, str(error)
    for line in reversed(done.stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)["figures"], None
            except (ValueError, KeyError):
                break
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    if len(tail) > 300:
        tail = tail[:300] + "..."
    return None, f"exit {done.returncode}: {tail}"


def side_commands(args, payload):
    """side -> function(workload, n) -> argv. Dask runs twice: at its defaults and tuned
    (Benchmarks/dask/bench.py's TUNED settings)."""
    extra = lambda w: ["--payload", payload] if w == "bytes" else []
    sides = {}
    if args.side in ("both", "shoal"):
        sides["shoal"] = lambda w, n: [args.shoal_bench, w, "--n", str(n), "--shoal", args.shoal] + extra(w)
    if args.side in ("both", "dask"):
        bench = os.path.join(HERE, "dask", "bench.py")
        sides["dask"] = lambda w, n: [args.python, bench, w, "--n", str(n)] + extra(w)
        sides["dask_tuned"] = lambda w, n: [args.python, bench, w, "--n", str(n), "--tuned"] + extra(w)
    return sides


def write_payload(folder):
    """8 MiB of random URL-safe base64 letters (no JSON escapes): eight 1 MiB payloads, the same bytes on both sides
    (Shoal's `Builtin.echo` takes a JSON string, so they must be text)."""
    path = os.path.join(folder, "payload.bin")
    with open(path, "wb") as f:
        f.write(base64.urlsafe_b64encode(os.urandom(6 << 20))[: 8 << 20])
    return path


def fmt(value):
    if value is None:
        return "n/a"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    if magnitude >= 0.01:
        return f"{value:.3f}"
    return f"{value:.2g}"


def spread(values):
    if not values:
        return "n/a", None
    med = statistics.median(values)
    if len(values) == 1:
        return f"{fmt(med)} (n=1)", med
    return f"{fmt(med)} [{fmt(min(values))}..{fmt(max(values))}]", med


def best(figure, a, b):
    """The better of two medians (None when neither ran)."""
    values = [v for v in (a, b) if v is not None]
    if not values:
        return None
    return min(values) if figure.better == "lower" else max(values)


def verdict(figure, shoal, dask):
    if figure.absolute is not None:
        if shoal is None:
            return f">= {figure.absolute}", "?"
        return f">= {figure.absolute}", "yes" if shoal >= figure.absolute else "NO"
    if figure.target is None:
        return "", ""
    op = "<=" if figure.better == "lower" else ">="
    target = f"{op} {fmt(figure.target)}"
    if shoal is None or not dask:
        return target, "?"
    ratio = shoal / dask
    ok = ratio <= figure.target if figure.better == "lower" else ratio >= figure.target
    return target, "yes" if ok else "NO"


def table_rows(results):
    """The side-by-side table: Shoal, Dask at its defaults, Dask tuned; the ratio and
    the target against the better of the two Dask medians."""
    header = ["figure", "unit", "Shoal", "Dask default", "Dask tuned", "Shoal/best Dask", "target", "met"]
    rows = []
    for figure in FIGURES:
        shoal_text, shoal = spread(results["shoal"].get(figure.key, []))
        dask_text, dask = spread(results["dask"].get(figure.key, []))
        tuned_text, tuned = spread(results["dask_tuned"].get(figure.key, []))
        if tuned is None and dask is not None and figure.workload in UNTUNABLE:
            tuned_text = "(as default)"
        if shoal_text == dask_text == tuned_text == "n/a":
            continue
        dask_best = best(figure, dask, tuned)
        ratio = fmt(shoal / dask_best) if shoal is not None and dask_best else "n/a"
        target, met = verdict(figure, shoal, dask_best)
        rows.append([figure.label, figure.unit, shoal_text, dask_text, tuned_text, ratio, target, met])
    return header, rows


SHELL_TOOLS = ["shoal map", "Dask", "Dask tuned", "parallel -j2", "xargs -P2"]


def shell_rows(shell):
    """One row per shell job and measure: every tool's median [min..max], and shoal
    map's wall time against xargs -P2's (target: at most 1.2x for `true`)."""
    header = ["shell workload", "unit"] + SHELL_TOOLS + ["shoal/xargs", "target", "met"]
    rows = []
    for job, _, line, n in shell_tools.JOBS:
        what = f"{n:,} x {'true' if job == 'true' else 'sleep ' + line}"
        for key, label, unit in [("wall_s", "wall", "s"), ("cpu_ms_per_task", "CPU/task", "ms")]:
            medians = {}
            row = [f"{what}: {label}", unit]
            for tool in SHELL_TOOLS:
                text, med = spread(shell.get(job, {}).get(tool, {}).get(key, []))
                medians[tool] = med
                row.append(text)
            if all(v is None for v in medians.values()):
                continue
            shoal, xargs = medians["shoal map"], medians["xargs -P2"]
            row.append(fmt(shoal / xargs) if shoal is not None and xargs else "n/a")
            if job == "true" and key == "wall_s":
                ok = shoal is not None and xargs and shoal / xargs <= 1.2
                row += ["<= 1.2", "?" if shoal is None or not xargs else ("yes" if ok else "NO")]
            else:
                row += ["", ""]
            rows.append(row)
    return header, rows


def text_table(header, rows):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def markdown_table(header, rows):
    cell = lambda c: str(c).replace("|", "\\|") or " "
    out = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def commit():
    try:
        head = subprocess.run(
            ["git", "-C", ROOT, "log", "-1", "--format=%h %cs"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            memory = int(f.readline().split()[1]) / (1 << 20)
    except OSError:
        memory = 0
    return f"{os.cpu_count()} CPUs ({model}), {memory:.0f} GiB, {platform.system()} {platform.release()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="runs per workload and side (default 3)")
    parser.add_argument("--dask-repeats", type=int, default=None, help="runs per workload on each Dask side (default: --repeats, at most 2; Dask's runs are the long ones)")
    parser.add_argument("--shell-repeats", type=int, default=None, help="runs per shell job and tool (default: --repeats, at most 2)")
    parser.add_argument("--full", action="store_true", help="also repeat Dask's 100k-task run (slow: ~4 min each)")
    parser.add_argument("--quick", action="store_true", help="skip the 100k-task throughput run")
    parser.add_argument(
        "--only", help="comma-separated workloads: " + ",".join(sorted({w for w, _, _ in WORKLOADS} | {"shell"}))
    )
    parser.add_argument("--side", choices=["both", "shoal", "dask"], default="both")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per measurement process")
    parser.add_argument("--json", help="also write every sample to this file")
    parser.add_argument("--markdown", help="also write the tables and notes as Markdown to this file")
    parser.add_argument("--shoal", default=os.path.join(HERE, ".build", "release", "shoal"))
    parser.add_argument("--shoal-bench", default=os.path.join(HERE, ".build", "release", "shoal-bench"))
    parser.add_argument("--python", default=os.path.join(HERE, ".venv", "bin", "python"))
    args = parser.parse_args()

    only = set(args.only.split(",")) if args.only else None
    results = {"shoal": {}, "dask": {}, "dask_tuned": {}}
    errors = []
    load_start = os.getloadavg()
    loads = [load_start[0]]
    started = time.time()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    progress = lambda text: print(text, file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="shoal-bench-") as folder:
        sides = side_commands(args, write_payload(folder))
        for workload, n, dask_repeats in WORKLOADS:
            if only and workload not in only:
                continue
            if args.quick and n == 100000:
                continue
            for side, command in sides.items():
                if side == "dask_tuned" and workload in UNTUNABLE:
                    continue
                if side != "shoal" and workload in SHOAL_ONLY:
                    continue
                repeats = args.repeats
                if side != "shoal":
                    repeats = args.dask_repeats or min(args.repeats, 2)
                    if dask_repeats is not None and not args.full:
                        repeats = min(repeats, dask_repeats)
                for i in range(repeats):
                    progress(f"  {side:10} {workload} n={n} run {i + 1}/{repeats} ...")
                    figures, error = run_one(command(workload, n), args.timeout)
                    loads.append(loadavg())
                    if error:
                        errors.append(f"{side} {workload} n={n}: {error}")
                        break
                    for key, value in figures.items():
                        results[side].setdefault(key, []).append(value)
    shell = {}
    if not only or "shell" in only:
        tools = None
        if args.side == "shoal":
            tools = {"shoal map", "parallel -j2", "xargs -P2"}
        elif args.side == "dask":
            tools = {"Dask", "Dask tuned", "parallel -j2", "xargs -P2"}
        repeats = args.shell_repeats or min(args.repeats, 2)
        shell, shell_errors = shell_tools.run(args.shoal, args.python, repeats, args.timeout, progress, tools)
        errors += shell_errors
        loads.append(loadavg())
    load_end = os.getloadavg()

    meta = [
        f"Run: {date}, commit {commit()}, `Benchmarks/compare {' '.join(sys.argv[1:])}`.",
        f"Machine: {machine()}; shared with other work: load average (1/5/15 min) "
        f"{load_start[0]:.1f}/{load_start[1]:.1f}/{load_start[2]:.1f} at the start, "
        f"{load_end[0]:.1f}/{load_end[1]:.1f}/{load_end[2]:.1f} at the end, 1-min samples "
        f"{min(loads):.1f}..{max(loads):.1f} between runs; {time.time() - started:.0f} s in all.",
        "Each cell: median [min..max] over the repeats (n=1: one run). Wall-time figures on a shared machine vary from run to run.",
        "Dask 2026.8: LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None);"
        " its scheduler lives in the client's process, so its scheduler RSS includes the client."
        " Dask tuned: distributed.scheduler.worker-saturation inf and work-stealing off (docs/benchmarks.md);"
        " ratios and targets are against the better of Dask's two medians, figure by figure.",
        "1 MB payloads: the same eight random 1 MiB texts on both sides, 64 tasks in flight on both, input and output through the scheduler.",
        "Shell workloads: wall time and CPU of the whole process tree (startup and shutdown included), 2 commands at a time on every side;"
        " shoal map runs a LocalCluster of 2 workers x 1 slot from a clusters.yaml (dashboard off).",
    ]
    for error in errors:
        meta.append(f"FAILED: {error}")
    tables = []
    header, rows = table_rows(results)
    if rows:
        tables.append((header, rows))
    header, rows = shell_rows(shell)
    if rows:
        tables.append((header, rows))
    progress("")
    for header, rows in tables:
        print(text_table(header, rows) + "\n")
    for note in meta:
        print(note)
    if args.markdown:
        with open(args.markdown, "w") as f:
            for header, rows in tables:
                f.write(markdown_table(header, rows) + "\n\n")
            f.write("\n".join(meta) + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "shell": shell, "notes": meta}, f, indent=1)


if __name__ == "__main__":
    main()
