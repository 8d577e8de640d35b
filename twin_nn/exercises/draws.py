"""Drawn inputs: one ``draw(D)`` per spec, fed by Hypothesis when installed, else by a seeded generator.

``D`` offers ``int(lo, hi)``, ``float(lo, hi)``, ``choice(seq)`` and
``matrix(m, n, bound)``.  Under Hypothesis a failing input is shrunk, so the
grader reports the smallest one it found (as the per-function parity tests
in parity_tests/lesson/ do); PyPy, without Hypothesis, gets the seeded generator.
"""


class RandomDraws:
    """Draws from a ``random.Random``: floats uniform in the range, with 0 and the ends now and then."""

    def __init__(self, rng):
        self.rng = rng

    def int(self, lo, hi):
        return self.rng.randint(lo, hi)

    def float(self, lo, hi):
        pick = self.rng.random()
        if pick < 0.05:
            return 0.0 if lo <= 0.0 <= hi else lo
        if pick < 0.1:
            return hi
        return self.rng.uniform(lo, hi)

    def choice(self, seq):
        return self.rng.choice(list(seq))

    def matrix(self, m, n, bound):
        return [[self.float(-bound, bound) for _ in range(n)] for _ in range(m)]


class HypothesisDraws:
    """The same interface over Hypothesis's ``st.data()``."""

    def __init__(self, data):
        from hypothesis import strategies as st
        self.data, self.st = data, st

    def int(self, lo, hi):
        return self.data.draw(self.st.integers(lo, hi))

    def float(self, lo, hi):
        return self.data.draw(self.st.floats(lo, hi, allow_nan=False, allow_infinity=False))

    def choice(self, seq):
        return self.data.draw(self.st.sampled_from(list(seq)))

    def matrix(self, m, n, bound):
        row = self.st.lists(self.st.floats(-bound, bound, allow_nan=False, allow_infinity=False),
                            min_size=n, max_size=n)
        return self.data.draw(self.st.lists(row, min_size=m, max_size=m))


def run_hypothesis(check, examples):
    """Run ``check(D) -> bool`` on up to ``examples`` drawn inputs; stops (after shrinking) at a failure."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None, print_blob=False,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def prop(data):
        if not check(HypothesisDraws(data)):
            raise AssertionError("differs")
    try:
        prop()
    except NotImplementedError:
        raise
    except Exception:           # the failure (or Hypothesis's report of it): ``check`` has recorded the input
        pass
