"""Keeps the follower from reading moto's stream while a transaction is in flight.

moto applies a TransactWriteItems' writes one by one, emitting stream records, and only then
finds a failing condition and restores a copy of the table: records read in between belong to
writes that never happened. Transactions share the gate; a follower pass holds it alone. Passes
are preferred (a waiting pass stops new transactions), so a steady stream of transactions cannot
starve the follower.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

# Operations whose failure makes moto roll back writes it already streamed.
ROLLBACK_APIS = frozenset({"TransactWriteItems"})


class SettleGate:
    def __init__(self):
        self._cond = threading.Condition()
        self._transactions = 0
        self._reading = False
        self._waiting_passes = 0

    @contextmanager
    def transaction(self):
        with self._cond:
            while self._reading or self._waiting_passes:
                self._cond.wait()
            self._transactions += 1
        try:
            yield
        finally:
            with self._cond:
                self._transactions -= 1
                self._cond.notify_all()

    @contextmanager
    def follower_pass(self):
        with self._cond:
            self._waiting_passes += 1
            try:
                while self._transactions or self._reading:
                    self._cond.wait()
            finally:
                self._waiting_passes -= 1
            self._reading = True
        try:
            yield
        finally:
            with self._cond:
                self._reading = False
                self._cond.notify_all()


class RollbackGuard:
    """Runs a forwarded transaction alone in moto.

    moto snapshots *every* table before a TransactWriteItems and, when a condition fails, puts
    the snapshot back: any other call that wrote in between is silently undone (a lease renewal,
    another worker's committed transaction, the traffic's own writes) although its client was
    told it succeeded. DynamoDB isolates transactions, so the proxy does too: transactions are
    exclusive, every other forwarded call shares the guard. Waiting transactions go first, so
    a steady flow of other calls cannot starve them.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False
        self._waiting = 0

    @contextmanager
    def shared(self):
        with self._cond:
            while self._exclusive or self._waiting:
                self._cond.wait()
            self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self):
        with self._cond:
            self._waiting += 1
            try:
                while self._exclusive or self._shared:
                    self._cond.wait()
            finally:
                self._waiting -= 1
            self._exclusive = True
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()
