#!/usr/bin/env python3
"""Golden vectors for the daemon's bucket maintenance, from zae-limiter 0.17.0's own code.

Each vector is a random batch of stream records of bucket items and one instant `now`. The
real `aggregate_bucket_states`, `try_refill_bucket` and `try_proactive_shard` run on it, in
the Lambda's order (every refill, then every doubling), against a fake table that records the
keyword arguments of every `update_item` call and raises ConditionalCheckFailedException on
the calls the vector says (chosen at random). The records reach the reference as the stack's
filter passes them (MODIFY and INSERT of `SK = #STATE` items); the daemon gets the whole page,
old-layout and other items included, and must ignore what the filter would have dropped.

Output: one JSON object per line:
  {"vector": i, "now": ms, "page": {"Records": [...]}, "fail": [call indices],
   "requests": [canonical request text, ...], "errors": n, "undecodable": n}
A canonical request is the call's arguments in DynamoDB's low-level form (boto3's own
TypeSerializer), `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.
`errors` counts buckets where the reference raised something other than a ClientError;
`undecodable` the buckets whose stored schedule did not decode (`sched_error`, never refilled).

Usage: zl_refill_vectors.py [--seed N] [--count N] [--no-schedules]
The seed is printed on stderr.
"""

import argparse
import json
import random
import sys

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from zae_limiter_aggregator import processor

SERIALIZER = TypeSerializer()
DAY = 86_400_000

# Schedules the generator draws from: valid scale and absolute entries, reset calendars, and
# strings the reference refuses to decode.
SCHEDULES = [
    "1h9-17w1-5s500",
    "1h0-6s250;h7-23s1500",
    "1m0-29s2000",
    "1h22-23c5000a5000p60",
    "1w0,6s100",
    "1D1-7h8-9s3000",
    "1M3h2s700",
    "1h1-3s400",
]
RESET_SCHEDULES = ["1m0h0", "1m0h0w1", "1m30h2D1", "1m0", "1m0h*/6", "1m0h2"]
MALFORMED = ["2m0h0", "1zz9", "garbage", "1h25s500", "1m0h0s", "1;;"]
TIME_ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "America/Santiago"]
# Instants near DST changes (epoch ms) in the zones above, plus ordinary ones.
DST_EDGES = [
    1_774_746_000_000,  # 2026-03-29 01:00 UTC, Europe
    1_792_890_000_000,  # 2026-10-25 01:00 UTC, Europe
    1_772_953_200_000,  # 2026-03-08 07:00 UTC, US
    1_793_512_800_000,  # 2026-11-01 06:00 UTC, US
    1_775_404_800_000,  # 2026-04-05 ~ Lord Howe / Santiago
]


class ConditionFailed(ClientError):
    def __init__(self):
        super().__init__(
            {"Error": {"Code": "ConditionalCheckFailedException", "Message": "The conditional request failed"}},
            "UpdateItem",
        )


class RecordingTable:
    """boto3 Table stand-in: records every update_item, fails the planned calls."""

    def __init__(self, fail):
        self.fail = fail
        self.requests = []

    def update_item(self, **kwargs):
        index = len(self.requests)
        self.requests.append(canonical(kwargs))
        if index in self.fail:
            raise ConditionFailed()
        return {}


