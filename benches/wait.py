#!/usr/bin/env python3
"""The cost of confirming only replicated tickets (--redis-wait-replicas 1),
through HTTP, with the load harness: the `cinema` rehearsal (20,000 tickets,
200,000 members) against a release server on a Redis primary with one replica,
alternating WAIT 0 and WAIT 1.

    cargo build --release --workspace && benches/wait.py [runs]      (default 2)
"""
import json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
SECRETS = {"TG_MEMBER_SECRET": "wait-member", "TG_STAFF_SECRET": "wait-staff", "TG_CARD_SECRET": "wait-card"}
procs = []


def free_port():
    while True:
        s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
        if port <= 55535:
            return port


def redis(dirname, *args):
    port = free_port(); os.makedirs(dirname)
    procs.append(subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", dirname, "--save", "",
                                   "--appendonly", "no", *args], stdout=subprocess.DEVNULL))
    return port


def info(port):
    return subprocess.run(["redis-cli", "-p", str(port), "INFO", "replication"], capture_output=True, text=True).stdout


def main():
    work = tempfile.mkdtemp(dir=os.path.join(ROOT, "target"))
    try:
        primary = redis(os.path.join(work, "primary"))
        time.sleep(0.3)
        redis(os.path.join(work, "replica"), "--replicaof", "127.0.0.1", str(primary))
        while "connected_slaves:1" not in info(primary) or "state=online" not in info(primary):
            time.sleep(0.1)
        print(f"== {os.cpu_count()} cores, {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}: cinema, 256 connections, primary + 1 replica")
        for run in range(RUNS):
            for wait in ["0", "1"]:
                port = free_port()
                server = subprocess.Popen([os.path.join(ROOT, "target/release/ticketgrab"), "serve", "--listen", f"127.0.0.1:{port}",
                                           "--redis-url", f"redis://127.0.0.1:{primary}", "--redis-wait-replicas", wait,
                                           "--trusted-proxies", "127.0.0.1"], env={**os.environ, **SECRETS, "RUST_LOG": "warn"})
                for _ in range(100):
                    try:
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz"); break
                    except Exception:
                        time.sleep(0.1)
                out = os.path.join(work, f"r{run}-{wait}")
                subprocess.run([os.path.join(ROOT, "target/release/ticketgrab-load"), "--scenario", "cinema", "--url", f"http://127.0.0.1:{port}",
                                "--quiet", "--out", out], env={**os.environ, **SECRETS}, check=True, stdout=subprocess.DEVNULL)
                server.kill(); server.wait()
                r = json.load(open(os.path.join(out, "report.json")))
                grabs = r["answers"].get("201 ticket", 0)
                print(f"WAIT {wait}: sold out after {r['time_to_sell_out_ms'] / 1000:.2f} s, last answer after "
                      f"{r['time_to_last_answer_ms'] / 1000:.2f} s, {r['throughput_rps']:.0f} answers/s, p50 {r['latency']['p50_ms']:.1f} ms, "
                      f"p99 {r['latency']['p99_ms']:.1f} ms, tickets {grabs}, checks {'ok' if r['ok'] else 'FAILED'}", flush=True)
    finally:
        for p in procs:
            p.kill(); p.wait()
        shutil.rmtree(work, ignore_errors=True)


main()
