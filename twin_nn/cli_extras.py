"""What the ``twin-nn`` commands check before they start, and what they explain as they go.

Each function here is called from one place in ``cli.py`` and raises
ValueError/ImportError with a one-line message (``cli.main`` prints it as
``twin-nn: error: ...``, exit status 2), *before* the command prints
anything or trains for a minute:

* ``require_twins``: NumPy for the vector twin, checked up front, with the
  way out (``--twin scalar`` / ``--twins scalar``);
* ``check_overclock``: an ``--at-epoch`` past the run's end, and a
  ``--delta`` that would take the learning rate to 0 or below;
* ``gradcheck_rows`` / ``GradcheckProgress``: how many rows the gradient
  check really uses, and a progress line while it runs;
* ``target_status``: the exit status of ``train --check``;
* ``refuse_overwriting_inputs`` / ``check_room`` / ``check_network_memory``:
  an output that is an input, a disk without room for the model file, a
  mistyped layer size -- all before any work (issue 14);
* ``predict_checked`` / ``finite_scores``: predictions and scores are
  finite, or one error naming the row;
* ``say_interrupted``: Ctrl-C during training keeps the epochs done;
* ``difference_note``: why compare's largest parameter difference can look
  alarming and be right (BatchNorm's structurally zero bias gradients, a
  parameter near 0).

How output is written and errors are told apart: ``cli_output``.

The people-221 explanation (``explain_people``/``people_predictions``) is
what ``make demo`` shows a new user: what the data is, what the network
predicts, and what the ``max |dP|`` column means.
"""

import contextlib
import os
import time

from scalar_nn.toolkit.checks import plain

_ALTERNATIVES = {
    "train": "--twin scalar runs without it",
    "overclock": "--twin scalar runs without it",
    "compare": "compare runs both twins, so it needs NumPy; "
               "'twin-nn train RECIPE --twin scalar' runs without it",
    "gradcheck": "--twins scalar runs without it",
}


def require_twins(twins, command):
    """Raise ImportError (one line, with the way out) if a twin in ``twins`` cannot be imported."""
    if "vector" not in twins:
        return
    try:
        import vector_nn  # noqa: F401  (only to learn whether NumPy is there)
    except ImportError as exc:
        raise ImportError("the vector twin needs NumPy, which this Python cannot import (%s): "
                          "pip install numpy; %s" % (exc, _ALTERNATIVES.get(command, "--twin scalar runs without it"))
                          ) from None


# --------------------------------------------------------------- overclock
def check_overclock(recipe, epochs, delta, at_epoch):
    """Refuse Overclock options that cannot do what the user asked.

    * ``at_epoch`` beyond the last epoch: it would never fire, and the run
      would end saying the loss did not oscillate, which is the wrong reason.
    * ``lr0 + delta <= 0``: Overclock would clamp the rate to its floor
      (1e-12) and training would silently stop moving.
    """
    last = epochs or recipe.train["epochs"]
    if at_epoch is not None and at_epoch > last:
        raise ValueError("--at-epoch %d is past the run's last epoch (%d): Overclock would never fire; "
                         "give --at-epoch between 1 and %d, or --epochs %d or more"
                         % (at_epoch, last, last, at_epoch))
    if delta is not None:
        lr0 = recipe.optimizer[1]["lr"]
        if lr0 + delta <= 0.0:
            raise ValueError("--delta %g would take the learning rate from %g to %g, which is not > 0 "
                             "(Overclock would clamp it to 1e-12 and training would stop moving): "
                             "give a delta above %g" % (delta, lr0, lr0 + delta, -lr0))


def overclock_never_fired(at_epoch, history):
    """Why Overclock did not fire: the right reason for a manual and an automatic run."""
    if at_epoch is not None:
        return ("Overclock never fired: training stopped at epoch %d, before --at-epoch %d"
                % (history.epoch[-1] if history.epoch else 0, at_epoch))
    return "Overclock never fired: the loss did not oscillate by its rule"


# -------------------------------------------------------------- gradcheck
def gradcheck_rows(asked, available, out, say=True):
    """The number of rows the check uses (at most ``available``); says so first, and why when fewer."""
    used = min(asked, available)
    if say:
        if asked > available:
            out.write("gradient check on all %d rows (--rows %d is more than the data has)\n" % (available, asked))
        else:
            out.write("gradient check on %d of the %d rows\n" % (used, available))
        out.flush()
    return used


