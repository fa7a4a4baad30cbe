"""What the tests read back from a stream endpoint: every record of every shard (raw DynamoDB
JSON), and the lease table's view of how far the daemons got."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
from zl_common import raw_streams_call  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Streams


@dataclass
class Shard:
    shard_id: str
    parent: str | None
    closed: bool
    records: list = field(default_factory=list)

    @property
    def last_sequence(self) -> int | None:
        return int(self.records[-1]["dynamodb"]["SequenceNumber"]) if self.records else None


@dataclass
class StreamDump:
    shards: list[Shard]

    @property
    def records(self) -> list:
        """Every record, shard by shard in creation order (parents first), so the records of one
        item keep their order."""
        return [r for s in self.shards for r in s.records]

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps({"Records": self.records}))
        return path


def stream_arn(endpoint: str, table: str) -> str:
    import boto3

    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    return ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]


def read_stream(endpoint: str, table: str) -> StreamDump:
    """Every record of every shard, raw DynamoDB JSON, read with fresh TRIM_HORIZON iterators
    (so moto's stale-iterator quirk cannot hide records). An open shard is read until an empty
    page."""
    arn = stream_arn(endpoint, table)
    shards, start = [], None
    while True:
        body = {"StreamArn": arn, **({"ExclusiveStartShardId": start} if start else {})}
        description = json.loads(raw_streams_call(endpoint, "DescribeStream", body))["StreamDescription"]
        for s in description["Shards"]:
            closed = "EndingSequenceNumber" in s.get("SequenceNumberRange", {})
            shards.append(Shard(s["ShardId"], s.get("ParentShardId"), closed))
        start = description.get("LastEvaluatedShardId")
        if not start:
            break
    for shard in shards:
        iterator = json.loads(raw_streams_call(endpoint, "GetShardIterator", {
            "StreamArn": arn, "ShardId": shard.shard_id, "ShardIteratorType": "TRIM_HORIZON"}))["ShardIterator"]
        while iterator:
            page = json.loads(raw_streams_call(endpoint, "GetRecords", {"ShardIterator": iterator, "Limit": 1000}))
            shard.records.extend(page.get("Records", []))
            if not page.get("Records") and not shard.closed:
                break
            iterator = page.get("NextShardIterator")
    return StreamDump(shards)


# ---------------------------------------------------------------------------------------------
# Lease table


def scan(endpoint: str, table: str) -> list[dict]:
    import boto3

    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    items, kwargs = [], {"TableName": table, "ConsistentRead": True}
    while True:
        page = ddb.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def lagging_shards(endpoint: str, lease_table: str, stream: StreamDump) -> list[str]:
    """Shards whose records are not all covered by the lease table (empty: caught up). A shard
    is covered when its lease is at SHARD_END or every lane checkpoint of it is at or past the
    shard's last record. Records covered are applied: the checkpoint only ever moves with (or
    after) the writes of the records it passes."""
    items = scan(endpoint, lease_table)
    leases = {i["leaseKey"]["S"]: i for i in items if "laneOf" not in i and "heartbeatOf" not in i}
    lanes: dict[str, list[dict]] = {}
    for item in items:
        if "laneOf" in item:
            lanes.setdefault(item["laneOf"]["S"], []).append(item)
    behind = []
    for shard in stream.shards:
        if shard.last_sequence is None:
            continue
        lease = leases.get(shard.shard_id)
        if lease and lease.get("checkpoint", {}).get("S") == "SHARD_END":
            continue
        marks = [lane.get("laneCheckpoint", {}).get("S") for lane in lanes.get(shard.shard_id, [])]
        if not marks or any(m is None or int(m) < shard.last_sequence for m in marks):
            behind.append(shard.shard_id)
    return behind
