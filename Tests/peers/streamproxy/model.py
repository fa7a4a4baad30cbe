"""The virtual multi-shard stream: shards with hash ranges, lineage, records, trim and delete.

moto has one shard per table that never closes. This model spreads moto's records over virtual
shards by a stable hash of each record's Keys (as DynamoDB spreads items over partitions), and
closes shards into one child (a chain) or two children (a split of the hash range), so a consumer
sees lineage as it would on DynamoDB. All state is guarded by `StreamModel.lock`.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import threading
import time

HASH_SPACE = 1 << 64
# Own sequence numbers (21 digits, gaps between them) rather than moto's: moto re-issues numbers
# after a failed TransactWriteItems rolls its table back, and a real stream never does that.
SEQ_BASE = 300_000_000_000_000_000_000
SEQ_STEP = 100


class StreamError(Exception):
    """An error answered to the client as a DynamoDB Streams error body."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def java_seconds(seconds: int) -> str:
    """Whole epoch seconds as DynamoDB Streams writes them on the wire, in the Java double
    notation (1.578648338E9, 1.7E9)."""
    digits = str(seconds)
    if seconds < 10_000_000:  # Java prints plain notation below 1e7
        return f"{seconds}.0"
    return f"{digits[0]}.{digits[1:].rstrip('0') or '0'}E{len(digits) - 1}"


def key_hash(keys: dict) -> int:
    """A stable 64-bit hash of a record's Keys (independent of attribute order)."""
    canonical = json.dumps(keys, sort_keys=True, separators=(",", ":")).encode()
    return int.from_bytes(hashlib.md5(canonical).digest()[:8], "big")


class Shard:
    """One virtual shard: a hash range, its lineage and its records (seqs and JSON bodies)."""

    def __init__(self, shard_id: str, parent_id: str | None, lo: int, hi: int, depth: int,
                 start_seq: int, created_at: float):
        self.shard_id = shard_id
        self.created_at = created_at
        self.parent_id = parent_id
        self.lo, self.hi = lo, hi
        self.depth = depth
        self.start_seq = start_seq
        self.end_seq: int | None = None
        self.seqs: list[int] = []
        self.bodies: list[bytes] = []
        self.trim_index = 0  # records before this index are trimmed
        self.deleted = False
        self.children: list[str] = []

    @property
    def closed(self) -> bool:
        return self.end_seq is not None

    def describe(self) -> dict:
        seq_range = {"StartingSequenceNumber": str(self.start_seq)}
        if self.end_seq is not None:
            seq_range["EndingSequenceNumber"] = str(self.end_seq)
        out = {"ShardId": self.shard_id, "SequenceNumberRange": seq_range}
        if self.parent_id:
            out["ParentShardId"] = self.parent_id
        return out

    def trimmed_past(self, after: int) -> bool:
        """Whether a reader positioned after `after` would miss trimmed records."""
        return self.trim_index > 0 and self.seqs[self.trim_index - 1] > after


