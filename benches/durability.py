#!/usr/bin/env python3
"""Grab-script throughput under each persistence mode, and a Redis Cluster
against one Redis, with redis-benchmark running the grab script exactly as
ticketgrab sends it (`ticketgrab lua grab`).

    benches/durability.py [connections] [requests]      (default 50 200000)

Persistence: one Redis with appendfsync always, everysec, and no AOF, its data
on the project's disk (not tmpfs), so fsync is real.
Cluster: three events hammered at once, each by its own redis-benchmark: on
three masters (one event each) against all three on one Redis.
"""
import os, re, shutil, socket, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONNS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
N = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
BIN = os.path.join(ROOT, "target/release/ticketgrab")
servers = []


def free_port():
    # At most 55535: a cluster node also binds port + 10000 for its bus.
    while True:
        s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
        if port <= 55535:
            return port


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *map(str, args)], capture_output=True, text=True).stdout.strip()


def start(dirname, *args):
    port = free_port(); os.makedirs(dirname, exist_ok=True)
    log = open(os.path.join(dirname, "redis.log"), "w")
    servers.append(subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", dirname,
                                     "--save", "", *args], stdout=log, stderr=log))
    for _ in range(100):
        if cli(port, "ping") == "PONG":
            return port
        time.sleep(0.1)
    sys.exit(f"redis-server on {port} did not start: {open(os.path.join(dirname, 'redis.log')).read()}")


def keys(event):
    """The event's keys, in the order the scripts take them (`ticketgrab keys`)."""
    return subprocess.run([BIN, "keys", event], capture_output=True, text=True, check=True).stdout.split()


def script(name):
    return subprocess.run([BIN, "lua", name], capture_output=True, text=True, check=True).stdout


def create(port, event):
    now = int(time.time() * 1000)
    k = keys(event)
    # title, org, opens, closes, price, max_seats, hold_ms, then pool id, title, total
    out = cli(port, "EVAL", script("create"), len(k), *k, "b", "bj", now - 1000, now + 86400000, 0, 1, 0, "p", "p", 10000000)
    assert out.startswith("ok"), out


def bench(port, event):
    sha = cli(port, "SCRIPT", "LOAD", script("grab"))
    return subprocess.Popen(["redis-benchmark", "-p", str(port), "-c", str(CONNS), "-n", str(N), "-r", "2000000000", "-q",
                             "EVALSHA", sha, str(len(keys(event))), *keys(event), "m__rand_int__", "6217 **** **** 1234", "app",
                             "c__rand_int__", "bj/x", "1", "p"],
                            stdout=subprocess.PIPE, text=True)


def rate(proc):
    out = proc.communicate()[0].replace("\r", "\n")
    return float(re.findall(r"([0-9.]+) requests per second", out)[-1])


def main():
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(dir=os.path.join(ROOT, "target"))
    try:
        print(f"== machine: {os.cpu_count()} cores, disk of {ROOT}, {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}, "
              f"{CONNS} connections, {N} grabs per measurement")
        for mode in ["always", "everysec", "off"]:
            args = ["--appendonly", "no"] if mode == "off" else ["--appendonly", "yes", "--appendfsync", mode]
            port = start(os.path.join(work, mode), *args)
            create(port, "e")
            print(f"appendfsync {mode}: {rate(bench(port, 'e')):.0f} grabs/s", flush=True)

        port = start(os.path.join(work, "single"), "--appendonly", "no")
        for e in "abc":
            create(port, e)
        procs = [bench(port, e) for e in "abc"]
        print(f"one Redis, 3 events at once: {sum(rate(p) for p in procs):.0f} grabs/s", flush=True)

        ports = [start(os.path.join(work, f"c{i}"), "--appendonly", "no", "--cluster-enabled", "yes",
                       "--cluster-config-file", "nodes.conf") for i in range(3)]
        subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{p}" for p in ports], "--cluster-replicas", "0",
                        "--cluster-yes"], capture_output=True, check=True)
        while not all("cluster_state:ok" in cli(p, "CLUSTER", "INFO") for p in ports):
            time.sleep(0.1)
        # One event per master: a master serves a key when it answers without MOVED.
        placed = []
        for p in ports:
            event = next(f"ev{i}" for i in range(10000) if "MOVED" not in cli(p, "EXISTS", keys(f"ev{i}")[0]))
            placed.append((p, event))
        for p, e in placed:
            create(p, e)
        procs = [bench(p, e) for p, e in placed]
        print(f"3-master cluster, 3 events (one per master) at once: {sum(rate(p) for p in procs):.0f} grabs/s", flush=True)
    finally:
        for s in servers:
            s.kill(); s.wait()
        shutil.rmtree(work, ignore_errors=True)


main()
