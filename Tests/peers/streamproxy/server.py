"""The HTTP/1.1 front: forwards DynamoDB calls to moto, answers DynamoDB Streams calls from the
virtual model, injects armed faults, and serves the /__proxy/ control and inspection endpoints."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import struct
import sys
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .faults import Fault, FaultBook
from .gate import ROLLBACK_APIS, ExclusiveTransactions
from .model import StreamError, StreamModel
from .streams_api import NotOurs, StreamsAPI
from .upstream import READ_ONLY_PREFIXES, StreamFollower, Upstream
from .watchdog import StallWatchdog

STREAMS_PREFIX = "DynamoDBStreams_20120810."
CORAL_AVAILABILITY = {"ThrottlingException", "ServiceUnavailableException"}


def access_key(authorization: str) -> str | None:
    """The access key id of a SigV4 Authorization header (`... Credential=KEY/date/...`)."""
    start = authorization.find("Credential=")
    if start < 0:
        return None
    return authorization[start + len("Credential="):].split("/", 1)[0] or None


def error_type(code: str) -> str:
    if code in CORAL_AVAILABILITY:
        return "com.amazon.coral.availability#" + code
    if code == "ValidationException":
        return "com.amazon.coral.validate#" + code
    return "com.amazonaws.dynamodb.v20120810#" + code


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True  # a held (delayed) request must not block shutdown
    allow_reuse_address = True

    def __init__(self, port: int, upstream: Upstream, model: StreamModel, api: StreamsAPI,
                 follower: StreamFollower, book: FaultBook):
        super().__init__(("127.0.0.1", port), ProxyHandler)
        self.upstream, self.model, self.api = upstream, model, api
        self.follower, self.book = follower, book
        self.exclusive = ExclusiveTransactions()
        self.verbose = False
        self.watchdog = StallWatchdog(self.describe_gates)

    def describe_gates(self) -> str:
        return f"exclusive {self.exclusive.describe()}; follower {self.follower.describe()}"

    def handle_error(self, request, client_address):
        # A client that gave up on a held (delayed) call closes its socket: not worth a trace.
        if self.verbose or not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ProxyServer

    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        if self.server.verbose:  # never logs headers: requests carry signatures
            super().log_message(format, *args)

    # -- plumbing ---------------------------------------------------------------------------

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle plus delayed ACK add 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, status: int, body: bytes, headers=None, content_type=None) -> None:
        self.send_response(status)
        names = set()
        for k, v in headers or []:
            names.add(k.lower())
            self.send_header(k, v)
        if "content-type" not in names:
            self.send_header("Content-Type", content_type or "application/x-amz-json-1.0")
        if "x-amzn-requestid" not in names:
            self.send_header("x-amzn-RequestId", os.urandom(26).hex().upper())
        if "x-amz-crc32" not in names:
            self.send_header("x-amz-crc32", str(zlib.crc32(body) & 0xFFFFFFFF))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj) -> None:
        self._send(status, json.dumps(obj).encode(), content_type="application/json")

    def _aws_error(self, status: int, code: str, message: str, extra: dict | None = None) -> None:
        body = json.dumps({**(extra or {}), "__type": error_type(code), "message": message}).encode()
        self._send(status, body)

    def _reset(self) -> None:
        """Closes the socket with a TCP RST and no answer."""
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    # -- routes -----------------------------------------------------------------------------

    def do_GET(self):
        if self.path == "/__proxy/stats":
            stats = self.server.book.stats()
            stats["records"] = self.server.model.records
            stats["shards"] = len(self.server.model.shards)
            stats["rollovers"] = self.server.model.rollovers
            stats["iterator_ttl"] = self.server.api.iterator_ttl
            stats["follower_error"] = self.server.follower.last_error
            return self._json(200, stats)
        if self.path == "/__proxy/shards":
            return self._json(200, self.server.model.snapshot())
        self._json(404, {"error": f"no route {self.path}"})

    def do_POST(self):
        try:
            body = self._body()
        except ValueError:  # a bad Content-Length or chunk size: the stream is out of step
            self.close_connection = True
            return self._json(400, {"error": "malformed request framing"})
        if self.path.startswith("/__proxy/"):
            return self._control(body)
        target = self.headers.get("X-Amz-Target", "")
        api = target.rsplit(".", 1)[-1] if target else "unknown"
        with self.server.watchdog.call(api):
            self._serve(target, api, body)

    def _serve(self, target: str, api: str, body: bytes) -> None:
        watchdog = self.server.watchdog
        fault = self.server.book.take(api, access_key(self.headers.get("Authorization", "")), body)
        if fault is not None:
            watchdog.stage(f"fault {fault.kind}")
            if self._suffer(fault, target, body):
                return
        if target.startswith(STREAMS_PREFIX):
            status, headers, data = self._streams(api, body)
        elif api in ROLLBACK_APIS:
            watchdog.stage("waiting for the transaction turn")
            with self.server.exclusive.transaction():
                watchdog.stage("waiting for the follower's pass")
                with self.server.follower.gate.transaction():
                    status, headers, data = self._forward(body, api)
        else:
            watchdog.stage("waiting for a call turn")
            with self.server.exclusive.call():
                status, headers, data = self._forward(body, api)
        if fault is not None and fault.kind == "reset_after":
            return self._reset()
        watchdog.stage("answering")
        self._send(status, data, headers)

    def _suffer(self, fault: Fault, target: str, body: bytes) -> bool:
        """Applies a fault that acts before the call; True when the call is answered."""
        streams = target.startswith(STREAMS_PREFIX)
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return False
        if fault.kind == "blackhole":
            # Accepted and never answered: held until the blackhole ends, then dropped.
            time.sleep(max(0.0, fault.until - time.monotonic()))
            self._reset()
            return True
        if fault.kind == "reset":
            self._reset()
            return True
        if fault.kind == "throttle":
            default = "LimitExceededException" if streams else "ProvisionedThroughputExceededException"
            code = fault.code or default
            self._aws_error(400, code, "Rate exceeded (injected by the stream proxy)", fault.extra)
            return True
        if fault.kind in ("error500", "error503"):
            status = 500 if fault.kind == "error500" else 503
            code = fault.code or ("InternalServerError" if status == 500
                                  else "ServiceUnavailableException")
            self._aws_error(status, code, "Internal error (injected by the stream proxy)",
                            fault.extra)
            return True
        if fault.kind == "echo":
            self._aws_error(400, fault.code or "ValidationException", self._echo(target, body), fault.extra)
            return True
        if fault.kind == "empty":
            try:
                out = self.server.api.empty_page(json.loads(body or b"{}"))
            except (NotOurs, ValueError, AttributeError):
                return False  # not an iterator of the model: the call goes on unharmed
            except StreamError as error:
                self._aws_error(error.status, error.code, error.message)
                return True
            self._send(200, out)
            return True
        return False  # reset_after acts after the call

    def _echo(self, target: str, body: bytes) -> str:
        """A message that quotes the signed request back, as AWS's signature errors do: the
        canonical request with its security token, and the Authorization header (credential
        scope with the access key id, and the signature)."""
        authorization = self.headers.get("Authorization", "")
        if "Signature=" in authorization:
            self.server.book.echo(authorization.rsplit("Signature=", 1)[1].strip())
        signed = ""
        if "SignedHeaders=" in authorization:
            signed = authorization.split("SignedHeaders=", 1)[1].split(",", 1)[0]
        canonical = "\n".join([
            "POST", self.path, "",
            f"host:{self.headers.get('Host', '')}",
            f"x-amz-date:{self.headers.get('X-Amz-Date', '')}",
            f"x-amz-security-token:{self.headers.get('X-Amz-Security-Token', '')}",
            f"x-amz-target:{target}", "", signed, hashlib.sha256(body).hexdigest()])
        return ("The request signature we calculated does not match the signature you provided. "
                f"The Canonical String for this request should have been\n'{canonical}'\n"
                f"Authorization: {authorization}\n"
                f"X-Amz-Security-Token: {self.headers.get('X-Amz-Security-Token', '')}")

    def _forward(self, body: bytes, api: str):
        self.server.watchdog.stage("at moto")
        retry = api.startswith(READ_ONLY_PREFIXES)
        try:
            return self.server.upstream.forward("POST", self.path, list(self.headers.items()), body,
                                                retry=retry)
        except (OSError, http.client.HTTPException) as error:
            message = f"upstream unavailable: {error!r}"
            data = json.dumps({"__type": error_type("ServiceUnavailableException"),
                               "message": message}).encode()
            return 503, [], data

    def _streams(self, api: str, body: bytes):
        try:
            request = json.loads(body or b"{}")
            if not isinstance(request, dict):
                raise ValueError("body is not an object")
        except ValueError:
            return 400, [], json.dumps({"__type": error_type("SerializationException"),
                                        "message": "malformed JSON body"}).encode()
        handlers = {"DescribeStream": self.server.api.describe_stream,
                    "GetShardIterator": self.server.api.get_shard_iterator,
                    "GetRecords": lambda r: self.server.api.get_records(r, self.client_address)}
        handler = handlers.get(api)
        if handler is None:  # ListStreams and anything new: moto answers
            return self._forward(body, api)
        try:
            out = self._answer(api, handler, request)
        except StreamError as error:
            if error.code == "LimitExceededException":
                self.server.book.note("reader_limit_exceeded")
            return error.status, [], json.dumps({"__type": error_type(error.code),
                                                 "message": error.message}).encode()
        if out is None:
            return self._forward(body, api)
        data = out if isinstance(out, bytes) else json.dumps(out).encode()
        return 200, [], data

    def _answer(self, api: str, handler, request: dict):
        """The model's answer, or None when the stream or iterator is not the proxy's."""
        try:
            return handler(request)
        except NotOurs:
            if api == "GetRecords":
                return None
        try:  # the stream may have been created since the follower's last pass
            self.server.watchdog.stage("syncing the follower")
            self.server.follower.sync()
        except Exception:
            return None
        try:
            return handler(request)
        except NotOurs:
            return None

    # -- control ----------------------------------------------------------------------------

    def _control(self, body: bytes):
        if self.path != "/__proxy/control":
            return self._json(404, {"error": f"no route {self.path}"})
        try:
            spec = json.loads(body or b"{}")
            if not isinstance(spec, dict):
                raise ValueError("control body must be a JSON object")
            result = self._act(spec)
        except (ValueError, TypeError, KeyError) as error:
            return self._json(400, {"ok": False, "error": str(error)})
        except StreamError as error:
            return self._json(400, {"ok": False, "error": error.message})
        self._json(200, {"ok": True, **result})

    def _act(self, spec: dict) -> dict:
        s = self.server
        action = spec.get("action")
        if action == "fault":
            s.book.arm(Fault.from_json(spec))
            return {}
        if action == "clear_faults":
            s.book.clear()
            return {}
        if action == "sync":
            return {"copied": s.follower.sync()}
        if action == "rollover":
            children = spec.get("children")
            if children not in (None, 1, 2):
                raise ValueError("children must be 1 or 2")
            made = s.model.rollover(spec.get("shard"), children)
            return {"children": made}
        if action == "delete_shard":
            s.model.delete_shard(str(spec["shard"]))
            s.book.note("shards_deleted")
            return {}
        if action == "trim":
            dropped = s.model.trim(int(spec["before"]))
            s.book.note("records_trimmed", dropped)
            return {"trimmed": dropped}
        if action == "expire_iterators":
            s.api.expire_iterators()
            s.book.note("iterator_expiries")
            return {}
        if action == "config":
            with s.model.lock:
                if "rollover_every" in spec:
                    every = int(spec["rollover_every"])
                    if every < 0:
                        raise ValueError("rollover_every must be >= 0")
                    s.model.rollover_every = every
                if "rollover_seconds" in spec:
                    seconds = float(spec["rollover_seconds"])
                    if seconds < 0:
                        raise ValueError("rollover_seconds must be >= 0")
                    s.model.rollover_seconds = seconds
                if "rollover_children" in spec:
                    mode = str(spec["rollover_children"])
                    if mode not in ("1", "2", "alternate"):
                        raise ValueError("rollover_children must be 1, 2 or alternate")
                    s.model.rollover_children = mode
            if "max_readers" in spec:
                readers = int(spec["max_readers"])
                if readers < 0:
                    raise ValueError("max_readers must be >= 0")
                s.api.max_readers = readers
            if "iterator_ttl" in spec:
                ttl = float(spec["iterator_ttl"])
                if ttl <= 0:
                    raise ValueError("iterator_ttl must be > 0")
                s.api.iterator_ttl = ttl
            return {"rollover_every": s.model.rollover_every,
                    "rollover_seconds": s.model.rollover_seconds,
                    "rollover_children": s.model.rollover_children,
                    "iterator_ttl": s.api.iterator_ttl, "max_readers": s.api.max_readers}
        raise ValueError(f"unknown action {action!r}")
