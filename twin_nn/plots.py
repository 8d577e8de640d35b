"""Pictures of a run: training curves, the Overclock A/B, the twins side by side,
decision regions and the learning-rate schedule.

matplotlib is optional (the ``plot`` extra: ``pip install 'twin-nn[plot]'``).
It is imported inside the functions below, only when a picture is asked
for, and never at module level: importing this module (or the ``twin-nn``
command) costs nothing and works without it, and the lesson modules never
see it.  ``require()`` imports it up front, so a command can refuse a
``--plot`` before a long training run rather than after it.

The figures are drawn with the object-oriented API on the Agg canvas
(``matplotlib.figure.Figure`` + ``FigureCanvasAgg``): no pyplot, no global
figure state, no display needed.  Each file is written atomically (the old
picture or the new one, never half of one).

Every function takes plain data (a ``History``, lists of floats), so the
pictures are the same whichever twin trained.
"""

import io

from scalar_nn.conventions import is_classification
from scalar_nn.toolkit.checks import plain

INSTALL_HINT = "pip install 'twin-nn[plot]', or pip install matplotlib"

# A difference of exactly 0 has no place on a log axis; it is drawn at this
# floor, with its own marker, and the legend says so.
ZERO_FLOOR = 1e-18

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


class PlotUnavailable(ImportError):
    """matplotlib is not installed: the message says how to install it."""


def require():
    """Import matplotlib's Figure and Agg canvas, or raise PlotUnavailable with the install line."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise PlotUnavailable("pictures need matplotlib (%s): %s" % (exc, INSTALL_HINT)) from None
    return Figure, FigureCanvasAgg


def _figure(width, height):
    """A new Figure on the Agg canvas."""
    Figure, FigureCanvasAgg = require()
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def figure_texts(fig):
    """Every word the figure shows, in a fixed order: its title, then per panel the title, axis labels, legend."""
    texts = [fig._suptitle.get_text()] if getattr(fig, "_suptitle", None) is not None else []
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    return [t for t in texts if t]


def _save(fig, path):
    """Write the figure as PNG to ``path`` atomically; returns ``path``.

    The PNG's Description (a tEXt chunk) holds ``figure_texts``: what the
    picture says, readable without looking at the pixels, so a test can tell
    a committed picture from what the code draws today (docs/PICTURES.md).
    """
    from scalar_nn.toolkit.serialize import write_atomically
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Description": "\n".join(figure_texts(fig))})
    data = buffer.getvalue()
    write_atomically(path, lambda f: f.write(data))
    return path


def _log_if_wide(ax, values, ratio=30.0):
    """A log y axis when the positive values span more than ``ratio`` (a loss falling by decades)."""
    values = [v for v in values if v is not None]
    if values and min(values) > 0 and max(values) / min(values) > ratio:
        ax.set_yscale("log")


def _metric_label(name):
    """"accuracy" -> "accuracy", "rmse" -> "RMSE"."""
    return "RMSE" if name == "rmse" else name


# ------------------------------------------------------------ training curves
def training_curves(history, path, title="", target=None, val_label="validation", target_on=None,
                    target_scaling=None, target_name=None):
    """Loss (training and validation) with the lr on a second axis; the metric beside it.

    ``history``: a ``History``.  ``target``: (metric, op, value) drawn as a
    dotted line on the metric panel when it is that metric; ``target_on``
    says where it is measured (e.g. "held-out rows").  ``val_label`` names
    the validation rows in the legend (e.g. "held-out").  The legends sit
    below the panels, where no curve can hide under them.

    ``target_scaling`` ({"mean", "std"}, what ``csvdata.prepare`` stores when
    a regression target was standardized): the network learned (y - mean) / std,
    so the History's RMSE is in units of std; it is drawn times std, in the
    target's own units (``target_name``'s), the same figure as the final line's
    ``rmse``.  The loss stays what training minimised, the MSE of the
    standardized target, and its axis says so.
    """
    fig = _figure(11, 5.0)
    ax_loss, ax_metric = fig.subplots(1, 2)
    epochs = list(history.epoch)
    ax_loss.plot(epochs, history.loss, color=COLORS[0], label="training loss (mean over the epoch's steps)")
    val = [(e, v) for e, v in zip(epochs, history.val_loss) if v is not None]
    if val:
        ax_loss.plot([e for e, _ in val], [v for _, v in val], color=COLORS[1], label="%s loss" % val_label)
    _log_if_wide(ax_loss, history.loss + [v for _, v in val])
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss" if target_scaling is None else "loss (MSE of the standardized target)")
    ax_loss.grid(True, alpha=0.3)
    ax_lr = ax_loss.twinx()
    ax_lr.plot(epochs, history.lr, color="0.45", linestyle="--", linewidth=1.2, label="learning rate (right axis)")
    ax_lr.set_ylabel("learning rate (dashed)")
    ax_lr.set_ylim(0, max(history.lr or [1.0]) * 1.1)
    lines = ax_loss.get_lines() + ax_lr.get_lines()
    ax_loss.legend(lines, [ln.get_label() for ln in lines], loc="upper center", bbox_to_anchor=(0.5, -0.14),
                   ncol=2, fontsize=8, frameon=False)
    ax_loss.set_title("loss and learning rate")

    names = [n for n in history.metrics if not n.startswith("val_")]
    std = target_scaling["std"] if target_scaling is not None else 1.0

    def own_units(name, values):
        """RMSE back in the target's units (times std); accuracy as it is."""
        return [None if v is None else v * std for v in values] if name == "rmse" else list(values)

    curves = {}
    for name in names:
        curves[name] = own_units(name, history.metrics[name])
        ax_metric.plot(epochs, curves[name], color=COLORS[0], label="training %s" % _metric_label(name))
        vals = history.metrics.get("val_" + name)
        if vals:
            curves["val_" + name] = own_units(name, vals)
            ax_metric.plot(epochs, curves["val_" + name], color=COLORS[1],
                           label="%s %s" % (val_label, _metric_label(name)))
    if target is not None and target[0] in ("accuracy", "rmse", "mse"):
        metric, op, value = target
        label = "target %s %s %.4g" % (_metric_label(metric), op, value)
        if metric == "mse":                   # the history records RMSE
            metric, value = "rmse", value ** 0.5
            label = "target MSE %s %.4g (RMSE %.4g)" % (op, target[2], value)
        if target_on:
            label += " on %s" % target_on
        if metric in names:
            ax_metric.axhline(value, color="0.3", linestyle=":", label=label)
    if names and names[0] == "rmse":
        _log_if_wide(ax_metric, [v for curve in curves.values() for v in curve if v is not None])
    ax_metric.set_xlabel("epoch")
    ylabel = ", ".join(_metric_label(n) for n in names) or "metric"
    metric_title = _metric_label(names[0]) if names else "metric"
    if "rmse" in names:
        ylabel = "RMSE of %s, in its own units" % (target_name or "the target")
        metric_title = "RMSE, in the target's own units" + ("" if target_scaling is None else
                                                            "\n(the standardized RMSE \u00d7 the target's std %.4g)" % std)
    ax_metric.set_ylabel(ylabel)
    ax_metric.grid(True, alpha=0.3)
    ax_metric.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8, frameon=False)
    ax_metric.set_title(metric_title, fontsize=10 if "\n" in metric_title else None)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


