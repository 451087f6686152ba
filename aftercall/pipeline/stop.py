"""Stopping a pipeline run cleanly on SIGTERM or SIGINT (a scheduler, systemd, Ctrl-C).

The first signal sets a process-wide stop flag and raises RunInterrupted in the main thread,
the way Python turns SIGINT into KeyboardInterrupt: whatever the flow is waiting on (a future,
a read, a database transaction, which rolls back) ends there, and the flow marks the run
`interrupted`. Calls in flight are told through the flag (`stop_requested`, asked by the
transcriber between segments), so their threads end within seconds and the process can
exit; a call not stored stays `pending` for the next run. A second signal ends the process
at once: a person pressing Ctrl-C twice means it, and every write is one transaction, so
nothing is left half-written (the same as after kill -9).

RunInterrupted is a BaseException, like KeyboardInterrupt, so the `except Exception` that
keeps one bad file from stopping a batch cannot swallow it.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

_stop = threading.Event()


class RunInterrupted(BaseException):
    """The run was stopped by a signal; `signum` says which. The flow has marked the run
    `interrupted` (its `run_id` and `counts` are set by then) and left unstored calls
    `pending`."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.run_id = ""
        self.counts: dict[str, int] = {}
        super().__init__(f"stopped by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> int:
        """What a shell expects of a process ended by this signal (130, 143)."""
        return 128 + self.signum


def stop_requested() -> bool:
    """True once a stop signal arrived during this run (for work in other threads to ask)."""
    return _stop.is_set()


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Inside the block, SIGTERM and SIGINT stop the run cleanly (see the module's doc).

    Handlers can only be set from the main thread; elsewhere (a flow run in a worker thread)
    the block runs under the process's own handlers. The previous handlers (Prefect's, during
    a flow run) come back at the end."""
    _stop.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: Any) -> None:
        if _stop.is_set():  # the second signal: stop now
            os._exit(128 + signum)
        _stop.set()
        raise RunInterrupted(signum)

    # a signal the process was started ignoring (SIGINT under nohup or `cmd &`) stays ignored
    watched = [s for s in STOP_SIGNALS if signal.getsignal(s) is not signal.SIG_IGN]
    previous = {s: signal.signal(s, handle) for s in watched}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
