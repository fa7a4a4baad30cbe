"""moto_transactions.py against stock moto_server: the same seeded random transactions (Puts,
Updates, Deletes and ConditionChecks over two tables, one with a sort key; about half of them
cancelled by a failing condition) must leave both servers with equal tables and equal streams
(sequence numbers, event names, keys and images) after every call, and equal outcomes."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time

import boto3
import pytest
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)
SEED = int(os.environ.get("ZAEL_SEED", "0") or 0) or random.randrange(1, 2**31)
TABLES = {"plain": False, "sorted": True}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str]):
    port = free_port()
    proc = subprocess.Popen(command + ["-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{command[-1]} did not listen on {port}")


@pytest.fixture(scope="module")
def servers():
    started = []
    try:
        for command in ([os.path.join(BIN, "moto_server")],
                        [sys.executable, os.path.join(HERE, "moto_transactions.py")]):
            started.append(start(command))
        yield [url for _, url in started]
    finally:
        for proc, _ in started:
            proc.kill()
            proc.wait()


def clients(url: str):
    kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
              aws_secret_access_key="testing", config=Config(retries={"total_max_attempts": 1}))
    return boto3.client("dynamodb", **kw), boto3.client("dynamodbstreams", **kw)


def key(table: str, n: int) -> dict:
    k = {"pk": {"S": f"k{n % 7}" if TABLES[table] else f"k{n}"}}
    if TABLES[table]:
        k["sk"] = {"S": f"s{n}"}
    return k


def create(ddb) -> None:
    for name, sorted_ in TABLES.items():
        schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
        attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
        if sorted_:
            schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
            attrs.append({"AttributeName": "sk", "AttributeType": "S"})
        ddb.create_table(TableName=name, KeySchema=schema, AttributeDefinitions=attrs,
                         BillingMode="PAY_PER_REQUEST",
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})


def random_transaction(rng: random.Random) -> list[dict]:
    ops, used = [], set()
    for _ in range(rng.randint(1, 8)):
        table, n = rng.choice(list(TABLES)), rng.randrange(12)
        if (table, n) in used:
            continue
        used.add((table, n))
        kind = rng.choice(["Put", "Update", "Update", "Delete", "ConditionCheck"])
        cond = rng.choice([None, None, "attribute_exists(pk)", "attribute_not_exists(pk)"])
        if kind == "Put":
            op = {"TableName": table, "Item": {**key(table, n), "v": {"N": str(rng.randrange(100))}}}
        elif kind == "Update":
            op = {"TableName": table, "Key": key(table, n), "UpdateExpression": "ADD v :d",
                  "ExpressionAttributeValues": {":d": {"N": str(rng.randrange(1, 9))}}}
        else:
            op = {"TableName": table, "Key": key(table, n)}
        if kind == "ConditionCheck":
            cond = cond or "attribute_exists(pk)"
        if cond:
            op["ConditionExpression"] = cond
        ops.append({kind: op})
    return ops


def outcome(ddb, ops: list[dict]) -> str:
    try:
        ddb.transact_write_items(TransactItems=ops)
        return "committed"
    except ddb.exceptions.TransactionCanceledException as e:
        return "cancelled " + ",".join(r["Code"] for r in e.response["CancellationReasons"])
    except ddb.exceptions.ClientError as e:
        return e.response["Error"]["Code"]


def stream_records(ddb, streams, table: str, most: int = 10**6) -> list[dict]:
    """Every record of `table`'s one stream shard, read from the start; fails past `most` (a
    stream whose reader is handed the same records again never ends)."""
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        if not page["Records"]:
            break
        records += page["Records"]
        assert len(records) <= most, "the stream reads the same records again"
        iterator = page.get("NextShardIterator")
    return records


def state(ddb, streams) -> dict:
    out = {}
    for table in TABLES:
        items = ddb.scan(TableName=table, ConsistentRead=True)["Items"]
        out[table] = sorted(map(repr, items))
        out[table + " stream"] = [
            (r["eventName"], r["dynamodb"]["SequenceNumber"], repr(r["dynamodb"].get("Keys")),
             repr(r["dynamodb"].get("OldImage")), repr(r["dynamodb"].get("NewImage")))
            for r in stream_records(ddb, streams, table)]
    return out


def test_same_tables_and_streams_as_stock_moto(servers):
    print(f"seed {SEED}")
    rng = random.Random(SEED)
    sides = [clients(url) for url in servers]
    for ddb, _ in sides:
        create(ddb)
    cancelled = 0
    for step in range(120):
        ops = random_transaction(rng)
        results = [outcome(ddb, ops) for ddb, _ in sides]
        assert results[0] == results[1], f"seed {SEED} step {step}: {results} for {ops}"
        cancelled += results[0].startswith("cancelled")
        if step % 10 == 9:
            stock, ours = (state(ddb, streams) for ddb, streams in sides)
            assert stock == ours, f"seed {SEED}: the servers differ after step {step}"
    print(f"{cancelled} of 120 transactions cancelled")
    assert cancelled >= 10, "too few rollbacks to compare"


def test_concurrent_writes_are_atomic_and_number_the_stream_once():
    """Threads race conditional updates of one counter and puts of their own items, in process
    (moto's mock) with the interpreter switching threads every microsecond: every update that
    succeeded counts once, and the stream's sequence numbers are its positions, each once."""
    import threading

    from moto import mock_aws

    sys.path.insert(0, HERE)
    import moto_transactions

    moto_transactions.install()
    threads, rounds = 6, 60
    switch = sys.getswitchinterval()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="race", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        client.put_item(TableName="race", Item={"pk": {"S": "counter"}, "n": {"N": "0"}})
        won = [0] * threads

        def worker(index: int) -> None:
            for r in range(rounds):
                client.put_item(TableName="race", Item={"pk": {"S": f"w{index}-{r}"}})
                n = int(client.get_item(TableName="race", Key={"pk": {"S": "counter"}},
                                        ConsistentRead=True)["Item"]["n"]["N"])
                try:
                    client.update_item(
                        TableName="race", Key={"pk": {"S": "counter"}},
                        UpdateExpression="SET n = :next", ConditionExpression="n = :seen",
                        ExpressionAttributeValues={":seen": {"N": str(n)}, ":next": {"N": str(n + 1)}})
                    won[index] += 1
                except client.exceptions.ConditionalCheckFailedException:
                    pass

        sys.setswitchinterval(1e-6)
        try:
            running = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
            for t in running:
                t.start()
            for t in running:
                t.join()
        finally:
            sys.setswitchinterval(switch)
        final = int(client.get_item(TableName="race", Key={"pk": {"S": "counter"}})["Item"]["n"]["N"])
        assert final == sum(won), f"{sum(won)} conditional updates succeeded, the counter says {final}"
        streams = boto3.client("dynamodbstreams", region_name="us-east-1")
        numbers = [int(r["dynamodb"]["SequenceNumber"])
                   for r in stream_records(client, streams, "race", most=1 + threads * rounds * 2)]
        assert len(numbers) == 1 + threads * rounds + final
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
