"""Dask side of `Benchmarks/compare`: one workload per run, one JSON object on stdout.

Every workload starts its own LocalCluster (2 worker processes x 1 thread, dashboard
off, as the issue describes), measures, closes it, and prints
`{"figures": {NAME: VALUE, ...}}`. The Shoal side prints the same names.

    python bench.py WORKLOAD [--n N] [--tuned] [--set KEY=VALUE ...]

`--tuned` applies TUNED below (Dask at its best); `--set` tries one setting.

Workloads: start, latency, throughput, sleep, adaptive, memory, bytes.
"""

import argparse
import json
import os
import time
import warnings

import psutil
import dask
import yaml
from distributed import Client, LocalCluster, as_completed, wait


def noop(x):
    return x


def sleep_ms(ms):
    time.sleep(ms / 1000.0)
    return ms


def echo(data):
    return data


def rss_here():
    return psutil.Process().memory_info().rss


def cpu_here():
    times = psutil.Process().cpu_times()
    return times.user + times.system


def uss_here():
    return psutil.Process().memory_full_info().uss


def pss_here():
    return psutil.Process().memory_full_info().pss


def local_cluster(n_workers=2, **extra):
    return LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        **extra,
    )


def start(args):
    """Cold start to `n` workers ready, and close. Measured inside an already-started
    interpreter with distributed imported (import time is reported apart)."""
    t0 = time.perf_counter()
    cluster = local_cluster(n_workers=args.workers)
    client = Client(cluster)
    client.wait_for_workers(args.workers)
    ready = time.perf_counter() - t0
    t1 = time.perf_counter()
    client.close()
    cluster.close()
    closed = time.perf_counter() - t1
    return {"start_s": ready, "close_s": closed}


