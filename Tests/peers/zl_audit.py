"""Audit archival peer: real zae-limiter 0.17.0 audit items on moto, and the Lambda's archiver
(zae_limiter_aggregator.archiver.archive_audit_events) as the reference.

Subcommands (moto endpoint in --endpoint; credentials from the environment):
  write --table T --out FILE --seed N
      Creates zae-limiter's table (stream on), writes audit events through zae-limiter's own
      repository (create_entity, set_limits, delete_entity and its audit writer with random
      details: non-ASCII text, nested maps and lists, ints and floats), then raw audit items with
      every attribute type, missing fields, no action, an un-namespaced AUDIT# key, and deletes
      every audit item (plus one non-audit item) so that the stream carries the REMOVEs. Writes
      {"Records": [...]} (every stream record, raw DynamoDB JSON as the Lambda gets it) to FILE and
      prints {"records", "removes", "api_events", "seed"}.
  reference --records FILE [--api-events N]
      Runs archive_audit_events on the REMOVE records of FILE with a capturing S3 client and
      prints {"key", "body_hex" (decompressed), "events_archived", "errors", "audit_removes",
      "api_only_key"}: api_only_key is the key the archiver gives the first N audit REMOVEs alone
      (the events written through the API, whose first is the earliest).
  fetch --bucket B
      Prints every object of bucket B: [{"key", "content_type", "content_encoding",
      "body_hex" (gunzipped with Python's gzip when its ContentEncoding is gzip)}].
  create-bucket --bucket B
      Creates bucket B on moto's S3.
"""

import argparse
import base64
import gzip
import json
import random
import sys
import time

from zl_common import REGION, client, create_table, read_stream, setup_environment


def random_text(rng):
    alphabet = ["a", "Z", " ", "é", "日本", "😀", '"', "\\", "\n", "\t", "\x7f", "\x01", "/", "€", "𝄞"]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))


def random_value(rng, depth=0):
    kind = rng.randint(0, 8 if depth < 2 else 5)
    if kind == 0:
        return random_text(rng)
    if kind == 1:
        return rng.randint(-(10**20), 10**20)
    if kind == 2:
        # DynamoDB numbers: magnitudes 1E-130 to 1E+125.
        return rng.choice([0.1 + 0.2, 1e16, 1e-7, 123.456, -0.0, 1e100, 1e-100, 2.5, 1e15, 0.0001])
    if kind == 3:
        return rng.uniform(-1e6, 1e6) * 10.0 ** rng.randint(-90, 90)
    if kind == 4:
        return rng.choice([True, False])
    if kind == 5:
        return None
    if kind in (6, 7):
        return {random_text(rng) or "k": random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]