# ---------------------------------------------------------------- Overclock
def overclock_ab(history_a, history_b, path, title="", events=()):
    """The A (plain) and B (Overclock) curves from the same weights, firings marked; both lr schedules."""
    fig = _figure(9, 6.4)
    ax_loss, ax_lr = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
    ax_loss.plot(history_a.epoch, history_a.loss, color=COLORS[0], linewidth=3, alpha=0.5,
                 label="A: without Overclock")
    ax_loss.plot(history_b.epoch, history_b.loss, color=COLORS[1], linewidth=1.3, label="B: with Overclock")
    _log_if_wide(ax_loss, history_a.loss + history_b.loss)
    ax_lr.plot(history_a.epoch, history_a.lr, color=COLORS[0], label="A learning rate")
    ax_lr.plot(history_b.epoch, history_b.lr, color=COLORS[1], linestyle="--", label="B learning rate")
    for e in events:
        label = "Overclock fired at epoch %d (%s): lr %.4g -> %.4g%s" % (
            e["epoch"], e.get("reason", "?"), e["lr_before"], e["lr_after"],
            " (clamped)" if e.get("clamped") else "")
        for ax in (ax_loss, ax_lr):
            ax.axvline(e["epoch"], color="0.2", linestyle=":", linewidth=1.2, label=label if ax is ax_loss else None)
    if not events:
        ax_loss.plot([], [], " ", label="Overclock never fired")
    ax_loss.set_ylabel("training loss")
    ax_loss.grid(True, alpha=0.3)
    ax_loss.legend(loc="upper right", fontsize=8)
    ax_loss.set_title("training loss")
    ax_lr.set_ylabel("learning rate")
    ax_lr.set_xlabel("epoch")
    top = max(history_a.lr + history_b.lr)
    ax_lr.set_ylim(0, top * 1.15)
    ax_lr.grid(True, alpha=0.3)
    ax_lr.legend(loc="lower left", fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


# ------------------------------------------------------------ twins compared
def compare_twins(history_s, history_v, param_diff, path, title=""):
    """Both twins' training losses, and their largest parameter difference per epoch on a log axis.

    ``param_diff``: per epoch (max |dP|, max relative dP), as ``recipes.compare`` returns.
    Differences of exactly 0 are drawn at ``ZERO_FLOOR`` with a hollow marker.
    """
    fig = _figure(9, 6.4)
    ax_loss, ax_diff = fig.subplots(2, 1, sharex=True)
    ax_loss.plot(history_s.epoch, history_s.loss, color=COLORS[0], linewidth=3, alpha=0.5, label="scalar_nn")
    ax_loss.plot(history_v.epoch, history_v.loss, color=COLORS[1], linestyle="--", linewidth=1.3,
                 label="vector_nn")
    _log_if_wide(ax_loss, history_s.loss + history_v.loss)
    ax_loss.set_ylabel("training loss")
    ax_loss.grid(True, alpha=0.3)
    ax_loss.legend(loc="upper right", fontsize=8)
    ax_loss.set_title("training loss of each twin (the curves lie on top of each other)")

    epochs = list(history_s.epoch)[:len(param_diff)]
    for column, (name, color) in enumerate((("largest |dP| (absolute)", COLORS[2]),
                                            ("largest |dP| / |P| (relative: it spikes where a P is near 0)",
                                             COLORS[3]))):
        values = [d[column] for d in param_diff]
        ax_diff.plot(epochs, [max(v, ZERO_FLOOR) for v in values], color=color, label=name)
        zeros = [e for e, v in zip(epochs, values) if v == 0.0]
        if zeros:
            ax_diff.plot(zeros, [ZERO_FLOOR] * len(zeros), linestyle="none", marker="o", markersize=4,
                         markerfacecolor="none", color=color,
                         label="exactly 0 (drawn at %g): %d epochs" % (ZERO_FLOOR, len(zeros)))
    ax_diff.set_yscale("log")
    ax_diff.set_ylabel("parameter difference")
    ax_diff.set_xlabel("epoch")
    ax_diff.grid(True, alpha=0.3, which="both")
    ax_diff.legend(loc="best", fontsize=8)
    ax_diff.set_title("largest parameter difference between the twins, after each epoch")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


# --------------------------------------------------------- decision regions
def _as_rows(A):
    """Rows of floats from a list of rows or an array."""
    A = plain(A)
    return [list(r) for r in A]


def _as_labels(Y):
    """Class indices from class labels (cross_entropy) or 0/1 targets in rows (bce)."""
    Y = list(plain(Y))
    return [int(round(y[0])) if isinstance(y, (list, tuple)) else int(y) for y in Y]


def decision_regions(net, X, Y, path, title="", X_test=None, Y_test=None, resolution=None,
                     feature_names=None, class_names=None, test_label="held-out"):
    """The classes a 2-feature classifier predicts over the plane, with the data points on top.

    ``test_label`` names the rows of ``X_test`` ("held-out" for a recipe's
    test rows, "validation" for the rows that chose a CSV run's kept epoch).

    Training points are dots, held-out points (``X_test``) triangles; points
    the network gets wrong are crossed.  ``feature_names`` (the CSV's two
    column names) label the axes and ``class_names`` (its labels, in class
    order) the legend; without them, "feature 1 (x1)" and "class k".  The plane is a ``resolution`` x
    ``resolution`` grid of predictions (default 200 for the vector twin, 90
    for the pure-Python one, where 40000 forward passes would take seconds).
    """
    if resolution is None:
        resolution = 200 if getattr(getattr(net, "ops", None), "name", "") == "vector" else 90
    if net.sizes[0] != 2 or not is_classification(net.loss_name):
        raise ValueError("decision regions need a classifier with 2 input features, got %r with loss %s"
                         % (net.sizes, net.loss_name))
    require()
    from matplotlib.colors import ListedColormap
    rows = _as_rows(X)
    labels = _as_labels(Y)
    test_rows = _as_rows(X_test) if X_test is not None else []
    test_labels = _as_labels(Y_test) if Y_test is not None else []
    everything = rows + test_rows
    xs, ys = [r[0] for r in everything], [r[1] for r in everything]
    pad_x, pad_y = 0.1 * (max(xs) - min(xs) or 1.0), 0.1 * (max(ys) - min(ys) or 1.0)
    x0, x1, y0, y1 = min(xs) - pad_x, max(xs) + pad_x, min(ys) - pad_y, max(ys) + pad_y
    gx = [x0 + (x1 - x0) * i / (resolution - 1) for i in range(resolution)]
    gy = [y0 + (y1 - y0) * j / (resolution - 1) for j in range(resolution)]
    grid = [[x, y] for y in gy for x in gx]
    n_classes = net.sizes[-1] if net.loss_name == "cross_entropy" else 2

    def classes(points):
        if not points:
            return []
        P = net.predict(points)
        P = plain(P)
        if net.loss_name == "bce":
            return [1 if p[0] > 0.5 else 0 for p in P]
        return [row.index(max(row)) for row in P]

    Z = classes(grid)                      # predict: inference mode, the net's own mode untouched
    pred, pred_test = classes(rows), classes(test_rows)
    Zm = [Z[j * resolution:(j + 1) * resolution] for j in range(resolution)]
    colors = [COLORS[k % len(COLORS)] for k in range(n_classes)]

    def class_name(k):
        return str(class_names[k]) if class_names and k < len(class_names) else "class %d" % k
    # Equal scales on both axes (a circle stays round); the figure takes the data's shape.
    axes_width = 6.0
    axes_height = min(max(axes_width * (y1 - y0) / (x1 - x0), 3.0), 7.0)
    fig = _figure(axes_width + 2.8, axes_height + 1.5)
    ax = fig.subplots()
    ax.contourf(gx, gy, Zm, levels=[k - 0.5 for k in range(n_classes + 1)],
                cmap=ListedColormap(colors), alpha=0.25)
    for k in range(n_classes):
        pts = [r for r, c in zip(rows, labels) if c == k]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=12, color=colors[k], edgecolors="white",
                       linewidths=0.3, label="%s (training)" % class_name(k))
        pts = [r for r, c in zip(test_rows, test_labels) if c == k]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=26, marker="^", color=colors[k],
                       edgecolors="black", linewidths=0.5, label="%s (%s)" % (class_name(k), test_label))
    wrong = [r for r, c, p in zip(rows + test_rows, labels + test_labels, pred + pred_test) if c != p]
    if wrong:
        ax.scatter([p[0] for p in wrong], [p[1] for p in wrong], s=30, marker="x", color="black",
                   linewidths=1.0, label="misclassified (%d)" % len(wrong))
    acc = lambda p, y: sum(1 for a, b in zip(p, y) if a == b) / float(len(y))   # noqa: E731
    note = "training accuracy %.3f" % acc(pred, labels)
    if test_rows:
        note += ", %s accuracy %.3f" % (test_label, acc(pred_test, test_labels))
    ax.set_title("decision regions (shaded: the predicted class)\n" + note, fontsize=10)
    ax.set_xlabel(feature_names[0] if feature_names else "feature 1 (x1)")
    ax.set_ylabel(feature_names[1] if feature_names else "feature 2 (x2)")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, borderaxespad=0.0)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


