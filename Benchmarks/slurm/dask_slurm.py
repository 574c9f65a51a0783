"""dask-jobqueue's SLURMCluster on the same private Slurm as Shoal's side (run by
Benchmarks/slurm/run, which exports SLURM_CONF). Prints one JSON line:

  up_seconds       SLURMCluster() + scale(N) until N workers are connected
  scale_seconds    from 0 workers, scale(2) until 2 workers are connected
"""
import json
import shutil
import sys
import tempfile
import time

from dask.distributed import Client
from dask_jobqueue import SLURMCluster


def wait_for(predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise TimeoutError("condition not met")


def main():
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    logs = tempfile.mkdtemp(prefix="s14-dask-logs-")
    start = time.monotonic()
    cluster = SLURMCluster(
        cores=1, processes=1, memory="1GB", walltime="00:10:00", log_directory=logs,
        scheduler_options={"host": "127.0.0.1"}, python=sys.executable,
    )
    client = Client(cluster)
    cluster.scale(workers)
    client.wait_for_workers(workers)
    up = time.monotonic() - start

    cluster.scale(0)
    wait_for(lambda: len(client.scheduler_info()["workers"]) == 0 and not cluster.workers)
    start = time.monotonic()
    cluster.scale(2)
    client.wait_for_workers(2)
    scale = time.monotonic() - start

    client.close()
    cluster.close()
    shutil.rmtree(logs, ignore_errors=True)
    print(json.dumps({"up_seconds": up, "scale_seconds": scale}))


if __name__ == "__main__":
    main()
