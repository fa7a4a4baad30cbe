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

    def describe(self) -> str:
        with self._cond:
            return (f"transactions {self._transactions}, reading {self._reading}, "
                    f"passes waiting {self._waiting_passes}")

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


class ExclusiveTransactions:
    """Runs every forwarded TransactWriteItems alone: no other forwarded call is in flight.

    moto deep-copies a transaction's tables first and, when a condition fails, puts the copies
    back, undoing every write another request made to those tables in the meantime (moto
    serves requests on threads and does not lock its tables). A committed write lost that way
    would look like a bug of the client under test. Other calls share the lock with each other.
    A waiting transaction holds new calls back (transactions are not starved), but a call waits
    for one transaction at most: once a transaction ends, the calls that waited for it go in
    before the next one (a steady queue of transactions cannot starve lease renewals or reads).
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._calls = 0
        self._transaction = False
        self._waiting = 0  # transactions waiting
        self._waiting_calls = 0
        self._calls_turn = False  # a transaction ended while calls waited: they go first

    def describe(self) -> str:
        with self._cond:
            return (f"calls {self._calls}, transaction {self._transaction}, transactions waiting "
                    f"{self._waiting}, calls waiting {self._waiting_calls}, calls' turn {self._calls_turn}")

    @contextmanager
    def call(self):
        with self._cond:
            self._waiting_calls += 1
            while self._transaction or (self._waiting and not self._calls_turn):
                self._cond.wait()
            self._waiting_calls -= 1
            if self._waiting_calls == 0 and self._calls_turn:
                self._calls_turn = False
                self._cond.notify_all()
            self._calls += 1
        try:
            yield
        finally:
            with self._cond:
                self._calls -= 1
                self._cond.notify_all()

    @contextmanager
    def transaction(self):
        with self._cond:
            self._waiting += 1
            try:
                while self._transaction or self._calls or self._calls_turn:
                    self._cond.wait()
            finally:
                self._waiting -= 1
            self._transaction = True
        try:
            yield
        finally:
            with self._cond:
                self._transaction = False
                self._calls_turn = self._waiting_calls > 0
                self._cond.notify_all()