def canonical(kwargs):
    low = {}
    for name, value in kwargs.items():
        if name in ("Key", "ExpressionAttributeValues"):
            low[name] = {k: SERIALIZER.serialize(v) for k, v in value.items()}
        else:
            low[name] = value
    return json.dumps(low, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def n(value):
    return {"N": str(value)}


class Generator:
    def __init__(self, rng, schedules):
        self.rng = rng
        self.schedules = schedules

    def pick_now(self):
        r = self.rng
        if r.random() < 0.3:
            return r.choice(DST_EDGES) + r.randint(-3 * 3_600_000, 3 * 3_600_000)
        return r.randint(1_735_689_600_000, 1_798_761_600_000)

    def schedule_text(self, reset):
        r = self.rng
        x = r.random()
        if x < 0.05:
            return r.choice(MALFORMED)
        if not self.schedules or x < 0.55:
            return None
        return r.choice(RESET_SCHEDULES if reset else SCHEDULES)

    def limit(self, name, now, rf):
        """Static attributes of one limit (without tk/tc, which each record moves)."""
        r = self.rng
        attrs = {}
        if name == "wcu":
            attrs.update(cp=1_000_000, ra=1_000_000, rp=1000)
            return attrs
        cp = r.choice([1000, 10_000, 100_000, 1_000_000, 97_000_000, r.randint(1, 10**9)])
        kind = r.choice(["plain", "plain", "quota", "session"])
        if kind == "plain":
            attrs.update(cp=cp, ra=r.choice([cp, cp // 2, r.randint(0, cp)]), rp=r.choice([1000, 60_000, 3_600_000]))
            if r.random() < 0.1:
                attrs["rp"] = r.choice([0, -5])
        else:
            attrs.update(cp=cp, ra=0 if r.random() < 0.8 else r.randint(1, cp), rp=r.choice([0, 86_400_000]))
            if kind == "session":
                attrs["rsa"] = r.choice([60, 3600, 86_400])
                if r.random() < 0.9:
                    attrs["ws"] = r.choice([rf, now - r.randint(0, attrs["rsa"] * 2000), now + r.randint(0, 5000)])
                if r.random() < 0.5:
                    attrs["wa"] = r.choice([attrs.get("ws", rf), rf - r.randint(0, 10**6)])
                if r.random() < 0.4:
                    attrs["wtc"] = r.randint(0, 10**7)
            else:
                text = self.schedule_text(reset=True)
                if text is not None:
                    attrs["rsched"] = text
            if r.random() < 0.5:
                attrs["gc"] = r.choice([0, 1, 2, 4, 8, 32, r.randint(1, 32)])
            if r.random() < 0.3:
                attrs["tu"] = r.choice([0, r.randint(1, cp)])
        if r.random() < 0.2:
            attrs["sched"] = r.choice(["-", self.schedule_text(reset=False) or "-"])
        return attrs

    def bucket_records(self, ns, entity, resource, shard, now, start_seq):
        r = self.rng
        names = r.sample(["rpm", "tpm", "daily", "sess", "my.limit-v2", "a_b"], r.randint(1, 3))
        if r.random() < 0.6:
            names.append("wcu")
        shard_count = r.choice([1, 1, 2, 4, 8, 16, 32, r.randint(1, 32)])
        rf = now - r.choice([0, 1, 50, 150, 999, 5000, 60_000, 3_600_000, DAY, -2000, -50, r.randint(0, 40 * DAY)])
        item = {"sched_tz": r.choice(TIME_ZONES)} if r.random() < 0.7 else {}
        text = self.schedule_text(reset=False)
        if text is not None:
            item["sched"] = text
        text = self.schedule_text(reset=True)
        if text is not None and r.random() < 0.5:
            item["rsched"] = text
        if r.random() < 0.6:
            item["vu"] = r.choice([0, now - r.randint(0, DAY), now + r.randint(1, DAY), now])
        limits = {name: self.limit(name, now, rf) for name in names}
        tokens = {}
        consumed = {name: r.randint(0, 10**9) for name in names}
        for name, attrs in limits.items():
            cp = attrs["cp"]
            if name == "wcu":
                tokens[name] = r.choice([cp, r.randint(0, cp), r.randint(0, cp // 4), -r.randint(0, 1000)])
            else:
                tokens[name] = r.choice([cp, 0, r.randint(-cp, cp), cp + r.randint(1, cp), cp // max(1, shard_count)])
        pk = f"{ns}/BUCKET#{entity}#{resource}#{shard}"
        records = []
        count = r.choice([1, 1, 2, 3, 5])
        late = names[-1] if len(names) > 1 and r.random() < 0.2 else None
        for index in range(count):
            old = self.image(pk, entity, shard_count, rf, item, limits, tokens, consumed, late if index == 0 else None)
            for name in names:
                spent = r.choice([0, 1000, r.randint(0, 10**6), -r.randint(0, 1000)])
                consumed[name] += spent
                tokens[name] -= spent
            if r.random() < 0.5:
                rf = rf + r.randint(0, 2000)
            if r.random() < 0.1 and shard == 0:
                shard_count = min(32, shard_count * 2)
            new = self.image(pk, entity, shard_count, rf, item, limits, tokens, consumed, late if index == 0 else None)
            if r.random() < 0.03:
                new[f"b_{names[0]}_tk"] = {"N": "1.5"}
            records.append(self.record(pk, old, new, start_seq + index))
        return records

    def image(self, pk, entity, shard_count, rf, item, limits, tokens, consumed, hidden):
        r = self.rng
        attrs = [("PK", {"S": pk}), ("SK", {"S": "#STATE"}), ("entity_id", {"S": entity})]
        if shard_count != 1 or r.random() < 0.7:
            attrs.append(("shard_count", n(shard_count)))
        if r.random() < 0.95:
            attrs.append(("rf", n(rf)))
        for key, value in item.items():
            attrs.append((key, n(value) if key == "vu" else {"S": value}))
        for name, fields in limits.items():
            if name == hidden:
                continue
            attrs.append((f"b_{name}_tk", n(tokens[name])))
            attrs.append((f"b_{name}_tc", n(consumed[name])))
            for field, value in fields.items():
                attrs.append((f"b_{name}_{field}", {"S": value} if field in ("sched", "rsched") else n(value)))
        r.shuffle(attrs)
        return dict(attrs)

    def record(self, pk, old, new, seq):
        return {
            "eventID": f"ev-{seq}",
            "eventName": "MODIFY",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {
                "ApproximateCreationDateTime": 1_700_000_000,
                "Keys": {"PK": new["PK"], "SK": new["SK"]},
                "NewImage": new,
                "OldImage": old,
                "SequenceNumber": str(seq).rjust(21, "0"),
                "SizeBytes": 100,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        }

    def noise(self, seq, now):
        """Records the stack's filter drops or the reference ignores."""
        r = self.rng
        pk = "ns1/ENTITY#e-old"
        image = {
            "PK": {"S": pk},
            "SK": {"S": "#BUCKET#gpt-4"},
            "entity_id": {"S": "e-old"},
            "rf": n(now - 1000),
            "b_rpm_tk": n(0),
            "b_rpm_cp": n(1000),
            "b_rpm_ra": n(1000),
            "b_rpm_rp": n(1000),
            "b_rpm_tc": n(5),
        }
        old = dict(image, b_rpm_tc=n(0))
        record = self.record(pk, old, image, seq)
        if r.random() < 0.5:
            record["eventName"] = "INSERT"
            record["dynamodb"]["NewImage"]["SK"] = {"S": "#STATE"}
            record["dynamodb"]["NewImage"]["PK"] = {"S": "ns1/BUCKET#e-ins#gpt-4#0"}
        return record

    def vector(self):
        r = self.rng
        now = self.pick_now()
        records = []
        seq = 100
        for _ in range(r.choice([1, 1, 2, 3, 4])):
            ns = r.choice(["ns1", "a7x3kq"])
            entity = r.choice(["user-1", "org-1", "e#x", "Zoë"])
            resource = r.choice(["gpt-4", "api", "r/1"])
            shard = r.choice([0, 0, 0, 1, 2, 7])
            batch = self.bucket_records(ns, entity, resource, shard, now, seq)
            seq += len(batch)
            records.extend(batch)
        if r.random() < 0.3:
            records.insert(r.randint(0, len(records)), self.noise(seq, now))
            seq += 1
        # Interleave buckets while keeping each bucket's order.
        if r.random() < 0.5:
            records = interleave(r, records)
        return now, records


def interleave(r, records):
    by_key = {}
    for record in records:
        by_key.setdefault(record["dynamodb"]["Keys"]["PK"]["S"], []).append(record)
    queues = list(by_key.values())
    out = []
    while queues:
        queue = r.choice(queues)
        out.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    for index, record in enumerate(out):
        record["dynamodb"]["SequenceNumber"] = str(100 + index).rjust(21, "0")
    return out


def run_reference(records, now, fail):
    """The Lambda's steps (d)-(f) of process_stream_records, on the filter's records."""
    passed = [
        rec
        for rec in records
        if rec["eventName"] in ("MODIFY", "INSERT") and rec["dynamodb"]["NewImage"].get("SK", {}).get("S") == "#STATE"
    ]
    table = RecordingTable(fail)
    errors = 0
    states = processor.aggregate_bucket_states(passed)
    undecodable = sum(1 for state in states.values() if state.sched_error is not None)
    for state in states.values():
        try:
            processor.try_refill_bucket(table, state, now)
        except ClientError:
            raise
        except Exception:
            errors += 1
    for state in states.values():
        wcu = state.limits.get(processor.WCU_LIMIT_NAME)
        if wcu:
            try:
                processor.try_proactive_shard(
                    table,
                    state,
                    wcu_tk_milli=wcu.tk_milli,
                    wcu_capacity_milli=wcu.cp_milli,
                    wcu_refill_amount_milli=wcu.ra_milli,
                    wcu_refill_period_ms=wcu.rp_ms,
                    now_ms=now,
                )
            except ClientError:
                raise
            except Exception:
                errors += 1
    return table.requests, errors, undecodable


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--no-schedules", action="store_true")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    print(f"zl_refill_vectors seed={seed}", file=sys.stderr)
    rng = random.Random(seed)
    generator = Generator(rng, schedules=not args.no_schedules)
    # The reference logs JSON lines to stdout; the vectors own stdout.
    processor.logger._log = lambda *args, **kwargs: None
    out = sys.stdout
    for index in range(args.count):
        now, records = generator.vector()
        fail = {i for i in range(12) if rng.random() < 0.12}
        requests, errors, undecodable = run_reference(records, now, fail)
        line = {
            "vector": index,
            "now": now,
            "page": {"Records": records},
            "fail": sorted(fail),
            "requests": requests,
            "errors": errors,
            "undecodable": undecodable,
        }
        out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")


if __name__ == "__main__":
    main()
