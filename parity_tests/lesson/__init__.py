"""The lesson's functions and modules, each twin against the math and against the other."""
