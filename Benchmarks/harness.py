"""Runs the same workloads on Shoal and on Dask and prints one side-by-side table.

Started by `Benchmarks/compare` (which builds Shoal and the Dask virtual environment
first). Each run of a workload is a fresh process that prints one JSON object
`{"figures": {NAME: VALUE}}`:

    Shoal: Benchmarks/.build/release/shoal-bench WORKLOAD --n N --shoal PATH
    Dask:  Benchmarks/.venv/bin/python Benchmarks/dask/bench.py WORKLOAD --n N

Only the Python standard library is used here.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class Figure:
    """One row of the table."""

    def __init__(self, key, label, unit, better, target=None, absolute=None):
        self.key = key
        self.label = label
        self.unit = unit
        self.better = better  # "lower" or "higher"
        self.target = target  # ratio Shoal/Dask the issue asks for
        self.absolute = absolute  # or an absolute value for Shoal


FIGURES = [
    Figure("start_s", "cold start, 2 workers ready", "s", "lower", target=0.1),
    Figure("close_s", "close the cluster", "s", "lower"),
    Figure("rtt_p50_ms", "round trip p50 (no-op)", "ms", "lower", target=0.05),
    Figure("rtt_p99_ms", "round trip p99 (no-op)", "ms", "lower"),
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
    Figure("rss_scheduler_mb", "RSS scheduler after 10k tasks", "MB", "lower"),
    Figure("rss_worker_mb", "RSS idle worker", "MB", "lower", target=1 / 3),
    Figure("uss_worker_mb", "idle worker, private (USS)", "MB", "lower"),
    Figure("bytes_per_s_mb", "1,000 x 1 MB in+out", "MB/s", "higher"),
    # Shoal only (issue 13): the same LocalCluster with tls: off, then tls: auto.
    Figure("tls_off_start_s", "tls: off  cold start, 2 workers", "s", "lower"),
    Figure("tls_auto_start_s", "tls: auto cold start (CA + certs)", "s", "lower"),
    Figure("tls_off_rtt_p50_ms", "tls: off  round trip p50", "ms", "lower"),
    Figure("tls_auto_rtt_p50_ms", "tls: auto round trip p50", "ms", "lower"),
    Figure("tls_off_throughput", "tls: off  throughput, 10k no-op", "tasks/s", "higher"),
    Figure("tls_auto_throughput", "tls: auto throughput, 10k no-op", "tasks/s", "higher"),
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


def side_commands(args):
    sides = {}
    if args.side in ("both", "shoal"):
        sides["shoal"] = lambda w, n: [args.shoal_bench, w, "--n", str(n), "--shoal", args.shoal]
    if args.side in ("both", "dask"):
        sides["dask"] = lambda w, n: [args.python, os.path.join(HERE, "dask", "bench.py"), w, "--n", str(n)]
    return sides


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


def print_table(results, meta, out):
    header = ["figure", "unit", "Shoal median [min..max]", "Dask median [min..max]", "Shoal/Dask", "target", "met"]
    rows = []
    for figure in FIGURES:
        shoal_text, shoal = spread(results["shoal"].get(figure.key, []))
        dask_text, dask = spread(results["dask"].get(figure.key, []))
        if shoal_text == dask_text == "n/a":
            continue
        ratio = fmt(shoal / dask) if shoal is not None and dask else "n/a"
        target, met = verdict(figure, shoal, dask)
        rows.append([figure.label, figure.unit, shoal_text, dask_text, ratio, target, met])
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)).rstrip()
    print(line(header), file=out)
    print(line(["-" * w for w in widths]), file=out)
    for r in rows:
        print(line(r), file=out)
    print(file=out)
    for note in meta:
        print(note, file=out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="runs per workload and side (default 3)")
    parser.add_argument("--full", action="store_true", help="also repeat Dask's 100k-task run (slow: ~4 min each)")
    parser.add_argument("--quick", action="store_true", help="skip the 100k-task throughput run")
    parser.add_argument("--only", help="comma-separated workloads: " + ",".join(sorted({w for w, _, _ in WORKLOADS})))
    parser.add_argument("--side", choices=["both", "shoal", "dask"], default="both")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per measurement process")
    parser.add_argument("--json", help="also write every sample to this file")
    parser.add_argument("--shoal", default=os.path.join(HERE, ".build", "release", "shoal"))
    parser.add_argument("--shoal-bench", default=os.path.join(HERE, ".build", "release", "shoal-bench"))
    parser.add_argument("--python", default=os.path.join(HERE, ".venv", "bin", "python"))
    args = parser.parse_args()

    only = set(args.only.split(",")) if args.only else None
    sides = side_commands(args)
    results = {"shoal": {}, "dask": {}}
    errors = []
    loads = [loadavg()]
    started = time.time()
    for workload, n, dask_repeats in WORKLOADS:
        if only and workload not in only:
            continue
        if args.quick and n == 100000:
            continue
        for side, command in sides.items():
            if side == "dask" and workload in SHOAL_ONLY:
                continue
            repeats = args.repeats
            if side == "dask" and dask_repeats is not None and not args.full:
                repeats = min(repeats, dask_repeats)
            for i in range(repeats):
                print(f"  {side:5} {workload} n={n} run {i + 1}/{repeats} ...", file=sys.stderr, flush=True)
                figures, error = run_one(command(workload, n), args.timeout)
                loads.append(loadavg())
                if error:
                    errors.append(f"{side} {workload} n={n}: {error}")
                    break
                for key, value in figures.items():
                    results[side].setdefault(key, []).append(value)

    meta = [
        f"Machine: {os.cpu_count()} CPUs; load average (1 min) during the run {min(loads):.1f}..{max(loads):.1f}; "
        f"{time.time() - started:.0f} s in all.",
        "Noise: wall-time figures on a shared machine vary from run to run; the spread in [] is min..max over the repeats.",
        "Dask 2026.8: LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None);"
        " its scheduler lives in the client's process, so its scheduler RSS includes the client.",
    ]
    for error in errors:
        meta.append(f"FAILED: {error}")
    print(file=sys.stderr)
    print_table(results, meta, sys.stdout)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "notes": meta}, f, indent=1)


if __name__ == "__main__":
    main()