class StreamModel:
    """Virtual shards built from moto's single shard. Thread-safe through `lock`."""

    def __init__(self, root_shards: int = 8, rollover_every: int = 0,
                 rollover_children: str = "alternate", clock=time.time,
                 rollover_seconds: float = 0.0, creation_time: str = "java"):
        if creation_time not in ("java", "int"):
            raise ValueError("creation_time must be java or int")
        if root_shards < 1:
            raise ValueError("root_shards must be >= 1")
        if rollover_children not in ("1", "2", "alternate"):
            raise ValueError("rollover_children must be 1, 2 or alternate")
        self.lock = threading.RLock()
        self.root_shards = root_shards
        self.rollover_every = rollover_every
        self.rollover_children = rollover_children
        self.rollover_seconds = rollover_seconds
        self.creation_time = creation_time
        self.rollovers = 0
        self.clock = clock
        self.stream_arn: str | None = None
        self.metadata: dict = {}
        # Streams the table had before (turned off, or off and on again): arn -> (metadata,
        # shards). Their shards are closed and stay readable, as DynamoDB keeps a disabled
        # stream for 24 hours; shard ids differ between streams, so `by_id` holds every stream's.
        self.retired: dict[str, tuple[dict, list[Shard]]] = {}
        self.shards: list[Shard] = []  # creation order
        self.by_id: dict[str, Shard] = {}
        self._open: list[tuple[int, Shard]] = []  # (lo, shard), sorted by lo
        self._open_los: list[int] = []
        self.next_seq = SEQ_BASE
        self.trim_before = 0
        self.records = 0

    # -- building ---------------------------------------------------------------------------

    def start(self, stream_arn: str, metadata: dict) -> None:
        """(Re)creates the root shards for a newly discovered stream; a stream modelled before
        under another arn is retired first (`retire`)."""
        with self.lock:
            if self.stream_arn is not None and self.stream_arn != stream_arn:
                self.retire()
            self.stream_arn = stream_arn
            self.metadata = metadata
            self.shards, self._open = [], []
            self.trim_before = 0
            width = HASH_SPACE // self.root_shards
            for i in range(self.root_shards):
                hi = HASH_SPACE if i == self.root_shards - 1 else (i + 1) * width
                self._new_shard(None, i * width, hi, 0)
            self._reindex_open()

    def retire(self) -> str | None:
        """The table's stream was turned off: closes every open shard (no children) and keeps
        the stream readable under its arn with StreamStatus DISABLED. Returns the arn."""
        with self.lock:
            arn = self.stream_arn
            if arn is None:
                return None
            for shard in self.shards:
                if not shard.closed:
                    shard.end_seq = shard.seqs[-1] if shard.seqs else shard.start_seq
            self.retired[arn] = (dict(self.metadata), self.shards)
            self.stream_arn, self.metadata = None, {}
            self.shards, self._open, self._open_los = [], [], []
            return arn

    def knows(self, stream_arn: str) -> bool:
        with self.lock:
            return stream_arn == self.stream_arn or stream_arn in self.retired

    def stream_metadata(self, stream_arn: str) -> tuple[dict, str]:
        """(metadata, StreamStatus) of the current or a retired stream."""
        with self.lock:
            if stream_arn in self.retired:
                return dict(self.retired[stream_arn][0]), "DISABLED"
            return dict(self.metadata), "ENABLED"

    def _new_shard(self, parent: Shard | None, lo: int, hi: int, depth: int) -> Shard:
        index = len(self.shards)
        millis = int(self.clock() * 1000)
        tag = hashlib.md5(f"{self.stream_arn}|{index}".encode()).hexdigest()[:8]
        shard = Shard(f"shardId-{millis:020d}-{tag}", parent.shard_id if parent else None,
                      lo, hi, depth, self.next_seq, self.clock())
        self.next_seq += SEQ_STEP
        self.shards.append(shard)
        self.by_id[shard.shard_id] = shard
        if parent:
            parent.children.append(shard.shard_id)
        return shard

    def _reindex_open(self) -> None:
        self._open = sorted(((s.lo, s) for s in self.shards if not s.closed),
                            key=lambda pair: pair[0])
        self._open_los = [lo for lo, _ in self._open]

    def append(self, record: dict) -> Shard:
        """Adds one moto record to the open shard owning its key; returns that shard."""
        with self.lock:
            h = key_hash(record.get("dynamodb", {}).get("Keys", {}))
            shard = self._open[bisect.bisect_right(self._open_los, h) - 1][1]
            seq = self.next_seq
            self.next_seq += SEQ_STEP
            body = dict(record)
            dyn = dict(body.get("dynamodb", {}))
            dyn["SequenceNumber"] = str(seq)
            created = dyn.get("ApproximateCreationDateTime")
            whole = None
            if isinstance(created, (int, float)) and not isinstance(created, bool):
                whole = math.floor(created)  # whole seconds, as AWS (moto sends fractions)
                dyn["ApproximateCreationDateTime"] = whole
            body["dynamodb"] = dyn
            text = json.dumps(body, separators=(",", ":"))
            if whole is not None and self.creation_time == "java":
                # The first occurrence is the record's own: eventID and the other fields before
                # "dynamodb" cannot hold it, and inside images a quote before ":" is escaped.
                field = '"ApproximateCreationDateTime":'
                text = text.replace(f"{field}{whole}", f"{field}{java_seconds(whole)}", 1)
            shard.seqs.append(seq)
            shard.bodies.append(text.encode())
            self.records += 1
            if self.rollover_every and len(shard.seqs) >= self.rollover_every:
                self._roll(shard, None)
                self._reindex_open()
            return shard

    # -- lineage and control ----------------------------------------------------------------

    def _roll(self, shard: Shard, children: int | None) -> list[str]:
        self.rollovers += 1
        shard.end_seq = shard.seqs[-1] if shard.seqs else shard.start_seq
        if children is None:
            mode = self.rollover_children
            children = int(mode) if mode != "alternate" else (1 if shard.depth % 2 == 0 else 2)
        if children == 2 and shard.hi - shard.lo >= 2:
            mid = shard.lo + (shard.hi - shard.lo) // 2
            made = [self._new_shard(shard, shard.lo, mid, shard.depth + 1),
                    self._new_shard(shard, mid, shard.hi, shard.depth + 1)]
        else:
            made = [self._new_shard(shard, shard.lo, shard.hi, shard.depth + 1)]
        return [s.shard_id for s in made]

    def rollover(self, shard_id: str | None = None, children: int | None = None) -> dict:
        """Closes one open shard (or every open shard) and opens its children."""
        with self.lock:
            if shard_id is None:
                targets = [s for s in self.shards if not s.closed]
            else:
                shard = self.by_id.get(shard_id)
                if shard is None or shard.closed:
                    raise StreamError("ValidationException", f"no open shard {shard_id}")
                targets = [shard]
            made = {s.shard_id: self._roll(s, children) for s in targets}
            self._reindex_open()
            return made

    def roll_aged(self) -> int:
        """Closes open shards older than `rollover_seconds` (DynamoDB closes shards by age, even
        idle ones); returns how many."""
        with self.lock:
            if not self.rollover_seconds:
                return 0
            now = self.clock()
            aged = [s for s in self.shards
                    if not s.closed and now - s.created_at >= self.rollover_seconds]
            for shard in aged:
                self._roll(shard, None)
            if aged:
                self._reindex_open()
            return len(aged)

    def delete_shard(self, shard_id: str) -> None:
        """Makes a shard unknown; an open one is rolled over first so its keys keep a home."""
        with self.lock:
            shard = self.by_id.get(shard_id)
            if shard is None or shard.deleted:
                raise StreamError("ValidationException", f"no shard {shard_id}")
            if not shard.closed:
                self._roll(shard, 1)
                self._reindex_open()
            shard.deleted = True

    def trim(self, before: int) -> int:
        """Trims every record with a sequence number below `before`; returns how many."""
        with self.lock:
            self.trim_before = max(self.trim_before, before)
            dropped = 0
            for shard in self.shards:
                index = bisect.bisect_left(shard.seqs, self.trim_before)
                if index > shard.trim_index:
                    dropped += index - shard.trim_index
                    shard.trim_index = index
            return dropped

    # -- reading ----------------------------------------------------------------------------

    def live_shard(self, shard_id: str) -> Shard:
        shard = self.by_id.get(shard_id)
        if shard is None or shard.deleted:
            raise StreamError("ResourceNotFoundException",
                              f"Requested resource not found: Shard: {shard_id} in Stream: "
                              f"{self.stream_arn} not found")
        return shard

    def describe_page(self, limit: int, exclusive_start: str | None,
                      stream_arn: str | None = None) -> tuple[list[dict], str | None]:
        """One DescribeStream page of live shards in creation order (of a retired stream when
        `stream_arn` names one)."""
        with self.lock:
            live = self.retired[stream_arn][1] if stream_arn in self.retired else self.shards
            start = 0
            if exclusive_start:
                ids = [s.shard_id for s in live]
                if exclusive_start not in ids:
                    raise StreamError("ResourceNotFoundException",
                                      f"ExclusiveStartShardId {exclusive_start} not found")
                start = ids.index(exclusive_start) + 1
            page: list[Shard] = []
            index = start
            while index < len(live) and len(page) < limit:
                if not live[index].deleted:
                    page.append(live[index])
                index += 1
            more = any(not s.deleted for s in live[index:])
            last = page[-1].shard_id if page and more else None
            return [s.describe() for s in page], last

    def position(self, shard_id: str, kind: str, seq: int | None) -> int:
        """The `after` position (read records with seq > after) for a GetShardIterator call."""
        with self.lock:
            shard = self.live_shard(shard_id)
            if kind == "TRIM_HORIZON":
                return shard.seqs[shard.trim_index - 1] if shard.trim_index else shard.start_seq - 1
            if kind == "LATEST":
                return shard.seqs[-1] if shard.seqs else shard.start_seq - 1
            if seq is None:
                raise StreamError("ValidationException",
                                  f"SequenceNumber is required for {kind}")
            after = seq - 1 if kind == "AT_SEQUENCE_NUMBER" else seq
            if shard.trimmed_past(after):
                raise StreamError("TrimmedDataAccessException",
                                  f"Sequence number {seq} is trimmed in {shard_id}")
            # Sequence numbers are global here, so a range check alone would accept another
            # shard's number: only this shard's records (and its start) are valid positions.
            index = bisect.bisect_left(shard.seqs, seq)
            if seq != shard.start_seq and (index == len(shard.seqs) or shard.seqs[index] != seq):
                raise StreamError("ValidationException",
                                  f"Invalid SequenceNumber {seq} for shard {shard_id}")
            return after

    def read(self, shard_id: str, after: int, limit: int, max_bytes: int):
        """Records after `after`: (bodies, new position, shard end reached)."""
        with self.lock:
            shard = self.live_shard(shard_id)
            if shard.trimmed_past(after):
                raise StreamError("TrimmedDataAccessException",
                                  f"Data before the trim horizon was requested in {shard_id}")
            start = bisect.bisect_right(shard.seqs, after)
            bodies: list[bytes] = []
            size = 0
            index = start
            while index < len(shard.seqs) and len(bodies) < limit:
                body = shard.bodies[index]
                if bodies and size + len(body) > max_bytes:
                    break
                bodies.append(body)
                size += len(body)
                index += 1
            new_after = shard.seqs[index - 1] if index > start else after
            at_end = shard.closed and index == len(shard.seqs)
            return bodies, new_after, at_end

    def snapshot(self) -> dict:
        """The model as JSON for GET /__proxy/shards."""
        with self.lock:
            return {
                "stream_arn": self.stream_arn,
                "retired": sorted(self.retired),
                "records": self.records,
                "rollovers": self.rollovers,
                "trim_before": str(self.trim_before) if self.trim_before else None,
                "shards": [{
                    "ShardId": s.shard_id, "ParentShardId": s.parent_id,
                    "children": list(s.children), "closed": s.closed, "deleted": s.deleted,
                    "records": len(s.seqs), "trimmed": s.trim_index, "depth": s.depth,
                    "StartingSequenceNumber": str(s.start_seq),
                    "EndingSequenceNumber": str(s.end_seq) if s.end_seq is not None else None,
                    "hash_range": [str(s.lo), str(s.hi)],
                } for s in self.shards],
            }
