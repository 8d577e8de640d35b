"""Thread counts of the ladder's rungs, switched inside one process between blocks of steps.

The ladder times every rung at one thread; the Threads ladder times the engine
and PyTorch at one thread and (``fast@all``, ``torch64@all``, ...) at every
core, in the same rounds of one process, so that a ratio of "1 thread" to "all
cores" comes from the same moments of the machine's load (the ladder's method).  That needs the thread count switched
*at run time*, between two blocks, and two libraries do that:

* **threadpoolctl** (the library scikit-learn uses for the same job) sets the
  thread count of the BLAS that NumPy loaded (OpenBLAS, MKL, BLIS), up as well
  as down: measured here, OpenBLAS started with ``OPENBLAS_NUM_THREADS=1`` runs
  an 800 × 800 product twice as fast after ``limit(limits=2)``;
* **torch.set_num_threads** sets PyTorch's intra-op pool (its GEMMs and its
  elementwise kernels).

The environment variables (``OPENBLAS_NUM_THREADS`` ...) are read once, when a
library loads, so with them each thread count needs a process of its own and
the two counts are never timed side by side; ``make bench`` still measures
that way as a cross-check (RESULTS.md, "Threads in separate processes"), and
without threadpoolctl the ladder says so and skips NumPy's thread rungs.

On a machine whose cores are busy with other work, a step on every core waits
for the busiest one: measured here at a load average of 3-4 on two cores, W4's
engine step took 2 ms at one thread and anywhere from 1.5 to 100 ms at two,
whether the two threads came from threadpoolctl or from the variables in a
fresh process.

The engine's own threads (the row chunks of a big batch, ``vector_nn.fast.MLP(...,
threads=n)``) belong to each network, not to a library: the ``@all`` rung builds
its network with ``threads`` = every core (``ladder.make_rung``).
"""

import os
import sys

ENV_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def all_cores():
    """The cores this process may run on (its CPU affinity where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                      # macOS, Windows
        return os.cpu_count() or 1


def start_at_one_thread():
    """Make every library start at one thread (before NumPy and PyTorch load); True if it could.

    Once NumPy is imported its BLAS has read the variables, and only threadpoolctl moves it.
    """
    if "numpy" in sys.modules or "torch" in sys.modules:
        return False
    for name in ENV_VARS:
        os.environ[name] = "1"
    return True


def threadpoolctl_missing():
    """None when threadpoolctl is importable, else why the NumPy thread rungs cannot run."""
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:
        return ("threadpoolctl is not installed: NumPy's BLAS threads can only be switched in-process "
                "with it (pip install threadpoolctl)")
    return None


class Threads:
    """Sets the thread count of NumPy's BLAS and PyTorch, both at once.

    Build it after the rungs have imported their libraries (threadpoolctl finds
    the BLAS libraries loaded so far).  ``set(n)`` is cheap enough to call
    before every block (it is not timed).
    """

    def __init__(self):
        self._blas = None
        if threadpoolctl_missing() is None and "numpy" in sys.modules:
            from threadpoolctl import ThreadpoolController
            self._blas = ThreadpoolController().select(user_api="blas")
        self.current = None

    def set(self, n):
        """Every library at ``n`` threads (nothing happens when it already is)."""
        if n == self.current:
            return
        if self._blas is not None:
            self._blas.limit(limits=n)
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(n)
        self.current = n

    def info(self):
        """What the thread counts are now, for the report: {library: threads}."""
        out = {}
        if self._blas is not None:
            for lib in self._blas.info():
                out[lib["internal_api"]] = lib["num_threads"]
        torch = sys.modules.get("torch")
        if torch is not None:
            out["torch"] = torch.get_num_threads()
        return out
