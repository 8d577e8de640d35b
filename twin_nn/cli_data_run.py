"""What ``twin-nn train --data``, ``predict`` and ``evaluate`` do (``cli_data`` has their options).

All three go through ``pipeline.Pipeline``, the object the Python API
offers too, so a model trained here predicts the same in Python.
"""

import csv
import io
import math
import os
import time

from . import cli_extras
from . import pipeline as P
from .csvdata import read_table
from .pipeline import Pipeline, load_pipeline
from scalar_nn.toolkit.guards import kept_best_note
from scalar_nn.toolkit.training import TrainingDiverged

BIG_FILE = 16 * 2 ** 20               # files at least this large show progress while reading
SCALAR_SECONDS_PER_MAC = 1.5e-7       # the scalar twin's rough cost per sample per weight per epoch


def _progress(out, path):
    """A progress(rows, done, size) for read_table that prints a line every ~2 s on a big file."""
    state = {"t": time.perf_counter()}

    def report(rows, done, size):
        now = time.perf_counter()
        if size >= BIG_FILE and (now - state["t"] >= 2.0 or done >= size):
            state["t"] = now
            out.write("reading %s: %d rows (%.0f of %.0f MB)\n" % (path, rows, done / 2 ** 20, size / 2 ** 20))
            out.flush()
    return report


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _names(names, limit=8):
    shown = ", ".join(map(repr, names[:limit]))
    return shown if len(names) <= limit else shown + ", ... (%d in all)" % len(names)


def _list(text):
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


# ----------------------------------------------------------------- train
def cmd_train_data(args, out, hyper, optimizer_name):
    """Read, prepare, describe, train, score and save (args checked by ``cli_data``)."""
    big = _size(args.data) >= BIG_FILE
    table = read_table(args.data, _progress(out, args.data))
    val_split = args.val_split
    if val_split is None:
        val_split = 0.2 if len(table) >= 10 else 0.0
    if args.early_stopping is not None and not val_split:
        raise ValueError("--early-stopping watches the validation loss: give --val-split too")
    if big:
        out.write("preparing the inputs (%d rows)...\n" % len(table))
        out.flush()
    layers = [32, 16] if args.layers is None else args.layers
    pipe = Pipeline.from_table(
        table, args.target, twin=args.twin, engine=args.engine, layers=layers, hidden=args.hidden or "tanh",
        seed=args.seed, task=args.task, features=_list(args.features), drop=_list(args.drop),
        missing=args.missing or "error", unknown=args.unknown or "error", standardize=not args.no_standardize,
        val_split=val_split, test_split=args.test_split or 0.0,
        l2=args.l2 or 0.0, dropout=args.dropout or 0.0, batchnorm=bool(args.batchnorm),
        build_context=lambda sizes, bn: _build_context(args, sizes, bn))
    data = pipe.data
    test = None
    if args.test is not None:
        test_table = read_table(args.test, _progress(out, args.test))
        test = (pipe.columns.encode(test_table, form=pipe.form), pipe.columns.targets(test_table, form=pipe.form),
                "%s (%d rows)" % (args.test, len(test_table)))
    elif data.Xt is not None:
        test = (data.Xt, data.Yt_raw, "%d rows held out by --test-split %g" % (len(data.Xt), args.test_split))
    from . import cli_pictures
    if args.plot_regions is not None and (len(data.inputs) != 2 or data.task == "regression"):
        raise ValueError("--plot-regions needs 2 feature columns and a classification target; %s has %d input%s "
                         "and a %s target" % (args.data, len(data.inputs), "" if len(data.inputs) == 1 else "s",
                                              data.task))
    cli_pictures.check_destinations(args)
    _describe(args, out, table, data, layers, pipe, val_split, optimizer_name, hyper)
    del table                                # the rows are in pipe.data now: free the file's columns
    epochs, batch_size = args.epochs or 100, args.batch_size or 32
    if data.task == "regression" and data.target_scaling is None:
        _note_large_target(data, out)
    _warn_slow(args, out, pipe, epochs)
    start = time.perf_counter()
    try:
        history = pipe.fit(epochs=epochs, batch_size=batch_size, optimizer=optimizer_name,
                           early_stopping=args.early_stopping, keep_best=not args.keep_last,
                           verbose=0 if args.quiet else 1, out=out, **hyper)
    except TrainingDiverged as exc:
        message = str(exc).replace("try a smaller lr", "try a smaller --lr")
        if data.mean is None:
            message += (" (or the features' scale: --no-standardize feeds them raw, and large raw inputs "
                        "diverge; drop --no-standardize)")
        raise TrainingDiverged(message) from None
    seconds = time.perf_counter() - start
    cli_extras.say_interrupted(history, args.save, out)       # Ctrl-C: the epochs so far are kept
    _report_epochs(out, history, args)
    out.write("done in %.2f s\n" % seconds)
    net, scaling = pipe.net, data.target_scaling
    if data.Xv is not None:
        out.write("validation scores (%d rows; they chose the epoch kept, so this is optimistic): %s\n" % (
            len(data.Xv), format_scores(_scores(net, data.Xv, data.Yv_raw, scaling, args.data), scaling)))
    else:
        out.write("training scores (%d rows trained on; no rows held out): %s\n" % (
            len(data.X), format_scores(_scores(net, data.X, data.Y_raw, scaling, args.data), scaling)))
    if test is not None:
        out.write("test scores (%s, never used for training or choosing): %s\n" % (
            test[2], format_scores(_scores(net, test[0], test[1], scaling, args.test or args.data), scaling)))
    elif data.Xv is not None:
        out.write("(for an honest score, hold out rows nothing chooses with: --test-split 0.2 or --test FILE.csv)\n")
    if args.save is not None:
        pipe.train = {"optimizer": optimizer_name, "hyperparameters": hyper, "epochs": epochs,
                      "batch_size": batch_size, "val_split": val_split, "test_split": args.test_split or 0.0,
                      "seed": args.seed, "early_stopping": args.early_stopping, "keep_best": not args.keep_last}
        pipe.save(args.save)
        out.write("saved model to %s\n" % args.save)
    _draw_pictures(args, pipe, history, out)
    return 130 if history.interrupted else 0


