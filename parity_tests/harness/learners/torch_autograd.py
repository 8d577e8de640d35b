"""A correct loss_and_grads with PyTorch autograd (float64 tensors in, tensors out)."""
import torch

SUPPORTS = {"hidden": ["sigmoid", "tanh", "relu", "swish", "linear"],
            "pairs": [["linear", "mse"], ["sigmoid", "mse"], ["sigmoid", "bce"], ["softmax", "cross_entropy"]],
            "l2": True, "arrays": "torch"}

ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
       "swish": lambda z: z * torch.sigmoid(z), "linear": lambda z: z}


def loss_and_grads(params, X, Y, config):
    P = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    L = len(config["sizes"]) - 1
    A = X
    for k in range(1, L + 1):
        Z = A @ P["W%d" % k] + P["b%d" % k]
        A = ACT[config["hidden"]](Z) if k < L else Z
    if config["loss"] == "cross_entropy":
        loss = torch.nn.functional.cross_entropy(Z, Y)
    elif config["loss"] == "bce":
        loss = torch.nn.functional.binary_cross_entropy_with_logits(Z, Y)
    else:
        out = Z if config["output"] == "linear" else torch.sigmoid(Z)
        loss = torch.mean((out - Y) ** 2)
    for k in range(1, L + 1):
        loss = loss + config["l2"] / 2 * (P["W%d" % k] ** 2).sum() + config["l2_bias"] / 2 * (P["b%d" % k] ** 2).sum()
    loss.backward()
    return loss.item(), {k: v.grad for k, v in P.items()}
