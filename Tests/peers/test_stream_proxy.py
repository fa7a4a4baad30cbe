"""Integration tests of stream_proxy.py's virtual stream: a real moto server, the proxy in front
of it, boto3 as the client, all on 127.0.0.1. Faults: test_stream_proxy_faults.py.

    .venv/bin/python -m pytest Tests/peers -q
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from streamproxy.harness import HERE, code_of, moto, proxy_factory, value  # noqa: E402,F401

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


# -- moto's quirks ------------------------------------------------------------------------------

def test_failed_transactions_leave_no_phantom_records_and_records_keep_flowing(proxy_factory):
    # moto applies a transaction's writes (emitting stream records) before it checks the failing
    # condition, then restores a copy of the table: a follower reading in between would copy
    # records of writes that never happened. Poll fast so that window is hit if it is open.
    p = proxy_factory("--shards", "2", "--poll-interval", "0.002")
    for n in range(3):
        p.put("before", n)
    p.sync()
    for attempt in range(15):
        with pytest.raises(ClientError) as e:
            p.ddb.transact_write_items(TransactItems=[
                *({"Put": {"TableName": p.table, "Item": {
                    "pk": {"S": f"phantom{i}"}, "sk": {"S": "#STATE"}, "v": {"N": str(attempt)}}}}
                  for i in range(20)),
                {"ConditionCheck": {"TableName": p.table,
                                    "Key": {"pk": {"S": "absent"}, "sk": {"S": "#STATE"}},
                                    "ConditionExpression": "attribute_exists(pk)"}}])
        assert code_of(e) == "TransactionCanceledException"
        p.put("after", attempt)
    p.sync()
    seen = sorted(value(r) for s in p.all_shards() for r in p.read_shard(s["ShardId"])[0])
    assert seen == sorted([("before", n) for n in range(3)] + [("after", n) for n in range(15)])


def test_a_consumer_following_lineage_during_writes_sees_every_record_once_in_order(proxy_factory):
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


def test_creation_time_is_written_as_dynamodb_writes_it(proxy_factory):
    import json
    import re

    from streamproxy.harness import raw_call
    for flag, pattern in (("java", rb'"ApproximateCreationDateTime":1\.\d+E9[,}]'),
                          ("int", rb'"ApproximateCreationDateTime":1\d{9}[,}]')):
        p = proxy_factory("--shards", "1", "--creation-time", flag)
        p.put("t", 1)
        p.sync()
        it = p.iterator(p.all_shards()[0]["ShardId"])
        status, _, body = raw_call(p, "DynamoDBStreams_20120810.GetRecords", {"ShardIterator": it})
        assert status == 200 and len(json.loads(body)["Records"]) == 1
        assert re.search(pattern, body), body[:300]
