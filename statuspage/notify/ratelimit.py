"""Counting requests per key in a sliding window, for the sign-up endpoint's 429 answers.

Kept in the serving process's memory: a restart forgets the counts, which only gives a sender
its allowance again. Keys are the client's address and a salted hash of an e-mail address, so
not even memory holds the addresses that were tried.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimit:
    """At most ``limit`` hits per key in any ``window`` seconds."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._salt = secrets.token_bytes(16)

    def allow(self, key: str) -> bool:
        """Count a hit for ``key``; False (and not counted) when the key is over its limit."""
        now = self.clock()
        hashed = hashlib.blake2b(key.encode(), key=self._salt, digest_size=16).hexdigest()
        with self._lock:
            hits = self._hits.setdefault(hashed, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 100_000:  # many keys seen once: forget those that are quiet
                self._forget_quiet(now)
            return True

    def exceeded(self, key: str) -> bool:
        """Whether ``key`` is over its limit now, without counting a hit."""
        now = self.clock()
        hashed = hashlib.blake2b(key.encode(), key=self._salt, digest_size=16).hexdigest()
        with self._lock:
            hits = self._hits.get(hashed)
            return hits is not None and sum(1 for hit in hits if hit > now - self.window) >= self.limit

    def retry_after(self) -> int:
        return int(self.window)

    def _forget_quiet(self, now: float) -> None:
        for key in [key for key, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]:
            del self._hits[key]
