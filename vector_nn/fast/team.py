"""A network's own worker threads, for the row chunks of a big batch (``MLP(..., threads=n)``).

NumPy releases the GIL inside a ufunc's loop and a BLAS product, so Python
threads that each run the lean step on their own rows of the batch run on
separate cores.  What they cost is the handoff: waking a sleeping thread and
being woken when it is done.  On this project's 2-core VM that was measured
at 75 us for ``ThreadPoolExecutor.submit(...).result()`` and 33 us for the
two-lock handoff below, against a W5 step of about 850 us, so the team is
woken once per step (each thread takes a contiguous run of chunks), never
once per ufunc.  numexpr, the other candidate, was measured slower than one
NumPy thread here: without Intel's VML its exp is a scalar libm call
(exp over W5's 2000 x 64 array: 408 us at 1 thread, NumPy's SIMD exp 80 us).

What was measured here with two threads each running its own arrays (2-vCPU
Firecracker VM, CPython 3.11, NumPy 2.4's OpenBLAS at one thread), serial
time against two threads: 50 multiplies of (500, 64) arrays, about 12 us
each, 1218 -> 757 us; of (250, 64), about 5 us each, 479 -> 577 us (slower:
each time a thread comes back from a ufunc while the other holds the GIL it
sleeps, and waking it costs as much as the work); W5-sized products of 500
rows, 583 -> 574 us (the bundled OpenBLAS gains nothing from two callers).
So on that machine the W5 step at two threads is slower than at one, and
``threads`` defaults to 1; where waking a thread is cheap (bare metal) and
the chunks' ufuncs are long, the same code runs them side by side.

The workers are daemon threads that hold only their ``_Slot``, not the team,
so a team nobody references is collected and its workers told to stop.  A
team belongs to one network and one process: after ``os.fork`` the network
makes a new one (``pid``).
"""

import os
import threading
import weakref


class _Slot:
    """One worker's mailbox: ``go`` is released to start ``task``, ``done`` when it has finished."""

    def __init__(self):
        self.go = threading.Lock()
        self.go.acquire()
        self.done = threading.Lock()
        self.done.acquire()
        self.task = self.result = self.error = None


def _work(slot):
    """A worker's life: wait for a task, run it, say so; a task of None ends it."""
    while True:
        slot.go.acquire()
        task = slot.task
        if task is None:
            return
        try:
            slot.result = task()
        except BaseException as exc:        # handed to the caller by Team.run
            slot.error = exc
        slot.done.release()


def _stop(slots):
    """Tell every worker to end (the team has been collected)."""
    for slot in slots:
        slot.task = None
        slot.go.release()


class Team:
    """``n`` worker threads that run tasks beside the calling thread: ``run([f0, f1, ...])``."""

    def __init__(self, n):
        self.pid = os.getpid()
        self.size = n + 1                       # the caller counts
        self._slots = [_Slot() for _ in range(n)]
        for slot in self._slots:
            threading.Thread(target=_work, args=(slot,), name="vector_nn.fast worker", daemon=True).start()
        weakref.finalize(self, _stop, self._slots)

    def run(self, tasks):
        """[f() for f in tasks], tasks[0] here and the others on the workers at the same time.

        Every worker is waited for, even when this thread's task raises (the
        workers write into the network's buffers); the first error is re-raised.
        """
        slots = self._slots[:len(tasks) - 1]
        for slot, task in zip(slots, tasks[1:]):
            slot.task = task
            slot.go.release()
        results, error = [None] * len(tasks), None
        try:
            results[0] = tasks[0]()
        except BaseException as exc:
            error = exc
        for i, slot in enumerate(slots, 1):
            slot.done.acquire()
            results[i], slot.task, slot.result = slot.result, None, None
            if slot.error is not None:
                error, slot.error = error or slot.error, None
        if error is not None:
            raise error
        return results
