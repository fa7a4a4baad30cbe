"""A loopback HTTP/1.1 server that answers like a misbehaving AWS JSON endpoint.

Usage: fault_server.py --mode MODE [--failures N] [--success-body JSON] [--tls-cert PEM --tls-key PEM]
                       [--clock-offset SECONDS]

Prints the port it listens on (127.0.0.1, chosen by the OS) as the first line of stdout, then
serves until killed. The first N requests (all of them when N < 0) get the fault of MODE; later
ones get 200 with --success-body and a correct x-amz-crc32. GET /__stats answers with counters
(connections accepted, requests served, X-Amz-Target values seen, the last request's headers) and
is not itself counted as a request.

Mode "skewed" runs the server's clock --clock-offset seconds ahead of the host's (negative:
behind): like AWS, it rejects any request whose X-Amz-Date is more than 5 minutes from its clock
with InvalidSignatureException ("Signature expired: ..." / "Signature not yet current: ...") and
answers the rest with success; every answer's Date header reads the server's clock. /__stats
then also lists each request's status and X-Amz-Date.
"""

import argparse
import calendar
import email.utils
import http.server
import json
import socket
import ssl
import threading
import time
import zlib

ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"


def aws_error(code, message, **extra):
    body = {"__type": ERROR_PREFIX + code, "message": message}
    body.update(extra)
    return 400, "application/x-amz-json-1.0", json.dumps(body).encode()


def fault(mode, success_body):
    """(status, content type, body, extra headers) of one faulty answer; None closes the socket."""
    if mode == "truncated":
        return 200, "application/x-amz-json-1.0", success_body[: len(success_body) // 2], {}
    if mode == "wrongtypes":
        body = json.dumps({"Table": {"TableName": 5, "TableStatus": ["ACTIVE"]}}).encode()
        return 200, "application/x-amz-json-1.0", body, {}
    if mode == "html502":
        body = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
        return 502, "text/html", body, {}
    if mode == "badcrc":
        crc = (zlib.crc32(success_body) + 1) & 0xFFFFFFFF
        return 200, "application/x-amz-json-1.0", success_body, {"x-amz-crc32": str(crc)}
    if mode == "throttle":
        return (*aws_error("ThrottlingException", "Rate of requests exceeds the allowed throughput."), {})
    if mode == "expired":
        return (*aws_error("ExpiredTokenException", "The security token included in the request is expired"), {})
    if mode == "conditional":
        return (*aws_error("ConditionalCheckFailedException", "The conditional request failed"), {})
    if mode == "validation":
        return (*aws_error("ValidationException", "One or more parameter values were invalid"), {})
    if mode == "internal":
        body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
                           "message": "Internal server error"}).encode()
        return 500, "application/x-amz-json-1.0", body, {}
    if mode == "reset":
        return None
    raise ValueError(mode)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0
        self.requests = 0
        self.targets = []
        self.last_headers = {}
        self.statuses = []
        self.amz_dates = []


def skew_rejection(amz_date, server_now):
    """The error AWS gives a request signed more than 5 minutes from its clock; None when fine."""
    def stamp(seconds):
        return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(seconds))
    try:
        signed = calendar.timegm(time.strptime(amz_date or "", "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return aws_error("IncompleteSignatureException", "X-Amz-Date is missing or malformed")
    if signed < server_now - 300:
        return aws_error("InvalidSignatureException", "Signature expired: %s is now earlier than %s (%s - 5 min.)"
                         % (amz_date, stamp(server_now - 300), stamp(server_now)))
    if signed > server_now + 300:
        return aws_error("InvalidSignatureException", "Signature not yet current: %s is still later than %s (%s + 5 min.)"
                         % (amz_date, stamp(server_now + 300), stamp(server_now)))
    return None


def make_handler(args, stats):
    success_body = args.success_body.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
        # the client's delayed ACK stall every kept-alive response by ~40 ms.
        disable_nagle_algorithm = True

        def setup(self):
            super().setup()
            with stats.lock:
                stats.connections += 1

        def log_message(self, *_):
            pass

        def date_time_string(self, timestamp=None):
            # The Date header reads the server's (possibly skewed) clock.
            return email.utils.formatdate(time.time() + args.clock_offset, usegmt=True)

        def send(self, status, content_type, body, headers, counted=True):
            if counted:
                with stats.lock:
                    stats.statuses.append(status)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", "REQ%04d" % stats.requests)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/__stats":
                with stats.lock:
                    body = json.dumps({"connections": stats.connections, "requests": stats.requests,
                                   "targets": stats.targets, "last_headers": stats.last_headers,
                                   "statuses": stats.statuses, "amz_dates": stats.amz_dates}).encode()
                self.send(200, "application/json", body, {}, counted=False)
            else:
                self.answer()

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(length)
            self.answer()

        def answer(self):
            with stats.lock:
                stats.requests += 1
                number = stats.requests
                stats.targets.append(self.headers.get("X-Amz-Target", ""))
                stats.last_headers = {k.lower(): v for k, v in self.headers.items()}
                stats.amz_dates.append(self.headers.get("X-Amz-Date", ""))
            if args.mode == "skewed":
                answer = skew_rejection(self.headers.get("X-Amz-Date"), time.time() + args.clock_offset)
                if answer is not None:
                    self.send(*answer, {})
                    return
            elif args.mode == "hang":
                time.sleep(args.hang_seconds)
            elif args.mode != "ok" and (args.failures < 0 or number <= args.failures):
                answer = fault(args.mode, success_body)
                if answer is None:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.send(*answer)
                return
            crc = zlib.crc32(success_body) & 0xFFFFFFFF
            self.send(200, "application/x-amz-json-1.0", success_body, {"x-amz-crc32": str(crc)})

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="ok")
    parser.add_argument("--failures", type=int, default=-1)
    parser.add_argument("--success-body", default="{}")
    parser.add_argument("--hang-seconds", type=float, default=30)
    parser.add_argument("--clock-offset", type=float, default=0, help="skewed mode: server clock minus host clock (s)")
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="the certificate's private key (PEM)")
    args = parser.parse_args()
    stats = Stats()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args, stats))
    server.daemon_threads = True
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
