"""Unit tests of the stream proxy's logic with hand-written fakes (no sockets): the follower's
handling of a moto stream that is rewritten, and the model's routing and rollover rules."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from streamproxy.faults import Fault, FaultBook  # noqa: E402
from streamproxy.model import (  # noqa: E402
    HASH_SPACE, StreamError, StreamModel, java_seconds, key_hash)
from streamproxy.upstream import StreamFollower  # noqa: E402

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label"


def rec(seq: int, event_id: str, key: str) -> dict:
    return {"eventID": event_id, "eventName": "INSERT",
            "dynamodb": {"SequenceNumber": str(seq), "Keys": {"pk": {"S": key}},
                         "ApproximateCreationDateTime": 1700000000.75}}


class FakeMoto:
    """moto's stream API over a list that a test may rewrite, as a failed transaction does."""

    def __init__(self):
        self.records: list[dict] = []
        self.served = 0  # records answered by GetRecords

    def call(self, target: str, payload: dict):
        op = target.rsplit(".", 1)[1]
        if op == "DescribeTable":
            return 200, {"Table": {"LatestStreamArn": ARN, "StreamSpecification": {"StreamEnabled": True}}}
        if op == "DescribeStream":
            return 200, {"StreamDescription": {"StreamArn": ARN, "Shards": [{"ShardId": "s0"}]}}
        if op == "GetShardIterator":
            kind = payload["ShardIteratorType"]
            index = 0 if kind == "TRIM_HORIZON" else next(
                (i for i, r in enumerate(self.records)
                 if int(r["dynamodb"]["SequenceNumber"]) >= int(payload["SequenceNumber"])),
                len(self.records))
            return 200, {"ShardIterator": str(index)}
        if op == "GetRecords":
            index = int(payload["ShardIterator"])
            page = self.records[index:index + min(2, payload.get("Limit", 2))]
            self.served += len(page)
            return 200, {"Records": page, "NextShardIterator": str(index + len(page))}
        raise AssertionError(op)


def follower(moto: FakeMoto, model: StreamModel, book: FaultBook) -> StreamFollower:
    return StreamFollower(moto, model, "t", book)  # type: ignore[arg-type]


def copied_event_ids(model: StreamModel) -> list[str]:
    import json
    bodies = sorted((seq, body) for s in model.shards for seq, body in zip(s.seqs, s.bodies))
    return [json.loads(body)["eventID"] for _, body in bodies]


def test_follower_copies_in_order_and_recovers_from_a_rewrite():
    moto, model, book = FakeMoto(), StreamModel(4), FaultBook()
    f = follower(moto, model, book)
    moto.records = [rec(10, "a", "k1"), rec(11, "b", "k2"), rec(12, "c", "k3")]
    assert f.sync() == 3
    assert f.sync() == 0  # nothing new: nothing copied twice
    # moto rolled back "c" and issued 12 and 13 again to other records
    moto.records = moto.records[:2] + [rec(12, "c2", "k3"), rec(13, "d", "k4")]
    assert f.sync() == 2
    assert copied_event_ids(model) == ["a", "b", "c", "c2", "d"]
    assert book.stats()["events"]["upstream_rewrites"] == 1
    # moto's stream shrank below what was copied: rescan once, then settle
    moto.records = moto.records[:1]
    assert f.sync() == 0
    moto.records.append(rec(11, "e", "k5"))
    assert f.sync() == 1
    assert book.stats()["events"]["upstream_rewrites"] == 2
    assert copied_event_ids(model)[-1] == "e"


def test_follower_rescans_only_the_rewritten_end_of_a_long_stream():
    moto, model, book = FakeMoto(), StreamModel(4), FaultBook()
    f = follower(moto, model, book)
    moto.records = [rec(n, f"e{n}", f"k{n % 7}") for n in range(1000)]
    assert f.sync() == 1000
    moto.served = 0
    # a rolled-back transaction: its last three records cut and the numbers issued again
    moto.records = moto.records[:997] + [rec(n, f"r{n}", "k") for n in range(997, 1001)]
    assert f.sync() == 4
    assert copied_event_ids(model)[-4:] == ["r997", "r998", "r999", "r1000"]
    assert book.stats()["events"]["upstream_rewrites"] == 1
    assert moto.served < 40, f"the rescan read {moto.served} records of a 1001-record stream"
    # the whole stream replaced: no anchor, everything read again and only new records copied
    moto.records = [rec(n, f"x{n}", "k") for n in range(1001)]
    moto.served = 0
    assert f.sync() == 1001
    assert moto.served >= 1001


