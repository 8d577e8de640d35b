"""The ``twin-nn`` command: recipes, train, compare, overclock, gradcheck (here), predict,
evaluate, info (``cli_data``), trace (``trace``) and lr-schedule (``cli_pictures``).

It is standard library only (argparse) and loads the vector twin only when a
command asks for it, so ``twin-nn train people-221 --twin scalar`` works on a
Python without NumPy, PyPy included.

Every error the user can cause (an unknown recipe, a bad lr, a missing
package, a damaged file, a diverging run) is printed as one line,
``twin-nn: error: ...``, with exit status 2; there is no traceback.  A bad
option value is argparse's ``twin-nn COMMAND: error: ...``, also one line
(``_Parser``).  Anything else is a bug of ours: ``twin-nn: internal error:
...`` with a hint, exit status 1; ``--debug`` or ``TWIN_NN_DEBUG=1`` shows the
traceback (``cli_output``).  Ctrl-C is ``twin-nn: interrupted``, exit 130
(during ``train`` the epochs done are kept: docs/CSV.md).
"""

import argparse
import os
import sys
import time

from . import cli_data, recipes
from .argtypes import PROG
from .argtypes import non_negative_number as _nonnegative_float
from .argtypes import number as _float
from .argtypes import positive_int as _positive_int
from .argtypes import positive_number as _positive_float
from .argtypes import seed as _seed
from . import cli_extras as extras
from . import cli_output as output
from . import cli_pictures as pictures



# ----------------------------------------------------------------- helpers
class _Parser(argparse.ArgumentParser):
    """argparse, with a subcommand's usage errors on one line.

    argparse prints the whole usage before the error; for ``train`` that is a
    dozen lines above the one that matters.  A subcommand's error is one line
    pointing to its ``--help``; ``twin-nn`` alone keeps its (short) usage.
    No option is matched by a prefix (``allow_abbrev=False``, which every
    subcommand's parser inherits): ``--drop`` must never become ``--dropout``.
    """

    def __init__(self, *args, allow_abbrev=False, **kwargs):
        super().__init__(*args, allow_abbrev=allow_abbrev, **kwargs)

    def error(self, message):
        if " " not in self.prog:
            super().error(message)
        self.exit(2, "%s: error: %s (%s --help lists the options)\n" % (self.prog, message, self.prog))


