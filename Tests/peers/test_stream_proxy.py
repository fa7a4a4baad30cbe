"""Integration tests of stream_proxy.py: a real moto server, the proxy in front of it, boto3 as
the client, all on 127.0.0.1.

    .venv/bin/python -m pytest Tests/peers/test_stream_proxy.py -q
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import zlib

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, seconds: float = 20) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture(scope="module")
def moto():
    port = free_port()
    proc = subprocess.Popen([os.path.join(BIN, "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


class Proxy:
    """A running stream_proxy.py for one fresh table, with boto3 clients pointed at it."""

    def __init__(self, upstream: str, *extra: str):
        self.table = "t" + uuid.uuid4().hex[:12]
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "stream_proxy.py"), "--upstream", upstream,
             "--port", "0", "--table", self.table, *extra],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("READY "), line
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        kw = dict(endpoint_url=self.url, region_name="us-east-1", aws_access_key_id="testing",
                  aws_secret_access_key="testing",
                  config=Config(retries={"total_max_attempts": 1}))
        self.ddb = boto3.client("dynamodb", **kw)
        self.streams = boto3.client("dynamodbstreams", **kw)
        self.ddb.create_table(
            TableName=self.table, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        self.arn = self.ddb.describe_table(TableName=self.table)["Table"]["LatestStreamArn"]

    def put(self, pk: str, value: int, sk: str = "#STATE") -> None:
        self.ddb.put_item(TableName=self.table,
                          Item={"pk": {"S": pk}, "sk": {"S": sk}, "v": {"N": str(value)}})

    def control(self, **spec) -> dict:
        req = urllib.request.Request(self.url + "/__proxy/control", json.dumps(spec).encode(),
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as resp:
            return json.load(resp)

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path) as resp:
            return json.load(resp)

    def sync(self) -> int:
        return self.control(action="sync")["copied"]

    def all_shards(self, limit: int = 100) -> list[dict]:
        shards, start = [], None
        while True:
            kw = {"StreamArn": self.arn, "Limit": limit}
            if start:
                kw["ExclusiveStartShardId"] = start
            desc = self.streams.describe_stream(**kw)["StreamDescription"]
            shards += desc["Shards"]
            start = desc.get("LastEvaluatedShardId")
            if not start:
                return shards

    def iterator(self, shard_id: str, kind: str = "TRIM_HORIZON", seq: str | None = None) -> str:
        kw = {"StreamArn": self.arn, "ShardId": shard_id, "ShardIteratorType": kind}
        if seq:
            kw["SequenceNumber"] = seq
        return self.streams.get_shard_iterator(**kw)["ShardIterator"]

    def read_shard(self, shard_id: str, limit: int = 1000, kind: str = "TRIM_HORIZON"):
        """All records of a shard; (records, reached shard end)."""
        it, records = self.iterator(shard_id, kind), []
        for _ in range(10_000):
            out = self.streams.get_records(ShardIterator=it, Limit=limit)
            records += out["Records"]
            it = out.get("NextShardIterator")
            if it is None:
                return records, True
            if not out["Records"]:
                return records, False
        raise AssertionError("shard never drained")

    def stop(self) -> int:
        self.proc.terminate()
        return self.proc.wait(10)


@pytest.fixture
def proxy_factory(moto):
    made = []

    def make(*extra: str) -> Proxy:
        made.append(Proxy(moto, *extra))
        return made[-1]

    yield make
    for p in made:
        if p.proc.poll() is None:
            p.stop()


def code_of(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def value(record) -> tuple[str, int]:
    img = record["dynamodb"]["NewImage"]
    return img["pk"]["S"], int(img["v"]["N"])


# -- the virtual stream -------------------------------------------------------------------------

def test_writes_spread_over_root_shards_in_per_key_order(proxy_factory):
    p = proxy_factory("--shards", "8")
    keys = [f"user{i}" for i in range(24)]
    for n in range(4):
        for k in keys:
            p.put(k, n)
    p.sync()
    shards = p.all_shards()
    assert len(shards) == 8 and all("ParentShardId" not in s for s in shards)
    seen, used = [], 0
    for shard in shards:
        records, ended = p.read_shard(shard["ShardId"])
        assert not ended  # open shards never end
        used += bool(records)
        seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
        assert seqs == sorted(set(seqs)) and all(len(str(s)) >= 21 for s in seqs)
        keys_here = {value(r)[0] for r in records}
        for k in keys_here:  # a key lives in one shard, its writes in write order
            assert [value(r)[1] for r in records if value(r)[0] == k] == [0, 1, 2, 3]
        seen += [value(r) for r in records]
    assert sorted(seen) == sorted((k, n) for k in keys for n in range(4))
    assert used >= 4  # 24 keys hashed over 8 shards
    created = [r for s in shards for r in p.read_shard(s["ShardId"])[0]]
    assert created and all(  # whole seconds, as DynamoDB sends (moto sends fractions)
        r["dynamodb"]["ApproximateCreationDateTime"].microsecond == 0 for r in created)
    assert p.get("/__proxy/stats")["events"]["records_copied"] == 96


def test_lineage_after_rollovers_keeps_per_key_order(proxy_factory):
    p = proxy_factory("--shards", "2", "--rollover-every", "5", "--rollover-children", "alternate")
    keys = [f"k{i}" for i in range(6)]
    for n in range(30):
        for k in keys:
            p.put(k, n)
    p.sync()
    assert p.get("/__proxy/stats")["records"] == 180
    shards = p.all_shards(limit=3)
    by_id = {s["ShardId"]: s for s in shards}
    children = {}
    for s in shards:
        if "ParentShardId" in s:
            assert s["ParentShardId"] in by_id
            children.setdefault(s["ParentShardId"], []).append(s["ShardId"])
    assert {len(c) for c in children.values()} == {1, 2}  # chains and splits
    per_key: dict[str, list[int]] = {}
    order = []  # parents before children: creation order already is
    for s in shards:
        closed = "EndingSequenceNumber" in s["SequenceNumberRange"]
        assert closed == (s["ShardId"] in children)
        records, ended = p.read_shard(s["ShardId"], limit=2)
        assert ended == closed  # a fully read closed shard has no NextShardIterator
        if closed:
            assert len(records) == 5
            assert records[-1]["dynamodb"]["SequenceNumber"] == \
                s["SequenceNumberRange"]["EndingSequenceNumber"]
            first_child = by_id[children[s["ShardId"]][0]]
            assert int(first_child["SequenceNumberRange"]["StartingSequenceNumber"]) > \
                int(s["SequenceNumberRange"]["EndingSequenceNumber"])
        order.append(s["ShardId"])
        for r in records:
            k, n = value(r)
            per_key.setdefault(k, []).append(n)
    assert per_key == {k: list(range(30)) for k in keys}


def test_describe_stream_paging_returns_every_shard_once(proxy_factory):
    p = proxy_factory("--shards", "5", "--rollover-every", "3")
    for n in range(40):
        p.put(f"key{n % 13}", n)
    p.sync()
    model = [s["ShardId"] for s in p.get("/__proxy/shards")["shards"]]
    assert len(model) > 5
    pages, start, ids = 0, None, []
    while True:
        kw = {"StreamArn": p.arn, "Limit": 2}
        if start:
            kw["ExclusiveStartShardId"] = start
        desc = p.streams.describe_stream(**kw)["StreamDescription"]
        assert desc["StreamStatus"] == "ENABLED" and desc["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert len(desc["Shards"]) <= 2
        ids += [s["ShardId"] for s in desc["Shards"]]
        pages += 1
        start = desc.get("LastEvaluatedShardId")
        if not start:
            break
    assert ids == model and len(set(ids)) == len(ids)
    assert pages == (len(model) + 1) // 2
    with pytest.raises(ClientError) as e:
        p.streams.describe_stream(StreamArn=p.arn, Limit=101)
    assert code_of(e) == "ValidationException"


def test_iterator_types_and_paging(proxy_factory):
    p = proxy_factory("--shards", "1")
    for n in range(10):
        p.put("one", n)
    p.sync()
    shard = p.all_shards()[0]["ShardId"]
    records, _ = p.read_shard(shard, limit=3)
    seqs = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert [value(r)[1] for r in records] == list(range(10))
    at = p.streams.get_records(ShardIterator=p.iterator(shard, "AT_SEQUENCE_NUMBER", seqs[4]))
    assert [value(r)[1] for r in at["Records"]] == list(range(4, 10))
    after = p.streams.get_records(ShardIterator=p.iterator(shard, "AFTER_SEQUENCE_NUMBER", seqs[4]))
    assert [value(r)[1] for r in after["Records"]] == list(range(5, 10))
    latest = p.iterator(shard, "LATEST")
    assert p.streams.get_records(ShardIterator=latest)["Records"] == []
    p.put("one", 10)
    p.sync()
    assert [value(r)[1] for r in p.streams.get_records(ShardIterator=latest)["Records"]] == [10]
    with pytest.raises(ClientError) as e:
        p.streams.get_records(ShardIterator=latest, Limit=1001)
    assert code_of(e) == "ValidationException"
    with pytest.raises(ClientError) as e:
        p.streams.get_records(ShardIterator=latest[:-4] + "AAAA")
    assert code_of(e) == "ValidationException"


def test_unknown_and_deleted_shards_are_resource_not_found(proxy_factory):
    p = proxy_factory("--shards", "2")
    for n in range(8):
        p.put(f"d{n}", n)
    p.sync()
    with pytest.raises(ClientError) as e:
        p.iterator("shardId-00000001700000000000-00000000")
    assert code_of(e) == "ResourceNotFoundException"
    victim = p.all_shards()[0]["ShardId"]
    it = p.iterator(victim)
    p.control(action="delete_shard", shard=victim)
    assert victim not in [s["ShardId"] for s in p.all_shards()]
    assert any(s.get("ParentShardId") == victim for s in p.all_shards())  # its successor
    for call in (lambda: p.iterator(victim), lambda: p.streams.get_records(ShardIterator=it)):
        with pytest.raises(ClientError) as e:
            call()
        assert code_of(e) == "ResourceNotFoundException"
    assert p.get("/__proxy/stats")["events"]["shards_deleted"] == 1


def test_rollover_by_command(proxy_factory):
    p = proxy_factory("--shards", "3")
    p.put("a", 1)
    p.sync()
    before = p.all_shards()
    made = p.control(action="rollover", children=2)["children"]
    assert sorted(made) == sorted(s["ShardId"] for s in before)
    after = p.all_shards()
    assert len(after) == 9
    for s in before:
        closed = next(x for x in after if x["ShardId"] == s["ShardId"])
        assert "EndingSequenceNumber" in closed["SequenceNumberRange"]
        kids = [x for x in after if x.get("ParentShardId") == s["ShardId"]]
        assert [k["ShardId"] for k in kids] == made[s["ShardId"]]
        _, ended = p.read_shard(s["ShardId"])
        assert ended
    assert p.get("/__proxy/stats")["rollovers"] == 3


def test_shards_roll_by_age_even_when_idle(proxy_factory):
    p = proxy_factory("--shards", "2", "--rollover-seconds", "0.5", "--rollover-children", "1")
    p.all_shards()  # the stream exists: its roots start ageing now
    time.sleep(1.3)
    shards = p.all_shards()
    roots = [s for s in shards if "ParentShardId" not in s]
    assert len(roots) == 2 and len(shards) >= 4
    for root in roots:
        seq_range = root["SequenceNumberRange"]
        assert seq_range["EndingSequenceNumber"] == seq_range["StartingSequenceNumber"]  # empty
        assert p.read_shard(root["ShardId"]) == ([], True)
    assert p.get("/__proxy/stats")["rollovers"] >= 2


def test_iterators_expire_by_age_and_by_command(proxy_factory):
    p = proxy_factory("--shards", "1", "--iterator-ttl", "1")
    p.put("x", 1)
    p.sync()
    shard = p.all_shards()[0]["ShardId"]
    old = p.iterator(shard)
    fresh = p.streams.get_records(ShardIterator=old)["NextShardIterator"]
    time.sleep(1.3)
    with pytest.raises(ClientError) as e:
        p.streams.get_records(ShardIterator=old)
    assert code_of(e) == "ExpiredIteratorException"
    p.control(action="config", iterator_ttl=600)
    live = p.iterator(shard)
    p.streams.get_records(ShardIterator=live)
    p.control(action="expire_iterators")
    with pytest.raises(ClientError) as e:
        p.streams.get_records(ShardIterator=live)
    assert code_of(e) == "ExpiredIteratorException"
    assert len(p.streams.get_records(ShardIterator=p.iterator(shard))["Records"]) == 1
    assert p.get("/__proxy/stats")["events"]["iterator_expiries"] == 1
    with pytest.raises(ClientError) as e:  # issued before the command
        p.streams.get_records(ShardIterator=fresh)
    assert code_of(e) == "ExpiredIteratorException"


def test_trim_horizon(proxy_factory):
    p = proxy_factory("--shards", "1")
    for n in range(6):
        p.put("t", n)
    p.sync()
    shard = p.all_shards()[0]["ShardId"]
    old = p.iterator(shard)
    seqs = [r["dynamodb"]["SequenceNumber"] for r in p.read_shard(shard)[0]]
    assert p.control(action="trim", before=seqs[3])["trimmed"] == 3
    with pytest.raises(ClientError) as e:
        p.streams.get_records(ShardIterator=old)
    assert code_of(e) == "TrimmedDataAccessException"
    with pytest.raises(ClientError) as e:
        p.iterator(shard, "AT_SEQUENCE_NUMBER", seqs[1])
    assert code_of(e) == "TrimmedDataAccessException"
    assert [value(r)[1] for r in p.read_shard(shard)[0]] == [3, 4, 5]
    assert [value(r)[1] for r in p.streams.get_records(
        ShardIterator=p.iterator(shard, "AFTER_SEQUENCE_NUMBER", seqs[2]))["Records"]] == [3, 4, 5]


# -- faults -------------------------------------------------------------------------------------

def raw_call(p: Proxy, target: str, payload: dict):
    """One unsigned JSON call over a fresh connection: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", p.port, timeout=30)
    try:
        conn.request("POST", "/", json.dumps(payload), {
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target,
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/"
                             "aws4_request, SignedHeaders=host, Signature=0"})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_throttles_are_counted_per_api(proxy_factory):
    p = proxy_factory("--shards", "1")
    p.put("q", 0)
    p.sync()
    shard = p.all_shards()[0]["ShardId"]
    it = p.iterator(shard)
    p.control(action="fault", api="GetRecords", kind="throttle", count=2)
    p.control(action="fault", api="PutItem", kind="throttle", count=1)
    p.control(action="fault", api="GetItem", kind="throttle", code="ThrottlingException")
    for _ in range(2):
        with pytest.raises(ClientError) as e:
            p.streams.get_records(ShardIterator=it)
        assert code_of(e) == "LimitExceededException"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(p.streams.get_records(ShardIterator=it)["Records"]) == 1
    with pytest.raises(ClientError) as e:
        p.put("q", 1)
    assert code_of(e) == "ProvisionedThroughputExceededException"
    with pytest.raises(ClientError) as e:
        p.ddb.get_item(TableName=p.table, Key={"pk": {"S": "q"}, "sk": {"S": "#STATE"}})
    assert code_of(e) == "ThrottlingException"
    p.put("q", 2)
    item = p.ddb.get_item(TableName=p.table, Key={"pk": {"S": "q"}, "sk": {"S": "#STATE"}})
    assert item["Item"]["v"]["N"] == "2"  # the throttled put never reached moto
    stats = p.get("/__proxy/stats")
    assert stats["faults"] == {"GetRecords": {"throttle": 2}, "PutItem": {"throttle": 1},
                               "GetItem": {"throttle": 1}}
    assert stats["calls"]["GetRecords"] == 3 and stats["armed"] == []


