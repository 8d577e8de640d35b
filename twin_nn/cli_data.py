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

from . import cli_extras, cli_output, csvdata, recipes
from .argtypes import non_negative_number as non_negative_float
from .argtypes import memory_size, positive_int
from .argtypes import unit_closed as _unit_closed
from .argtypes import unit_interval as unit_float
from .csvdata import CSVError  # noqa: F401  (re-exported: what bad data raises)
from scalar_nn.toolkit.training import TrainingDiverged
from scalar_nn.toolkit.validation import plain

TRAIN_EXAMPLE = """\
examples:
  twin-nn train --data iris.csv --target species --save iris.json
  twin-nn train --data houses.csv --target price --layers 64,32 --epochs 300 --val-split 0.2
  twin-nn train people-221 --twin scalar          (a named recipe: twin-nn recipes lists them)

With --data, the task follows from the target column unless --task says
otherwise: text labels, or a few distinct whole numbers, are a classification
(2 labels: binary, sigmoid + bce; more: multiclass, softmax + cross_entropy);
other numbers are a regression (linear + mse). Every other column is a
feature and must hold numbers. Features are standardized with the training
rows' mean and std, which the model file keeps for predict and evaluate.
The epoch lines show figures on the training rows; val_ figures are on the
held-out rows (--val-split)."""

DATA_OPTIONS = ("data", "target", "task", "layers", "hidden", "optimizer", "momentum", "dampening",
                "decay", "l2", "dropout", "batchnorm", "batch_size", "val_split", "early_stopping",
                "no_standardize", "max_memory")


# ------------------------------------------------------------------ parser
def add_train_options(p):
    """The ``--data`` options of ``twin-nn train`` (defaults None: "not given")."""
    p.epilog = TRAIN_EXAMPLE
    p.formatter_class = argparse.RawDescriptionHelpFormatter     # keeps the examples' lines
    p.description = _wrap(p.description)
    g = p.add_argument_group("training on your own CSV file (instead of RECIPE)")
    g.add_argument("--data", metavar="FILE.csv", help="a CSV file with a header row")
    g.add_argument("--target", metavar="COLUMN", help="the column to predict (required with --data)")
    g.add_argument("--task", choices=csvdata.TASKS, help="default: inferred from the target column")
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
    """train: --save, --plot, --plot-regions must not be --data (or each other's input); robust helper."""
    outputs = [("--save", args.save), ("--plot", getattr(args, "plot", None)),
               ("--plot-regions", getattr(args, "plot_regions", None))]
    cli_extras.refuse_overwriting_inputs(outputs, [("--data", args.data)])


def check_save(path, twin, option="--save"):
    """Refuse a --save path before training: empty, a folder, no such folder, read-only, .npz in scalar."""
    if path == "":
        raise ValueError("%s needs a file name, got an empty string" % option)
    if option == "--save" and twin == "scalar" and path.lower().endswith(".npz"):
        raise ValueError("--save %s: .npz files are written by the vector twin; add --twin vector, "
                         "or save as .json" % path)
    from scalar_nn.toolkit.serialize import check_destination
    check_destination(path)


def _load(path, twin):
    """ModelFile(net, history, meta) of ``path`` in ``twin`` (.npz needs the vector twin)."""
    if twin == "scalar" and path.lower().endswith(".npz"):
        raise ValueError("%s is an .npz archive, which only the vector twin reads: add --twin vector" % path)
    twin = recipes.twin_for_model_file(path, twin)      # no NumPy: a JSON model loads in the scalar twin
    parts = recipes.twin_parts(twin, "plain")
    model = parts.serialize.load_model_file(path)
    from .model_meta import check_meta
    check_meta(model.meta, model.net, path)          # every meta field, once, before any is used
    return model


def _data_meta(meta):
    data = (meta or {}).get("data")
    return data if isinstance(data, dict) and "features" in data else None