def _version():
    """The installed distribution's version (the source tree's, when run uninstalled)."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("twin-nn")
    except PackageNotFoundError:       # run from a source tree that was never installed
        return "unknown (not installed)"


def _recipe_names():
    return ", ".join(sorted(recipes.RECIPES))


def _fmt_scores(scores):
    return "  ".join("%s %.6g" % (k, v) for k, v in scores.items())


def _target_line(result):
    metric, op, value = result.recipe.target
    verdict = "met" if result.target_met() else "NOT met"
    where = "held-out rows" if result.recipe.holdout else "training rows"
    return "target %s %s %g on %s: %s (%s = %.6g)" % (metric, op, value, where, verdict,
                                                       metric, result.scores[metric])


def _warn_slow(recipe, twin, epochs, out):
    """Tell the user before a long scalar run (the pure-Python twin is slow on big recipes)."""
    if twin != "scalar" or not recipe.scalar_seconds:
        return
    scale = (epochs or recipe.train["epochs"]) / float(recipe.train["epochs"])
    estimate = recipe.scalar_seconds * scale
    if estimate > 30:
        out.write("note: the scalar twin needs roughly %.0f s for this run on a typical CPU; "
                  "--epochs N shortens it\n" % estimate)


# ---------------------------------------------------------------- commands
def cmd_recipes(args, out):
    """One line per recipe."""
    for name in sorted(recipes.RECIPES):
        out.write(recipes.RECIPES[name].describe() + "\n")
    return 0


def cmd_train(args, out):
    """Train one recipe in one twin; print progress, final scores, the target, save if asked."""
    _check_engine(args)
    if cli_data.wants_data(args):
        _use_exact(args, out)                # --exact holds for your own data too
        return cli_data.cmd_train_data(args, out)
    cli_data.check_train_args(args)          # also checks --save before any training
    recipe = recipes.get(args.recipe)
    extras.check_room(args.save, recipe.model["sizes"], recipe.model.get("batchnorm", False))
    recipe.check_requirements()              # digits: scikit-learn, said before anything runs
    extras.require_twins([args.twin], "train")
    pictures.check_destinations(args, recipe)
    _warn_slow(recipe, args.twin, args.epochs, out)
    _use_exact(args, out)
    engine = ", %s engine" % args.engine if args.twin == "vector" else ""
    out.write("training %s in %s_nn (seed %d%s)\n" % (recipe.name, args.twin, args.seed, engine))
    result = recipes.run(recipe.name, args.twin, epochs=args.epochs, lr=args.lr, seed=args.seed,
                         verbose=0 if args.quiet else 1, out=out, engine=args.engine,
                         monitor_holdout=bool(args.plot))
    extras.say_interrupted(result.history, args.save, out)      # Ctrl-C: the epochs so far are kept
    out.write("done in %.2f s; %s: %s\n" % (result.seconds, extras.score_label(recipe, result.rows_scored),
                                           _fmt_scores(result.scores)))
    out.write(_target_line(result) + "\n")
    if args.save:
        serialize = recipes.twin_parts(args.twin, args.engine).serialize
        serialize.save_model(result.net, args.save, history=result.history,
                             meta={"recipe": recipe.name, "twin": args.twin, "seed": args.seed})
        out.write("saved model to %s\n" % args.save)
    pictures.train_picture(args, result, out)
    return 130 if result.history.interrupted else extras.target_status(result, args.check)


def _use_float32(args):
    """--dtype float32 runs the fast engine in single precision (recipes.FAST32); other rungs are float64."""
    if getattr(args, "dtype", "float64") != "float32":
        return
    if args.exact or args.engine != "fast":
        raise ValueError("--dtype float32 is the fast engine's; exact mode and --engine %s are "
                         "float64 only" % ("exact" if args.exact else args.engine))
    if getattr(args, "twin", "vector") == "scalar":
        raise ValueError("--dtype float32 is the vector twin's engine; the scalar twin computes "
                         "in Python floats (float64): drop --dtype or add --twin vector")
    args.engine = recipes.FAST32


def _check_engine(args):
    """--engine picks the vector twin's rung; with --twin scalar it would be silently ignored."""
    if getattr(args, "twin", "vector") == "scalar" and getattr(args, "engine_given", False) \
            and args.engine != "exact":
        raise ValueError("--engine %s picks a rung of the vector twin; the scalar twin has one: "
                         "drop --engine, or add --twin vector" % args.engine)


def _use_exact(args, out):
    """With --exact: the vector twin runs in exact mode; print its self-check as a header."""
    if not getattr(args, "exact", False):
        return
    if getattr(args, "twin", "vector") == "scalar":
        raise ValueError("--exact is a mode of the vector twin (the scalar twin is what it reproduces)")
    if args.engine == "fast" and getattr(args, "engine_given", False):
        raise ValueError("--exact runs the plain vector twin in exact mode; it cannot be combined "
                         "with --engine fast")
    args.engine = "exact"
    try:
        from vector_nn import exact
    except ImportError as exc:
        raise ImportError("--exact needs the vector twin, i.e. NumPy (%s)" % exc) from None
    out.write("exact mode (vector_nn.exact): the vector twin sums in the scalar twin's order; self-check:\n")
    for line in exact.report().lines():
        out.write("  %s\n" % line)


