"""``twin-nn trace --html``: one self-contained page to step through a trace.

``page(data)`` turns ``trace.trace_data(...)`` into a single HTML file: no
network access, no CDN, no framework, a few dozen lines of plain JavaScript.
The page draws the network as SVG nodes and edges with the step's values on
them (a legend says what an edge's colour and thickness mean in each phase;
the edge labels are placed along their edges where they overlap nothing,
and what still overlaps is counted in the drawing's ``data-overlaps``),
and the reader walks through the four phases of a step (forward pass,
loss, backward pass, update) with buttons or the arrow keys (left/right: phase,
up/down: step); a slider moves across the traced steps, with the loss curves
beside it: the loss of each step's batch, which jumps from batch to batch (each
step of the 2-2-1 net sees another person), and the loss over all the traced
rows before each step, which shows the progress.  A saturated sigmoid/tanh unit
(``trace_lines.saturation_note``) is ringed in red and said so in words.  The text of the current phase (the very lines ``twin-nn trace``
prints) is listed under the drawing.

The address can name a state, ``trace.html#step=3&phase=backward`` (and
``&row=1`` for batches of several rows), which the page honours on load and
keeps up to date, so a link, or a headless browser, lands on that state.
"""

import json

PHASES = ("forward", "loss", "backward", "update")

STYLE = """
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px 20px; color: #1b1b1b; background: #fbfbf8; }
h1 { font-size: 19px; margin: 0 0 4px; }
.sub { color: #555; margin: 0 0 10px; font-size: 13px; }
#top { display: flex; gap: 18px; align-items: flex-start; }
#net { background: #fff; border: 1px solid #ddd; border-radius: 6px; }
#side { width: 330px; }
#controls { margin: 8px 0; display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
button { font: inherit; padding: 3px 10px; border: 1px solid #aaa; border-radius: 4px; background: #f2f2ee; cursor: pointer; }
button.on { background: #26547c; color: #fff; border-color: #26547c; }
#status { font-weight: 600; margin: 6px 0; }
#loss { background: #fff; border: 1px solid #ddd; border-radius: 6px; }
#slider { width: 100%; }
pre#lines { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; font-size: 12.5px;
            white-space: pre-wrap; max-height: 340px; overflow: auto; margin-top: 10px; }
.node circle { stroke: #333; stroke-width: 1.2; }
.node .name { font-weight: 700; font-size: 13px; text-anchor: middle; }
.node .val { font-size: 11.5px; text-anchor: middle; fill: #111; }
.node .bias { font-size: 10.5px; text-anchor: middle; fill: #6a3d9a; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.edge line { stroke-width: 1.4; }
.edge text { font-size: 10.5px; text-anchor: middle; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.node .flag { font-size: 11px; font-weight: 700; text-anchor: middle; fill: #b3261e; }
#notes { color: #8a1c0c; font-size: 13px; margin: 6px 0; }
#notes p { margin: 4px 0; }
.hint { color: #666; font-size: 12px; }
kbd { border: 1px solid #bbb; border-bottom-width: 2px; border-radius: 3px; padding: 0 4px; font-size: 11px; }
"""