# ----------------------------------------------------------------- train
def cmd_train_data(args, out):
    """``twin-nn train --data FILE.csv --target COLUMN ...``: read, infer, train, score, save."""
    check_train_args(args)
    parts = recipes.twin_parts(args.twin, args.engine)
    optimizer_name = args.optimizer or "adam"
    if optimizer_name != "sgd" and (args.momentum is not None or args.dampening is not None):
        raise ValueError("--momentum and --dampening apply to --optimizer sgd")
    table = csvdata.read_table(args.data)
    val_split = args.val_split
    if val_split is None:
        val_split = 0.2 if len(table) >= 10 else 0.0
    if args.early_stopping is not None and not val_split:
        raise ValueError("--early-stopping watches the validation loss: give --val-split too")
    data = csvdata.prepare(table, args.target, task=args.task, standardize=not args.no_standardize,
                           val_split=val_split, seed=args.seed)
    _check_pictures(args, data)              # before the training, not after it
    layers = [32, 16] if args.layers is None else args.layers
    sizes = [len(data.features)] + layers + [data.n_out]
    hidden = args.hidden or "tanh"
    out.write("data: %s, %d rows, %d feature%s (%s), target %r\n" % (
        args.data, len(table), len(data.features), "" if len(data.features) == 1 else "s",
        ", ".join(data.features) if len(data.features) <= 8 else ", ".join(data.features[:8]) + ", ...",
        data.target))
    out.write("task: %s (%s), %s output + %s loss\n" % (
        data.task, "inferred: %s; --task to override" % data.reason if data.reason else "--task",
        data.output, data.loss))
    if data.classes is not None:
        out.write("labels: %s\n" % ", ".join("%d = %s" % (k, c) for k, c in enumerate(data.classes)))
    out.write("features %s\n" % ("standardized with the training rows' mean and std (kept in the model "
                                 "file; --no-standardize turns it off)" if data.mean is not None
                                 else "used as they are (--no-standardize)"))
    if data.target_scaling is not None:
        out.write("target standardized too (mean %.6g, std %.6g): the epoch lines' loss and rmse are in "
                  "units of that std; the final scores and predictions are in the target's units\n"
                  % (data.target_scaling["mean"], data.target_scaling["std"]))
    lr = args.lr if args.lr is not None else (0.01 if optimizer_name == "adam" else 0.1)
    hyper = {"lr": lr}
    if optimizer_name == "sgd":
        hyper.update(momentum=args.momentum or 0.0, dampening=args.dampening or 0.0)
    hyper["decay"] = args.decay or 0.0
    optimizer = parts.optimizer(optimizer_name, **hyper)
    options = dict(l2=args.l2 or 0.0, dropout=args.dropout or 0.0, batchnorm=bool(args.batchnorm))
    cli_extras.check_network_memory(sizes, options["batchnorm"], args.max_memory, args.twin)  # before allocating
    cli_extras.check_room(args.save, sizes, options["batchnorm"])    # the model file fits: said before training
    with cli_extras.memory_limit(args.max_memory):          # the constructors check it too
        net = parts.MLP(sizes, hidden=hidden, output=data.output, loss=data.loss, seed=args.seed, **options)
    epochs = args.epochs or 100
    batch_size = args.batch_size or 32
    n_train = len(data.X)
    out.write("network: [%s] %s, %s, %d epochs, batch %d, seed %d, in %s_nn\n" % (
        ",".join(map(str, sizes)), "%s hidden" % hidden if layers else "no hidden layer",
        _describe_optimizer(optimizer_name, hyper), epochs,
        batch_size, args.seed, args.twin))
    if data.Xv is not None:
        out.write("validation: %d of %d rows held out (--val-split %g); epoch lines show training "
                  "figures, val_ ones the held-out rows\n" % (len(data.Xv), len(table), val_split))
    else:
        out.write("validation: none (--val-split 0); every figure is on the training rows\n")
    callbacks = []
    stopper = None
    if args.early_stopping is not None:
        from scalar_nn.toolkit.callbacks import EarlyStopping
        stopper = EarlyStopping(patience=args.early_stopping, monitor="val_loss")
        callbacks.append(stopper)
    if data.task == "regression" and data.target_scaling is None:
        _note_large_target(data, out)
    start = time.perf_counter()
    try:
        history = net.fit(data.X, data.Y, optimizer, epochs=epochs, batch_size=min(batch_size, n_train),
                          seed=args.seed, validation=None if data.Xv is None else (data.Xv, data.Yv),
                          callbacks=callbacks, verbose=0 if args.quiet else 1,
                          log_every=max(1, epochs // 10), out=out)
    except TrainingDiverged as exc:
        if data.mean is None:
            raise TrainingDiverged("%s (or the features' scale: --no-standardize feeds them raw, and large "
                                   "raw inputs diverge; drop --no-standardize)" % exc) from None
        raise
    seconds = time.perf_counter() - start
    cli_extras.say_interrupted(history, args.save, out)       # Ctrl-C: the epochs so far are kept
    if stopper is not None and stopper.stopped_epoch is not None:
        out.write("early stopping at epoch %d: val_loss best %.6g at epoch %d (weights of epoch %d kept)\n"
                  % (stopper.stopped_epoch, stopper.best, stopper.best_epoch, stopper.best_epoch))
    Xs, Ys = (data.X, data.Y_raw) if data.Xv is None else (data.Xv, data.Yv_raw)
    data_meta = data.meta()
    scores = cli_extras.finite_scores(lambda: scores_of(net, Xs, Ys, data_meta), net, args.data)   # no inf, no warning
    where = ("held-out scores (%d rows never trained on)" % len(data.Xv) if data.Xv is not None
             else "scores on the %d training rows (no rows held out: --val-split 0)" % len(data.X))
    out.write("done in %.2f s; %s: %s\n" % (seconds, where, format_scores(scores, data_meta)))
    if args.save is not None:
        meta = {"twin": args.twin, "data": data_meta,
                "train": {"optimizer": optimizer_name, "hyperparameters": hyper, "epochs": epochs,
                          "batch_size": batch_size, "val_split": val_split, "seed": args.seed,
                          "early_stopping": args.early_stopping}}
        parts.serialize.save_model(net, args.save, history=history, meta=meta)
        out.write("saved model to %s\n" % args.save)
    _draw_pictures(args, net, history, data, out)
    return 130 if history.interrupted else 0


def _check_pictures(args, data):
    """--plot / --plot-regions with --data: usable paths, matplotlib, and a 2-feature classifier for regions."""
    from . import cli_pictures
    if args.plot_regions is not None and (len(data.features) != 2 or data.task == "regression"):
        raise ValueError("--plot-regions needs 2 feature columns and a classification target; %s has %d "
                         "feature%s and a %s target" % (args.data, len(data.features),
                                                        "" if len(data.features) == 1 else "s", data.task))
    cli_pictures.check_destinations(args)


class _RawUnits:
    """A trained network seen in the CSV's own units: ``predict`` applies the stored scaling first."""

    def __init__(self, net, mean, std):
        self.net, self.mean, self.std = net, mean, std
        self.sizes, self.loss_name, self.ops = net.sizes, net.loss_name, net.ops

    def predict(self, X):
        return self.net.predict(csvdata.scale(X, self.mean, self.std))


def _draw_pictures(args, net, history, data, out):
    """train --data --plot: the training curves; --plot-regions: the plane of the two features."""
    from . import plots
    title = "%s, target %r, in %s_nn%s, seed %d" % (
        os.path.basename(args.data), data.target, args.twin,
        " (%s engine)" % args.engine if args.twin == "vector" else "", args.seed)
    if args.plot:
        plots.training_curves(history, args.plot, title, val_label="held-out",
                              target_scaling=data.target_scaling, target_name=data.target)
        out.write("wrote the training curves to %s\n" % args.plot)
    if args.plot_regions:
        shown, X, Xv = net, data.X, data.Xv
        if data.mean is not None:                # draw in the file's units, not the standardized ones
            shown = _RawUnits(net, data.mean, data.std)
            X = [[x * s + m for x, m, s in zip(row, data.mean, data.std)] for row in data.X]
            Xv = None if data.Xv is None else [[x * s + m for x, m, s in zip(row, data.mean, data.std)]
                                               for row in data.Xv]
        plots.decision_regions(shown, X, data.Y, args.plot_regions, title, X_test=Xv, Y_test=data.Yv,
                               feature_names=data.features, class_names=data.classes)
        out.write("wrote the decision regions to %s\n" % args.plot_regions)


def _note_large_target(data, out):
    """Say so when a regression target is far from the network's starting output (about 0, scale 1)."""
    values = [row[0] for row in data.Y]
    mean = math.fsum(values) / len(values)
    spread = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))
    if abs(mean) > 100 or spread > 100:
        out.write("note: the target %r has mean %.3g and std %.3g; the network starts with outputs near 0, "
                  "so training needs many epochs (a target in thousands, say, learns faster)\n"
                  % (data.target, mean, spread))