def cmd_compare(args, out):
    """Both twins from the same initial weights: losses side by side, parameter drift, times."""
    recipe = recipes.get(args.recipe)
    extras.require_twins(["scalar", "vector"], "compare")
    pictures.check_destinations(args)
    _warn_slow(recipe, "scalar", args.epochs, out)
    _use_exact(args, out)
    extras.explain_people(recipe, out)
    out.write("%s: both twins from the same initial weights (seed %d), same batches; vector_nn on its %s "
              "engine\n" % (recipe.name, args.seed, args.engine))
    res = recipes.compare(recipe.name, epochs=args.epochs, seed=args.seed, out=out, engine=args.engine)
    hs, hv = res["scalar"].history, res["vector"].history
    every = args.every or recipe.train.get("log_every", 1)
    out.write(extras.DP_NOTE)
    out.write("%8s  %16s  %16s  %12s  %12s\n" % ("epoch", "scalar loss", "vector loss", "max |dP|", "max rel dP"))
    worst_abs = worst_rel = 0.0
    for i, epoch in enumerate(hs.epoch):
        worst_abs = max(worst_abs, res["param_diff"][i][0])
        worst_rel = max(worst_rel, res["param_diff"][i][1])
        if epoch % every == 0 or epoch == 1 or i == len(hs.epoch) - 1:
            out.write("%8d  %16.10f  %16.10f  %12.3e  %12.3e\n" % (epoch, hs.loss[i], hv.loss[i], worst_abs, worst_rel))
    ts, tv = res["scalar"].seconds, res["vector"].seconds
    out.write("largest parameter difference between the twins: %.3e (relative %.3e)\n" % (worst_abs, worst_rel))
    out.write(extras.difference_note(res))
    if args.engine == "exact":
        if worst_abs == 0.0:
            out.write("exact mode: max |dP| = 0 (every parameter bit-identical after every epoch)\n")
        else:
            out.write("exact mode: max |dP| = %.3e: the twins are NOT bit-identical\n" % worst_abs)
    out.write("scalar_nn: %.3f s   vector_nn: %.3f s   " % (ts, tv))
    if tv > 0 and ts >= 1.05 * tv:
        out.write("speedup of vectorizing: %.1fx\n" % (ts / tv))
    elif ts > 0 and tv <= 1.05 * ts:            # within 5%: a tie, not "1.0x slower"
        out.write("the twins take about the same time here (tiny arrays: NumPy pays ~1 us per call)\n")
    else:
        out.write("vectorizing is %.1fx SLOWER here (tiny arrays: NumPy pays ~1 us per call)\n" % (tv / ts))
    out.write("final scores  scalar: %s\n              vector: %s\n" % (
        _fmt_scores(res["scalar"].scores), _fmt_scores(res["vector"].scores)))
    extras.people_predictions(recipe, res, ("scalar", "vector"), out)
    pictures.compare_picture(args, recipe, res, out)
    return 0


def cmd_overclock(args, out):
    """The A/B run: same initial weights with and without Overclock; both curves, final losses."""
    recipe = recipes.get(args.recipe)
    if args.csv is not None:
        cli_data.check_save(args.csv, args.twin, "--csv")     # before the runs, not after them
    extras.require_twins([args.twin], "overclock")
    extras.check_overclock(recipe, args.epochs, args.delta, args.at_epoch)
    pictures.check_destinations(args)
    _check_engine(args)
    _warn_slow(recipe, args.twin, args.epochs, out)
    _use_exact(args, out)
    options = {}
    if args.delta is not None:
        options["delta"] = args.delta
    if args.at_epoch is not None:
        options["at_epoch"] = args.at_epoch
    base, clocked, clock = recipes.overclock_ab(recipe.name, args.twin, epochs=args.epochs, seed=args.seed,
                                                verbose=0, out=out, engine=args.engine, **options)
    events = [e for e in clocked.history.events if e.get("kind") == "overclock"]
    every = args.every or recipe.train.get("log_every", 1)
    out.write("%s in %s_nn%s, A = without Overclock, B = with Overclock (%s)\n" % (
        recipe.name, args.twin, " (%s engine)" % args.engine if args.twin == "vector" else "", ", ".join("%s=%s" % kv for kv in sorted((recipe.overclock or {}).items()))
        if not options else ", ".join("%s=%s" % kv for kv in sorted(options.items()))))
    out.write("%8s  %14s  %14s  %10s\n" % ("epoch", "A loss", "B loss", "B lr"))
    fired = {e["epoch"] for e in events}
    for i, epoch in enumerate(base.history.epoch):
        if epoch % every == 0 or epoch == 1 or epoch in fired or epoch - 1 in fired or i == len(base.history.epoch) - 1:
            mark = "  <- Overclock fired" if epoch in fired else ""
            out.write("%8d  %14.8f  %14.8f  %10.4g%s\n" % (
                epoch, base.history.loss[i], clocked.history.loss[i], clocked.history.lr[i], mark))
    if events:
        for e in events:
            out.write("Overclock fired at epoch %d (%s): lr %.4g -> %.4g%s\n" % (
                e["epoch"], e.get("reason", "?"), e["lr_before"], e["lr_after"],
                " (clamped to its floor min_lr)" if e.get("clamped") else ""))
        first = events[0]["epoch"]
        out.write("largest loss after epoch %d  A: %.8g  B: %.8g\n" % (
            first, max(base.history.loss[first:] or [float("nan")]),
            max(clocked.history.loss[first:] or [float("nan")])))
    else:
        out.write(extras.overclock_never_fired(args.at_epoch, clocked.history) + "\n")
    out.write("final training loss  A: %.8g  B: %.8g\n" % (base.history.loss[-1], clocked.history.loss[-1]))
    label = "held-out scores " if recipe.holdout else "training scores "
    out.write("%-21sA: %s\n%21sB: %s\n" % (label, _fmt_scores(base.scores), "", _fmt_scores(clocked.scores)))
    if args.csv:
        _write_ab_csv(base.history, clocked.history, args.csv)
        out.write("wrote both curves to %s\n" % args.csv)
    pictures.overclock_picture(args, recipe, base, clocked, events, out)
    return 0


