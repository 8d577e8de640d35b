"""A third twin for the level-3 test: the plain vector twin under another name (it must pass the matrix)."""
import vector_nn.mlp
from vector_nn.optim import SGD, Adam  # noqa: F401  (the optimizers the protocol asks for)


class WrappedTwin(vector_nn.mlp.MLP):
    """vector_nn.mlp.MLP as an outside class: from_params, params, buffers, loss_and_grads(masks=), predict."""
