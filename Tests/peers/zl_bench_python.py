#!/usr/bin/env python3
"""CPU time and snapshot writes of zae-limiter 0.17.0's aggregator, table calls stubbed.

  zl_bench_python.py FILE [--batch 100] [--repeat 3]

FILE is a GetRecords-shaped JSON file (`Benchmarks aggregation --out DIR` writes them).
Measures, with `boto3.resource` replaced by an in-process stub that answers at once:
  full      `process_stream_records` in batches (its JSON log lines go to /dev/null),
  snapshot  only the usage-snapshot path: `extract_deltas` + `update_snapshot` per delta and
            window, its debug log silenced (the conservative yardstick);
  json      `json.loads` of each batch's event body (what Lambda's runtime does before the
            handler runs), alone and followed by `process_stream_records`.
Prints one JSON line: records, snapshot UpdateItems, CPU µs/record for each.
"""

import argparse
import contextlib
import json
import os
import time
from unittest import mock

import zae_limiter_aggregator.processor as processor


class StubTable:
    name = "t"

    def __init__(self):
        self.snapshot_updates = 0
        self.other_calls = 0
        self.meta = mock.Mock()

    def update_item(self, **kwargs):
        if kwargs.get("Key", {}).get("SK", "").startswith("#USAGE#"):
            self.snapshot_updates += 1
        else:
            self.other_calls += 1
        return {}

    def get_item(self, **kwargs):
        self.other_calls += 1
        return {}

    def query(self, **kwargs):
        self.other_calls += 1
        return {"Items": []}


class StubResource:
    def __init__(self, table):
        self.table = table

    def Table(self, name):
        return self.table


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with open(args.file) as f:
        records = json.load(f)["Records"]
    windows = ["hourly", "daily"]

    pages = [
        # Compact, as the event source mapping delivers the event (and DynamoDB Streams its pages).
        json.dumps({"Records": records[first : first + args.batch]}, separators=(",", ":")).encode()
        for first in range(0, len(records), args.batch)
    ]
    full_best, snap_best, table = float("inf"), float("inf"), None
    loads_best, from_json_best = float("inf"), float("inf")
    with open(os.devnull, "w") as devnull:
        for _ in range(args.repeat):
            table = StubTable()
            with mock.patch.object(processor.boto3, "resource", return_value=StubResource(table)):
                with contextlib.redirect_stdout(devnull):
                    start = time.process_time()
                    for first in range(0, len(records), args.batch):
                        processor.process_stream_records(records[first : first + args.batch], "t", windows)
                    full_best = min(full_best, time.process_time() - start)

            snap_table = StubTable()
            with mock.patch.object(processor.logger, "debug", lambda *a, **k: None):
                start = time.process_time()
                for record in records:
                    if record.get("eventName") != "MODIFY":
                        continue
                    for delta in processor.extract_deltas(record):
                        for window in windows:
                            processor.update_snapshot(snap_table, delta, window, 90)
                snap_best = min(snap_best, time.process_time() - start)

            start = time.process_time()
            for page in pages:
                json.loads(page)
            loads_best = min(loads_best, time.process_time() - start)

            with mock.patch.object(processor.boto3, "resource", return_value=StubResource(StubTable())):
                with contextlib.redirect_stdout(devnull):
                    start = time.process_time()
                    for page in pages:
                        processor.process_stream_records(json.loads(page)["Records"], "t", windows)
                    from_json_best = min(from_json_best, time.process_time() - start)
    n = len(records)
    print(
        json.dumps(
            {
                "records": n,
                "snapshot_update_items": table.snapshot_updates,
                "per_1000_records": round(table.snapshot_updates * 1000 / n, 1),
                "full_us_per_record": round(full_best * 1e6 / n, 2),
                "snapshot_path_us_per_record": round(snap_best * 1e6 / n, 2),
                "json_loads_us_per_record": round(loads_best * 1e6 / n, 2),
                "full_from_json_us_per_record": round(from_json_best * 1e6 / n, 2),
                "bytes_per_record": sum(len(p) for p in pages) // n,
            }
        )
    )


if __name__ == "__main__":
    main()
