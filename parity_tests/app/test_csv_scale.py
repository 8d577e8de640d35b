"""Big files: progress while reading, a compact column store, and a time estimate for a scalar run.

The peak memory of a 1,000,000 x 10 file is measured, not tested (a unit test
must not read 85 MB): docs/CSV.md gives the figures.  What is tested here is
what makes them small and what the user sees.
"""

import io
from array import array
from types import SimpleNamespace

from twin_nn import cli_data_run, csvdata
from twin_nn.pipeline import Pipeline


def many_rows(path, n):
    with open(str(path), "w") as f:
        f.write("a,b,y\n")
        for i in range(n):
            f.write("%d,%d.5,%d\n" % (i, i % 7, i % 2))
    return str(path)


def test_reading_reports_progress_every_block_of_rows_and_at_the_end(tmp_path):
    path = many_rows(tmp_path / "m.csv", csvdata.PROGRESS_ROWS * 2 + 5)
    calls = []
    table = csvdata.read_table(path, progress=lambda rows, done, size: calls.append((rows, done, size)))
    size = (tmp_path / "m.csv").stat().st_size
    assert [c[0] for c in calls] == [csvdata.PROGRESS_ROWS, 2 * csvdata.PROGRESS_ROWS, len(table)]
    assert all(0 < done <= size for _, done, _ in calls) and calls[-1][1:] == (size, size)


def test_numbers_are_stored_as_floats_not_strings(tmp_path):
    table = csvdata.read_table(many_rows(tmp_path / "m.csv", 1000))
    assert all(isinstance(col, array) and col.typecode == "d" for col in table.values)
    assert table.odd == [{}, {}, {}]                        # no cell kept as text
    assert table.values[1][3] == 3.5 and table.cell(3, 1) == "3.5"


def test_a_big_file_prints_progress_lines():
    out = io.StringIO()
    report = cli_data_run._progress(out, "big.csv")
    big = cli_data_run.BIG_FILE * 4
    report(65536, big // 4, big)                            # too soon after the start: nothing yet
    report(1000000, big, big)                               # the end: always
    assert out.getvalue() == "reading big.csv: 1000000 rows (64 of 64 MB)\n"
    small = io.StringIO()
    cli_data_run._progress(small, "s.csv")(10, 100, 100)
    assert small.getvalue() == ""


def test_a_long_scalar_run_gets_an_estimate_up_front_as_recipes_do(tmp_path):
    pipe = Pipeline.from_csv(many_rows(tmp_path / "m.csv", 2000), "y", twin="scalar")
    out = io.StringIO()
    cli_data_run._warn_slow(SimpleNamespace(twin="scalar"), out, pipe, 5000)
    assert out.getvalue().startswith("note: the scalar twin needs roughly ") and "--twin vector" in out.getvalue()
    quiet = io.StringIO()
    cli_data_run._warn_slow(SimpleNamespace(twin="scalar"), quiet, pipe, 5)
    cli_data_run._warn_slow(SimpleNamespace(twin="vector"), quiet, pipe, 5000)
    assert quiet.getvalue() == ""


def test_huge_values_scale_and_score_without_overflow(tmp_path):
    """1e308 three times in a column overflowed fsum; a target of 1e200 gave r2 nan (now refused up front)."""
    import pytest
    from twin_nn import columns
    assert columns.column_scaling(array("d", [1e308, 1e308, 1e308, -1e308])) == (5e307, 8.660254037844386e307)
    path = tmp_path / "h.csv"
    path.write_text("a,y\n1,1e200\n2,-1e200\n3,1e200\n4,5\n5,6\n6,7\n")
    with pytest.raises(csvdata.CSVError, match="column 'y' holds 1e\\+200: a regression target must stay within"):
        Pipeline.from_csv(str(path), "y", twin="scalar")
    path.write_text("a,y\n1,1e140\n2,-1e140\n3,1e140\n4,5\n5,6\n6,7\n")
    pipe = Pipeline.from_csv(str(path), "y", twin="scalar", val_split=0.0, layers=[3])
    pipe.fit(epochs=2)
    scores = pipe.score(str(path))                       # squared errors near 1e280: summed in units of max |y|
    assert 0 < scores["rmse"] < 1e141 and -1 < scores["r2"] < 1


def test_scoring_in_chunks_gives_the_scores_of_one_pass(tmp_path, monkeypatch, twin):
    from twin_nn import pipeline
    for target, content in (("y", "a,b,y\n" + "".join("%d,%d,%d.5\n" % (i, i % 5, i * i % 11) for i in range(50))),
                            ("c", "a,b,c\n" + "".join("%d,%d,%s\n" % (i, i % 5, "xyz"[i % 3]) for i in range(50)))):
        path = tmp_path / ("%s.csv" % target)
        path.write_text(content)
        pipe = Pipeline.from_csv(str(path), target, twin=twin.name, layers=[4], val_split=0.0, l2=0.01)
        pipe.fit(epochs=3)
        whole = pipe.score(str(path))
        monkeypatch.setattr(pipeline, "SCORE_CHUNK", 7)
        chunked = pipe.score(str(path))
        monkeypatch.setattr(pipeline, "SCORE_CHUNK", 65536)
        assert chunked.keys() == whole.keys()
        for k in whole:
            assert abs(chunked[k] - whole[k]) <= 1e-12 * max(1.0, abs(whole[k])), (k, chunked, whole)
