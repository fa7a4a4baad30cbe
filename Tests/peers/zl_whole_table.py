#!/usr/bin/env python3
"""Whole-table differential input: real zae-limiter 0.17.0 traffic and its Lambda, batch by batch.

  zl_whole_table.py record --endpoint URL --table S --out FILE [--seed N]
      creates S (zae-limiter's definition, NEW_AND_OLD_IMAGES stream), configures entities with
      a cascade, a parameter schedule, calendar and duration quotas and the auto-injected `wcu`
      limit, then drives real SyncRateLimiter traffic in phases on a frozen clock. After each
      phase the new stream records pass the stack's filter (MODIFY of a `#STATE` item), are cut
      into batches of seeded sizes and go through the real `process_stream_records` on S with
      the batch's frozen `now`, so the Lambda's refills, doublings and clones happen in the
      recorded run and the client sees them, as it would in production. A burst on one bucket
      drains its `wcu` so the Lambda doubles shard_count 1 -> 2 -> 4 (quota clones included).
      Writes FILE: {"base": [items after setup], "batches": [{"now_ms", "writes", "records"}],
      "final": [items of S], "facts": {...}}; `writes` are the client's own stream records
      (every event, unfiltered; the last one per item) written since the previous batch: a
      replay applies them first, then the batch. The processor's own writes are never in
      `writes`: a replay makes its own.
  zl_whole_table.py prepare --endpoint URL --from FILE --table T [--lease-table L]
      creates T (no stream) holding the recorded base items (and a lease table L).
  zl_whole_table.py replay --endpoint URL --from FILE --table A --dumps OUT
      prepares A, then per batch applies the writes (Put of NewImage, Delete for REMOVE) and runs
      the real `process_stream_records` with the batch's frozen clock; writes OUT as
      {"dumps": [items of A after each batch]} and prints facts, including whether A ended equal
      to S (the replay's own faithfulness).
Items are DynamoDB JSON, sorted by (PK, SK).
"""

import argparse
import contextlib
import io
import json
import random
import sys
from datetime import UTC, datetime, timedelta

from zl_common import client, create_table, raw_streams_call, scan_all, setup_environment

# 2026-01-31T23:55:00Z: the phases cross midnight (a calendar quota's reset edge, the end of a
# parameter schedule's window, a new day and month of snapshots).
START_MS = 1_769_903_700_000
HOT = ("hot-1", "bulk")
# wcu is 1000 per second and nobody refills it on the fast path: the bucket's creation and 830
# writes in one instant leave 16.9%, under the 20% trigger, and 17.9% ten milliseconds later.
BURST = 830


class FrozenClock:
    """`time` and `datetime` as processor.py reads them, stopped at one instant."""

    def __init__(self, now_ms):
        self.now_ms = now_ms
        clock = self

        class FrozenDatetime(datetime):
            @classmethod
            def now(cls, tz=None):
                return datetime.fromtimestamp(clock.now_ms / 1000, tz=tz)

        self.datetime = FrozenDatetime

    def time(self):
        return self.now_ms / 1000

    def perf_counter(self):
        import time

        return time.perf_counter()


def run_lambda(records, table, now_ms):
    """The real process_stream_records on one batch, every clock it reads frozen at `now_ms`."""
    from zae_limiter_aggregator import processor

    frozen = FrozenClock(now_ms)
    saved = processor.time_module, processor.datetime
    processor.time_module, processor.datetime = frozen, frozen.datetime
    try:
        # The processor prints one JSON log line per event; keep stdout for the result.
        with contextlib.redirect_stdout(io.StringIO()):
            return processor.process_stream_records(records, table_name=table, windows=["hourly", "daily"])
    finally:
        processor.time_module, processor.datetime = saved


def lambda_filter(record):
    """The stack's FilterCriteria for bucket items (audit REMOVEs never occur here)."""
    return record["eventName"] == "MODIFY" and record["dynamodb"].get("NewImage", {}).get("SK", {}).get("S") == "#STATE"


