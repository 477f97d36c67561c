"""A hard bound on the CPU time a call may spend in this thread, without another process.

feedparser is pure Python over expat; some well-formed documents make it quadratic (80,000 nested
elements in one description: 3 s; a 10 MB document of them would take hours), and nothing in it can
be asked to stop. Running each parse in a child process would bound it, but costs a process start
and copying every parsed entry back, for each of thousands of feeds a pass. So the call runs in its
own thread as usual, and a watchdog thread reads that thread's CPU clock; when the budget is spent it
raises an exception *inside* the running call (CPython's ``PyThreadState_SetAsyncExc``), which
unwinds it at its next Python instruction. feedparser spends its time in Python (expat calls back for
every element), so the exception lands within milliseconds; a single C call (one regular expression
over a huge string) would delay it until that call returns.

The exception is raised only inside ``call_within``: it is armed just before the call and disarmed
(a raise still pending is withdrawn) before ``call_within`` returns, and it is a ``BaseException`` so
no ``except Exception`` inside the call swallows it. Only code with no locks or shared state of its
own to leave half-changed may be run this way (feedparser keeps all its state in the parse).
CPU time, not wall time: a parse waiting for the interpreter lock under load is not charged for it.
"""

from __future__ import annotations

import ctypes
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
POLL_SECONDS = 0.05

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)
_set_async_exc.restype = ctypes.c_int
# the same C function, taking NULL: withdraw a raise not yet delivered
_withdraw = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi)
)


class TimeLimitExceeded(Exception):
    """The call used up its CPU time."""


class _Overrun(BaseException):
    """Raised inside the bounded call by the watchdog; becomes TimeLimitExceeded on the way out."""


@dataclass(eq=False, slots=True)
class _Box:
    thread_id: int
    clock: int  # the thread's CPU clock
    deadline: float  # on that clock
    done: bool = False  # set by the caller when the call is over
    fired: bool = False  # set by the watchdog before it raises
    sent: bool = False  # set by the watchdog once it has raised (or decided not to)


_boxes: queue.SimpleQueue[_Box] = queue.SimpleQueue()
_started = threading.Lock()
_watchdog: threading.Thread | None = None


def cpu_deadline(seconds: float) -> float:
    """The point on this thread's CPU clock ``seconds`` of CPU time from now."""
    return time.thread_time() + seconds


def expired(deadline: float) -> bool:
    return time.thread_time() >= deadline


def call_within(deadline: float, fn: Callable[[], T]) -> T:
    """``fn()``, raising TimeLimitExceeded once this thread's CPU clock passes ``deadline``."""
    _ensure_watchdog()
    ident = threading.get_ident()
    box = _Box(ident, time.pthread_getcpuclockid(ident), deadline)
    try:
        try:
            _boxes.put(box)
            return fn()
        finally:
            box.done = True
            if box.fired:  # the watchdog got there: wait until it has raised, then withdraw the raise
                while not box.sent:
                    time.sleep(0.001)
                _withdraw(ident, None)
    except _Overrun:
        raise TimeLimitExceeded from None


def _ensure_watchdog() -> None:
    global _watchdog
    with _started:
        if _watchdog is None or not _watchdog.is_alive():
            _watchdog = threading.Thread(target=_watch, name="parse-watchdog", daemon=True)
            _watchdog.start()


def _watch() -> None:
    live: list[_Box] = []
    while True:
        try:
            live.append(_boxes.get(timeout=POLL_SECONDS if live else None))
            while True:
                live.append(_boxes.get_nowait())
        except queue.Empty:
            pass
        kept: list[_Box] = []
        for box in live:
            if box.done:
                continue
            try:
                spent = time.clock_gettime(box.clock)
            except OSError:  # the thread is gone
                continue
            if spent < box.deadline:
                kept.append(box)
                continue
            box.fired = True  # before reading done: the caller reads fired after setting done
            if not box.done:
                _set_async_exc(box.thread_id, _Overrun)
            box.sent = True
        live = kept
