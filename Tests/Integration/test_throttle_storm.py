"""A throttle storm against the real daemon: ~90 % of its snapshot transactions throttled for a
long stretch must cost time, never records.

Real zae-limiter 0.17.0 traffic (zl_traffic.py) goes into a moto table first; then the daemon
runs against the stream proxy (Tests/peers/stream_proxy.py: the stream as moto kept it, with
unique sequence numbers, and faults injected into the DynamoDB calls it forwards). For
STORM_SECONDS the proxy throttles 9 of every 10 TransactWriteItems
(ProvisionedThroughputExceededException), after a first stretch in which every one is throttled,
with max_retry_attempts = 1, so that any throttled batch treated as a failure would be bisected
and spooled within seconds. Then the faults stop.

Asserted: the status showed a shard `throttled` during the storm; nothing was spooled; no batch
was bisected; the snapshot items equal what zae-limiter's own aggregator writes from the same
records (zl_oracle.py); and with a watchdog set up as systemd would ($NOTIFY_SOCKET,
$WATCHDOG_USEC = 10 s, a third of the shipped unit's), pings kept coming and no component was
ever reported wedged.

And the other side of the rule: an AccessDeniedException on the snapshot writes halts the shard
(nothing passed or spooled) until the permission is back, then it resumes by itself.
"""

from __future__ import annotations

import os
import time

import pytest

from zael_harness import (
    Daemon,
    Moto,
    NotifyRecorder,
    StreamProxy,
    diff_dumps,
    dump_items,
    lagging_shards,
    peer,
    read_stream,
    wait_for,
)

STORM_SECONDS = float(os.environ.get("ZAEL_STORM_SECONDS") or 50)
# The first part of the storm refuses every transaction (shows that waiting is all that happens).
TOTAL_SECONDS = STORM_SECONDS * 0.4



def test_throttle_storm_loses_nothing(tmp_path, monkeypatch):
    started = time.monotonic()
    table = "zl-storm"
    moto = Moto()
    proxy = daemon = listener = None
    try:
        traffic = peer("zl_traffic.py", "--endpoint", moto.url, "--table", table, "--out",
                       str(tmp_path / "t.json"), "--rounds", "5")
        peer("zl_oracle.py", "prepare", "--endpoint", moto.url, "--source", table, "--targets", table + "-ref")
        proxy = StreamProxy(moto.url, table)
        proxy.control(action="sync")
        # The records as the daemon reads them: the proxy's stream (moto gives the records of one
        # transaction the same sequence number; the proxy's are unique, as DynamoDB's).
        stream = read_stream(proxy.url, table)
        assert len(stream.records) == traffic["records"]

        listener = NotifyRecorder(str(tmp_path / "notify.sock"))
        monkeypatch.setenv("NOTIFY_SOCKET", listener.path)
        monkeypatch.setenv("WATCHDOG_USEC", "10000000")
        daemon = Daemon(tmp_path, proxy.url, table, settings={
            "consumer": {"batch_size": 5, "max_retry_attempts": 1, "batching_window_seconds": 0}})

        # First every snapshot transaction is throttled (nothing can move), then 9 of 10: one
        # passes, nine are refused, re-armed until the storm ends.
        proxy.control(action="fault", api="TransactWriteItems", kind="throttle", count=1_000_000)
        daemon.start()
        daemon.wait_ready()
        seen_throttled = False
        total_block = time.monotonic() + TOTAL_SECONDS
        storm_end = time.monotonic() + STORM_SECONDS
        blocked = True
        while time.monotonic() < storm_end:
            if not daemon.running:
                pytest.fail(f"daemon died during the storm:\n{daemon.log_tail()}")
            if blocked and time.monotonic() >= total_block:
                blocked = False
                assert lagging_shards(moto.url, table + "-zael-leases", stream), "caught up while blocked?"
                spool = tmp_path / "d.failed.jsonl"
                assert not spool.exists() or not spool.read_text(), "spooled while throttled"
                proxy.control(action="clear_faults")
            if not blocked and not proxy.stats()["armed"]:
                proxy.control(action="fault", api="TransactWriteItems", kind="throttle", count=9, skip=1)
            status = daemon.status() or {}
            if any(s.get("state") == "throttled" for s in status.get("shards", [])):
                seen_throttled = True
            time.sleep(0.1)
        proxy.control(action="clear_faults")
        stats = proxy.stats()
        throttled = stats["faults"].get("TransactWriteItems", {}).get("throttle", 0)
        calls = stats["calls"].get("TransactWriteItems", 0)
        print(f"storm: {throttled} of {calls} TransactWriteItems throttled over {STORM_SECONDS:.0f}s "
              f"({TOTAL_SECONDS:.0f}s of them all throttled)")
        assert throttled >= 50, stats
        assert calls - throttled > 0, "no transaction passed during the 90 % phase"

        wait_for(lambda: not lagging_shards(moto.url, table + "-zael-leases", stream), 120, 0.5,
                 "the lease table to cover every record after the storm")
        status = daemon.status()
        assert daemon.terminate() == 0, daemon.log_tail()
        assert seen_throttled, "the status never named the throttling"
        spool = tmp_path / "d.failed.jsonl"
        assert not spool.exists() or not spool.read_text(), spool.read_text()[:2000]
        assert daemon.log_count("retries exhausted") == 0
        assert daemon.log_count("withholding WATCHDOG=1") == 0, daemon.log_tail(80)
        assert status["totals"]["retries"] > 0
        gaps = [b - a for a, b in zip(listener.pings, listener.pings[1:])]
        print(f"watchdog pings {len(listener.pings)}, longest gap {max(gaps, default=0):.1f}s")
        assert len(listener.pings) >= STORM_SECONDS / 5 - 1
        assert max(gaps, default=0) < 10

        records = stream.write(tmp_path / "records.json")
        oracle = peer("zl_oracle.py", "run", "--endpoint", moto.url, "--records", str(records),
                      "--table", table + "-ref")
        assert oracle["errors"] == [], oracle
        ours, theirs = dump_items(moto.url, table), dump_items(moto.url, table + "-ref")
        assert theirs["items"]
        problems = diff_dumps(ours, theirs)
        assert not problems, "\n".join(problems)
    finally:
        for part in (daemon, proxy, moto, listener):
            if part is not None:
                part.stop()
    print(f"throttle storm: {len(stream.records)} records, {time.monotonic() - started:.1f}s")


