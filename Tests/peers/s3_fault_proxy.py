"""A loopback HTTP/1.1 proxy in front of moto's S3 that injects S3's failures.

Usage: s3_fault_proxy.py --upstream http://127.0.0.1:PORT [--seed N] [--slowdown P] [--internal P]
                         [--after P] [--reset P] [--delay SECONDS]

Prints the port it listens on (127.0.0.1, chosen by the OS) as the first line of stdout, then
serves until killed. Each PUT, with the given probabilities (seeded; the seed is printed on
stderr), is answered without reaching moto by 503 SlowDown (--slowdown) or 500 InternalError
(--internal), or is forwarded and its answer replaced by 500 InternalError (--after: the object
was written but the client cannot know), or the connection is closed (--reset). Other requests
are forwarded as they are. --delay holds each forwarded PUT up to that many seconds (uniform)
before it reaches moto, so that a client killed meanwhile leaves a write in flight.

Control (not forwarded, not counted): GET /__stats answers {"puts", "forwarded", "faults"};
POST /__mode?m=MODE sets a standing answer for every PUT: "deny" (403 AccessDenied),
"nobucket" (404 NoSuchBucket) or "none" (forward, with the random faults above).
"""

import argparse
import http.client
import http.server
import json
import random
import socket
import sys
import threading
import time
import urllib.parse


def s3_error(status, code, message):
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        "<RequestId>FAULT0000000001</RequestId></Error>"
    ).encode()
    return status, body


class State:
    def __init__(self, seed):
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.mode = "none"
        self.puts = 0
        self.forwarded = 0
        self.faults = 0

    def draw(self):
        with self.lock:
            return self.rng.random()


def make_handler(args, state):
    upstream = urllib.parse.urlsplit(args.upstream)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *_):
            pass

        def reply(self, status, body, headers=()):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def forward(self, body):
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            skip = ("connection", "transfer-encoding", "content-length", "keep-alive")
            result = response.status, data, [(k, v) for k, v in response.getheaders() if k.lower() not in skip]
            connection.close()
            with state.lock:
                state.forwarded += 1
            return result

        def fault(self, status, code, message):
            with state.lock:
                state.faults += 1
            self.reply(status, s3_error(status, code, message)[1], [("Content-Type", "application/xml")])

        def do_GET(self):
            if self.path == "/__stats":
                with state.lock:
                    stats = {"puts": state.puts, "forwarded": state.forwarded, "faults": state.faults}
                return self.reply(200, json.dumps(stats).encode(), [("Content-Type", "application/json")])
            self.reply(*self.forward(self.body()))

        def do_HEAD(self):
            status, _, headers = self.forward(b"")
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_DELETE(self):
            self.reply(*self.forward(self.body()))

        def do_POST(self):
            if self.path.startswith("/__mode"):
                mode = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("m", ["none"])[0]
                with state.lock:
                    state.mode = mode
                self.body()
                return self.reply(200, b"{}")
            self.reply(*self.forward(self.body()))

        def do_PUT(self):
            body = self.body()
            with state.lock:
                state.puts += 1
                mode = state.mode
            if mode == "deny":
                return self.fault(403, "AccessDenied", "Access Denied")
            if mode == "nobucket":
                return self.fault(404, "NoSuchBucket", "The specified bucket does not exist")
            draw = state.draw()
            if draw < args.slowdown:
                return self.fault(503, "SlowDown", "Please reduce your request rate.")
            draw -= args.slowdown
            if draw < args.internal:
                return self.fault(500, "InternalError", "We encountered an internal error. Please try again.")
            draw -= args.internal
            if draw < args.reset:
                with state.lock:
                    state.faults += 1
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            draw -= args.reset
            if args.delay > 0:
                time.sleep(state.draw() * args.delay)
            result = self.forward(body)
            if draw < args.after:
                return self.fault(500, "InternalError", "We encountered an internal error. Please try again.")
            self.reply(*result)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--slowdown", type=float, default=0.0)
    parser.add_argument("--internal", type=float, default=0.0)
    parser.add_argument("--after", type=float, default=0.0)
    parser.add_argument("--reset", type=float, default=0.0)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(f"s3_fault_proxy seed {seed}", file=sys.stderr, flush=True)
    state = State(seed)
    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # clients killed mid-request (the point of the tests) break their pipes

    server = Server(("127.0.0.1", 0), make_handler(args, state))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
