"""The ``twin-nn`` commands for a user's own data: train --data, predict, evaluate, info.

``cli.py`` registers them (``add_train_options``, ``add_commands``) and
sends ``twin-nn train --data ...`` here (``cmd_train_data``); the CSV work is
``csvdata``.  Standard library only, like ``cli``: the vector twin is
imported only when a command runs in it.

What a model file trained on a CSV holds in its ``meta`` (docs/MODEL_FORMAT.md
allows any JSON there, so the format itself is unchanged)::

    "meta": {"twin": "vector",
             "data": {"file": "iris.csv", "target": "species", "task": "multiclass",
                      "features": ["sepal_length", ...],
                      "classes": ["setosa", "versicolor", "virginica"],   (null: regression)
                      "label_type": "text",                                ("number" or null)
                      "standardize": {"mean": [...], "std": [...]},        (null: off)
                      "target_standardize": {"mean": m, "std": s}},        (regression only)
             "train": {"optimizer": "adam", "lr": 0.01, ..., "epochs": 100, ...}}
"""

import argparse
import csv
import io
import math
import os
import textwrap
import time

from . import cli_data_run, cli_extras, cli_output, columns, recipes
from .cli_info import cmd_info
from .argtypes import non_negative_number as non_negative_float
from .argtypes import memory_size, positive_int
from .argtypes import unit_closed as _unit_closed
from .argtypes import unit_interval as unit_float
from .csvdata import CSVError  # noqa: F401  (re-exported: what bad data raises)

PROG = "twin-nn"

TRAIN_EXAMPLE = """\
examples:
  twin-nn train --data iris.csv --target species --save iris.json
  twin-nn train --data houses.csv --target price --layers 64,32 --epochs 300 --val-split 0.2
  twin-nn train people-221 --twin scalar          (a named recipe: twin-nn recipes lists them)

With --data, the task follows from the target column unless --task says
otherwise: text labels, or a few distinct whole numbers, are a classification
(2 labels: binary, sigmoid + bce; more: multiclass, softmax + cross_entropy);
other numbers are a regression (linear + mse). Every other column is a
feature (--features / --drop choose); a text column is one-hot encoded.
Features are standardized with the training rows' mean and std, which the
model file keeps for predict and evaluate. The epoch lines show figures on
the training rows; val_ figures are on the validation rows (--val-split),
which choose the epoch whose weights are kept (--keep-last: the last).
--test-split or --test FILE gives the honest score on rows nothing chose with."""

DATA_OPTIONS = ("data", "target", "task", "layers", "hidden", "optimizer", "momentum", "dampening",
                "decay", "l2", "dropout", "batchnorm", "batch_size", "val_split", "early_stopping",
                "no_standardize", "features", "drop", "missing", "unknown", "test_split", "test", "keep_last",
                "max_memory")


# ------------------------------------------------------------------ parser
def add_train_options(p):
    """The ``--data`` options of ``twin-nn train`` (defaults None: "not given")."""
    p.epilog = TRAIN_EXAMPLE
    p.formatter_class = argparse.RawDescriptionHelpFormatter     # keeps the examples' lines
    p.description = _wrap(p.description)
    g = p.add_argument_group("training on your own CSV file (instead of RECIPE)")
    g.add_argument("--data", metavar="FILE.csv", help="a CSV file with a header row")
    g.add_argument("--target", metavar="COLUMN", help="the column to predict (required with --data)")
    g.add_argument("--task", choices=columns.TASKS, help="default: inferred from the target column")
    g.add_argument("--layers", type=_layers, metavar="N,N,...",
                   help="hidden layer sizes (default 32,16; \"\" or none for no hidden layer)")
    g.add_argument("--max-memory", type=memory_size, metavar="SIZE",
                   help="the most memory the network may need to train, e.g. 64G (default: half of this "
                        "machine's; a larger network is refused before anything is allocated)")
    g.add_argument("--hidden", choices=_hidden_choices(), help="hidden activation (default tanh)")
    g.add_argument("--optimizer", choices=("sgd", "adam"), help="default adam")
    g.add_argument("--momentum", type=unit_float, help="SGD momentum in [0, 1) (default 0)")
    g.add_argument("--dampening", type=_unit_closed, help="SGD dampening in [0, 1] (default 0)")
    g.add_argument("--decay", type=non_negative_float, help="lr decay: lr / (1 + decay * step) (default 0)")
    g.add_argument("--l2", type=non_negative_float, help="L2 penalty on the weights (default 0)")
    g.add_argument("--dropout", type=unit_float, help="dropout rate of the hidden layers in [0, 1) (default 0)")
    g.add_argument("--batchnorm", action="store_true", default=None, help="BatchNorm on the hidden layers")
    g.add_argument("--batch-size", type=positive_int, help="rows per step (default 32)")
    g.add_argument("--val-split", type=unit_float,
                   help="fraction of the rows held out for validation (default 0.2 with 10 rows or more, else 0)")
    g.add_argument("--early-stopping", type=positive_int, metavar="PATIENCE",
                   help="stop when the validation loss has not improved for PATIENCE epochs, "
                        "and keep the best epoch's weights")
    g.add_argument("--no-standardize", action="store_true", default=None,
                   help="feed the features as they are (default: scale each to mean 0, std 1)")
    g.add_argument("--keep-last", action="store_true", default=None,
                   help="keep the last epoch's weights (default: the epoch with the lowest val_loss)")
    g.add_argument("--test-split", type=unit_float, metavar="FRACTION",
                   help="fraction of the rows held out and scored once at the end, never used to choose "
                        "anything: the honest score (default 0)")
    g.add_argument("--test", metavar="FILE.csv", help="a separate labelled file scored once at the end")
    g = p.add_argument_group("choosing and encoding columns (--data)")
    g.add_argument("--features", metavar="A,B,...", help="the feature columns (default: all but the target)")
    g.add_argument("--drop", metavar="A,B,...", help="columns not to use as features (an id, a name)")
    g.add_argument("--missing", choices=columns.MISSING,
                   help="empty cells: error (default), drop the row, or fill with the column's training mean")
    g.add_argument("--unknown", choices=columns.UNKNOWN,
                   help="a text category not seen in training: error (default) or ignore (all its inputs 0)")


