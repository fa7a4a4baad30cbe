"""DynamoDB Streams operations answered from the virtual model: DescribeStream, GetShardIterator,
GetRecords. Requests for another table's stream are forwarded to moto by the caller."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time

from .model import StreamError, StreamModel

TOKEN_PREFIX = "zsp1."
ITERATOR_TYPES = ("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
MAX_RESPONSE_BYTES = 1024 * 1024  # GetRecords answers at most 1 MB of records, as AWS does
READER_WINDOW = 1.0  # seconds a connection counts as a reader of a shard after its GetRecords


class NotOurs(Exception):
    """The request names a stream or iterator the proxy does not model: forward it to moto."""


class StreamsAPI:
    """Stateless operations over the model plus the iterator codec (HMAC-sealed tokens encoding
    shard, position, issue time and generation)."""

    def __init__(self, model: StreamModel, iterator_ttl: float = 900.0, clock=time.time):
        self.model = model
        self.iterator_ttl = iterator_ttl
        self.clock = clock
        self._secret = os.urandom(32)
        self._lock = threading.Lock()
        self._generation = 0  # iterators of older generations are expired
        self.max_readers = 0  # per shard; 0 = no limit
        self._readers: dict[str, dict[object, float]] = {}  # shard -> reader -> last read

    def expire_iterators(self) -> None:
        with self._lock:
            self._generation += 1

    # -- iterator tokens --------------------------------------------------------------------

    def _seal(self, shard_id: str, after: int) -> str:
        with self._lock:
            generation = self._generation
        claims = {"s": shard_id, "p": str(after), "t": self.clock(), "g": generation,
                  "n": base64.b32encode(os.urandom(10)).decode()}
        raw = json.dumps(claims, separators=(",", ":")).encode()
        mac = hmac.new(self._secret, raw, hashlib.sha256).digest()[:16]
        return TOKEN_PREFIX + base64.urlsafe_b64encode(mac + raw).decode().rstrip("=")

    def _open(self, token: str) -> tuple[str, int]:
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            raise NotOurs()
        try:
            blob = token[len(TOKEN_PREFIX):]
            data = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
            mac, raw = data[:16], data[16:]
            if not hmac.compare_digest(mac, hmac.new(self._secret, raw, hashlib.sha256).digest()[:16]):
                raise ValueError("bad seal")
            claims = json.loads(raw)
            shard_id, after = claims["s"], int(claims["p"])
            issued, generation = float(claims["t"]), int(claims["g"])
        except (ValueError, KeyError, TypeError):
            raise StreamError("ValidationException", "Invalid ShardIterator") from None
        with self._lock:
            stale = generation < self._generation
        if stale or self.clock() - issued > self.iterator_ttl:
            raise StreamError("ExpiredIteratorException",
                              "Iterator expired. The iterator was created at time "
                              f"{time.strftime('%a %b %d %H:%M:%S UTC %Y', time.gmtime(issued))}")
        return shard_id, after

    # -- operations -------------------------------------------------------------------------

    def _check_stream(self, request: dict) -> None:
        arn = request.get("StreamArn")
        if not isinstance(arn, str) or not arn:
            raise StreamError("ValidationException", "StreamArn is required")
        if not self.model.knows(arn):
            raise NotOurs()

    def describe_stream(self, request: dict) -> dict:
        self._check_stream(request)
        limit = request.get("Limit", 100)
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            raise StreamError("ValidationException", "Limit must be between 1 and 100")
        start = request.get("ExclusiveStartShardId")
        arn = request["StreamArn"]
        shards, last = self.model.describe_page(limit, start, arn)
        desc, status = self.model.stream_metadata(arn)
        desc["StreamArn"] = arn
        desc["StreamStatus"] = status
        desc["Shards"] = shards
        if last:
            desc["LastEvaluatedShardId"] = last
        return {"StreamDescription": desc}

    def get_shard_iterator(self, request: dict) -> dict:
        self._check_stream(request)
        shard_id = request.get("ShardId")
        kind = request.get("ShardIteratorType")
        if not isinstance(shard_id, str) or kind not in ITERATOR_TYPES:
            raise StreamError("ValidationException",
                              "ShardId and a valid ShardIteratorType are required")
        seq = request.get("SequenceNumber")
        try:
            seq_value = int(seq) if seq is not None else None
        except (TypeError, ValueError):
            raise StreamError("ValidationException", f"Invalid SequenceNumber {seq!r}") from None
        after = self.model.position(shard_id, kind, seq_value)
        return {"ShardIterator": self._seal(shard_id, after)}

    def empty_page(self, request: dict) -> bytes:
        """A GetRecords answer with no records and an iterator at the same position, as
        DynamoDB sometimes gives before data (the "empty" fault)."""
        shard_id, after = self._open(request.get("ShardIterator"))
        self.model.live_shard(shard_id)
        return json.dumps({"Records": [], "NextShardIterator": self._seal(shard_id, after)}).encode()

    def _admit(self, shard_id: str, reader: object) -> None:
        """DynamoDB throttles a shard read by more than two processes at once: here a reader is
        a client connection that called GetRecords on the shard within READER_WINDOW."""
        if not self.max_readers or reader is None:
            return
        now = self.clock()
        with self._lock:
            recent = {r: t for r, t in self._readers.get(shard_id, {}).items()
                      if now - t < READER_WINDOW}
            if reader not in recent and len(recent) >= self.max_readers:
                raise StreamError("LimitExceededException",
                                  f"More than {self.max_readers} readers on shard {shard_id}")
            recent[reader] = now
            self._readers[shard_id] = recent

    def get_records(self, request: dict, reader: object = None) -> bytes:
        """Returns the response body already encoded (record bodies are stored encoded)."""
        shard_id, after = self._open(request.get("ShardIterator"))
        self._admit(shard_id, reader)
        limit = request.get("Limit", 1000)
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise StreamError("ValidationException", "Limit must be between 1 and 1000")
        bodies, new_after, at_end = self.model.read(shard_id, after, limit, MAX_RESPONSE_BYTES)
        out = b'{"Records":[' + b",".join(bodies) + b"]"
        if not at_end:
            out += b',"NextShardIterator":' + json.dumps(self._seal(shard_id, new_after)).encode()
        return out + b"}"
