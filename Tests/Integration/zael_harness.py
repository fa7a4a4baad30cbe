"""Reusable pieces for integration tests that run the real zael-aggregator process against real
peers on loopback: a moto server, the stream proxy, daemons with generated configurations (start,
SIGTERM, kill -9, status socket), the test peers in Tests/peers (zae-limiter traffic, the
reference aggregator, item dumps) and a comparison of two dumps of usage snapshot items. Re-
exported from stream_view.py and notify_recorder.py: a raw reader of every shard of a stream, the
lease table's view of progress, and a stand-in for systemd's notify socket.

Everything is plain functions and small classes with explicit `stop()`s; tests own the cleanup
(use them inside try/finally or fixtures). Nothing here knows a particular test's scenario.

Environment: $ZAEL_BINARY (else .build/release/zael-aggregator) and $ZAEL_VENV (else the venv
running pytest) locate the daemon and the Python peers.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PEERS = REPO / "Tests" / "peers"
VENV_BIN = Path(os.environ["ZAEL_VENV"]) / "bin" if os.environ.get("ZAEL_VENV") else Path(sys.executable).parent
PYTHON = str(VENV_BIN / "python")

# Every peer and daemon gets these: fake credentials, one region, and never the metadata service.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}

sys.path.insert(0, str(PEERS))

# Re-exported: tests import everything from here.
from notify_recorder import NotifyRecorder  # noqa: E402,F401
from stream_view import Shard, StreamDump, lagging_shards, read_stream, scan, stream_arn  # noqa: E402,F401


def env(**extra: str) -> dict:
    out = dict(os.environ)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        out.pop(key, None)
    out.update(AWS_ENV)
    out.update(extra)
    return out


def binary() -> Path:
    path = Path(os.environ.get("ZAEL_BINARY") or REPO / ".build" / "release" / "zael-aggregator")
    if not os.access(path, os.X_OK):
        pytest.fail(f"zael-aggregator binary not found at {path} (build it, or set ZAEL_BINARY)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Polls `predicate` until it returns something truthy; fails the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _wait_port(port: int, timeout: float = 30) -> None:
    def up():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    wait_for(up, timeout, 0.05, f"a listener on 127.0.0.1:{port}")


def _stop(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------------------------------------
# moto and the stream proxy


class Moto:
    """moto (Tests/peers/moto_transactions.py) on a free loopback port. `url` is its endpoint."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "python"), str(PEERS / "moto_transactions.py"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env())
        self.url = f"http://127.0.0.1:{self.port}"
        try:
            _wait_port(self.port)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        _stop(self.proc)


class StreamProxy:
    """Tests/peers/stream_proxy.py in front of `upstream` for `table` (docs/testing.md)."""

    def __init__(self, upstream: str, table: str, *flags: str) -> None:
        self.table = table
        self.proc = subprocess.Popen(
            [PYTHON, str(PEERS / "stream_proxy.py"), "--upstream", upstream, "--port", "0", "--table", table, *flags],
            stdout=subprocess.PIPE, text=True, env=env())
        try:
            line = self.proc.stdout.readline()
            assert line.startswith("READY "), f"stream proxy did not start: {line!r}"
        except BaseException:
            self.stop()
            raise
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def control(self, **body) -> dict:
        return _http_json(self.url + "/__proxy/control", body)

    def stats(self) -> dict:
        return _http_json(self.url + "/__proxy/stats")

    def stop(self) -> None:
        _stop(self.proc)


def _http_json(url: str, body: dict | None = None) -> dict:
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


# ---------------------------------------------------------------------------------------------
# Python test peers


def peer(script: str, *args: str, timeout: float = 300) -> dict:
    """Runs Tests/peers/<script> with the venv's Python; returns its last stdout line as JSON."""
    result = subprocess.run(
        [PYTHON, str(PEERS / script), *args], capture_output=True, text=True, timeout=timeout, env=env())
    if result.returncode != 0:
        pytest.fail(f"{script} {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class PeerProcess:
    """A long-running peer (e.g. zl_load.py run): started now, stopped with SIGTERM by `finish()`,
    which returns the last stdout line as JSON."""

    def __init__(self, script: str, *args: str, ready_line: str | None = None, ready_timeout: float = 60) -> None:
        self.script = script
        self.proc = subprocess.Popen(
            [PYTHON, str(PEERS / script), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env())
        if ready_line is not None:
            deadline = time.monotonic() + ready_timeout
            while True:
                line = self.proc.stdout.readline()
                if line.strip() == ready_line:
                    break
                if not line or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"{script} did not print {ready_line!r}: {self.proc.stderr.read()[-2000:]}")

    def finish(self, timeout: float = 60) -> dict:
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=timeout)
        if self.proc.returncode != 0:
            pytest.fail(f"{self.script} failed ({self.proc.returncode}):\n{err[-3000:]}")
        return json.loads(out.strip().splitlines()[-1])

    def stop(self) -> None:
        _stop(self.proc)


