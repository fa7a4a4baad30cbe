"""A table's stream turned off and on again while the daemon runs, and a daemon started on a
table with streams off (issue 11).

moto cannot turn a stream off and on (Tests/peers/moto_stream_toggle.py patches it to behave as
DynamoDB does: a new LatestStreamArn); the stream proxy keeps the old stream readable, its shards
closed, StreamStatus DISABLED. Real zae-limiter traffic is written before and after; the
snapshot items must equal those of zae-limiter's own Lambda processor (Tests/peers/zl_oracle.py)
run on the records of both streams. Harness: cluster_harness.py.
"""

from __future__ import annotations

import tempfile
import time

import pytest

import cluster_harness as h
import zl_common
from zael_harness import NotifyRecorder

ENABLE = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


@pytest.fixture(autouse=True, scope="module")
def daemon_binary():
    if not h.binary().is_file():
        pytest.fail(f"no daemon binary at {h.binary()} (build it, or set ZAEL_BINARY)")


def stream_line(daemon: h.Daemon) -> str:
    return daemon.status().get("stream") or ""


def proxy_records(cluster: h.Cluster) -> int:
    cluster.proxy.control(action="sync")
    return cluster.proxy.get("/__proxy/stats")["records"]


def new_stream(cluster: h.Cluster, old: str | None) -> str:
    """Turns the table's stream on; returns the new arn once the proxy serves it."""
    cluster.ddb.update_table(TableName=cluster.table, StreamSpecification=ENABLE)
    arn = cluster.ddb.describe_table(TableName=cluster.table)["Table"]["LatestStreamArn"]
    assert arn != old, "turning the stream on again must give a new LatestStreamArn"
    h.wait_for(lambda: cluster.proxy.get("/__proxy/shards")["stream_arn"] == arn, 30,
               what="the proxy to serve the new stream")
    return arn


def test_stream_off_and_on_again_is_drained_then_followed(make_cluster):
    cluster = make_cluster("--shards", "3", moto_script="moto_stream_toggle.py")
    cluster.create_table()
    old = cluster.arn
    traffic = cluster.traffic(rounds=3, users=6, seed=0)
    # Two hosts on one lease table: each sees the old stream drained on its own.
    daemons = [cluster.daemon("a").start(), cluster.daemon("b").start()]
    traffic.join(300)
    old_records = cluster.synced_records()
    for daemon in daemons:
        h.wait_for(lambda: stream_line(daemon) == f"consuming {old}", 30, what="the daemons to consume the stream")

    # Off: the proxy closes the old stream's shards; the daemon drains them, says so, and waits.
    cluster.ddb.update_table(TableName=cluster.table, StreamSpecification={"StreamEnabled": False})
    h.wait_for(lambda: cluster.proxy.get("/__proxy/shards")["retired"] == [old], 30,
               what="the proxy to retire the old stream")
    waiting = f"waiting: table {cluster.table} has no stream enabled (enable NEW_AND_OLD_IMAGES)"
    for daemon in daemons:
        h.wait_for(lambda: stream_line(daemon) == waiting, 90, what="the daemons to wait after draining")
        assert daemon.alive()
        messages = [line["message"] for line in daemon.log_lines()]
        assert any(m.startswith("stream drained") for m in messages), messages[-20:]
        assert waiting in messages
    leases = cluster.leases()
    assert leases and all(h.checkpoint(lease) == "SHARD_END" for lease in leases.values()), leases
    assert all(lease.get("streamArn", {}).get("S") == old for lease in leases.values())
    # What the proxy holds of the old stream, now that nothing can add to it: more than
    # `old_records`, read when the traffic ended, by the daemons' own writes since (snapshots,
    # which the reference ignores).
    old_count = proxy_records(cluster)
    assert old_count >= len(old_records)

    # On again: a new stream. Traffic goes on at once; the daemon reads the new stream from
    # TRIM_HORIZON, so nothing written before it noticed is lost.
    new = new_stream(cluster, old)
    enabled = time.monotonic()
    for daemon in daemons:
        h.wait_for(lambda: stream_line(daemon) == f"consuming {new}", 30, what="the daemons to take the new stream")
    print(f"new stream taken {time.monotonic() - enabled:.1f} s after it was enabled")
    more = cluster.traffic(rounds=3, users=6, seed=1)
    more.join(300)
    # The daemons' own writes keep adding records to the new stream: compare the proxy with
    # what moto holds at the same moment, not with a count read once.
    def copied():
        records = zl_common.read_stream(cluster.moto.url, new)
        return records if records and proxy_records(cluster) == old_count + len(records) else None
    new_records = h.wait_for(copied, 60, interval=0.5, what="the proxy to copy the new stream")
    print(f"old stream {len(old_records)} records, new stream {len(new_records)} records")

    cluster.reference(old_records + new_records)
    cluster.wait_equal_to_reference(180)
    cluster.assert_dump_equals_reference()
    # The new stream's shards are spread over both hosts; the old stream's leases wait out their
    # grace (10 minutes) at SHARD_END.
    leases = cluster.leases()
    fresh = {k: v for k, v in leases.items() if v.get("streamArn", {}).get("S") == new}
    assert len(fresh) == 3 and {h.owner(v) for v in fresh.values()} <= {"a", "b"}, fresh
    assert all(h.checkpoint(v) == "SHARD_END" for k, v in leases.items() if k not in fresh)
    for daemon in daemons:
        assert stream_line(daemon) == f"consuming {new}"
        assert any(line["message"] == "consuming stream" and line["metadata"]["stream.arn"] == new
                   for line in daemon.log_lines())
        assert daemon.stop() == 0


