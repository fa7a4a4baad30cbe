#!/usr/bin/env python3
"""Golden vectors for shard_count propagation, from zae-limiter 0.17.0's own code.

  zl_propagation_vectors.py --seed S --cases N

Runs the real `propagate_shard_count` (with its `_repair_quota_clones`) on N seeded random
MODIFY records of a shard-0 bucket item, against a recording table: every request is kept as
the low-level client would send it (attribute values typed by boto3's own serializer, which
the `Table` resource and `table.meta.client` apply), GetItem answers come from a scripted table
of sibling shards, and every write's outcome is drawn from the seed (success,
ConditionalCheckFailed, TransactionCanceled with reasons, or a service error).

Prints one JSON object per line:
  {"case": i, "record": {"NewImage", "OldImage"}, "now_ms": n,
   "responses": [{"op": "GetItem", "item": wire | null} | {"op": "UpdateItem", "outcome": o}
                 | {"op": "TransactWriteItems", "outcome": o, "reasons": [...]}],
   "requests": [{"op": ..., "params": {...}}],
   "result": {"updated": n} | {"raised": code}, "skipped": n}
in call order; `skipped` counts the conditional outcomes (ConditionalCheckFailed,
TransactionCanceled) the code absorbed. Service errors are only scripted where the reference
raises them (Path 1 updates and clone transactions) or swallows them (the clone repair); a
failed sibling read is not scripted, since the daemon retries it where the Lambda drops it.
The last line is {"summary": {...}} with counts per branch.
"""

import argparse
import contextlib
import io
import json
import random
import sys

from botocore.exceptions import ClientError

from zae_limiter.schedule import ScheduleEntry, encode, encode_reset
from zae_limiter.schema import gsi2_sk_bucket, gsi3_sk_bucket, gsi4_sk_bucket, pk_bucket
from zae_limiter_aggregator.processor import propagate_shard_count
from zl_recording_table import RecordingTable

