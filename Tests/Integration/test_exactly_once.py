"""Exactly-once usage snapshot counts of the real daemon process, against real peers.

1. Differential: real zae-limiter 0.17.0 traffic (zl_traffic.py) into a moto table, then the
   daemon from TRIM_HORIZON until the lease table says every record is covered, SIGTERM; the
   table's #USAGE# items must equal those the reference aggregator (zae-limiter's own
   `process_stream_records`, zl_oracle.py) writes from the same records into a copy of the table
   made before the daemon ran, attribute by attribute (ttl by presence), and zae-limiter's
   get_usage_snapshots()/get_usage_summary() must answer the same from both. Parallelization
   factor 1 and 4, and delivery = "at-least-once" (no crash, so no double count either).
2. Crashes under live load: a writer process (zl_load.py) drives acquire() traffic through the
   stream proxy for the whole test while the daemon is kill -9'd at random moments and restarted,
   some kills while a snapshot transaction is held in flight by the proxy (the transaction then
   commits after the daemon died: writes and checkpoint landed, the daemon never heard), and
   some replies reset after the commit (the daemon's resend fails the fence; it must adopt the
   stored checkpoint, not re-apply). At the end (load stopped, daemon caught up) the items equal
   the reference on every record the stream holds. The same with two daemons sharing the lease
   table, one killed at a time while the other takes its shards over.

Why the live tests go through the stream proxy: moto applies a failing TransactWriteItems'
writes, emits their stream records, then restores a copy of the table. A shard iterator taken
before that then returns those phantom records once and afterwards empty pages forever (no error),
while a new GetShardIterator reads the real stream. zae-limiter's own transactions fail that way
under concurrent writers, so a daemon reading moto directly during a live load would count
records that never happened and then stop seeing new ones. The proxy never reads moto's stream
while a forwarded transaction is in flight and serves its own iterators (docs/testing.md). The
differential test runs the daemon after the traffic, with fresh iterators, directly on moto.
"""

from __future__ import annotations

import os
import random
import time

import pytest

from zael_harness import (
    Daemon,
    Moto,
    PeerProcess,
    StreamProxy,
    diff_dumps,
    dump_items,
    lagging_shards,
    peer,
    read_stream,
    scan,
    wait_for,
)

SEED = int(os.environ.get("ZAEL_TEST_SEED") or time.time())
T0 = time.monotonic()


def phase(text: str) -> None:
    print(f"[{time.monotonic() - T0:7.1f}s] {text}", flush=True)


@pytest.fixture
def moto():
    server = Moto()
    try:
        yield server
    finally:
        server.stop()


def lease_table(table: str) -> str:
    return table + "-zael-leases"


def wait_caught_up(endpoint: str, table: str, stream, daemons, timeout: float = 90) -> None:
    def caught_up():
        for d in daemons:
            if d.proc is not None and not d.running:
                pytest.fail(f"daemon {d.name} died ({d.proc.returncode}):\n{d.log_tail()}")
        return not lagging_shards(endpoint, lease_table(table), stream)

    try:
        wait_for(caught_up, timeout, 0.5, "the lease table to cover every record")
    except BaseException:
        lagging = lagging_shards(endpoint, lease_table(table), stream)
        print("lagging:", {s.shard_id: s.last_sequence for s in stream.shards if s.shard_id in lagging})
        print("lease table:", scan(endpoint, lease_table(table)))
        for d in daemons:
            print(d.name, "status:", d.status())
        raise


def assert_same_as_reference(endpoint: str, table: str, reference: str, stream, tmp_path) -> dict:
    phase("comparing with the reference")
    records = stream.write(tmp_path / "records.json")
    oracle = peer("zl_oracle.py", "run", "--endpoint", endpoint, "--records", str(records), "--table", reference)
    assert oracle["errors"] == [], oracle
    ours, theirs = dump_items(endpoint, table), dump_items(endpoint, reference)
    assert theirs["items"], "the reference wrote no snapshot item: the traffic did not reach it"
    problems = diff_dumps(ours, theirs)
    assert not problems, "\n".join(problems)
    return {"records": len(stream.records), "items": len(ours["items"]), "snapshot_writes": oracle["snapshot_writes"]}


# ---------------------------------------------------------------------------------------------
# 1. Differential through the daemon process


@pytest.mark.parametrize(
    "factor,delivery", [(1, "exactly-once"), (4, "exactly-once"), (1, "at-least-once")],
    ids=["p1", "p4", "at-least-once"])
