#!/usr/bin/env python3
"""The reference: zae-limiter 0.17.0's own aggregator (`process_stream_records`) on dumped records.

  zl_oracle.py prepare --endpoint URL --source SRC --targets T1 [T2 ...]
      creates each target with zae-limiter's table definition and copies every item of SRC
      into it (namespace registry, version record, entities, buckets), so that zae-limiter's
      readers work on each target as on the source; --lease-table also creates a lease table.
  zl_oracle.py run --endpoint URL --records FILE --table T [--batch N] [--windows hourly,daily]
      runs the real `process_stream_records` (boto3 resolves the moto endpoint from
      AWS_ENDPOINT_URL) on the dumped records in batches of N (the Lambda's BatchSize, 100),
      and prints {"snapshot_writes", "errors", "records"}.
"""

import argparse
import contextlib
import io
import json
import sys

from zl_common import client, create_table, scan_all, setup_environment


def prepare(args):
    ddb = client(args.endpoint)
    items = scan_all(args.endpoint, args.source)
    for target in args.targets:
        create_table(args.endpoint, target, stream=False)
        for item in items:
            ddb.put_item(TableName=target, Item=item)
    if args.lease_table:
        ddb.create_table(
            TableName=args.lease_table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
        )
    print(json.dumps({"copied": len(items)}))


def run(args):
    from zae_limiter_aggregator.processor import process_stream_records

    with open(args.records) as f:
        records = json.load(f)["Records"]
    windows = args.windows.split(",")
    writes, errors = 0, []
    for start in range(0, len(records), args.batch):
        batch = records[start : start + args.batch]
        # The processor prints one JSON log line per event; keep stdout for the result.
        with contextlib.redirect_stdout(io.StringIO()):
            result = process_stream_records(batch, table_name=args.table, windows=windows)
        writes += result.snapshots_updated
        errors.extend(result.errors)
    print(json.dumps({"snapshot_writes": writes, "errors": errors, "records": len(records)}))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--targets", nargs="+", required=True)
    p.add_argument("--lease-table", help="also create a KCL-style lease table (key leaseKey)")
    r = sub.add_parser("run")
    r.add_argument("--endpoint", required=True)
    r.add_argument("--records", required=True)
    r.add_argument("--table", required=True)
    r.add_argument("--batch", type=int, default=100)
    r.add_argument("--windows", default="hourly,daily")
    args = parser.parse_args()
    setup_environment(args.endpoint)
    {"prepare": prepare, "run": run}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
