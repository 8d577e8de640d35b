"""``twin-nn trace`` (twin_nn/trace.py): the traced numbers are the twins' own.

Each traced step is replayed on a fresh copy of the network with the twin's
public ``loss_and_grads`` (same batch, same dropout masks) and the optimizer's
``step``: the loss, every gradient and every new parameter must be the same
floats.  The text's lines must hold those values, the hand-worked step of
``test_network221.py`` must come out, and ``--vector`` must show the vector
twin agreeing entry by entry.
"""

import copy
import json

import pytest

from scalar_nn.mlp import MLP
from scalar_nn.optim import OPTIMIZERS
from twin_nn import cli, trace

SETUPS = [
    dict(),                                             # the 2-2-1 net on the four people, batch 1
    dict(recipe="spiral", rows=3),                      # relu, softmax + CE, L2, dropout, momentum, decay
    dict(recipe="sine3d", rows=2, width=2),             # tanh, two hidden layers, linear + mse, Adam
    dict(recipe="circles", rows=4, batch_size=2),       # sigmoid + bce, momentum, two batches
]


def _replay_net(setup):
    """A fresh scalar MLP with the setup's initial parameters and options, and a fresh optimizer."""
    net = setup.net
    fresh = MLP.from_params(copy.deepcopy(setup.initial_params), hidden=net.hidden, output=net.output,
                            loss=net.loss_name, l2=net.l2, l2_bias=net.l2_bias, dropout=net.dropout, seed=net.seed)
    o = setup.optimizer
    opt = OPTIMIZERS[o.name](**{h: getattr(o, h) for h in o.hyperparameters})
    return fresh, opt


@pytest.mark.parametrize("options", SETUPS, ids=["people-221", "spiral", "sine3d", "circles"])
def test_traced_numbers_are_loss_and_grads_and_step(options):
    setup = trace.build_setup(**options)
    traces = trace.run_trace(setup, steps=3)
    net, opt = _replay_net(setup)
    for t in traces:
        assert net.params == t.params_before
        X, Y = [setup.X[i] for i in t.batch], [setup.Y[i] for i in t.batch]
        loss, grads = net.loss_and_grads(X, Y, masks=t.masks)
        assert loss == t.loss
        assert grads == t.grads
        opt.step(net.params, grads)
        assert net.params == t.params_after
        # The lines carry those very numbers, under the names of the text.
        values = t.values("backward")
        for array, value in grads.items():
            for index, g in trace._entries(value):
                assert values["dL/d" + setup.param_names[(array, index)]] == g
        after = t.values("update")
        for array, value in net.params.items():
            for index, p in trace._entries(value):
                assert after[setup.param_names[(array, index)]] == p
        assert t.values("loss")["L"] == loss


def test_hand_worked_step_comes_out():
    """The default trace is the hand-worked step of test_network221.py (50-digit decimal numbers)."""
    setup = trace.build_setup()
    (t,) = trace.run_trace(setup, 1)
    fwd, back, new = t.values("forward"), t.values("backward"), t.values("update")
    expected = {"a_h1": 0.119202922022, "a_h2": 0.622459331202, "z_o1": -0.284053487158,
                "yhat_o1": 0.429460291109}
    for name, value in expected.items():
        assert fwd[name] == pytest.approx(value, abs=1e-11)
    assert t.loss == pytest.approx(0.325515559421, abs=1e-11)
    assert back["dL/dw1"] == pytest.approx(0.117421471924, abs=1e-11)
    assert back["dL/db3"] == pytest.approx(-0.279592013819, abs=1e-11)
    assert new["w5"] == pytest.approx(2.00333281850, abs=1e-10)
    assert new["w6"] == pytest.approx(-0.982596534207, abs=1e-11)
    text = trace.text_report(setup, [t])
    assert "z_h1 = w1·x1 + w2·x2 + b1 = 1·(-2) + 0.5·(-1) + 0.5 = -2" in text
    assert "dL/dw1 = x1·dL/dz_h1 = (-2)·(-0.0587107) = 0.117421" in text
    assert "w1: 1 - lr·dL/dw1 = 1 - 0.1·0.117421 = 0.988258" in text


def test_steps_go_through_the_people_in_order():
    setup = trace.build_setup()
    traces = trace.run_trace(setup, 5)
    assert [setup.row_labels[t.batch[0]] for t in traces] == ["Alice", "Bob", "Charlie", "Diana", "Alice"]
    setup = trace.build_setup(person="diana")
    assert setup.row_labels[trace.run_trace(setup, 1)[0].batch[0]] == "Diana"


@pytest.mark.parametrize("options", [dict(), dict(recipe="spiral", rows=3)], ids=["people-221", "spiral"])
def test_vector_view_agrees_entry_by_entry(options):
    pytest.importorskip("numpy")
    setup = trace.build_setup(**options)
    text = trace.vector_text(setup, trace.run_trace(setup, 2))
    diffs = [float(line.split("=")[-1]) for line in text.splitlines() if "largest |vector - scalar|" in line]
    assert len(diffs) > 10 and max(diffs) < 1e-12
    assert "Z1 = X @ W1 + b1" in text and "dW1 = X.T @ dZ1" in text