def _describe_optimizer(name, hyper):
    return "%s %s" % (name, " ".join("%s %g" % (k, v) for k, v in hyper.items() if k == "lr" or v))


def scores_of(net, X, Y, data_meta=None):
    """loss plus accuracy, or loss, mse, rmse and r2: a dict, in that order.

    Regression targets ``Y`` are in the target's units; with a standardized
    target the loss is the network's own (on the standardized target) and
    mse, rmse and r2 are in the target's units.
    """
    Yl = _rows(Y)
    if net.loss_name == "mse":
        Y = csvdata.scale_targets(Yl, data_meta)
    X, Y = net.ops.clean_data(net, X, Y)
    loss, metric = net.ops.evaluate(net, X, Y)
    if net.loss_name != "mse":
        return {"loss": loss, "accuracy": metric}
    Yhat = csvdata.unscale_targets(_rows(net.predict(X)), data_meta)
    flat_y = [v for row in Yl for v in row]
    mean = math.fsum(flat_y) / len(flat_y)
    sse = math.fsum((a - b) * (a - b) for r, s in zip(Yl, Yhat) for a, b in zip(r, s))
    sst = math.fsum((a - mean) * (a - mean) for a in flat_y)
    mse = sse / len(flat_y)
    return {"loss": loss, "mse": mse, "rmse": math.sqrt(mse), "r2": 1.0 - sse / sst if sst > 0 else None}


