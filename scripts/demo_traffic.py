#!/usr/bin/env python3
"""The demo's writer: real zae-limiter traffic against a local DynamoDB (moto server).

  demo_traffic.py create --endpoint URL --table NAME
      creates NAME with zae-limiter's own table definition (stream NEW_AND_OLD_IMAGES), a few
      entities (an org with two users, one cascading to it, and a service) and their limits.
  demo_traffic.py drive --endpoint URL --table NAME --seconds S --out FILE [--rate N]
      calls SyncRateLimiter.acquire() about N times a second for S seconds on the wall clock,
      adjusting some leases (tokens known only after the call) and rolling some back, then
      writes every stream record of the table to FILE ({"Records": [...]}, raw DynamoDB JSON:
      what zae-limiter's Lambda aggregator would have received) and prints a JSON summary.

One writer only: moto emits stream records for a TransactWriteItems it then rolls back, so
concurrent writers whose conditions collide would put phantom records in the stream.
"""

import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "peers"))

from zl_common import create_table, read_stream, setup_environment  # noqa: E402

# entity, resource, consumed rpm, typical tpm
PLAN = [
    ("alice", "gpt-4", 1, 900),
    ("alice", "claude", 1, 300),
    ("bob", "gpt-4", 1, 1_200),
    ("bob", "embed", 1, 40),
    ("batch-job", "gpt-4", 1, 4_000),
]


class Rollback(Exception):
    """Raised inside a lease: zae-limiter undoes the consumption."""


def limiter(endpoint, table):
    from zae_limiter import SyncRateLimiter, SyncRepository

    repo = SyncRepository.open(
        namespace="default", stack=table, endpoint_url=endpoint, region="us-east-1", auto_update=False
    )
    return SyncRateLimiter(repository=repo)


def create(args):
    from zae_limiter import Limit

    description = create_table(args.endpoint, args.table)
    zl = limiter(args.endpoint, args.table)
    zl.create_entity("acme", name="Acme Corp")
    zl.create_entity("alice", parent_id="acme", cascade=True)
    zl.create_entity("bob", parent_id="acme")
    zl.create_entity("batch-job", name="nightly batch")
    zl.set_system_defaults([Limit.per_minute("rpm", 600), Limit.per_minute("tpm", 200_000)])
    # bob's gpt-4 quota is small: some of his calls are rejected (nothing is written for those).
    zl.set_limits("bob", [Limit.per_minute("rpm", 20), Limit.per_minute("tpm", 10_000)], resource="gpt-4")
    print(json.dumps({"table": args.table, "stream": description["LatestStreamArn"]}))


def drive(args):
    from zae_limiter import RateLimitExceeded

    zl = limiter(args.endpoint, args.table)
    rng = random.Random(7)
    counts = {"acquired": 0, "rejected": 0, "rolled_back": 0}
    interval = 1.0 / args.rate
    deadline = time.monotonic() + args.seconds
    next_call = time.monotonic()
    while time.monotonic() < deadline:
        entity, resource, rpm, tpm = rng.choice(PLAN)
        estimate = max(1, int(tpm * rng.uniform(0.5, 1.5)))
        try:
            with zl.acquire(entity, resource, {"rpm": rpm, "tpm": estimate}) as lease:
                roll = rng.random()
                if roll < 0.1:
                    raise Rollback()
                if roll < 0.6:
                    lease.adjust(tpm=rng.randint(-estimate // 2, estimate // 2))  # the real token count
            counts["acquired"] += 1
        except RateLimitExceeded:
            counts["rejected"] += 1
        except Rollback:
            counts["rolled_back"] += 1
        next_call += interval
        time.sleep(max(0.0, next_call - time.monotonic()))

    from zl_common import client

    stream_arn = client(args.endpoint).describe_table(TableName=args.table)["Table"]["LatestStreamArn"]
    records = read_stream(args.endpoint, stream_arn)
    with open(args.out, "w") as f:
        json.dump({"Records": records}, f)
    counts["stream_records"] = len(records)
    counts["modify_records"] = sum(1 for r in records if r["eventName"] == "MODIFY")
    print(json.dumps(counts))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("create")
    d = sub.add_parser("drive")
    for p in (c, d):
        p.add_argument("--endpoint", required=True)
        p.add_argument("--table", required=True)
    d.add_argument("--seconds", type=float, default=25)
    d.add_argument("--rate", type=float, default=20, help="acquire() calls per second")
    d.add_argument("--out", required=True)
    args = parser.parse_args()
    setup_environment(args.endpoint)
    {"create": create, "drive": drive}[args.command](args)


if __name__ == "__main__":
    main()
