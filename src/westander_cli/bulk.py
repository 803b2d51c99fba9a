"""Reading thousands of files in one go: what a first run over a whole data folder or registry needs."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from westander_cli.errors import InvalidInput, WstError
from westander_cli.i18n import _


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Python's cycle collector paused while thousands of files are read (summaries built, a registry indexed).

    Such a read makes millions of containers that live on (events, folds, statements, rows) and none that
    refer to themselves, so every collection walks a growing heap and frees nothing: a tenth of a first
    `status` at 10,000 engagements, about 1 s of a 100,000-company import. Reference counting still frees
    what is dropped; the collector runs again afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


PARALLEL_FROM = 400
"""Fewer items are handled in this process: forking workers and sending results back costs more than they save."""
MAX_WORKERS = 8

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")
_task: list[Callable[[Any], Any]] = []
"""The function `mapped` runs, set before the workers are forked: they inherit it, nothing is pickled but items and results."""


def mapped(function: Callable[[ItemT], ResultT], items: Sequence[ItemT]) -> list[ResultT]:
    """`[function(item) for item in items]`, in forked worker processes where the items are many and the machine
    has cores to spare (Linux; `WST_JOBS` caps the processes, 1 for none).

    Workers inherit this process as it is (the language, the moment, people.toml already read) and send back
    only results, which must pickle. The first error in the items' order is raised here, as the loop would
    raise it; a later item may have been handled by then, which is harmless for a function that only reads.
    Where workers cannot be started (no fork, no /dev/shm) or one dies (the out-of-memory killer), this
    process handles every item itself. Workers ignore Ctrl-C (this process stops them) and stop by themselves
    within one item when this process is gone.
    """
    workers = worker_count(len(items))
    if workers >= 2:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return _in_workers(function, items, workers)
        except (OSError, BrokenProcessPool):
            pass
    return [function(item) for item in items]


def worker_count(items: int) -> int:
    """How many processes `mapped` uses for `items` items: 1 below PARALLEL_FROM, off Linux, or with WST_JOBS=1."""
    jobs = os.environ.get("WST_JOBS", "")
    if jobs and not (jobs.isascii() and jobs.isdigit() and len(jobs) <= 3 and int(jobs) >= 1):
        raise InvalidInput(_("WST_JOBS: '{value}' is not a number of processes from 1 to 999").format(value=jobs))
    if items < PARALLEL_FROM or sys.platform != "linux":
        return 1
    cores = len(os.sched_getaffinity(0))
    return max(1, min(int(jobs) if jobs else cores, cores, MAX_WORKERS, items // (PARALLEL_FROM // 2)))


def _in_workers(function: Callable[[ItemT], ResultT], items: Sequence[ItemT], workers: int) -> list[ResultT]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(items) // (workers * 8))  # small chunks: one finishing slowly does not idle the rest
    chunks = [items[start:start + size] for start in range(0, len(items), size)]
    _task[:] = [function]
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker) as pool:
            try:
                with _ctrl_c_held():  # workers are forked as the chunks are handed out: none may see a Ctrl-C before it ignores it
                    handed_out = pool.map(_run_chunk, chunks, [os.getpid()] * len(chunks))
                results: list[ResultT] = []
                for done, failure in handed_out:
                    results.extend(done)
                    if failure is not None:
                        raise failure[0](failure[1])
                return results
            except BaseException:  # an error in order, Ctrl-C, a dead worker: the chunks running end, no other starts
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        _task.clear()


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """SIGINT blocked for this thread, and so for what it forks or starts, until the block ends (then it is delivered)."""
    import signal

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _start_worker() -> None:
    """A worker leaves Ctrl-C to the process that forked it, and has nothing to say on stderr (results and errors go back)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked while it was forked, ignored from now on
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 2)
    os.close(quiet)


def _run_chunk(chunk: Sequence[Any], parent: int) -> tuple[list[Any], tuple[type[WstError], str] | None]:
    """In a worker: the results of one chunk, up to its first error (as the nearest class of `errors` and the
    message); nothing once the process that asked is gone."""
    done = []
    for item in chunk:
        if os.getppid() != parent:
            break
        try:
            done.append(_task[0](item))
        except WstError as error:
            kind = next(c for c in type(error).__mro__ if c.__module__ == WstError.__module__)
            return done, (kind, str(error))
    return done, None