def test_started_with_streams_off_waits_ready_then_consumes_when_enabled(make_cluster):
    cluster = make_cluster("--shards", "2", moto_script="moto_stream_toggle.py")
    zl_common.setup_environment(cluster.proxy.url)
    # zae-limiter's table definition turns the stream on; this table starts without one.
    from zae_limiter import schema
    definition = schema.get_table_definition(cluster.table)
    definition.pop("StreamSpecification")
    zl_common.client(cluster.proxy.url).create_table(**definition)
    assert "LatestStreamArn" not in cluster.ddb.describe_table(TableName=cluster.table)["Table"]
    # zae-limiter's version record (the daemon checks it at start) and buckets, not streamed.
    cluster.traffic(rounds=1, users=6, seed=0).join(300)

    notify = NotifyRecorder(tempfile.mktemp(prefix="zsn", suffix=".sock"))
    try:
        # LATEST is configured: the stream that appears later is read from TRIM_HORIZON anyway.
        daemon = cluster.daemon("solo", env={"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "10000000"},
                                consumer__starting_position='"LATEST"').start()
        waiting = f"waiting: table {cluster.table} has no stream enabled (enable NEW_AND_OLD_IMAGES)"
        h.wait_for(lambda: stream_line(daemon) == waiting, 30, what="the waiting status")
        h.wait_for(lambda: any("READY=1" in d.split("\n") for d in notify.datagrams), 10, what="READY=1")
        ready = next(d for d in notify.datagrams if "READY=1" in d.split("\n"))
        assert f"STATUS={waiting}" in ready.split("\n"), ready
        # Healthy while idle: the watchdog keeps being fed (10 s interval, a ping every 5 s).
        pings = len(notify.pings)
        time.sleep(11)
        assert len(notify.pings) >= pings + 2, "the watchdog was not fed while waiting"
        assert daemon.alive()
        assert [line["message"] for line in daemon.log_lines()].count(waiting) >= 1
        assert cluster.leases() == {}

        arn = new_stream(cluster, None)
        cluster.arn = arn
        cluster.traffic(rounds=3, users=6, seed=1).join(600)
        # The daemon's own snapshot writes keep adding records: compare the proxy with what moto
        # holds at the same moment, not with a count read once.
        def copied():
            records = zl_common.read_stream(cluster.moto.url, arn)
            return records if records and proxy_records(cluster) == len(records) else None
        records = h.wait_for(copied, 60, interval=0.5, what="the proxy to copy the stream")
        cluster.reference(records)
        cluster.wait_equal_to_reference(180)
        cluster.assert_dump_equals_reference()
        assert stream_line(daemon) == f"consuming {arn}"
        assert daemon.stop() == 0
    finally:
        notify.stop()


def test_a_waiting_daemon_stops_promptly_on_sigterm(make_cluster):
    cluster = make_cluster("--shards", "1", moto_script="moto_stream_toggle.py")
    zl_common.setup_environment(cluster.proxy.url)
    from zae_limiter import schema
    definition = schema.get_table_definition(cluster.table)
    definition.pop("StreamSpecification")
    zl_common.client(cluster.proxy.url).create_table(**definition)
    cluster.traffic(rounds=1, users=2, seed=0).join(300)
    daemon = cluster.daemon("solo").start()
    h.wait_for(lambda: stream_line(daemon).startswith("waiting: "), 30, what="the waiting status")
    started = time.monotonic()
    assert daemon.stop(timeout=30) == 0
    stopped = time.monotonic() - started
    print(f"stopped {stopped:.1f} s after SIGTERM")
    assert stopped < 10, stopped