def format_scores(scores, data_meta=None):
    """"loss 0.1  accuracy 0.9"; a loss on a standardized target says so."""
    scaled = "mse" in scores and (data_meta or {}).get("target_standardize")
    return "  ".join("%s %s%s" % (k, "n/a (the target is constant)" if v is None else "%.6g" % v,
                                  " (standardized target)" if scaled and k == "loss" else "")
                     for k, v in scores.items())


def _rows(A):
    return [list(r) if isinstance(r, (list, tuple)) else r for r in plain(A)]


# ---------------------------------------------------------------- predict
def cmd_predict(args, out):
    """``twin-nn predict MODEL --data FILE.csv [--out PATH] [--proba]``."""
    if args.out is not None:
        if args.out == "":
            raise ValueError("--out needs a file name, got an empty string")
        from scalar_nn.toolkit.serialize import check_destination
        check_destination(args.out)
        cli_extras.refuse_overwriting_inputs([("--out", args.out)], [("MODEL", args.model), ("--data", args.data)])
    model = _load(args.model, args.twin)
    net, meta = model.net, _data_meta(model.meta)
    if args.proba and net.loss_name == "mse":
        raise ValueError("--proba applies to classification models; %s is a regression (mse)" % args.model)
    table = csvdata.read_table(args.data)
    X = csvdata.inputs(table, meta, net.sizes[0])
    Yhat = cli_extras.predict_checked(net, X, table)          # finite, or one error naming the row
    if net.loss_name == "mse":
        Yhat = csvdata.unscale_targets(Yhat, meta)
    name = meta["target"] if meta else "prediction"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    labels = csvdata.decode(Yhat, net.loss_name, meta, net.sizes[-1])
    if net.loss_name == "mse":
        if net.sizes[-1] == 1:
            writer.writerow([name])
            writer.writerows([[repr(v)] for v in labels])
        else:
            writer.writerow(["%s_%d" % (name, k) for k in range(net.sizes[-1])])
            writer.writerows([[repr(v) for v in row] for row in labels])
    else:
        classes = (meta or {}).get("classes") or [str(k) for k in range(max(net.sizes[-1], 2))]
        header = [name] + (["p_%s" % c for c in classes] if args.proba else [])
        writer.writerow(header)
        probs = csvdata.probabilities(Yhat, net.loss_name) if args.proba else None
        for i, label in enumerate(labels):
            writer.writerow([label] + ([repr(p) for p in probs[i]] if args.proba else []))
    text = buffer.getvalue()
    if args.out is None:
        cli_output.write_output(out, text, "the predictions")     # a full disk or closed pipe: exit 2
    else:
        from scalar_nn.toolkit.serialize import write_atomically
        write_atomically(args.out, lambda f: f.write(text.encode("utf-8")))
        out.write("wrote %d predictions to %s\n" % (len(labels), args.out))
    return 0


