"""Dask's SSHCluster on the same kind of hosts as Shoal's SSH tests (issue 5).

Makes one network namespace with two addresses and one sshd on each (own host key,
authorized_keys, pid file), runs Dask's SSHCluster with the scheduler on the first
and 2 workers on each (4 in all), times cold start to 4 workers, then tries
`cluster.scale(...)`, and tears everything down. Needs root, sshd, and a Python with
`distributed` and `asyncssh` (`python -m venv V && V/bin/pip install
"dask[distributed]" asyncssh`); the remote Python is this one (same file system).

    sudo V/bin/python Benchmarks/dask/ssh_cluster.py [--runs 5]
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time


def sh(script):
    return subprocess.run(["sh", "-ec", script], check=True, capture_output=True, text=True).stdout


class Hosts:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="shoal-dask-ssh-")
        tag = "%04x" % random.randrange(65536)
        self.ns = f"shoal-test-{tag}-d"
        self.link = f"s{tag}hd"
        prefix = f"10.{random.randrange(200, 251)}.{random.randrange(256)}"
        self.gateway, self.addresses = f"{prefix}.1", [f"{prefix}.2", f"{prefix}.3"]
        self.pids = []
        os.makedirs("/run/sshd", exist_ok=True)
        for name in ["client", "hostkey"]:
            sh(f"ssh-keygen -q -t ed25519 -N '' -f {self.dir}/{name}")
        shutil.copy(f"{self.dir}/client.pub", f"{self.dir}/authorized_keys")
        sh(f"""
        ip netns add {self.ns}
        ip link add {self.link} type veth peer name s{tag}nd
        ip link set s{tag}nd netns {self.ns}
        ip addr add {self.gateway}/29 dev {self.link}
        ip link set {self.link} up
        ip netns exec {self.ns} ip addr add {self.addresses[0]}/29 dev s{tag}nd
        ip netns exec {self.ns} ip addr add {self.addresses[1]}/29 dev s{tag}nd
        ip netns exec {self.ns} ip link set s{tag}nd up
        ip netns exec {self.ns} ip link set lo up
        """)
        for index, address in enumerate(self.addresses):
            config = f"{self.dir}/sshd-{index}.conf"
            with open(config, "w") as f:
                f.write(f"ListenAddress {address}\nPort 22\nHostKey {self.dir}/hostkey\n"
                        f"AuthorizedKeysFile {self.dir}/authorized_keys\nPidFile {self.dir}/sshd-{index}.pid\n"
                        "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                        "PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n")
            pid = sh(f"ip netns exec {self.ns} /usr/sbin/sshd -D -f {config} </dev/null >/dev/null 2>&1 & echo $!")
            self.pids.append(int(pid))
        for _ in range(500):
            if sh(f"ip netns exec {self.ns} ss -Htln 'sport = :22'").count(":22") >= 2:
                return
            time.sleep(0.02)
        raise RuntimeError("sshd did not start")

    def close(self):
        for pid in sh(f"ip netns pids {self.ns} || true").split():
            subprocess.run(["kill", "-9", pid])
        sh(f"ip link del {self.link} 2>/dev/null || true; ip netns del {self.ns} 2>/dev/null || true")
        shutil.rmtree(self.dir, ignore_errors=True)


async def one_run(hosts):
    from distributed import Client, SSHCluster

    a, b = hosts.addresses
    start = time.perf_counter()
    cluster = await SSHCluster(
        [a, a, b],
        connect_options={"client_keys": [f"{hosts.dir}/client"], "known_hosts": None, "username": "root"},
        worker_options={"n_workers": 2, "nthreads": 1},
        scheduler_options={"port": 0, "dashboard_address": None, "host": a},
        remote_python=sys.executable,
        asynchronous=True,
    )
    client = await Client(cluster, asynchronous=True)
    await client.wait_for_workers(4)
    up = time.perf_counter() - start
    scale = "ok"
    try:
        cluster.scale(6)
        await asyncio.sleep(2)
        workers = len(client.scheduler_info()["workers"])
        scale = f"scale(6) returned; {workers} workers after 2 s"
    except Exception as error:  # noqa: BLE001 - reported, not handled
        scale = f"{type(error).__name__}: {error}"
    start = time.perf_counter()
    await client.close()
    await cluster.close()
    down = time.perf_counter() - start
    return up, down, scale


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    hosts = Hosts()
    try:
        results = [asyncio.run(one_run(hosts)) for _ in range(runs)]
    finally:
        hosts.close()
    ups = sorted(r[0] for r in results)
    downs = sorted(r[1] for r in results)
    print(json.dumps({
        "cold_start_4_workers_2_hosts_s": {"min": ups[0], "median": ups[len(ups) // 2], "max": ups[-1]},
        "close_s": {"min": downs[0], "median": downs[len(downs) // 2], "max": downs[-1]},
        "scale": results[-1][2],
        "runs": runs,
    }, indent=2))


if __name__ == "__main__":
    main()
