"""Progress output for long steps: timed steps and a throttled counter with an ETA."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Progress", "say", "step"]

_STARTED = time.monotonic()


def say(message: str) -> None:
    """Print one line prefixed by the time since the run started."""
    elapsed = time.monotonic() - _STARTED
    minutes, seconds = divmod(int(elapsed), 60)
    print(f"[{minutes:02d}:{seconds:02d}] {message}", flush=True, file=sys.stdout)


@contextmanager
def step(title: str) -> Iterator[None]:
    """Announce a step, then report how long it took."""
    say(f"{title}…")
    started = time.monotonic()
    yield
    say(f"{title}: done in {time.monotonic() - started:.1f} s")


class Progress:
    """Counts work done and prints a line at most every `every` seconds."""

    def __init__(self, title: str, total: int, every: float = 5.0) -> None:
        self.title = title
        self.total = total
        self.every = every
        self.count = 0
        self.started = time.monotonic()
        self.last = self.started
        say(f"loading {total:,} {title}…")

    def advance(self, n: int) -> None:
        self.count += n
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            rate = self.count / (now - self.started)
            left = (self.total - self.count) / rate if rate else 0.0
            say(
                f"  {self.title}: {self.count:,}/{self.total:,} "
                f"({100 * self.count / self.total:.0f} %, {rate:,.0f}/s, ~{left:.0f} s left)"
            )

    def done(self) -> None:
        elapsed = time.monotonic() - self.started
        say(
            f"loaded {self.count:,} {self.title} in {elapsed:.1f} s ({self.count / elapsed:,.0f}/s)"
        )
