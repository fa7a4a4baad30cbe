"""A loopback EC2 instance metadata service (IMDSv2 only) for credential and region tests.

Usage: imds_server.py [--expires-in SECONDS] [--role NAME] [--region REGION]
Binds 127.0.0.1 on a free port and prints its port as the first line of stdout.

- PUT /latest/api/token needs X-aws-ec2-metadata-token-ttl-seconds (1..21600) and returns a
  fresh token valid for that many seconds.
- Every GET under /latest/ needs a valid X-aws-ec2-metadata-token, else 401 (counted).
- /latest/meta-data/iam/security-credentials/ lists the role; .../<role> returns credentials
  that expire --expires-in seconds after each fetch, numbered by a fetch counter.
- /latest/meta-data/placement/region returns --region.
- GET /_stats (no token) returns the counters as JSON.
- POST /_revoke_tokens forgets every token (as a restarted metadata service would).
"""

import argparse
import datetime
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
TOKENS = {}
STATS = {"token_puts": 0, "unauthorized": 0, "credential_fetches": 0, "role_lists": 0, "region_gets": 0}


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    options = None

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="text/plain"):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path != "/latest/api/token":
            return self.reply(404, "not found")
        try:
            ttl = int(self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            return self.reply(400, "missing or invalid ttl")
        if not 1 <= ttl <= 21600:
            return self.reply(400, "ttl out of range")
        token = secrets.token_urlsafe(24)
        with LOCK:
            TOKENS[token] = time.time() + ttl
            STATS["token_puts"] += 1
        self.reply(200, token)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path != "/_revoke_tokens":
            return self.reply(404, "not found")
        with LOCK:
            TOKENS.clear()
        self.reply(200, "revoked")

    def do_GET(self):
        opts = self.options
        if self.path == "/_stats":
            with LOCK:
                return self.reply(200, json.dumps(STATS), "application/json")
        token = self.headers.get("X-aws-ec2-metadata-token")
        with LOCK:
            valid = token is not None and TOKENS.get(token, 0) > time.time()
            if not valid:
                STATS["unauthorized"] += 1
        if not valid:
            return self.reply(401, "unauthorized")
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == base:
            with LOCK:
                STATS["role_lists"] += 1
            return self.reply(200, opts.role)
        if self.path == base + opts.role:
            with LOCK:
                STATS["credential_fetches"] += 1
                n = STATS["credential_fetches"]
            now = time.time()
            doc = {
                "Code": "Success",
                "LastUpdated": iso(now),
                "Type": "AWS-HMAC",
                "AccessKeyId": "ASIAIMDS%06d" % n,
                "SecretAccessKey": "imds-secret-%d" % n,
                "Token": "imds-token-%d" % n,
                "Expiration": iso(now + opts.expires_in),
            }
            return self.reply(200, json.dumps(doc), "application/json")
        if self.path == "/latest/meta-data/placement/region":
            with LOCK:
                STATS["region_gets"] += 1
            return self.reply(200, opts.region)
        self.reply(404, "not found")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--expires-in", type=int, default=3600)
    parser.add_argument("--role", default="zael-test-role")
    parser.add_argument("--region", default="eu-central-1")
    Handler.options = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
