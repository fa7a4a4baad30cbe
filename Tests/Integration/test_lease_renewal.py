"""Lease renewals apart from the lease loop (issue 11), across real processes: two
zael-aggregator daemons share a lease table through the stream proxy (Tests/peers/stream_proxy.py
in front of moto), with real zae-limiter traffic. Harness: cluster_harness.py.

Set ZAEL_KEEP_LOGS=1 to keep the daemons' logs and configurations.
"""

from __future__ import annotations

import threading
import time

import pytest

import cluster_harness as h

pytestmark = pytest.mark.skipif(not h.binary().exists(), reason=f"no daemon binary at {h.binary()}")

SLOW_KEY = "AKIDSLOWLEASETABLE"


def tenures(cluster: h.Cluster) -> dict:
    """shardId -> (owner, claimedAt): a take, by anyone, changes claimedAt."""
    return {k: (h.owner(v), v.get("claimedAt", {}).get("N")) for k, v in cluster.leases().items()}


class TenureWatch:
    """Polls the lease table (moto directly, past the proxy's faults) and keeps every change of a
    lease's owner or tenure, with the time it was seen."""

    def __init__(self, cluster: h.Cluster, start: dict):
        self.cluster, self.last, self.changes = cluster, dict(start), []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            now = tenures(self.cluster)
            for key, tenure in now.items():
                if self.last.get(key) != tenure:
                    self.changes.append((round(time.monotonic(), 2), key, self.last.get(key), tenure))
            self.last = now
            self.stop.wait(0.25)

    def close(self):
        self.stop.set()
        self.thread.join(10)


def lease_events(daemon: h.Daemon) -> int:
    return sum(1 for line in daemon.log_lines()
               if line.get("message") in ("lease lost", "lease taken", "lease stolen"))


def test_slow_lease_table_for_one_daemon_moves_no_lease_renewed_in_time(make_cluster):
    """Every lease-table call of one of two daemons (its own access key) is held 5 s by the proxy
    for a minute: its scans, takes, lane checkpoints and renewals. Renewals run apart from the
    lease loop, each bounded by 0.3 x failover: with a failover time of 25 s a 5 s call still
    renews within its deadline (7.5 s), so every lease is renewed in time and none may move. (The
    renewal that keeps an idle lease alive is its worker's heartbeat; a lease whose checkpoint
    moved is also renewed by its own call.)
    (Renewing on the lease loop, as before, a round of the slow daemon took four 5 s renewals
    plus two 5 s scans: longer than the failover time, and the other daemon took its leases.)"""
    started = time.monotonic()
    failover = 25
    cluster = make_cluster("--shards", "8")
    cluster.create_table()
    traffic = cluster.traffic(rounds=3, users=8)
    fast = cluster.daemon("host-fast", leases__failover_time_seconds=failover)
    slow = cluster.daemon("host-slow", env={"AWS_ACCESS_KEY_ID": SLOW_KEY}, leases__failover_time_seconds=failover)
    fast.start()
    slow.start()
    live = [fast.worker, slow.worker]

    def balanced():
        owners = {k: h.owner(v) for k, v in cluster.leases().items() if h.checkpoint(v) != "SHARD_END"}
        if len(owners) < 8 or any(o not in live for o in owners.values()):
            return None
        counts = {w: list(owners.values()).count(w) for w in live}
        return counts if max(counts.values()) - min(counts.values()) <= 1 else None
    counts = h.wait_for(balanced, 120, interval=0.25, what="2 balanced workers")
    assert sorted(counts.values()) == [4, 4]
    traffic.join()
    # A worker learns that a lease was stolen from it at its next lease table scan (up to failover/3
    # later): wait until each one's own view is the lease table's, so that its "lease lost" of the
    # balancing is not counted as an event of the slow minute.
    def views_agree():
        owners = {k: h.owner(v) for k, v in cluster.leases().items() if h.checkpoint(v) != "SHARD_END"}
        return all(d.held() == sorted(k for k, o in owners.items() if o == d.worker) for d in (fast, slow))
    h.wait_for(views_agree, 60, interval=0.5, what="each worker's view to match the lease table")
    time.sleep(1)  # the log line follows the view
    before = tenures(cluster)
    events_before = {d.worker: lease_events(d) for d in (fast, slow)}
    slow_leases = sorted(k for k, (o, _) in before.items() if o == slow.worker)
    beats_before = cluster.heartbeats()[slow.worker]
    watch = TenureWatch(cluster, before)
    try:
        cluster.proxy.control(action="fault", api="*", kind="delay", seconds=5, count=1_000_000,
                              access_key=SLOW_KEY, table=cluster.lease_table)
        faulted = time.monotonic()
        # Records keep coming while the slow daemon's lane checkpoints take 5 s each.
        more = cluster.traffic(rounds=2, users=8, seed=1)
        time.sleep(max(0.0, 60 - (time.monotonic() - faulted)))
        stats = cluster.proxy.get("/__proxy/stats")
        cluster.proxy.control(action="clear_faults")
        beats_after = cluster.heartbeats()[slow.worker]
        threads = {d.worker: d.threads() for d in (fast, slow)}
        # A whole failover time more: nothing left over from the slow minute moves a lease either.
        time.sleep(failover + 5)
    finally:
        watch.close()
    assert watch.changes == [], watch.changes
    assert tenures(cluster) == before
    assert {d.worker: lease_events(d) for d in (fast, slow)} == events_before
    # Not vacuous: the proxy held the slow daemon's calls (heartbeats and renewals are
    # UpdateItems), and its heartbeat, which keeps all its leases alive, went on all the same,
    # about every failover/3 (8.3 s) of the minute.
    held = stats["faults"]
    assert held.get("UpdateItem", {}).get("delay", 0) >= 6, held
    assert held.get("Scan", {}).get("delay", 0) >= 2, held
    renewals = beats_after - beats_before
    assert renewals >= 5, renewals

    more.join()
    cluster.reference(cluster.synced_records())
    cluster.wait_equal_to_reference(120)
    cluster.assert_dump_equals_reference()
    assert fast.spooled() == "" and slow.spooled() == ""
    assert fast.stop() == 0 and slow.stop() == 0
    h.report("slow lease table", failover_time=failover, delayed_calls=held, renewals_in_the_minute=renewals,
           threads=threads, seconds=round(time.monotonic() - started, 1))
