"""Real zae-limiter 0.17.0 traffic for the cluster tests (cluster_harness.Cluster.traffic)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cluster_harness import Cluster


class Traffic:
    """Real zae-limiter (0.17.0) SyncRateLimiter traffic through the proxy, on a thread: `users`
    entities under one parent (cascade on half), several limits, adjust/release/consume/rollback
    in the lease, the token-bucket clock moved across hours and days so snapshots land in
    several windows."""

    def __init__(self, cluster: Cluster, rounds: int, users: int, seed: int):
        self.cluster, self.rounds, self.users, self.seed = cluster, rounds, users, seed
        self.error = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self._drive()
        except BaseException as error:  # reported by join()
            self.error = error
        finally:
            self.done.set()

    def _drive(self):
        from zae_limiter import Limit, RateLimitExceeded, SyncRateLimiter, SyncRepository

        clock = [1_769_898_000_000 + self.seed * 3_600_000]
        repo = SyncRepository.open(namespace="default", stack=self.cluster.table,
                                   endpoint_url=self.cluster.proxy.url, region="us-east-1", auto_update=False)
        repo._now_ms = lambda: clock[0]  # zae-limiter's documented clock seam
        limiter = SyncRateLimiter(repository=repo)
        if self.seed == 0:
            limiter.create_entity("org-1", name="Acme")
            limiter.set_system_defaults([Limit.per_minute("rpm", 10_000), Limit.per_minute("tpm", 1_000_000)])
            for u in range(self.users):
                limiter.create_entity(f"user-{u}", parent_id="org-1", cascade=(u % 2 == 0))
        resources = ("gpt-4", "claude")
        for i in range(self.rounds):
            for u in range(self.users):
                try:
                    with limiter.acquire(f"user-{u}", resources[(i + u) % 2], {"rpm": 1, "tpm": 10 + u}) as lease:
                        if i % 4 == 1:
                            lease.adjust(tpm=5 + i)
                        elif i % 4 == 2:
                            lease.consume(rpm=1)
                        elif i % 4 == 3 and u % 3 == 0:
                            raise _Rollback()
                except (RateLimitExceeded, _Rollback):
                    pass
            clock[0] += 7 * 60 * 1000

    def join(self, timeout: float = 180) -> None:
        assert self.done.wait(timeout), "traffic did not finish"
        if self.error is not None:
            raise self.error


class _Rollback(Exception):
    pass