# ------------------------------------------------------------ lr schedule
def lr_schedule(lr0, decay, steps, path, steps_per_epoch=None, title=""):
    """lr_s = lr0 / (1 + decay * s) for s = 0..steps, with the half-rate step 1/decay marked."""
    from scalar_nn.optim import lr_at
    n = min(steps, 2000)
    s_values = sorted({round(steps * i / n) for i in range(n + 1)})
    lr_values = [lr_at(lr0, decay, s) for s in s_values]
    fig = _figure(8.5, 4.8)
    ax = fig.subplots()
    ax.plot(s_values, lr_values, color=COLORS[0],
            label="lr_s = %g / (1 + %g s)" % (lr0, decay))
    if decay > 0 and 1.0 / decay <= steps:
        half = 1.0 / decay
        ax.axvline(half, color="0.4", linestyle=":", label="s = 1/decay = %g: lr is halved (%g)" % (half, lr0 / 2))
    ax.plot([steps], [lr_at(lr0, decay, steps)], marker="o", color=COLORS[1], linestyle="none",
            label="after %d steps: %.4g (%.1f%% of lr0)" % (steps, lr_at(lr0, decay, steps),
                                                          100.0 * lr_at(lr0, decay, steps) / lr0))
    ax.set_xlabel("optimizer step s")
    ax.set_ylabel("learning rate")
    ax.set_xlim(0, steps * 1.02)
    ax.set_ylim(0, lr0 * 1.08)
    ax.grid(True, alpha=0.3)
    if steps_per_epoch:
        top = ax.secondary_xaxis("top", functions=(lambda s: s / float(steps_per_epoch),
                                                   lambda e: e * float(steps_per_epoch)))
        top.set_xlabel("epoch (%d steps each)" % steps_per_epoch)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(title or "learning-rate schedule: lr0 %g, decay %g, %d steps" % (lr0, decay, steps))
    fig.tight_layout()
    return _save(fig, path)
