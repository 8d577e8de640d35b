"""Loading a JSON model file is safe and checked: a bad file is refused, naming the problem and the file.

Truncated, corrupted, foreign, future-version, mis-shaped, non-finite,
mis-typed files fail with a ModelFileError (a ValueError) naming the problem
and the file; nothing is ever unpickled.  (.npz archives:
test_serialize_npz.py; the other guarantees: test_serialize_round_trip.py.)
"""

import random

import pytest

from parity_tests.core.serialize_helpers import assert_same_network, read_doc, save_json, write_doc
from scalar_nn.toolkit.serialize import ModelFileError


def small_file(twin, tmp_path, name="model.json"):
    net = twin.mlp.MLP([2, 3, 1], hidden="tanh", seed=5)
    return save_json(twin, net, tmp_path / name)


def test_a_missing_file_is_a_clear_file_not_found(twin, tmp_path):
    for name in ("nothing.json", "nothing.npz"):
        if name.endswith("npz") and twin.name == "scalar":
            continue
        with pytest.raises(FileNotFoundError, match="no model file at .*%s" % name):
            twin.serialize.load_model(tmp_path / name)


def test_every_truncation_is_refused(scalar, tmp_path):
    path = small_file(scalar, tmp_path)
    data = path.read_bytes()
    assert data.endswith(b"}\n")
    for cut in range(0, len(data) - 2, 7):
        path.write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match="truncated or corrupted JSON"):
            scalar.serialize.load_model(path)


def test_corrupted_bytes_are_refused(scalar, tmp_path):
    path = small_file(scalar, tmp_path)
    data = path.read_bytes()
    middle = len(data) // 2
    path.write_bytes(data[:middle] + b"\xff\xfe\x00\x13" + data[middle + 4:])
    with pytest.raises(ModelFileError, match=r"model\.json is not a twin-nn model file: truncated or corrupted"):
        scalar.serialize.load_model(path)


def test_random_byte_damage_never_escapes_as_another_error(scalar, tmp_path):
    # A damaged byte may still leave valid JSON that passes every check (a digit
    # changed inside a weight: JSON has no checksum, see MODEL_FORMAT.md); then
    # the file loads.  Anything else must be a ModelFileError, never a crash.
    path = small_file(scalar, tmp_path)
    data = path.read_bytes()
    r = random.Random(99)
    refused = 0
    for _ in range(150):
        damaged = bytearray(data)
        damaged[r.randrange(len(data))] = r.randrange(256)
        path.write_bytes(bytes(damaged))
        try:
            scalar.serialize.load_model(path)
        except ModelFileError:
            refused += 1
    assert refused > 50


# The JSON reader -- parsing, every check of the document, the error messages --
# is shared code (scalar_nn/toolkit/serialize.py): both twins' load_model call
# it before building their own MLP.  So the refusals of this section run once, in the
# scalar twin; what the vector twin adds (choosing JSON or .npz by the name,
# then its MLP class) is pinned by this test and the tests that load files.

@pytest.mark.parametrize("broken", ["truncated", "bad version"])
def test_the_vector_twin_reads_json_through_the_same_checks(scalar, vector, tmp_path, broken):
    path = small_file(vector, tmp_path)
    if broken == "truncated":
        path.write_bytes(path.read_bytes()[:40])
    else:
        doc = read_doc(path)
        doc["version"] = 2
        write_doc(path, doc)
    errors = []
    for twin in (scalar, vector):
        with pytest.raises(ModelFileError) as info:
            twin.serialize.load_model(path)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


DELETE = object()

BAD_DOCUMENTS = [
    ("format", "keras-model", r"format is 'keras-model', expected 'twin-nn-model'"),
    ("format", DELETE, r"no \"format\" key"),
    ("version", 2, r"version 2 is newer than this twin-nn can read \(version 1\): upgrade"),
    ("version", 0, r"unsupported format version 0"),
    ("version", "1", r"version must be an integer"),
    ("options", DELETE, r"missing key 'options'"),
    ("params", DELETE, r"missing key 'params'"),
    ("extra", 1, r"unknown key 'extra'"),
    ("sizes", [2, 4, 1], r"params\.W1 has shape \(2, 3\), but sizes \[2, 4, 1\] need \(2, 4\)"),
    ("sizes", "2-3-1", r"sizes must be a list"),
    ("sizes", [2, 0, 1], r"every layer size must be a positive integer"),
    ("hidden", "gelu", r"unknown hidden activation 'gelu'"),
    ("hidden", 3, r"hidden must be a string"),
    ("loss", "bce", r"output 'linear' does not go with loss 'bce'"),
    ("params.W1", [[0.1, 0.2, 0.3]], r"params\.W1 has shape \(1, 3\), but sizes \[2, 3, 1\] need \(2, 3\)"),
    ("params.W1", [[0.1, 0.2, 0.3], [0.4, 0.5]], r"params\.W1 has shape ragged rows"),
    ("params.b1", [0.0, 0.0], r"params\.b1 has shape \(2,\), but sizes \[2, 3, 1\] need \(3,\)"),
    ("params.b1", 0.0, r"params\.b1 has shape a number"),
    ("params.W9", [[1.0]], r"unknown parameter name 'W9'.*W1, b1, W2, b2"),
    ("params.gamma1", [1.0, 1.0, 1.0], r"unknown parameter name 'gamma1'.*batchnorm=false"),
    ("params.b2", DELETE, r"params is missing b2"),
    ("params.W1.0.1", "0.5", r"params\.W1\[0\]\[1\] is '0\.5': expected a number"),
    ("params.b1.2", True, r"params\.b1\[2\] is True: expected a number"),
    ("params.b1.2", 10 ** 400, r"params\.b1\[2\] is too large for a float64"),
    ("buffers.running_mean1", [0.0, 0.0, 0.0], r"unknown buffer name 'running_mean1'"),
    ("options.batchnorm", "yes", r"options\.batchnorm must be true or false"),
    ("options.seed", 1.5, r"options\.seed must be an integer"),
    ("options.dropout", 1.0, r"dropout must lie in \[0, 1\)"),
    ("options.momentum", 0.9, r"options must have exactly .*unknown \['momentum'\]"),
    ("options.l2", DELETE, r"missing \['l2'\]"),
    ("history", [1, 2], r"history must be an object"),
    ("history", {"loss": 3}, r"history\.loss must be a list"),
    ("meta", "free text", r"meta must be an object"),
]


