"""Issue 11's demo: an AWS endpoint that quotes the signed request back in its error messages
(as AWS's signature errors do) must not get the daemon to repeat the secrets anywhere.

Real zae-limiter 0.17.0 traffic (zl_traffic.py) goes into a moto table; the daemon reads it
through the stream proxy (Tests/peers/stream_proxy.py) with session credentials of its own (a
known access key id, secret and security token in its environment). The proxy answers every
TransactWriteItems (the snapshot writes) with an `echo` fault: a 400 ValidationException whose
message holds the canonical request, `x-amz-security-token:<token>` included, and the
Authorization header (`Credential=<key id>/…`, `Signature=<hex>`); the first GetRecords calls get
the same echo as a ThrottlingException (the read path). A ValidationException is deterministic,
so every record is retried, bisected and spooled: the error reaches the log, the status socket
(`zael-aggregator status --socket … --json` too), the sd_notify STATUS= lines, the spool, the
Prometheus page and the EMF file.

Asserted, for the text and the JSON log formats: the token, the secret, the access key id and
every signature the proxy sent back appear in none of them (nor the first 16 characters of any);
the redaction marker does appear in the log, the status and the spool (the echo got through,
redacted); every log entry is one line (text: starts with a timestamp; JSON: parses).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import time
import urllib.request

import pytest

from zael_harness import Daemon, Moto, NotifyRecorder, StreamProxy, binary, free_port, lagging_shards, peer, read_stream, wait_for

MARKER = "<redacted>"


def session_credentials(seed: int) -> dict:
    """A key id, secret and token as STS would issue them (letters and digits only, so that a
    leak cannot hide behind JSON's escaping of `/`)."""
    rng = random.Random(seed)
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return {
        "AWS_ACCESS_KEY_ID": "ASIA" + "".join(rng.choice(upper) for _ in range(16)),
        "AWS_SECRET_ACCESS_KEY": "".join(rng.choice(alnum) for _ in range(40)),
        "AWS_SESSION_TOKEN": "IQoJb3JpZ2lu" + "".join(rng.choice(alnum) for _ in range(180)),
    }



def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def status_cli(socket_path: str, *flags: str) -> str:
    result = subprocess.run([str(binary()), "status", "--socket", socket_path, *flags], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_echoed_secrets_reach_no_output(tmp_path, log_format):
    seed = int(os.environ.get("ZAEL_SEED") or time.time() % 100_000)
    print(f"seed {seed} (ZAEL_SEED={seed} repeats it)")
    credentials = session_credentials(seed)
    table = f"zl-redact-{log_format}"
    moto = Moto()
    proxy = daemon = notify = None
    try:
        peer("zl_traffic.py", "--endpoint", moto.url, "--table", table, "--out", str(tmp_path / "t.json"),
             "--rounds", "2")
        proxy = StreamProxy(moto.url, table)
        proxy.control(action="sync")
        stream = read_stream(proxy.url, table)

        notify = NotifyRecorder(str(tmp_path / "notify.sock"))
        metrics_port = free_port()
        emf = tmp_path / "metrics.emf.log"
        daemon = Daemon(tmp_path, proxy.url, table, settings={
            "consumer": {"batch_size": 4, "max_retry_attempts": 0, "batching_window_seconds": 0},
            "duties": {"refill": False, "proactive_shard": False, "propagate_shard_count": False},
            "logging": {"format": log_format, "level": "debug"},
            "metrics": {"listen": f"127.0.0.1:{metrics_port}", "emf_file": str(emf)},
        }, environment={**credentials, "NOTIFY_SOCKET": notify.path})
        proxy.control(action="fault", api="TransactWriteItems", kind="echo", count=1_000_000)
        proxy.control(action="fault", api="GetRecords", kind="echo", code="ThrottlingException", count=2)
        daemon.start()
        daemon.wait_ready()

        statuses: list[str] = []

        def spooled_everything():
            if not daemon.running:
                pytest.fail(f"daemon exited:\n{daemon.log_tail()}")
            document = daemon.status()
            if document:
                statuses.append(json.dumps(document))
            return not lagging_shards(moto.url, table + "-zael-leases", stream)

        wait_for(spooled_everything, 180, 0.3, "every record to be spooled and checkpointed")
        statuses.append(status_cli(daemon.socket, "--json"))
        statuses.append(status_cli(daemon.socket))
        metrics = scrape(metrics_port)
        stats = proxy.stats()
        assert daemon.terminate() == 0, daemon.log_tail()
        notify.stop()

        signatures = stats["echoed_signatures"]
        echoes = stats["faults"]["TransactWriteItems"]["echo"]
        print(f"{len(stream.records)} records, {echoes} TransactWriteItems echoed, "
              f"{stats['faults'].get('GetRecords', {}).get('echo', 0)} GetRecords echoed")
        assert echoes >= 2 and len(signatures) >= echoes, stats
        assert all(re.fullmatch(r"[0-9a-f]{64}", s) for s in signatures), signatures[:3]

        log = daemon.log_path.read_text(errors="replace")
        spool = (tmp_path / "d.failed.jsonl").read_text()
        outputs = {
            "log": log, "spool": spool, "status": "\n".join(statuses), "metrics": metrics,
            "emf": emf.read_text() if emf.exists() else "", "notify": "\n".join(notify.datagrams),
        }
        secrets = [credentials["AWS_SESSION_TOKEN"], credentials["AWS_SESSION_TOKEN"][:16],
                   credentials["AWS_SECRET_ACCESS_KEY"], credentials["AWS_ACCESS_KEY_ID"],
                   *signatures, *(s[:16] for s in signatures)]
        for name, text in outputs.items():
            for secret in secrets:
                where = text.find(secret)
                assert where < 0, f"{name} holds {secret[:8]}…: ...{text[max(0, where - 200):][:400]}"

        # The echoes did get through, redacted: the test would see them otherwise.
        for name in ("log", "spool", "status"):
            assert MARKER in outputs[name], f"no redaction marker in {name}"
        assert "x-amz-security-token:" + MARKER in log and "Signature=" + MARKER in log
        assert "ValidationException" in spool
        spooled = sum(len(json.loads(line)["records"]) for line in spool.splitlines())
        assert spooled > 0
        assert re.search(r"^zael_spooled_records_total(\{[^}]*\})? [1-9]", metrics, re.M), metrics[:2000]

        # One entry, one line: the echo's newlines and quotes are escaped in both formats.
        entries = [line for line in log.splitlines() if line and not line.startswith("---- start")]
        assert entries
        for line in entries:
            if log_format == "json":
                json.loads(line)
            else:
                assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ", line), line[:300]
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", log)
    finally:
        for part in (daemon, proxy, moto, notify):
            if part is not None:
                part.stop()
