"""The shared core (scalar_nn/toolkit): input checks, the training loop, callbacks, data sets, model files."""