def fix_list_indices(doc, dotted, value):
    """``edit`` that also walks list indices ("params.W1.0.1")."""
    keys = dotted.split(".")
    target = doc
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    elif value is DELETE:
        del target[last]
    else:
        target[last] = value


@pytest.mark.parametrize("dotted,value,message", BAD_DOCUMENTS,
                         ids=["%s=%s" % (d, "DELETE" if v is DELETE else v) for d, v, _ in BAD_DOCUMENTS])
def test_a_bad_document_is_refused_with_its_problem_named(scalar, tmp_path, dotted, value, message):
    path = small_file(scalar, tmp_path)
    doc = read_doc(path)
    fix_list_indices(doc, dotted, value)
    write_doc(path, doc)
    with pytest.raises(ModelFileError, match=message) as info:
        scalar.serialize.load_model(path)
    assert str(path) in str(info.value)
    with pytest.raises(ValueError, match=message):     # the same check, for a dict in memory
        scalar.serialize.model_from_dict(doc)


@pytest.mark.parametrize("spelling,message", [
    ("NaN", r"params\.W1\[0\]\[0\] is nan"),
    ("-Infinity", r"params\.W1\[0\]\[0\] is -inf"),
    ("1e999", r"params\.W1\[0\]\[0\] is inf"),
])
def test_a_hand_edited_non_finite_weight_is_refused(scalar, tmp_path, spelling, message):
    path = small_file(scalar, tmp_path)
    text = path.read_text()
    first = repr(read_doc(path)["params"]["W1"][0][0])
    assert text.count(first) == 1
    path.write_text(text.replace(first, spelling))
    with pytest.raises(ModelFileError, match=message + ": numbers in a model file must be finite"):
        scalar.serialize.load_model(path)


def test_a_non_finite_number_in_meta_or_history_is_refused(scalar, tmp_path):
    path = small_file(scalar, tmp_path)
    text = path.read_text()
    path.write_text(text.replace('"buffers": {}', '"buffers": {}, "meta": {"score": NaN}'))
    with pytest.raises(ModelFileError, match=r"meta\.score is nan"):
        scalar.serialize.load_model(path)


def test_other_json_that_is_not_a_model_is_refused(scalar, tmp_path):
    path = tmp_path / "list.json"
    for text, message in [("[1, 2, 3]", "a model document is a JSON object"),
                          ('{"a": 1, "a": 2}', "duplicate key 'a'"),
                          ('{"format": "twin-nn-model", "format": "x"}', "duplicate key 'format'"),
                          ("[" * 100000, "truncated or corrupted JSON")]:
        path.write_text(text)
        with pytest.raises(ModelFileError, match=message):
            scalar.serialize.load_model(path)


def test_a_utf8_byte_order_mark_is_accepted(twin, tmp_path):
    path = small_file(twin, tmp_path)
    net = twin.serialize.load_model(path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())        # as some Windows editors save
    assert_same_network(twin.serialize.load_model(path), net)


def test_the_scalar_twin_points_npz_files_to_the_vector_twin(scalar, vector, tmp_path):
    net = vector.mlp.MLP([2, 3, 1])
    vector.serialize.save_npz(net, tmp_path / "m.npz")
    with pytest.raises(ModelFileError, match="is a NumPy .npz archive.*vector_nn"):
        scalar.serialize.load_model(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="scalar_nn writes JSON model files only"):
        scalar.serialize.save_model(scalar.mlp.MLP([2, 3, 1]), tmp_path / "s.npz")


def test_a_path_must_be_a_path(twin):
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        twin.serialize.load_model(42)
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        twin.serialize.save_model(twin.mlp.MLP([2, 1]), None)