def test_server_errors_and_skip(proxy_factory):
    p = proxy_factory("--shards", "1")
    p.control(action="fault", api="DescribeStream", kind="error500")
    p.control(action="fault", api="DescribeTable", kind="error503", skip=1)
    with pytest.raises(ClientError) as e:
        p.all_shards()
    assert code_of(e) == "InternalServerError"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert len(p.all_shards()) == 1
    p.ddb.describe_table(TableName=p.table)  # skipped
    with pytest.raises(ClientError) as e:
        p.ddb.describe_table(TableName=p.table)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert p.get("/__proxy/stats")["faults"] == {"DescribeStream": {"error500": 1},
                                                  "DescribeTable": {"error503": 1}}


def test_delay_holds_the_response(proxy_factory):
    p = proxy_factory("--shards", "1")
    p.control(action="fault", api="*", kind="delay", seconds=1.0)
    started = time.monotonic()
    p.ddb.describe_table(TableName=p.table)
    assert time.monotonic() - started >= 1.0
    started = time.monotonic()
    p.ddb.describe_table(TableName=p.table)
    assert time.monotonic() - started < 1.0
    assert p.get("/__proxy/stats")["faults"] == {"DescribeTable": {"delay": 1}}


def test_connection_resets_before_and_after_the_call(proxy_factory):
    p = proxy_factory("--shards", "1")
    item = {"pk": {"S": "r"}, "sk": {"S": "#STATE"}, "v": {"N": "1"}}
    p.control(action="fault", api="PutItem", kind="reset")
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        raw_call(p, "DynamoDB_20120810.PutItem", {"TableName": p.table, "Item": item})
    assert "Item" not in p.ddb.get_item(TableName=p.table, Key={"pk": {"S": "r"},
                                                                 "sk": {"S": "#STATE"}})
    p.control(action="fault", api="PutItem", kind="reset_after")
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        raw_call(p, "DynamoDB_20120810.PutItem", {"TableName": p.table, "Item": item})
    # the write happened although the client never heard back: a retry would apply it twice
    assert p.ddb.get_item(TableName=p.table, Key={"pk": {"S": "r"},
                                                   "sk": {"S": "#STATE"}})["Item"] == item
    assert p.get("/__proxy/stats")["faults"] == {"PutItem": {"reset": 1, "reset_after": 1}}


