"""Dask side of the shell workloads: one `subprocess.run([PROGRAM, LINE])` task per
input line on a LocalCluster of 2 worker processes x 1 thread, as a person who runs
shell commands through Dask would write it. Exits non-zero if any command failed.

    python shell_map.py PROGRAM INPUTS [--tuned]

Started by Benchmarks/shell_tools.py, which measures its wall time and the CPU of the
whole process tree (this interpreter, the nannies, the workers and every command).
"""

import argparse
import subprocess

import dask
from distributed import Client, LocalCluster


def run(program, line):
    return subprocess.run([program, line], stdout=subprocess.DEVNULL).returncode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("program")
    parser.add_argument("inputs")
    parser.add_argument("--tuned", action="store_true", help="worker-saturation inf, no work stealing")
    args = parser.parse_args()
    if args.tuned:
        dask.config.set(
            {
                "distributed.scheduler.worker-saturation": float("inf"),
                "distributed.scheduler.work-stealing": False,
            }
        )
    with open(args.inputs) as f:
        lines = f.read().splitlines()
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, Client(cluster) as client:
        codes = client.gather(client.map(run, [args.program] * len(lines), lines, pure=False))
    failed = sum(1 for code in codes if code != 0)
    if failed:
        raise SystemExit(f"{failed} of {len(lines)} commands failed")


if __name__ == "__main__":
    main()
