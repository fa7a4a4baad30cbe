"""The Lambda's bucket duties in the daemon process, under real zae-limiter 0.17.0 traffic.

One test (issue 12): the daemon (duties on, the defaults) consumes the stream of a zae-limiter
table behind the stream proxy (one virtual shard), as in test_cluster.py.

1. Snapshot parity with duties on: the cluster traffic of test_cluster.py runs while the daemon
   is live. The duties' own writes (refill, doubling, clamps) come back through the stream as
   MODIFYs of bucket items that change no `tc`: they must change no snapshot. The reference is
   zae-limiter's own `process_stream_records` (zl_oracle.py) over every record moto streamed,
   the duties' records included, so the daemon's snapshot items equal the reference's only if
   those records added nothing (nor moved anything to another window). The reference table gets
   no bucket items (`prepare_reference` says why): the reference's duties do nothing there.
2. A live doubling: with the daemon paused (SIGSTOP), one entity's bucket takes ~820 acquire
   writes, each spending one token of the reserved `wcu` limit (capacity 1000, nobody refills
   it on the fast path), until shard 0's `wcu` balance is under 20 % of capacity; the daemon
   resumes and its proactive doubling sets shard 0's `shard_count` 1 -> 2. That write comes back
   through the stream; once the daemon has checkpointed the batch holding it, every shard item
   of the bucket (the propagation pre-creates shard 1) carries shard 0's count, and no shard's
   tokens exceed its new ceiling (`cp // shard_count`, `cp` for `wcu`): the refill of that same
   batch clamps shard 0, and a clone starts at its share.

Why the client's clock runs AHEAD seconds ahead, and why the doubling is turned off once it
fired: `try_proactive_shard` projects the `wcu` balance from `rf` to the batch's `now` (1 token
per ms); with `rf` ahead of `now` the projection adds nothing and the doubling fires whatever the
machine's load (on a hot partition `rf` is always recent). But the doubling's own MODIFY still
carries the low balance, so the next batch would double again, 2 -> 4 -> ... -> 32, as the Lambda
would on such records (its cap is the only brake). To observe one doubling and its batch, the
test turns `duties.proactive_shard` off by a configuration reload (SIGHUP) as soon as it sees
shard 0 doubled; the batch holding the doubling's MODIFY is due a batching window (WINDOW s)
after that record arrives, so the reload is in force by then. The test asserts shard 0 was
doubled exactly once.

Checks read moto directly; traffic and the daemon go through the proxy. ZAEL_KEEP_LOGS=1 keeps
the daemon's logs. The traffic is deterministic (no random choices), so there is no seed.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time

import pytest

import cluster_harness as h
import zl_common

pytestmark = pytest.mark.skipif(not h.binary().exists(), reason=f"no daemon binary at {h.binary()}")

# Seconds: the daemon's batching window, and how far ahead of real time the hot client's clock runs.
WINDOW = 10
AHEAD = 600.0
HOT_ENTITY, HOT_RESOURCE = "hot-1", "gpt-4"
# Stop the hot traffic once shard 0's wcu balance is under this (millitokens; the doubling
# threshold is 20 % of 1_000_000).
STOP_BELOW = 180_000


def bucket_shards(cluster: h.Cluster, entity: str, resource: str) -> dict:
    """shard number -> `#STATE` item of every shard of the bucket, read from moto."""
    from zae_limiter import schema

    shards = {}
    for item in zl_common.scan_all(cluster.moto.url, cluster.table):
        pk = item["PK"]["S"]
        if item["SK"]["S"] != schema.sk_state() or "/BUCKET#" not in pk:
            continue
        _, ent, res, shard = schema.parse_bucket_pk(pk)
        if (ent, res) == (entity, resource):
            shards[shard] = item
    return shards


def limits(item: dict) -> dict:
    """limit name -> {field: int} of a bucket item's `b_{limit}_{field}` numbers."""
    from zae_limiter import schema

    out: dict = {}
    for name, value in item.items():
        parsed = schema.parse_bucket_attr(name)
        if parsed is not None and "N" in value:
            out.setdefault(parsed[0], {})[parsed[1]] = int(value["N"])
    return out


def over_ceiling(shards: dict) -> list:
    """(shard, limit, tokens, ceiling) for every limit holding more than its ceiling."""
    found = []
    for shard, item in shards.items():
        count = int(item["shard_count"]["N"])
        for name, fields in limits(item).items():
            ceiling = fields["cp"] if name == "wcu" else fields["cp"] // count
            if fields["tk"] > ceiling:
                found.append((shard, name, fields["tk"], ceiling))
    return found


def applied_through(cluster: h.Cluster) -> int:
    """The highest sequence number checkpointed on the (one) virtual shard: the lane checkpoint
    of an exactly-once lane, or the lease's own checkpoint."""
    best = 0
    for item in cluster.lease_items():
        for attribute in ("laneCheckpoint", "checkpoint"):
            text = item.get(attribute, {}).get("S", "")
            if text.isdigit():
                best = max(best, int(text))
    return best


