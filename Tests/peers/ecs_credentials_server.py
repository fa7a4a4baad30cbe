"""A loopback ECS/EKS container credentials endpoint for credential tests.

Usage: ecs_credentials_server.py --token TOKEN [--expires-in SECONDS]
Binds 127.0.0.1 on a free port and prints its port as the first line of stdout.

- GET /v2/credentials/<id> requires the header "Authorization: <TOKEN>", else 401 (counted),
  and returns credentials expiring --expires-in seconds after each fetch, numbered by a counter.
- GET /_stats returns the counters as JSON.
"""

import argparse
import datetime
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATS = {"credential_fetches": 0, "unauthorized": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    options = None

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_stats":
            with LOCK:
                return self.reply(200, json.dumps(STATS))
        if not self.path.startswith("/v2/credentials/"):
            return self.reply(404, "{}")
        if self.headers.get("Authorization") != self.options.token:
            with LOCK:
                STATS["unauthorized"] += 1
            return self.reply(401, json.dumps({"message": "unauthorized"}))
        with LOCK:
            STATS["credential_fetches"] += 1
            n = STATS["credential_fetches"]
        expiry = datetime.datetime.fromtimestamp(time.time() + self.options.expires_in, tz=datetime.timezone.utc)
        doc = {
            "AccessKeyId": "ASIAECS%06d" % n,
            "SecretAccessKey": "ecs-secret-%d" % n,
            "Token": "ecs-token-%d" % n,
            "Expiration": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "RoleArn": "arn:aws:iam::123456789012:role/zael-test",
        }
        self.reply(200, json.dumps(doc))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", required=True)
    parser.add_argument("--expires-in", type=int, default=3600)
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
