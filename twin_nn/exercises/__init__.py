"""Exercises: write the lesson yourself, graded function by function, your mistakes named.

* ``markers``   -- the ``# exercise N.M`` markers in the lesson source, and the stubs made from them
* ``specs``     -- per function: fixed and drawn inputs, the call, the rounding bound (chapters 1-5)
* ``networks``  -- the same for the networks' methods (chapter 0, the 2-2-1 net; chapter 6, the MLP)
* ``mutants``   -- the bug library: ids (shared with ``twin-nn check``), messages, plants
* ``grading``   -- the grader (runs in a subprocess on a copy of the workspace)
* ``assembled`` -- a passing chapter's functions in the reference network, in lockstep
* ``command``   -- ``twin-nn exercise start`` and ``twin-nn exercise check``
"""
