"""The one thread policy: how many worker threads growthkit's kernels share, and when.

growthkit's numba kernels release the GIL, so a log is split between threads of one
process. The number of threads is the number of CPUs this process may run on (capped at
:data:`MAX_THREADS`), or the environment variable ``GROWTHKIT_NUM_THREADS`` when it is
set; it is read at every call, so a service can change it between calls, and nothing else
(no global setter) changes it. Logs shorter than :data:`PARALLEL_ROWS` stay on the calling
thread: below that, starting threads costs more than it saves.

Every pool in growthkit comes from :func:`thread_map`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from growthkit import _validate as v

__all__ = ["ENV_VAR", "MAX_THREADS", "PARALLEL_ROWS", "num_threads", "thread_map", "threads_for"]

_T = TypeVar("_T")
_R = TypeVar("_R")

ENV_VAR = "GROWTHKIT_NUM_THREADS"
# The default never exceeds this: the layout and fold passes are memory-bound, and past a
# socket's memory channels more threads only add per-thread bucket counts to merge.
MAX_THREADS = 16
# From this many rows on, work is split between threads. benchmarks/bench_blocks.py
# "threads" (2 shared cores, load 3.5, medians of 9): layout + RFM fold on 2 threads took
# 0.93x the 1-thread time at 2**20 orders, 0.90x at 2**21 and 0.80x at 2**23, but 1.33-1.40x
# at 2**16-2**19, where starting the pool costs more than the pass.
PARALLEL_ROWS = 1 << 20


def num_threads() -> int:
    """Worker threads: ``GROWTHKIT_NUM_THREADS`` if set, else the usable CPUs (capped).

    Raises
    ------
    SchemaError
        ``GROWTHKIT_NUM_THREADS`` is not an integer.
    DataError
        ``GROWTHKIT_NUM_THREADS`` is below 1.
    """
    raw = os.environ.get(ENV_VAR, "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError:
            raise v.schema_error(
                ENV_VAR, f"must be a whole number of threads, got {raw!r}", 1, "Unset it or set 1."
            ) from None
        if value < 1:
            raise v.data_error(ENV_VAR, f"must be at least 1, got {value}", 1, "Unset it or set 1.")
        return value
    affinity = getattr(os, "sched_getaffinity", None)
    usable = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return max(1, min(usable, MAX_THREADS))


def threads_for(n_rows: int) -> int:
    """Threads for a pass over ``n_rows`` rows: 1 below :data:`PARALLEL_ROWS`."""
    return 1 if n_rows < PARALLEL_ROWS else num_threads()


def thread_map(fn: Callable[[_T], _R], items: Sequence[_T], *, threads: int) -> list[_R]:
    """``[fn(x) for x in items]``, on up to ``threads`` threads (in order; errors re-raised)."""
    workers = min(threads, len(items))
    if workers <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="growthkit") as pool:
        return list(pool.map(fn, items))