def _build_context(args, sizes, batchnorm):
    """Before the network is built: its memory (--max-memory) and the model file's room on disk (robust helper)."""
    cli_extras.check_network_memory(sizes, batchnorm, getattr(args, "max_memory", None), args.twin)
    cli_extras.check_room(args.save, sizes, batchnorm)       # the model file fits: said before training
    return cli_extras.memory_limit(getattr(args, "max_memory", None))   # the constructors check it too


def _scores(net, X, Y, scaling, path, locate=None):
    """scores_of, every figure finite or one error (robust helper's finite_scores)."""
    return cli_extras.finite_scores(lambda: P.scores_of(net, X, Y, scaling), net, path, locate=locate)


def _describe(args, out, table, data, layers, pipe, val_split, optimizer_name, hyper):
    """The lines before training: data, columns, task, labels, scaling, network, splits."""
    out.write("data: %s, %d rows, %d feature column%s (%s), target %r\n" % (
        args.data, len(table), len(data.features), "" if len(data.features) == 1 else "s", _names(data.features),
        data.target))
    ignored = [h for h in table.header if h not in data.features and h != data.target]
    if ignored:
        out.write("columns not used: %s (%s)\n" % (_names(ignored), "--features" if args.features else "--drop"))
    for spec in data.columns.columns:
        if spec["kind"] == "category":
            out.write("column %r holds text: one-hot encoded as %d inputs (%s)\n" % (
                spec["name"], len(spec["categories"]), _names(spec["categories"], 6)))
    if data.dropped:
        out.write("%d row%s with an empty cell %s (--missing %s)\n" % (
            data.dropped, "" if data.dropped == 1 else "s",
            "dropped" if (args.missing or "error") == "drop" else "without a target dropped", args.missing))
    out.write("task: %s (%s), %s output + %s loss\n" % (
        data.task, "inferred: %s; --task to override" % data.reason if data.reason else "--task",
        data.output, data.loss))
    if data.classes is not None:
        out.write("labels: %s\n" % ", ".join("%d = %s" % (k, c) for k, c in enumerate(data.classes)))
    out.write("features %s\n" % ("standardized with the training rows' mean and std (kept in the model "
                                 "file; --no-standardize turns it off)" if data.mean is not None
                                 else "used as they are (--no-standardize)"))
    if data.target_scaling is not None:
        out.write("target standardized too (mean %g, std %g): the epoch lines' loss and rmse are in "
                  "units of that std; the final scores and predictions are in the target's units\n"
                  % (data.target_scaling["mean"], data.target_scaling["std"]))
    sizes = pipe.net.sizes
    out.write("network: [%s] %s, %s, %d epochs, batch %d, seed %d, in %s_nn\n" % (
        ",".join(map(str, sizes)), "%s hidden" % pipe.net.hidden if layers else "no hidden layer",
        "%s %s" % (optimizer_name, " ".join("%s %g" % (k, v) for k, v in hyper.items() if k == "lr" or v)),
        args.epochs or 100, args.batch_size or 32, args.seed, args.twin))
    if data.Xv is not None:
        out.write("validation: %d of %d rows held out (--val-split %g) to choose the epoch kept%s; epoch lines "
                  "show training figures, val_ ones the validation rows\n"
                  % (len(data.Xv), len(table), val_split, " (--keep-last: the last)" if args.keep_last else ""))
    else:
        out.write("validation: none (--val-split 0); every figure is on the training rows\n")
    if data.Xt is not None:
        out.write("test: %d rows held out (--test-split %g), scored once at the end\n" % (len(data.Xt), args.test_split))


