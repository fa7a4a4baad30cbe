#!/usr/bin/env python3
"""A DynamoDB + DynamoDB Streams endpoint for tests: moto behind a proxy that turns moto's single
never-closing stream shard into a multi-shard stream with lineage, rollover, trim and faults.

    python Tests/peers/stream_proxy.py --upstream http://127.0.0.1:MOTO --port PORT \
        --table NAME --shards 8 [--rollover-every N] [--iterator-ttl S]

Prints "READY <port>" on stdout once listening; stops cleanly on SIGTERM or SIGINT.
See docs/testing.md ("Stream proxy") for the control endpoint.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from streamproxy.faults import FaultBook  # noqa: E402
from streamproxy.model import StreamModel  # noqa: E402
from streamproxy.server import ProxyServer  # noqa: E402
from streamproxy.streams_api import StreamsAPI  # noqa: E402
from streamproxy.upstream import StreamFollower, Upstream  # noqa: E402


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--upstream", required=True, help="moto server URL, http://127.0.0.1:PORT")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    p.add_argument("--table", required=True, help="the streamed table to model")
    p.add_argument("--shards", type=int, default=8, help="root shards (default 8)")
    p.add_argument("--rollover-every", type=int, default=0,
                   help="close a shard after N records (default 0 = only on command)")
    p.add_argument("--rollover-seconds", type=float, default=0.0,
                   help="also close a shard once it is S seconds old, records or not "
                        "(default 0 = never)")
    p.add_argument("--rollover-children", choices=("1", "2", "alternate"), default="alternate",
                   help="children per rollover: 1 (chain), 2 (split) or alternate (default: "
                        "1 at even depth, 2 at odd depth)")
    p.add_argument("--iterator-ttl", type=float, default=900.0,
                   help="seconds before a shard iterator expires (default 900)")
    p.add_argument("--creation-time", choices=("java", "int"), default="java",
                   help="ApproximateCreationDateTime as DynamoDB writes it (java: 1.7E9, the "
                        "default) or as a plain integer (int)")
    p.add_argument("--max-readers", type=int, default=0,
                   help="LimitExceededException when more client connections than this read one "
                        "shard within a second (DynamoDB allows 2; default 0 = no limit)")
    p.add_argument("--poll-interval", type=float, default=0.1,
                   help="seconds between reads of moto's stream (default 0.1)")
    p.add_argument("--region", default="us-east-1", help="region for the proxy's own moto calls")
    p.add_argument("--keys-file",
                   help="JSON {AccessKeyId, SecretAccessKey} to sign the proxy's own calls to a "
                        "signature-checking moto (Tests/peers/moto_with_auth.py writes one)")
    p.add_argument("--verbose", action="store_true", help="log each request line to stderr")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv)
    if args.shards < 1 or args.rollover_every < 0 or args.rollover_seconds < 0 \
            or args.iterator_ttl <= 0:
        print("--shards must be >= 1, --rollover-every and --rollover-seconds >= 0, "
              "--iterator-ttl > 0", file=sys.stderr)
        return 2
    credentials = None
    if args.keys_file:
        import json

        from botocore.credentials import Credentials
        with open(args.keys_file) as f:
            keys = json.load(f)
        credentials = Credentials(keys["AccessKeyId"], keys["SecretAccessKey"])
    upstream = Upstream(args.upstream, args.region, credentials)
    model = StreamModel(args.shards, args.rollover_every, args.rollover_children,
                        rollover_seconds=args.rollover_seconds,
                        creation_time=args.creation_time)
    book = FaultBook()
    follower = StreamFollower(upstream, model, args.table, book, args.poll_interval)
    api = StreamsAPI(model, args.iterator_ttl)
    api.max_readers = max(0, args.max_readers)
    server = ProxyServer(args.port, upstream, model, api, follower, book)
    server.verbose = args.verbose

    # Take SIGTERM and SIGINT synchronously in this thread: blocked here before any thread starts
    # (threads inherit the mask), then waited for. No handler means no question of which thread
    # a signal lands in, and a mask handed down by the parent (Swift test processes block
    # SIGTERM) changes nothing.
    stopping = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                               name="http", daemon=True)
    serving.start()
    follower.start()
    server.watchdog.start()
    print(f"READY {server.server_address[1]}", flush=True)
    signal.sigwait(stopping)
    follower.stop()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
