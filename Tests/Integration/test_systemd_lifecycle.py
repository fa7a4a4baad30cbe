"""The daemon's systemd lifecycle, for real: the shipped unit (a drop-in moves only ExecStart and
the config location) in a real systemd (the project's sandbox, systemd_box.py, needs root), the release
binary, a moto server and the stream proxy on 127.0.0.1, and real zae-limiter traffic.

- start: `activating` until READY=1, then `active (running)`; STATUS= shows the owned shard;
- the journal's native fields: `journalctl SHARD_ID=<shard>` finds the worker's entries;
- a failing endpoint (GetRecords answering 500) is not a wedge: backoff, STATUS= names the error,
  the watchdog keeps being pinged, no restart;
- `systemctl reload` applies consumer.batch_size live (status socket) and keeps the lease;
- `systemctl stop`: Result=success, status 0, leases released, snapshots equal zae-limiter's own;
- SIGABRT (the watchdog's signal) ends the daemon at once, despite the Swift runtime's backtracer;
- the watchdog: a GetRecords call held open past the progress deadline gets the process aborted
  by systemd and restarted; it resumes from the checkpoint and the snapshot items equal the
  reference's (nothing lost, nothing counted twice).

The module's peers (moto, one stream proxy per table, the traffic and the reference) are shared;
the lifecycle tests run in order against one daemon instance.
"""

import json
import os
import re
import resource
import signal
import subprocess
import sys
import time

import boto3
import pytest

from systemd_sandbox import (
    PEERS,
    Moto,
    StreamProxy,
    AWS_TEST_ENVIRONMENT,
    SystemdSandbox,
    binary,
    daemon_config,
    message_text,
    peer_tool,
    unit_tree,
    wait_for,
)

sys.path.insert(0, str(PEERS))
from zl_common import read_stream  # noqa: E402  (a Tests/peers module)

INSTANCE = "life"
UNIT = f"zael-aggregator@{INSTANCE}.service"
STATUS_SOCKET = f"/run/zael-aggregator/{INSTANCE}/status.sock"
BINARY_INSIDE = "/srv/zael/bin/zael-aggregator"


