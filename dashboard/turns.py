"""Pages take turns: at most a few page scripts compute at once in one server, first come first served.

Streamlit runs every session's page script in its own thread of one process, and Python runs one
thread at a time. Twenty pages computed at once therefore do not finish sooner than twenty pages
computed one after another: each waits through the others' turns, the switches between threads
cost CPU of their own, and the working memory of all twenty is held at the same time. Taking turns,
the first page asked for is drawn first, the server spends less CPU per page, and its memory
follows the pages being drawn, not the number of people waiting (``benchmarks/README.md``, "Many
users": 20 sessions at 1 M incidents, page p90 5.0–5.5 s → 2.5 s, CPU per request 0.16 → 0.10 s).

``Turns`` is the queue (no Streamlit in it); ``shared`` gives the server process's one queue, which
the dashboard sizes with ``STABILITY_PAGE_RUNS`` (default 1). A page waiting for its turn still answers a
click: the wait is abandoned when the user asks for another page or another value.
"""

from __future__ import annotations

import collections
import contextlib
import os
import threading
from collections.abc import Callable, Iterator

#: Environment variable: how many page scripts may compute at once in one server (at least 1).
RUNS_ENV = "STABILITY_PAGE_RUNS"
#: Default of ``RUNS_ENV``: one page at a time (the page scripts hold Python's interpreter lock,
#: so a second one adds little; uploads on the Data page do not take a turn).
DEFAULT_RUNS = 1
#: Seconds between two looks at whether a waiting page was abandoned.
POLL_SECONDS = 0.25


def runs_allowed(environ: dict[str, str] | None = None) -> int:
    """``STABILITY_PAGE_RUNS`` as a whole number ≥ 1; ``DEFAULT_RUNS`` when unset or unreadable."""
    text = (os.environ if environ is None else environ).get(RUNS_ENV, "").strip()
    try:
        value = int(text)
    except ValueError:
        return DEFAULT_RUNS
    return value if value >= 1 else DEFAULT_RUNS


class Turns:
    """At most ``size`` holders at once; the others wait in the order they came (first in, first
    out). A turn passes straight from the holder that ends it to the longest-waiting caller."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a queue needs at least one turn at a time, not {size}")
        self.size = size
        self._lock = threading.Lock()
        self._holders = 0
        self._waiting: collections.deque[threading.Event] = collections.deque()

    @property
    def holders(self) -> int:
        """How many callers hold a turn now."""
        with self._lock:
            return self._holders

    @property
    def waiting(self) -> int:
        """How many callers wait for a turn now."""
        with self._lock:
            return len(self._waiting)

    @contextlib.contextmanager
    def turn(
        self, check: Callable[[], None] | None = None, on_wait: Callable[[], None] | None = None
    ) -> Iterator[bool]:
        """Hold a turn for the ``with`` block; yields whether the caller had to wait.

        ``check`` is called every ``POLL_SECONDS`` while waiting; an exception it raises (the user
        asked for something else) abandons the wait and propagates. ``on_wait`` is called once,
        before the first wait, when the caller has to wait at all.
        """
        mine = threading.Event()
        with self._lock:
            if self._holders < self.size and not self._waiting:
                self._holders += 1
                mine.set()
            else:
                self._waiting.append(mine)
        waited = not mine.is_set()
        if waited:
            try:
                if on_wait is not None:
                    on_wait()
                while not mine.wait(POLL_SECONDS):
                    if check is not None:
                        check()
            except BaseException:
                with self._lock:
                    if mine.is_set():  # the turn came meanwhile: it goes to the next in line
                        self._pass_on()
                    else:
                        self._waiting.remove(mine)
                raise
        try:
            yield waited
        finally:
            with self._lock:
                self._pass_on()

    def _pass_on(self) -> None:
        """End one turn (the lock held): the longest-waiting caller gets it, else one holder fewer."""
        if self._waiting:
            self._waiting.popleft().set()
        else:
            self._holders -= 1


_SHARED: dict[int, Turns] = {}
_SHARED_LOCK = threading.Lock()


def shared(size: int) -> Turns:
    """The process's one queue of ``size`` turns at once, shared by every session of the server (kept
    for the life of the process: clearing the dashboard's caches never replaces a queue in use)."""
    with _SHARED_LOCK:
        turns = _SHARED.get(size)
        if turns is None:
            turns = _SHARED[size] = Turns(size)
        return turns
