"""Training and evaluation loops."""

import time

import numpy as np

from mitchell import nn

__all__ = ["accuracy", "train"]


def accuracy(model, x, y, batch_size=1000):
    """Fraction of ``x`` classified as ``y`` (forward passes in the model's current modes)."""
    correct = 0
    for i in range(0, len(x), batch_size):
        correct += int((model.forward(x[i:i + batch_size]).argmax(axis=1) == y[i:i + batch_size]).sum())
    return correct / len(x)


def train(model, data, shape, *, epochs, batch_size, lr, seed, forward="exact", backward="exact",
          progress=None):
    """Train ``model`` with Adam on ``data`` in the given product modes.

    Returns a dict with per-epoch ``train_loss`` and ``test_acc`` lists,
    ``seconds`` (wall-clock training time, evaluations excluded) and
    ``cpu_seconds`` (the process's CPU time over the same spans: on one
    thread, insensitive to other processes sharing the cores).  ``progress`` is
    called as ``progress(epochs_done)`` after each epoch.
    """
    model.set_mode(forward, backward)
    x_train = data.x_train.reshape((-1, *shape))
    x_test = data.x_test.reshape((-1, *shape))
    loss = nn.CrossEntropyLoss()
    opt = nn.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    curves = {"train_loss": [], "test_acc": [], "seconds": 0.0, "cpu_seconds": 0.0}
    n = len(x_train)
    for epoch in range(epochs):
        started, cpu_started = time.perf_counter(), time.process_time()
        order = rng.permutation(n)
        total = 0.0
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            total += loss(model.forward(x_train[idx]), data.y_train[idx]) * len(idx)
            model.backward(loss.backward())
            opt.step()
            opt.zero_grad()
        curves["seconds"] += time.perf_counter() - started
        curves["cpu_seconds"] += time.process_time() - cpu_started
        curves["train_loss"].append(total / n)
        curves["test_acc"].append(accuracy(model, x_test, data.y_test))
        if progress is not None:
            progress(epoch + 1)
    return curves