def test_daemon_matches_reference(moto, tmp_path, factor, delivery):
    started = time.monotonic()
    table = f"zl-diff-{factor}-{delivery[:2]}"
    traffic = peer("zl_traffic.py", "--endpoint", moto.url, "--table", table, "--out", str(tmp_path / "t.json"),
                   "--rounds", "7")
    peer("zl_oracle.py", "prepare", "--endpoint", moto.url, "--source", table, "--targets", table + "-ref")
    # Read before the daemon runs: its own snapshot writes add (filtered) records to the stream.
    stream = read_stream(moto.url, table)
    assert len(stream.records) == traffic["records"]
    daemon = Daemon(tmp_path, moto.url, table, settings={
        "consumer": {"parallelization_factor": factor, "batch_size": 25},
        "aggregation": {"delivery": delivery}})
    try:
        daemon.start()
        daemon.wait_ready()
        wait_caught_up(moto.url, table, stream, [daemon])
        assert daemon.terminate() == 0, daemon.log_tail()
    finally:
        daemon.stop()
    result = assert_same_as_reference(moto.url, table, table + "-ref", stream, tmp_path)
    print(f"differential {factor=} {delivery}: {result}, {time.monotonic() - started:.1f}s")


# ---------------------------------------------------------------------------------------------
# 2. kill -9 under a live load


def lane_marks(endpoint: str, table: str) -> dict:
    return {i["leaseKey"]["S"]: i.get("laneCheckpoint", {}).get("S")
            for i in scan(endpoint, lease_table(table)) if "laneOf" in i}


def owners(endpoint: str, table: str) -> dict:
    return {i["leaseKey"]["S"]: i.get("leaseOwner", {}).get("S")
            for i in scan(endpoint, lease_table(table)) if "laneOf" not in i and "heartbeatOf" not in i}


class LiveLoad:
    """moto, the stream proxy in front of it, a zae-limiter table made through the proxy, its
    reference copy, and the zl_load.py writer running through the proxy."""

    def __init__(self, tmp_path, table: str, proxy_flags: list[str], writers: int = 2):
        self.table = table
        self.moto = Moto()
        self.proxy = None
        self.load = None
        try:
            self.proxy = StreamProxy(self.moto.url, table, *proxy_flags)
            # Set-up goes to moto itself: zae-limiter probes its Lambda functions there (not DynamoDB).
            peer("zl_load.py", "setup", "--endpoint", self.moto.url, "--table", table, "--create-table")
            peer("zl_oracle.py", "prepare", "--endpoint", self.moto.url, "--source", table, "--targets",
                 table + "-ref")
            self.load = PeerProcess("zl_load.py", "run", "--endpoint", self.proxy.url, "--table", table,
                                    "--writers", str(writers), ready_line="RUNNING")
        except BaseException:
            self.stop()
            raise

    def finish(self) -> dict:
        counts = self.load.finish()
        self.proxy.control(action="clear_faults")
        self.proxy.control(action="sync")
        return counts

    def stop(self) -> None:
        for part in (self.load, self.proxy, self.moto):
            if part is not None:
                part.stop()


DAEMON_KEY = "AKIAZAELDAEMONKEY01"


def kill_in_flight(daemon: Daemon, live: LiveLoad, rng: random.Random) -> bool:
    """Holds the next TransactWriteItems in the proxy, kills the daemon while it is held, and
    tells whether a snapshot transaction committed after the daemon died (its lane checkpoint
    moved with nobody alive to hear the reply)."""
    before = live.proxy.stats()["faults"].get("TransactWriteItems", {}).get("delay", 0)
    live.proxy.control(action="fault", api="TransactWriteItems", kind="delay", seconds=1.5,
                       access_key=DAEMON_KEY if daemon.environment.get("AWS_ACCESS_KEY_ID") == DAEMON_KEY else None)
    fired = lambda: live.proxy.stats()["faults"].get("TransactWriteItems", {}).get("delay", 0) > before  # noqa: E731
    deadline = time.monotonic() + 5
    while not fired() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(rng.uniform(0, 0.5))
    daemon.kill()
    marks = lane_marks(live.proxy.url, live.table)
    time.sleep(2.0)  # the held call lands (or was the writer's)
    live.proxy.control(action="clear_faults")
    return lane_marks(live.proxy.url, live.table) != marks


