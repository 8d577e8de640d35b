"""``twin-nn info MODEL``: what a saved model file holds (``cli_data`` registers the command)."""

from . import recipes
from .cli_data_run import format_scores  # noqa: F401  (one formatting of numbers for every command)


def _load(path, twin):
    """ModelFile(net, history, meta) of ``path`` in ``twin``."""
    twin = recipes.twin_for_model_file(path, twin)      # no NumPy: a JSON model loads in the scalar twin
    model = recipes.twin_parts(twin, "plain").serialize.load_model_file(path)
    from .model_meta import check_meta
    check_meta(model.meta, model.net, path)          # every meta field, once, before any is used
    return model


def _data_meta(meta):
    data = (meta or {}).get("data")
    return data if isinstance(data, dict) and "features" in data else None


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
        for spec in data.get("columns") or ():
            if spec.get("kind") == "category":
                out.write("column %r: text, one-hot encoded over %d categories (%s)%s\n" % (
                    spec["name"], len(spec["categories"]), ", ".join(spec["categories"][:6]),
                    "" if len(spec["categories"]) <= 6 else ", ..."))
            elif spec.get("fill") is not None:
                out.write("column %r: an empty cell is filled with %g (the training mean)\n"
                          % (spec["name"], spec["fill"]))
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