def gradcheck_estimate(net, X, Y, twin, out, clock=time.perf_counter, say_above=10.0):
    """Say up front how long the check will take, when that is more than ``say_above`` seconds.

    The check evaluates the loss twice per parameter entry (central
    differences), so it costs about 2 x entries x one loss evaluation; that one
    is timed here on the same rows (``net.loss``, inference mode: nothing
    drawn, nothing updated).  Returns the estimate in seconds.
    """
    from .recipes import flatten_params
    entries = len(flatten_params(net.params))
    start = clock()
    net.loss(X, Y)
    once = clock() - start
    estimate = 2 * entries * once
    if estimate > say_above:
        minutes = " (%.0f min)" % (estimate / 60.0) if estimate >= 120 else ""
        out.write("estimate: about %.0f s%s for %s_nn: %d parameter entries, 2 loss evaluations each, "
                  "one evaluation took %.3g s here; --rows 1 makes each cheaper%s\n"
                  % (estimate, minutes, twin, entries, once,
                     ", --twins vector checks the vector twin alone (NumPy: much faster)" if twin == "scalar" else ""))
        out.flush()
    return estimate


class GradcheckProgress:
    """``progress(done, total)`` for ``gradient_check``: a line at most every ``every`` seconds.

    On a terminal the line is rewritten in place (every second); elsewhere
    (a pipe, a log) a new line is written, at most every 5 seconds.  Short
    checks (under ``every`` seconds) print nothing.
    """

    def __init__(self, twin, out, every=None, clock=time.perf_counter):
        self.live = hasattr(out, "isatty") and out.isatty()
        every = (1.0 if self.live else 5.0) if every is None else every
        self.twin, self.out, self.every, self.clock = twin, out, every, clock
        self.start = self.last = clock()
        self.printed = False

    def __call__(self, done, total):
        now = self.clock()
        if now - self.last < self.every and done < total:
            return
        if now - self.start < self.every:      # a check that finished quickly: no progress line
            return
        self.last = now
        self.printed = True
        line = "  checking %s_nn: %d of %d parameter entries (%.0f%%), %.0f s" % (
            self.twin, done, total, 100.0 * done / max(total, 1), now - self.start)
        self.out.write(("\r" + line) if self.live else (line + "\n"))
        self.out.flush()

    def finish(self):
        """End a live progress line."""
        if self.printed and self.live:
            self.out.write("\n")


# ------------------------------------------------------------------- train
def target_status(result, check):
    """The exit status of ``twin-nn train``: 1 when ``--check`` is given and the target is missed."""
    return 1 if check and not result.target_met() else 0


def score_label(recipe, n_rows):
    """What the final scores were computed on, in words."""
    if recipe.holdout:
        return "held-out scores (%d rows never trained on)" % n_rows
    return "scores on the %d training rows (this recipe has no held-out rows)" % n_rows


# ---------------------------------------------------------------- compare
def difference_note(res):
    """Why a large-looking 'largest parameter difference' of ``compare`` is right: lines of text ('' if none).

    * structurally zero gradients (BatchNorm's b_k): noise against noise, up to
      a relative 2 (the two noises of opposite signs); the figures without them;
    * a relative difference far above 1e-16 elsewhere: it sits on an entry near 0,
      where a rounding-sized absolute difference is a large fraction of it.
    """
    lines = []
    diffs, real, names = res["param_diff"], res["param_diff_real"], ", ".join(res["excluded"])
    if res["excluded"] and diffs:
        what = "the biases %s of the layers before BatchNorm" % names if all(
            n.startswith("b") and not n.startswith("beta") for n in res["excluded"]) else "%s" % names
        lines.append("  why so large: %s have a true gradient of exactly 0 (BatchNorm subtracts the batch mean, "
                     "so a shift added before it cancels); each twin steps them by its own rounding noise, and "
                     "noise against noise can differ by a relative 2 (opposite signs) and measures nothing "
                     "(docs/PARITY.md, 'The degenerate entries')" % what)
        lines.append("  without %s: largest difference %.3e (relative %.3e)"
                     % (names, max(d[0] for d in real), max(d[1] for d in real)))
    rel, epoch, i, x, y = res["worst_relative"]
    if rel > 1e-14:               # ~50 ulp: far above the ~1e-16 of the header
        lines.append("  why the relative figure is above ~1e-16: it is %.3g on %s after epoch %d, where that "
                     "parameter is %.3g, close to 0; the twins differ there by %.3g, a rounding of the larger "
                     "numbers it is computed from, which is a large fraction of a number that small"
                     % (rel, res["names"][i], epoch, x, abs(x - y)))
    return "".join(line + "\n" for line in lines)


# ------------------------------------------------------------ the demo text
PEOPLE_INTRO = (
    "people-221 is the four-person toy data set of the classic 2-2-1 network tutorial:\n"
    "  input  (weight - 135 lb, height - 66 in) of Alice, Bob, Charlie and Diana\n"
    "  target gender, 1 = female, 0 = male\n"
    "The 2-2-1 sigmoid network predicts the probability that a person is female.\n")

DP_NOTE = ("max |dP|: the largest |scalar - vector| over all weights and biases so far "
           "(0: bit-identical, ~1e-16: float64 rounding); max rel dP: the same relative to the weight.\n")


def explain_people(recipe, out):
    """Say what people-221 is and what the network predicts (only for that recipe)."""
    if recipe.name == "people-221":
        out.write(PEOPLE_INTRO)


