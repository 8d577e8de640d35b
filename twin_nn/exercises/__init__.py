"""Exercises: write the lesson yourself, graded function by function, your mistakes named.

* ``markers``   -- the ``# exercise N.M`` markers in the lesson source, and the stubs made from them
* ``specs``     -- per function: fixed and drawn inputs, the call, the rounding bound
* ``mutants``   -- the bug library: ids (shared with ``twin-nn check``), messages, plants
* ``grading``   -- the grader (runs in a subprocess on a copy of the workspace)
* ``assembled`` -- a passing chapter's functions in the reference network, in lockstep
* ``command``   -- ``twin-nn exercise start`` and ``twin-nn exercise check``
"""
