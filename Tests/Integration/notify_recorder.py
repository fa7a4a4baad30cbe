"""A stand-in for systemd's notify socket, for daemons run outside systemd."""

from __future__ import annotations

import socket
import threading
import time


class NotifyRecorder:
    """A datagram socket standing in for systemd's notify socket: keeps every datagram, and when
    each WATCHDOG=1 ping came (monotonic seconds)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.5)
        self.datagrams: list[str] = []
        self.pings: list[float] = []
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.datagrams.append(data.decode(errors="replace"))
            if b"WATCHDOG=1" in data.split(b"\n"):
                self.pings.append(time.monotonic())

    def mark(self) -> int:
        """How many datagrams came so far; `wait_reloaded(since=...)` looks only at later ones."""
        return len(self.datagrams)

    def wait_reloaded(self, since: int, timeout: float) -> bool:
        """True once a READY=1 follows a RELOADING=1 among the datagrams after the first `since`,
        within `timeout` seconds (how the daemon says a reload is done)."""
        deadline = time.monotonic() + timeout
        while True:
            reloading = False
            for datagram in self.datagrams[since:]:
                fields = datagram.split("\n")
                reloading = reloading or "RELOADING=1" in fields
                if reloading and "READY=1" in fields:
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def stop(self) -> None:
        self.running = False
        self.thread.join(5)
        self.sock.close()
