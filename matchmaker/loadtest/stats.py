"""Latencies and outcomes per table row, and the closed loop that drives simulated users."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from matchmaker.loadtest.client import Reply

LIMITED = 429


@dataclass
class Row:
    """One line of the report: requests of one kind, what was expected of them, what came."""

    name: str
    target_ms: float | None  # p95 target; None: reported only (the ceiling, login's hash)
    expected: tuple[int, ...] = (200,)
    seconds: list[float] = field(default_factory=list)
    codes: Counter = field(default_factory=Counter)
    errors: int = 0
    limited: int = 0
    error_kinds: Counter = field(default_factory=Counter)
    elapsed: float = 0.0  # wall time of the phase the row was measured in
    server_ms: list[float] = field(default_factory=list)  # from gunicorn's access log
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, reply: Reply, content_ok: bool = True) -> bool:
        """Count one reply; True when it was the expected answer."""
        with self.lock:
            self.seconds.append(reply.seconds)
            self.codes[reply.status or reply.error or "no answer"] += 1
            if reply.status == LIMITED:
                self.limited += 1
                return False
            if reply.status == 0:
                kind = reply.error or "connection"
            elif reply.status not in self.expected:
                kind = f"HTTP {reply.status}"
            elif not content_ok:
                kind = f"HTTP {reply.status}, unexpected content"
            else:
                return True
            self.errors += 1
            self.error_kinds[kind] += 1
            return False

    @property
    def requests(self) -> int:
        return len(self.seconds)

    def percentile(self, q: float, values: list[float] | None = None) -> float | None:
        values = self.seconds if values is None else values
        if not values:
            return None
        scale = 1000.0 if values is self.seconds else 1.0
        return float(np.percentile(np.asarray(values) * scale, q))

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    @property
    def passed(self) -> bool:
        if self.errors or not self.requests:
            return False
        return self.target_ms is None or (self.percentile(95) or 0.0) < self.target_ms

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "rps": round(self.rps, 1),
            "p50_ms": _round(self.percentile(50)),
            "p95_ms": _round(self.percentile(95)),
            "p99_ms": _round(self.percentile(99)),
            "server_p50_ms": _round(self.percentile(50, self.server_ms)),
            "server_p95_ms": _round(self.percentile(95, self.server_ms)),
            "errors": self.errors,
            "limited_429": self.limited,
            "error_kinds": dict(self.error_kinds),
            "codes": {str(k): v for k, v in self.codes.items()},
            "target_p95_ms": self.target_ms,
            "passed": self.passed,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass
class LoopResult:
    elapsed: float
    iterations: int
    failures: list[str]


def closed_loop(
    users: list,
    step: Callable[[object, random.Random], None],
    duration: float,
    max_iterations: int,
    seed: int = 1,
    think: tuple[float, float] = (0.0, 0.0),
) -> LoopResult:
    """Each user runs `step`, then waits a think time drawn from `think` (seconds; (0, 0): back
    to back), until the time or the iteration budget is spent. With think time, each user's
    first request also comes after a wait of its own (as if reading a page when the measurement
    began): people do not all click in the same instant, and a burst of every user at once
    would measure the start, not the steady state."""
    deadline_box: list[float] = []
    start = threading.Barrier(len(users) + 1)
    budget = threading.Semaphore(max_iterations)
    counted = Counter()
    failures: list[str] = []

    def worker(number: int, user) -> None:
        rng = random.Random(seed * 1000 + number)  # noqa: S311 (which page to ask for)
        start.wait()
        if think[1] > 0:
            time.sleep(min(rng.uniform(0, think[1]), max(deadline_box[0] - time.perf_counter(), 0)))
        while time.perf_counter() < deadline_box[0] and budget.acquire(blocking=False):
            try:
                step(user, rng)
            except Exception as exc:  # a bug in the generator must not pass as a quiet run
                failures.append(f"{type(exc).__name__}: {exc}")
                return
            counted[number] += 1
            pause = min(rng.uniform(*think), deadline_box[0] - time.perf_counter())
            if pause > 0:
                time.sleep(pause)

    threads = [
        threading.Thread(target=worker, args=(n, u), daemon=True) for n, u in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline_box.append(began + duration)
    start.wait()
    for thread in threads:
        thread.join()
    return LoopResult(time.perf_counter() - began, sum(counted.values()), failures)


def run_all(jobs: list, action: Callable[[object], None], concurrency: int) -> list[str]:
    """Run `action` once per job on `concurrency` threads (a queue, not a time budget)."""
    pending = list(reversed(jobs))
    lock = threading.Lock()
    failures: list[str] = []

    def worker() -> None:
        while True:
            with lock:
                if not pending:
                    return
                job = pending.pop()
            try:
                action(job)
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, concurrency))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures
