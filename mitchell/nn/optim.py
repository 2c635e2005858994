"""Optimisers: SGD with momentum and Adam, torch's update rules, exact arithmetic."""

import numpy as np

__all__ = ["SGD", "Adam"]


class _Optimizer:
    def __init__(self, params, lr):
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimiser got no parameters")
        if lr <= 0:
            raise ValueError(f"the learning rate must be positive, got {lr}")
        self.lr = lr

    def zero_grad(self):
        """Set every parameter's gradient to zero."""
        for p in self.params:
            p.grad[...] = 0


class SGD(_Optimizer):
    """Stochastic gradient descent with momentum and weight decay (``torch.optim.SGD``).

    ``g = grad + weight_decay * p``; ``v = momentum * v + g`` (``v = g`` at the
    first step); ``p -= lr * v``.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> p = nn.Parameter(np.float32([1.0])); p.grad[:] = 0.5
    >>> opt = nn.SGD([p], lr=0.1, momentum=0.9)
    >>> opt.step(); opt.step(); p.data      # 1 - 0.05 - 0.095
    array([0.855], dtype=float32)
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum, self.weight_decay = momentum, weight_decay
        self._velocity = [None] * len(self.params)

    def step(self):
        """Update every parameter from its gradient."""
        for i, p in enumerate(self.params):
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            if self.momentum:
                v = self._velocity[i]
                v = g.copy() if v is None else self.momentum * v + g
                self._velocity[i] = v
                g = v
            p.data -= (self.lr * g).astype(p.data.dtype, copy=False)


class Adam(_Optimizer):
    """Adam (``torch.optim.Adam``, bias-corrected moments, ``eps`` outside the root).

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> p = nn.Parameter(np.float32([1.0])); p.grad[:] = 0.5
    >>> opt = nn.Adam([p], lr=0.1)
    >>> opt.step(); p.data                # the first step moves by lr
    array([0.9], dtype=float32)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self._m = [np.zeros_like(p.data) for p in self.params]
        self._v = [np.zeros_like(p.data) for p in self.params]
        self._t = 0

    def step(self):
        """Update every parameter from its gradient."""
        self._t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1 ** self._t, 1 - b2 ** self._t
        for p, m, v in zip(self.params, self._m, self._v):
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            update = self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
            p.data -= update.astype(p.data.dtype, copy=False)
