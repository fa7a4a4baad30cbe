"""Shared pieces of the stream proxy's pytest suites: a moto server, proxies for fresh tables,
boto3 clients pointed at them, and small helpers. Test modules import the fixtures by name."""

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

import boto3
import pytest
from botocore.config import Config

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
CLIENT_KW = dict(region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing", config=Config(retries={"total_max_attempts": 1}))


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
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "moto_transactions.py"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


class Proxy:
    """A running stream_proxy.py for one fresh table, with boto3 clients pointed at it."""

    def __init__(self, upstream: str, *extra: str, client_kw: dict | None = None):
        self.table = "t" + uuid.uuid4().hex[:12]
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "stream_proxy.py"), "--upstream", upstream,
             "--port", "0", "--table", self.table, *extra],
            stdout=subprocess.PIPE, text=True)
        try:
            line = self.proc.stdout.readline()
            assert line.startswith("READY "), line
            self.port = int(line.split()[1])
            self.url = f"http://127.0.0.1:{self.port}"
            kw = dict(endpoint_url=self.url, **(client_kw or CLIENT_KW))
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
        except BaseException:  # never leave the proxy running behind a failed setup
            self.proc.kill()
            self.proc.wait()
            raise

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

