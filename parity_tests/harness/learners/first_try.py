"""A learner's first backprop for the 2-2-1 lesson net (docs/CHECK.md walks through checking it)."""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


def loss_and_grads(params, X, Y, config):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    Z1 = X @ W1 + b1
    A1 = sigmoid(Z1)
    Z2 = A1 @ W2 + b2
    Yhat = sigmoid(Z2)
    N = Yhat.size
    loss = np.sum((Yhat - Y) ** 2) / N

    dZ2 = 2 * (Yhat - Y) / N * sigmoid_prime(Z2)
    dW2 = A1.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * sigmoid_prime(A1)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