SCRIPT = r"""
(function () {
  var D = JSON.parse(document.getElementById("trace-data").textContent);
  var PH = ["forward", "loss", "backward", "update"];
  var TITLES = {forward: "forward pass", loss: "loss", backward: "backward pass", update: "update"};
  var N = D.steps.length, units = D.network.units, L = units.length - 1;
  var st = {step: 1, phase: "forward", row: 0, focus: units[L][0]};
  var SVGNS = "http://www.w3.org/2000/svg";
  var W = 760, H = 470;

  function fmt(x) {
    if (x === null || x === undefined) return "";
    if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
    var s = Number(x.toPrecision(6)).toString();
    return s.replace(/e([+-])(\d)$/, "e$10$2");
  }
  function el(tag, attrs, parent, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function sfx(name) { return D.steps[0].X.length > 1 ? name + "#" + st.row : name; }

  // Layout: one column per layer, units spread evenly down the column.
  var pos = {};
  units.forEach(function (layer, k) {
    var x = 70 + k * (W - 200) / L;      // room on the right for the output biases' labels
    layer.forEach(function (u, j) { pos[u] = [x, (j + 1) * H / (layer.length + 1)]; });
  });
  // Which parameter sits on which edge / node: from the network's parameter table.
  var edges = [], biases = {};
  Object.keys(D.network.params).forEach(function (arr) {
    var k = parseInt(arr.slice(1), 10), tab = D.network.params[arr];
    Object.keys(tab).forEach(function (name) {
      var idx = tab[name];
      if (arr[0] === "W") edges.push({name: name, from: units[k - 1][idx[0]], to: units[k][idx[1]], k: k, i: idx[0]});
      else biases[units[k][idx[0]]] = name;
    });
  });

  var svg = document.getElementById("net");
  var edgeText = {}, edgeLine = {}, nodeVal = {}, nodeVal2 = {}, flagText = {}, biasText = {}, circles = {};
  edges.forEach(function (e, n) {
    var a = pos[e.from], b = pos[e.to], g = el("g", {"class": "edge", id: "edge-" + e.name}, svg);
    edgeLine[e.name] = el("line", {x1: a[0] + 28, y1: a[1], x2: b[0] - 28, y2: b[1], stroke: "#999"}, g);
    var f = a[1] === b[1] ? 0.5 : 0.4;     // crossing edges get their labels on different heights
    e.at = function (f) { return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f - 3]; };
    e.spread = f;
    edgeText[e.name] = el("text", {x: e.at(f)[0], y: e.at(f)[1], id: "lab-" + e.name}, g);
    if (edges.length > 8) edgeText[e.name].style.fontSize = "9.5px";     // a dense drawing: smaller labels
    el("title", {}, g, e.name + ": " + e.from + " -> " + e.to);
  });
  units.forEach(function (layer, k) {
    layer.forEach(function (u) {
      var p = pos[u], g = el("g", {"class": "node", id: "node-" + u, style: "cursor: pointer"}, svg);
      g.addEventListener("click", function () { st.focus = u; render(); });
      circles[u] = el("circle", {cx: p[0], cy: p[1], r: 24, fill: k === 0 ? "#e8f1e4" : k === L ? "#fde9d9" : "#e3ecf7"}, g);
      el("text", {"class": "name", x: p[0], y: p[1] + 4}, g, u);
      nodeVal[u] = el("text", {"class": "val", x: p[0], y: p[1] + 40, id: "val-" + u}, g);
      nodeVal2[u] = el("text", {"class": "val", x: p[0], y: p[1] + 54, id: "val2-" + u}, g);
      flagText[u] = el("text", {"class": "flag", x: p[0], y: p[1] + 68, id: "flag-" + u}, g);
      if (biases[u]) biasText[u] = el("text", {"class": "bias", x: p[0], y: p[1] - 31, id: "bias-" + u}, g);
    });
  });
  var lossText = el("text", {x: W - 20, y: 26, "text-anchor": "end", "font-size": "15", "font-weight": "700", id: "lossbox"}, svg);
  // The legend: what the colour and the thickness of an edge mean, in the phase shown.
  var legend = el("g", {id: "legend", "font-size": "11.5"}, svg);
  el("line", {x1: 14, y1: 20, x2: 42, y2: 20, stroke: "rgba(38,84,124,1)", "stroke-width": 3}, legend);
  el("text", {x: 48, y: 24}, legend, "blue: positive");
  el("line", {x1: 140, y1: 20, x2: 168, y2: 20, stroke: "rgba(200,60,40,1)", "stroke-width": 3}, legend);
  el("text", {x: 174, y: 24}, legend, "red: negative");
  var legendText = el("text", {x: 14, y: 41, id: "legend-what", fill: "#444"}, legend);
  var LEGEND = {
    forward: "edges: the weights w; thicker = larger |w|",
    loss: "edges: the weights w; thicker = larger |w|",
    backward: "edges: dL/dw; the update moves w against it (red: w grows)",
    update: "edges: the change new - old of each weight; thicker = larger"
  };

  function color(v, scale) {
    if (!scale) return "#999";
    var t = Math.min(1, Math.abs(v) / scale);
    return v >= 0 ? "rgba(38,84,124," + (0.25 + 0.75 * t) + ")" : "rgba(200,60,40," + (0.25 + 0.75 * t) + ")";
  }

  // Edge labels are placed one by one where they overlap nothing drawn so far (nodes, their values,
  // the bias labels, the legend, the labels placed before): each tries spots along its own edge.
  function box(t) { var b = t.getBBox(); return [b.x - 2, b.y - 1, b.x + b.width + 2, b.y + b.height + 1]; }
  function overlap(a, b) {
    return Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  }
  var SPOTS = [0.5, 0.4, 0.6, 0.3, 0.7, 0.35, 0.65, 0.25, 0.75, 0.45, 0.55, 0.2, 0.8];
  var SHIFTS = [0, -13, 13, -26, 26, -39, 39, -52, 52];
  function place() {
    var taken = [box(legend)];
    if (lossText.textContent) taken.push(box(lossText));
    units.forEach(function (layer) { layer.forEach(function (u) {
      var p = pos[u];
      taken.push([p[0] - 26, p[1] - 26, p[0] + 26, p[1] + 26]);
      [nodeVal[u], nodeVal2[u], flagText[u], biasText[u]].forEach(function (t) { if (t && t.textContent) taken.push(box(t)); });
    }); });
    edges.forEach(function (e) {
      var t = edgeText[e.name];
      if (!t.textContent) return;
      // Spots along the edge first; then the same spots lifted above or dropped below it.
      var spots = [e.pref].concat(SPOTS), best = [spots[0], 0], least = Infinity;
      for (var d = 0; d < SHIFTS.length && least > 0; d++) {
        for (var i = 0; i < spots.length && least > 0; i++) {
          t.setAttribute("x", e.at(spots[i])[0]); t.setAttribute("y", e.at(spots[i])[1] + SHIFTS[d]);
          var b = box(t), hit = 0;
          taken.forEach(function (o) { hit += overlap(b, o); });
          if (hit < least) { least = hit; best = [spots[i], SHIFTS[d]]; }
        }
      }
      t.setAttribute("x", e.at(best[0])[0]); t.setAttribute("y", e.at(best[0])[1] + best[1]);
      taken.push(box(t));
    });
    // What still overlaps (pairs of texts on the drawing, and a label over a unit's circle),
    // kept on the drawing for a test to read.
    var texts = Array.prototype.filter.call(svg.querySelectorAll("text"), function (t) { return t.textContent; });
    var clash = [];
    function ink(t) { var b = t.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; }
    for (var i = 0; i < texts.length; i++) {
      var a = ink(texts[i]);
      for (var j = i + 1; j < texts.length; j++) {
        if (overlap(a, ink(texts[j])) > 1) clash.push(texts[i].textContent + " / " + texts[j].textContent);
      }
    }
    edges.forEach(function (e) {
      if (!edgeText[e.name].textContent) return;
      var a = ink(edgeText[e.name]);
      units.forEach(function (layer) { layer.forEach(function (u) {
        var p = pos[u];
        if (overlap(a, [p[0] - 24, p[1] - 24, p[0] + 24, p[1] + 24]) > 1) clash.push(edgeText[e.name].textContent + " / unit " + u);
      }); });
    });
    svg.setAttribute("data-overlaps", clash.length);
    svg.setAttribute("data-overlapping", clash.join("; "));
  }

  function render() {
    var S = D.steps[st.step - 1], ph = st.phase, pi = PH.indexOf(ph);
    var F = S.forward, B = S.backward, P0 = S.params_before, P1 = S.params_after, G = S.gradients;
    var scale = 0;
    edges.forEach(function (e) {
      var v = pi < 2 ? P0[e.name] : pi === 2 ? G["dL/d" + e.name] : P1[e.name] - P0[e.name];
      scale = Math.max(scale, Math.abs(v));
    });
    edges.forEach(function (e) {
      var t, v;
      if (pi < 2) { v = P0[e.name]; t = e.name + " = " + fmt(v); }
      else if (pi === 2) { v = G["dL/d" + e.name]; t = "dL/d" + e.name + " = " + fmt(v); }
      else {
        v = P1[e.name] - P0[e.name];
        // a dense drawing has room for the step only; the old and new values are in the lines below
        t = e.name + (edges.length <= 8 ? ": " + fmt(P0[e.name]) + " \u2192 " + fmt(P1[e.name]) : " += " + fmt(v));
      }
      // Few edges: label them all. Many: label those of the unit in focus (click a unit).
      var shown = edges.length <= 8 || e.to === st.focus || e.from === st.focus;
      e.pref = edges.length <= 8 ? e.spread : e.to === st.focus ? 0.5 : 0.35;
      edgeText[e.name].textContent = shown ? t : "";
      edgeText[e.name].setAttribute("fill", pi === 2 ? "#8a1c0c" : pi === 3 ? "#1d5e20" : "#222");
      edgeLine[e.name].style.stroke = color(v, scale);
      edgeLine[e.name].style.strokeWidth = 1 + 3 * Math.min(1, Math.abs(v) / (scale || 1));
    });
    units.forEach(function (layer, k) {
      layer.forEach(function (u) {
        var a = "", b = "";
        if (k === 0) { a = u + " = " + fmt(S.X[st.row][layer.indexOf(u)]); }
        else if (pi < 2) {
          a = "z = " + fmt(F[sfx("z_" + u)]);
          b = k === L ? "\u0177 = " + fmt(F[sfx("yhat_" + u)]) : "a = " + fmt(F[sfx("a_" + u)]);
        } else if (pi === 2) {
          a = "dL/dz = " + fmt(B[sfx("dL/dz_" + u)]);
          if (k < L) b = "dL/da = " + fmt(B[sfx("dL/da_" + u)]);
        } else if (k > 0) {
          a = "z = " + fmt(F[sfx("z_" + u)]);
        }
        nodeVal[u].textContent = a;
        nodeVal2[u].textContent = b;
        // style, not attributes: the page's CSS would win over an SVG attribute
        circles[u].style.strokeWidth = edges.length > 8 && u === st.focus ? 3 : 1.2;
        circles[u].style.stroke = "#333";
        if (biasText[u]) {
          var bn = biases[u];
          biasText[u].textContent = pi < 2 ? bn + " = " + fmt(P0[bn]) : pi === 2 ? "dL/d" + bn + " = " + fmt(G["dL/d" + bn])
            : bn + ": " + fmt(P0[bn]) + " \u2192 " + fmt(P1[bn]);
        }
      });
    });
    lossText.textContent = pi >= 1 ? "L = " + fmt(S.loss.total) + (pi === 3 ? "  (before this update)" : "") : "";
    legendText.textContent = LEGEND[ph];
    // A unit whose slope is nearly 0 (saturated) is ringed and said so in words, in every phase of the step.
    var notes = document.getElementById("notes");
    notes.textContent = "";
    units.forEach(function (layer) { layer.forEach(function (u) { flagText[u].textContent = ""; }); });
    S.lines.backward.forEach(function (l) {
      if (!l.note || l.name !== sfx("dL/dz_" + l.unit)) return;
      flagText[l.unit].textContent = "saturated (see below)";
      circles[l.unit].style.stroke = "#b3261e";
      circles[l.unit].style.strokeWidth = 3;
      flagText[l.unit].setAttribute("y", pos[l.unit][1] + (nodeVal2[l.unit].textContent ? 68 : 54));
      var line = document.createElement("p");
      line.textContent = "\u26a0 " + l.unit + ": " + l.note + ".";
      notes.appendChild(line);
    });
    place();
    document.getElementById("status").textContent = "step " + st.step + " of " + N + " \u00b7 " + TITLES[ph] +
      " \u00b7 batch: " + S.rows.join(", ");
    document.getElementById("lines").textContent = S.lines[ph].map(function (l) { return l.text; }).join("\n");
    PH.forEach(function (p) { document.getElementById("btn-" + p).className = p === ph ? "on" : ""; });
    document.getElementById("slider").value = st.step;
    document.getElementById("marker").setAttribute("cx", lx(st.step));
    document.getElementById("marker").setAttribute("cy", ly(S.loss.total));
    document.getElementById("marker-all").setAttribute("cx", lx(st.step));
    document.getElementById("marker-all").setAttribute("cy", ly(S.loss.all_rows));
    document.getElementById("losslabel").textContent = "step " + st.step + ": batch " + fmt(S.loss.total) +
      (several ? ", all rows " + fmt(S.loss.all_rows) : "");
    var h = "#step=" + st.step + "&phase=" + ph + (D.steps[0].X.length > 1 ? "&row=" + st.row : "");
    if (location.hash !== h) history.replaceState(null, "", h);
  }

  // The loss curves, one point per traced step, both before that step's update: the loss of the step's
  // batch (it jumps: each step sees other rows) and the loss over all the traced rows (the progress).
  var LW = 330, LH = 200, losses = D.steps.map(function (s) { return s.loss.total; });
  var all = D.steps.map(function (s) { return s.loss.all_rows; });
  var several = D.steps[0].X.length < D.row_labels.length;
  var both = several ? losses.concat(all) : losses;
  var lo = Math.min.apply(null, both), hi = Math.max.apply(null, both);
  if (hi === lo) { hi = lo + 1e-9; }
  function lx(s) { return N === 1 ? LW / 2 : 62 + (s - 1) * (LW - 77) / (N - 1); }
  function ly(v) { return 44 + (hi - v) * (LH - 80) / (hi - lo); }
  var ls = document.getElementById("loss");
  el("line", {x1: 56, y1: LH - 30, x2: LW - 10, y2: LH - 30, stroke: "#aaa"}, ls);
  el("line", {x1: 56, y1: 36, x2: 56, y2: LH - 30, stroke: "#aaa"}, ls);
  el("text", {x: 52, y: 48, "text-anchor": "end", "font-size": "10"}, ls, Number(hi.toPrecision(4)).toString());
  el("text", {x: 52, y: LH - 34, "text-anchor": "end", "font-size": "10"}, ls, Number(lo.toPrecision(4)).toString());
  el("line", {x1: 8, y1: 10, x2: 26, y2: 10, stroke: "#7fa3c4", "stroke-width": 1.5}, ls);
  el("text", {x: 30, y: 14, "font-size": "10", fill: "#333", id: "loss-key-batch"}, ls,
     several ? "loss of the step's batch (other rows each step)" : "loss of each step (all rows)");
  if (several) {
    el("line", {x1: 8, y1: 26, x2: 26, y2: 26, stroke: "#1d5e20", "stroke-width": 3}, ls);
    el("text", {x: 30, y: 30, "font-size": "10", fill: "#333", id: "loss-key-all"}, ls,
       "loss over all " + D.row_labels.length + (D.title.indexOf("network221") >= 0 ? " people" : " rows") +
       ", before each step: " + Number(all[0].toPrecision(4)) + " \u2192 " + Number(all[N - 1].toPrecision(4)));
  }
  el("text", {x: LW - 10, y: LH - 16, "text-anchor": "end", "font-size": "10"}, ls, "step " + N);
  el("text", {x: 56, y: LH - 16, "font-size": "10"}, ls, "step 1");
  el("polyline", {points: losses.map(function (v, i) { return lx(i + 1) + "," + ly(v); }).join(" "),
                  fill: "none", stroke: "#7fa3c4", "stroke-width": 1.5}, ls);
  if (several) {
    el("polyline", {points: all.map(function (v, i) { return lx(i + 1) + "," + ly(v); }).join(" "), id: "loss-all",
                    fill: "none", stroke: "#1d5e20", "stroke-width": 3}, ls);
  }
  el("circle", {id: "marker", r: 5, fill: "#c83c28"}, ls);
  el("circle", {id: "marker-all", r: several ? 5 : 0, fill: "#1d5e20"}, ls);
  el("text", {id: "losslabel", x: LW / 2, y: LH - 4, "text-anchor": "middle", "font-size": "12"}, ls);

  function go(dphase) {
    var i = PH.indexOf(st.phase) + dphase;
    if (i < 0) { if (st.step > 1) { st.step--; i = 3; } else i = 0; }
    if (i > 3) { if (st.step < N) { st.step++; i = 0; } else i = 3; }
    st.phase = PH[i]; render();
  }
  function readHash() {
    var q = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) { var p = kv.split("="); if (p[0]) q[p[0]] = p[1]; });
    var s = parseInt(q.step, 10), r = parseInt(q.row, 10);
    if (s >= 1 && s <= N) st.step = s;
    if (PH.indexOf(q.phase) >= 0) st.phase = q.phase;
    if (r >= 0 && r < D.steps[0].X.length) st.row = r;
  }
  document.getElementById("prev").onclick = function () { go(-1); };
  document.getElementById("next").onclick = function () { go(1); };
  PH.forEach(function (p) { document.getElementById("btn-" + p).onclick = function () { st.phase = p; render(); }; });
  var slider = document.getElementById("slider");
  slider.max = N; slider.oninput = function () { st.step = parseInt(slider.value, 10); render(); };
  var rowsel = document.getElementById("row");
  if (D.steps[0].X.length > 1) {
    for (var r = 0; r < D.steps[0].X.length; r++) { var o = document.createElement("option"); o.value = r; o.textContent = "batch row " + r; rowsel.appendChild(o); }
    rowsel.onchange = function () { st.row = parseInt(rowsel.value, 10); render(); };
  } else rowsel.style.display = "none";
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowRight") { go(1); ev.preventDefault(); }
    else if (ev.key === "ArrowLeft") { go(-1); ev.preventDefault(); }
    else if (ev.key === "ArrowUp" && st.step < N) { st.step++; render(); ev.preventDefault(); }
    else if (ev.key === "ArrowDown" && st.step > 1) { st.step--; render(); ev.preventDefault(); }
  });
  window.addEventListener("hashchange", function () { readHash(); render(); });
  readHash();
  rowsel.value = st.row;
  render();
})();
"""


