"""The command line's pictures: the ``--plot`` options and the ``lr-schedule`` command.

``cli.py`` adds the options with ``add_plot_option``/``add_regions_option``,
calls ``check_destinations`` before a run starts (so a missing matplotlib,
a missing folder or a recipe without a 2-D plane fails in one line before
a minute of training), and the ``*_picture`` functions after it.  The
drawing itself is in ``plots.py``; matplotlib is imported only there, and
only when a picture is asked for.
"""

import os

from scalar_nn.conventions import is_classification

from . import plots

REGION_RECIPES_HINT = "a 2-feature classification recipe such as spiral, spiral-adam, moons-bn or circles"


# ------------------------------------------------------------------ options
def add_plot_option(parser, what):
    """``--plot FILE.png`` on a subcommand; ``what`` says what the picture shows."""
    parser.add_argument("--plot", metavar="FILE.png",
                        help="draw %s into FILE.png (needs matplotlib: %s)" % (what, plots.INSTALL_HINT))


def add_regions_option(parser):
    """``--plot-regions FILE.png`` (train): the decision regions of a 2-D classifier."""
    parser.add_argument("--plot-regions", metavar="FILE.png",
                        help="draw the decision regions over the plane with the training and held-out "
                             "points into FILE.png; for %s, or a --data file with 2 feature columns and "
                             "class labels (needs matplotlib)" % REGION_RECIPES_HINT)


def check_png_destination(path, option):
    """A ``--plot`` path must end in .png and lie in an existing, writable folder (not be one)."""
    if not path:
        raise ValueError("%s needs a file name, got an empty one" % option)
    if os.path.isdir(path):
        raise ValueError("%s %s is a folder; give a file name such as %s" % (
            option, path, os.path.join(path, "picture.png")))
    if not path.lower().endswith(".png"):
        raise ValueError("%s %s: pictures are PNG files; give a name ending in .png" % (option, path))
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError("%s %s: the folder %s does not exist" % (option, path, folder))
    if not os.access(folder, os.W_OK):
        raise ValueError("%s %s: the folder %s is not writable" % (option, path, folder))


def check_destinations(args, recipe=None, net_sizes=None, loss=None):
    """Before any work: matplotlib importable and every picture path usable (and the recipe 2-D for regions)."""
    wanted = [(opt, getattr(args, attr, None)) for opt, attr in (("--plot", "plot"),
                                                                  ("--plot-regions", "plot_regions"))]
    wanted = [(opt, path) for opt, path in wanted if path is not None]
    if not wanted:
        return
    for opt, path in wanted:
        check_png_destination(path, opt)
    if getattr(args, "plot_regions", None) is not None and recipe is not None:
        sizes = net_sizes or recipe.model["sizes"]
        loss = loss or recipe.model["loss"]
        if sizes[0] != 2 or not is_classification(loss):
            raise ValueError("--plot-regions needs %s; %s has %d input features and loss %s"
                             % (REGION_RECIPES_HINT, recipe.name, sizes[0], loss))
    plots.require()


def _title(recipe, twin, seed, engine=None):
    where = "%s_nn" % twin + (" (%s engine)" % engine if twin == "vector" and engine else "")
    return "%s in %s, seed %d" % (recipe.name, where, seed)


# ----------------------------------------------------------------- pictures
def train_picture(args, result, out):
    """train --plot / --plot-regions: the curves, and the decision regions."""
    recipe = result.recipe
    if getattr(args, "plot", None):
        plots.training_curves(result.history, args.plot, _title(recipe, args.twin, args.seed, args.engine),
                              target=recipe.target, val_label="held-out" if recipe.holdout else "validation",
                              target_on="held-out rows" if recipe.holdout else "training rows")
        out.write("wrote the training curves to %s\n" % args.plot)
    if getattr(args, "plot_regions", None):
        from . import recipes
        X, Y, Xt, Yt = recipes.load_data(recipe, args.twin, args.seed)
        plots.decision_regions(result.net, X, Y, args.plot_regions,
                               _title(recipe, args.twin, args.seed, args.engine), X_test=Xt, Y_test=Yt)
        out.write("wrote the decision regions to %s\n" % args.plot_regions)