def test_model_routes_keys_stably_and_splits_hash_ranges():
    model = StreamModel(root_shards=3, rollover_every=2, rollover_children="2")
    model.start(ARN, {})
    for n in range(12):
        model.append(rec(n, f"e{n}", "same-key"))
    chain = [s for s in model.shards if s.seqs]
    assert all(len(s.seqs) == 2 and s.closed for s in chain)  # every shard of the key filled up
    for parent, child in zip(chain, chain[1:]):
        assert child.parent_id == parent.shard_id
        assert child.lo <= key_hash({"pk": {"S": "same-key"}}) < child.hi
        assert child.hi - child.lo <= (parent.hi - parent.lo) // 2 + 1
        assert child.start_seq > parent.end_seq
    open_ranges = sorted((s.lo, s.hi) for s in model.shards if not s.closed)
    assert open_ranges[0][0] == 0 and open_ranges[-1][1] == HASH_SPACE
    assert all(a[1] == b[0] for a, b in zip(open_ranges, open_ranges[1:]))  # no gap, no overlap
    assert b'"ApproximateCreationDateTime":1.7E9}' in chain[0].bodies[0]  # as DynamoDB writes it
    plain = StreamModel(root_shards=1, creation_time="int")
    plain.start(ARN, {})
    assert b'"ApproximateCreationDateTime":1700000000}' in plain.append(rec(1, "p", "k")).bodies[0]
    assert [java_seconds(s) for s in (1578648338, 1700000000, 1234567)] == \
        ["1.578648338E9", "1.7E9", "1234567.0"]


def test_model_positions_and_errors():
    model = StreamModel(root_shards=1)
    model.start(ARN, {})
    shard = model.shards[0]
    for n in range(5):
        model.append(rec(n, f"e{n}", "k"))
    s = shard.seqs
    assert model.position(shard.shard_id, "AT_SEQUENCE_NUMBER", s[2]) == s[2] - 1
    assert model.read(shard.shard_id, s[2] - 1, 2, 1 << 20)[1] == s[3]
    with pytest.raises(StreamError) as e:
        model.position(shard.shard_id, "AT_SEQUENCE_NUMBER", shard.start_seq - 1)
    assert e.value.code == "ValidationException"
    other = StreamModel(root_shards=2)
    other.start(ARN, {})
    for n in range(8):
        other.append(rec(n, f"o{n}", f"key{n}"))
    first, second = [sh for sh in other.shards if sh.seqs][:2]
    with pytest.raises(StreamError) as e:  # a number from another shard of the same stream
        other.position(first.shard_id, "AFTER_SEQUENCE_NUMBER", second.seqs[0])
    assert e.value.code == "ValidationException"
    assert other.position(first.shard_id, "AFTER_SEQUENCE_NUMBER", first.start_seq) == first.start_seq
    bodies, _, _ = model.read(shard.shard_id, 0, 1000, max_bytes=len(shard.bodies[0]) + 1)
    assert len(bodies) == 1  # the byte cap cuts the page, but never below one record
    model.trim(s[2])
    with pytest.raises(StreamError) as e:
        model.read(shard.shard_id, s[0], 10, 1 << 20)
    assert e.value.code == "TrimmedDataAccessException"
    assert model.position(shard.shard_id, "TRIM_HORIZON", None) == s[1]


def test_faults_skip_count_and_wildcard():
    book = FaultBook()
    book.arm(Fault.from_json({"api": "GetRecords", "kind": "throttle", "count": 2, "skip": 1}))
    book.arm(Fault.from_json({"api": "*", "kind": "error500"}))
    assert book.take("GetRecords").kind == "error500"  # the throttle lets its first call through
    assert book.take("GetRecords").kind == "throttle"
    assert book.take("GetRecords").kind == "throttle"
    assert book.take("GetRecords") is None
    assert book.stats()["faults"] == {"GetRecords": {"error500": 1, "throttle": 2}}
    for bad in ({"api": "GetRecords", "kind": "nope"}, {"kind": "throttle"},
                {"api": "X", "kind": "throttle", "count": 0}):
        with pytest.raises(ValueError):
            Fault.from_json(bad)


def test_gate_keeps_passes_and_transactions_apart_and_prefers_passes():
    import threading
    import time

    from streamproxy.gate import SettleGate
    gate, order = SettleGate(), []

    def run(kind: str, hold: float):
        with (gate.transaction() if kind.startswith("tx") else gate.follower_pass()):
            order.append(kind + "+")
            time.sleep(hold)
            order.append(kind + "-")

    first = threading.Thread(target=run, args=("tx1", 0.3))
    first.start()
    time.sleep(0.05)
    follower = threading.Thread(target=run, args=("pass", 0.1))
    follower.start()
    time.sleep(0.05)
    late = threading.Thread(target=run, args=("tx2", 0))
    late.start()  # arrives while the pass waits: it must let the pass go first
    for t in (first, follower, late):
        t.join(5)
    assert order == ["tx1+", "tx1-", "pass+", "pass-", "tx2+", "tx2-"]


