"""vector_nn: the NumPy twin of scalar_nn."""