TZS = ["UTC", "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
BAD_TZS = ["Mars/Olympus", "utc", ""]
LIMIT_NAMES = ["rpm", "tpm", "daily", "month_q", "session", "burst", "wcu"]
EXTRA_NAMES = ["legacy_a", "legacy_b"]


def schedule_pool():
    """Valid compact schedules, encoded by zae-limiter itself, and a few it cannot decode."""
    crons = ["* 9-17 * * 1-5", "* 0-5 * * *", "* * * * 6,7", "0-29 * * * *", "* 12 * * *", "* * 1-10 * *"]
    pool = []
    for cron in crons:
        for mod in ({"scale": 0.5}, {"scale": 0.25}, {"capacity": 40}, {"refill_amount": 5}, {"scale": 1.5}):
            pool.append(encode((ScheduleEntry(cron=cron, tz="UTC", **mod),))[0])
    pool.append(
        encode((ScheduleEntry(cron="* 0-11 * * *", tz="UTC", scale=0.5), ScheduleEntry(cron="* * * * *", tz="UTC",
                                                                                         capacity=900)))[0]
    )
    bad = ["2h9s500", "1h9-17", "1h99s500", "garbage"]
    return pool, bad


def reset_pool():
    crons = ["0 0 * * *", "0 * * * *", "0 0 1 * *", "0 0 * * 1", "30 6 * * *", "0 */6 * * *"]
    pool = [encode_reset((ScheduleEntry.reset(cron=c, tz="UTC"),))[0] for c in crons]
    pool.append(
        encode_reset((ScheduleEntry.reset(cron="0 0 1 * *", tz="UTC"), ScheduleEntry.reset(cron="0 12 * * 3",
                                                                                            tz="UTC")))[0]
    )
    bad = ["1h0s500", "2m0h0", "1m0h99"]
    return pool, bad


SCHEDS, BAD_SCHEDS = schedule_pool()
RESETS, BAD_RESETS = reset_pool()


def n(value):
    return {"N": str(value)}


def s(value):
    return {"S": value}


def make_case(rng, stats):
    now_ms = rng.randrange(1_767_225_600_000, 1_798_761_600_000)  # 2026
    ns = rng.choice(["ns1", "a7x3kq"])
    entity = rng.choice(["user-1", "api-key-7", "org", f"u{rng.randrange(1000)}"])
    resource = rng.choice(["gpt-4", "api", "img#v2", "search"])
    shape = rng.random()
    old_count = rng.randint(1, 32)
    new_count = rng.choice([old_count * 2, old_count + 1, rng.randint(old_count + 1, 33)])
    if shape < 0.04:
        new_count = rng.randint(1, old_count)  # not an increase
    elif shape < 0.07:
        new_count = rng.randint(33, 70)  # past the cap
    shard0 = 0
    if rng.random() < 0.04:
        shard0 = rng.randint(1, 5)
    pk = pk_bucket(ns, entity, resource, shard0)
    if rng.random() < 0.02:
        pk = rng.choice([f"{ns}/ENTITY#{entity}", "noslash", f"{ns}/BUCKET#{entity}#{resource}#x"])
    tz = rng.choice(TZS)
    image = {
        "PK": s(pk),
        "SK": s("#STATE"),
        "entity_id": s(entity),
        "resource": s(resource),
        "GSI2PK": s(f"{ns}/RESOURCE#{resource}"),
        "GSI2SK": s(gsi2_sk_bucket(entity, 0)),
        "GSI3PK": s(f"{ns}/ENTITY#{entity}"),
        "GSI3SK": s(gsi3_sk_bucket(resource, 0)),
        "GSI4PK": s(ns),
        "GSI4SK": s(gsi4_sk_bucket(entity, resource, 0)),
        "rf": n(now_ms - rng.randrange(0, 3 * 86_400_000)),
        "shard_count": n(new_count),
    }
    if rng.random() < 0.3:
        image["vu"] = n(now_ms + rng.randrange(1, 86_400_000))
    if rng.random() < 0.3:
        image["cascade"] = {"BOOL": rng.random() < 0.5}
    if rng.random() < 0.3:
        image["parent_id"] = s("parent-" + str(rng.randrange(9)))
    if rng.random() < 0.5:
        image["pgen"] = n(rng.choice([0, 0, 1, 2, 7]))
    if rng.random() < 0.5:
        image["pinc"] = s(rng.choice(["-", "2026-01-02T03:04:05Z", "inc-9"]))
    if rng.random() < 0.25:
        image["sched"] = s(rng.choice(SCHEDS if rng.random() < 0.9 else BAD_SCHEDS))
    if rng.random() < 0.25:
        image["rsched"] = s(rng.choice(RESETS if rng.random() < 0.9 else BAD_RESETS))
    if rng.random() < 0.5:
        image["sched_tz"] = s(tz if rng.random() < 0.95 else rng.choice(BAD_TZS))
    elif rng.random() < 0.05:
        image["sched_tz"] = n(5)  # not an S: reads as UTC
    if rng.random() < 0.03:
        image["sched"] = s("")
    if rng.random() < 0.1:
        image["meta"] = {"M": {"tier": s("gold"), "n": n(3)}}

    names = rng.sample(LIMIT_NAMES, rng.randint(1, 4))
    quota_names = []
    for name in names:
        attr = lambda f: f"b_{name}_{f}"  # noqa: E731
        if name == "wcu":
            image[attr("cp")] = n(1_000_000)
            image[attr("ra")] = n(1_000_000)
            image[attr("rp")] = n(1000)
            image[attr("tk")] = n(rng.randrange(0, 1_000_001))
            image[attr("tc")] = n(rng.randrange(0, 10**9))
            continue
        cp = rng.choice([1000, 5000, 100_000, 1_000_000, 7_777_000, rng.randrange(1, 10**8)])
        kind = rng.choice(["drip", "drip", "calendar", "inherit", "session", "corrupt"])
        image[attr("cp")] = n(cp)
        image[attr("rp")] = n(rng.choice([1000, 60_000, 3_600_000]))
        image[attr("tk")] = n(rng.randrange(-cp // 4, cp + 1))
        image[attr("tc")] = n(rng.randrange(0, 10**10))
        if kind == "drip":
            image[attr("ra")] = n(rng.choice([cp, cp // 2 + 1, 1000]))
            if rng.random() < 0.2:
                image[attr("rsched")] = s("-")
        else:
            image[attr("ra")] = n(0)
            quota_names.append(name)
        if kind == "calendar":
            image[attr("rsched")] = s(rng.choice(RESETS if rng.random() < 0.93 else BAD_RESETS))
        elif kind == "inherit":
            if "rsched" not in image or rng.random() < 0.2:
                image["rsched"] = s(rng.choice(RESETS))
        elif kind == "session":
            image[attr("rsa")] = n(rng.choice([60, 3600, 86_400]))
            if rng.random() < 0.3:
                image[attr("rsched")] = s(rng.choice(["-", "-", rng.choice(RESETS)]))
        if kind in ("session", "calendar") and rng.random() < 0.8:
            rsa_ms = int(image.get(attr("rsa"), n(86_400))["N"]) * 1000
            ws = now_ms - rng.randrange(0, rsa_ms if rng.random() < 0.7 else 2 * 86_400_000)
            image[attr("ws")] = n(ws)
            if rng.random() < 0.7:
                image[attr("wa")] = n(rng.choice([ws, ws - 1000, ws + 5]))
        if rng.random() < 0.3:
            image[attr("wtc")] = n(rng.randrange(0, 10**6))
        if rng.random() < 0.4:
            image[attr("gc")] = n(rng.choice([old_count, new_count, 1, 0]))
        if rng.random() < 0.25:
            image[attr("tu")] = n(rng.randrange(1, cp + 1))
        if rng.random() < 0.2:
            image[attr("sched")] = s(rng.choice(["-", rng.choice(SCHEDS), rng.choice(SCHEDS)] +
                                                ([rng.choice(BAD_SCHEDS)] if rng.random() < 0.2 else [])))
        if rng.random() < 0.1:
            image[attr("soft")] = {"BOOL": True}

    old_image = dict(image)
    old_image["shard_count"] = n(old_count)
    if rng.random() < 0.03:
        del old_image["shard_count"]
    if rng.random() < 0.02:
        del image["shard_count"]
    # Attribute order of the image is part of the input (limit order decides placeholders).
    if rng.random() < 0.5:
        keys = list(image)
        rng.shuffle(keys)
        image = {k: image[k] for k in keys}

    # The siblings as the table holds them now.
    store = {}
    for shard in range(old_count):
        if rng.random() > (0.97 if shard == 0 else 0.85):
            continue
        item = dict(image)
        item["PK"] = s(pk_bucket(ns, entity, resource, shard))
        item["GSI2SK"] = s(gsi2_sk_bucket(entity, shard))
        count_roll = rng.random()
        if count_roll < 0.75:
            item["shard_count"] = n(old_count)
        elif count_roll < 0.9:
            item["shard_count"] = n(new_count)
        elif count_roll < 0.95:
            item["shard_count"] = n(new_count * 2)
        else:
            item.pop("shard_count", None)
        item["rf"] = n(now_ms - rng.randrange(0, 3 * 86_400_000))
        for name in names:
            cp_raw = image.get(f"b_{name}_cp")
            if cp_raw is None:
                continue
            cp = int(cp_raw["N"])
            item[f"b_{name}_tk"] = n(rng.randrange(0, max(1, cp // max(1, old_count) * 2)))
            gc_roll = rng.random()
            if gc_roll < 0.4:
                item[f"b_{name}_gc"] = n(rng.choice([old_count, max(1, old_count // 2), new_count, 1, 0, -3]))
            elif gc_roll < 0.8:
                item.pop(f"b_{name}_gc", None)
            if f"b_{name}_ws" in item and rng.random() < 0.5:
                rsa_ms = int(item.get(f"b_{name}_rsa", n(86_400))["N"]) * 1000
                ws = now_ms - rng.randrange(0, rsa_ms if rng.random() < 0.7 else 2 * 86_400_000)
                item[f"b_{name}_ws"] = n(ws)
                item[f"b_{name}_wa"] = n(rng.choice([ws, ws - 1]))
            if name in quota_names and rng.random() < 0.05:
                for f in ("tk", "gc"):
                    item.pop(f"b_{name}_{f}", None)
        if rng.random() < 0.3:
            extra = rng.choice(EXTRA_NAMES)
            cp = rng.choice([10_000, 1_000_000])
            item[f"b_{extra}_cp"] = n(cp)
            item[f"b_{extra}_ra"] = n(0)
            item[f"b_{extra}_rp"] = n(1000)
            item[f"b_{extra}_tk"] = n(rng.randrange(0, cp + 1))
            if rng.random() < 0.5:
                item[f"b_{extra}_rsa"] = n(3600)
            else:
                item[f"b_{extra}_rsched"] = s(rng.choice(RESETS))
            if rng.random() < 0.3:
                item[f"b_{extra}_gc"] = n(2)
            if rng.random() < 0.2:
                item[f"b_{extra}_sched"] = s(rng.choice(SCHEDS + BAD_SCHEDS))
        store[item["PK"]["S"]] = item
    return {"now_ms": now_ms, "record": {"NewImage": image, "OldImage": old_image}}, store


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--table", default="zl-table")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    stats = {"cases": 0, "raised": 0, "with_requests": 0, "with_clones": 0, "with_repair": 0, "with_reads": 0}
    out = sys.stdout
    for case in range(args.cases):
        vector, store = make_case(rng, stats)
        table = RecordingTable(args.table, random.Random(rng.randrange(2**32)), store, stats)
        record = {"eventName": "MODIFY", "dynamodb": vector["record"]}
        # The processor logs JSON lines to stdout; the vectors own stdout.
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                result = {"updated": propagate_shard_count(table, record, now_ms=vector["now_ms"])}
            except ClientError as e:
                result = {"raised": e.response["Error"]["Code"]}
                stats["raised"] += 1
        vector.update(
            case=case, responses=table.responses, requests=table.requests, result=result, skipped=table.skipped
        )
        stats["cases"] += 1
        stats["with_requests"] += bool(table.requests)
        stats["with_clones"] += any(r["op"] == "TransactWriteItems" for r in table.requests)
        stats["with_repair"] += any("ProjectionExpression" in r["params"] for r in table.requests)
        stats["with_reads"] += any(r["op"] == "GetItem" for r in table.requests)
        text = json.dumps(table.requests)
        for branch, marker in (
            ("calendar_guard", '"#qrf"'),
            ("session_guard", '"#qw0"'),
            ("legacy_donor", '":ql0"'),
            ("donor_debits", '"ADD #qt0 :qn0'),
            ("two_quota_debit", '":qx1"'),
            ("owner_pinned", '":opg"'),
            ("legacy_incarnation", "(#oca = :opi OR attribute_not_exists(#oca))"),
            ("freeze_path1", ", #qf0 = if_not_exists(#qf0, :qo0)"),
        ):
            stats[branch] = stats.get(branch, 0) + (marker in text)
        out.write(json.dumps(vector, separators=(",", ":")) + "\n")
    out.write(json.dumps({"summary": stats}, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    sys.exit(main())
