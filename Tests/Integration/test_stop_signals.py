"""A second SIGTERM during the drain ends the daemon at once, as `ShutdownPolicy` says: exit status
130 and one warning line, without waiting for the drain.

Real zae-limiter 0.17.0 traffic (zl_traffic.py) goes into a moto table; the daemon reads it
through the stream proxy (Tests/peers/stream_proxy.py), which, once the daemon owns its leases,
holds every lease-table call for 30 s, so the drain (checkpoint, release) cannot end by itself.
A first SIGTERM starts the drain (`STOPPING=1`, "stopping: draining" in the log); a second one,
a moment later, must end the process within seconds with status 130, not leave it draining and
not let the default action kill it. (The graceful stop itself, exit 0 with leases released, is in
test_systemd_lifecycle.py.)
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from zael_harness import Daemon, Moto, StreamProxy, binary, peer, wait_for

pytestmark = pytest.mark.skipif(not binary().exists(), reason=f"no daemon binary at {binary()}")

HOLD_SECONDS = 30
TABLE = "zl-stop"


@pytest.fixture
def proxy(tmp_path):
    """The stream proxy in front of moto, with one round of zae-limiter traffic in the table."""
    moto = Moto()
    started = None
    try:
        peer("zl_traffic.py", "--endpoint", moto.url, "--table", TABLE, "--out", str(tmp_path / "t.json"),
             "--rounds", "1")
        started = StreamProxy(moto.url, TABLE)
        started.control(action="sync")
        yield started
    finally:
        if started:
            started.stop()
        moto.stop()


def test_second_sigterm_during_a_held_drain_exits_at_once_with_130(tmp_path, proxy):
    daemon = Daemon(tmp_path, proxy.url, TABLE)
    try:
        daemon.start()
        daemon.wait_ready()
        wait_for(lambda: (daemon.status() or {}).get("totals", {}).get("leasesOwned", 0) >= 1, 60, 0.2,
                 "a lease owned")

        proxy.control(action="fault", api="*", kind="delay", seconds=HOLD_SECONDS, count=1_000_000,
                      table=TABLE + "-zael-leases")
        daemon.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: daemon.log_count("stopping: draining") >= 1 or not daemon.running, 10, 0.05,
                 "the drain to start")
        assert daemon.running, f"the drain ended by itself although the lease table is held:\n{daemon.log_tail()}"
        # The first signal's handling ends with the second-signal watcher armed; give it a moment.
        time.sleep(0.5)
        assert daemon.running, f"the drain ended by itself although the lease table is held:\n{daemon.log_tail()}"

        sent = time.monotonic()
        daemon.proc.send_signal(signal.SIGTERM)
        try:
            code = daemon.proc.wait(10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"a second SIGTERM left the daemon draining:\n{daemon.log_tail()}")
        took = time.monotonic() - sent
        print(f"second SIGTERM: exit status {code} after {took:.2f} s")
        assert code == 130, f"exit status {code} (negative: killed by that signal):\n{daemon.log_tail()}"
        assert took < HOLD_SECONDS / 3
        assert daemon.log_count("second stop signal: exiting without draining") == 1, daemon.log_tail()
        assert daemon.log_count("stopped cleanly") == 0, daemon.log_tail()
    finally:
        daemon.stop()
