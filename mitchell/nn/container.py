"""``Sequential`` and ``Flatten``."""

import numpy as np

from mitchell.nn.module import Module

__all__ = ["Sequential", "Flatten"]


class Sequential(Module):
    """Layers applied in order; ``backward`` runs them in reverse.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
    >>> model(np.ones((5, 4), np.float32)).shape
    (5, 3)
    >>> len(model.parameters())
    4
    >>> model.set_mode("exact")[0].mode
    'exact'
    """

    def __init__(self, *layers):
        for layer in layers:
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential takes mitchell.nn modules, got {type(layer).__name__}")
        self.layers = list(layers)

    def children(self):
        return list(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out):
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def __repr__(self):
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"


class Flatten(Module):
    """Flatten every axis after the first (the batch).

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> nn.Flatten()(np.zeros((2, 3, 4))).shape
    (2, 12)
    """

    def forward(self, x):
        x = np.asarray(x)
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out):
        return np.asarray(grad_out).reshape(self._shape)

    def __repr__(self):
        return "Flatten()"
