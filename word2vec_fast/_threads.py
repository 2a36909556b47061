"""The few ways the Python layers run work on threads (the C kernels release the GIL).

* :func:`run_threads`: items dealt round-robin to a fixed set of threads, in order on
  each (a thread keeps its own C state: a scanner, a counter);
* :func:`ordered_map`: results of independent calls, in order, a bounded number ahead;
* :class:`Background`: one call on a thread of its own, its error handed to the caller.
"""
from __future__ import annotations

import collections
import concurrent.futures as cf
import queue
import threading


def run_threads(threads: int, fn, items, name: str = "word2vec_fast") -> None:
    """Call ``fn(i, item)`` for each item, item ``k`` on thread ``k % threads`` (in order
    on each thread); the first error is raised once every thread has stopped."""
    if threads == 1:
        for item in items:
            fn(0, item)
        return
    queues = [queue.Queue(maxsize=2) for _ in range(threads)]
    errors = []

    def work(i):
        q = queues[i]
        while True:
            item = q.get()
            if item is None:
                return
            if not errors:
                try:
                    fn(i, item)
                except BaseException as e:  # kept for the caller; keep draining the queue
                    errors.append(e)

    workers = [threading.Thread(target=work, args=(i,), name=f"{name}-{i}", daemon=True)
               for i in range(threads)]
    for w in workers:
        w.start()
    try:
        for k, item in enumerate(items):
            if errors:
                break
            queues[k % threads].put(item)
    finally:
        for q in queues:
            q.put(None)
        for w in workers:
            w.join()
    if errors:
        raise errors[0]


def ordered_map(fn, items, threads: int, name: str = "word2vec_fast"):
    """``fn(item)`` for each item, run on ``threads`` threads, yielded in the items'
    order with at most ``2 * threads`` results waiting."""
    if threads == 1:
        yield from map(fn, items)
        return
    with cf.ThreadPoolExecutor(threads, thread_name_prefix=name) as ex:
        pending = collections.deque()
        try:
            for item in items:
                pending.append(ex.submit(fn, item))
                if len(pending) > 2 * threads:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()


class Background:
    """``fn(*args)`` on a thread of its own; :meth:`result` waits and raises its error."""

    def __init__(self, fn, *args, name: str = "word2vec_fast-background"):
        self._error = None

        def run():
            try:
                fn(*args)
            except BaseException as e:  # handed to the caller by result()
                self._error = e
        self._thread = threading.Thread(target=run, name=name, daemon=True)
        self._thread.start()

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
