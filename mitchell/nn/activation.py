"""``ReLU``."""

import numpy as np

from mitchell.nn.module import Module

__all__ = ["ReLU"]


class ReLU(Module):
    """``max(x, 0)``; the gradient passes where ``x > 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> relu = nn.ReLU()
    >>> relu(np.float32([-1.0, 2.0]))
    array([0., 2.], dtype=float32)
    >>> relu.backward(np.float32([5.0, 5.0]))
    array([0., 5.], dtype=float32)
    """

    def forward(self, x):
        x = np.asarray(x)
        self._mask = x > 0
        return np.where(self._mask, x, x.dtype.type(0))

    def backward(self, grad_out):
        return np.where(self._mask, grad_out, np.asarray(grad_out).dtype.type(0))

    def __repr__(self):
        return "ReLU()"