class Stack:
    """A zae-limiter table with real traffic behind a stream proxy, plus the reference result:
    zae-limiter's own aggregator run on the same stream records into a copy of the table."""

    def __init__(self, moto: Moto, table: str, workdir):
        self.moto, self.table = moto, table
        # The traffic goes to moto directly (zae-limiter's version gate reads its record through
        # it); the proxy starts afterwards and models the stream as moto kept it.
        peer_tool("zl_traffic.py", "--endpoint", moto.url, "--table", table,
                  "--out", str(workdir / f"{table}-traffic.json"), "--rounds", "4")
        self.proxy = StreamProxy(moto.url, table)
        try:
            self.proxy.control(action="sync")
            arn = self.ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
            # The records as the daemon will read them: the proxy's virtual stream.
            self.records = read_stream(self.proxy.url, arn)
            records_file = workdir / f"{table}-records.json"
            records_file.write_text(json.dumps({"Records": self.records}))
            self.reference = f"{table}-ref"
            peer_tool("zl_oracle.py", "prepare", "--endpoint", moto.url, "--source", table,
                      "--targets", self.reference)
            peer_tool("zl_oracle.py", "run", "--endpoint", moto.url, "--records", str(records_file),
                      "--table", self.reference)
        except BaseException:
            self.proxy.stop()
            raise

    @property
    def ddb(self):
        return boto3.client("dynamodb", endpoint_url=self.moto.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    @property
    def last_traffic_sequence_number(self) -> int:
        return int(self.records[-1]["dynamodb"]["SequenceNumber"])

    def last_sequence_number(self) -> str:
        """The stream's last record now (the daemon's own snapshot writes add records too)."""
        self.proxy.control(action="sync")
        arn = self.ddb.describe_table(TableName=self.table)["Table"]["LatestStreamArn"]
        return read_stream(self.proxy.url, arn)[-1]["dynamodb"]["SequenceNumber"]

    def checkpointed_past_traffic(self) -> bool:
        checkpoints = [lease.get("checkpoint", {}).get("S", "") for lease in self.leases()]
        return len(checkpoints) == 1 and checkpoints[0].isdigit() and \
            int(checkpoints[0]) >= self.last_traffic_sequence_number

    def lease_items(self) -> list:
        return self.ddb.scan(TableName=f"{self.table}-zael-leases", ConsistentRead=True)["Items"]

    def leases(self) -> list:
        """The shard leases (lane items, which carry `laneOf`, and heartbeats left out)."""
        return [item for item in self.lease_items() if "laneOf" not in item and "heartbeatOf" not in item]

    def dump(self, table: str) -> dict:
        return json.loads(peer_tool("zl_dump_items.py", "--endpoint", self.moto.url, "--table", table))

    def assert_snapshots_equal_reference(self):
        ours, reference = self.dump(self.table), self.dump(self.reference)
        assert reference["items"], "the reference wrote no snapshot items: the traffic is too thin"
        assert ours == reference


@pytest.fixture(scope="module")
def moto():
    server = Moto()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def stack(moto, tmp_path_factory):
    stack = Stack(moto, "zl-life", tmp_path_factory.mktemp("life-peers"))
    try:
        yield stack
    finally:
        stack.proxy.stop()


@pytest.fixture(scope="module")
def sandbox(stack, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("life-sandbox")
    units, binds = unit_tree(workdir, {INSTANCE: daemon_config(stack.proxy.url, stack.table, batch_size=100)})
    with SystemdSandbox(units, binds, workdir) as box:
        box.config_file = workdir / "etc" / f"{INSTANCE}.toml"
        yield box


def state(box, *extra) -> dict:
    return box.show(UNIT, "ActiveState", "SubState", "StatusText", "MainPID", "NRestarts", *extra)


def status_json(box) -> dict:
    result = box.exec(BINARY_INSIDE, "status", "--socket", STATUS_SOCKET, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def config_value(status: dict, key: str) -> str:
    return {entry["key"]: entry["value"] for entry in status["config"]}[key]


def messages(box, *matches) -> list:
    return [message_text(e) for e in box.journal(UNIT, *matches)]


def test_start_is_active_only_after_ready(sandbox, stack):
    # Hold DescribeTable 4 s: the start-up is visibly under way before READY=1.
    stack.proxy.control(action="fault", api="DescribeTable", kind="delay", seconds=4)
    assert sandbox.systemctl("start", "--no-block", UNIT).returncode == 0
    starting = wait_for(lambda: (s := state(sandbox)).get("SubState") == "start" and s, timeout=20)
    assert starting, state(sandbox)
    assert starting["ActiveState"] == "activating"
    seen = wait_for(lambda: (s := state(sandbox)).get("StatusText", "").startswith("describing table") and s, 10)
    assert seen and seen["ActiveState"] == "activating", state(sandbox)

    running = wait_for(lambda: (s := state(sandbox)).get("SubState") == "running" and s, timeout=60)
    assert running and running["ActiveState"] == "active", (state(sandbox), messages(sandbox))
    # systemd went active at READY=1 (the daemon logs "ready" right after sending it), not at
    # exec: the 4 s start-up delay lies between the two.
    times = sandbox.show(UNIT, "ActiveEnterTimestampMonotonic", "ExecMainStartTimestampMonotonic")
    entered, executed = int(times["ActiveEnterTimestampMonotonic"]), int(times["ExecMainStartTimestampMonotonic"])
    assert entered - executed >= 4_000_000, times
    ready = [e for e in sandbox.journal(UNIT) if message_text(e) == "ready"]
    assert ready, messages(sandbox)
    assert abs(int(ready[0]["__MONOTONIC_TIMESTAMP"]) - entered) < 2_000_000, (ready[0], times)

    owned = wait_for(lambda: "1 shard owned" in (s := state(sandbox))["StatusText"] and s, timeout=30)
    assert owned, state(sandbox)
    # Every record read and checkpointed under the unit: the spool and status socket defaults
    # (StateDirectory, RuntimeDirectory) work with the hardening in place.
    assert wait_for(stack.checkpointed_past_traffic, timeout=60), stack.leases()
    assert status_json(sandbox)["totals"]["leasesOwned"] == 1
    spool = sandbox.exec("test", "-f", f"/var/lib/zael-aggregator/{INSTANCE}/failed.jsonl")
    assert spool.returncode == 0, "the default spool file is not in the StateDirectory"


def test_journal_entries_carry_the_shard_id(sandbox, stack):
    shard = stack.leases()[0]["leaseKey"]["S"]
    entries = sandbox.journal(UNIT, f"SHARD_ID={shard}")
    texts = [message_text(e) for e in entries]
    assert "lease taken" in texts, texts
    assert all(e["SHARD_ID"] == shard for e in entries)
    assert all("_STREAM_ID" not in e for e in entries)  # native entries, not stderr lines
    # The filter selects: an unknown shard finds nothing.
    assert sandbox.journal(UNIT, "SHARD_ID=shardId-00000000000000000000-00000000") == []


def test_the_system_call_filter_lets_libdispatch_lower_its_thread_priorities(sandbox, stack):
    # libdispatch sets its worker threads' nice values with setpriority. Denied by the filter
    # (EPERM, errno=1), every new worker thread logs a complaint; the unit allows it. Raising a
    # priority is still refused by the kernel without CAP_SYS_NICE (EACCES), as it should be.
    assert wait_for(lambda: stack.proxy.stats()["calls"].get("GetRecords", 0) > 3, timeout=30)
    texts = messages(sandbox)
    complaints = [t for t in texts if "Failed to set thread priority" in t]
    assert texts and not [t for t in complaints if t.endswith("errno=1")], complaints[:3]
    assert len(complaints) <= 2, complaints


def test_failing_endpoint_backs_off_without_a_restart(sandbox, stack):
    before = state(sandbox, "WatchdogTimestampMonotonic")
    stack.proxy.control(action="fault", api="GetRecords", kind="error500", count=100000)
    try:
        reported = wait_for(lambda: "last error" in (s := state(sandbox))["StatusText"] and s, timeout=30)
        assert reported, state(sandbox)
        assert "InternalServerError" in reported["StatusText"] or "500" in reported["StatusText"], reported
        assert re.search(r"last error \d+ s ago: ", reported["StatusText"]), reported
        # 40 s of failures: longer than WatchdogSec=30, so a wedge would have been restarted.
        time.sleep(40 - 1)
        after = state(sandbox, "WatchdogTimestampMonotonic")
        assert (after["ActiveState"], after["SubState"]) == ("active", "running"), after
        assert after["NRestarts"] == before["NRestarts"] == "0"
        assert after["MainPID"] == before["MainPID"]
        # Still pinging (every 15 s), and still trying with backoff, not spinning.
        assert int(after["WatchdogTimestampMonotonic"]) > int(before["WatchdogTimestampMonotonic"])
        fired = stack.proxy.stats()["faults"]["GetRecords"]["error500"]
        assert 3 <= fired < 400, fired
    finally:
        stack.proxy.control(action="clear_faults")
    # It reads again once the endpoint answers (STATUS= names the error, with its age, for 10 minutes).
    calls = stack.proxy.stats()["calls"]["GetRecords"]
    assert wait_for(lambda: stack.proxy.stats()["calls"]["GetRecords"] > calls + 1, timeout=30)


def test_reload_changes_batch_size_live_and_keeps_the_lease(sandbox, stack):
    assert config_value(status_json(sandbox), "consumer.batch_size") == "100"
    owner = stack.leases()[0]["leaseOwner"]["S"]
    pid = state(sandbox)["MainPID"]
    takes = messages(sandbox).count("lease taken")

    sandbox.config_file.write_text(daemon_config(stack.proxy.url, stack.table, batch_size=37))
    reload = sandbox.systemctl("reload", UNIT)
    assert reload.returncode == 0, reload.stderr

    assert config_value(status_json(sandbox), "consumer.batch_size") == "37"
    assert any(t == "reload applied" for t in messages(sandbox)), messages(sandbox)
    applied = [e for e in sandbox.journal(UNIT) if message_text(e) == "reload applied"]
    assert "consumer.batch_size" in applied[-1]["KEYS"]
    after = state(sandbox)
    assert (after["ActiveState"], after["SubState"], after["MainPID"]) == ("active", "running", pid)
    time.sleep(4)  # more than a renewal interval (failover 10 s / 3)
    assert stack.leases()[0]["leaseOwner"]["S"] == owner
    assert messages(sandbox).count("lease taken") == takes


def test_stop_succeeds_and_releases_the_leases(sandbox, stack):
    owner = stack.leases()[0]["leaseOwner"]["S"]
    stop = sandbox.systemctl("stop", UNIT)
    assert stop.returncode == 0, stop.stderr
    final = sandbox.show(UNIT, "ActiveState", "Result", "ExecMainStatus", "ExecMainCode", "NRestarts")
    assert final["ActiveState"] == "inactive", final
    assert final["Result"] == "success" and final["ExecMainStatus"] == "0", final
    assert "stopped cleanly" in messages(sandbox)
    leases = stack.leases()
    assert leases and all("leaseOwner" not in lease for lease in leases), (owner, leases)
    assert [lease["checkpoint"]["S"] for lease in leases] == [stack.last_sequence_number()]
    stack.assert_snapshots_equal_reference()


def test_watchdog_restarts_a_wedged_worker_which_resumes_from_its_checkpoint(moto, tmp_path):
    stack = Stack(moto, "zl-wedge", tmp_path)
    try:
        instance = "wedge"
        unit = f"zael-aggregator@{instance}.service"
        # Batches of 10: the first page is processed batch by batch, then the next GetRecords
        # call hangs for 120 s, longer than the watchdog (30 s); the HTTP timeout does not cut it.
        config = daemon_config(stack.proxy.url, stack.table, batch_size=10, http_timeout_seconds=150)
        units, binds = unit_tree(tmp_path, {instance: config})
        stack.proxy.control(action="fault", api="GetRecords", kind="delay", seconds=120, skip=1)
        with SystemdSandbox(units, binds, tmp_path) as box:
            started = time.monotonic()
            assert box.systemctl("start", unit).returncode == 0
            first_pid = box.show(unit, "MainPID")["MainPID"]

            restarted = wait_for(lambda: box.show(unit, "NRestarts")["NRestarts"] != "0" or None, timeout=150,
                                 interval=1)
            killed_after = time.monotonic() - started
            texts = [message_text(e) for e in box.journal(unit)]
            assert restarted, texts
            assert any("Watchdog timeout" in t for t in texts), texts
            exits = [t for t in texts if "Main process exited" in t]
            assert exits and "ABRT" in exits[0], [t for t in texts if "zael-aggregator@" in t or "Main" in t]
            # The daemon said which part was stuck before systemd pulled the plug.
            shard = stack.leases()[0]["leaseKey"]["S"]
            wedged = [e for e in box.journal(unit) if message_text(e).startswith("watchdog: component wedged")]
            assert wedged and shard in wedged[0]["COMPONENT"], texts
            # Progress deadline 30 s, pings every 15 s, WatchdogSec=30: the kill comes 30–75 s
            # after the call stalled (plus start-up and the first batches).
            assert 30 <= killed_after <= 110, killed_after

            resumed = wait_for(
                lambda: (s := box.show(unit, "SubState", "MainPID")) and s["SubState"] == "running"
                and s["MainPID"] not in ("0", first_pid), timeout=60)
            assert resumed, box.show(unit, "SubState", "MainPID", "Result")
            assert wait_for(stack.checkpointed_past_traffic, timeout=90), stack.leases()
            assert box.systemctl("stop", unit).returncode == 0
            assert box.show(unit, "Result")["Result"] == "success"
            assert [lease["checkpoint"]["S"] for lease in stack.leases()] == [stack.last_sequence_number()]
        stack.assert_snapshots_equal_reference()
    finally:
        stack.proxy.stop()


def test_sigabrt_ends_the_daemon_at_once(tmp_path):
    # Outside systemd, on a dead endpoint: the daemon is busy retrying its start-up.
    config = tmp_path / "abort.toml"
    config.write_text(
        daemon_config("http://127.0.0.1:9", "zl-abort")
        + f'on_failure_spool = "{tmp_path}/failed.jsonl"\n\n[status]\nsocket = "{tmp_path}/status.sock"\n')
    daemon = subprocess.Popen([str(binary()), "run", "--config", str(config)], env=dict(os.environ, **AWS_TEST_ENVIRONMENT),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                              preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))  # no core file
    try:
        time.sleep(1.5)
        assert daemon.poll() is None, daemon.stderr.read()
        daemon.send_signal(signal.SIGABRT)
        assert daemon.wait(timeout=5) == -signal.SIGABRT
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