def latency(args):
    """Sequential round trips of a no-op: submit, wait for its result, repeat."""
    with local_cluster() as cluster, Client(cluster) as client:
        client.wait_for_workers(2)
        for i in range(50):
            client.submit(noop, i, pure=False).result()
        samples = []
        for i in range(args.n):
            t0 = time.perf_counter()
            client.submit(noop, i, pure=False).result()
            samples.append(time.perf_counter() - t0)
    samples.sort()
    return {
        "rtt_p50_ms": 1000 * samples[len(samples) // 2],
        "rtt_p99_ms": 1000 * samples[min(len(samples) - 1, int(len(samples) * 0.99))],
    }


def throughput(args):
    """`n` independent no-op tasks submitted at once; tasks/s from submit to the last result."""
    with local_cluster() as cluster, Client(cluster) as client:
        client.wait_for_workers(2)
        wait(client.map(noop, range(100), pure=False))
        here0, workers0 = cpu_here(), sum(client.run(cpu_here).values())
        t0 = time.perf_counter()
        futures = client.map(noop, range(args.n), pure=False)
        wait(futures)
        elapsed = time.perf_counter() - t0
        here1, workers1 = cpu_here(), sum(client.run(cpu_here).values())
        bad = sum(1 for f in futures if f.status != "finished")
        if bad:
            raise SystemExit(f"{bad} tasks did not finish")
    return {
        f"throughput_{args.n}": args.n / elapsed,
        f"cpu_us_scheduler_client_{args.n}": 1e6 * (here1 - here0) / args.n,
        f"cpu_us_workers_{args.n}": 1e6 * (workers1 - workers0) / args.n,
    }


def sleep(args):
    """400 tasks of 10 ms on 2 slots: efficiency = ideal time (n * 10 ms / 2) / elapsed."""
    with local_cluster() as cluster, Client(cluster) as client:
        client.wait_for_workers(2)
        wait(client.map(noop, range(20), pure=False))
        t0 = time.perf_counter()
        wait(client.map(sleep_ms, [10] * args.n, pure=False))
        elapsed = time.perf_counter() - t0
    return {"sleep_efficiency": (args.n * 0.010 / 2) / elapsed}


def adaptive(args):
    """Adaptive 0..4 workers (interval 0.5 s, Dask's other defaults): from a burst of
    queued work to the first worker and to 4; from idle back to 0."""
    maximum = 4
    with local_cluster(n_workers=0) as cluster, Client(cluster) as client:
        cluster.adapt(minimum=0, maximum=maximum, interval="500ms")
        time.sleep(1.0)
        t0 = time.perf_counter()
        # 40 s of work in 100 ms tasks: more than 4 workers' worth over Dask's 5 s target.
        futures = client.map(sleep_ms, [100] * 400, pure=False)
        first = full = None
        while full is None:
            n = len(client.scheduler_info(n_workers=-1)["workers"])
            now = time.perf_counter() - t0
            if n >= 1 and first is None:
                first = now
            if n >= maximum:
                full = now
            if now > 120:
                raise SystemExit("adaptive: never reached the maximum")
            time.sleep(0.02)
        client.cancel(futures)
        del futures
        t1 = time.perf_counter()
        while len(client.scheduler_info(n_workers=-1)["workers"]) > 0:
            if time.perf_counter() - t1 > 120:
                raise SystemExit("adaptive: never went back to the minimum")
            time.sleep(0.02)
        down = time.perf_counter() - t1
    return {"adapt_first_s": first, "adapt_max_s": full, "adapt_down_s": down}


def memory(args):
    """Resident memory: the scheduler's process (in LocalCluster: the process holding
    scheduler and client) after `n` no-op tasks, and one idle worker process (without
    its nanny)."""
    with local_cluster() as cluster, Client(cluster) as client:
        client.wait_for_workers(2)
        time.sleep(1.0)
        rss = client.run(rss_here)
        idle = min(rss.values())
        uss = min(client.run(uss_here).values())
        pss = min(client.run(pss_here).values())
        futures = client.map(noop, range(args.n), pure=False)
        wait(futures)
        del futures
        time.sleep(1.0)
        scheduler = rss_here()
    return {
        "rss_scheduler_mb": scheduler / 1e6,
        "rss_worker_mb": idle / 1e6,
        "uss_worker_mb": uss / 1e6,
        "pss_worker_mb": pss / 1e6,
    }


def payloads(path):
    """The 1 MiB payloads both sides send: consecutive 1 MiB slices of the file the
    harness wrote (random URL-safe base64 letters, so that Shoal's JSON string input is the same
    bytes plus its two quotes)."""
    size = 1 << 20
    with open(path, "rb") as f:
        data = f.read()
    return [data[i : i + size] for i in range(0, len(data) - size + 1, size)]


def bytes_(args):
    """`n` tasks, each with a 1 MiB input and a 1 MiB output, at most `--window` in
    flight (as on Shoal's side): the input goes in the task (client -> scheduler ->
    worker), the output comes back through `result()`; (in + out) bytes / elapsed."""
    size = 1 << 20
    blobs = payloads(args.payload) if args.payload else [os.urandom(size) for _ in range(8)]
    with local_cluster() as cluster, Client(cluster) as client:
        client.wait_for_workers(2)
        t0 = time.perf_counter()
        total = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            submitted = 0
            blob_of = {}
            pending = as_completed()

            def submit_next():
                nonlocal submitted
                blob = blobs[submitted % len(blobs)]
                future = client.submit(echo, blob, pure=False)
                blob_of[future.key] = blob
                pending.add(future)
                submitted += 1

            while submitted < min(args.window, args.n):
                submit_next()
            for future in pending:
                data = future.result()
                if data != blob_of.pop(future.key):
                    raise SystemExit("bytes: a result differs from its input")
                total += len(data)
                if submitted < args.n:
                    submit_next()
        elapsed = time.perf_counter() - t0
        if total != args.n * size:
            raise SystemExit("bytes: wrong output size")
    return {"bytes_per_s_mb": 2 * args.n * size / elapsed / 1e6}


# Dask's settings at their best, per workload. The scheduler lives in this process
# (LocalCluster), so its settings apply from here. Default `worker-saturation` is 1.1:
# the scheduler holds tasks back (queuing) and sends each worker about one at a time;
# `inf` sends everything at once (as before queuing existed, and as Shoal's prefetch
# does); work stealing is pointless with two equal workers and costs scheduler CPU.
# Chosen by running each workload with each candidate (docs/benchmarks.md).
TUNED_DEFAULT = {
    "distributed.scheduler.worker-saturation": float("inf"),
    "distributed.scheduler.work-stealing": False,
}
TUNED = {}


WORKLOADS = {
    "start": (start, 0),
    "latency": (latency, 1000),
    "throughput": (throughput, 10000),
    "sleep": (sleep, 400),
    "adaptive": (adaptive, 0),
    "memory": (memory, 10000),
    "bytes": (bytes_, 1000),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--n", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--window", type=int, default=64, help="bytes: tasks in flight")
    parser.add_argument("--payload", help="bytes: the file of 1 MiB payloads (Benchmarks/harness.py writes it)")
    parser.add_argument(
        "--tuned",
        action="store_true",
        help="Dask at its best for this workload (TUNED below) instead of its defaults",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Dask setting (YAML value), e.g. distributed.scheduler.worker-saturation=inf; to try candidates",
    )
    args = parser.parse_args()
    for setting in args.set:
        key, _, value = setting.partition("=")
        dask.config.set({key: yaml.safe_load(value)})
    if args.tuned:
        dask.config.set(TUNED.get(args.workload, TUNED_DEFAULT))
    run, default_n = WORKLOADS[args.workload]
    if args.n is None:
        args.n = default_n
    figures = run(args)
    print(json.dumps({"figures": figures}), flush=True)


if __name__ == "__main__":
    main()
