"""Shoal's SlurmCluster on the private Slurm (run by Benchmarks/slurm/run, which
exports SLURM_CONF and SHOAL_STATE_DIR). Prints one JSON line:

  up_seconds       `shoal up hpc --detach` (n_workers N) until it returns: N workers connected
  scale_seconds    after `shoal scale hpc 0` and the queue is empty, `shoal scale hpc 2`
                   until 2 workers are connected (polling `shoal ps --json`)
"""
import json
import shutil
import os
import subprocess
import sys
import tempfile
import time


def main():
    shoal, workers = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2
    folder = tempfile.mkdtemp(prefix="s14-bench-")
    config = os.path.join(folder, "clusters.yaml")
    with open(config, "w") as file:
        file.write(
            "version: 1\nclusters:\n  hpc:\n    cluster_class: SlurmBackend.SlurmCluster\n"
            f"    cluster_kwargs: {{n_workers: {workers}, cores: 1, memory: 1G, walltime: \"00:10:00\"}}\n")
    env = dict(os.environ, SHOAL_STATE_DIR=os.path.join(folder, "state"))

    def connected():
        out = subprocess.run([shoal, "ps", "hpc", "--json"], env=env, capture_output=True, text=True).stdout
        statuses = json.loads(out)
        return sum(1 for w in statuses[0]["workers"] if w["slots"] > 0)

    def queue_empty():
        out = subprocess.run(["squeue", "-h"], capture_output=True, text=True).stdout
        return out.strip() == ""

    def wait_for(predicate, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        raise TimeoutError("condition not met")

    start = time.monotonic()
    subprocess.run([shoal, "up", "hpc", "--detach", "--config", config], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    up = time.monotonic() - start
    try:
        subprocess.run([shoal, "scale", "hpc", "0"], env=env, check=True, stdout=subprocess.DEVNULL)
        wait_for(lambda: connected() == 0 and queue_empty())
        start = time.monotonic()
        subprocess.run([shoal, "scale", "hpc", "2"], env=env, check=True, stdout=subprocess.DEVNULL)
        wait_for(lambda: connected() == 2)
        scale = time.monotonic() - start
    finally:
        subprocess.run([shoal, "down", "hpc"], env=env, stdout=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({"up_seconds": up, "scale_seconds": scale}))


if __name__ == "__main__":
    main()
