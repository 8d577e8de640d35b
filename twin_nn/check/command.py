"""The ``twin-nn check`` and ``twin-nn golden`` commands (``register(subparsers)`` from cli.py)."""

import argparse
import json
import sys
import textwrap

from twin_nn.argtypes import positive_int, positive_number


def register(sub):
    """Add ``check`` and ``golden`` to the ``twin-nn`` subparsers."""
    p = sub.add_parser(
        "check", help="check your own backprop (or a port) against twin-nn, step by step",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(
            "Run FILE.py's loss_and_grads(params, X, Y, config) (or the function NAME), and its "
            "step(params, grads, state, config) if it has one, on twin-nn's built-in cases in lockstep with "
            "twin-nn; name the first divergence, where it starts, and the likely mistake. Your code runs "
            "in a subprocess, on copies. The protocol, the JSON answer and the golden-file format: "
            "docs/CHECK.md.", 79),
        epilog="examples:\n  twin-nn check my_backprop.py\n  twin-nn check my_backprop.py:grads --case "
               "softmax-ce --json\n  twin-nn check --golden gold/ --answers mine/\n  twin-nn check --list-cases\n"
               "exit status: 0 agrees, 1 diverges, 2 error (your code raised, timed out, or returned wrong "
               "keys, shapes or types)")
    p.add_argument("target", metavar="FILE.py[:NAME]", nargs="?", help="your file (or module) and function")
    p.add_argument("--case", action="append", metavar="CASE", help="run only this case (repeatable)")
    p.add_argument("--steps", type=positive_int, help="lockstep steps per case (default 3)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON (docs/CHECK.md)")
    p.add_argument("--list-cases", action="store_true", help="list the built-in cases and exit")
    p.add_argument("--timeout", type=positive_number, default=120.0, metavar="S",
                   help="seconds your code may take in all (default 120)")
    p.add_argument("--golden", metavar="DIR", help="golden files written by twin-nn golden")
    p.add_argument("--answers", metavar="DIR", help="your port's answers to --golden, in the same format")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "golden", help="write golden files (inputs and twin-nn's answers) for a port",
        description="Write, per step, JSON holding the inputs (params before, the batch) and twin-nn's "
                    "outputs (loss, grads, params after) with exact floats, for ports that are not Python "
                    "(docs/CHECK.md).")
    p.add_argument("--case", required=True, metavar="CASE", help="a built-in case, level 1 or 2 (twin-nn check --list-cases)")
    p.add_argument("--steps", type=positive_int, default=3, help="steps (default 3)")
    p.add_argument("--out", required=True, metavar="DIR", help="the folder to write (created)")
    p.set_defaults(func=cmd_golden)


def cmd_check(args, out):
    """Run the check; print the answer; return 0 / 1 / 2."""
    from .api import CheckError, exit_status, run
    from .cases import CASES, describe
    from .level2 import CASES2
    from .report import text
    if args.list_cases:
        out.write("level 1, loss_and_grads(params, X, Y, config):\n")
        for case in CASES:
            out.write("  " + describe(case) + "\n")
        out.write("level 2, step(params, grads, state, config):\n")
        for case in CASES2:
            out.write("  %-20s %s's net and data; %s\n" % (case.name, case.base, case.about))
        return 0
    try:
        if args.golden or args.answers:
            if not (args.golden and args.answers) or args.target:
                raise CheckError("--golden DIR and --answers DIR go together, without FILE.py")
            from .golden import check_answers
            answer = check_answers(args.golden, args.answers)
        elif not args.target:
            raise CheckError("name your file: twin-nn check FILE.py[:NAME] (or --list-cases)")
        else:
            answer = run(args.target, cases=args.case, steps=args.steps, timeout=args.timeout)
    except CheckError as exc:
        sys.stderr.write("twin-nn check: error: %s\n" % exc)
        return 2
    if args.json:
        out.write(json.dumps(answer, indent=1, allow_nan=True) + "\n")
    else:
        out.write(text(answer))
    return exit_status(answer)


def cmd_golden(args, out):
    """Write the golden files; say where."""
    from .api import CheckError
    from .golden import write_golden
    try:
        files = write_golden(args.case, args.steps, args.out)
    except CheckError as exc:
        sys.stderr.write("twin-nn golden: error: %s\n" % exc)
        return 2
    out.write("wrote %d files to %s (format: docs/CHECK.md)\n" % (len(files), args.out))
    return 0