def _note_large_target(data, out):
    """Say so when a raw regression target is far from the network's starting output (about 0, scale 1)."""
    values = [row[0] for row in P.plain_rows(data.Y)]
    mean = math.fsum(values) / len(values)
    spread = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))
    if abs(mean) > 100 or spread > 100:
        out.write("note: the target %r has mean %.3g and std %.3g; the network starts with outputs near 0, "
                  "so training needs many epochs (a target in thousands, say, learns faster)\n"
                  % (data.target, mean, spread))


def _warn_slow(args, out, pipe, epochs):
    """A scalar run on a big file: say roughly how long it will take, as recipes do."""
    if args.twin != "scalar":
        return
    macs = sum(a * b for a, b in zip(pipe.net.sizes, pipe.net.sizes[1:]))
    estimate = len(pipe.data.X) * macs * epochs * SCALAR_SECONDS_PER_MAC
    if estimate > 30:
        out.write("note: the scalar twin needs roughly %.0f s for this run on a typical CPU (--twin vector is "
                  "much faster; --epochs N shortens it)\n" % estimate)
        out.flush()


def _report_epochs(out, history, args):
    """Which epoch's parameters are kept, and early stopping."""
    for event in history.events:
        if event.get("kind") == "early_stop":
            out.write("early stopping at epoch %d: val_loss best %g at epoch %d\n"
                      % (event["epoch"], event["best"], event["best_epoch"]))
    note = kept_best_note(history)
    if note:
        out.write(note + "\n")
    elif args.keep_last and any(v is not None for v in history.val_loss):
        vals = [(v, e) for v, e in zip(history.val_loss, history.epoch)]
        best = min(vals)
        out.write("kept the last epoch (--keep-last); val_loss was best at epoch %d (%g vs %g at the end)\n"
                  % (best[1], best[0], vals[-1][0]))


def _draw_pictures(args, pipe, history, out):
    """train --data --plot: the training curves; --plot-regions: the plane of the two features."""
    from . import plots
    data = pipe.data
    title = "%s, target %r, in %s_nn%s, seed %d" % (
        os.path.basename(args.data), data.target, args.twin,
        " (%s engine)" % args.engine if args.twin == "vector" else "", args.seed)
    if args.plot:
        plots.training_curves(history, args.plot, title, val_label="validation",
                              target_scaling=data.target_scaling, target_name=data.target)
        out.write("wrote the training curves to %s\n" % args.plot)
    if args.plot_regions:
        shown, X, Xv = pipe.net, data.X, data.Xv
        if data.mean is not None:                # draw in the file's units, not the standardized ones
            shown = _RawUnits(pipe.net, data.mean, data.std)
            X, Xv = _unscale(X, data), None if Xv is None else _unscale(Xv, data)
        plots.decision_regions(shown, X, data.Y, args.plot_regions, title, X_test=Xv, Y_test=data.Yv,
                               feature_names=data.inputs, class_names=data.classes, test_label="validation")
        out.write("wrote the decision regions to %s\n" % args.plot_regions)


def _unscale(X, data):
    return [[x * s + m for x, m, s in zip(row, data.mean, data.std)] for row in P.plain_rows(X)]


class _RawUnits:
    """A trained network seen in the CSV's own units: ``predict`` applies the stored scaling first."""

    def __init__(self, net, mean, std):
        self.net, self.mean, self.std = net, mean, std
        self.sizes, self.loss_name, self.ops = net.sizes, net.loss_name, net.ops

    def predict(self, X):
        return self.net.predict([[(x - m) / s for x, m, s in zip(row, self.mean, self.std)] for row in X])