# --------------------------------------------------------------- evaluate
def cmd_evaluate(args, out):
    """``twin-nn evaluate MODEL --data FILE.csv``: loss plus accuracy, or MSE / RMSE / R^2."""
    model = _load(args.model, args.twin)
    net, meta = model.net, _data_meta(model.meta)
    table = csvdata.read_table(args.data)
    if meta is None and args.target is None:
        raise ValueError("%s does not say which column is the target (it was not trained with --data): "
                         "pass --target COLUMN" % args.model)
    if meta is not None and args.target is not None and args.target != meta["target"]:
        raise ValueError("%s was trained to predict %r, not %r" % (args.model, meta["target"], args.target))
    target = meta["target"] if meta else args.target
    features_table = table
    if meta is None:        # every column but the target is a feature, in order
        j = table.column(target, role="target column")
        keep = [k for k in range(len(table.header)) if k != j]
        features_table = csvdata.Table(table.path, [table.header[k] for k in keep],
                                       [[row[k] for k in keep] for row in table.rows], table.line_numbers)
    X = csvdata.inputs(features_table, meta, net.sizes[0])
    Y = csvdata.targets(table, meta, net.loss_name, net.sizes[-1], target=target)
    scores = cli_extras.finite_scores(lambda: scores_of(net, X, Y, meta), net, args.data,
                                      locate=lambda: cli_extras.predict_checked(net, X, features_table))
    out.write("%s on %s: %d rows, target %r\n" % (args.model, args.data, len(table), target))
    if "accuracy" in scores:
        right = int(round(scores["accuracy"] * len(table)))
        out.write("%s  (%d of %d right)\n" % (format_scores(scores), right, len(table)))
    else:
        out.write(format_scores(scores, meta) + "\n")
    return 0


# ------------------------------------------------------------------- info
def _saved_exact(path, net):
    """Whether the file marks exact mode (options.exact); the scalar twin's loader ignores the mark."""
    if getattr(net, "exact", False):
        return True
    if path.lower().endswith(".npz"):
        return False
    from scalar_nn.toolkit.serialize import parse_json, read_bytes     # the one checked reader
    return parse_json(read_bytes(path), path).get("options", {}).get("exact") is True   # checked by _load


