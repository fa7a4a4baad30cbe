#!/usr/bin/env python3
"""Records raw GetRecords response bodies of real zae-limiter 0.17.0 traffic against moto.

Starts `moto_server` on 127.0.0.1 (or uses --endpoint), creates a zae-limiter table with a
NEW_AND_OLD_IMAGES stream from `zae_limiter.schema.get_table_definition`, drives a mix of
entity creation, stored limits, acquire / adjust / release / rejected acquires and deletions,
then reads the stream with plain HTTP POSTs (X-Amz-Target DynamoDBStreams_20120810.GetRecords;
moto does not check signatures) and writes every non-empty page body, byte for byte, to
<out>/page-NN.json. These pages are the corpus of the GetRecords decoder tests.

Usage: record_pages.py [--out DIR] [--endpoint URL] [--limit N] [--rounds N]
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings

from zl_common import raw_streams_call

REGION = "us-east-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    port = free_port()
    moto = os.path.join(os.path.dirname(os.path.abspath(__file__)), "moto_transactions.py")
    proc = subprocess.Popen(
        [sys.executable, moto, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    raise SystemExit("moto_server did not start")


def drive_traffic(endpoint, table, rounds):
    """Real zae-limiter calls: every kind of item write the library makes."""
    from zae_limiter import Limit, RateLimitExceeded, SyncRateLimiter, SyncRepository

    repo = SyncRepository.open(stack=table, endpoint_url=endpoint, region=REGION, auto_update=False)
    limiter = SyncRateLimiter(repository=repo)
    limiter.create_entity("org-1", name="Acme Café ☕ 😀", metadata={"tier": "gold", "note": 'quote " and \\'})
    limiter.create_entity("user-1", name="Zoë", parent_id="org-1", cascade=True)
    limiter.create_entity("user-2", parent_id="org-1")
    limiter.set_system_defaults([Limit.per_minute("rpm", 1000), Limit.per_minute("tpm", 100_000)])
    limiter.set_limits("user-2", [Limit.per_minute("rpm", 5), Limit.per_hour("tpm", 50_000)], resource="gpt-4")
    limiter.set_resource_defaults("claude", [Limit.per_minute("rpm", 200), Limit.per_day("tpm", 10_000_000)])
    for i in range(rounds):
        for entity, resource in (("user-1", "gpt-4"), ("user-2", "gpt-4"), ("user-2", "claude"), ("org-1", "embed")):
            try:
                with limiter.acquire(entity, resource, {"rpm": 1, "tpm": 100 + 37 * i}) as lease:
                    if i % 3 == 0:
                        lease.adjust(tpm=250 + i)
                    elif i % 3 == 1:
                        lease.release(tpm=50)
            except RateLimitExceeded:
                pass  # a rejected acquire still leaves its writes (or none) in the stream
    limiter.delete_entity("user-2")


def main():
    parser = argparse.ArgumentParser()
    repo_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--out", default=os.path.join(repo_root, "Tests", "Fixtures", "getrecords"))
    parser.add_argument("--endpoint")
    parser.add_argument("--limit", type=int, default=50, help="GetRecords Limit per page")
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        os.environ.setdefault(key, value)
    os.environ["AWS_DEFAULT_REGION"] = REGION
    warnings.simplefilter("ignore", DeprecationWarning)

    # A parent may start us with signals blocked (a test runner's thread mask is inherited across
    # exec); moto inherits the mask too and would then never see the SIGTERM that stops it.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    proc = None
    endpoint = args.endpoint
    if endpoint is None:
        proc, endpoint = start_moto()
    try:
        import boto3
        from zae_limiter import schema

        table = "zl-corpus"
        definition = schema.get_table_definition(table)
        definition["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION)
        stream_arn = ddb.create_table(**definition)["TableDescription"]["LatestStreamArn"]
        drive_traffic(endpoint, table, args.rounds)

        description = json.loads(raw_streams_call(endpoint, "DescribeStream", {"StreamArn": stream_arn}))
        shard_id = description["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = json.loads(
            raw_streams_call(
                endpoint,
                "GetShardIterator",
                {"StreamArn": stream_arn, "ShardId": shard_id, "ShardIteratorType": "TRIM_HORIZON"},
            )
        )["ShardIterator"]
        os.makedirs(args.out, exist_ok=True)
        page = 0
        while iterator:
            body = raw_streams_call(endpoint, "GetRecords", {"ShardIterator": iterator, "Limit": args.limit})
            parsed = json.loads(body)
            if not parsed.get("Records"):
                break  # moto's shard never closes: an empty page is the end of the recording
            path = os.path.join(args.out, f"page-{page:02d}.json")
            with open(path, "wb") as f:
                f.write(body)
            print(f"{path}: {len(parsed['Records'])} records, {len(body)} bytes")
            page += 1
            iterator = parsed.get("NextShardIterator")
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    main()
