"""The closed loop: back-to-back users start together, thinking users each start on their own."""

from __future__ import annotations

import threading
import time

from matchmaker.loadtest.stats import closed_loop


def first_request_times(think: tuple[float, float], users: int = 8) -> list[float]:
    began, firsts, lock = time.perf_counter(), {}, threading.Lock()

    def step(user, rng) -> None:
        with lock:
            firsts.setdefault(user, time.perf_counter() - began)
        time.sleep(0.01)  # a request takes time

    result = closed_loop(list(range(users)), step, duration=0.6, max_iterations=1000, think=think)
    assert not result.failures and len(firsts) == users
    return sorted(firsts.values())


def test_thinking_users_start_at_times_of_their_own():
    firsts = first_request_times((0.2, 0.4))
    assert firsts[-1] - firsts[0] > 0.1  # spread over the first think time, not one burst
    assert firsts[-1] < 0.5


def test_back_to_back_users_start_at_once():
    firsts = first_request_times((0.0, 0.0))
    assert firsts[-1] - firsts[0] < 0.1
