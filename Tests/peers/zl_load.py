#!/usr/bin/env python3
"""Continuous real zae-limiter 0.17.0 traffic against a (moto or stream-proxy) endpoint.

  zl_load.py setup --endpoint URL --table T [--create-table]
      (optionally creates T with zae-limiter's definition, stream on), then creates the entities
      and limits the load uses, in two namespaces; prints {"ready": true}.
  zl_load.py run --endpoint URL --table T [--writers N] [--seconds S] [--speed X]
      drives acquire() traffic (several limits per acquire, adjust / release / consume inside the
      lease, rolled-back leases, cascade, a soft limit in debt, rejected acquires) from N writer
      threads until SIGTERM/SIGINT or S seconds, then prints {"acquires", "rejected",
      "rolled_back", "errors"}. Prints "RUNNING" once the first acquire has returned.

The token-bucket clock (`SyncRepository._now_ms`, the clock zae-limiter documents as its seam)
runs X times faster than real time from 2026-03-10T10:50Z, so a minute-long load crosses hour
boundaries without ever reaching 00:00 UTC (where the hourly and daily items coincide).
The records themselves are read from the stream by the caller.
"""

import argparse
import json
import random
import signal
import sys
import threading
import time

from zl_common import create_table, setup_environment

START_MS = 1_773_139_800_000  # 2026-03-10T10:50:00Z


class Clock:
    def __init__(self, speed):
        self.t0 = time.monotonic()
        self.speed = speed

    def __call__(self):
        return START_MS + int((time.monotonic() - self.t0) * self.speed * 1000)


class Boom(Exception):
    pass


def limiters(endpoint, table, clock):
    from zae_limiter import SyncRateLimiter, SyncRepository

    out = []
    for namespace in ("default", "tenant-b"):
        repo = SyncRepository.open(
            namespace=namespace, stack=table, endpoint_url=endpoint, region="us-east-1", auto_update=False
        )
        if clock is not None:
            repo._now_ms = clock
        out.append(SyncRateLimiter(repository=repo))
    return out


def setup(args):
    from zae_limiter import Limit

    if args.create_table:
        create_table(args.endpoint, args.table)
    main, other = limiters(args.endpoint, args.table, None)
    main.create_entity("org-1", name="Acme")
    main.create_entity("user-1", parent_id="org-1", cascade=True)
    main.create_entity("user-2", parent_id="org-1")
    main.create_entity("user-3")
    main.set_system_defaults([Limit.per_minute("rpm", 10_000), Limit.per_minute("tpm", 1_000_000)])
    main.set_limits(
        "user-2", [Limit.per_minute("rpm", 30), Limit.per_minute("tpm", 20_000, soft=True)], resource="gpt-4"
    )
    other.create_entity("svc-9")
    other.set_system_defaults([Limit.per_hour("req", 100_000), Limit.per_minute("tok", 500_000)])
    print(json.dumps({"ready": True}), flush=True)


def plan(main, other):
    return [
        (main, "user-1", "gpt-4", {"rpm": 1, "tpm": 120}),
        (main, "user-2", "gpt-4", {"rpm": 1, "tpm": 1_500}),
        (main, "user-2", "claude", {"rpm": 2, "tpm": 40}),
        (main, "user-3", "gpt-4", {"rpm": 1, "tpm": 77}),
        (main, "org-1", "embed", {"rpm": 1, "tpm": 5}),
        (other, "svc-9", "search", {"req": 3, "tok": 1_234}),
    ]


def writer(args, clock, stop, counts, lock, started, seed):
    from zae_limiter import RateLimitExceeded

    rng = random.Random(seed)
    main, other = limiters(args.endpoint, args.table, clock)
    steps = plan(main, other)
    i = 0
    while not stop.is_set():
        limiter, entity, resource, consume = rng.choice(steps)
        outcome = "acquires"
        try:
            with limiter.acquire(entity, resource, consume) as lease:
                first = next(iter(consume))
                kind = i % 5
                if kind == 0:
                    lease.adjust(**{first: 3 + i % 11})
                elif kind == 1:
                    lease.release(**{first: 1})
                elif kind == 2:
                    lease.consume(**{first: 2})
                elif kind == 3:
                    raise Boom()  # rolls the lease back
        except RateLimitExceeded:
            outcome = "rejected"
        except Boom:
            outcome = "rolled_back"
        except Exception as error:  # noqa: BLE001 - a load generator reports and goes on
            outcome = "errors"
            print(json.dumps({"error": repr(error)[:300]}), file=sys.stderr, flush=True)
            time.sleep(0.05)
        with lock:
            counts[outcome] += 1
        started.set()
        i += 1


def run(args):
    clock = Clock(args.speed)
    stop = threading.Event()
    started = threading.Event()
    lock = threading.Lock()
    counts = {"acquires": 0, "rejected": 0, "rolled_back": 0, "errors": 0}
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threads = [
        threading.Thread(target=writer, args=(args, clock, stop, counts, lock, started, n), daemon=True)
        for n in range(args.writers)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + args.seconds if args.seconds else None
    announced = False
    while not stop.is_set():
        if not announced and started.is_set():
            print("RUNNING", flush=True)
            announced = True
        if deadline and time.monotonic() >= deadline:
            stop.set()
        stop.wait(0.05)
    for thread in threads:
        thread.join()
    print(json.dumps(counts), flush=True)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--endpoint", required=True)
    s.add_argument("--table", required=True)
    s.add_argument("--create-table", action="store_true")
    r = sub.add_parser("run")
    r.add_argument("--endpoint", required=True)
    r.add_argument("--table", required=True)
    r.add_argument("--writers", type=int, default=1)
    r.add_argument("--seconds", type=float, default=0)
    r.add_argument("--speed", type=float, default=60)
    args = parser.parse_args()
    setup_environment(args.endpoint)
    {"setup": setup, "run": run}[args.command](args)


if __name__ == "__main__":
    main()