def overclock_picture(args, recipe, base, clocked, events, out):
    """overclock --plot: A and B from the same weights, firings marked, both lr schedules."""
    if not getattr(args, "plot", None):
        return
    plots.overclock_ab(base.history, clocked.history, args.plot,
                       "Overclock A/B: %s" % _title(recipe, args.twin, args.seed, getattr(args, "engine", None)),
                       events=events)
    out.write("wrote both curves to %s\n" % args.plot)


def compare_picture(args, recipe, res, out):
    """compare --plot: both twins' losses and their largest parameter difference per epoch."""
    if not getattr(args, "plot", None):
        return
    plots.compare_twins(res["scalar"].history, res["vector"].history, res["param_diff"], args.plot,
                        "%s: scalar_nn and vector_nn (%s engine) from the same weights, seed %d"
                        % (recipe.name, args.engine, args.seed))
    out.write("wrote the comparison to %s\n" % args.plot)


# -------------------------------------------------------- lr-schedule command
def add_lr_schedule_parser(sub, positive_float, positive_int, nonnegative_float):
    """The ``lr-schedule`` subcommand (the learning-rate schedule visualizer)."""
    p = sub.add_parser("lr-schedule", help="show the learning-rate decay schedule lr0 / (1 + decay*s)",
                       description="Show the learning rate the optimizers use at step s: "
                                   "lr_s = lr0 / (1 + decay * s) (scalar_nn.optim.lr_at). Without --plot "
                                   "it prints a few rows of the schedule; with --plot FILE.png it draws it.")
    p.add_argument("--lr", type=positive_float, default=0.05, help="lr0, the rate at step 0 (default 0.05)")
    p.add_argument("--decay", type=nonnegative_float, default=1e-3, help="decay per step (default 1e-3)")
    p.add_argument("--steps", type=positive_int, default=5000, help="number of optimizer steps (default 5000)")
    p.add_argument("--steps-per-epoch", type=positive_int,
                   help="also label epochs (steps per epoch = ceil(rows / batch size))")
    p.add_argument("--rows", type=positive_int, default=10, help="rows to print without --plot (default 10)")
    add_plot_option(p, "the schedule")
    p.set_defaults(func=cmd_lr_schedule)
    return p


def cmd_lr_schedule(args, out):
    """Print (or draw) lr_s = lr0 / (1 + decay * s)."""
    from scalar_nn.optim import lr_at
    if args.plot:
        check_png_destination(args.plot, "--plot")
        plots.require()
    lr0, decay, steps = args.lr, args.decay, args.steps
    out.write("lr_s = lr0 / (1 + decay * s) with lr0 %g, decay %g, over %d steps\n" % (lr0, decay, steps))
    header = "%10s" % "step"
    if args.steps_per_epoch:
        header += "  %8s" % "epoch"
    out.write(header + "  %12s  %9s\n" % ("lr", "of lr0"))
    n = max(1, min(args.rows, steps))
    marks = sorted({round(steps * i / float(n)) for i in range(n + 1)})
    for s in marks:
        row = "%10d" % s
        if args.steps_per_epoch:
            row += "  %8.1f" % (s / float(args.steps_per_epoch))
        lr = lr_at(lr0, decay, s)
        out.write(row + "  %12.6g  %8.1f%%\n" % (lr, 100.0 * lr / lr0))
    if decay > 0:
        out.write("the rate halves at step 1/decay = %g%s\n" % (
            1.0 / decay, "" if 1.0 / decay <= steps else " (after the last step shown)"))
    else:
        out.write("decay 0: the rate stays at %g\n" % lr0)
    if args.plot:
        plots.lr_schedule(lr0, decay, steps, args.plot, steps_per_epoch=args.steps_per_epoch)
        out.write("wrote the schedule to %s\n" % args.plot)
    return 0
