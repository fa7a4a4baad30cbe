"""Reports calls the proxy has held too long, so that a stalled test says why.

Every call the proxy serves notes the stage it is in (waiting for the transaction gate, waiting
for the follower, at moto, answering). A thread looks every two seconds; a call held longer than
`threshold` seconds gets one report on stderr (pytest keeps it with the failing test): the calls
in flight with their stages and ages, the gates' counters, and every thread's stack. Reports are
at least a minute apart, so a long stall does not flood the log.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from contextlib import contextmanager


class StallWatchdog:
    def __init__(self, describe_gates, threshold: float = 20.0, out=None):
        self._describe_gates = describe_gates  # () -> str: the gates' counters, for the report
        self.threshold = threshold
        self._out = out or sys.stderr
        self._lock = threading.Lock()
        self._calls: dict[int, list] = {}  # thread id -> [api, stage, started, stage since]
        self._last_report = 0.0
        self.reports = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def call(self, api: str):
        now = time.monotonic()
        ident = threading.get_ident()
        with self._lock:
            self._calls[ident] = [api, "received", now, now]
        try:
            yield
        finally:
            with self._lock:
                self._calls.pop(ident, None)

    def stage(self, name: str) -> None:
        ident = threading.get_ident()
        with self._lock:
            entry = self._calls.get(ident)
            if entry is not None:
                entry[1], entry[3] = name, time.monotonic()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="stall-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(2.0):
            now = time.monotonic()
            with self._lock:
                calls = {k: list(v) for k, v in self._calls.items()}
            # A call held by an injected fault (delay, blackhole) is the test's doing.
            oldest = max((now - v[2] for v in calls.values() if not v[1].startswith("fault")),
                         default=0.0)
            if oldest >= self.threshold and now - self._last_report >= 60.0:
                self._last_report = now
                self._report(now, calls)
                # Counted once written: a reader that sees the count finds the report.
                self.reports += 1

    def _report(self, now: float, calls: dict[int, list]) -> None:
        names = {t.ident: t.name for t in threading.enumerate()}
        lines = [f"stream proxy: a call held {max(now - v[2] for v in calls.values()):.1f} s "
                 f"({time.strftime('%H:%M:%S')}); gates: {self._describe_gates()}"]
        for ident, (api, stage, started, since) in sorted(calls.items(), key=lambda kv: kv[1][2]):
            lines.append(f"  {names.get(ident, ident)}: {api} {now - started:.1f} s, "
                         f"{stage} for {now - since:.1f} s")
        frames = sys._current_frames()
        for ident, frame in frames.items():
            if ident == threading.get_ident():
                continue
            stack = "".join(traceback.format_stack(frame, limit=8))
            lines.append(f"--- thread {names.get(ident, ident)}\n{stack.rstrip()}")
        print("\n".join(lines), file=self._out, flush=True)
