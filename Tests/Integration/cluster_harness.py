"""Real processes for the cluster tests: a moto server, the stream proxy in front of it, real
zae-limiter traffic through the proxy, zael-aggregator daemons with generated configurations,
and the reference (zae-limiter's own Lambda processor) on the same records.

Everything runs on 127.0.0.1. Every process started here is killed by `Cluster.close()`.
Reads the tests make for their checks (lease table, snapshot items) go to moto directly, so
faults armed on the proxy never hit them; every write to the streamed table goes through the
proxy (docs/testing.md: moto's rolled-back transactions must be fenced from the stream).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import boto3
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
PEERS = REPO / "Tests" / "peers"
sys.path.insert(0, str(PEERS))

import zl_common  # noqa: E402

from cluster_traffic import Traffic  # noqa: E402

BIN = Path(sys.executable).parent
CLIENT_KW = dict(region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing",
                 config=Config(retries={"total_max_attempts": 3}))
DAEMON_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
              "AWS_EC2_METADATA_DISABLED": "true"}


def binary() -> Path:
    return Path(os.environ.get("ZAEL_BINARY", REPO / ".build" / "release" / "zael-aggregator"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def parse_prometheus(text: str) -> dict:
    """{(name, frozenset(labels)): value} for every sample line."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)', line)
        if not m:
            continue
        labels = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        samples[(m.group(1), labels)] = float(m.group(4))
    return samples


