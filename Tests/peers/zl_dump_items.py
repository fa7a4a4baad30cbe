#!/usr/bin/env python3
"""Dumps what a table holds of usage snapshots, raw and as zae-limiter reads them.

  zl_dump_items.py --endpoint URL --table T [--namespaces default,tenant-b]

Prints one JSON object: "items" (every `#USAGE#` item, DynamoDB JSON, sorted by key, `ttl`
replaced by its presence), "snapshots" and "summaries" (zae-limiter's own
`get_usage_snapshots()` / `get_usage_summary()` per namespace, entity and window type).
"""

import argparse
import dataclasses
import json

from zl_common import scan_all, setup_environment


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--namespaces", default="default,tenant-b")
    args = parser.parse_args()
    setup_environment(args.endpoint)

    items = [i for i in scan_all(args.endpoint, args.table) if i.get("SK", {}).get("S", "").startswith("#USAGE#")]
    for item in items:
        if "ttl" in item:
            item["ttl"] = {"S": "present" if "N" in item["ttl"] else "mistyped"}
    items.sort(key=lambda i: (i["PK"]["S"], i["SK"]["S"]))
    entities = sorted({i["entity_id"]["S"] for i in items if "entity_id" in i})

    from zae_limiter import SyncRateLimiter, SyncRepository

    snapshots, summaries = {}, {}
    for namespace in args.namespaces.split(","):
        repo = SyncRepository.open(
            namespace=namespace, stack=args.table, endpoint_url=args.endpoint, region="us-east-1", auto_update=False
        )
        limiter = SyncRateLimiter(repository=repo)
        for entity in entities:
            found, _ = limiter.get_usage_snapshots(entity_id=entity, limit=1000)
            rows = sorted((dataclasses.asdict(s) for s in found), key=lambda s: json.dumps(s, sort_keys=True))
            snapshots[f"{namespace}/{entity}"] = rows
            for window in ("hourly", "daily"):
                summary = limiter.get_usage_summary(entity_id=entity, window_type=window)
                summaries[f"{namespace}/{entity}/{window}"] = dataclasses.asdict(summary)
    print(json.dumps({"items": items, "snapshots": snapshots, "summaries": summaries}, sort_keys=True, default=str))


if __name__ == "__main__":
    main()
