"""Per-file work that cannot take the run down with it.

Parsers are native code: a stack overflow in one (a file of 1,500 nested brackets) kills the
process, a pathological input runs for minutes in C where no Python signal reaches it, or takes
gigabytes.  So each file's parse runs in a worker process with an address-space limit, a CPU
limit, and a watchdog here that kills a worker stuck on one file; the file is reported with
its reason and a fresh worker takes the next one.  Workers are forked once and live for the
whole run (a fork per file would cost more than most parses), and they import the parsers a
file needs when the first such file comes.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe, wait
from typing import Self

DEFAULT_MEMORY_MB = 2048
# A worker gets this long past the file's time limit to end the file by itself (the limit raises
# in Python code) before it is killed.
_GRACE = 0.5
# With no time limit (timeout 0), a worker that has used no CPU for this long is blocked (a read
# from a fifo or a hung file system never returns) and is killed: "no limit" is for slow parses.
STALL_SECONDS = 60.0
# How long a killed worker is waited for: one stuck in the kernel (a hung network file system)
# dies only when its read returns, and the run does not wait for that.
_REAP_SECONDS = 2.0
_unreaped: list[int] = []


@dataclass(frozen=True)
class Failed:
    """Why a task gave no result: "crashed", "timeout", "blocked" (no CPU used for a while, with
    no time limit: detail says how long) or "memory", with details."""

    kind: str
    detail: str = ""

    def reason(self, timeout: float, memory_mb: int) -> str:
        if self.kind == "timeout":
            return f"took more than {timeout:g} s"
        if self.kind == "blocked":
            return f"stalled for more than {self.detail} s (blocked on a read)"
        if self.kind == "memory":
            return f"needed more than {memory_mb} MB"
        return f"parser crashed ({self.detail})" if self.detail else "parser crashed"


def available() -> bool:
    return hasattr(os, "fork") and hasattr(os, "wait4")


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _vm_size() -> int:
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _limit_self(memory_mb: int) -> None:
    """In the child: no core files, address space capped at what it has plus memory_mb."""
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (OSError, ValueError):
        pass
    if memory_mb > 0:
        cap = _vm_size() + memory_mb * 1024 * 1024
        try:
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard != resource.RLIM_INFINITY:
                cap = min(cap, hard)
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        except (OSError, ValueError):
            pass


def _cpu_limit(seconds: float) -> None:
    """The CPU this process may still use: now plus seconds (SIGXCPU ends it past that)."""
    import resource

    if seconds <= 0:
        return
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = int(spent + seconds) + 2
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (OSError, ValueError):
        pass


def _child_main(conn: Connection, handler: Callable, memory_mb: int, timeout: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    import faulthandler

    faulthandler.disable()  # a crash is reported by the parent, as this file's reason
    _limit_self(memory_mb)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        key, payload = task
        _cpu_limit(timeout * 2 + 1 if timeout > 0 else 0)
        try:
            result = (key, True, handler(payload))
        except MemoryError:
            result = (key, False, Failed("memory"))
        except BaseException as exc:  # noqa: BLE001  reported as this file's failure
            result = (key, False, Failed("crashed", f"{type(exc).__name__}: {exc}"[:200]))
        try:
            conn.send(result)
        except MemoryError:
            conn.send((key, False, Failed("memory")))


def _die_with_parent(parent_pid: int) -> None:
    """In the child: killed when the parent dies, even while blocked in a read or a parse in C
    (the pipe's EOF reaches only a worker waiting for its next file).  Linux only; elsewhere the
    EOF is all there is.  (Linux means the thread that forked: a pool is used and closed within
    the thread that made it.)"""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent died before the request: nobody will send it
        os._exit(0)


_PR_SET_PDEATHSIG = 1


def _fork(handler: Callable, memory_mb: int, timeout: float) -> tuple[int, Connection]:
    parent, child = Pipe()
    parent_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # the worker
        code = 0
        try:
            _die_with_parent(parent_pid)
            parent.close()
            _child_main(child, handler, memory_mb, timeout)
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    child.close()
    return pid, parent


def _reap(pid: int, seconds: float):
    """wait4 for at most ``seconds``: (status, usage), or None when the process is still there."""
    deadline = time.monotonic() + seconds
    pause = 0.001
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage
        if time.monotonic() >= deadline:
            return None
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _reap_late() -> None:
    """Reap killed workers that were still dying when they were left."""
    for pid in list(_unreaped):
        try:
            if os.waitpid(pid, os.WNOHANG)[0]:
                _unreaped.remove(pid)
        except ChildProcessError:
            _unreaped.remove(pid)


def _died(pid: int, baseline_kb: int, memory_mb: int, killed: bool | Failed) -> Failed:
    """How a worker that stopped answering ended (``killed``: by the watchdog, for that reason)."""
    _reap_late()
    try:
        ended = _reap(pid, _REAP_SECONDS)
        if ended is None and not killed:  # it closed its pipe yet lives on: it is done for
            os.kill(pid, signal.SIGKILL)
            ended = _reap(pid, _REAP_SECONDS)
    except ChildProcessError:
        return killed if isinstance(killed, Failed) else Failed("timeout") if killed else Failed("crashed")
    if ended is None:  # stuck in the kernel: reaped later, the run goes on
        _unreaped.append(pid)
    if killed:
        return killed if isinstance(killed, Failed) else Failed("timeout")
    if ended is None:
        return Failed("crashed")
    status, usage = ended
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return Failed("timeout")
        grown_mb = (usage.ru_maxrss - baseline_kb) / 1024
        if memory_mb > 0 and grown_mb > memory_mb * 0.5:
            return Failed("memory")
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return Failed("crashed", name)
    return Failed("crashed", f"exit {os.WEXITSTATUS(status)}")


def _rss_kb() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _cpu_ticks(pid: int) -> int | None:
    """CPU time a process has used, in clock ticks (None where /proc does not tell)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return None


@dataclass
class _Worker:
    pid: int
    conn: Connection
    key: object = None
    started: float = 0.0
    ticks: int | None = None  # CPU used when last seen to use some
    progressed: float = 0.0  # ... and when that was


class Pool:
    """Up to ``jobs`` workers running ``handler(payload)``; a second one starts only when
    ``parallel_after`` tasks are waiting.  ``poll`` hands back (key, ok, result or Failed)."""

    def __init__(self, handler: Callable, jobs: int = 1, timeout: float = 0.0, memory_mb: int = DEFAULT_MEMORY_MB,
                 parallel_after: int = 0, stall: float | None = None):
        self.handler, self.jobs, self.timeout, self.memory_mb = handler, max(1, jobs), timeout, memory_mb
        self.stall = STALL_SECONDS if stall is None else stall
        self.parallel_after = parallel_after
        self.queue: deque = deque()
        self.workers: list[_Worker] = []
        self.baseline_kb = _rss_kb()
        self.started = 0  # workers forked, respawns included

    def submit(self, key, payload) -> None:
        self.queue.append((key, payload))

    @property
    def busy(self) -> bool:
        return bool(self.queue) or any(w.key is not None for w in self.workers)

    def _spawn(self) -> _Worker:
        pid, conn = _fork(self.handler, self.memory_mb, self.timeout)
        self.started += 1
        w = _Worker(pid, conn)
        self.workers.append(w)
        return w

    def _dispatch(self) -> list:
        out = []
        while self.queue:
            idle = next((w for w in self.workers if w.key is None), None)
            if idle is None:
                wanted = 1 if not self.workers else self.jobs if len(self.queue) >= self.parallel_after else 0
                if len(self.workers) >= max(wanted, 1) or len(self.workers) >= self.jobs:
                    break
                idle = self._spawn()
            key, payload = self.queue.popleft()
            try:
                idle.conn.send((key, payload))
            except (OSError, ValueError, pickle.PicklingError) as exc:
                out.append((key, False, Failed("crashed", f"cannot hand the file over: {exc}")))
                self._retire(idle, kill=True)
                continue
            idle.key, idle.started = key, time.monotonic()
            idle.ticks, idle.progressed = _cpu_ticks(idle.pid), idle.started
        return out

    def _overdue(self, w: _Worker, now: float) -> Failed | None:
        """Why a busy worker is to be killed now, if it is: past the time limit, or (with none)
        blocked, its CPU time unchanged for ``stall`` seconds."""
        if self.timeout > 0:
            return Failed("timeout") if now - w.started > self.timeout + _GRACE else None
        if self.stall <= 0:
            return None
        ticks = _cpu_ticks(w.pid)
        if ticks is None:  # no /proc: a generous wall-clock bound instead
            return Failed("blocked", f"{self.stall * 10:g}") if now - w.started > self.stall * 10 else None
        if ticks != w.ticks:
            w.ticks, w.progressed = ticks, now
            return None
        return Failed("blocked", f"{self.stall:g}") if now - w.progressed > self.stall else None

    def _next_check(self, busy: list[_Worker], now: float) -> float:
        """Seconds until the watchdog must look again."""
        if self.timeout > 0:
            return min(w.started + self.timeout + _GRACE for w in busy) - now
        if self.stall > 0:
            return min(self.stall / 4, 1.0)
        return float("inf")

    def _retire(self, w: _Worker, kill: bool | Failed) -> Failed:
        if kill:
            try:
                os.kill(w.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        w.conn.close()
        self.workers.remove(w)
        return _died(w.pid, self.baseline_kb, self.memory_mb, killed=kill)

    def poll(self, timeout: float = 0.05) -> list:
        out = self._dispatch()
        busy = [w for w in self.workers if w.key is not None]
        if not busy:
            return out
        timeout = max(0.0, min(timeout, self._next_check(busy, time.monotonic())))
        ready = wait([w.conn for w in busy], timeout)
        now = time.monotonic()
        for w in busy:
            if w.conn in ready:
                try:
                    key, ok, result = w.conn.recv()
                except (EOFError, OSError, pickle.UnpicklingError):
                    key = w.key
                    out.append((key, False, self._retire(w, kill=False)))
                    continue
                w.key = None
                out.append((key, ok, result))
            elif (why := self._overdue(w, now)) is not None:
                key = w.key
                out.append((key, False, self._retire(w, kill=why)))
        out += self._dispatch()
        return out

    def drain(self) -> Iterator:
        while self.busy:
            yield from self.poll(0.25)

    def close(self) -> None:
        for w in list(self.workers):
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
            w.conn.close()
        deadline = time.monotonic() + 2
        for w in self.workers:
            try:
                if _reap(w.pid, max(0.0, deadline - time.monotonic())) is None:
                    os.kill(w.pid, signal.SIGKILL)
                    if _reap(w.pid, _REAP_SECONDS) is None:
                        _unreaped.append(w.pid)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.workers.clear()
        _reap_late()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _capture(fn: Callable, args: tuple):
    try:
        return True, fn(*args)
    except Exception as exc:  # noqa: BLE001  raised again in the parent
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        return False, exc


def call(fn: Callable, *args, timeout: float = 0.0, memory_mb: int = DEFAULT_MEMORY_MB):
    """fn(*args) in a forked child under the same limits: (True, its result) or (False, Failed).
    An exception fn raises is raised here, as if it ran here."""
    if not available():
        return True, fn(*args)
    with Pool(lambda _: _capture(fn, args), 1, timeout, memory_mb) as pool:
        pool.submit(0, None)
        for _, ok, result in pool.drain():
            if not ok:
                return False, result
            returned, value = result
            if not returned:
                raise value
            return True, value
    return False, Failed("crashed")
