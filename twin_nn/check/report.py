"""The text answer of ``twin-nn check``: verdict, cases, first divergence, where, diagnosis."""

import textwrap

VERDICT = {"agrees": "AGREES with twin-nn", "diverges": "DIVERGES from twin-nn", "error": "ERROR"}


def _num(x):
    return "-" if x is None else repr(float(x))


def text(answer, width=100):
    """The answer dict (``api.run``) as the lines a person reads."""
    out = ["twin-nn check %s: %s" % (answer["target"], VERDICT[answer["verdict"]])]
    if answer["cases"]:
        out.append("")
        for c in answer["cases"]:
            desc = ("step(), %s, on %s's parameters" % (
                ", ".join("%s %s" % kv for kv in c["optimizer"].items()), "-".join(map(str, c["sizes"])))
                if c.get("level") == 2 else None) or "%s %s hidden, %s + %s, m = %d%s" % ("-".join(map(str, c["sizes"])), c["hidden"], c["output"],
                                                       c["loss"], c["m"], (", l2 %g" % c["l2"] if c["l2"] else "") +
                                                       (", dropout %g" % c["dropout"] if c.get("dropout") else ""))
            if c["verdict"] == "agrees":
                state = "agrees (%d of %d steps)" % (c["steps_agreed"], c["steps"])
            elif c["verdict"] == "diverges":
                state = "diverges at step %d" % (c["steps_agreed"] + 1)
            else:
                state = "error at step %d" % (c["steps_agreed"] + 1)
            out.append("  %-20s %-24s %s%s" % (c["name"], state, desc, " (float32 bound)" if c["float32"] else ""))
    if answer["error"]:
        out += ["", "error: " + answer["error"].splitlines()[0]] + ["  " + l for l in answer["error"].splitlines()[1:]]
    fd = answer["first_divergence"]
    if fd:
        idx = " index (%s)" % ", ".join(map(str, fd["index"])) if fd.get("index") else ""
        out += ["", "first divergence: case %s, step %d, %s%s" % (fd["case"], fd["step"], fd["quantity"], idx)]
    if fd and fd.get("ours") is not None:
        out += ["  yours    %s" % _num(fd["yours"]), "  twin-nn  %s" % _num(fd["ours"])]
        ratio = "ratio %.6g (yours / twin-nn)" % fd["ratio"] if fd.get("ratio") is not None else "no ratio"
        ulps = fd.get("ulps")
        if ulps is None or ulps == float("inf"):
            far = "not finite on one side"
        else:
            far = "%.4g ulps apart; the bound allows %.3g" % (ulps, fd["bound_ulps"])
        out.append("  %s; %s" % (ratio, far))
    if answer.get("localisation"):
        out += [""] + textwrap.wrap("where: " + answer["localisation"], width, subsequent_indent="  ")
    if answer["diagnosis"]:
        out += ["", "diagnosis:"]
        for d in answer["diagnosis"]:
            head = "- %s%s: " % (d["id"], " [%s]" % d["where"] if d.get("where") else "")
            first, _, rest = d["message"].partition("\n")
            out += textwrap.wrap(head + first, width, subsequent_indent="    ")
            out += ["    " + l for l in rest.splitlines()]
    if answer["verdict"] == "agrees":
        bound = "float32" if any(c["float32"] for c in answer["cases"]) else "float64"
        out += ["", "every step of every case is within the parity suite's lockstep bound (%s)." % bound]
    out.append("(%.2f s)" % answer.get("seconds", 0.0))
    return "\n".join(out) + "\n"