def dump_items(endpoint: str, table: str) -> dict:
    """zl_dump_items.py: the #USAGE# items (ttl by presence) and zae-limiter's readers' view."""
    return peer("zl_dump_items.py", "--endpoint", endpoint, "--table", table)


def diff_dumps(ours: dict, reference: dict, limit: int = 20) -> list[str]:
    """Readable differences between two `dump_items` results (empty when equal): per item key,
    attribute by attribute; then the readers' snapshots and summaries."""
    problems: list[str] = []

    def keyed(dump):
        return {(i["PK"]["S"], i["SK"]["S"]): i for i in dump["items"]}

    a, b = keyed(ours), keyed(reference)
    for key in sorted(set(a) | set(b)):
        if key not in a:
            problems.append(f"missing item {key}: reference has {b[key]}")
        elif key not in b:
            problems.append(f"extra item {key}: {a[key]}")
        else:
            for name in sorted(set(a[key]) | set(b[key])):
                if a[key].get(name) != b[key].get(name):
                    problems.append(f"{key} {name}: ours {a[key].get(name)} reference {b[key].get(name)}")
    for section in ("snapshots", "summaries"):
        for name in sorted(set(ours[section]) | set(reference[section])):
            if ours[section].get(name) != reference[section].get(name):
                problems.append(f"{section} {name} differ")
    return problems[:limit] + ([f"... {len(problems) - limit} more"] if len(problems) > limit else [])


# ---------------------------------------------------------------------------------------------
# The daemon


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value))


class Daemon:
    """One zael-aggregator process with a generated configuration in `directory`.

    `settings` is {section: {key: value}} merged over a loopback baseline (TRIM_HORIZON,
    1 s batching window, text logs, status socket and spool in `directory`). `environment` is
    added to the process's environment (over the fake credentials). The worker id stays the same
    across restarts, so a restarted daemon is the same worker."""

    def __init__(self, directory: Path, endpoint: str, table: str, name: str = "d", settings: dict | None = None,
                 environment: dict | None = None):
        self.environment = dict(environment or {})
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.socket = str(self.directory / f"{name}.sock")
        self.log_path = self.directory / f"{name}.log"
        self.config_path = self.directory / f"{name}.toml"
        self.worker_id = f"{name}-{uuid.uuid4().hex[:6]}"
        config = {
            "aws": {"region": "us-east-1", "endpoint": endpoint},
            "table": {"name": table},
            "leases": {"worker_id": self.worker_id, "failover_time_seconds": 4, "shard_sync_interval_seconds": 5},
            "consumer": {"starting_position": "TRIM_HORIZON", "batching_window_seconds": 1,
                         "on_failure_spool": str(self.directory / f"{name}.failed.jsonl"),
                         "idle_poll_seconds": 0.2},
            "logging": {"format": "text"},
            "status": {"socket": self.socket},
        }
        for section, values in (settings or {}).items():
            config.setdefault(section, {}).update(values)
        lines = []
        for section, values in config.items():
            lines.append(f"[{section}]")
            lines.extend(f"{key} = {_toml(value)}" for key, value in values.items())
        self.config_path.write_text("\n".join(lines) + "\n")
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.kills = 0

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        assert not self.running, "already running"
        log = open(self.log_path, "a")
        log.write(f"---- start {self.starts + 1}\n")
        log.flush()
        self.proc = subprocess.Popen([str(binary()), "run", "--config", str(self.config_path)],
                                     stdout=log, stderr=subprocess.STDOUT, env=env(**self.environment))
        log.close()
        self.starts += 1

    def kill(self) -> None:
        """kill -9: no drain, no release, nothing flushed."""
        if self.running:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.kills += 1

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM (graceful: drain, checkpoint, release); returns the exit status."""
        if not self.running:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"daemon {self.name} did not stop within {timeout}s after SIGTERM")

    def stop(self) -> None:
        if self.running:
            self.proc.kill()
            self.proc.wait()

    def status(self) -> dict | None:
        """The status socket's JSON document, or None while it is not served."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(5)
                s.connect(self.socket)
                chunks = []
                while chunk := s.recv(65536):
                    chunks.append(chunk)
            return json.loads(b"".join(chunks))
        except (OSError, ValueError):
            return None

    def wait_ready(self, timeout: float = 60) -> dict:
        def ready():
            if not self.running:
                pytest.fail(f"daemon {self.name} exited ({self.proc.returncode}):\n{self.log_tail()}")
            return self.status()

        return wait_for(ready, timeout, 0.1, f"daemon {self.name}'s status socket")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_count(self, needle: str) -> int:
        try:
            return self.log_path.read_text(errors="replace").count(needle)
        except OSError:
            return 0