def test_kill_9_under_live_load(tmp_path):
    started = time.monotonic()
    rng = random.Random(SEED)
    table = "zl-crash"
    live = LiveLoad(tmp_path, table, ["--shards", "2", "--rollover-every", "150", "--poll-interval", "0.05"])
    # Snapshots alone: the duties' bucket writes would add to moto's load without bearing on
    # snapshot counts; they have their own tests.
    # The daemon signs with a key of its own, so that the proxy's faults can aim at its calls
    # alone (the writer's transactions would otherwise take most of them).
    daemon = Daemon(tmp_path, live.proxy.url, table, settings={
        "consumer": {"parallelization_factor": 2, "batch_size": 10, "batching_window_seconds": 0},
        "duties": {"refill": False, "proactive_shard": False, "propagate_shard_count": False}},
        environment={"AWS_ACCESS_KEY_ID": DAEMON_KEY})
    kills, posthumous = 0, 0
    daemon_resets = lambda: live.proxy.stats()["faults"].get("TransactWriteItems", {}).get("reset_after", 0)  # noqa: E731
    # At least 10 kills, and on until both rare paths have fired at least once: a transaction that
    # commits after the daemon died, and a reply of the daemon's own transaction lost after the
    # commit (the proxy aims its resets at the daemon's key). Bounded, for a slow machine.
    time_limit = time.monotonic() + 150
    try:
        phase("crash: load running")
        daemon.start()
        daemon.wait_ready()
        while (kills < 10 or posthumous == 0 or daemon_resets() == 0) and time.monotonic() < time_limit:
            time.sleep(rng.uniform(0.5, 2.0))
            mode = kills % 3
            if kills >= 10:
                mode = 1 if posthumous == 0 else 2
            if mode == 0:
                daemon.kill()
            elif mode == 1:
                posthumous += kill_in_flight(daemon, live, rng)
            else:
                # The commit happens, the reply is lost: a resend must fail the fence (moto ignores
                # ClientRequestToken) and a restart must adopt the stored checkpoint; neither may
                # apply the chunk again.
                before = daemon_resets()
                live.proxy.control(action="fault", api="TransactWriteItems", kind="reset_after",
                                   access_key=DAEMON_KEY)
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline and daemon_resets() == before:
                    time.sleep(0.05)
                time.sleep(rng.uniform(0.5, 1.5))
                daemon.kill()
                live.proxy.control(action="clear_faults")
            kills += 1
            daemon.start()
            # Kills aimed at a daemon still starting would never reach the paths under test; moto
            # may stall it for a while (slow transactions), so this wait is bounded and soft.
            ready_by = time.monotonic() + 20
            while daemon.running and daemon.status() is None and time.monotonic() < ready_by:
                time.sleep(0.1)
        resets = daemon_resets()
        fenced = daemon.log_count("fenced checkpoint refused")
        phase(f"crash: kills done: {kills} kills, {posthumous} commits after death, {resets} replies of the "
              f"daemon's transactions lost, {fenced} resends refused by the fence")
        assert kills >= 10, f"seed={SEED}: only {kills} kills within the time limit"
        assert posthumous >= 1, f"seed={SEED}: no transaction committed after the daemon died"
        assert resets >= 1, f"seed={SEED}: no reply of the daemon's own transactions was lost"
        counts = live.finish()
        stream = read_stream(live.proxy.url, table)
        phase("crash: load stopped")
        wait_caught_up(live.proxy.url, table, stream, [daemon])
        phase("crash: caught up")
        assert daemon.terminate() == 0, daemon.log_tail()
        assert not (tmp_path / "d.failed.jsonl").exists() or not (tmp_path / "d.failed.jsonl").read_text()
        result = assert_same_as_reference(live.moto.url, table, table + "-ref", stream, tmp_path)
    finally:
        daemon.stop()
        live.stop()
    print(f"kill -9 seed={SEED}: {kills} kills ({posthumous} commits after death, {resets} lost replies, "
          f"{fenced} resends refused by the fence), "
          f"load {counts}, {result}, shards {len(stream.shards)}, {time.monotonic() - started:.1f}s")


def test_takeover_between_two_daemons(tmp_path):
    started = time.monotonic()
    rng = random.Random(SEED + 1)
    table = "zl-takeover"
    live = LiveLoad(tmp_path, table, ["--shards", "4", "--poll-interval", "0.05"])
    settings = {"consumer": {"parallelization_factor": 2, "batch_size": 10, "batching_window_seconds": 0},
                "leases": {"failover_time_seconds": 3}}
    daemons = [Daemon(tmp_path, live.proxy.url, table, name=n, settings=settings) for n in ("a", "b")]
    kills, takeovers = 0, 0
    try:
        for d in daemons:
            d.start()
        for d in daemons:
            d.wait_ready()
        while kills < 4:
            victim, survivor = rng.sample(daemons, 2)
            # Wait until the victim holds something, so the kill takes shards from it.
            wait_for(lambda: victim.worker_id in owners(live.proxy.url, table).values(), 30, 0.3,
                     f"{victim.name} to hold a lease")
            time.sleep(rng.uniform(0.2, 1.5))
            phase(f"takeover: killing {victim.name}")
            victim.kill()
            kills += 1
            # The survivor takes every shard after the failover time.
            wait_for(lambda: set(owners(live.proxy.url, table).values()) == {survivor.worker_id}, 30, 0.3,
                     f"{survivor.name} to take every shard over")
            takeovers += 1
            phase(f"takeover: {survivor.name} holds every shard")
            victim.start()
        counts = live.finish()
        stream = read_stream(live.proxy.url, table)
        phase("takeover: load stopped")
        wait_caught_up(live.proxy.url, table, stream, daemons)
        phase("takeover: caught up")
        for d in daemons:
            assert d.terminate() == 0, d.log_tail()
        result = assert_same_as_reference(live.moto.url, table, table + "-ref", stream, tmp_path)
    finally:
        for d in daemons:
            d.stop()
        live.stop()
    print(f"takeover seed={SEED}: {kills} kills, {takeovers} takeovers, load {counts}, {result}, "
          f"{time.monotonic() - started:.1f}s")
