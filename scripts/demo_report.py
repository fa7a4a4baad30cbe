#!/usr/bin/env python3
"""The demo's reader: usage snapshots as zae-limiter reports them, and the reference check.

  demo_report.py usage --endpoint URL --table T
      prints every entity's usage snapshots and hourly/daily summaries, read with zae-limiter's
      own SyncRateLimiter.get_usage_snapshots() / get_usage_summary().
  demo_report.py reference --endpoint URL --source T --target REF --records FILE
      copies T (zae-limiter's table definition, every item but the #USAGE# snapshots) into REF
      and runs zae-limiter's Lambda aggregator (`process_stream_records`, batches of 100, windows
      hourly and daily, as the Lambda is deployed) on the stream records in FILE against REF.
  demo_report.py compare --endpoint URL --table T --reference REF
      compares the snapshot items and zae-limiter's snapshot/summary views of both tables
      (Tests/peers/zl_dump_items.py); prints "daemon == reference: yes" or the differences and
      exits 1.
"""

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys

PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "peers")
sys.path.insert(0, PEERS)

from zl_common import client, create_table, scan_all, setup_environment  # noqa: E402

ENTITIES = ["acme", "alice", "bob", "batch-job"]
LIMITS = ["rpm", "tpm"]


def limiter(endpoint, table):
    from zae_limiter import SyncRateLimiter, SyncRepository

    repo = SyncRepository.open(
        namespace="default", stack=table, endpoint_url=endpoint, region="us-east-1", auto_update=False
    )
    return SyncRateLimiter(repository=repo)


def usage(args):
    zl = limiter(args.endpoint, args.table)
    print("  get_usage_snapshots():")
    header = f"    {'ENTITY':<10} {'RESOURCE':<8} {'WINDOW':<7} {'WINDOW START':<21}"
    print(header + "".join(f"{name:>9}" for name in LIMITS) + f"{'EVENTS':>8}")
    for entity in ENTITIES:
        snapshots, _ = zl.get_usage_snapshots(entity_id=entity, limit=1000)
        for s in sorted(snapshots, key=lambda s: (s.resource, s.window_type, s.window_start)):
            counters = "".join(f"{s.counters.get(name, 0):>9}" for name in LIMITS)
            print(
                f"    {entity:<10} {s.resource:<8} {s.window_type:<7} {s.window_start:<21}{counters}{s.total_events:>8}"
            )
    print("  get_usage_summary(window_type=...):")
    print(f"    {'ENTITY':<10} {'WINDOW':<7} {'SNAPSHOTS':>9}" + "".join(f"{'total ' + n:>12}" for n in LIMITS))
    for entity in ENTITIES:
        for window in ("hourly", "daily"):
            summary = zl.get_usage_summary(entity_id=entity, window_type=window)
            totals = "".join(f"{summary.total.get(name, 0):>12}" for name in LIMITS)
            print(f"    {entity:<10} {window:<7} {summary.snapshot_count:>9}{totals}")


def reference(args):
    from zae_limiter_aggregator.processor import process_stream_records

    ddb = client(args.endpoint)
    create_table(args.endpoint, args.target, stream=False)
    for item in scan_all(args.endpoint, args.source):
        if not item.get("SK", {}).get("S", "").startswith("#USAGE#"):
            ddb.put_item(TableName=args.target, Item=item)
    with open(args.records) as f:
        records = json.load(f)["Records"]
    writes, errors = 0, []
    for start in range(0, len(records), 100):
        # The processor logs one JSON line per event on stdout; the demo shows only the result.
        with contextlib.redirect_stdout(io.StringIO()):
            result = process_stream_records(records[start : start + 100], table_name=args.target, windows=["hourly", "daily"])
        writes += result.snapshots_updated
        errors.extend(result.errors)
    print(json.dumps({"records": len(records), "snapshot_writes": writes, "errors": errors}))
    return 1 if errors else 0


def dump(endpoint, table):
    output = subprocess.run(
        [sys.executable, os.path.join(PEERS, "zl_dump_items.py"), "--endpoint", endpoint, "--table", table,
         "--namespaces", "default"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output)


def compare(args):
    ours, theirs = dump(args.endpoint, args.table), dump(args.endpoint, args.reference)
    differing = [part for part in ("items", "snapshots", "summaries") if ours[part] != theirs[part]]
    if ours["items"] and not differing:
        print(f"  daemon == reference: yes ({len(ours['items'])} snapshot items, every counter and summary equal)")
        return 0
    print(f"  daemon == reference: NO (differs in: {', '.join(differing) or 'no snapshot items at all'})")
    keyed = lambda dumped: {(i["PK"]["S"], i["SK"]["S"]): i for i in dumped["items"]}  # noqa: E731
    a, b = keyed(ours), keyed(theirs)
    for key in sorted(set(a) | set(b))[:20]:
        if a.get(key) != b.get(key):
            print(f"    {key}: daemon {json.dumps(a.get(key), sort_keys=True)}")
            print(f"    {' ' * len(str(key))}  reference {json.dumps(b.get(key), sort_keys=True)}")
    return 1


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    u = sub.add_parser("usage")
    u.add_argument("--table", required=True)
    r = sub.add_parser("reference")
    r.add_argument("--source", required=True)
    r.add_argument("--target", required=True)
    r.add_argument("--records", required=True)
    c = sub.add_parser("compare")
    c.add_argument("--table", required=True)
    c.add_argument("--reference", required=True)
    for p in (u, r, c):
        p.add_argument("--endpoint", required=True)
    args = parser.parse_args()
    setup_environment(args.endpoint)
    return {"usage": usage, "reference": reference, "compare": compare}[args.command](args) or 0


if __name__ == "__main__":
    sys.exit(main())
