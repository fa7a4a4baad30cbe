"""The throttle storm under real systemd: the shipped unit (WatchdogSec=30) in the sandbox, the
release binary, real zae-limiter traffic behind the stream proxy. First every snapshot
transaction is throttled for longer than WatchdogSec, then 9 of 10 are, with
max_retry_attempts = 1 (a throttled batch taken for a failure would be spooled within seconds).

Asserted: no watchdog abort and no restart (same MainPID, NRestarts 0), the lease kept (taken
once, never lost), STATUS= named the throttling while it lasted, nothing spooled and no "retries exhausted", and once the storm is
over the lease is checkpointed past the traffic and the snapshot items equal the reference's
(zae-limiter's own aggregator on the same records).
"""

import time

from systemd_sandbox import Moto, SystemdSandbox, daemon_config, message_text, unit_tree, wait_for
from test_systemd_lifecycle import Stack

BLOCKED_SECONDS = 40  # longer than WatchdogSec=30
PARTIAL_SECONDS = 40


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
            partial = False
            while time.monotonic() - started < BLOCKED_SECONDS + PARTIAL_SECONDS:
                if not partial and time.monotonic() - started >= BLOCKED_SECONDS:
                    partial = True
                    stack.proxy.control(action="clear_faults")
                if partial and not stack.proxy.stats()["armed"]:
                    stack.proxy.control(action="fault", api="TransactWriteItems", kind="throttle", count=9, skip=1)
                statuses.add(box.show(unit, "StatusText")["StatusText"])
                time.sleep(0.5)
            stack.proxy.control(action="clear_faults")
            stats = stack.proxy.stats()
            print("storm:", stats["faults"].get("TransactWriteItems"), "of",
                  stats["calls"].get("TransactWriteItems"), "TransactWriteItems")
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
            # The lease stayed with the one worker the whole time (taken once, never lost).
            assert texts.count("lease taken") == 1, [t for t in texts if "lease" in t]
            assert not any("lease lost" in t for t in texts), [t for t in texts if "lease" in t]
            assert box.systemctl("stop", unit).returncode == 0
            assert box.show(unit, "Result")["Result"] == "success"
        stack.assert_snapshots_equal_reference()
    finally:
        if stack is not None:
            stack.proxy.stop()
        moto.stop()
