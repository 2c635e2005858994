"""The networks of the experiments, built from ``mitchell.nn``.

mnist1d: a plain MLP with the widths of Greydanus (2020)'s (two hidden layers
of 100; the MNIST-1D repository's ``MLPBase`` also adds a residual connection
around the second layer) and Greydanus's CNN (``ConvBase``: three 1-D
convolutions of 25 channels, strides 2, then a linear layer).  digits: a
small MLP and a small 2-D CNN.
"""

import numpy as np

from mitchell import nn

__all__ = ["MODELS", "build"]


def _mlp(sizes, rng):
    layers = [nn.Flatten()]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b, rng=rng))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def mnist1d_mlp(rng):
    return _mlp([40, 100, 100, 10], rng)


def mnist1d_cnn(rng):
    return nn.Sequential(
        nn.Conv1d(1, 25, 5, stride=2, padding=1, rng=rng), nn.ReLU(),     # 40 -> 19
        nn.Conv1d(25, 25, 3, stride=2, padding=1, rng=rng), nn.ReLU(),    # 19 -> 10
        nn.Conv1d(25, 25, 3, stride=2, padding=1, rng=rng), nn.ReLU(),    # 10 -> 5
        nn.Flatten(), nn.Linear(125, 10, rng=rng))


def digits_mlp(rng):
    return _mlp([64, 64, 10], rng)


def digits_cnn(rng):
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),     # 8x8 -> 4x4
        nn.Conv2d(8, 16, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),    # 4x4 -> 2x2
        nn.Flatten(), nn.Linear(64, 10, rng=rng))


# model name -> (builder, input shape of one example after reshaping)
MODELS = {
    "mnist1d": {"mlp": (mnist1d_mlp, (40,)), "cnn": (mnist1d_cnn, (1, 40))},
    "digits": {"mlp": (digits_mlp, (64,)), "cnn": (digits_cnn, (1, 8, 8))},
}


def build(dataset, model, seed):
    """``(network, input_shape)``: a freshly initialised network (seeded) in exact mode."""
    builder, shape = MODELS[dataset][model]
    net = builder(np.random.default_rng(seed))
    return net.set_mode("exact"), shape