def stream_records(cluster: h.Cluster) -> list:
    """The virtual stream as the daemon reads it (proxy sequence numbers), once it holds every
    record moto has."""
    cluster.synced_records()
    return zl_common.read_stream(cluster.proxy.url, cluster.arn)


def drive_hot_bucket(cluster: h.Cluster) -> int:
    """Real acquire() calls on one bucket until shard 0's wcu balance is under STOP_BELOW;
    returns how many."""
    from zae_limiter import SyncRateLimiter, SyncRepository

    repo = SyncRepository.open(namespace="default", stack=cluster.table, endpoint_url=cluster.proxy.url,
                               region="us-east-1", auto_update=False)
    repo._now_ms = lambda: int(time.time() * 1000 + AHEAD * 1000)  # zae-limiter's clock seam
    limiter = SyncRateLimiter(repository=repo)
    limiter.create_entity(HOT_ENTITY)
    calls = 0
    while True:
        with limiter.acquire(HOT_ENTITY, HOT_RESOURCE, {"rpm": 1, "tpm": 3}):
            pass
        calls += 1
        if calls >= 760 and calls % 10 == 0:
            shard0 = bucket_shards(cluster, HOT_ENTITY, HOT_RESOURCE)[0]
            if int(shard0["b_wcu_tk"]["N"]) < STOP_BELOW:
                return calls
        # The client doubles by itself when wcu runs out (1000 writes): stop well before.
        assert calls < 950, "shard 0's wcu balance did not fall as expected"


def prepare_reference(cluster: h.Cluster) -> None:
    """The reference table, as `Cluster.reference` would make it, but without the bucket
    (`#STATE`) items.

    Bucket items matter to the reference only for the Lambda's own duties, which write no
    snapshot. With the hot bucket's items copied, the reference's proactive doubling would find
    shard 0's `wcu` low with `rf` AHEAD seconds ahead and double it on every batch up to 32, each
    step cloning shards in moto transactions (minutes on a loaded machine); without them its
    conditional duty writes find no item and change nothing, while its snapshots are the same."""
    cluster.reference_table = cluster.table + "-ref"
    zl_common.create_table(cluster.proxy.url, cluster.reference_table, stream=False)
    ref = h.boto3.client("dynamodb", endpoint_url=cluster.proxy.url, **h.CLIENT_KW)
    for item in zl_common.scan_all(cluster.moto.url, cluster.table):
        sort_key = item.get("SK", {}).get("S", "")
        if not sort_key.startswith("#USAGE#") and sort_key != "#STATE":
            ref.put_item(TableName=cluster.reference_table, Item=item)


