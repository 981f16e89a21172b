"""Progress display for the terminal: one tqdm bar per stage on stderr, quiet with --json."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from engine.jobs.events import CancelToken, Progress


class TerminalProgress:
    """A progress sink that draws a bar per stage; pass ``enabled=False`` for machine output."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr is not None
        self._bar: tqdm | None = None
        self._stage: str | None = None

    def __call__(self, event: Progress) -> None:
        if not self.enabled:
            return
        if event.stage != self._stage:
            self.close()
            self._stage = event.stage
            self._bar = tqdm(total=event.total or None, desc=event.stage, unit="step", file=sys.stderr,
                             leave=True, dynamic_ncols=True)
        assert self._bar is not None
        if event.total and self._bar.total != event.total:
            self._bar.total = event.total
        self._bar.n = event.done
        if event.message:
            self._bar.set_postfix_str(event.message[:40], refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._stage = None  # the next event, even of the same stage, opens a new bar


@contextmanager
def cancel_on_interrupt() -> Iterator[CancelToken]:
    """Ctrl-C sets the token (the job stops at its next check); a second Ctrl-C aborts at once."""
    token = CancelToken()
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: object) -> None:
        if token.cancelled:
            signal.signal(signal.SIGINT, previous)
            raise KeyboardInterrupt
        token.cancel()
        print("\navdub: cancelling… (Ctrl-C again to abort)", file=sys.stderr)

    signal.signal(signal.SIGINT, handler)
    try:
        yield token
    finally:
        signal.signal(signal.SIGINT, previous)