def test_checksums_and_request_ids(proxy_factory):
    p = proxy_factory("--shards", "1")
    p.put("c", 1)
    p.sync()
    for target, payload in (("DynamoDB_20120810.DescribeTable", {"TableName": p.table}),
                            ("DynamoDBStreams_20120810.DescribeStream", {"StreamArn": p.arn})):
        status, headers, body = raw_call(p, target, payload)
        assert status == 200
        assert int(headers["x-amz-crc32"]) == zlib.crc32(body)
        assert headers["x-amzn-requestid"]
    status, headers, body = raw_call(p, "DynamoDBStreams_20120810.ListStreams",
                                     {"TableName": p.table})
    assert [s["StreamArn"] for s in json.loads(body)["Streams"]] == [p.arn]


def test_bad_control_input_is_refused_and_sigterm_stops(proxy_factory):
    p = proxy_factory("--shards", "1")
    for spec in ({"action": "nope"}, {"action": "fault", "api": "GetRecords", "kind": "boom"},
                 {"action": "fault", "api": "GetRecords", "kind": "delay"},
                 {"action": "rollover", "shard": "shardId-none"}, [1, 2]):
        req = urllib.request.Request(p.url + "/__proxy/control", json.dumps(spec).encode())
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req)
        assert e.value.code == 400
    assert p.get("/__proxy/stats")["armed"] == []
    p.ddb.describe_table(TableName=p.table)
    started = time.monotonic()
    assert p.stop() == 0
    assert time.monotonic() - started < 5


