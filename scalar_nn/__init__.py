"""scalar_nn: the pure-Python reference twin (standard library only)."""