def _write_ab_csv(ha, hb, path):
    """Both curves as CSV (epoch, A loss, B loss, B lr), written atomically, for any plotting tool."""
    from scalar_nn.toolkit.serialize import write_atomically
    lines = ["epoch,loss_a,loss_b,lr_b"]
    for e, la, lb, lr in zip(ha.epoch, ha.loss, hb.loss, hb.lr):
        lines.append("%d,%r,%r,%r" % (e, la, lb, lr))
    text = ("\n".join(lines) + "\n").encode("utf-8")
    write_atomically(path, lambda f: f.write(text))


def cmd_gradcheck(args, out):
    """Central finite differences against backprop, in both twins, on the recipe's network."""
    recipe = recipes.get(args.recipe)
    extras.require_twins(args.twins, "gradcheck")
    status = 0
    if args.exact and "vector" in args.twins:
        args.engine = "plain"
        _use_exact(args, out)
    for twin in args.twins:
        X, Y, _, _ = recipes.load_data(recipe, twin, args.seed)
        engine = "exact" if args.exact else "plain"
        parts = recipes.twin_parts(twin, engine)
        gradcheck = parts.gradcheck
        rows = list(range(extras.gradcheck_rows(args.rows, len(X), out, say=twin == args.twins[0])))
        Xb, Yb = parts.ops.take_rows(X, rows), parts.ops.take_rows(Y, rows)
        net = recipes.make_net(recipe, twin, args.seed, engine)
        extras.gradcheck_estimate(net, Xb, Yb, twin, out)
        start = time.perf_counter()
        progress = extras.GradcheckProgress(twin, out)
        report = gradcheck.gradient_check(net, Xb, Yb, progress=progress)
        progress.finish()
        seconds = time.perf_counter() - start
        ok = report.worst_rel_error < args.tol
        status = status or (0 if ok else 1)
        out.write("%s_nn: worst relative error %.3e at %s over %d entries (%d skipped at ReLU kinks), "
                  "%.2f s: %s\n" % (twin, report.worst_rel_error, report.worst, report.checked,
                                    report.skipped_kinks, seconds, "ok" if ok else "FAILED (tol %g)" % args.tol))
    return status


# ------------------------------------------------------------------ parser
def _add_engine_options(p, engine=True):
    """The one definition of ``--engine`` and ``--exact`` (gradcheck takes ``--exact`` only)."""
    if engine:
        p.add_argument("--engine", choices=recipes.ENGINES, default=None,
                       help="the vector twin's rung: fast (vector_nn.fast, default), plain (vector_nn) "
                            "or exact (= --exact)")
    p.add_argument("--exact", action="store_true",
                   help="the vector twin in exact mode: bit-identical to the scalar twin (slower than plain)")
    if engine:
        p.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                       help="the engine's precision (default float64); float32 halves the memory and is "
                            "faster on big layers, its parity bound is float32's (docs/PARITY.md)")