def _escape(text):
    """Text safe inside HTML elements."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def page(data):
    """The whole self-contained HTML page for ``trace.trace_data(...)`` output, as a string."""
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    net = data["network"]
    opt = data["optimizer"]
    sub = "network %s, hidden %s, output %s, loss %s%s%s; optimizer %s; %d step%s traced by scalar_nn" % (
        net["sizes"], net["hidden"], net["output"], net["loss"],
        ", l2 %g" % net["l2"] if net["l2"] else "", ", dropout %g" % net["dropout"] if net["dropout"] else "",
        "%s(%s)" % (opt["name"], ", ".join("%s=%g" % (k, v) for k, v in opt.items() if k != "name")),
        len(data["steps"]), "" if len(data["steps"]) == 1 else "s")
    buttons = "".join('<button id="btn-%s">%s</button>' % (p, p) for p in PHASES)
    return """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>twin-nn trace</title>
<style>%(style)s</style>
</head>
<body>
<h1>twin-nn trace: every number of a training step</h1>
<p class="sub">%(title)s<br>%(sub)s</p>
<div id="top">
<svg id="net" width="760" height="470" viewBox="0 0 760 470" role="img" aria-label="the network"></svg>
<div id="side">
<div id="status"></div>
<div id="controls"><button id="prev">&#9664; prev</button><button id="next">next &#9654;</button>%(buttons)s
<select id="row"></select></div>
<label class="hint" for="slider">training step</label><br><input type="range" id="slider" min="1" max="1" value="1" aria-label="training step">
<svg id="loss" width="330" height="200" viewBox="0 0 330 200" role="img" aria-label="loss curves"></svg>
<div id="notes"></div>
<p class="hint"><kbd>&larr;</kbd> <kbd>&rarr;</kbd> phase &middot; <kbd>&uarr;</kbd> <kbd>&darr;</kbd> step &middot;
the slider moves across steps &middot; click a unit to label its edges &middot; the address (<code>#step=2&amp;phase=backward</code>) names the state.
Forward: edges carry the weights, nodes z and a. Backward: dL/dw on the edges, dL/dz and dL/da on the nodes.
Update: old &rarr; new.</p>
</div>
</div>
<pre id="lines"></pre>
<script type="application/json" id="trace-data">%(payload)s</script>
<script>%(script)s</script>
</body>
</html>
""" % {"style": STYLE, "title": _escape(data["title"]), "sub": _escape(sub), "buttons": buttons,
       "payload": payload, "script": SCRIPT}
