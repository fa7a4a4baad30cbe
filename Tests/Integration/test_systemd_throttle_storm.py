"""The throttle storm under real systemd: the shipped unit (WatchdogSec=30) in the sandbox, the
release binary, real zae-limiter traffic behind the stream proxy, with max_retry_attempts = 1
(a throttled batch taken for a failure would be spooled within seconds). The storm, while the
daemon works through the traffic's records:
1. every snapshot transaction throttled, for longer than WatchdogSec;
2. one minute in which the endpoint accepts every connection and never answers (every API:
   streams, snapshot writes, lease renewals);
3. two minutes in which 9 of 10 snapshot transactions are throttled.

Asserted: no watchdog abort and no restart (same MainPID, NRestarts 0), the lease kept through
the whole storm: never lost nor taken again (the silent minute lapses it: kept unconfirmed, the
shard paused, and confirmed again by the first renewal once the endpoint answers), STATUS= named
the throttling and the unconfirmed lease while they lasted, nothing spooled and no "retries
exhausted", and once the storm is over the lease is checkpointed past the traffic and the
snapshot items equal the reference's (zae-limiter's own aggregator on the same records).
"""

import time

from systemd_sandbox import Moto, SystemdSandbox, daemon_config, message_text, unit_tree, wait_for
from test_systemd_lifecycle import Stack

BLOCKED_SECONDS = 40  # longer than WatchdogSec=30
SILENT_SECONDS = 60
PARTIAL_SECONDS = 120


def test_throttle_storm_under_systemd(tmp_path):
    moto = Moto()
    stack = None
    try:
        stack = Stack(moto, "zl-sd-storm", tmp_path)
        instance = "storm"
        unit = f"zael-aggregator@{instance}.service"
        config = daemon_config(stack.proxy.url, stack.table, batch_size=5, max_retry_attempts=1,
                               batching_window_seconds=0)
        units, binds = unit_tree(tmp_path, {instance: config})
        stack.proxy.control(action="fault", api="TransactWriteItems", kind="throttle", count=1_000_000)
        with SystemdSandbox(units, binds, tmp_path) as box:
            assert box.systemctl("start", unit).returncode == 0
            first = box.show(unit, "MainPID", "NRestarts")
            statuses = set()
            started = time.monotonic()
            phase = "blocked"
            taken_before_silence = None
            while time.monotonic() - started < BLOCKED_SECONDS + SILENT_SECONDS + PARTIAL_SECONDS:
                elapsed = time.monotonic() - started
                if phase == "blocked" and elapsed >= BLOCKED_SECONDS:
                    phase = "silent"
                    taken_before_silence = [message_text(e) for e in box.journal(unit)].count("lease taken")
                    stack.proxy.control(action="clear_faults")
                    stack.proxy.control(action="fault", api="*", kind="blackhole", seconds=SILENT_SECONDS,
                                        count=1_000_000)
                if phase == "silent" and elapsed >= BLOCKED_SECONDS + SILENT_SECONDS:
                    phase = "partial"
                    stack.proxy.control(action="clear_faults")
                if phase == "partial" and not stack.proxy.stats()["armed"]:
                    stack.proxy.control(action="fault", api="TransactWriteItems", kind="throttle", count=9, skip=1)
                statuses.add(box.show(unit, "StatusText")["StatusText"])
                time.sleep(0.5)
            stack.proxy.control(action="clear_faults")
            stats = stack.proxy.stats()
            print("storm:", stats["faults"].get("TransactWriteItems"), "of",
                  stats["calls"].get("TransactWriteItems"), "TransactWriteItems;",
                  sum(kinds.get("blackhole", 0) for kinds in stats["faults"].values()), "calls never answered")
            assert sum(kinds.get("blackhole", 0) for kinds in stats["faults"].values()) > 0, stats["faults"]
            assert wait_for(stack.checkpointed_past_traffic, timeout=120), stack.leases()
            after = box.show(unit, "MainPID", "NRestarts", "ActiveState", "SubState", "StatusText")
            texts = [message_text(e) for e in box.journal(unit)]
            assert (after["ActiveState"], after["SubState"]) == ("active", "running"), after
            assert after["NRestarts"] == "0" and after["MainPID"] == first["MainPID"], (first, after)
            assert not any("Watchdog timeout" in t for t in texts), [t for t in texts if "atchdog" in t]
            assert not any(t.startswith("watchdog: component wedged") for t in texts)
            assert any("THROTTLED (ProvisionedThroughputExceededException)" in s for s in statuses), statuses
            assert not any("spooled" in s for s in statuses | {after["StatusText"]}), statuses
            assert not any("retries exhausted" in t for t in texts)
            # Neither throttling nor the silent minute costs the lease. A worker that cannot renew
            # for the failover time keeps its lease unconfirmed (another worker may take it by its
            # own clock, so the shard pauses) and renews on with the same condition: the first
            # renewal that succeeds confirms it again, with no new take.
            leases = [t for t in texts if "lease" in t]
            assert taken_before_silence is not None and taken_before_silence >= 1, leases
            assert texts.count("lease lost") == 0, leases
            assert texts.count("lease taken") == taken_before_silence, leases
            lapses = [t for t in texts if t.startswith("lease unconfirmed")]
            assert lapses, leases
            assert texts.count("lease confirmed again") == len(lapses), leases
            assert any("UNCONFIRMED" in s for s in statuses), statuses
            assert box.systemctl("stop", unit).returncode == 0
            assert box.show(unit, "Result")["Result"] == "success"
        stack.assert_snapshots_equal_reference()
    finally:
        if stack is not None:
            stack.proxy.stop()
        moto.stop()