def format_scores(scores, scaling=None):
    """"loss 0.1  accuracy 0.9"; a loss on a standardized target says so."""
    scaled = "mse" in scores and scaling
    return "  ".join("%s %s%s" % (k, "n/a (the target is constant)" if v is None else "%g" % v,
                                  " (standardized target)" if scaled and k == "loss" else "")
                     for k, v in scores.items())


# ---------------------------------------------------------------- predict
def _pipeline_for(args, table, target=None):
    """The model's Pipeline, fitted to ``table``'s columns when the model stores none."""
    pipe = load_pipeline(args.model, args.twin, getattr(args, "engine", None))
    if getattr(pipe.columns, "raw", False):
        names = [h for h in table.header if h != target]
        if len(names) != pipe.net.sizes[0]:
            raise ValueError("%s has %d %scolumns, but the model takes %d features (it stores no column names, "
                             "so every column%s is read as a feature, in order)" % (
                                 table.path, len(names), "feature " if target else "", pipe.net.sizes[0],
                                 " but the target" if target else ""))
        pipe.columns = P.raw_columns(pipe.net, target=target, names=names)
    if getattr(args, "unknown", None):
        pipe.columns.unknown = args.unknown
    return pipe


def _ignored_note(pipe, table):
    ignored = pipe.columns.ignored(table)
    if not ignored:
        return None
    return "ignored column%s %s (the model does not use %s)" % (
        "" if len(ignored) == 1 else "s", _names(ignored), "it" if len(ignored) == 1 else "them")


def cmd_predict(args, out, err):
    """``twin-nn predict MODEL --data FILE.csv [--out PATH] [--proba]``."""
    table = read_table(args.data, _progress(out if args.out else err, args.data))
    pipe = _pipeline_for(args, table)
    net = pipe.net
    if args.proba and net.loss_name == "mse":
        raise ValueError("--proba applies to classification models; %s is a regression (mse)" % args.model)
    Yhat = cli_extras.predict_checked(net, pipe.columns.encode(table, form=pipe.form), table)  # finite, or one error
    Yhat = P.unscale_targets(Yhat, pipe.columns.target_standardize)
    labels = P.decode(Yhat, net.loss_name, pipe.classes)
    name = pipe.columns.target or "prediction"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if net.loss_name == "mse":
        if net.sizes[-1] == 1:
            writer.writerow([name])
            writer.writerows([[repr(v)] for v in labels])
        else:
            writer.writerow(["%s_%d" % (name, k) for k in range(net.sizes[-1])])
            writer.writerows([[repr(v) for v in row] for row in labels])
    else:
        writer.writerow([name] + (["p_%s" % c for c in pipe.classes] if args.proba else []))
        probs = P.probabilities(Yhat, net.loss_name) if args.proba else None
        for i, label in enumerate(labels):
            writer.writerow([label] + ([repr(p) for p in probs[i]] if args.proba else []))
    note = _ignored_note(pipe, table)
    return buffer.getvalue(), len(labels), note


# --------------------------------------------------------------- evaluate
def cmd_evaluate(args, out):
    """``twin-nn evaluate MODEL --data FILE.csv``: loss plus accuracy, or MSE / RMSE / R^2."""
    table = read_table(args.data, _progress(out, args.data))
    probe = load_pipeline(args.model, args.twin, getattr(args, "engine", None))
    stored = None if getattr(probe.columns, "raw", False) else probe.columns.target
    if stored is None and args.target is None:
        raise ValueError("%s does not say which column is the target (it was not trained with --data): "
                         "pass --target COLUMN" % args.model)
    if stored is not None and args.target is not None and args.target != stored:
        raise ValueError("%s was trained to predict %r, not %r" % (args.model, stored, args.target))
    target = stored or args.target
    if stored is None:
        table.column(target, role="target column")
    pipe = _pipeline_for(args, table, target=target) if stored is None else probe
    if getattr(args, "unknown", None):
        pipe.columns.unknown = args.unknown
    X = pipe.columns.encode(table, form=pipe.form)
    scores = _scores(pipe.net, X, pipe.columns.targets(table, form=pipe.form), pipe.columns.target_standardize,
                     args.data, locate=lambda: cli_extras.predict_checked(pipe.net, X, table))
    note = _ignored_note(pipe, table)
    if note:
        out.write(note + "\n")
    out.write("%s on %s: %d rows, target %r\n" % (args.model, args.data, len(table), target))
    if "accuracy" in scores:
        right = int(round(scores["accuracy"] * len(table)))
        out.write("%s  (%d of %d right)\n" % (format_scores(scores), right, len(table)))
    else:
        out.write(format_scores(scores, pipe.columns.target_standardize) + "\n")
    return 0
