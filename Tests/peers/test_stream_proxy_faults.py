"""Integration tests of stream_proxy.py's injected faults, control endpoint and shutdown, against
a real moto server on 127.0.0.1 with boto3 and raw HTTP clients."""

from __future__ import annotations

import http.client
import json
import os
import sys
import time
import urllib.error
import urllib.request
import zlib

import boto3
import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from streamproxy.harness import (  # noqa: E402,F401
    CLIENT_KW, code_of, moto, proxy_factory, raw_call, value)

# -- faults -------------------------------------------------------------------------------------

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


def test_blackhole_holds_every_call_until_it_ends_then_answers_again(proxy_factory):
    p = proxy_factory("--shards", "1")
    item = {"pk": {"S": "b"}, "sk": {"S": "#STATE"}, "v": {"N": "1"}}
    p.control(action="fault", api="*", kind="blackhole", seconds=1.5, count=1_000)
    started = time.monotonic()
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        raw_call(p, "DynamoDB_20120810.PutItem", {"TableName": p.table, "Item": item})
    held = time.monotonic() - started
    assert 1.3 <= held < 3.0, held
    # Never made, and the endpoint answers again once the blackhole is over.
    assert "Item" not in p.ddb.get_item(TableName=p.table, Key={"pk": item["pk"], "sk": item["sk"]})
    assert time.monotonic() - started < held + 1.0
    assert p.get("/__proxy/stats")["armed"] == []


def test_fault_filters_target_one_access_key_and_one_table(proxy_factory):
    p = proxy_factory("--shards", "1")
    other = boto3.client("dynamodb", endpoint_url=p.url, **{**CLIENT_KW, "aws_access_key_id": "slowhost"})
    p.control(action="fault", api="*", kind="throttle", code="ThrottlingException", count=2,
              access_key="slowhost", table=p.table)
    p.ddb.describe_table(TableName=p.table)  # another key: untouched
    other.list_tables()  # the key, but no table named: untouched
    with pytest.raises(ClientError) as e:
        other.describe_table(TableName=p.table)
    assert code_of(e) == "ThrottlingException"
    with pytest.raises(ClientError) as e:
        other.get_item(TableName=p.table, Key={"pk": {"S": "q"}, "sk": {"S": "#STATE"}})
    assert code_of(e) == "ThrottlingException"
    other.describe_table(TableName=p.table)  # both fired
    assert p.get("/__proxy/stats")["faults"] == {"DescribeTable": {"throttle": 1}, "GetItem": {"throttle": 1}}
    with pytest.raises(urllib.error.HTTPError):
        p.control(action="fault", api="*", kind="throttle", table="")


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
    readers = [boto3.client("dynamodbstreams", endpoint_url=p.url, **CLIENT_KW)
               for _ in range(3)]  # one connection each
    for reader in readers[:2]:
        for _ in range(3):  # the same connection again is the same reader
            reader.get_records(ShardIterator=p.iterator(shard))
    with pytest.raises(ClientError) as e:
        readers[2].get_records(ShardIterator=p.iterator(shard))
    assert code_of(e) == "LimitExceededException"
    time.sleep(1.1)  # the first two went quiet
    assert len(readers[2].get_records(ShardIterator=p.iterator(shard))["Records"]) == 1
    assert p.get("/__proxy/stats")["events"]["reader_limit_exceeded"] == 1


def test_sigterm_stops_the_proxy_even_when_its_parent_blocked_it(moto):
    # Swift test processes hand their children a mask that blocks SIGTERM.
    import signal
    import subprocess

    from streamproxy.harness import HERE
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


def test_signatures_reach_a_signature_checking_moto_intact(tmp_path):
    # The proxy forwards the signed Host header and signs its own stream reads.
    import subprocess

    from streamproxy.harness import HERE, Proxy
    keys_file = tmp_path / "keys.json"
    moto = subprocess.Popen([sys.executable, os.path.join(HERE, "moto_with_auth.py"),
                             "--keys-file", str(keys_file)], stdout=subprocess.PIPE, text=True)
    try:
        upstream = f"http://127.0.0.1:{int(moto.stdout.readline())}"
        keys = json.loads(keys_file.read_text())
        kw = dict(CLIENT_KW, aws_access_key_id=keys["AccessKeyId"],
                  aws_secret_access_key=keys["SecretAccessKey"])
        p = Proxy(upstream, "--keys-file", str(keys_file), "--shards", "2", client_kw=kw)
        try:
            p.put("signed", 1)
            p.sync()
            assert p.get("/__proxy/stats")["follower_error"] is None
            assert [value(r) for s in p.all_shards() for r in p.read_shard(s["ShardId"])[0]] == \
                [("signed", 1)]
            forged = boto3.client("dynamodb", endpoint_url=p.url,
                                  **dict(kw, aws_secret_access_key="wrong"))
            with pytest.raises(ClientError) as e:
                forged.describe_table(TableName=p.table)
            assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 403)
        finally:
            p.stop()
    finally:
        moto.kill()
        moto.wait()