def run_reference(cluster: h.Cluster, records: list) -> None:
    """`Cluster.reference`, straight to moto (the reference table has no stream to fence) and
    with room for the Lambda's one UpdateItem per delta and window of ~820 hot records on a
    loaded machine (its 120 s were not enough)."""
    path = h.Path(cluster.dir) / "records-reference.json"
    path.write_text(json.dumps({"Records": records}))
    out = subprocess.run([h.sys.executable, str(h.PEERS / "zl_oracle.py"), "run", "--endpoint", cluster.moto.url,
                          "--records", str(path), "--table", cluster.reference_table],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["errors"] == [], result


def is_duty_write(record: dict) -> bool:
    """A MODIFY of a bucket item that changes no consumption counter (`b_*_tc`)."""
    if record["eventName"] != "MODIFY" or record["dynamodb"]["Keys"]["SK"]["S"] != "#STATE":
        return False
    new, old = record["dynamodb"].get("NewImage", {}), record["dynamodb"].get("OldImage", {})
    counters = {k for k in set(new) | set(old) if k.startswith("b_") and k.endswith("_tc")}
    return all(new.get(k) == old.get(k) for k in counters)


def test_live_doubling_reaches_every_shard_within_one_batch_and_snapshots_stay_equal(make_cluster):
    started = time.monotonic()
    cluster = make_cluster("--shards", "1")
    cluster.create_table()
    daemon = cluster.daemon("duties", consumer__batch_size=1000, consumer__batching_window_seconds=WINDOW,
                            consumer__http_timeout_seconds=60, leases__failover_time_seconds=30)
    traffic = cluster.traffic(rounds=4, users=8)
    daemon.start()
    traffic.join()

    # The daemon catches up with the cluster traffic, then pauses for the hot bucket's.
    last = int(stream_records(cluster)[-1]["dynamodb"]["SequenceNumber"])
    h.wait_for(lambda: applied_through(cluster) >= last, 3 * WINDOW + 60, interval=0.3,
               what="the daemon to checkpoint the cluster traffic")
    daemon.signal(signal.SIGSTOP)
    try:
        calls = drive_hot_bucket(cluster)
        hot_done = time.monotonic()
        before = bucket_shards(cluster, HOT_ENTITY, HOT_RESOURCE)
    finally:
        daemon.signal(signal.SIGCONT)
    assert list(before) == [0] and before[0]["shard_count"]["N"] == "1", before.keys()
    assert limits(before[0])["rpm"]["tk"] > limits(before[0])["rpm"]["cp"] // 2  # the clamp is needed

    # The doubling, then the batch that holds its MODIFY.
    def doubled():
        item = bucket_shards(cluster, HOT_ENTITY, HOT_RESOURCE).get(0)
        return item if int(item["shard_count"]["N"]) > 1 else None
    h.wait_for(doubled, 240, interval=0.05, what="the daemon's proactive doubling of shard 0")
    doubled_after = time.monotonic() - hot_done
    daemon.config.write_text(daemon.config.read_text().replace("[duties]\n", "[duties]\nproactive_shard = false\n"))
    daemon.signal(signal.SIGHUP)
    h.wait_for(lambda: any(line.get("message") == "reload applied" for line in daemon.log_lines()), 20,
               interval=0.05, what="the reload turning the doubling off")
    shard0_pk = before[0]["PK"]["S"]

    def doubling_record():
        for record in stream_records(cluster):
            data = record["dynamodb"]
            if (record["eventName"] == "MODIFY" and data["Keys"]["PK"]["S"] == shard0_pk
                    and data["OldImage"].get("shard_count", {}).get("N") == "1"
                    and data["NewImage"].get("shard_count", {}).get("N") == "2"):
                return record
        return None
    record = h.wait_for(doubling_record, 30, interval=0.2, what="the doubling's MODIFY in the stream")
    sequence = int(record["dynamodb"]["SequenceNumber"])

    h.wait_for(lambda: applied_through(cluster) >= sequence, 3 * WINDOW + 180, interval=0.05,
               what="the daemon to checkpoint the batch holding the doubling's MODIFY")
    seen = time.monotonic()
    shards = bucket_shards(cluster, HOT_ENTITY, HOT_RESOURCE)
    looked = time.monotonic() - seen
    # The next batch (the refill's and the propagation's own records) is due a window later:
    # what was read is the state that batch's checkpoint left.
    assert looked < WINDOW / 2, looked
    counts = {shard: int(item["shard_count"]["N"]) for shard, item in shards.items()}
    assert counts[0] == 2, f"shard 0 was doubled again ({counts}) before the reload was in force"
    assert counts == {0: 2, 1: 2}, counts
    assert over_ceiling(shards) == []
    assert limits(shards[0])["rpm"]["tk"] <= limits(shards[0])["rpm"]["cp"] // 2

    # Status socket: the duties' counters, equal to the metrics page's.
    status = daemon.status()
    duties = {row["duty"]: row for row in status["duties"]}
    assert list(duties) == ["refill", "proactive_shard", "shard_count_propagation", "audit_archival"]
    samples = daemon.metrics()
    for name in ("refill", "proactive_shard", "shard_count_propagation"):
        row = duties[name]
        assert row["enabled"] is (name != "proactive_shard")  # turned off by the reload
        assert row["written"] == h.metric(samples, "zael_duty_writes_total", duty=name), (name, row)
        assert row["skippedByCondition"] == h.metric(samples, "zael_duty_condition_failures_total", duty=name)
        assert row["errors"] == 0, (name, row)
    assert duties["proactive_shard"]["written"] == 1
    assert duties["shard_count_propagation"]["written"] >= 1  # the clone of shard 1
    assert duties["refill"]["written"] >= 1  # the clamp of shard 0
    assert duties["audit_archival"]["enabled"] is False
    text = subprocess.run([str(h.binary()), "status", "--socket", str(daemon.socket)], capture_output=True,
                          text=True, timeout=20)
    assert text.returncode == 0, text.stderr
    assert re.search(r"^proactive_shard\s+no\s+1\s+\d+\s+0\s", text.stdout, re.M), text.stdout

    # Parity: every record moto streamed, the duties' own included, through the reference.
    records = cluster.synced_records()
    duty_records = [r for r in records if is_duty_write(r)]
    assert any(r["dynamodb"]["Keys"]["PK"]["S"] == shard0_pk for r in duty_records)
    prepare_reference(cluster)
    run_reference(cluster, records)
    cluster.wait_equal_to_reference(120)
    cluster.assert_dump_equals_reference()
    assert daemon.spooled() == ""
    assert daemon.stop() == 0
    h.report("duties live", records=len(records), duty_records=len(duty_records), hot_calls=calls,
           doubled_after_resume_s=round(doubled_after, 2), read_after_checkpoint_s=round(looked, 3),
           duty_writes={k: v["written"] for k, v in duties.items()},
           seconds=round(time.monotonic() - started, 1))
