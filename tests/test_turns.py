"""Pages take turns (``dashboard.turns``): at most ``size`` at once, first come first served, a wait
abandoned on a newer click, nothing leaked on an error."""

from __future__ import annotations

import threading
import time

import pytest

from dashboard.turns import DEFAULT_RUNS, RUNS_ENV, Turns, runs_allowed


class NewClick(BaseException):
    """Stands for Streamlit's RerunException (a BaseException too)."""


def _until(condition, timeout: float = 5.0) -> None:
    """Wait until ``condition()`` is true (the other threads got where the test needs them)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the threads did not get there in time")
        time.sleep(0.001)


class Holder:
    """A thread holding one turn until ``leave`` is set; ``waited`` says whether it queued first."""

    def __init__(self, turns: Turns, name: str, log: list[str]) -> None:
        self.leave = threading.Event()
        self.waited: bool | None = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                with turns.turn() as waited:
                    self.waited = waited
                    log.append(name)
                    self.leave.wait(5)
            except BaseException as exc:  # noqa: BLE001 (reported to the test)
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def end(self) -> None:
        self.leave.set()
        self.thread.join(5)
        assert not self.thread.is_alive()
        assert self.error is None


def test_one_turn_at_a_time_in_the_order_asked() -> None:
    turns = Turns(1)
    log: list[str] = []
    first = Holder(turns, "first", log)
    _until(lambda: log == ["first"])
    later = []
    for name in ("second", "third", "fourth"):  # each queues before the next is started
        later.append(Holder(turns, name, log))
        queued = len(later)
        _until(lambda: turns.waiting == queued)  # noqa: B023 (used at once, inside the loop)
    assert (turns.holders, turns.waiting) == (1, 3)
    assert log == ["first"]  # nobody else got in while the first held the turn
    first.end()
    _until(lambda: log == ["first", "second"])
    assert (turns.holders, turns.waiting) == (1, 2)  # the turn passed on: still one holder
    later[0].end()
    _until(lambda: log == ["first", "second", "third"])
    later[1].end()
    _until(lambda: len(log) == 4)
    later[2].end()
    assert log == ["first", "second", "third", "fourth"]
    assert first.waited is False and [h.waited for h in later] == [True, True, True]
    assert (turns.holders, turns.waiting) == (0, 0)


def test_two_turns_at_once_and_never_three() -> None:
    turns = Turns(2)
    inside, most = [0], [0]
    lock = threading.Lock()

    def work() -> None:
        with turns.turn():
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.01)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert most[0] == 2  # 12 callers of 10 ms each: two at once, never a third
    assert (turns.holders, turns.waiting) == (0, 0)


def test_a_wait_abandoned_by_a_newer_click_leaves_the_queue() -> None:
    turns = Turns(1)
    log: list[str] = []
    holder = Holder(turns, "holder", log)
    _until(lambda: log == ["holder"])
    clicked = threading.Event()
    seen: list[BaseException] = []

    def check() -> None:
        if clicked.is_set():
            raise NewClick

    def waiter() -> None:
        try:
            with turns.turn(check):
                log.append("abandoned page")  # never reached
        except NewClick as exc:
            seen.append(exc)

    t = threading.Thread(target=waiter)
    t.start()
    _until(lambda: turns.waiting == 1)
    clicked.set()
    t.join(5)
    assert len(seen) == 1 and (turns.holders, turns.waiting) == (1, 0)
    holder.end()
    assert (turns.holders, turns.waiting) == (0, 0)
    with turns.turn() as waited:  # the queue is free again
        assert waited is False
    assert log == ["holder"]


def test_a_turn_that_arrives_as_the_wait_is_abandoned_goes_to_the_next_in_line() -> None:
    turns = Turns(1)
    log: list[str] = []
    holder = Holder(turns, "holder", log)
    _until(lambda: log == ["holder"])
    next_in_line: list[Holder] = []

    def check() -> None:
        # the holder leaves while this caller is still between two looks: its turn is set, then it
        # gives up anyway (as a click arriving at that moment would)
        if not next_in_line:
            next_in_line.append(Holder(turns, "next", log))
            _until(lambda: turns.waiting == 2)
            holder.leave.set()
            _until(lambda: turns.waiting == 1)  # the turn was passed to the first waiter: this one
            raise NewClick

    with pytest.raises(NewClick), turns.turn(check):
        log.append("never")
    _until(lambda: log == ["holder", "next"])  # passed on, not lost
    assert turns.holders == 1
    next_in_line[0].end()
    holder.thread.join(5)
    assert (turns.holders, turns.waiting) == (0, 0)


def test_an_error_inside_a_turn_ends_it() -> None:
    turns = Turns(1)
    with pytest.raises(ZeroDivisionError), turns.turn():
        1 / 0  # noqa: B018
    assert (turns.holders, turns.waiting) == (0, 0)
    with turns.turn() as waited:
        assert waited is False


def test_the_waiting_notice_is_shown_only_when_a_page_waits() -> None:
    turns = Turns(1)
    shown: list[str] = []
    with turns.turn(on_wait=lambda: shown.append("alone")):
        pass
    assert shown == []
    log: list[str] = []
    holder = Holder(turns, "holder", log)
    _until(lambda: log == ["holder"])
    done = threading.Event()

    def waiter() -> None:
        with turns.turn(on_wait=lambda: shown.append("queued")):
            done.set()

    t = threading.Thread(target=waiter)
    t.start()
    _until(lambda: turns.waiting == 1)
    holder.end()
    t.join(5)
    assert done.is_set() and shown == ["queued"]


def test_a_queue_needs_at_least_one_turn() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Turns(0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, DEFAULT_RUNS),
        ("", DEFAULT_RUNS),
        ("3", 3),
        (" 2 ", 2),
        ("0", DEFAULT_RUNS),
        ("-1", DEFAULT_RUNS),
        ("two", DEFAULT_RUNS),
    ],
)
def test_runs_allowed_from_the_environment(value: str | None, expected: int) -> None:
    environ = {} if value is None else {RUNS_ENV: value}
    assert runs_allowed(environ) == expected
    assert DEFAULT_RUNS == 1


# --- in the app ----------------------------------------------------------------------------------


def test_the_app_draws_a_page_once_its_turn_comes_and_the_data_page_never_waits() -> None:
    """A page asked for while another holds the server's turn waits for it, then is drawn whole
    (the waiting notice gone); the Data page, whose uploads can take minutes, does not wait."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from dashboard.turns import runs_allowed, shared

    app = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
    at = AppTest.from_file(str(app), default_timeout=60)
    at.run()  # the data loaded, nothing held
    assert not at.exception and at.title[0].value.startswith("Overview")
    turns = shared(runs_allowed())
    held = threading.Event()
    leave = threading.Event()

    def someone_else() -> None:
        with turns.turn():
            held.set()
            leave.wait(30)

    other = threading.Thread(target=someone_else)
    other.start()
    held.wait(5)
    finished: list[float] = []

    def open_region() -> None:
        at.switch_page("views/region.py").run()
        finished.append(time.monotonic())

    page = threading.Thread(target=open_region)
    started = time.monotonic()
    page.start()
    _until(lambda: turns.waiting == 1)  # the Region page is in line, not drawn
    time.sleep(0.3)
    assert not finished
    released = time.monotonic()
    leave.set()
    page.join(60)
    other.join(5)
    assert finished and finished[0] >= released > started
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("Region")
    assert not [c.value for c in at.caption if "next in line" in c.value]
    assert (turns.holders, turns.waiting) == (0, 0)

    with turns.turn():  # the turn held again: the Data page is drawn all the same
        at.switch_page("views/data.py").run()
        assert not at.exception, at.exception
        assert at.title[0].value.startswith("Data")
        assert turns.waiting == 0