def last_per_item(writes):
    """The client's writes as their outcome: only the last write of each item counts (no
    processor runs between them), in the order of those last writes."""
    last = {}
    for r in writes:
        key = (r["dynamodb"]["Keys"]["PK"]["S"], r["dynamodb"]["Keys"]["SK"]["S"])
        last.pop(key, None)
        last[key] = r
    return list(last.values())


def bucket_name(pk):
    """`BUCKET#entity#resource#shard` without the namespace id."""
    return pk.split("/", 1)[-1]


def sorted_items(items):
    return sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))


def streams_call(endpoint, operation, body):
    # moto answers GetRecords slowly once the shard holds thousands of records: a long wait.
    return json.loads(raw_streams_call(endpoint, operation, body, timeout=600))


class Stream:
    """Hands out the moto shard's records not handed out before (a fresh iterator after the
    last one seen, since a failed transaction makes moto's older iterators stale)."""

    def __init__(self, endpoint, arn):
        self.endpoint, self.arn, self.last = endpoint, arn, None

    def new_records(self):
        description = streams_call(self.endpoint, "DescribeStream", {"StreamArn": self.arn})
        request = {"StreamArn": self.arn, "ShardId": description["StreamDescription"]["Shards"][0]["ShardId"]}
        if self.last is None:
            request["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            request.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=self.last)
        iterator = streams_call(self.endpoint, "GetShardIterator", request)["ShardIterator"]
        records = []
        while iterator:
            page = streams_call(self.endpoint, "GetRecords", {"ShardIterator": iterator, "Limit": 100})
            if not page.get("Records"):
                break
            records.extend(page["Records"])
            iterator = page.get("NextShardIterator")
        if records:
            self.last = records[-1]["dynamodb"]["SequenceNumber"]
        return records


class Recorder:
    """Keeps the stream's records in two roles: the client's writes (a replay applies them) and
    what the Lambda has not processed yet (the client's and its own writes alike)."""

    def __init__(self, endpoint, table, rng, stream):
        self.endpoint, self.table, self.rng, self.stream = endpoint, table, rng, stream
        self.batches, self.pending_writes, self.unprocessed, self.errors = [], [], [], []
        self.shard_counts = []

    def client_phase_done(self):
        fresh = self.stream.new_records()
        self.pending_writes.extend(fresh)
        self.unprocessed.extend(fresh)

    def process(self, now_ms):
        """Cuts what the Lambda has not seen into batches of seeded sizes and runs each on S;
        the Lambda's own writes come back as records to process later."""
        selected = [r for r in self.unprocessed if lambda_filter(r)]
        self.unprocessed = []
        start = 0
        while start < len(selected):
            size = self.rng.randint(1, 100)
            batch = selected[start : start + size]
            start += size
            result = run_lambda(batch, self.table, now_ms)
            self.errors.extend(result.errors)
            self.batches.append({"now_ms": now_ms, "writes": last_per_item(self.pending_writes), "records": batch})
            self.pending_writes = []
        for r in selected:
            new, old = r["dynamodb"]["NewImage"], r["dynamodb"].get("OldImage", {})
            if r["dynamodb"]["Keys"]["PK"]["S"].endswith("#0") and "shard_count" in new:
                before, after = old.get("shard_count", {}).get("N"), new["shard_count"]["N"]
                if before != after:
                    self.shard_counts.append(f"{bucket_name(r['dynamodb']['Keys']['PK']['S'])}: {before} -> {after}")
        self.unprocessed.extend(self.stream.new_records())

    def drain(self, now_ms, rounds=4):
        """Processes the Lambda's own writes coming back through the stream."""
        for _ in range(rounds):
            if not any(lambda_filter(r) for r in self.unprocessed):
                return
            self.process(now_ms)


def setup(limiter):
    from zae_limiter import Limit
    from zae_limiter.schedule import ScheduleEntry

    limiter.create_entity("org-1", name="Acme")
    limiter.create_entity("user-1", parent_id="org-1", cascade=True)
    limiter.create_entity("user-2", parent_id="org-1")
    limiter.create_entity(HOT[0])
    limiter.set_system_defaults([Limit.per_minute("rpm", 10_000), Limit.per_minute("tpm", 1_000_000)])
    night = (ScheduleEntry(cron="* 0-5 * * *", scale=0.5),)
    limiter.set_limits(
        "user-1",
        [
            Limit.per_minute("rpm", 60).with_schedule(night),
            Limit.per_minute("tpm", 50_000),
            Limit.quota("rpd", 400, cron="0 0 * * *"),
        ],
        resource="gpt-4",
    )
    limiter.set_limits(
        "user-2",
        [
            Limit.per_minute("rpm", 40),
            Limit.per_minute("tpm", 20_000),
            Limit.quota("session", 30, reset_after=timedelta(minutes=10)),
        ],
        resource="gpt-4",
    )
    limiter.set_limits(
        HOT[0],
        [Limit.per_second("rps", 1_000_000), Limit.quota("rpd", 50_000_000, cron="0 0 * * *")],
        resource=HOT[1],
    )


def acquire(limiter, entity, resource, consume, rng, adjust=True):
    from zae_limiter import RateLimitExceeded

    try:
        with limiter.acquire(entity, resource, consume) as lease:
            if adjust and rng.random() < 0.3:
                lease.adjust(**{next(iter(consume)): rng.randint(1, 20)})
        return True
    except RateLimitExceeded:
        return False


def record(args):
    from zae_limiter import SyncRateLimiter, SyncRepository

    rng = random.Random(args.seed)
    random.seed(args.seed)  # the client draws shard numbers from the module's generator
    description = create_table(args.endpoint, args.table)
    now = [START_MS]
    repo = SyncRepository.open(
        namespace="default", stack=args.table, endpoint_url=args.endpoint, region="us-east-1", auto_update=False
    )
    repo._now_ms = lambda: now[0]  # the documented clock seam: rf stamps, refill math
    limiter = SyncRateLimiter(repository=repo)
    setup(limiter)
    stream = Stream(args.endpoint, description["LatestStreamArn"])
    stream.new_records()  # setup's records: their outcome is in the base items
    recorder = Recorder(args.endpoint, args.table, rng, stream)
    base = sorted_items(scan_all(args.endpoint, args.table))

    def steady(rounds, entities):
        admitted = 0
        for _ in range(rounds):
            for entity in entities:
                if entity == HOT[0]:
                    resource, consume = HOT[1], {"rps": 1}
                else:
                    resource, consume = rng.choice(["gpt-4", "claude"]), {"rpm": 1, "tpm": rng.randint(10, 900)}
                admitted += acquire(limiter, entity, resource, consume, rng)
                now[0] += rng.randint(20_000, 90_000)
            if rng.random() < 0.3:  # the Lambda runs now and then, its batches a little later
                recorder.client_phase_done()
                recorder.process(now[0] + rng.randint(0, 3_000))
                recorder.drain(now[0] + rng.randint(3_000, 6_000))
                now[0] += 6_000  # the client's clock never runs behind a stamp the Lambda wrote
        recorder.client_phase_done()
        recorder.process(now[0])
        recorder.drain(now[0])
        return admitted

    # Before midnight; the hot bucket stays untouched until its burst, so its wcu is known.
    admitted = steady(2, ("user-1", "user-2", "org-1"))

    # The burst: BURST writes to the hot bucket's shard 0 in one instant. The Lambda reads 16.9%
    # of wcu left at the batch's now and doubles 1 -> 2; its MODIFY comes back 10 ms later,
    # when the projected balance (17.9%) still says hot: 2 -> 4, while propagation clones shard
    # 1 from the 1 -> 2 record (its count already stale, so the clone repair runs). A second
    # later wcu has refilled: the 2 -> 4 record only propagates (shards 2 and 3 cloned).
    burst_at = now[0]
    # Most burst writes consume nothing (a write all the same: wcu pays for it) so that the
    # Lambda's one UpdateItem per delta and window stays affordable on moto.
    for i in range(BURST):
        acquire(limiter, HOT[0], HOT[1], {"rps": 1 if i % 100 == 0 else 0}, rng, adjust=False)
    recorder.client_phase_done()
    hot = next(
        i for i in scan_all(args.endpoint, args.table) if bucket_name(i["PK"]["S"]) == f"BUCKET#{HOT[0]}#{HOT[1]}#0"
    )
    wcu_after_burst = int(hot["b_wcu_tk"]["N"]) // 1000
    recorder.process(burst_at)
    recorder.drain(burst_at + 10, rounds=1)
    recorder.drain(burst_at + 2_000)
    now[0] = burst_at + 3_000

    # Across midnight: the quota's reset edge, the schedule's window, session windows rolling.
    admitted += steady(6, ("user-1", "user-2", "org-1", HOT[0]))
    # Traffic on the doubled hot bucket lands on the clones too.
    for _ in range(20):
        acquire(limiter, HOT[0], HOT[1], {"rps": 1}, rng)
        now[0] += 250
    recorder.client_phase_done()
    recorder.process(now[0])
    recorder.drain(now[0] + 1_000)

    final = sorted_items(scan_all(args.endpoint, args.table))
    hot_shards = sorted(
        bucket_name(i["PK"]["S"]) for i in final if bucket_name(i["PK"]["S"]).startswith(f"BUCKET#{HOT[0]}#{HOT[1]}#")
    )
    facts = {
        "seed": args.seed,
        "batches": len(recorder.batches),
        "records": sum(len(b["records"]) for b in recorder.batches),
        "writes": sum(len(b["writes"]) for b in recorder.batches),
        "admitted": admitted,
        "shard_counts": recorder.shard_counts,
        "hot_shards": hot_shards,
        "wcu_after_burst": wcu_after_burst,
        "errors": recorder.errors,
        "items": len(final),
    }
    with open(args.out, "w") as f:
        json.dump({"base": base, "batches": recorder.batches, "final": final, "facts": facts}, f)
    print(json.dumps(facts))


def prepare_table(endpoint, table, base):
    create_table(endpoint, table, stream=False)
    ddb = client(endpoint)
    for item in base:
        ddb.put_item(TableName=table, Item=item)


def apply_writes(ddb, table, writes):
    """The client's writes as their outcome: the item becomes the NewImage (or goes away)."""
    for r in writes:
        if r["eventName"] == "REMOVE":
            ddb.delete_item(TableName=table, Key=r["dynamodb"]["Keys"])
        else:
            ddb.put_item(TableName=table, Item=r["dynamodb"]["NewImage"])


def prepare(args):
    with open(args.from_file) as f:
        data = json.load(f)
    prepare_table(args.endpoint, args.table, data["base"])
    if args.lease_table:
        client(args.endpoint).create_table(
            TableName=args.lease_table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
        )
    print(json.dumps({"items": len(data["base"])}))


def replay(args):
    with open(args.from_file) as f:
        data = json.load(f)
    prepare_table(args.endpoint, args.table, data["base"])
    ddb = client(args.endpoint)
    dumps, errors = [], []
    for batch in data["batches"]:
        apply_writes(ddb, args.table, batch["writes"])
        result = run_lambda(batch["records"], args.table, batch["now_ms"])
        errors.extend(result.errors)
        dumps.append(sorted_items(scan_all(args.endpoint, args.table)))
    with open(args.dumps, "w") as f:
        json.dump({"dumps": dumps}, f)
    final = dumps[-1] if dumps else []
    differing = [
        (a["PK"]["S"], a["SK"]["S"]) for a, b in zip(final, data["final"]) if a != b
    ] + ([("item count", f"{len(final)} != {len(data['final'])}")] if len(final) != len(data["final"]) else [])
    print(json.dumps({"batches": len(dumps), "errors": errors, "equal_to_recorded": not differing,
                      "differing": differing[:10]}))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("record")
    r.add_argument("--endpoint", required=True)
    r.add_argument("--table", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--seed", type=int, default=1)
    p = sub.add_parser("prepare")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--from", dest="from_file", required=True)
    p.add_argument("--table", required=True)
    p.add_argument("--lease-table", help="also create a KCL-style lease table (key leaseKey)")
    y = sub.add_parser("replay")
    y.add_argument("--endpoint", required=True)
    y.add_argument("--from", dest="from_file", required=True)
    y.add_argument("--table", required=True)
    y.add_argument("--dumps", required=True)
    args = parser.parse_args()
    setup_environment(args.endpoint)
    {"record": record, "prepare": prepare, "replay": replay}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
