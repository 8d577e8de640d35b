"""``twin-nn trace --html``: one self-contained page, checked in a real (headless) browser.

The page must not reach for the network (no script or style from elsewhere).
When Debian's ``chromium`` is on the PATH the page is opened headless at a
state named in its address (``#step=2&phase=update``), its DOM is dumped after
the script ran, and the values the trace computed must be on the drawing; a
screenshot must come out.  Without chromium those tests skip.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from twin_nn import cli, trace, trace_html

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not on the PATH")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _page(tmp_path, *args):
    path = tmp_path / "trace.html"

    class Out:
        def write(self, s):
            pass

    assert cli.main(["trace", "--quiet", "--html", str(path)] + list(args), out=Out()) == 0
    return path


def _chromium(*args):
    """Run headless chromium with a fresh profile; returns its standard output."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([CHROMIUM] + FLAGS + ["--user-data-dir=" + profile] + list(args),
                              capture_output=True, text=True, timeout=120)
    return done.stdout


def _dom(path, state):
    return _chromium("--virtual-time-budget=3000", "--dump-dom", "file://%s#%s" % (path, state))


def _text_of(dom, element_id):
    """The text content of the element with that id in the dumped DOM."""
    match = re.search(r'id="%s"[^>]*>([^<]*)<' % re.escape(element_id), dom)
    assert match, "no element %s in the page" % element_id
    return match.group(1).replace("&amp;", "&")


def test_page_is_self_contained(tmp_path):
    html = _page(tmp_path, "--steps", "3").read_text()
    assert "<script src" not in html and "<link" not in html and "@import" not in html
    # The only address in the page is the SVG namespace, which names, and fetches nothing.
    assert set(re.findall(r"https?://[^\s\"']+", html)) <= {"http://www.w3.org/2000/svg"}
    assert html.count("<script") == 2          # the data, and the page's own script


def test_page_embeds_every_step(tmp_path):
    setup = trace.build_setup()
    data = trace.trace_data(setup, trace.run_trace(setup, 4))
    html = trace_html.page(data)
    payload = re.search(r'<script type="application/json" id="trace-data">(.*?)</script>', html, re.S).group(1)
    assert json.loads(payload.replace("<\\/", "</")) == json.loads(json.dumps(data))


@needs_chromium
def test_browser_renders_the_network_at_a_state(tmp_path):
    path = _page(tmp_path, "--steps", "4")
    setup = trace.build_setup()
    traces = trace.run_trace(setup, 4)
    t2 = traces[1]
    dom = _dom(path, "step=2&phase=update")
    assert _text_of(dom, "status").startswith("step 2 of 4 · update · batch: Bob")
    w1_old, w1_new = t2.params_before["W1"][0][0], t2.params_after["W1"][0][0]
    assert _text_of(dom, "lab-w1") == "w1: %s → %s" % (trace.fmt(w1_old), trace.fmt(w1_new))
    assert trace.fmt(t2.loss) in _text_of(dom, "lossbox")
    for line in t2.lines["update"]:
        assert line.text in dom
    for unit in ("x1", "x2", "h1", "h2", "o1"):
        assert 'id="node-%s"' % unit in dom
    t3 = traces[2]
    dom = _dom(path, "step=3&phase=backward")
    assert _text_of(dom, "val-h1") == "dL/dz = %s" % trace.fmt(t3.values("backward")["dL/dz_h1"])
    assert _text_of(dom, "lab-w5") == "dL/dw5 = %s" % trace.fmt(t3.grads["W2"][0][0])
    dom = _dom(path, "step=1&phase=forward")
    assert _text_of(dom, "val2-h1") == "a = 0.119203"
    assert _text_of(dom, "val-o1") == "z = -0.284053"


