"""The fast engine's lean step: its flat vectors and one-pass updates change no number and no gradient the caller holds.

``vector_nn.fast`` keeps every parameter as a view of one flat vector, writes
the gradients of a plain batch into the network's flat gradient vector and
hands out a copy (``Grads``), and lets SGD/Adam update everything in one pass
when they are handed a ``Grads`` with exactly the parameters it belongs to.
Each shortcut must give the per-parameter path's numbers, and fall back to it
when its precondition breaks.  Nothing is shared between networks or threads.
"""

import threading

import numpy as np
import pytest

import vector_nn.fast as fast
import vector_nn.mlp as plain
from vector_nn.fast.layout import TRANSPOSED_MIN
from vector_nn.fast.plan import chunk_rows

PAIRS = [("linear", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy")]


def batch(m, n_in, n_out, loss, seed=0):
    g = np.random.default_rng(seed)
    X = g.standard_normal((m, n_in))
    if loss == "cross_entropy":
        return X, g.integers(0, n_out, m)
    return X, g.uniform(0.0, 1.0, (m, n_out))


@pytest.mark.parametrize("output, loss", PAIRS)
@pytest.mark.parametrize("m", [1, 3])
def test_lean_step_is_the_plain_twins_step(output, loss, m):
    n_out = 3 if loss == "cross_entropy" else 1
    sizes = [2, 4, n_out]
    net, ref = fast.MLP(sizes, "tanh", output, loss, seed=2), plain.MLP(sizes, "tanh", output, loss, seed=2)
    X, Y = batch(m, 2, n_out, loss)
    loss_f, grads_f = net.loss_and_grads(X, Y)
    loss_p, grads_p = ref.loss_and_grads(X, Y)
    assert loss_f == pytest.approx(loss_p, rel=1e-14)
    assert net.last_output == pytest.approx(ref.last_output, rel=1e-14)
    assert list(grads_f) == list(grads_p)
    for name in grads_p:
        assert grads_f[name].shape == grads_p[name].shape
        assert grads_f[name] == pytest.approx(grads_p[name], rel=1e-12, abs=1e-16), name


def test_held_gradients_are_never_overwritten():
    net = fast.MLP([2, 3, 1], "sigmoid", "sigmoid", "mse")
    X, Y = batch(1, 2, 1, "mse")
    _, first = net.loss_and_grads(X, Y)
    kept = {k: v.copy() for k, v in first.items()}
    transposed = net.loss_and_grads(X + 1.0, Y)[1]["W1"].T        # only a derived view is held
    kept_t = transposed.copy()
    for _ in range(3):
        net.loss_and_grads(X - 1.0, Y)
    for k in kept:
        assert np.array_equal(first[k], kept[k]), k
    assert np.array_equal(transposed, kept_t)


def test_grads_is_a_mapping_over_one_vector():
    """Keys in the order of params, arrays of the parameters' shapes, all views of one vector (a copy of the
    network's work vector); assigning an entry makes it a plain mapping, which the optimizer steps per parameter."""
    net = fast.MLP([4, 3, 2], "relu", "linear", "mse", seed=9)
    X, Y = batch(5, 4, 2, "mse")
    _, grads = net.loss_and_grads(X, Y)
    assert isinstance(grads, fast.Grads) and list(grads) == list(net.params) and len(grads) == 4
    assert all(grads[k].shape == net.params[k].shape and grads[k].base is grads.flat for k in grads)
    assert grads.flat is not net._flat.G and np.array_equal(grads.flat, net._flat.G)
    assert dict(grads).keys() == net.params.keys() and "W1" in grads and "W9" not in grads
    with pytest.raises(KeyError):
        grads["W9"]
    ref = plain.MLP.from_params({k: v.copy() for k, v in net.params.items()}, "relu", "linear", "mse")
    _, grads_r = ref.loss_and_grads(X, Y)
    grads["W2"] = grads["W2"] * 2.0                              # the caller's own gradient
    grads_r["W2"] = grads_r["W2"] * 2.0
    assert grads.flat is None and list(grads) == list(net.params)
    opt, opt_r = fast.SGD(lr=0.1, momentum=0.5), plain_sgd(momentum=0.5)
    opt.step(net.params, grads)
    opt_r.step(ref.params, grads_r)
    assert opt.__dict__.get("_flat_state") is None               # the per-parameter path
    for name in ref.params:
        assert net.params[name] == pytest.approx(ref.params[name], rel=1e-13, abs=1e-16), name


def _train(net, opt, steps, seed=0):
    for step in range(steps):
        X, Y = batch(4, 3, 2, "mse", seed=seed + step)
        opt.step(net.params, net.loss_and_grads(X, Y)[1])


def test_interleaved_networks_each_keep_the_one_pass_update():
    """Two networks stepped in turn (and two more in two threads): each optimizer takes the one-pass update
    and each network ends where it ends trained alone."""
    make = lambda: fast.MLP([3, 6, 2], "tanh", "linear", "mse", seed=4)      # noqa: E731
    alone = make()
    _train(alone, fast.Adam(lr=0.01), 6)
    a, b = make(), make()
    opt_a, opt_b = fast.Adam(lr=0.01), fast.Adam(lr=0.01)
    for step in range(6):
        _train(a, opt_a, 1, seed=step)
        _train(b, opt_b, 1, seed=step)
    assert opt_a.__dict__.get("_flat_state") is not None and opt_b.__dict__.get("_flat_state") is not None
    nets = [make(), make()]
    threads = [threading.Thread(target=_train, args=(net, fast.Adam(lr=0.01), 6)) for net in nets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for net in (a, b) + tuple(nets):
        for name in alone.params:
            assert np.array_equal(net.params[name], alone.params[name]), name


@pytest.mark.parametrize("make", [lambda: fast.SGD(lr=0.1), lambda: fast.SGD(lr=0.1, momentum=0.9, dampening=0.3),
                                  lambda: fast.Adam(lr=0.01)], ids=["sgd", "momentum", "adam"])
def test_one_pass_update_is_the_per_parameter_update(make):
    """The same steps through the flat vectors (grads as handed out) and per parameter (copied grads): bit for bit."""
    a, b = fast.MLP([3, 5, 2], "relu", "linear", "mse", seed=1), fast.MLP([3, 5, 2], "relu", "linear", "mse", seed=1)
    opt_a, opt_b = make(), make()
    for step in range(4):
        X, Y = batch(4, 3, 2, "mse", seed=step)
        _, ga = a.loss_and_grads(X, Y)
        opt_a.step(a.params, ga)                                   # one pass
        _, gb = b.loss_and_grads(X, Y)
        opt_b.step(b.params, {k: v.copy() for k, v in gb.items()})  # per parameter
    assert opt_a.__dict__.get("_flat_state") is not None and opt_b.__dict__.get("_flat_state") is None
    for name in a.params:
        assert np.array_equal(a.params[name], b.params[name]), name
        for s in opt_a.state:
            assert np.array_equal(opt_a.state[s][name], opt_b.state[s][name]), (s, name)


def test_a_replaced_parameter_takes_the_per_parameter_path():
    net, ref = fast.MLP([2, 3, 1], "tanh", "linear", "mse", seed=3), plain.MLP([2, 3, 1], "tanh", "linear", "mse", seed=3)
    opt, opt_ref = fast.SGD(lr=0.1), plain_sgd()
    net.params["W2"] = net.params["W2"].copy()                   # no longer a view of the flat vector
    for step in range(3):
        X, Y = batch(2, 2, 1, "mse", seed=step)
        loss, grads = net.loss_and_grads(X, Y)
        loss_r, grads_r = ref.loss_and_grads(X, Y)
        assert loss == pytest.approx(loss_r, rel=1e-14)
        opt.step(net.params, grads)
        opt_ref.step(ref.params, grads_r)
    for name in ref.params:
        assert net.params[name] == pytest.approx(ref.params[name], rel=1e-12, abs=1e-15), name


def plain_sgd(lr=0.1, **kw):
    from vector_nn.optim import SGD
    return SGD(lr=lr, **kw)


def plain_optim_adam(lr=0.001, **kw):
    from vector_nn.optim import Adam
    return Adam(lr=lr, **kw)


@pytest.mark.parametrize("m", [1, 6])
def test_a_big_layer_takes_the_transposed_products(m):
    """W_1 of 1100 x 4 (over TRANSPOSED_MIN entries): Z_1^T = W_1^T X^T and dW_1 = (dZ_1^T X)^T, same numbers."""
    sizes = [1100, 4, 1]
    assert sizes[0] * sizes[1] >= TRANSPOSED_MIN
    net, ref = fast.MLP(sizes, "relu", "sigmoid", "bce", seed=4), plain.MLP(sizes, "relu", "sigmoid", "bce", seed=4)
    opt, opt_ref = fast.SGD(lr=0.05, momentum=0.8), plain_sgd(momentum=0.8, lr=0.05)
    for step in range(3):
        X, Y = batch(m, sizes[0], 1, "bce", seed=step)
        loss, grads = net.loss_and_grads(X, Y)
        loss_r, grads_r = ref.loss_and_grads(X, Y)
        assert loss == pytest.approx(loss_r, rel=1e-12)
        for name in grads_r:
            assert grads[name] == pytest.approx(grads_r[name], rel=1e-10, abs=1e-14), (step, name)
        opt.step(net.params, grads)
        opt_ref.step(ref.params, grads_r)
    for name in ref.params:
        assert net.params[name] == pytest.approx(ref.params[name], rel=1e-10, abs=1e-14), name


PADDED = [300, 15, 300, 2]      # W_1 300 x 15 and W_2 15 x 300 are stored transposed, with 1 and 4 zero rows


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu", "swish", "linear"])
def test_padded_layers_are_the_plain_twins_layers(hidden):
    """Big layers stored as W^T plus zero rows (layout.padded_rows): A @ [W 0] and [dZ 0]^T A give the plain
    twin's loss, gradients and, after momentum and Adam steps, weights; the zero rows stay exactly zero."""
    from vector_nn.fast.layout import padded_rows
    assert padded_rows(15) == 16 and padded_rows(300) == 304 and padded_rows(4) == 4 and padded_rows(17) == 17
    kw = dict(l2=0.01, l2_bias=0.02, seed=9)
    for name in ("SGD", "Adam"):
        net, ref = fast.MLP(PADDED, hidden, "linear", "mse", **kw), plain.MLP(PADDED, hidden, "linear", "mse", **kw)
        opt = fast.SGD(lr=0.01, momentum=0.9) if name == "SGD" else fast.Adam(lr=0.001)
        opt_ref = plain_sgd(lr=0.01, momentum=0.9) if name == "SGD" else plain_optim_adam(lr=0.001)
        for step in range(3):
            X, Y = batch(40, PADDED[0], PADDED[-1], "mse", seed=step)
            loss, grads = net.loss_and_grads(X, Y)
            loss_r, grads_r = ref.loss_and_grads(X, Y)
            assert loss == pytest.approx(loss_r, rel=1e-12)
            for key in grads_r:
                assert grads[key] == pytest.approx(grads_r[key], rel=1e-10, abs=1e-14), (name, step, key)
            opt.step(net.params, grads)
            opt_ref.step(ref.params, grads_r)
        for key in ref.params:
            assert net.params[key] == pytest.approx(ref.params[key], rel=1e-10, abs=1e-14), (name, key)
        assert all(Zp is not None for *_, Zp in net._work.by_m[40]["plan"].forward)   # both took the padded path
        layout = net._flat.layout
        for i in (0, 2):                                             # W_1, W_2: their zero rows
            n_out = PADDED[i // 2 + 1]
            assert not layout.block(net._flat.P, i)[n_out:].any()
            assert not layout.block(grads.flat, i)[n_out:].any()


PADDED_CASES = [("relu", "sigmoid", "bce", [280, 15, 1], ("sgd", {"lr": 0.02, "momentum": 0.8})),
                ("tanh", "softmax", "cross_entropy", [280, 15, 280, 3], ("adam", {"lr": 0.001})),
                ("swish", "linear", "mse", [64, 128, 1], ("sgd", {"lr": 0.01}))]    # 64 < 128: no [X 1] here


@pytest.mark.parametrize("engine", ["fast", "fast32"])
@pytest.mark.parametrize("hidden, output, loss, sizes, opt", PADDED_CASES, ids=[c[0] for c in PADDED_CASES])
def test_big_stored_transposed_layers_against_the_scalar_twin(engine, hidden, output, loss, sizes, opt):
    """The case matrix has no layer over TRANSPOSED_MIN entries; these do (padded 15 -> 16 and 280 -> 288, and
    an unpadded 64 x 128): the engine in float64 and float32 against the scalar twin, lockstep and free-running,
    within the parity suite's derived bounds (u = 2^-53 or 2^-24)."""
    from twin_nn import parity as P
    cfg = P.Config("big", sizes, hidden, output, loss, opt=opt, batch=4, rows=16, steps=8, seed=5)
    run = P.run_twins(cfg, engine=engine)
    P.check_run(run, u=P.U32 if engine == "fast32" else P.U)


def test_padded_layers_in_float32_are_the_unpadded_float32_layers(monkeypatch):
    """float32, where the padding is for (W4: 15 -> 16 columns): the same step as without the zero rows, up to
    float32's rounding of sums of at most 300 terms (300 x 2^-24 is 1.8e-5 of the terms' magnitude)."""
    import vector_nn.fast.layout as layout_module
    X, Y = batch(64, PADDED[0], PADDED[-1], "mse")
    padded = fast.MLP(PADDED, "relu", "linear", "mse", seed=9, dtype="float32")
    monkeypatch.setattr(layout_module, "PAD_TO", 1)
    bare = fast.MLP(PADDED, "relu", "linear", "mse", seed=9, dtype="float32")
    assert padded._flat.P.size == bare._flat.P.size + 300 + 4 * 15
    loss_p, grads_p = padded.loss_and_grads(X, Y)
    loss_b, grads_b = bare.loss_and_grads(X, Y)
    assert loss_p == pytest.approx(loss_b, rel=1e-5)
    for key in grads_b:
        np.testing.assert_allclose(grads_p[key], grads_b[key], rtol=1e-4, atol=1e-6 * np.abs(grads_b[key]).max())


@pytest.mark.parametrize("classes", [2, 7, 8, 12])
def test_softmax_rows_by_columns_or_by_reduction(classes):
    """Fewer than 8 classes: row max and sums column by column; more: NumPy's reductions.  Both the plain twin's."""
    sizes = [3, 5, classes]
    net = fast.MLP(sizes, "relu", "softmax", "cross_entropy", seed=5)
    ref = plain.MLP(sizes, "relu", "softmax", "cross_entropy", seed=5)
    X, Y = batch(40, 3, classes, "cross_entropy", seed=classes)
    loss, grads = net.loss_and_grads(X, Y)
    loss_r, grads_r = ref.loss_and_grads(X, Y)
    assert loss == pytest.approx(loss_r, rel=1e-14)
    assert np.array_equal(net.last_output, ref.last_output)       # the same softmax, bit for bit
    for name in grads_r:
        assert grads[name] == pytest.approx(grads_r[name], rel=1e-12, abs=1e-16), name


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu", "swish", "linear"])
@pytest.mark.parametrize("output, loss", PAIRS)
def test_a_big_batch_goes_through_in_row_chunks(hidden, output, loss):
    """m = 1500 rows of widths 64 and 48 (over BLOCK_BYTES): the step chunk by chunk is the plain twin's step."""
    sizes = [5, 64, 48, 3 if loss == "cross_entropy" else 2]
    m = 1500
    kw = dict(l2=0.01, l2_bias=0.02, seed=6)
    net, ref = fast.MLP(sizes, hidden, output, loss, **kw), plain.MLP(sizes, hidden, output, loss, **kw)
    chunks = chunk_rows(net, m)
    assert chunks is not None and len(chunks) >= 2                  # the case under test
    assert [r.start for r in chunks] == sorted(r.start for r in chunks) and chunks[-1].stop == m
    for step in range(2):
        X, Y = batch(m, 5, sizes[-1], loss, seed=step)
        loss_f, grads = net.loss_and_grads(X, Y)
        loss_r, grads_r = ref.loss_and_grads(X, Y)
        assert loss_f == pytest.approx(loss_r, rel=1e-12)
        assert net.last_output == pytest.approx(ref.last_output, rel=1e-11, abs=1e-14)
        for name in grads_r:
            assert grads[name] == pytest.approx(grads_r[name], rel=1e-10, abs=1e-15), (step, name)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("threads", [2, 3, 8])
def test_threads_change_no_number(threads, dtype):
    """The same chunks, added in the same order, whatever the thread count: loss, Yhat, gradients and the
    trained weights are bit for bit those of one thread (more threads than chunks too)."""
    sizes, m = [6, 64, 1], 4100
    one = fast.MLP(sizes, "swish", "linear", "mse", seed=3, l2=1e-3, dtype=dtype)
    many = fast.MLP(sizes, "swish", "linear", "mse", seed=3, l2=1e-3, dtype=dtype, threads=threads)
    assert len(chunk_rows(one, m)) >= 2
    opt_one, opt_many = fast.SGD(lr=0.05, momentum=0.9), fast.SGD(lr=0.05, momentum=0.9)
    for step in range(3):
        X, Y = batch(m, 6, 1, "mse", seed=step)
        loss_1, g_1 = one.loss_and_grads(X, Y)
        loss_n, g_n = many.loss_and_grads(X, Y)
        assert loss_1 == loss_n
        assert np.array_equal(one.last_output, many.last_output)
        for name in g_1:
            assert np.array_equal(g_1[name], g_n[name]), (step, name)
        opt_one.step(one.params, g_1)
        opt_many.step(many.params, g_n)
    for name in one.params:
        assert np.array_equal(one.params[name], many.params[name]), name
    assert many._team is not None and many._team.size == min(threads, len(chunk_rows(many, m)))


def test_a_copied_threaded_network_keeps_its_thread_count_and_gets_its_own_team():
    import copy
    net = fast.MLP([6, 64, 1], "swish", "linear", "mse", seed=3, threads=2)
    X, Y = batch(4100, 6, 1, "mse")
    loss, grads = net.loss_and_grads(X, Y)
    twin = copy.deepcopy(net)
    assert twin.threads == 2 and twin._team is None                 # threads are not copied; made when needed
    loss_t, grads_t = twin.loss_and_grads(X, Y)
    assert loss_t == loss and twin._team is not None and twin._team is not net._team
    for name in grads:
        assert np.array_equal(grads[name], grads_t[name]), name


def test_threads_are_checked_and_all_means_every_core():
    assert fast.MLP([2, 3, 1], threads="all").threads >= 1
    for bad in (0, -1, 1.5, "two", True, None):
        with pytest.raises(ValueError, match="threads must be a positive integer or 'all'"):
            fast.MLP([2, 3, 1], threads=bad)


def test_an_error_in_a_worker_reaches_the_caller_and_the_team_still_works():
    from vector_nn.fast.team import Team
    team = Team(2)

    def boom():
        raise ArithmeticError("from a worker")

    with pytest.raises(ArithmeticError, match="from a worker"):
        team.run([lambda: 1, boom, lambda: 3])
    assert team.run([lambda: 1, lambda: 2, lambda: 3]) == [1, 2, 3]
    assert team.run([lambda: "alone"]) == ["alone"]


@pytest.mark.parametrize("sizes", [[2, 6, 1], [6, 2, 1], [3, 8, 5, 2]], ids=["bias-in-product", "narrow", "deeper"])
def test_first_layer_bias_inside_the_product_with_l2(sizes):
    """[X 1] @ [W_1; b_1] where X is narrower than Z_1 (plan.aug), with L2 on weights and biases: the plain twin's step."""
    kw = dict(l2=0.01, l2_bias=0.02, seed=7)
    net, ref = fast.MLP(sizes, "sigmoid", "linear", "mse", **kw), plain.MLP(sizes, "sigmoid", "linear", "mse", **kw)
    X, Y = batch(9, sizes[0], sizes[-1], "mse", seed=1)
    loss, grads = net.loss_and_grads(X, Y)
    loss_r, grads_r = ref.loss_and_grads(X, Y)
    assert (net._work.by_m[9]["plan"].aug is not None) == (sizes[0] < sizes[1])
    assert loss == pytest.approx(loss_r, rel=1e-13)
    for name in grads_r:
        assert grads[name] == pytest.approx(grads_r[name], rel=1e-12, abs=1e-16), name


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copied_network_trains_on_its_own_flat_vector(how):
    """A copy (copy.deepcopy, pickle) makes its own flat vectors: it trains as the original does, and apart from it."""
    import copy
    import pickle
    net = fast.MLP([2, 6, 1], "tanh", "linear", "mse", seed=8)
    X, Y = batch(5, 2, 1, "mse")
    opt = fast.SGD(lr=0.1, momentum=0.5)
    opt.step(net.params, net.loss_and_grads(X, Y)[1])
    twin = copy.deepcopy(net) if how == "deepcopy" else pickle.loads(pickle.dumps(net))
    assert all(twin.params[k].base is twin._flat.P for k in twin.params)   # its own flat vector, views again
    before = {k: v.copy() for k, v in net.params.items()}
    opt_twin = fast.SGD(lr=0.1)
    for _ in range(3):
        opt_twin.step(twin.params, twin.loss_and_grads(X, Y)[1])
    for k in before:
        assert np.array_equal(net.params[k], before[k]), k          # the original did not move
    ref = plain.MLP.from_params({k: v for k, v in before.items()}, "tanh", "linear", "mse")
    opt_ref = plain_sgd()
    for _ in range(3):
        opt_ref.step(ref.params, ref.loss_and_grads(X, Y)[1])
    for k in before:
        assert twin.params[k] == pytest.approx(ref.params[k], rel=1e-12, abs=1e-15), k


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_the_plain_optimizers_step_the_engines_grads_like_a_dict(name):
    """``Grads`` is a mapping: vector_nn.optim's rules take it as they take the plain twin's dict, bit for bit."""
    import vector_nn.optim as plain_optim
    a, b = fast.MLP([3, 5, 2], "tanh", "linear", "mse", seed=6), fast.MLP([3, 5, 2], "tanh", "linear", "mse", seed=6)
    opt_a, opt_b = getattr(plain_optim, name)(lr=0.05), getattr(plain_optim, name)(lr=0.05)
    for step in range(3):
        X, Y = batch(4, 3, 2, "mse", seed=step)
        _, ga = a.loss_and_grads(X, Y)
        assert isinstance(ga, fast.Grads)
        opt_a.step(a.params, ga)
        _, gb = b.loss_and_grads(X, Y)
        opt_b.step(b.params, {k: v.copy() for k, v in gb.items()})
    for k in a.params:
        assert np.array_equal(a.params[k], b.params[k]), k
