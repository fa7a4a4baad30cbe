"""moto_server whose TransactWriteItems costs what it touches, not what the tables hold, and
whose writes are atomic, as DynamoDB's are.

Usage: moto_transactions.py -H 127.0.0.1 -p PORT   (the same arguments as moto_server)
Other peers import it (`moto_transactions.install()`) before serving moto themselves.

moto 5.2 backs up a transaction by deep-copying the whole table once per item of the
transaction, stream records included, and puts the copy back when the transaction fails. A
20-item transaction on a table with 4,000 stream records took 26 s here; a live-load test's
stream grows past that within minutes, and every other call then waits behind the
transactions (the stream proxy runs them alone), until clients time out.

Installed, the backup is a journal instead: before the transaction, a copy of each item it
names (or the fact that it is absent) and the length of each table's stream; after a failure
that moto rolls back, those items are put back and the stream cut to its old length. The
outcome is the one moto's copy gives for the transaction's own writes, records included
(a stream cut to its old length numbers the next records as the copy would). Unlike the copy,
writes that other requests made meanwhile are not undone.

Writes are also serialised (one lock around PutItem, UpdateItem, DeleteItem, each item of a
BatchWriteItem, TransactWriteItems and the stream append). moto serves requests on threads and
locks nothing: two writes at once could both pass a condition that only one should, and two
stream appends at once could number their records alike (a record's number is the stream's length
when it is made). With such a pair at the end of the stream, a reader asking for the records after
the last one is handed that record again, forever: the stream proxy's follower then held its gate
and every call through it waited until the test gave up.
"""

from __future__ import annotations

import copy
import sys
import threading
import types

from moto.dynamodb.exceptions import (
    MockValidationException,
    MultipleTransactionsException,
    TransactionCanceledException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import StreamShard, Table

# The exceptions after which moto restores its backup (its transact_write_items).
ROLLED_BACK = (TransactionCanceledException, MultipleTransactionsException, MockValidationException)

_installed = threading.Lock()
_original = DynamoDBBackend.transact_write_items
_writes = threading.RLock()  # DynamoDB applies each write atomically; moto alone does not


def _deepcopy_except_tables(value, memo=None):
    # moto's backup is `copy.deepcopy(table)`; a table "copy" that is the table itself makes its
    # restore a no-op, and the journal below restores instead.
    if isinstance(value, Table):
        return value
    return copy.deepcopy(value, memo)


class Journal:
    """What a transaction may change: its items, as they were, and each table's stream length."""

    def __init__(self, backend: DynamoDBBackend, transact_items: list[dict]):
        self.items: list[tuple[Table, object, object, object]] = []  # table, hash, range, Item|None
        self.streams: dict[int, tuple[Table, object, int]] = {}
        seen = set()
        for entry in transact_items:
            if not isinstance(entry, dict) or len(entry) != 1:
                continue  # moto refuses it before any write
            _, op = next(iter(entry.items()))
            table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is None:
                continue
            key = op.get("Key") if "Key" in op else self._key_of(table, op.get("Item"))
            try:
                hash_key, range_key = backend.get_keys_value(table, key or {})
            except Exception:  # noqa: BLE001 - a malformed key: moto fails the call itself
                continue
            if (id(table), hash_key, range_key) in seen:
                continue
            seen.add((id(table), hash_key, range_key))
            current = table.get_item(hash_key, range_key)
            self.items.append((table, hash_key, range_key, copy.deepcopy(current)))
            shard = table.stream_shard
            if shard is not None and id(table) not in self.streams:
                self.streams[id(table)] = (table, shard, len(shard.items))

    @staticmethod
    def _key_of(table: Table, item) -> dict:
        if not isinstance(item, dict):
            return {}
        names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
        return {n: item[n] for n in names if n in item}

    def restore(self) -> None:
        for table, hash_key, range_key, before in reversed(self.items):
            if range_key is not None:
                bucket = table.items.get(hash_key)
                if before is not None:
                    table.items[hash_key][range_key] = before
                elif bucket is not None:
                    bucket.pop(range_key, None)
                    if not bucket:
                        del table.items[hash_key]
            elif before is not None:
                table.items[hash_key] = before
            else:
                table.items.pop(hash_key, None)
        for table, shard, length in self.streams.values():
            if table.stream_shard is shard:
                del shard.items[length:]


def transact_write_items(self: DynamoDBBackend, transact_items):
    with _writes:
        journal = Journal(self, transact_items)
        try:
            return _original(self, transact_items)
        except ROLLED_BACK:
            journal.restore()
            raise


def _atomic(method):
    def write(*args, **kwargs):
        with _writes:
            return method(*args, **kwargs)

    write.__wrapped__ = method
    write.__name__ = method.__name__
    return write


def install() -> None:
    """Patches moto in this process (idempotent)."""
    import moto.dynamodb.models as models

    with _installed:
        if DynamoDBBackend.transact_write_items is transact_write_items:
            return
        models.copy = types.SimpleNamespace(deepcopy=_deepcopy_except_tables)
        DynamoDBBackend.transact_write_items = transact_write_items
        for name in ("put_item", "update_item", "delete_item"):
            setattr(DynamoDBBackend, name, _atomic(getattr(DynamoDBBackend, name)))
        StreamShard.add = _atomic(StreamShard.add)


if __name__ == "__main__":
    install()
    from moto.server import main

    sys.exit(main(sys.argv[1:]))