def add_commands(sub):
    """``predict``, ``evaluate`` and ``info``."""
    p = sub.add_parser(
        "predict", help="predict with a saved model on a CSV file",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_wrap("Read FILE.csv (the columns the model was trained on, in any order; the target "
                    "column may be there and is ignored), apply the stored scaling, and write one "
                    "prediction per row as CSV: the original class labels, or the predicted numbers."),
        epilog="examples:\n  twin-nn predict iris.json --data new.csv --out predictions.csv\n"
               "  twin-nn predict iris.json --data new.csv --proba      (a probability per class)")
    p.add_argument("model", metavar="MODEL", help="a model file (.json, or .npz with --twin vector)")
    p.add_argument("--data", metavar="FILE.csv", required=True, help="the rows to predict")
    p.add_argument("--out", metavar="PATH", help="write the predictions here (default: standard output)")
    p.add_argument("--proba", action="store_true", help="also write the probability of every class")
    _unknown_option(p)
    _twin_option(p)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser(
        "evaluate", help="score a saved model on a labelled CSV file",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_wrap("Score MODEL on FILE.csv, which holds the features and the target column: the "
                          "loss plus accuracy (classification) or MSE, RMSE and R^2 (regression)."),
        epilog="example:\n  twin-nn evaluate iris.json --data test.csv")
    p.add_argument("model", metavar="MODEL", help="a model file (.json, or .npz with --twin vector)")
    p.add_argument("--data", metavar="FILE.csv", required=True, help="rows with the target column")
    p.add_argument("--target", metavar="COLUMN",
                   help="the target column, for a model file that does not name one (one not trained with --data)")
    _unknown_option(p)
    _twin_option(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser(
        "info", help="describe a saved model file",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_wrap("Print what MODEL holds: the architecture, the options, how it was trained, a "
                          "summary of the training history and the label mapping."),
        epilog="example:\n  twin-nn info iris.json")
    p.add_argument("model", metavar="MODEL", help="a model file (.json or .npz)")
    p.set_defaults(func=cmd_info)


def _wrap(text):
    return textwrap.fill(text, 79) if text else text


def _unknown_option(p):
    p.add_argument("--unknown", choices=columns.UNKNOWN,
                   help="a text category the model never saw: error, or ignore (default: as trained)")


def _twin_option(p):
    p.add_argument("--twin", choices=("scalar", "vector"), default="vector",
                   help="which implementation computes (default: vector; scalar needs no NumPy)")


def _layers(text):
    """"32,16" -> [32, 16]; "" or "none" -> [] (no hidden layer)."""
    if text.strip().lower() in ("", "none"):
        return []
    sizes = []
    for part in text.split(","):
        try:
            n = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not a list of whole numbers such as 32,16" % text) from None
        if n < 1:
            raise argparse.ArgumentTypeError("layer sizes must be at least 1, got %d in %r" % (n, text))
        sizes.append(n)
    return sizes


def _hidden_choices():
    from scalar_nn.conventions import HIDDEN_ACTIVATIONS
    return HIDDEN_ACTIVATIONS


# ------------------------------------------------------------------ checks
def wants_data(args):
    """True when ``twin-nn train`` was given --data (or no RECIPE: then --data is required)."""
    return args.data is not None or args.recipe is None


def check_train_args(args):
    """Exactly one of RECIPE or --data; data options only with --data; --save checked up front."""
    given = ["--" + name.replace("_", "-") for name in DATA_OPTIONS if getattr(args, name, None) is not None]
    if args.recipe is not None and args.data is None and args.recipe not in recipes.RECIPES and (
            args.recipe.lower().endswith(".csv") or os.path.isfile(args.recipe)):
        raise ValueError("%s is a file, not a recipe: to train on a CSV file, use --data %s --target COLUMN"
                         % (args.recipe, args.recipe))
    if args.recipe is not None and args.data is not None:
        raise ValueError("give either a RECIPE (%s) or --data FILE.csv, not both" % args.recipe)
    if args.recipe is None and args.data is None:
        raise ValueError("give a RECIPE (twin-nn recipes lists them) or --data FILE.csv --target COLUMN")
    if args.recipe is not None and given:
        raise ValueError("%s appl%s to --data training only; a recipe fixes its own settings"
                         % (", ".join(given), "ies" if len(given) == 1 else "y"))
    if args.data == "":
        raise ValueError("--data needs a file name, got an empty string")
    if args.data is not None and args.target is None:
        raise ValueError("--data needs --target COLUMN: the column to predict")
    if args.data is not None and getattr(args, "check", False):
        raise ValueError("--check tests a recipe's quality target; --data training has no target to meet")
    if args.save is not None:
        check_save(args.save, args.twin)
    _refuse_overwriting_inputs(args)


def _refuse_overwriting_inputs(args):
    """train: --save, --plot, --plot-regions must not be --data or --test (or each other's input); robust helper."""
    outputs = [("--save", args.save), ("--plot", getattr(args, "plot", None)),
               ("--plot-regions", getattr(args, "plot_regions", None))]
    cli_extras.refuse_overwriting_inputs(outputs, [("--data", args.data), ("--test", getattr(args, "test", None))])


def check_save(path, twin, option="--save"):
    """Refuse a --save path before training: empty, a folder, no such folder, read-only, .npz in scalar."""
    if path == "":
        raise ValueError("%s needs a file name, got an empty string" % option)
    if option == "--save" and twin == "scalar" and path.lower().endswith(".npz"):
        raise ValueError("--save %s: .npz files are written by the vector twin; add --twin vector, "
                         "or save as .json" % path)
    from scalar_nn.toolkit.serialize import check_destination
    check_destination(path)


# ----------------------------------------------------------------- run
def cmd_train_data(args, out):
    """``twin-nn train --data FILE.csv --target COLUMN ...``: checks here, the work in ``cli_data_run``."""
    check_train_args(args)
    optimizer_name = args.optimizer or "adam"
    if optimizer_name != "sgd" and (args.momentum is not None or args.dampening is not None):
        raise ValueError("--momentum and --dampening apply to --optimizer sgd")
    if args.test is not None and args.test_split:
        raise ValueError("give --test FILE or --test-split, not both")
    lr = args.lr if args.lr is not None else (0.01 if optimizer_name == "adam" else 0.1)
    hyper = {"lr": lr}
    if optimizer_name == "sgd":
        hyper.update(momentum=args.momentum or 0.0, dampening=args.dampening or 0.0)
    hyper["decay"] = args.decay or 0.0
    return cli_data_run.cmd_train_data(args, out, hyper, optimizer_name)


def cmd_predict(args, out):
    """``twin-nn predict MODEL --data FILE.csv [--out PATH] [--proba]``."""
    if args.out is not None:
        if args.out == "":
            raise ValueError("--out needs a file name, got an empty string")
        from scalar_nn.toolkit.serialize import check_destination
        check_destination(args.out)
        cli_extras.refuse_overwriting_inputs([("--out", args.out)], [("MODEL", args.model), ("--data", args.data)])
    text, n, note = cli_data_run.cmd_predict(args, out, cli_output.aside())
    if args.out is None:
        if note:                               # the predictions are the standard output: the note goes aside
            cli_output.aside().write("twin-nn predict: note: %s\n" % note)
        cli_output.write_output(out, text, "the predictions")     # a full disk or closed pipe: exit 2
    else:
        from scalar_nn.toolkit.serialize import write_atomically
        write_atomically(args.out, lambda f: f.write(text.encode("utf-8")))
        if note:
            out.write(note + "\n")
        out.write("wrote %d predictions to %s\n" % (n, args.out))
    return 0


def cmd_evaluate(args, out):
    """``twin-nn evaluate MODEL --data FILE.csv``: loss plus accuracy, or MSE / RMSE / R^2."""
    return cli_data_run.cmd_evaluate(args, out)