def metric(samples: dict, name: str, **labels) -> float:
    """The sum of `name` over samples whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


class Moto:
    def __init__(self, script: str | None = None):
        """moto_transactions.py, or another moto peer script taking the same arguments (e.g.
        moto_stream_toggle.py)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, str(PEERS / (script or "moto_transactions.py"))]
        self.proc = subprocess.Popen(command + ["-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(self._listening, 30, what="moto")
        except BaseException:
            self.proc.kill()
            raise

    def _listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            return True
        except OSError:
            return False


class Proxy:
    def __init__(self, upstream: str, table: str, *extra: str):
        self.proc = subprocess.Popen(
            [sys.executable, str(PEERS / "stream_proxy.py"), "--upstream", upstream, "--port", "0",
             "--table", table, *extra], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            self.proc.kill()
            raise RuntimeError(f"stream proxy did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def control(self, **spec) -> dict:
        req = urllib.request.Request(self.url + "/__proxy/control", json.dumps(spec).encode(),
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=30) as resp:
            return json.load(resp)

    def shards(self) -> list:
        return self.get("/__proxy/shards")["shards"]


class Daemon:
    """One zael-aggregator process with its own configuration, logs, status socket and metrics."""

    def __init__(self, cluster: "Cluster", worker: str, env: dict | None = None, **settings):
        self.cluster = cluster
        self.worker = worker
        # Extra environment, e.g. its own AWS_ACCESS_KEY_ID so proxy faults can target it alone.
        self.env = env or {}
        self.dir = Path(tempfile.mkdtemp(prefix=f"zc-{worker}-", dir=cluster.dir))
        self.metrics_port = free_port()
        self.socket = self.dir / "s.sock"
        self.spool = self.dir / "failed.jsonl"
        self.log_path = self.dir / "daemon.log"
        self.config = self.dir / "config.toml"
        consumer = {"starting_position": '"TRIM_HORIZON"', "batching_window_seconds": 1,
                    "idle_poll_seconds": 0.2, "max_retry_attempts": 20, "on_failure_spool": f'"{self.spool}"'}
        leases = {"worker_id": f'"{worker}"', "failover_time_seconds": 10, "shard_sync_interval_seconds": 5}
        aggregation, duties = {}, {}
        for key, value in settings.items():
            section, name = key.split("__")
            {"consumer": consumer, "leases": leases, "aggregation": aggregation, "duties": duties}[section][name] = value
        lines = ["[aws]", 'region = "us-east-1"', f'endpoint = "{cluster.proxy.url}"',
                 "[table]", f'name = "{cluster.table}"', "[leases]"]
        lines += [f"{k} = {v}" for k, v in leases.items()]
        lines += ["[consumer]"] + [f"{k} = {v}" for k, v in consumer.items()]
        lines += ["[aggregation]"] + [f"{k} = {v}" for k, v in aggregation.items()]
        lines += ["[duties]"] + [f"{k} = {v}" for k, v in duties.items()]
        lines += ["[logging]", 'format = "json"', "[status]", f'socket = "{self.socket}"',
                  "[metrics]", f'listen = "127.0.0.1:{self.metrics_port}"']
        self.config.write_text("\n".join(lines) + "\n")
        self.proc = None

    def start(self) -> "Daemon":
        env = dict(os.environ)
        env.update(DAEMON_ENV)
        env.update(self.env)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(binary()), "run", "--config", str(self.config)], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.started = time.monotonic()
        wait_for(lambda: self.alive() and self.socket.exists(), 30, what=f"{self.worker} status socket")
        return self

    def alive(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.worker} exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
        return True

    def signal(self, sig) -> None:
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 30) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def metrics(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10) as resp:
            return parse_prometheus(resp.read().decode())

    def status(self) -> dict:
        out = subprocess.run([str(binary()), "status", "--socket", str(self.socket), "--json"],
                             capture_output=True, text=True, timeout=20)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    def held(self) -> list[str]:
        """The shards its status socket reports as held (not ended or lost)."""
        return sorted(s["shardId"] for s in self.status()["shards"]
                      if s["state"] not in ("notOwned", "ended", "lease-lost", "shutting-down"))

    def threads(self) -> int:
        """The process's thread count now (/proc)."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_lines(self) -> list:
        lines = []
        for line in self.log_text().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
        return lines

    def first_log_time(self, message: str) -> float:
        """The wall-clock time (epoch seconds) of the first log line with `message`."""
        from datetime import datetime
        stamp = next(line["timestamp"] for line in self.log_lines() if line["message"] == message)
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()

    def spooled(self) -> str:
        return self.spool.read_text() if self.spool.exists() else ""


class Cluster:
    """moto + stream proxy + daemons for one zae-limiter table."""

    def __init__(self, *proxy_args: str, moto_script: str | None = None):
        if not binary().exists():
            raise FileNotFoundError(f"no daemon binary at {binary()} (build it or set ZAEL_BINARY)")
        self.dir = tempfile.mkdtemp(prefix="zcl")
        self.daemons: list[Daemon] = []
        self.moto = None
        self.proxy = None
        self.table = "zl" + uuid.uuid4().hex[:10]
        self.lease_table = f"{self.table}-zael-leases"
        try:
            self.moto = Moto(moto_script)
            self.proxy = Proxy(self.moto.url, self.table, *proxy_args)
        except BaseException:  # never leave moto running behind a failed setup
            self.close()
            raise
        # Checks read moto directly (no injected faults); writes go through the proxy.
        self.ddb = boto3.client("dynamodb", endpoint_url=self.moto.url, **CLIENT_KW)
        self.arn = None
        self.reference_table = None

    def close(self) -> None:
        for daemon in self.daemons:
            daemon.kill()
        for proc in (self.proxy and self.proxy.proc, self.moto and self.moto.proc):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
        if os.environ.get("ZAEL_KEEP_LOGS"):
            print(f"cluster logs kept in {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def daemon(self, worker: str, env: dict | None = None, **settings) -> Daemon:
        self.daemons.append(Daemon(self, worker, env, **settings))
        return self.daemons[-1]

    # Traffic ---------------------------------------------------------------------------------

    def create_table(self) -> None:
        zl_common.setup_environment(self.proxy.url)
        self.arn = zl_common.create_table(self.proxy.url, self.table)["LatestStreamArn"]

    def traffic(self, rounds: int, users: int = 12, seed: int = 0) -> "Traffic":
        """Starts real zae-limiter traffic through the proxy in a background thread; returns once
        zae-limiter wrote its version record (which the daemon checks at start-up)."""
        traffic = Traffic(self, rounds, users, seed)
        key = {"PK": {"S": "_/SYSTEM#"}, "SK": {"S": "#VERSION"}}
        wait_for(lambda: traffic.done.is_set() or "Item" in self.ddb.get_item(TableName=self.table, Key=key),
                 60, what="zae-limiter's version record")
        return traffic

    def moto_records(self) -> list:
        """The streamed table's records as moto holds them: the ground truth, in write order."""
        return zl_common.read_stream(self.moto.url, self.arn)

    def synced_records(self) -> list:
        """moto's records once the proxy's virtual stream holds every one of them."""
        def settled():
            self.proxy.control(action="sync")
            records = self.moto_records()
            return records if self.proxy.get("/__proxy/stats")["records"] == len(records) else None
        return wait_for(settled, 30, interval=0.3, what="the proxy to copy moto's stream")

    # Reference -------------------------------------------------------------------------------

    def reference(self, records: list) -> None:
        """Runs zae-limiter's own processor on `records` into the reference table (made on first
        use as a copy of the streamed table's non-usage items)."""
        if self.reference_table is None:
            self.reference_table = self.table + "-ref"
            zl_common.create_table(self.proxy.url, self.reference_table, stream=False)
            ref = boto3.client("dynamodb", endpoint_url=self.proxy.url, **CLIENT_KW)
            for item in zl_common.scan_all(self.moto.url, self.table):
                if not item.get("SK", {}).get("S", "").startswith("#USAGE#"):
                    ref.put_item(TableName=self.reference_table, Item=item)
        path = Path(self.dir) / f"records-{uuid.uuid4().hex[:6]}.json"
        path.write_text(json.dumps({"Records": records}))
        out = subprocess.run([sys.executable, str(PEERS / "zl_oracle.py"), "run", "--endpoint", self.proxy.url,
                              "--records", str(path), "--table", self.reference_table],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout.strip().splitlines()[-1])
        assert result["errors"] == [], result

    def usage_items(self, table: str) -> list:
        items = [i for i in zl_common.scan_all(self.moto.url, table)
                 if i.get("SK", {}).get("S", "").startswith("#USAGE#")]
        for item in items:
            if "ttl" in item:
                item["ttl"] = {"S": "present"}
        return sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))

    def wait_equal_to_reference(self, timeout: float) -> float:
        """Waits until the daemons' usage items equal the reference's; returns when (monotonic)."""
        want = self.usage_items(self.reference_table)
        assert want, "the reference wrote no usage items"
        last = []

        def equal():
            last[:] = self.usage_items(self.table)
            return last == want
        try:
            wait_for(equal, timeout, interval=0.3, what="the snapshot items to equal the reference")
        except AssertionError:
            ours = {(i["PK"]["S"], i["SK"]["S"]): i for i in last}
            theirs = {(i["PK"]["S"], i["SK"]["S"]): i for i in want}
            diff = [k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k)]
            raise AssertionError(f"{len(diff)} of {len(theirs)} usage items differ, e.g. "
                                 f"{[(k, ours.get(k), theirs.get(k)) for k in sorted(diff)[:2]]}")
        return time.monotonic()

    def dump(self, table: str) -> dict:
        """zl_dump_items.py: the raw items and zae-limiter's own snapshot and summary reads."""
        out = subprocess.run([sys.executable, str(PEERS / "zl_dump_items.py"), "--endpoint", self.moto.url,
                              "--table", table], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    def assert_dump_equals_reference(self) -> None:
        ours, theirs = self.dump(self.table), self.dump(self.reference_table)
        assert ours["items"], "no usage items"
        assert ours == theirs

    # Lease table -----------------------------------------------------------------------------

    def lease_items(self) -> list:
        try:
            return zl_common.scan_all(self.moto.url, self.lease_table)
        except self.ddb.exceptions.ResourceNotFoundException:
            return []

    def leases(self) -> dict:
        """shardId -> lease item (lane items and heartbeats left out)."""
        return {i["leaseKey"]["S"]: i for i in self.lease_items() if "laneOf" not in i and "heartbeatOf" not in i}

    def heartbeats(self) -> dict:
        """worker id -> its heartbeat counter."""
        return {i["heartbeatOf"]["S"]: int(i["workerHeartbeat"]["N"]) for i in self.lease_items() if "heartbeatOf" in i}


def owner(item: dict) -> str | None:
    return item.get("leaseOwner", {}).get("S") or None


def checkpoint(item: dict) -> str:
    return item.get("checkpoint", {}).get("S", "")


def report(name: str, **numbers) -> None:
    """Measured numbers, printed for the log (pytest -s) and the report."""
    print(f"\nMEASURED {name}: " + json.dumps(numbers, sort_keys=True))
