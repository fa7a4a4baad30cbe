"""`zael-aggregator spool replay`: the real binary applies a spool file of real zae-limiter 0.17.0
stream records (moto) to the usage snapshots, and a second replay applies nothing.

The spool is made from the stream itself: real traffic (zl_traffic.py) into a moto table, every
record read back raw, written as spool lines in the daemon's format (a few records per line,
reason retriesExhausted). Replaying it must leave the snapshot items equal to what zae-limiter's
own aggregator (zl_oracle.py) writes from the same records into a copy of the table. Then:
replaying the whole file again applies no record (every one "already replayed") and the items
still equal the reference; a half-finished replay (the first lines only, as if the command had
been killed) followed by the whole file also ends equal; a rejectedByProcessor line and an
unreadable line are skipped and counted.

Also the spool file of the running daemon: mode 0600, reopened at its path on SIGHUP (after a
logrotate-style rename), and a symlink planted at the path is refused, not followed.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import stat
import subprocess
import time

import pytest

from zael_harness import Daemon, Moto, binary, diff_dumps, dump_items, env, peer, read_stream, wait_for

SEED = int(os.environ.get("ZAEL_TEST_SEED") or time.time())


@pytest.fixture
def moto():
    server = Moto()
    try:
        yield server
    finally:
        server.stop()


def spool_lines(stream, rng: random.Random) -> list[str]:
    lines = []
    for shard in stream.shards:
        records = list(shard.records)
        while records:
            take = rng.randint(1, 6)
            chunk, records = records[:take], records[take:]
            lines.append(json.dumps({
                "streamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x",
                "shardId": shard.shard_id, "lane": 0, "reason": "retriesExhausted", "attempts": 4,
                "firstSequenceNumber": chunk[0]["dynamodb"]["SequenceNumber"],
                "lastSequenceNumber": chunk[-1]["dynamodb"]["SequenceNumber"],
                "records": chunk,
            }, sort_keys=True))
    return lines


def replay(config, path) -> dict:
    result = subprocess.run([str(binary()), "spool", "replay", str(path), "--config", str(config)],
                            capture_output=True, text=True, env=env(), timeout=600)
    assert result.returncode == 0, f"replay exited {result.returncode}:\n{result.stdout}\n{result.stderr[-3000:]}"
    summary = result.stdout.strip().splitlines()[-1]
    counts = {key.strip(): int(value) for key, value in re.findall(r"([a-z() ]+?) (\d+)(?:,|$)", summary)}
    print("replay:", summary)
    return counts


def test_replay_applies_each_record_once(moto, tmp_path):
    print(f"seed {SEED}")
    rng = random.Random(SEED)
    table = "zl-replay"
    traffic = peer("zl_traffic.py", "--endpoint", moto.url, "--table", table, "--out", str(tmp_path / "t.json"),
                   "--rounds", "4")
    peer("zl_oracle.py", "prepare", "--endpoint", moto.url, "--source", table, "--targets", table + "-ref",
         "--lease-table", table + "-zael-leases")
    stream = read_stream(moto.url, table)
    assert len(stream.records) == traffic["records"]
    records_file = stream.write(tmp_path / "records.json")
    oracle = peer("zl_oracle.py", "run", "--endpoint", moto.url, "--records", str(records_file),
                  "--table", table + "-ref")
    assert oracle["errors"] == [], oracle
    reference = dump_items(moto.url, table + "-ref")
    assert reference["items"], "the reference wrote no snapshot item"

    # The daemon's configuration for this table (never started: replay only reads it).
    config = Daemon(tmp_path, moto.url, table).config_path
    lines = spool_lines(stream, rng)
    total = sum(len(json.loads(line)["records"]) for line in lines)

    # Killed half-way: the first lines only.
    half = tmp_path / "half.jsonl"
    half.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    first = replay(config, half)
    assert first["failed"] == 0

    # The whole file, with a rejected line (a copy of the first record) and garbage in it.
    rejected = json.loads(lines[0])
    rejected["reason"] = "rejectedByProcessor"
    rejected["records"] = rejected["records"][:1]
    whole = tmp_path / "failed.jsonl"
    whole.write_text("\n".join([json.dumps(rejected), "{not json"] + lines) + "\n")
    second = replay(config, whole)
    assert second["skipped (rejected by processor)"] == 1
    assert second["unreadable lines"] == 1
    assert second["failed"] == 0
    assert second["already replayed"] == first["applied"], (first, second)
    assert second["applied"] + second["already replayed"] + second["without effects"] == total
    assert first["applied"] + second["applied"] > 0
    problems = diff_dumps(dump_items(moto.url, table), reference)
    assert not problems, "\n".join(problems)

    # Again: nothing applied, the items unchanged.
    third = replay(config, whole)
    assert third["applied"] == 0
    assert third["already replayed"] == first["applied"] + second["applied"]
    problems = diff_dumps(dump_items(moto.url, table), reference)
    assert not problems, "\n".join(problems)


def test_running_daemon_spool_is_private_and_reopened_on_sighup(moto, tmp_path):
    table = "zl-hup"
    peer("zl_traffic.py", "--endpoint", moto.url, "--table", table, "--out", str(tmp_path / "t.json"),
         "--rounds", "1")
    daemon = Daemon(tmp_path, moto.url, table)
    spool = tmp_path / "d.failed.jsonl"
    try:
        daemon.start()
        daemon.wait_ready()
        assert spool.exists()
        assert stat.S_IMODE(spool.stat().st_mode) == 0o600
        rotated = tmp_path / "d.failed.jsonl.1"
        spool.rename(rotated)
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(spool.exists, 15, what="the spool reopened at its path after SIGHUP")
        assert stat.S_IMODE(spool.stat().st_mode) == 0o600

        # A symlink at the path is refused (logged), and the daemon keeps its current file.
        target = tmp_path / "elsewhere"
        target.write_text("")
        spool.unlink()
        spool.symlink_to(target)
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: daemon.log_count("spool reopen failed") == 1, 15, what="the refused reopen in the log")
        assert daemon.running
        assert target.read_text() == ""
        assert daemon.terminate() == 0, daemon.log_tail()
    finally:
        daemon.stop()
