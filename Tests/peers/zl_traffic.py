#!/usr/bin/env python3
"""Drives real zae-limiter 0.17.0 traffic against a moto server and dumps the table's stream.

Creates <table> with zae-limiter's own definition (NEW_AND_OLD_IMAGES stream), then uses the
real SyncRateLimiter in two namespaces: several limits per acquire, adjust, consume inside the
lease, release, exceptions inside the lease (rolled back), cascade to a parent, soft limits
overdrawn, rejected acquires, several resources. The token-bucket clock
(`SyncRepository._now_ms`, which zae-limiter documents as the one clock to patch) is moved
across hour, day and month boundaries, so snapshots land in several windows and at 00:00 UTC.
Writes {"Records": [...]} (GetRecords shape, raw DynamoDB JSON) to <out>.

Usage: zl_traffic.py --endpoint URL --table NAME --out FILE [--rounds N] [--skewed]
"""

import argparse
import json

from zl_common import create_table, read_stream, setup_environment

# 2026-01-31T22:20:00Z: stepping 7 minutes crosses 23:00, 00:00 (day and month) and 01:00.
START_MS = 1_769_898_000_000
STEP_MS = 7 * 60 * 1000


class Clock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now


class Boom(Exception):
    pass


def drive(endpoint, table, rounds, skewed):
    from zae_limiter import Limit, RateLimitExceeded, SyncRateLimiter, SyncRepository

    clock = Clock(START_MS)
    limiters = []
    for namespace in ("default", "tenant-b"):
        repo = SyncRepository.open(
            namespace=namespace, stack=table, endpoint_url=endpoint, region="us-east-1", auto_update=False
        )
        repo._now_ms = clock  # the documented clock seam: rf stamps, refill math
        limiters.append(SyncRateLimiter(repository=repo))
    main, other = limiters

    main.create_entity("org-1", name="Acme")
    main.create_entity("user-1", parent_id="org-1", cascade=True)
    main.create_entity("user-2", parent_id="org-1")
    main.set_system_defaults([Limit.per_minute("rpm", 10_000), Limit.per_minute("tpm", 1_000_000)])
    main.set_limits(
        "user-2",
        [Limit.per_minute("rpm", 3), Limit.per_minute("tpm", 2_000, soft=True)],
        resource="gpt-4",
    )
    other.create_entity("svc-9")
    other.set_system_defaults([Limit.per_hour("req", 100_000), Limit.per_minute("tok", 500_000)])

    plan = [
        (main, "user-1", "gpt-4", {"rpm": 1, "tpm": 120}),
        (main, "user-2", "gpt-4", {"rpm": 1, "tpm": 1_500}),
        (main, "user-2", "gpt-4", {"rpm": 1, "tpm": 1_500}),  # the soft tpm goes into debt
        (main, "user-2", "claude", {"rpm": 2, "tpm": 40}),
        (main, "org-1", "embed", {"rpm": 1, "tpm": 5}),
        (other, "svc-9", "search", {"req": 3, "tok": 1_234}),
    ]
    for i in range(rounds):
        if skewed:
            steps = [plan[0]] * 4 + [plan[i % len(plan)]]
        else:
            steps = plan
        for limiter, entity, resource, consume in steps:
            try:
                with limiter.acquire(entity, resource, consume) as lease:
                    first = next(iter(consume))
                    if i % 5 == 0:
                        lease.adjust(**{first: 7 + i})
                    elif i % 5 == 1:
                        lease.release(**{first: 1})
                    elif i % 5 == 2:
                        lease.consume(**{first: 2})
                    elif i % 5 == 3:
                        raise Boom()  # rolls the lease back
            except (RateLimitExceeded, Boom):
                pass
        clock.now += STEP_MS


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--skewed", action="store_true")
    args = parser.parse_args()
    setup_environment(args.endpoint)
    description = create_table(args.endpoint, args.table)
    drive(args.endpoint, args.table, args.rounds, args.skewed)
    records = read_stream(args.endpoint, description["LatestStreamArn"])
    with open(args.out, "w") as f:
        json.dump({"Records": records}, f)
    modify = sum(1 for r in records if r["eventName"] == "MODIFY")
    print(json.dumps({"records": len(records), "modify": modify}))


if __name__ == "__main__":
    main()