def people_predictions(recipe, results, twin_order, out):
    """For people-221: each person's data, gender and each twin's predicted P(female)."""
    if recipe.name != "people-221":
        return
    from scalar_nn.toolkit.datasets import PEOPLE_NAMES, people
    X, Y = people()
    preds = {}
    for twin in twin_order:
        P = results[twin].net.predict(X)
        preds[twin] = [row[0] for row in plain(P)]
    out.write("what the trained networks predict, P(female):\n")
    out.write("  %-8s %10s %9s  %-7s %s\n" % ("person", "weight-135", "height-66", "gender",
                                             "  ".join("%9s" % (t + "_nn") for t in twin_order)))
    for i, name in enumerate(PEOPLE_NAMES):
        gender = "female" if Y[i][0] == 1.0 else "male"
        out.write("  %-8s %10s %9s  %-7s %s\n" % (
            name, "%+g lb" % X[i][0], "%+g in" % X[i][1], gender,
            "  ".join("%9.4f" % preds[t][i] for t in twin_order)))


# ------------------------------------------------------ outputs vs. inputs
def refuse_overwriting_inputs(outputs, inputs):
    """Refuse, before any work, an output path (--save, --out, --plot) that is one of the inputs."""
    from scalar_nn.toolkit.files import refuse_overwriting_inputs as refuse
    refuse(outputs, inputs)


def check_room(path, sizes, batchnorm=False):
    """Before training: the model file for ``sizes`` fits on the disk of ``path`` (its size is said)."""
    if not path:
        return
    from scalar_nn.toolkit.files import check_destination
    from scalar_nn.toolkit.serialize import estimated_size
    check_destination(path, size=estimated_size(sizes, batchnorm, npz=path.lower().endswith(".npz")))


def check_network_memory(sizes, batchnorm, max_memory, twin):
    """--layers 100000000 (a typo): refused before allocating; --max-memory moves the limit."""
    from scalar_nn.toolkit import limits
    with memory_limit(max_memory):
        limits.check_network_memory(sizes, batchnorm, twin)


@contextlib.contextmanager
def memory_limit(max_memory):
    """--max-memory for the constructors (both twins check the limit): TWIN_NN_MAX_MEMORY while inside."""
    from scalar_nn.toolkit import limits
    if max_memory is None:
        yield
        return
    before = os.environ.get(limits.ENVIRONMENT)
    os.environ[limits.ENVIRONMENT] = str(max_memory)
    try:
        yield
    finally:
        if before is None:
            del os.environ[limits.ENVIRONMENT]
        else:
            os.environ[limits.ENVIRONMENT] = before


# ------------------------------------------------------------- predictions
def predict_checked(net, X, table):
    """``net.predict(X)`` as rows of floats, every one finite, or a ValueError naming the CSV row.

    Runs inside the twin's numeric guard, so NumPy prints no RuntimeWarning:
    an overflow is this one error (in both twins), never an inf or NaN
    printed as a prediction.
    """
    with net.ops.numeric_guard():
        P = plain(net.predict(X))
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in P]
    for i, row in enumerate(rows):
        if not all(v - v == 0.0 for v in row):          # NaN or +-inf
            bad = next(v for v in row if not v - v == 0.0)
            raise ValueError("%s, row %d: the model's output is %r: this row's features are far outside "
                             "what the model was trained on, or the model's weights are too large to use"
                             % (table.path, table.line_numbers[i], bad))
    return rows


def finite_scores(compute, net, path, locate=None):
    """``compute()``'s scores (a dict), inside the numeric guard, each finite (or None) or one error.

    ``locate()`` (optional, run only on that failure path) may raise a
    sharper error first: the row whose prediction is not finite.
    """
    with net.ops.numeric_guard():
        scores = compute()
    for name, value in scores.items():
        if value is not None and not value - value == 0.0:
            if locate is not None:
                locate()
            raise ValueError("the %s on %s is %r: the rows' errors are too large for a float64 (the data are "
                             "far from what the model predicts, or its weights are too large to use)"
                             % (name, path, value))
    return scores


def say_interrupted(history, save, out):
    """After Ctrl-C in ``fit``: say where training stopped, and that the model is still scored and saved.

    The decision (docs/CSV.md): an interrupted run keeps what it learned.
    The weights are those of the moment Ctrl-C came (the step under way may
    be partly applied); they are scored and, with --save, saved, with an
    "interrupted" event in the stored history; the exit status is 130.
    """
    if not history.interrupted:
        return
    done = len(history.epoch)
    out.write("interrupted at epoch %d (%d complete epoch%s kept in the history)%s\n" % (
        next(e for e in reversed(history.events) if e.get("kind") == "interrupted")["epoch"], done, "" if done == 1 else "s",
        "; scoring and saving the weights as they are" if save else "; scoring the weights as they are"))