def test_cli_text_json_and_errors(tmp_path, capsys):
    class Out:
        text = ""

        def write(self, s):
            Out.text += s

    path = tmp_path / "t.json"
    assert cli.main(["trace", "--steps", "2", "--json", str(path)], out=Out()) == 0
    assert "=== step 2: batch Bob" in Out.text
    data = json.loads(path.read_text())
    assert [s["step"] for s in data["steps"]] == [1, 2]
    s1 = data["steps"][0]
    for key in ("params_before", "forward", "loss", "backward", "gradients", "params_after", "lines"):
        assert key in s1
    assert s1["params_before"]["w1"] == 1.0 and "z_h1" in s1["forward"] and "dL/dw1" in s1["gradients"]
    assert s1["params_after"] == data["steps"][1]["params_before"]
    assert cli.main(["trace", "--recipe", "moons-bn"], out=Out()) == 2
    assert "BatchNorm" in capsys.readouterr().err
    assert cli.main(["trace", "--recipe", "wide-binary"], out=Out()) == 2


from parity_tests.conftest import NO_NUMPY_CHILD as BLOCKED_CHILD  # noqa: E402


@pytest.mark.parametrize("args", [[], ["--recipe", "spiral", "--rows", "2", "--steps", "2"]], ids=["221", "spiral"])
def test_trace_text_json_html_need_no_numpy(tmp_path, args):
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", BLOCKED_CHILD, "trace", "--json", str(tmp_path / "t.json"),
                          "--html", str(tmp_path / "t.html")] + args, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "-- backward pass" in out.stdout and (tmp_path / "t.html").exists()
    blocked = subprocess.run([sys.executable, "-c", BLOCKED_CHILD, "trace", "--vector"] + args,
                             capture_output=True, text=True, timeout=120)
    assert blocked.returncode == 2 and "blocked" in blocked.stderr


# ------------------------------------------------ what a newcomer reads (issue 17)
def test_text_explains_its_notation():
    """The dropout line a_h1_1#0 = act_h1_1#0·M/(1-p) and the #r suffix are explained above the steps."""
    setup = trace.build_setup(recipe="spiral", rows=3)
    text = trace.text_report(setup, trace.run_trace(setup, 1))
    head = text.split("=== step 1")[0]
    assert "a_h1_1#0 = act_h1_1#0·M/(1-p)" in text
    assert "#r  the value for row r of the batch" in head
    assert "M is its mask entry, 1 = kept, 0 = dropped" in head and "1-p = 0.9" in head
    assert "W<k>[i,j] the weight from unit i" in head
    assert "v is the velocity, mu = 0.9 the momentum" in head and "lr_s the decayed learning rate" in head
    plain = trace.text_report(trace.build_setup(), [])
    assert "w1..w6 the weights" in plain and "#r" not in plain and "mask" not in plain and "velocity" not in plain
    adam = trace.build_setup(recipe="sine3d", rows=2, width=2)
    text = trace.text_report(adam, trace.run_trace(adam, 1))
    assert "m and v are Adam's running means of g and g^2 (beta1 = 0.9, beta2 = 0.999" in text
    assert "(m/(1-beta1^1)) / (sqrt(v/(1-beta2^1)) + eps)" in text     # not b1, which names a bias
    assert "W1[0,1] feeds x1 into h1_2" in text                         # an example that exists at width 2


def test_vector_view_says_step_or_steps():
    pytest.importorskip("numpy")
    setup = trace.build_setup()
    assert trace.vector_text(setup, trace.run_trace(setup, 1)).startswith("The same step in vector_nn")
    setup = trace.build_setup()
    assert trace.vector_text(setup, trace.run_trace(setup, 2)).startswith("The same 2 steps in vector_nn")


def test_saturated_unit_is_said_in_words():
    """Step 3 (Charlie): h1's z = 19.28, s'(z) = 4.2e-9: the line says it is saturated and that it is right."""
    setup = trace.build_setup()
    traces = trace.run_trace(setup, 3)
    (line,) = [ln for ln in traces[2].lines["backward"] if ln.name == "dL/dz_h1"]
    z = traces[2].values("forward")["z_h1"]
    slope = line.value / traces[2].values("backward")["dL/da_h1"]
    assert z > 15 and slope < 1e-8
    assert line.note and "saturated" in line.note and "right, not a bug" in line.note
    assert line.text.endswith("<- " + line.note) and line.to_dict()["note"] == line.note
    (first,) = [ln for ln in traces[0].lines["backward"] if ln.name == "dL/dz_h1"]
    assert first.note is None                         # step 1: s'(z_h1) = 0.105, an ordinary slope
    relu = trace.build_setup(recipe="spiral", rows=3)    # ReLU's slope 0 is its rule, not saturation
    assert not any(ln.note for t in trace.run_trace(relu, 2) for ln in t.lines["backward"])


def test_full_loss_is_the_loss_over_all_rows_before_the_step(net_twin):
    """full_loss (the page's second curve) is each twin's loss over all four people at params_before."""
    if net_twin.arrays:
        pytest.importorskip("numpy")
    setup = trace.build_setup()
    traces = trace.run_trace(setup, 4)
    X, Y = setup.X, setup.Y
    for t in traces:
        net = net_twin.mlp.MLP.from_params(copy.deepcopy(t.params_before), hidden="sigmoid", output="sigmoid",
                                           loss="mse")
        assert t.full_loss == pytest.approx(float(net.loss(X, Y)), rel=1e-14, abs=0)
    full = [t.full_loss for t in traces]
    assert all(b < a for a, b in zip(full, full[1:]))       # steady progress ...
    batch = [t.loss for t in traces]
    assert max(batch) - min(batch) > 50 * (full[0] - full[-1])    # ... under a zig-zag per person
    text = trace.text_report(setup, traces)
    assert "over all 4 rows before this step the loss is %s" % trace.fmt(full[1]) in text
    data = trace.trace_data(setup, traces)
    assert [s["loss"]["all_rows"] for s in data["steps"]] == full
