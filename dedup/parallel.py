"""A process pool over batches that streams: bounded work in flight, results in order.

Results come back in input order whatever the number of workers, so `--jobs 1` and
`--jobs N` give byte-identical output.
"""

from __future__ import annotations

import ctypes
import gc
import mmap
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from itertools import islice, pairwise
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from dedup.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

_SHARED: Any = None  # what forked workers of `map_shared` read instead of a pickled copy


MAX_JOBS_PER_CORE = 8


def resolve_jobs(jobs: int | None) -> int:
    """Worker count: None or 0 means every core; more than `MAX_JOBS_PER_CORE` workers per
    core is refused (each is a process with its own memory: `--jobs 100000` is a typo).

    Example:
        >>> resolve_jobs(3)
        3
    """
    cores = os.cpu_count() or 1
    if jobs is None or jobs == 0:
        return cores
    if jobs < 0:
        msg = f"--jobs must be 0 (all cores) or a positive number of workers, got {jobs}"
        raise ConfigError(msg)
    if jobs > MAX_JOBS_PER_CORE * cores:
        msg = (
            f"--jobs {jobs}: this machine has {cores} cores; pass at most "
            f"{MAX_JOBS_PER_CORE * cores} workers, or 0 for one per core"
        )
        raise ConfigError(msg)
    return jobs


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of `size` items (the last one shorter).

    Example:
        >>> list(batched(range(5), 2))
        [[0, 1], [2, 3], [4]]
    """
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def ranges(count: int, size: int) -> list[range]:
    """Consecutive position ranges of `size` covering `count` items (tasks for `map_shared`).

    Example:
        >>> ranges(5, 2)
        [range(0, 2), range(2, 4), range(4, 5)]
    """
    return [range(lo, min(lo + size, count)) for lo in range(0, count, size)]


def text_ranges(chars: Sequence[int], size: int, max_chars: int) -> list[range]:
    """Consecutive ranges of at most `size` items and, past their first item, at most
    `max_chars` characters (`chars[i]`: item i's length): tasks for `map_shared`.

    Counting documents alone made 986 changelogs of 63 MB one task: no second worker
    under --jobs 2 and a progress line at 0 % until the end. The ranges depend on the
    lengths only, never on the jobs, so the results do not either.

    Example:
        >>> text_ranges([5, 1, 1, 9, 1], 3, 6)
        [range(0, 2), range(2, 3), range(3, 4), range(4, 5)]
        >>> text_ranges([1] * 7, 3, 100)
        [range(0, 3), range(3, 6), range(6, 7)]
    """
    before = np.concatenate(([0], np.cumsum(np.asarray(chars, dtype=np.int64))))
    cuts = weighted_cuts(before, max_chars)
    return [range(a, min(a + size, hi)) for lo, hi in pairwise(cuts) for a in range(lo, hi, size)]


def weighted_cuts(before: npt.NDArray[np.int64], size: int) -> list[int]:
    """Cuts of items into consecutive ranges of about `size` weight, each at least one
    item (`before[i]`: the weight of the items below i, `before[-1]` the total).

    Example:
        >>> weighted_cuts(np.array([0, 5, 6, 12, 13]), 6)
        [0, 2, 3, 4]
    """
    cuts, items = [0], len(before) - 1
    while cuts[-1] < items:
        end = int(np.searchsorted(before, before[cuts[-1]] + size, side="right")) - 1
        cuts.append(min(items, max(end, cuts[-1] + 1)))
    return cuts


def map_batches(
    func: Callable[[list[T]], R], batches: Iterable[list[T]], *, jobs: int = 1
) -> Iterator[R]:
    """`func(batch)` for every batch, in order, over `jobs` processes.

    At most 2 x jobs batches are in flight, so memory stays bounded on any input size.
    `func` must be picklable (a module-level function or a `functools.partial` of one).

    Example:
        >>> list(map_batches(sum, [[1, 2], [3]], jobs=1))
        [3, 3]
    """
    if jobs <= 1:
        yield from map(func, batches)
        return
    with _pool(jobs) as pool:
        pending: deque[Future[R]] = deque()
        for batch in batches:
            pending.append(pool.submit(func, batch))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def map_while(
    func: Callable[[T], R],
    tasks: Sequence[T],
    meanwhile: Callable[[], Any] | None,
    *,
    jobs: int = 1,
) -> list[R]:
    """`[func(task) for task in tasks]` over `jobs` processes, running `meanwhile()` in
    this process while they work (the workers start before it, so they do not inherit
    what it loads).

    Example:
        >>> map_while(abs, [-1, 2], None, jobs=1)
        [1, 2]
    """
    if jobs <= 1 or len(tasks) < 2:
        if meanwhile is not None:
            meanwhile()
        return [func(task) for task in tasks]
    with _pool(jobs, initializer=die_with_parent) as pool:
        futures = [pool.submit(func, task) for task in tasks]
        if meanwhile is not None:
            meanwhile()
        return [future.result() for future in futures]


@contextmanager
def beside(func: Callable[[], R], *, enabled: bool = True) -> Iterator[Callable[[], R]]:
    """Start `func()` in a forked process and run the block beside it; the block gets a
    function that waits for `func`'s result (its exception is raised there).

    For a stage that needs nothing another stage makes (boilerplate beside the passage
    search): while this process does the serial parts of its own stage and its workers
    wait, the cores run the other. Without `enabled`, or where fork does not exist, `func`
    runs in this process when its result is asked for. Leaving the block by an exception
    kills the process. The result is `func()`'s either way.

    Example:
        >>> with beside(lambda: 6 * 7, enabled=False) as result:
        ...     pass
        >>> result()
        42
    """
    if not enabled or "fork" not in multiprocessing.get_all_start_methods():
        yield func
        return
    receive, send = multiprocessing.Pipe(duplex=False)
    context = multiprocessing.get_context("fork")
    # As for `map_shared`: objects alive at fork stay out of the child's collections.
    with frozen():
        child = context.Process(target=_run_beside, args=(func, send))
        child.start()
    send.close()
    received: list[tuple[str, Any]] = []

    def result() -> R:
        if not received:
            try:
                received.append(receive.recv())
            except EOFError:
                child.join()
                msg = f"a worker process stopped without its result (exit code {child.exitcode})"
                raise ChildProcessError(msg) from None
        status, value = received[0]
        if status == "error":
            raise value
        out: R = value
        return out

    try:
        yield result
    finally:
        if not received:  # left early: its result (maybe half sent) is nobody's
            child.kill()
        child.join()
        receive.close()


def _run_beside(func: Callable[[], Any], send: Any) -> None:
    """The forked process of `beside`: `func()`, sent back with its status ("error" with
    the exception it raised). Ctrl-C and the parent's death as for a pool worker."""
    _start_worker()
    try:
        out: tuple[str, Any] = ("ok", func())
    except BaseException as ex:  # the parent raises it
        out = ("error", ex)
    send.send(out)
    send.close()


def shared_array(shape: tuple[int, ...], dtype: Any) -> npt.NDArray[Any]:
    """A zeroed array in memory shared with the processes forked after it is made (an
    anonymous shared mapping): what such a worker writes into it, this process sees,
    without pickling or copying. Where there is no fork, it is an ordinary array.

    Example:
        >>> shared_array((2, 3), "uint32").shape
        (2, 3)
    """
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if not size:
        return np.zeros(shape, dtype=dtype)
    return np.frombuffer(mmap.mmap(-1, size), dtype=dtype).reshape(shape)


def map_shared(
    func: Callable[[S, T], R], shared: S, tasks: Sequence[T], *, jobs: int = 1
) -> Iterator[R]:
    """`func(shared, task)` for every task, in order, over `jobs` forked processes.

    Workers inherit `shared` through fork (copy-on-write) instead of receiving a pickled
    copy with every task, which is what makes large read-only state (every prepared
    document of a corpus) cheap to share. Where fork does not exist (Windows) or one job
    is asked for, the tasks run in this process; the results are the same either way.

    Example:
        >>> list(map_shared(lambda base, x: base + x, 10, [1, 2], jobs=1))
        [11, 12]
    """
    if jobs <= 1 or len(tasks) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from (_uncollected(func, shared, task) for task in tasks)
        return
    global _SHARED
    _SHARED = shared
    # Objects alive at fork move to the permanent generation: a worker's garbage collector
    # then never walks (and so never writes to, and copies) the parent's pages.
    try:
        with frozen(), _pool(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(partial(_call_shared, func), tasks)
    finally:
        _SHARED = None


@contextmanager
def _pool(
    jobs: int, initializer: Callable[[], None] | None = None, **kwargs: Any
) -> Iterator[ProcessPoolExecutor]:
    """A process pool that, left by an exception (Ctrl-C above all, or a consumer that
    stops reading), kills its workers instead of waiting for every task already queued.

    `with ProcessPoolExecutor()` waits for them: a Ctrl-C during the boilerplate stage of
    a `clean` of /usr/share/doc left the run waiting for minutes (a new-user trial).
    """
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=initializer or _start_worker, **kwargs)
    try:
        yield pool
    except BaseException:
        # The executor's own map of its processes: Python 3.14 names this terminate_workers().
        workers = list((pool._processes or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.join()
        raise
    pool.shutdown(wait=True)


def _start_worker() -> None:
    """Worker initializer: Ctrl-C is the parent's to handle, and the worker dies with its
    parent (`die_with_parent`).

    Ctrl-C reaches the whole process group: a worker stopped by it could hold the pool's
    queue lock or write a result nobody reads, and the run hung instead of exiting (130).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()


_PR_SET_PDEATHSIG = 1  # prctl option: the signal this process gets when its parent dies


def die_with_parent() -> None:
    """Worker initializer: on Linux, ask the kernel to kill this worker when its parent dies.

    A run killed with SIGKILL cannot stop its pool; without this its workers would live on
    (waiting for tasks that never come) and keep their memory. Elsewhere it does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # no prctl (a libc without it): nothing to do
        return
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it died before the call
        os._exit(1)


def _call_shared(func: Callable[[Any, T], R], task: T) -> R:
    return _uncollected(func, _SHARED, task)


def _uncollected(func: Callable[[S, T], R], shared: S, task: T) -> R:
    """`func(shared, task)` without automatic garbage collection (restored after).

    A task makes many small objects (lines, verdicts, feature rows) and frees them without
    reference cycles, so a collection in the middle of one finds little to free, yet each
    full collection walks every object alive, the whole corpus and its lines included: on
    5,000 documents of 2.5 KB in one process, about a sixth of the boilerplate rules' CPU time.
    Between tasks the collector runs as usual, so a task's cyclic garbage goes after it.
    """
    with uncollected():
        return func(shared, task)


_FROZEN = [0]  # `frozen` blocks open in this process


@contextmanager
def frozen() -> Iterator[None]:
    """Objects alive on entry move to the permanent generation until the outermost block
    ends: automatic collections inside walk only what the block made, not the caller's
    heap (a corpus, an earlier scan's passages), and a process forked inside never
    collects (and so never copies) its parent's pages. Objects a caller froze before stay
    frozen after.

    Example:
        >>> with frozen():
        ...     gc.get_freeze_count() > 0
        True
    """
    outermost = not _FROZEN[0]
    caller_froze = gc.get_freeze_count() > 0
    gc.freeze()
    _FROZEN[0] += 1
    try:
        yield
    finally:
        _FROZEN[0] -= 1
        if outermost and not caller_froze:
            gc.unfreeze()


@contextmanager
def uncollected() -> Iterator[None]:
    """No automatic garbage collection inside (the state before is restored after): for
    code that makes many objects without reference cycles while much else is alive.

    Example:
        >>> with uncollected():
        ...     gc.isenabled()
        False
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