def cmd_info(args, out):
    """``twin-nn info MODEL``: architecture, options, training, history summary, labels."""
    path = args.model
    twin = "vector" if path.lower().endswith(".npz") else "scalar"
    model = _load(path, twin)
    net, history, meta = model.net, model.history, model.meta or {}
    n_params = sum(_count(v) for v in net.params.values())
    kind = "NumPy .npz archive" if twin == "vector" else "JSON"
    out.write("model file: %s (%s, twin-nn format version 1)\n" % (path, kind))
    out.write("architecture: %s  (%s hidden, %s output, %s loss), %d parameters\n" % (
        " -> ".join(map(str, net.sizes)), net.hidden, net.output, net.loss_name, n_params))
    out.write("options: l2 %g, l2_bias %g, dropout %g, batchnorm %s, bn_momentum %g, seed %d%s\n" % (
        net.l2, net.l2_bias, net.dropout, "on" if net.batchnorm else "off", net.bn_momentum, net.seed,
        ", exact mode (the vector twin loads it as vector_nn.exact)" if _saved_exact(path, net) else ""))
    data = _data_meta(meta)
    if data:
        out.write("data: %s, target %r (%s), %d feature%s: %s\n" % (
            data.get("file", "?"), data["target"], data.get("task", "?"), len(data["features"]),
            "" if len(data["features"]) == 1 else "s", ", ".join(data["features"])))
        scaling = data.get("standardize")
        out.write("scaling: %s\n" % ("standardized (mean and std of each feature stored; applied again "
                                     "at predict time)" if scaling else "none"))
        target_scaling = data.get("target_standardize")
        if target_scaling:
            out.write("target scaling: the network predicts (%s - %.6g) / %.6g; predictions are scaled back\n"
                      % (data["target"], target_scaling["mean"], target_scaling["std"]))
        if data.get("classes"):
            out.write("labels: %s\n" % ", ".join("%d = %s" % (k, c) for k, c in enumerate(data["classes"])))
    elif "recipe" in meta:
        out.write("recipe: %s\n" % meta["recipe"])
    train = meta.get("train")
    if isinstance(train, dict):
        hyper = train.get("hyperparameters", {})
        out.write("trained: %s (%s), %s epochs, batch %s, val_split %s, seed %s%s%s\n" % (
            train.get("optimizer", "?"), ", ".join("%s %g" % kv for kv in hyper.items()),
            train.get("epochs", "?"), train.get("batch_size", "?"), train.get("val_split", "?"),
            train.get("seed", "?"), ", early stopping %s" % train["early_stopping"]
            if train.get("early_stopping") else "", ", in %s_nn" % meta["twin"] if "twin" in meta else ""))
    elif "twin" in meta:
        out.write("trained in: %s_nn\n" % meta["twin"])
    if history is None or not history.epoch:
        out.write("history: none stored\n")
    else:
        out.write("history: %d epochs; loss %.6g -> %.6g\n" % (len(history.epoch), history.loss[0], history.loss[-1]))
        vals = [(v, e) for v, e in zip(history.val_loss, history.epoch) if v is not None]
        if vals:
            best = min(vals)
            out.write("  val_loss: best %.6g at epoch %d, last %.6g\n" % (best[0], best[1], vals[-1][0]))
        for name, values in history.metrics.items():
            if values and values[-1] is not None:
                out.write("  %s: last %.6g\n" % (name, values[-1]))
        for event in history.events:
            out.write("  event: %s\n" % ", ".join("%s %s" % kv for kv in event.items()))
    other = sorted(k for k in meta if k not in ("data", "train", "twin", "recipe"))
    if other:
        out.write("meta: %s\n" % ", ".join("%s=%r" % (k, meta[k]) for k in other))
    return 0


def _count(value):
    if hasattr(value, "size"):
        return int(value.size)
    return sum(len(r) for r in value) if value and isinstance(value[0], list) else len(value)