def raw_items(namespace, now):
    """Audit items no API writes: every attribute type, missing fields, no action."""
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 3600))
    pk = f"{namespace}/AUDIT#raw-entity"
    every_type = {
        "s": {"S": "x"}, "n_int": {"N": "42"}, "n_float": {"N": "1.5"}, "n_exp": {"N": "1E+3"},
        "n_big": {"N": "123456789012345678901234567890"}, "n_neg": {"N": "-0.000001"},
        "b": {"B": base64.b64encode(b"\x00\xffbinary").decode()}, "ss": {"SS": ["b", "a"]},
        "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [base64.b64encode(b"one").decode()]},
        "bool": {"BOOL": True}, "null": {"NULL": True},
        "l": {"L": [{"S": "ü"}, {"N": "7"}, {"M": {"z": {"BOOL": False}, "a": {"NULL": True}}}]},
        "m": {"M": {"zeta": {"S": "last?"}, "alpha": {"L": []}, "mid": {"M": {}}}},
    }
    return [
        {"PK": {"S": pk}, "SK": {"S": "#AUDIT#raw-1"}, "event_id": {"S": "raw-1"},
         "entity_id": {"S": "raw-entity"}, "action": {"S": "custom_action"}, "timestamp": {"S": later},
         "principal": {"NULL": True}, "resource": {"S": "gpt-4"}, "details": {"M": every_type}},
        # Top-level fields of other types, and no details.
        {"PK": {"S": pk}, "SK": {"S": "#AUDIT#raw-2"}, "event_id": {"N": "17"},
         "entity_id": {"B": base64.b64encode(b"e").decode()}, "action": {"S": "typed"},
         "timestamp": {"S": later}, "principal": {"SS": ["p1", "p2"]}},
        # Missing fields: no event_id, entity_id, timestamp; details not a map.
        {"PK": {"S": pk}, "SK": {"S": "#AUDIT#raw-3"}, "action": {"S": "sparse"}, "details": {"S": "flat"}},
        # No action: the archiver skips it.
        {"PK": {"S": pk}, "SK": {"S": "#AUDIT#raw-4"}, "event_id": {"S": "raw-4"}, "timestamp": {"S": later}},
        # action of another type: skipped too.
        {"PK": {"S": pk}, "SK": {"S": "#AUDIT#raw-5"}, "action": {"N": "1"}, "timestamp": {"S": later}},
        # Python's fromisoformat shapes.
        {"PK": {"S": pk}, "SK": {"S": "#AUDIT#raw-7"}, "event_id": {"S": "raw-7"}, "action": {"S": "iso"},
         "timestamp": {"S": "2026-12-05T19:05:37.123456+00:00"}},
        # An old un-namespaced key, deleted last: the daemon archives it (the Lambda's
        # parse_namespace raises on it and reports an error).
        {"PK": {"S": "AUDIT#old-entity"}, "SK": {"S": "#AUDIT#raw-6"}, "event_id": {"S": "raw-6"},
         "action": {"S": "old"}, "timestamp": {"S": later}, "details": {"M": {"k": {"S": "v"}}}},
    ]


def write(args):
    from zae_limiter import Limit, SyncRepository

    rng = random.Random(args.seed)
    table = create_table(args.endpoint, args.table)
    ddb = client(args.endpoint)
    repo = SyncRepository.open(
        namespace="default", stack=args.table, endpoint_url=args.endpoint, region=REGION, auto_update=False
    )
    repo.create_entity("org-1", name="Acmé 日本 😀", principal="admin", metadata={"tier": "gold", "région": "EU"})
    repo.create_entity("user-1", parent_id="org-1", principal="admin")
    repo.set_limits("user-1", [Limit.per_minute("rpm", 3), Limit.per_minute("tpm", 2_000, soft=True)],
                    resource="gpt-4", principal="admin")
    for index in range(args.events):
        details = {random_text(rng) or f"k{index}": random_value(rng) for _ in range(rng.randint(0, 5))}
        repo._log_audit_event(
            rng.choice(["limits_set", "entity_created", "custom ü"]), f"user-{index % 3}",
            principal=rng.choice(["admin", None, "arn:aws:iam::123456789012:user/ü"]),
            resource=rng.choice([None, "gpt-4", "claude"]), details=details,
        )
    repo.delete_entity("user-1", principal="admin")

    def audit_items():
        items, kwargs = [], {"TableName": args.table, "ConsistentRead": True}
        while True:
            page = ddb.scan(**kwargs)
            items.extend(i for i in page["Items"] if "AUDIT#" in i["PK"]["S"].split("/", 1)[-1][:6])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # Event ids grow with time: deleting in that order makes the first REMOVE the earliest event.
    api = sorted(audit_items(), key=lambda item: item["SK"]["S"])
    namespace = api[0]["PK"]["S"].split("/", 1)[0]
    for item in raw_items(namespace, int(time.time())):
        ddb.put_item(TableName=args.table, Item=item)
    for item in api:
        ddb.delete_item(TableName=args.table, Key={"PK": item["PK"], "SK": item["SK"]})
    for item in raw_items(namespace, 0):
        ddb.delete_item(TableName=args.table, Key={"PK": item["PK"], "SK": item["SK"]})
    # A REMOVE that is not an audit item.
    entity = ddb.scan(TableName=args.table, Limit=1)["Items"][0]
    ddb.delete_item(TableName=args.table, Key={"PK": entity["PK"], "SK": entity["SK"]})

    records = read_stream(args.endpoint, table["LatestStreamArn"])
    with open(args.out, "w") as f:
        json.dump({"Records": records}, f)
    removes = sum(1 for r in records if r["eventName"] == "REMOVE")
    print(json.dumps({"records": len(records), "removes": removes, "api_events": len(api), "seed": args.seed}))


