"""Injected faults, armed per API through the control endpoint, and the counters tests assert.

A fault is armed for `count` calls of one API (or "*" for every API), optionally letting `skip`
calls through first. Each call takes at most one fault: the first armed one that matches.
Optional filters narrow a fault to one client or one table: `access_key` (the access key id in
the request's SigV4 Authorization header, so one of several daemons can be targeted by giving it
its own key) and `table` (a table the request body names: TableName, or a transaction item's).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

KINDS = ("throttle", "error500", "error503", "delay", "reset", "reset_after", "empty", "blackhole", "echo")


@dataclass
class Fault:
    """One armed fault. `seconds` is the hold time of a delay; `code` overrides the error code."""
    api: str
    kind: str
    count: int = 1
    skip: int = 0
    seconds: float = 0.0
    code: str | None = None
    extra: dict | None = None
    access_key: str | None = None
    table: str | None = None
    fired: int = 0
    # A blackhole's end (time.monotonic()): set when armed, the fault disarms itself there.
    until: float = 0.0

    @staticmethod
    def from_json(spec: dict) -> "Fault":
        api = spec.get("api")
        kind = spec.get("kind")
        if not isinstance(api, str) or not api:
            raise ValueError("fault needs an api name (e.g. GetRecords, PutItem or *)")
        if kind not in KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(KINDS)}")
        count = int(spec.get("count", 1))
        skip = int(spec.get("skip", 0))
        seconds = float(spec.get("seconds", 0))
        if count < 1 or skip < 0 or seconds < 0:
            raise ValueError("count must be >= 1, skip and seconds >= 0")
        if kind in ("delay", "blackhole") and seconds <= 0:
            raise ValueError(f"a {kind} needs seconds > 0")
        code = spec.get("code")
        if code is not None and not isinstance(code, str):
            raise ValueError("code must be a string")
        extra = spec.get("extra")
        if extra is not None and not isinstance(extra, dict):
            raise ValueError("extra must be a JSON object (fields added to the error body)")
        if kind == "empty" and api != "GetRecords":
            raise ValueError("an empty page is a GetRecords fault")
        filters = {name: spec.get(name) for name in ("access_key", "table")}
        for name, wanted in filters.items():
            if wanted is not None and (not isinstance(wanted, str) or not wanted):
                raise ValueError(f"{name} must be a non-empty string")
        return Fault(api, kind, count, skip, seconds, code, extra, **filters)

    def matches(self, api: str, access_key: str | None, body: bytes) -> bool:
        if self.api not in (api, "*"):
            return False
        if self.access_key is not None and self.access_key != access_key:
            return False
        return self.table is None or f'"{self.table}"'.encode() in body

    def describe(self) -> dict:
        return {"api": self.api, "kind": self.kind, "remaining": self.count - self.fired,
                "skip": self.skip, "seconds": self.seconds, "code": self.code,
                "extra": self.extra, "access_key": self.access_key, "table": self.table}


@dataclass
class FaultBook:
    """Armed faults and counters; thread-safe."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    armed: list[Fault] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    fired: dict[str, dict[str, int]] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    # Signatures that `echo` faults quoted back (tests assert that none reaches any output).
    echoed: list[str] = field(default_factory=list)

    def arm(self, fault: Fault) -> None:
        with self.lock:
            if fault.kind == "blackhole":
                fault.until = time.monotonic() + fault.seconds
            self.armed.append(fault)

    def clear(self) -> None:
        with self.lock:
            self.armed.clear()

    def take(self, api: str, access_key: str | None = None, body: bytes = b"") -> Fault | None:
        """Counts a call of `api` (signed with `access_key`, carrying `body`) and returns the fault
        it must suffer, if any."""
        with self.lock:
            self.calls[api] = self.calls.get(api, 0) + 1
            now = time.monotonic()
            self.armed = [f for f in self.armed if f.kind != "blackhole" or now < f.until]
            for fault in self.armed:
                if not fault.matches(api, access_key, body):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.fired += 1
                if fault.fired >= fault.count:
                    self.armed.remove(fault)
                per_api = self.fired.setdefault(api, {})
                per_api[fault.kind] = per_api.get(fault.kind, 0) + 1
                return fault
            return None

    def note(self, event: str, amount: int = 1) -> None:
        """Counts a non-API event (iterators expired, records trimmed, upstream rewrites...)."""
        with self.lock:
            self.events[event] = self.events.get(event, 0) + amount

    def echo(self, signature: str) -> None:
        """Remembers a signature an `echo` fault sent back (the first 1000)."""
        with self.lock:
            if len(self.echoed) < 1000:
                self.echoed.append(signature)

    def stats(self) -> dict:
        with self.lock:
            return {"calls": dict(self.calls),
                    "faults": {api: dict(kinds) for api, kinds in self.fired.items()},
                    "events": dict(self.events),
                    "armed": [f.describe() for f in self.armed],
                    "echoed_signatures": list(self.echoed)}
