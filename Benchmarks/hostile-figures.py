#!/usr/bin/env python3
"""Before/after figures of issue 12 (reliability under hostile input), against a
`shoal` binary: Benchmarks/hostile-figures.py PATH/TO/shoal

1. File descriptors: a scheduler under `ulimit -n 256`, 300 idle connections that never
   say hello; how long a real client's hello takes to be welcomed, and the scheduler's
   CPU over the 2 s after.
2. Memory: three logged-in clients in turn each send 60 MiB of a 64 MiB frame and
   leave; the scheduler's RSS before, while it holds each frame, and 3 s after each.
3. Garbage: 100 connections that send an HTTP request; warning lines in the log.
4. Fairness: one worker (1 slot); a `shoal map` of 20,000 `true` tasks, then a
   one-task `shoal run`: how long the small run takes.
Not a test: a measurement for the closing note (machines are noisy).
"""
import os, socket, struct, subprocess, sys, tempfile, time

shoal = sys.argv[1]
folder = tempfile.mkdtemp(prefix="s12-figures-")
token_file = os.path.join(folder, "token")


def start_scheduler(limit=None):
    command = [shoal, "scheduler", "--port", "0", "--token-file", token_file]
    if limit:
        command = ["sh", "-c", f'ulimit -n {limit} && exec "$0" "$@"'] + command
    log = open(os.path.join(folder, "scheduler.log"), "w")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    line = process.stdout.readline().strip()
    port = int(line.rsplit(":", 1)[1])
    return process, port


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0


def cpu_s(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wire_string(text):
    data = text.encode()
    return struct.pack(">I", len(data)) + data


def hello(token):
    payload = b"\x01SHOA" + struct.pack(">HBI", 1, 2, 0) + wire_string("fig") + wire_string(token)
    return struct.pack(">I", len(payload)) + payload


def welcomed(port, token, timeout=30):
    start = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(hello(token))
    header = s.recv(5)
    took = time.monotonic() - start
    s.close()
    return took if len(header) == 5 and header[4] == 2 else None


def figures_fd():
    scheduler, port = start_scheduler(limit=256)
    token = open(token_file).read().strip()
    idle = []
    for _ in range(300):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        idle.append(s)
    time.sleep(0.3)
    cpu0 = cpu_s(scheduler.pid)
    took = welcomed(port, token)
    time.sleep(2)
    cpu = cpu_s(scheduler.pid) - cpu0
    descriptors = len(os.listdir(f"/proc/{scheduler.pid}/fd"))
    for s in idle:
        s.close()
    scheduler.terminate()
    scheduler.wait()
    warnings = sum(1 for line in open(os.path.join(folder, "scheduler.log"))
                   if " warning " in line)
    print(f"fd: 300 idle connections under ulimit -n 256: real client welcomed after "
          f"{took if took is None else round(took, 3)} s; scheduler CPU {cpu:.2f} s in the "
          f"{2 + (took or 0):.1f} s after; {descriptors} descriptors open; "
          f"{warnings} warning lines in the log")


def figures_memory():
    scheduler, port = start_scheduler()
    token = open(token_file).read().strip()
    time.sleep(0.5)
    before = rss_mb(scheduler.pid)
    rounds = []
    # Three peers in turn: after the first large buffer is freed, glibc raises its mmap
    # threshold, and the next ones come from the heap.
    for _ in range(3):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(hello(token))
        s.sendall(struct.pack(">I", (64 << 20) - 16) + b"\x10")
        chunk = b"A" * (1 << 20)
        for _ in range(60):
            s.sendall(chunk)
        time.sleep(1)
        holding = rss_mb(scheduler.pid)
        s.close()
        time.sleep(3)
        rounds.append((holding, rss_mb(scheduler.pid)))
    scheduler.terminate()
    scheduler.wait()
    text = ", ".join(f"{h:.1f} MB holding / {a:.1f} MB after" for h, a in rounds)
    print(f"memory: scheduler RSS {before:.1f} MB before; three peers in turn with a 60 MiB "
          f"partial frame each: {text}")


def figures_garbage():
    scheduler, port = start_scheduler()
    for _ in range(100):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        while s.recv(4096):
            pass
        s.close()
    scheduler.terminate()
    scheduler.wait()
    warnings = sum(1 for line in open(os.path.join(folder, "scheduler.log"))
                   if " warning " in line)
    print(f"garbage: 100 connections sending an HTTP request: {warnings} warning lines")


def figures_fairness():
    scheduler, port = start_scheduler()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, SHOAL_TOKEN=open(token_file).read().strip())
    worker = subprocess.Popen([shoal, "worker", address, "--nthreads", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    big = subprocess.Popen([shoal, "map", "--address", address, "--token-file", token_file,
                            "--", "true", "{}"], stdin=subprocess.PIPE,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    big.stdin.write(("\n".join(str(i) for i in range(20000)) + "\n").encode())
    big.stdin.close()
    time.sleep(2)
    start = time.monotonic()
    subprocess.run([shoal, "run", "--address", address, "--token-file", token_file, "--", "true"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    small = time.monotonic() - start
    big_start = time.monotonic()
    big.wait()
    print(f"fairness: a one-task `shoal run` behind a 20,000-task `shoal map` (1 worker, 1 slot): "
          f"{small:.2f} s (the map needed {time.monotonic() - big_start:.1f} s more)")
    worker.terminate()
    worker.wait()
    scheduler.terminate()
    scheduler.wait()


for figure in sys.argv[2:] or ["fd", "memory", "fairness"]:
    {"fd": figures_fd, "memory": figures_memory, "garbage": figures_garbage,
     "fairness": figures_fairness}[figure]()