class CapturingS3:
    def __init__(self):
        self.objects = []

    def put_object(self, **kwargs):
        self.objects.append(kwargs)


def reference(args):
    from zae_limiter_aggregator.archiver import archive_audit_events

    with open(args.records) as f:
        records = [r for r in json.load(f)["Records"] if r["eventName"] == "REMOVE"]

    def is_audit(record):
        pk = record["dynamodb"].get("OldImage", {}).get("PK", {}).get("S", "")
        return "/" in pk and pk.split("/", 1)[1].startswith("AUDIT#")

    audit = [r for r in records if is_audit(r)]
    s3 = CapturingS3()
    result = archive_audit_events(records, "bucket", s3, request_id="REQ")
    out = {"events_archived": result.events_archived, "errors": result.errors, "audit_removes": len(audit)}
    if s3.objects:
        put = s3.objects[0]
        out.update(key=put["Key"], body_hex=gzip.decompress(put["Body"]).hex(),
                   content_type=put["ContentType"], content_encoding=put["ContentEncoding"])
    # Un-namespaced audit keys, read as the archiver would read them under a namespace.
    from zae_limiter_aggregator.archiver import create_jsonl_gzip, extract_audit_event

    legacy = []
    for record in records:
        pk = record["dynamodb"].get("OldImage", {}).get("PK", {}).get("S", "")
        if pk.startswith("AUDIT#"):
            copy = json.loads(json.dumps(record))
            copy["dynamodb"]["OldImage"]["PK"]["S"] = "legacy/" + pk
            legacy.append(gzip.decompress(create_jsonl_gzip([extract_audit_event(copy)])).hex())
    out["legacy_lines_hex"] = legacy
    if args.api_events:
        s3_api = CapturingS3()
        archive_audit_events(audit[: args.api_events], "bucket", s3_api, request_id="REQ")
        out["api_only_key"] = s3_api.objects[0]["Key"]
        out["api_only_body_hex"] = gzip.decompress(s3_api.objects[0]["Body"]).hex()
    print(json.dumps(out))


def fetch(args):
    import boto3

    s3 = boto3.client("s3", endpoint_url=args.endpoint, region_name=REGION)
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=args.bucket):
        for entry in page.get("Contents", []):
            obj = s3.get_object(Bucket=args.bucket, Key=entry["Key"])
            body = obj["Body"].read()
            out.append({
                "key": entry["Key"], "content_type": obj.get("ContentType"),
                "content_encoding": obj.get("ContentEncoding"),
                "body_hex": (gzip.decompress(body) if obj.get("ContentEncoding") == "gzip" else body).hex(),
            })
    print(json.dumps(out))


def create_bucket(args):
    import boto3

    boto3.client("s3", endpoint_url=args.endpoint, region_name=REGION).create_bucket(Bucket=args.bucket)
    print(json.dumps({"bucket": args.bucket}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["write", "reference", "fetch", "create-bucket"])
    parser.add_argument("--endpoint")
    parser.add_argument("--table", default="zl-audit")
    parser.add_argument("--out")
    parser.add_argument("--records")
    parser.add_argument("--bucket")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--api-events", type=int, default=0)
    args = parser.parse_args()
    if args.endpoint:
        setup_environment(args.endpoint)
    {"write": write, "reference": reference, "fetch": fetch, "create-bucket": create_bucket}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