def test_transactions_run_alone_and_are_not_starved_by_other_calls():
    # moto's rollback of a failed transaction restores a table copy and would undo any write
    # that ran beside it: a transaction must wait for calls in flight and hold new ones back.
    import threading
    import time

    from streamproxy.gate import ExclusiveTransactions
    lock, order = ExclusiveTransactions(), []

    def run(kind: str, hold: float):
        with (lock.transaction() if kind.startswith("tx") else lock.call()):
            order.append(kind + "+")
            time.sleep(hold)
            order.append(kind + "-")

    threads = [threading.Thread(target=run, args=("call1", 0.3))]
    threads[-1].start()
    time.sleep(0.05)
    threads.append(threading.Thread(target=run, args=("call2", 0.05)))  # calls share the lock
    threads[-1].start()
    time.sleep(0.1)
    threads.append(threading.Thread(target=run, args=("tx", 0.2)))  # waits for both calls
    threads[-1].start()
    time.sleep(0.05)
    threads.append(threading.Thread(target=run, args=("call3", 0)))  # held back by the waiting tx
    threads[-1].start()
    for t in threads:
        t.join(5)
    assert order == ["call1+", "call2+", "call2-", "call1-", "tx+", "tx-", "call3+", "call3-"]


def test_a_steady_queue_of_transactions_does_not_starve_other_calls():
    import threading
    import time

    from streamproxy.gate import ExclusiveTransactions
    lock, stop = ExclusiveTransactions(), threading.Event()

    def busy():
        while not stop.is_set():
            with lock.transaction():
                time.sleep(0.02)

    writers = [threading.Thread(target=busy) for _ in range(3)]
    for t in writers:
        t.start()
    time.sleep(0.1)
    started = time.monotonic()
    with lock.call():
        waited = time.monotonic() - started
    stop.set()
    for t in writers:
        t.join(5)
    assert waited < 0.5, f"a call waited {waited:.2f}s behind transactions"


def test_a_stream_turned_off_and_on_is_retired_closed_and_still_readable():
    from streamproxy.streams_api import StreamsAPI
    model = StreamModel(root_shards=2)
    api = StreamsAPI(model)
    model.start(ARN, {"StreamArn": ARN, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    for n in range(6):
        model.append(rec(n, f"e{n}", f"k{n}"))
    old_ids = [s.shard_id for s in model.shards]
    assert model.retire() == ARN
    assert model.stream_arn is None and model.retired[ARN][1][0].closed
    new = ARN + "-2"
    model.start(new, {"StreamArn": new, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    model.append(rec(7, "n1", "k1"))
    old_desc = api.describe_stream({"StreamArn": ARN})["StreamDescription"]
    assert old_desc["StreamStatus"] == "DISABLED"
    assert [s["ShardId"] for s in old_desc["Shards"]] == old_ids
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in old_desc["Shards"])
    new_desc = api.describe_stream({"StreamArn": new})["StreamDescription"]
    assert new_desc["StreamStatus"] == "ENABLED" and not set(old_ids) & {s["ShardId"] for s in new_desc["Shards"]}
    # Every old record is read, then the shard ends (no next iterator).
    read = 0
    for shard_id in old_ids:
        bodies, _, at_end = model.read(shard_id, model.position(shard_id, "TRIM_HORIZON", None), 1000, 1 << 20)
        read += len(bodies)
        assert at_end
    assert read == 6
    assert sum(len(s.seqs) for s in model.shards) == 1


def test_stall_watchdog_reports_a_held_call_once_and_ignores_injected_faults():
    import io
    import threading
    import time

    from streamproxy.watchdog import StallWatchdog

    out = io.StringIO()
    dog = StallWatchdog(lambda: "gates as described", threshold=0.5, out=out)
    release = threading.Event()
    staged = threading.Semaphore(0)

    def held(stage: str):
        with dog.call("Scan"):
            dog.stage(stage)
            staged.release()
            release.wait(20)

    faulted = threading.Thread(target=held, args=("fault delay",), name="faulted")
    faulted.start()
    assert staged.acquire(timeout=10)
    dog.start()
    time.sleep(4.5)  # the watchdog looks every 2 s: a fault's hold is never reported
    assert dog.reports == 0, out.getvalue()
    stuck = threading.Thread(target=held, args=("at moto",), name="stuck")
    stuck.start()
    assert staged.acquire(timeout=10)
    deadline = time.monotonic() + 10
    while dog.reports == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    release.set()
    faulted.join()
    stuck.join()
    dog.stop()
    report = out.getvalue()
    assert dog.reports == 1, report
    assert "gates as described" in report
    assert "stuck: Scan" in report and "at moto for" in report
    assert "--- thread stuck" in report and "release.wait" in report
