"""Helpers shared by the systemd tests: the shipped unit in a real systemd (the project's own
sandbox, systemd_box.py, needs root), and the loopback peers the daemon talks to in there (moto,
the stream proxy, zae-limiter's traffic driver and oracle).

The binary is $ZAEL_BINARY, else .build/release/zael-aggregator.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from systemd_box import BoxError, SystemdBox

REPO = Path(__file__).resolve().parents[2]
PEERS = REPO / "Tests" / "peers"
UNIT_NAME = "zael-aggregator@.service"
UNIT = REPO / "systemd" / UNIT_NAME
# What every daemon in a test gets: fixed test credentials, and never the instance metadata
# service (a link-local address this test machine must not reach).
AWS_TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def binary() -> Path:
    path = Path(os.environ.get("ZAEL_BINARY") or REPO / ".build" / "release" / "zael-aggregator")
    if not os.access(path, os.X_OK):
        pytest.fail(f"zael-aggregator binary not found at {path} (build it, or set ZAEL_BINARY)")
    return path


def run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=kwargs.pop("timeout", 120), **kwargs)


def wait_for(predicate, timeout: float = 30, interval: float = 0.2):
    """`predicate()`'s first truthy value, or its last value once `timeout` passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# the sandbox


def unit_tree(tmp_path: Path, configs: dict, extra_service_lines: str = ""):
    """Units for the sandbox: the shipped unit plus a drop-in that only moves ExecStart to the
    bound binary and the config to the bound folder (/srv/zael/etc, editable from here through
    `tmp_path/etc`). Returns (units_dir, binds)."""
    units = tmp_path / "units"
    dropin = units / f"{UNIT_NAME}.d"
    dropin.mkdir(parents=True)
    shutil.copy2(UNIT, units / UNIT_NAME)
    (dropin / "test.conf").write_text(
        "[Service]\nExecStart=\n"
        "ExecStart=/srv/zael/bin/zael-aggregator run --config /srv/zael/etc/%i.toml\n" + extra_service_lines
    )
    etc = tmp_path / "etc"
    etc.mkdir()
    for name, text in configs.items():
        (etc / f"{name}.toml").write_text(text)
        (etc / f"{name}.toml").chmod(0o644)
    # The service runs as a dynamic user: the bound folder must be readable by anyone.
    etc.chmod(0o755)
    binds = [f"{binary()}:/srv/zael/bin/zael-aggregator", f"{etc}:/srv/zael/etc"]
    return units, binds


class SystemdSandbox:
    """A running sandbox (systemd_box.SystemdBox): systemd as PID 1 of private namespaces,
    knowing only the given units, with `binds` ("SRC:DST") mounted inside. Use as a context
    manager; `exec`, `systemctl`, `show` and `journal` run inside it. When the sandbox cannot run
    here, the test fails with the one-line reason (scripts/test checks that before any test).

    The manager's environment (`systemctl set-environment`, not the unit) carries the test
    credentials and AWS_EC2_METADATA_DISABLED, as an operator's drop-in would."""

    def __init__(self, units: Path, binds: list, workdir: Path):
        try:
            self.box = SystemdBox(units, binds, scratch_parent=workdir)
        except BoxError as error:
            pytest.fail(f"systemd sandbox: {error}")
        setenv = self.systemctl("set-environment", *(f"{k}={v}" for k, v in AWS_TEST_ENVIRONMENT.items()))
        if setenv.returncode != 0:
            self.close()
            pytest.fail(f"systemctl set-environment failed: {setenv.stderr}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.box.close()

    def exec(self, *args) -> subprocess.CompletedProcess:
        return self.box.exec(*args)

    def systemctl(self, *args) -> subprocess.CompletedProcess:
        return self.exec("systemctl", *args)

    def show(self, unit: str, *properties) -> dict:
        out = self.systemctl("show", unit, *(f"--property={p}" for p in properties)).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def journal(self, unit: str, *matches) -> list:
        out = self.exec("journalctl", "-u", unit, "--no-pager", "-o", "json", *matches).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def wait_for(self, predicate, timeout: float = 30, interval: float = 0.2):
        return wait_for(predicate, timeout, interval)


def message_text(entry: dict) -> str:
    message = entry.get("MESSAGE", "")
    # journalctl -o json gives non-UTF-8 or binary messages as byte arrays.
    return bytes(message).decode(errors="replace") if isinstance(message, list) else message


# ---------------------------------------------------------------------------------------------
# loopback peers

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")
            time.sleep(0.05)


class Moto:
    """A moto server on 127.0.0.1; `stop()` kills it."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "python"), str(PEERS / "moto_transactions.py"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(self.port)
        except Exception:
            self.stop()
            raise

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


class StreamProxy:
    """Tests/peers/stream_proxy.py in front of `upstream` for `table` (one shard unless told);
    `control()` arms faults, `stop()` kills it."""

    def __init__(self, upstream: str, table: str, *extra: str):
        self.proc = subprocess.Popen(
            [sys.executable, str(PEERS / "stream_proxy.py"), "--upstream", upstream, "--port", "0",
             "--table", table, "--shards", "1", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"stream proxy did not start: {line!r}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def _request(self, path: str, body=None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method="POST" if data else "GET")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def control(self, **body) -> dict:
        answer = self._request("/__proxy/control", body)
        assert answer.get("ok"), answer
        return answer

    def stats(self) -> dict:
        return self._request("/__proxy/stats")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


def peer_tool(script: str, *args: str, timeout: float = 300) -> str:
    """Runs a Tests/peers tool with this Python and returns its stdout (fails the test on error)."""
    env = dict(os.environ, **AWS_TEST_ENVIRONMENT)
    result = run([sys.executable, str(PEERS / script), *args], env=env, cwd=PEERS, timeout=timeout)
    if result.returncode != 0:
        pytest.fail(f"{script} {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result.stdout


def daemon_config(endpoint: str, table: str, **consumer) -> str:
    """A config for the daemon in the sandbox. No spool or status socket paths: under the unit
    they default to the StateDirectory and RuntimeDirectory."""
    settings = {"starting_position": '"TRIM_HORIZON"', "batching_window_seconds": "1", "idle_poll_seconds": "0.5"}
    settings.update({key: str(value) for key, value in consumer.items()})
    lines = "\n".join(f"{key} = {value}" for key, value in settings.items())
    return (
        f'[aws]\nregion = "us-east-1"\nendpoint = "{endpoint}"\n\n[table]\nname = "{table}"\n\n'
        f"[consumer]\n{lines}\n"
    )
