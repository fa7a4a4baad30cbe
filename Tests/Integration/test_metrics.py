"""The daemon's metrics, EMF lines and status totals, end to end.

The daemon binary (ZAEL_BINARY) runs against a loopback moto server after real zae-limiter
traffic (Tests/peers/zl_traffic.py). The Prometheus page (metrics.listen) is scraped over
loopback and parsed with prometheus_client's own parser; the expected record count comes from
the stream itself (the records zl_traffic dumped, put through zae-limiter's filter criteria);
`zael-aggregator status --json` is read over the status socket; the EMF file is read after a
graceful stop.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[2]
PEERS = REPO / "Tests" / "peers"
BINARY = Path(os.environ.get("ZAEL_BINARY", REPO / ".build" / "release" / "zael-aggregator"))
TABLE = "zl-metrics"



def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def daemon_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def stop(process, sig=signal.SIGKILL):
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def moto():
    port = free_port()
    moto = Path(__file__).resolve().parents[1] / "peers" / "moto_transactions.py"
    process = subprocess.Popen(
        [sys.executable, str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"

        def up():
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).read()
                return True
            except OSError:
                return False

        wait_for(up, 30, "moto")
        yield endpoint
    finally:
        stop(process)


def accepted_by_filter(record):
    """zae-limiter's filter criteria for usage snapshots (MODIFY of bucket items)."""
    if record.get("eventName") != "MODIFY":
        return False
    sort_key = record.get("dynamodb", {}).get("NewImage", {}).get("SK", {}).get("S")
    return sort_key is not None and (sort_key == "#STATE" or sort_key.startswith("#BUCKET#"))


@pytest.fixture(scope="module")
def traffic(moto, tmp_path_factory):
    out = tmp_path_factory.mktemp("traffic") / "records.json"
    subprocess.run(
        [sys.executable, str(PEERS / "zl_traffic.py"), "--endpoint", moto, "--table", TABLE, "--out", str(out),
         "--rounds", "12"],
        check=True, capture_output=True, timeout=300,
    )
    records = json.loads(out.read_text())["Records"]
    expected = sum(1 for r in records if accepted_by_filter(r))
    assert expected > 0, "zl_traffic produced no bucket MODIFY records"
    return {"records": records, "expected": expected}


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200
        text = response.read().decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    samples = {}
    for family in families.values():
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return text, families, samples


def total(samples, name):
    return sum(s.value for s in samples.get(name, []))


