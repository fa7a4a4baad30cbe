#!/usr/bin/env python3
"""CPU time and snapshot writes of zae-limiter 0.17.0's aggregator, table calls stubbed.

  zl_bench_python.py FILE [--batch 100] [--repeat 3] [--client botocore]

FILE is a GetRecords-shaped JSON file (`Benchmarks aggregation --out DIR` writes them).
Measures, with `boto3.resource` replaced by an in-process stub that answers at once:
  full      `process_stream_records` in batches (its JSON log lines go to /dev/null),
  snapshot  only the usage-snapshot path: `extract_deltas` + `update_snapshot` per delta and
            window, its debug log silenced (the conservative yardstick);
  json      `json.loads` of each batch's event body (what Lambda's runtime does before the
            handler runs), alone and followed by `process_stream_records`.
Prints one JSON line: records, snapshot UpdateItems, CPU µs/record for each.

`--client botocore` keeps boto3 in the loop instead: one real `boto3.resource("dynamodb")` (made
once and handed to every batch; the Lambda makes one per invocation, which costs more) whose
requests are built, serialized and signed by botocore and answered at once by a `before-send`
hook, as the daemon's benchmark answers its own signed client (`Benchmarks duties --client
signed`). `full_from_json` is then measured that way, and `table_requests` counts the requests.
"""

import argparse
import contextlib
import json
import os
import time
from unittest import mock

import boto3
from botocore.awsrequest import AWSResponse

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


class AnsweredBody:
    """A response body botocore can read, as urllib3's would be."""

    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **kwargs):
        yield self.body

    def read(self, *args, **kwargs):
        return self.body


def answering_resource(counts: dict):
    """A real DynamoDB resource whose requests are answered before they are sent: Query with an
    empty page, everything else with `{}` (no item, no attributes), as the daemon's benchmark
    transport answers."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name="us-east-1")
    resource = session.resource("dynamodb", endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    def answer(request, **kwargs):
        operation = request.headers.get("X-Amz-Target", b"").split(b".")[-1].decode()
        counts[operation] = counts.get(operation, 0) + 1
        body = b'{"Count":0,"Items":[],"ScannedCount":0}' if operation == "Query" else b"{}"
        return AWSResponse(request.url, 200, {"content-type": "application/x-amz-json-1.0"}, AnsweredBody(body))

    resource.meta.client.meta.events.register("before-send", answer)
    return resource


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--client", choices=["stub", "botocore"], default="stub")
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
    counts, answering = {}, None
    with open(os.devnull, "w") as devnull:
        if args.client == "botocore":
            # botocore loads its models and builds its shapes on first use: one untimed pass first,
            # as the daemon's benchmark times its best round.
            answering = answering_resource(counts)
            with mock.patch.object(processor.boto3, "resource", return_value=answering):
                with contextlib.redirect_stdout(devnull):
                    for page in pages:
                        processor.process_stream_records(json.loads(page)["Records"], "t", windows)
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

            counts.clear()
            resource = answering if answering is not None else StubResource(StubTable())
            with mock.patch.object(processor.boto3, "resource", return_value=resource):
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
                "client": args.client,
                "table_requests": sum(counts.values()) if args.client == "botocore" else None,
            }
        )
    )


if __name__ == "__main__":
    main()
