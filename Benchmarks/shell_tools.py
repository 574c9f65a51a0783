"""The shell workloads of `Benchmarks/compare`: the same commands through `shoal map
--cluster local`, Dask (`subprocess.run` in a task), GNU `parallel -j2` and
`xargs -P2`, each with 2 commands at a time.

Every run is one process tree started here: wall time from start to exit, CPU from
`wait4`'s resource usage, which covers the process and every descendant that was
waited for (Shoal's and Dask's workers, and every command they ran). Startup and
shutdown are included on every side: it is what the person at the terminal waits for.
Only the Python standard library is used here.
"""

import os
import resource
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# (name, program, input line, count): one command per line, `PROGRAM LINE`.
JOBS = [
    ("true", "true", None, 10000),  # lines 1..n: `true 1`, `true 2`, ...
    ("sleep", "sleep", "0.01", 1000),  # `sleep 0.01`
]

CLUSTERS_YAML = """version: 1
clusters:
  local:
    cluster_kwargs: {n_workers: 2, threads_per_worker: 1}
    dashboard: false
"""


def tools(shoal, python, config):
    """name -> function(program, inputs) -> argv."""
    plugins = os.path.dirname(shoal)
    return {
        "shoal map": lambda program, inputs: [
            shoal, "map", "--cluster", "local", "--config", config, "--plugin-path", plugins,
            "--inputs", inputs, "--", program, "{}",
        ],
        "Dask": lambda program, inputs: [python, os.path.join(HERE, "dask", "shell_map.py"), program, inputs],
        "Dask tuned": lambda program, inputs: [
            python, os.path.join(HERE, "dask", "shell_map.py"), program, inputs, "--tuned",
        ],
        "parallel -j2": lambda program, inputs: ["parallel", "--will-cite", "-j2", program, "{}", "::::", inputs],
        "xargs -P2": lambda program, inputs: ["xargs", "-P2", "-n1", program],
    }


def measure(argv, inputs, timeout):
    """Runs argv (stdin: the inputs file, for xargs); returns (wall s, error)."""
    with open(inputs) as stdin:
        t0 = time.perf_counter()
        process = subprocess.Popen(
            argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            _, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return None, f"timed out after {timeout} s"
    wall = time.perf_counter() - t0
    if process.returncode != 0:
        tail = (err.strip().splitlines() or ["no output"])[-1][:300]
        return None, f"exit {process.returncode}: {tail}"
    return wall, None


def children_cpu():
    """CPU seconds of every child waited for so far, and of their waited-for descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(shoal, python, repeats, timeout, progress, only_tools=None):
    """Runs every job with every tool `repeats` times; returns
    {job: {tool: {"wall_s": [...], "cpu_ms_per_task": [...]}}} and a list of errors."""
    results = {}
    errors = []
    with tempfile.TemporaryDirectory(prefix="shoal-bench-shell-") as folder:
        config = os.path.join(folder, "clusters.yaml")
        with open(config, "w") as f:
            f.write(CLUSTERS_YAML)
        commands = tools(shoal, python, config)
        for job, program, line, n in JOBS:
            inputs = os.path.join(folder, f"{job}.txt")
            with open(inputs, "w") as f:
                f.write("".join(f"{line or i + 1}\n" for i in range(n)))
            for tool, command in commands.items():
                if only_tools and tool not in only_tools:
                    continue
                for i in range(repeats):
                    progress(f"  shell {job} x {n}: {tool} run {i + 1}/{repeats} ...")
                    cpu0 = children_cpu()
                    wall, error = measure(command(program, inputs), inputs, timeout)
                    cpu = children_cpu() - cpu0
                    if error:
                        errors.append(f"shell {job} x {n} with {tool}: {error}")
                        break
                    figures = results.setdefault(job, {}).setdefault(tool, {})
                    figures.setdefault("wall_s", []).append(wall)
                    figures.setdefault("cpu_ms_per_task", []).append(1000 * cpu / n)
    return results, errors