# -- moto's quirks ------------------------------------------------------------------------------

def test_records_keep_flowing_after_moto_rolls_back_a_failed_transaction(proxy_factory):
    p = proxy_factory("--shards", "2")
    for n in range(3):
        p.put("before", n)
    p.sync()
    with pytest.raises(ClientError) as e:
        p.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": p.table, "Item": {"pk": {"S": "phantom"}, "sk": {"S": "#STATE"},
                                                    "v": {"N": "9"}}}},
            {"ConditionCheck": {"TableName": p.table,
                                "Key": {"pk": {"S": "absent"}, "sk": {"S": "#STATE"}},
                                "ConditionExpression": "attribute_exists(pk)"}}])
    assert code_of(e) == "TransactionCanceledException"
    for n in range(3):
        p.put("after", n)
    p.sync()
    seen = sorted(value(r) for s in p.all_shards() for r in p.read_shard(s["ShardId"])[0])
    assert seen == [("after", 0), ("after", 1), ("after", 2),
                    ("before", 0), ("before", 1), ("before", 2)]


def test_sigterm_stops_the_proxy_even_when_its_parent_blocked_it(moto):
    # Swift test processes hand their children a mask that blocks SIGTERM.
    import signal
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "stream_proxy.py"), "--upstream", moto, "--port", "0",
         "--table", "blocked"], stdout=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM}))
    try:
        assert proc.stdout.readline().startswith("READY ")
        proc.terminate()
        assert proc.wait(5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_empty_pages_and_error_bodies_with_extra_fields(proxy_factory):
    p = proxy_factory("--shards", "1")
    p.put("e", 1)
    p.sync()
    it = p.iterator(p.all_shards()[0]["ShardId"])
    p.control(action="fault", api="GetRecords", kind="empty", count=2)
    for _ in range(2):
        out = p.streams.get_records(ShardIterator=it)
        assert out["Records"] == [] and out["NextShardIterator"]
        it = out["NextShardIterator"]
    assert [value(r) for r in p.streams.get_records(ShardIterator=it)["Records"]] == [("e", 1)]
    reasons = [{"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity"}]
    p.control(action="fault", api="TransactWriteItems", kind="throttle",
              code="TransactionCanceledException", extra={"CancellationReasons": reasons})
    with pytest.raises(ClientError) as e:
        p.ddb.transact_write_items(TransactItems=[{"Put": {"TableName": p.table, "Item": {
            "pk": {"S": "tx"}, "sk": {"S": "#STATE"}}}}])
    assert code_of(e) == "TransactionCanceledException"
    assert e.value.response["CancellationReasons"] == reasons
    assert p.get("/__proxy/stats")["faults"] == {"GetRecords": {"empty": 2},
                                                  "TransactWriteItems": {"throttle": 1}}


def test_more_readers_than_allowed_on_one_shard_are_throttled(proxy_factory):
    p = proxy_factory("--shards", "1", "--max-readers", "2")
    p.put("m", 1)
    p.sync()
    shard = p.all_shards()[0]["ShardId"]
    kw = dict(endpoint_url=p.url, region_name="us-east-1", aws_access_key_id="testing",
              aws_secret_access_key="testing", config=Config(retries={"total_max_attempts": 1}))
    readers = [boto3.client("dynamodbstreams", **kw) for _ in range(3)]  # one connection each
    for reader in readers[:2]:
        for _ in range(3):  # the same connection again is the same reader
            reader.get_records(ShardIterator=p.iterator(shard))
    with pytest.raises(ClientError) as e:
        readers[2].get_records(ShardIterator=p.iterator(shard))
    assert code_of(e) == "LimitExceededException"
    time.sleep(1.1)  # the first two went quiet
    assert len(readers[2].get_records(ShardIterator=p.iterator(shard))["Records"]) == 1
    assert p.get("/__proxy/stats")["events"]["reader_limit_exceeded"] == 1


def test_a_consumer_following_lineage_during_writes_sees_every_record_once_in_order(proxy_factory):
    import threading
    p = proxy_factory("--shards", "3", "--rollover-every", "7", "--poll-interval", "0.02")
    keys, rounds = [f"w{i}" for i in range(10)], 30
    writer = threading.Thread(target=lambda: [p.put(k, n) for n in range(rounds) for k in keys])
    writer.start()
    positions: dict[str, str | None] = {}  # shard -> iterator; None once ended
    parents: dict[str, str | None] = {}
    per_key: dict[str, list[int]] = {}
    deadline = time.time() + 60
    while time.time() < deadline:
        for s in p.all_shards(limit=3):
            if s["ShardId"] not in positions:
                parents[s["ShardId"]] = s.get("ParentShardId")
                positions[s["ShardId"]] = p.iterator(s["ShardId"])
        for shard, it in list(positions.items()):
            parent = parents[shard]
            if it is None or (parent in positions and positions[parent] is not None):
                continue  # ended, or its parent is not finished yet (KCL's rule)
            out = p.streams.get_records(ShardIterator=it, Limit=4)
            for r in out["Records"]:
                k, n = value(r)
                per_key.setdefault(k, []).append(n)
            positions[shard] = out.get("NextShardIterator")
        if not writer.is_alive() and sum(map(len, per_key.values())) == len(keys) * rounds:
            break
    writer.join()
    assert per_key == {k: list(range(rounds)) for k in keys}
    assert p.get("/__proxy/stats")["rollovers"] >= 30
