"""The moto side: a keep-alive HTTP client per thread, and the follower that copies moto's single
stream shard into the virtual model."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse

from .faults import FaultBook
from .gate import SettleGate
from .model import StreamModel

# Headers that belong to one hop (RFC 9110 §7.6.1) or that the proxy recomputes. Host stays:
# it is signed, and a signature-checking moto must see the client's.
HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
               "trailer", "upgrade", "content-length", "expect"}
# Calls safe to send twice: only these are retried after a failure of a reused connection,
# as a write could have been applied before the connection broke.
READ_ONLY_PREFIXES = ("Get", "Describe", "List", "Query", "Scan", "BatchGet", "TransactGet")
# The proxy's own HTTP server writes these, so moto's copies are dropped.
SERVER_HEADERS = {"server", "date"}


class Upstream:
    """HTTP/1.1 client for moto; one connection per calling thread, reopened when it fails."""

    def __init__(self, base_url: str, region: str = "us-east-1", credentials=None):
        url = urllib.parse.urlsplit(base_url)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"upstream must be http://host:port, got {base_url}")
        self.host, self.port = url.hostname, url.port or 80
        self.region = region
        self.credentials = credentials  # botocore Credentials: sign the proxy's own calls
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self._local.conn = conn
        return conn

    def forward(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes,
                retry: bool = False):
        """Sends a request verbatim; returns (status, headers, body). With `retry`, a failure is
        retried once on a new connection (moto may have closed a kept-alive one)."""
        out = [(k, v) for k, v in headers if k.lower() not in HOP_HEADERS]
        if not any(k.lower() == "host" for k, _ in out):
            out.append(("Host", f"{self.host}:{self.port}"))
        out.append(("Content-Length", str(len(body))))
        for attempt in (1, 2) if retry else (2,):
            conn = self._connection()
            try:
                conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                for k, v in out:
                    conn.putheader(k, v)
                conn.endheaders(body)
                resp = conn.getresponse()
                data = resp.read()
                kept = [(k, v) for k, v in resp.getheaders()
                        if k.lower() not in HOP_HEADERS and k.lower() not in SERVER_HEADERS]
                if resp.will_close:
                    conn.close()
                return resp.status, kept, data
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise

    def call(self, target: str, payload: dict) -> tuple[int, dict]:
        """A JSON call made by the proxy itself: signed when credentials were given (for a
        signature-checking moto), else with a dummy Authorization header, from which moto only
        reads the region and access key."""
        body = json.dumps(payload).encode()
        if self.credentials is not None:
            headers = self._signed(target, body)
        else:
            headers = self._unsigned(target)
        status, _, data = self.forward("POST", "/", headers, body, retry=True)
        try:
            return status, json.loads(data or b"{}")
        except ValueError:
            return status, {"message": data.decode(errors="replace")}

    def _signed(self, target: str, body: bytes) -> list[tuple[str, str]]:
        from botocore.auth import SigV4Auth  # the venv's botocore, only when signing
        from botocore.awsrequest import AWSRequest
        request = AWSRequest("POST", f"http://{self.host}:{self.port}/", data=body, headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target})
        SigV4Auth(self.credentials, "dynamodb", self.region).add_auth(request)
        return list(request.headers.items()) + [("Host", f"{self.host}:{self.port}")]

    def _unsigned(self, target: str) -> list[tuple[str, str]]:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        return [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", target),
            ("X-Amz-Date", stamp),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=testing/" + stamp[:8] + "/"
             + self.region + "/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;"
             "x-amz-target, Signature=0"),
        ]


TABLE_CHECK_SECONDS = 1.0


class StreamFollower:
    """Copies new records of the table's moto stream into the model, in moto's order.

    A pass never overlaps a TransactWriteItems forwarded by the proxy (see gate.py), so it does
    not copy records of a transaction that moto is about to roll back. Every pass takes a fresh
    moto iterator, because a failed TransactWriteItems in moto restores
    a copy of the table and leaves older iterators reading a dead shard. The record at the last
    copied moto sequence number is read again and its eventID compared: a mismatch means moto
    rewrote its stream (that rollback), and the follower rescans from TRIM_HORIZON, copying only
    records whose (sequence number, eventID) it has not seen.
    """

    def __init__(self, upstream: Upstream, model: StreamModel, table: str, book: FaultBook,
                 interval: float = 0.1):
        self.upstream, self.model, self.table, self.book = upstream, model, table, book
        self.interval = interval
        self._sync_lock = threading.Lock()
        self.gate = SettleGate()  # the server holds it around transactions it forwards
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._moto_shard: str | None = None
        self._last: tuple[int, str] | None = None  # moto (seq, eventID) last copied
        self._seen: dict[int, str] = {}
        self._described = 0.0  # monotonic time of the last DescribeTable
        self.last_error: str | None = None
        self._reading: list = [0, 0, None]  # this pass's GetRecords calls, records, last seq read

    def describe(self) -> str:
        calls, records, last = self._reading
        busy = (f"in a pass ({calls} GetRecords, {records} records read, last {last}, "
                f"last copied {self._last})" if self._sync_lock.locked() else "idle")
        return f"{busy} (gate: {self.gate.describe()}), last error {self.last_error}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="stream-follower", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=1)  # a daemon thread: a stalled moto call must not hold us

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync()
                self.model.roll_aged()
                self.last_error = None
            except Exception as error:  # moto restarting or busy: try again next tick
                self.last_error = repr(error)
            self._stop.wait(self.interval)

    def sync(self) -> int:
        """One pass: discovers the stream if needed, copies new records; returns how many."""
        with self._sync_lock, self.gate.follower_pass():
            self._reading = [0, 0, None]
            if not self._discover():
                return 0
            return self._pull()

    def _discover(self) -> bool:
        # DescribeTable costs moto a walk over the table's keys: once the stream is known, look
        # again only now and then, to notice a re-created table.
        now = time.monotonic()
        if self._moto_shard and now - self._described < TABLE_CHECK_SECONDS:
            return True
        self._described = now
        status, table = self.upstream.call("DynamoDB_20120810.DescribeTable",
                                           {"TableName": self.table})
        arn = table.get("Table", {}).get("LatestStreamArn") if status == 200 else None
        enabled = status == 200 and (table["Table"].get("StreamSpecification") or {}).get("StreamEnabled")
        if not arn or not enabled:
            # Streams turned off: moto keeps LatestStreamArn but stops streaming; DynamoDB
            # closes the stream's shards and keeps them readable. A later enable is a new arn.
            if status == 200 and self.model.stream_arn is not None and self.model.retire():
                self.book.note("streams_retired")
            self._moto_shard = None
            return False
        if arn == self.model.stream_arn and self._moto_shard:
            return True
        status, described = self.upstream.call("DynamoDBStreams_20120810.DescribeStream",
                                               {"StreamArn": arn})
        if status != 200:
            return False
        desc = described["StreamDescription"]
        shards = desc.get("Shards") or []
        if not shards:
            return False
        metadata = {k: v for k, v in desc.items() if k not in ("Shards", "LastEvaluatedShardId")}
        self.model.start(arn, metadata)
        self._moto_shard = shards[0]["ShardId"]
        self._last, self._seen = None, {}
        return True

    def _iterator(self, kind: str, seq: int | None = None) -> str | None:
        payload = {"StreamArn": self.model.stream_arn, "ShardId": self._moto_shard,
                   "ShardIteratorType": kind}
        if seq is not None:
            payload["SequenceNumber"] = str(seq)
        status, out = self.upstream.call("DynamoDBStreams_20120810.GetShardIterator", payload)
        if status != 200:
            raise RuntimeError(f"moto GetShardIterator {status}: {out}")
        return out.get("ShardIterator")

    def _records(self, iterator: str | None):
        newest = -1
        while iterator:
            status, out = self.upstream.call("DynamoDBStreams_20120810.GetRecords",
                                              {"ShardIterator": iterator, "Limit": 1000})
            if status != 200:
                raise RuntimeError(f"moto GetRecords {status}: {out}")
            records = out.get("Records") or []
            self._reading[0] += 1
            self._reading[1] += len(records)
            if not records:
                return
            self._reading[2] = records[-1]["dynamodb"]["SequenceNumber"]
            page_newest = max(int(r["dynamodb"]["SequenceNumber"]) for r in records)
            if page_newest <= newest:
                # Stock moto can number two records alike; at the stream's end its next iterator
                # then hands the same record back forever. Nothing newer: the pass is done.
                return
            newest = page_newest
            yield from records
            iterator = out.get("NextShardIterator")

    def _pull(self) -> int:
        copied = 0
        if self._last is None:
            it = self._iterator("TRIM_HORIZON")
            rewritten = False
        else:
            it = self._iterator("AT_SEQUENCE_NUMBER", self._last[0])
            rewritten = True
        for record in self._records(it):
            seq = int(record["dynamodb"]["SequenceNumber"])
            event_id = record.get("eventID", "")
            if self._last is not None and seq == self._last[0]:
                rewritten = event_id != self._last[1]
                if rewritten:
                    break
                continue
            copied += self._copy(seq, event_id, record)
        if rewritten and self._last is not None:
            self.book.note("upstream_rewrites")
            copied += self._rescan()
        return copied

    def _rescan(self) -> int:
        anchor = self._anchor()
        if anchor is None:  # nothing copied before reads the same any more: from the start
            it = self._iterator("TRIM_HORIZON")
        else:
            it = self._iterator("AT_SEQUENCE_NUMBER", anchor)
        copied = 0
        last = None
        for record in self._records(it):
            seq = int(record["dynamodb"]["SequenceNumber"])
            event_id = record.get("eventID", "")
            last = (seq, event_id)
            if self._seen.get(seq) != event_id:
                copied += self._copy(seq, event_id, record)
        self._last = last
        return copied

    def _anchor(self) -> int | None:
        """The sequence number of a copied record that moto still has unchanged, close behind the
        last copied one; None when there is none.

        moto only ever rewrites the end of its stream (a rolled-back transaction's records are
        cut, or restored from a copy taken before it), so once one copied record reads the same,
        every record before it does too, and the rescan starts there. Reading the whole stream
        again instead cost a pass seconds per thousand records, and a pass holds the transaction
        gate: with a long stream and frequent rollbacks every call through the proxy waited."""
        if not self._seen or self._last is None:
            return None
        oldest = min(self._seen)
        seq, step = self._last[0], 16
        while True:
            seq = max(oldest, seq - step)
            it = self._iterator("AT_SEQUENCE_NUMBER", seq)
            status, out = self.upstream.call("DynamoDBStreams_20120810.GetRecords",
                                              {"ShardIterator": it, "Limit": 1})
            if status != 200:
                raise RuntimeError(f"moto GetRecords {status}: {out}")
            first = (out.get("Records") or [None])[0]
            if first is not None and int(first["dynamodb"]["SequenceNumber"]) == seq \
                    and self._seen.get(seq) == first.get("eventID", ""):
                return seq
            if seq == oldest:
                return None
            step *= 4

    def _copy(self, seq: int, event_id: str, record: dict) -> int:
        self.model.append(record)
        self._seen[seq] = event_id
        self._last = (seq, event_id)
        self.book.note("records_copied")
        return 1