def test_access_denied_halts_the_shard_until_fixed(tmp_path):
    """A permission error on the snapshot writes (AccessDeniedException on every
    TransactWriteItems) halts the shard loudly: state `halted`, nothing spooled or checkpointed
    past the records; once the permission is back it resumes by itself and the items equal the
    reference."""
    table = "zl-denied"
    moto = Moto()
    proxy = daemon = None
    try:
        peer("zl_traffic.py", "--endpoint", moto.url, "--table", table, "--out", str(tmp_path / "t.json"),
             "--rounds", "2")
        peer("zl_oracle.py", "prepare", "--endpoint", moto.url, "--source", table, "--targets", table + "-ref")
        proxy = StreamProxy(moto.url, table)
        proxy.control(action="sync")
        stream = read_stream(proxy.url, table)
        daemon = Daemon(tmp_path, proxy.url, table, settings={
            "consumer": {"batch_size": 5, "max_retry_attempts": 0, "batching_window_seconds": 0}})
        proxy.control(action="fault", api="TransactWriteItems", kind="throttle", count=1_000_000,
                      code="AccessDeniedException")
        daemon.start()
        daemon.wait_ready()
        halted = wait_for(lambda: any(s.get("state") == "halted" for s in (daemon.status() or {}).get("shards", []))
                          and daemon.status(), 60, 0.2, "the shard to report halted")
        assert "AccessDeniedException" in str(halted["shards"]), halted
        time.sleep(20)
        assert daemon.running
        assert lagging_shards(moto.url, table + "-zael-leases", stream), "records passed while denied"
        spool = tmp_path / "d.failed.jsonl"
        assert not spool.exists() or not spool.read_text()
        assert daemon.log_count("shard halted") >= 1
        denied = proxy.stats()["faults"]["TransactWriteItems"]["throttle"]
        assert 2 <= denied < 50, f"slow retries expected, got {denied} attempts"

        proxy.control(action="clear_faults")
        wait_for(lambda: not lagging_shards(moto.url, table + "-zael-leases", stream), 150, 0.5,
                 "the shard to resume once the permission is back")
        assert daemon.terminate() == 0, daemon.log_tail()
        assert not spool.exists() or not spool.read_text()
        assert daemon.log_count("lane recovered") >= 1
        records = stream.write(tmp_path / "records.json")
        oracle = peer("zl_oracle.py", "run", "--endpoint", moto.url, "--records", str(records),
                      "--table", table + "-ref")
        assert oracle["errors"] == [], oracle
        problems = diff_dumps(dump_items(moto.url, table), dump_items(moto.url, table + "-ref"))
        assert not problems, "\n".join(problems)
    finally:
        for part in (daemon, proxy, moto):
            if part is not None:
                part.stop()
