"""Audit archival by the real daemon process against moto (DynamoDB, Streams and S3).

Real zae-limiter 0.17.0 audit items (its repository's own audit writes, plus raw items with
every attribute type and missing fields) are deleted on moto, so the stream carries their
REMOVE records; the daemon archives them to moto's S3 through s3_fault_proxy.py, which answers
SlowDown and InternalError, drops connections and loses answers of writes that happened.

1. kill -9 ten times at random moments while it archives (small batches, two lanes), then run
   to the end: every audit event appears in exactly one object line, byte-identical to the
   line the Lambda's archiver writes for it (zl_audit.py reference); none lost, none twice.
2. The bucket refuses (AccessDenied), then does not exist (NoSuchBucket): the daemon logs the
   error, writes nothing and does not move past the events; once S3 is fixed it archives
   every event exactly once.

Both run with consumer.max_retry_attempts = -1, so that the engine retries the failing batch
instead of spooling it (with the engine of issue 11, retryable and permanent AWS errors are never
spooled whatever that setting says).
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections import Counter

import pytest

from zael_harness import PEERS, PYTHON, Daemon, Moto, env, lagging_shards, peer, read_stream, wait_for

SEED = int(os.environ.get("ZAEL_TEST_SEED") or time.time())
TABLE = "zl-audit"
BUCKET = "zl-audit-archive"


class S3FaultProxy:
    def __init__(self, upstream: str, *flags: str) -> None:
        self.proc = subprocess.Popen([PYTHON, str(PEERS / "s3_fault_proxy.py"), "--upstream", upstream, *flags],
                                     stdout=subprocess.PIPE, text=True, env=env())
        self.port = int(self.proc.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}"

    def _call(self, method: str, path: str) -> dict:
        import json
        import urllib.request

        request = urllib.request.Request(self.url + path, data=b"" if method == "POST" else None, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def mode(self, mode: str) -> None:
        self._call("POST", f"/__mode?m={mode}")

    def stats(self) -> dict:
        return self._call("GET", "/__stats")

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def world(tmp_path):
    moto = Moto()
    try:
        written = peer("zl_audit.py", "write", "--endpoint", moto.url, "--table", TABLE,
                       "--out", str(tmp_path / "records.json"), "--seed", str(SEED), "--events", "200")
        peer("zl_audit.py", "create-bucket", "--endpoint", moto.url, "--bucket", BUCKET)
        reference = peer("zl_audit.py", "reference", "--records", str(tmp_path / "records.json"))
        expected = bytes.fromhex(reference["body_hex"]).splitlines() + [
            bytes.fromhex(line).rstrip(b"\n") for line in reference["legacy_lines_hex"]]
        stream = read_stream(moto.url, TABLE)  # before the daemon writes anything
        yield moto, stream, expected, written
    finally:
        moto.stop()


def archived_lines(endpoint: str) -> list[bytes]:
    objects = peer("zl_audit.py", "fetch", "--endpoint", endpoint, "--bucket", BUCKET)
    lines = []
    for obj in objects:
        assert obj["content_type"] == "application/x-ndjson" and obj["content_encoding"] == "gzip", obj
        lines.extend(bytes.fromhex(obj["body_hex"]).splitlines())
    return lines


def assert_exactly_once(lines: list[bytes], expected: list[bytes]) -> None:
    counts = Counter(lines)
    missing = [line for line in expected if counts[line] == 0]
    twice = [line for line, n in counts.items() if n > 1]
    unexpected = [line for line in counts if line not in set(expected)]
    assert not missing, f"{len(missing)} events never archived, e.g. {missing[:2]}"
    assert not twice, f"{len(twice)} events archived more than once, e.g. {twice[:2]}"
    assert not unexpected, f"lines the Lambda would not write: {unexpected[:2]}"
    assert len(lines) == len(expected)


def make_daemon(tmp_path, moto, proxy, name="d") -> Daemon:
    return Daemon(tmp_path, moto.url, TABLE, name=name, settings={
        "consumer": {"batch_size": 5, "parallelization_factor": 2, "max_retry_attempts": -1},
        "archival": {"bucket": BUCKET, "endpoint": proxy.url},
    })


def wait_caught_up(moto, stream, daemon, timeout=120):
    def done():
        if daemon.proc is not None and not daemon.running:
            pytest.fail(f"daemon died ({daemon.proc.returncode}):\n{daemon.log_tail()}")
        return not lagging_shards(moto.url, TABLE + "-zael-leases", stream)

    wait_for(done, timeout, 0.5, "the lease table to cover every record")


def test_kill_9_during_archival_with_s3_faults(world, tmp_path):
    moto, stream, expected, written = world
    rng = random.Random(SEED)
    print(f"seed {SEED}: {written}, {len(expected)} audit events expected")
    proxy = S3FaultProxy(moto.url, "--seed", str(SEED), "--slowdown", "0.2", "--internal", "0.1",
                         "--after", "0.15", "--reset", "0.05", "--delay", "0.4")
    daemon = make_daemon(tmp_path, moto, proxy)
    during_archival = 0
    try:
        for kill in range(10):
            daemon.start()
            daemon.wait_ready()
            # Kill while it archives: once this run has sent PutObjects, at a random moment.
            puts = proxy.stats()["puts"]
            try:
                wait_for(lambda: proxy.stats()["puts"] > puts, 30, 0.05, "archive writes")
                during_archival += 1
            except pytest.fail.Exception:
                pass  # everything may be archived already
            time.sleep(rng.uniform(0, 0.6))
            daemon.kill()
            print(f"kill {kill + 1}: {len(archived_lines(moto.url))} lines so far, proxy {proxy.stats()}")
        daemon.start()
        daemon.wait_ready()
        wait_caught_up(moto, stream, daemon)
        assert daemon.terminate() == 0, daemon.log_tail()
        stats = proxy.stats()
    finally:
        daemon.stop()
        proxy.stop()
    assert daemon.kills == 10
    assert during_archival >= 5, f"only {during_archival} kills landed while the daemon archived"
    assert stats["faults"] > 0, stats
    assert_exactly_once(archived_lines(moto.url), expected)


@pytest.mark.parametrize("mode,code", [("deny", "AccessDenied"), ("nobucket", "NoSuchBucket")])
def test_refused_writes_hold_the_shard_until_fixed(world, tmp_path, mode, code):
    moto, stream, expected, _ = world
    proxy = S3FaultProxy(moto.url)
    proxy.mode(mode)
    daemon = make_daemon(tmp_path, moto, proxy)
    try:
        daemon.start()
        daemon.wait_ready()
        wait_for(lambda: daemon.log_count(code) >= 2, 60, 0.5, f"{code} in the log")
        assert archived_lines(moto.url) == []
        assert lagging_shards(moto.url, TABLE + "-zael-leases", stream), "the shard moved past unarchived events"
        assert daemon.running
        proxy.mode("none")
        wait_caught_up(moto, stream, daemon)
        assert daemon.terminate() == 0, daemon.log_tail()
    finally:
        daemon.stop()
        proxy.stop()
    assert_exactly_once(archived_lines(moto.url), expected)