def status_json(socket_path):
    result = subprocess.run(
        [str(BINARY), "status", "--socket", str(socket_path), "--json"],
        env=daemon_environment(), capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def documented_metric_names():
    """Every `zael_…` name in the operations guide's metric table."""
    guide = (REPO / "docs" / "operations.md").read_text()
    section = guide.split("### Metrics", 1)[1].split("Suggested alerts", 1)[0]
    return set(re.findall(r"`(zael_[a-z_]+)`", section))


def start_daemon(endpoint, table, work):
    """Starts the daemon on `table` via `endpoint`; returns its process, metrics port and paths."""
    metrics_port = free_port()
    paths = {
        "socket": work / "status.sock",
        "emf": work / "metrics.emf.log",
        "spool": work / "failed.jsonl",
        "log": work / "daemon.log",
    }
    config = work / "zael.toml"
    config.write_text(
        f"""[aws]
region = "us-east-1"
endpoint = "{endpoint}"
[table]
name = "{table}"
[consumer]
starting_position = "TRIM_HORIZON"
batching_window_seconds = 1
on_failure_spool = "{paths['spool']}"
[duties]
# The duties' own bucket writes come back through the stream as bucket MODIFYs; these tests count
# zl_traffic's records exactly, so the daemon keeps to the snapshots here (the duties' metrics are
# tested with the duties).
refill = false
proactive_shard = false
propagate_shard_count = false
[logging]
format = "text"
[status]
socket = "{paths['socket']}"
[metrics]
listen = "127.0.0.1:{metrics_port}"
emf_file = "{paths['emf']}"
"""
    )
    with open(paths["log"], "w") as log:
        process = subprocess.Popen(
            [str(BINARY), "run", "--config", str(config)], env=daemon_environment(), stdout=log,
            stderr=subprocess.STDOUT,
        )
    return {"process": process, "port": metrics_port, "paths": paths}


def wait_caught_up(daemon, expected, timeout=120):
    """Waits until the page shows `expected` records processed and an iterator age near 0."""
    process, paths = daemon["process"], daemon["paths"]

    def caught_up():
        if process.poll() is not None:
            raise AssertionError(f"daemon exited {process.returncode}: {paths['log'].read_text()[-3000:]}")
        try:
            _, _, samples = scrape(daemon["port"])
        except OSError:
            return None
        done = total(samples, "zael_records_processed_total") >= expected
        ages = [s.value for s in samples.get("zael_iterator_age_seconds", [])]
        return samples if done and ages and max(ages) < 5 else None

    wait_for(caught_up, timeout, "the daemon to process the stream")
    # One more batching window so nothing is in flight when values are compared.
    time.sleep(1.5)


@pytest.fixture(scope="module")
def run(moto, traffic, tmp_path_factory):
    """The daemon, caught up on the traffic; stopped (SIGTERM, then SIGKILL) at the end."""
    daemon = start_daemon(moto, TABLE, tmp_path_factory.mktemp("daemon"))
    try:
        wait_caught_up(daemon, traffic["expected"])
        yield daemon
    finally:
        stop(daemon["process"], signal.SIGTERM)
        stop(daemon["process"])


def test_page_has_the_documented_families_with_sane_values(run, traffic):
    text, families, samples = scrape(run["port"])
    assert text.endswith("\n")
    assert total(samples, "zael_records_processed_total") == traffic["expected"]
    ages = {s.labels["shard"]: s.value for s in samples["zael_iterator_age_seconds"]}
    assert len(ages) == 1 and 0 <= next(iter(ages.values())) < 5, ages
    assert total(samples, "zael_leases_owned") == 1
    assert total(samples, "zael_leases_taken_total") >= 1
    assert total(samples, "zael_snapshot_writes_total") > 0
    assert total(samples, "zael_write_requests_total") > 0
    batches = total(samples, "zael_batches_total")
    assert 0 < batches <= len(traffic["records"])
    assert families["zael_batch_duration_seconds"].type == "histogram"
    assert total(samples, "zael_batch_duration_seconds_count") == batches
    assert total(samples, "zael_getrecords_latency_seconds_count") > 0
    assert total(samples, "zael_credential_refreshes_total") >= 1
    assert total(samples, "zael_spooled_records_total") == 0
    # Every family on the page is one the operations guide documents (no engine-private names).
    exposed = {name for name in samples if name.startswith("zael_")}
    base = {re.sub(r"_(bucket|count|sum)$", "", n) if n.endswith(("_bucket", "_count", "_sum")) else n for n in exposed}
    undocumented = {n for n in base if n not in documented_metric_names()}
    assert not undocumented, f"undocumented metric names on the page: {sorted(undocumented)}"


def test_status_totals_match_the_page(run, traffic):
    status = status_json(run["paths"]["socket"])
    _, _, samples = scrape(run["port"])
    totals = status["totals"]
    assert totals["recordsProcessed"] == traffic["expected"]
    assert totals["recordsProcessed"] == total(samples, "zael_records_processed_total")
    assert totals["batches"] > 0 and totals["batches"] == total(samples, "zael_batches_total")
    assert totals["snapshotWrites"] > 0 and totals["snapshotWrites"] == total(samples, "zael_snapshot_writes_total")
    assert totals["errors"] == total(samples, "zael_errors_total")
    assert totals["retries"] == total(samples, "zael_retries_total")
    assert totals["leasesOwned"] == 1
    assert [s["owner"] for s in status["shards"]] == [status["workerId"]]


def test_emf_lines_after_a_graceful_stop(run, traffic):
    process = run["process"]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    lines = run["paths"]["emf"].read_text().splitlines()
    assert lines, "no EMF lines written"
    documents = [json.loads(line) for line in lines]
    for document in documents:
        directive = document["_aws"]["CloudWatchMetrics"][0]
        assert directive["Namespace"] == "ZaelAggregator"
        assert isinstance(document["_aws"]["Timestamp"], int)
        for metric in directive["Metrics"]:
            assert isinstance(document[metric["Name"]], (int, float))
        for dimension in directive["Dimensions"][0]:
            assert isinstance(document[dimension], str)
        assert document["StreamName"] == TABLE
    per_shard = [d for d in documents if "ShardId" in d]
    assert per_shard, "no per-shard IteratorAge line"
    assert all(0 <= d["IteratorAge"] < 5000 for d in per_shard)
    stream_lines = [d for d in documents if "ShardId" not in d]
    assert any("IteratorAge" in d for d in stream_lines)
    # The per-flush counts add up to what the run processed.
    assert sum(d["RecordsProcessed"] for d in stream_lines) == traffic["expected"]
    assert sum(d["SnapshotWrites"] for d in stream_lines) > 0
    assert sum(d["Batches"] for d in stream_lines) > 0


def test_throttles_are_counted_per_api(moto, tmp_path_factory):
    """Throttles injected by the stream proxy (the oracle: its own count of fired faults) show up
    as zael_throttles_total{api} and as retries, with the records still all processed."""
    table = "zl-throttled"
    proxy = subprocess.Popen(
        [sys.executable, str(PEERS / "stream_proxy.py"), "--upstream", moto, "--port", "0", "--table", table,
         "--shards", "1"],
        stdout=subprocess.PIPE, text=True,
    )
    daemon = None
    try:
        line = proxy.stdout.readline()
        assert line.startswith("READY "), line
        endpoint = f"http://127.0.0.1:{int(line.split()[1])}"

        def control(**spec):
            request = urllib.request.Request(
                endpoint + "/__proxy/control", json.dumps(spec).encode(), {"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)

        out = tmp_path_factory.mktemp("throttled") / "records.json"
        subprocess.run(
            # Straight to moto (the proxy forwards DynamoDB calls there and copies moto's stream).
            [sys.executable, str(PEERS / "zl_traffic.py"), "--endpoint", moto, "--table", table, "--out",
             str(out), "--rounds", "4"],
            check=True, capture_output=True, timeout=300,
        )
        expected = sum(1 for r in json.loads(out.read_text())["Records"] if accepted_by_filter(r))
        armed = {"DescribeStream": 1, "GetShardIterator": 1, "GetRecords": 3, "TransactWriteItems": 2}
        for api, count in armed.items():
            control(action="fault", api=api, kind="throttle", count=count)

        daemon = start_daemon(endpoint, table, tmp_path_factory.mktemp("throttled-daemon"))
        wait_caught_up(daemon, expected)
        with urllib.request.urlopen(endpoint + "/__proxy/stats", timeout=10) as response:
            fired = {api: kinds.get("throttle", 0) for api, kinds in json.load(response)["faults"].items()}
        assert fired == armed, fired

        _, _, samples = scrape(daemon["port"])
        counted = {s.labels["api"]: s.value for s in samples.get("zael_throttles_total", [])}
        assert counted == armed
        assert total(samples, "zael_retries_total") >= sum(armed.values())
        assert total(samples, "zael_records_processed_total") == expected
    finally:
        if daemon:
            stop(daemon["process"], signal.SIGTERM)
            stop(daemon["process"])
        stop(proxy, signal.SIGTERM)