def _add_twin_option(p):
    """The one definition of ``--twin`` for the commands that train in one twin."""
    p.add_argument("--twin", choices=("scalar", "vector"), default="vector",
                   help="which implementation trains (default: vector)")


def _add_run_options(p):
    """``--epochs``, ``--seed``, ``--every`` of compare and overclock (one definition)."""
    p.add_argument("--epochs", type=_positive_int, help="override the recipe's number of epochs")
    p.add_argument("--seed", type=_seed, default=0, help="seed (default 0)")
    p.add_argument("--every", type=_positive_int, help="print every N-th epoch (default: the recipe's)")


def build_parser():
    parser = _Parser(
        prog=PROG,
        description="One neural network written twice: scalar_nn (pure Python loops) and vector_nn "
                    "(NumPy). Train a named recipe or your own CSV file in either twin, compare the "
                    "twins step by step, run the Overclock A/B experiment, check gradients, trace "
                    "every number of a training step, or predict with a saved model; train, compare, "
                    "overclock and lr-schedule draw pictures with --plot FILE.png (needs matplotlib). "
                    "Every command has --help.",
        epilog="Recipes: %s. Example: %s compare people-221" % (_recipe_names(), PROG))
    parser.add_argument("--version", action="version", version="%s %s" % (PROG, _version()))
    parser.add_argument("--debug", action="store_true",
                        help="on an error, show the full traceback (also: TWIN_NN_DEBUG=1); "
                             "may be given anywhere on the line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("recipes", help="list the named recipes, one line each",
                       description="List the named recipes: data, architecture, optimizer, quality target.")
    p.set_defaults(func=cmd_recipes)

    p = sub.add_parser("train", help="train a recipe, or your own CSV (--data), in one twin",
                       description="Train RECIPE, or a network on your own CSV file (--data FILE.csv "
                                   "--target COLUMN), in one twin, printing progress per epoch, the final "
                                   "scores on held-out data and, for a recipe, whether its target is met.")
    p.add_argument("recipe", metavar="RECIPE", nargs="?", help="one of: %s" % _recipe_names())
    _add_twin_option(p)
    p.add_argument("--epochs", type=_positive_int,
                   help="override the recipe's number of epochs (--data: default 100)")
    p.add_argument("--lr", type=_positive_float,
                   help="override the recipe's learning rate (--data: default 0.01 with adam, 0.1 with sgd)")
    p.add_argument("--seed", type=_seed, default=0, help="seed for weights, shuffles and data (default 0)")
    p.add_argument("--save", metavar="PATH",
                   help="save the trained model (.json; .npz with --twin vector); checked before training")
    p.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    _add_engine_options(p)
    cli_data.add_train_options(p)
    p.add_argument("--check", action="store_true", help="exit with status 1 when the recipe's target is missed")
    pictures.add_plot_option(p, "the training and held-out loss, the metric and the learning rate per epoch "
                                "(the held-out rows are then also scored after every epoch)")
    pictures.add_regions_option(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("compare", help="run both twins side by side from the same weights",
                       description="Train RECIPE in both twins from the same initial weights and batches; "
                                   "print the losses side by side, the largest parameter difference so "
                                   "far, each twin's wall time and the speedup.")
    p.add_argument("recipe", metavar="RECIPE", help="one of: %s" % _recipe_names())
    _add_run_options(p)
    _add_engine_options(p)
    pictures.add_plot_option(p, "both twins' losses and their largest parameter difference per epoch")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("overclock", help="the Overclock A/B experiment",
                       description="Train RECIPE twice from the same initial weights and batches: A "
                                   "as the recipe trains it, B the same plus Overclock (which changes "
                                   "lr by a signed DELTA once the loss oscillates). Prints both curves "
                                   "and final losses.")
    p.add_argument("recipe", metavar="RECIPE", nargs="?", default="swish-overclock",
                   help="default: swish-overclock")
    _add_twin_option(p)
    _add_engine_options(p)
    p.add_argument("--delta", type=_float, help="signed lr change (default: the recipe's)")
    p.add_argument("--at-epoch", type=_positive_int, help="fire at this epoch instead of detecting oscillation")
    _add_run_options(p)
    p.add_argument("--csv", metavar="PATH", help="also write both curves as CSV (epoch, A loss, B loss, B lr)")
    pictures.add_plot_option(p, "the A and B curves, where Overclock fired, and both lr schedules")
    p.set_defaults(func=cmd_overclock)

    p = sub.add_parser("gradcheck", help="finite-difference gradient check of both twins",
                       description="Compare backprop with central finite differences on RECIPE's "
                                   "network and a few rows of its data, in both twins.")
    p.add_argument("recipe", metavar="RECIPE", help="one of: %s" % _recipe_names())
    p.add_argument("--rows", type=_positive_int, default=4, help="rows of data to use (default 4)")
    p.add_argument("--tol", type=_positive_float, default=1e-6, help="relative error allowed (default 1e-6)")
    p.add_argument("--twins", nargs="+", choices=("scalar", "vector"), default=["scalar", "vector"],
                   help="which twins to check (default: both; the vector twin as plain vector_nn)")
    _add_engine_options(p, engine=False)
    p.add_argument("--seed", type=_seed, default=0, help="seed (default 0)")
    p.set_defaults(func=cmd_gradcheck)
    cli_data.add_commands(sub)
    from .check.command import register as add_check_commands
    add_check_commands(sub)

    from .exercises import command as exercises
    exercises.register(sub)
    from . import trace
    trace.add_parser(sub)
    from . import cli_docs
    cli_docs.add_parser(sub)

    pictures.add_lr_schedule_parser(sub, _positive_float, _positive_int, _nonnegative_float)
    from .bench import cli as bench
    bench.register(sub)
    return parser


def main(argv=None, out=None):
    """Entry point of the ``twin-nn`` console script; returns the exit status.

    Errors: what the user can fix (a bad option, a bad file, a diverging
    run: ``output.raised_on_purpose``) is one stderr line ``twin-nn: error:
    ...`` and exit status 2; anything else is a bug of ours, one line
    ``twin-nn: internal error: ...`` with a hint, exit status 1.
    ``--debug`` (anywhere on the line) or ``TWIN_NN_DEBUG=1`` shows the
    full traceback instead.
    """
    out = out or output.checked_stdout()          # every byte written is counted (CheckedStdout)
    argv, debug = output.debug_flag(sys.argv[1:] if argv is None else list(argv))
    parser = build_parser()
    if not argv:                                 # bare `twin-nn`: its help, not "arguments are required"
        out.write(parser.format_help())
        return 0
    args = parser.parse_args(argv)
    if hasattr(args, "engine"):
        args.engine_given = args.engine is not None
        if args.engine is None:
            args.engine = "fast"
        if args.engine == "exact":
            args.exact = True
    try:
        if hasattr(args, "engine"):
            _use_float32(args)
        status = args.func(args, out)
        output.flush_output(out)                 # a full disk or a closed pipe is an error, not exit 0
        return status
    except BrokenPipeError:                      # `twin-nn info m.json | head -1`: the reader left
        output.silence_stdout(out)               # nothing more to flush at exit
        return 0
    except KeyboardInterrupt:
        if debug:
            raise
        sys.stderr.write("%s: interrupted\n" % PROG)
        return 130
    except Exception as exc:
        if debug:
            raise
        if output.broken_stdout(exc, out):         # the terminal/pipe/file of stdout failed mid-run
            output.silence_stdout(out)
            exc = output.stdout_error(exc, out)
        if output.raised_on_purpose(exc):
            sys.stderr.write("%s: error: %s\n" % (PROG, output.one_line(exc)))
            return 2
        sys.stderr.write("%s: internal error: %s: %s (a bug in twin-nn, not in what you typed; rerun with "
                         "--debug to see where, and please report it)\n"
                         % (PROG, type(exc).__name__, output.one_line(exc)))
        return 1


if __name__ == "__main__":
    sys.exit(main())