@needs_chromium
def test_browser_screenshot_of_a_recipe_page(tmp_path):
    path = _page(tmp_path, "--recipe", "spiral", "--rows", "3", "--steps", "3")
    shot = tmp_path / "shot.png"
    _chromium("--virtual-time-budget=3000", "--window-size=1280,900", "--screenshot=%s" % shot,
              "file://%s#step=2&phase=backward&row=1" % path)
    assert shot.exists() and os.path.getsize(shot) > 10000
    assert open(shot, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    dom = _dom(path, "step=2&phase=backward&row=1")
    assert "step 2 of 3 · backward pass" in _text_of(dom, "status")
    assert 'id="node-h1_3"' in dom and _text_of(dom, "val-o1").startswith("dL/dz = ")


def _overlaps(dom):
    return int(re.search(r'data-overlaps="(\d+)"', dom).group(1)), re.search(r'data-overlapping="([^"]*)"', dom).group(1)


@needs_chromium
@pytest.mark.parametrize("state", ["step=3&phase=backward", "step=2&phase=update", "step=1&phase=forward",
                                   "step=4&phase=backward"])
def test_labels_do_not_overlap(tmp_path, state):
    """Issue 17: dL/db2 sat on dL/dw6 at step 3 backward, the b2 update on the w6 label at step 2.

    The page counts the pairs of texts on the drawing whose boxes overlap, as laid out by the
    browser; a page that placed the labels at fixed spots counts the first of them.
    """
    path = _page(tmp_path, "--steps", "4")
    dom = _dom(path, state)
    count, which = _overlaps(dom)
    assert count == 0, which
    fixed = tmp_path / "fixed.html"           # the same page with the labels at their fixed spots
    fixed.write_text(path.read_text().replace("var spots = [e.pref].concat(SPOTS)", "var spots = [e.spread]")
                     .replace("var SHIFTS = [0, -13, 13, -26, 26, -39, 39, -52, 52]", "var SHIFTS = [0]"))
    if state == "step=3&phase=backward":
        assert _overlaps(_dom(fixed, state)) == (1, "dL/dw6 = 0.0000952897 / dL/db2 = -0.00009358")


@needs_chromium
@pytest.mark.parametrize("state", ["step=2&phase=update&row=0", "step=1&phase=backward&row=1"])
def test_labels_do_not_overlap_on_a_dense_recipe_page(tmp_path, state):
    """21 edges: the focus unit's labels, smaller, the update as its step; nothing over a unit either."""
    path = _page(tmp_path, "--recipe", "sine3d", "--rows", "3", "--steps", "3")
    dom = _dom(path, state)
    assert _overlaps(dom) == (0, "")
    if "update" in state:
        assert re.search(r'id="lab-W3\[1,0\]"[^>]*>W3\[1,0\] \+= [-0-9.e]+<', dom)


@needs_chromium
def test_legend_loss_over_everyone_and_saturation(tmp_path):
    path = _page(tmp_path, "--steps", "4")
    setup = trace.build_setup()
    traces = trace.run_trace(setup, 4)
    dom = _dom(path, "step=3&phase=backward")
    assert "blue: positive" in dom and "red: negative" in dom
    assert _text_of(dom, "legend-what").startswith("edges: dL/dw")
    # the loss over all four people beside the per-step loss
    assert 'id="loss-all"' in dom
    key = _text_of(dom, "loss-key-all")
    assert key.startswith("loss over all 4 people") and "0.6043" in key and "0.599" in key
    assert _text_of(dom, "losslabel") == "step 3: batch %s, all rows %s" % (
        trace.fmt(traces[2].loss), trace.fmt(traces[2].full_loss))
    # h1 is saturated at step 3: flagged on the drawing and in words
    assert _text_of(dom, "flag-h1") == "saturated (see below)" and _text_of(dom, "flag-h2") == ""
    notes = re.search(r'id="notes"[^>]*>(.*?)</div>', dom, re.S).group(1)
    assert "h1: saturated: z_h1 = 19.2828" in notes and "right, not a bug" in notes
    dom = _dom(path, "step=1&phase=forward")
    assert _text_of(dom, "flag-h1") == "" and _text_of(dom, "legend-what").startswith("edges: the weights")
