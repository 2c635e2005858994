"""Parameters and the module protocol: ``forward``, ``backward``, ``parameters``.

A module computes ``forward(x)``, keeps what its backward pass needs, and
``backward(grad_out)`` returns the gradient with respect to its input while
*adding* the gradients of its parameters to their ``.grad``.
"""

import numpy as np

__all__ = ["Parameter", "Module"]


class Parameter:
    """A trainable array and its accumulated gradient.

    Parameters
    ----------
    data : array_like
        The value; optimisers update it in place.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell.nn import Parameter
    >>> p = Parameter(np.ones(3, np.float32))
    >>> p.grad
    array([0., 0., 0.], dtype=float32)
    """

    __slots__ = ("data", "grad")

    def __init__(self, data):
        self.data = np.array(data)
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class of the layers.

    Subclasses implement ``forward`` and ``backward`` and list their
    sub-modules in ``children()`` and their own parameters in
    ``_own_parameters()``.
    """

    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad_out):
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def children(self):
        """The direct sub-modules (none for a leaf layer)."""
        return []

    def modules(self):
        """This module and all its descendants, depth first."""
        yield self
        for child in self.children():
            yield from child.modules()

    def _own_parameters(self):
        return []

    def parameters(self):
        """All trainable parameters of this module and its descendants."""
        return [p for m in self.modules() for p in m._own_parameters()]

    def zero_grad(self):
        """Set every parameter's gradient to zero."""
        for p in self.parameters():
            p.grad[...] = 0

    def set_mode(self, forward=None, backward=None):
        """Set the product modes of every layer that multiplies (see ``mitchell.nn.Linear``).

        Parameters
        ----------
        forward : str, optional
            ``"exact"``, ``"mitchell"``, a variant name or ``"int8-" + one of those``.
        backward : str, optional
            The mode of the gradient products (not an int8 mode).  By default
            unchanged if ``forward`` is None, else the float mode of ``forward``.

        Returns
        -------
        self
        """
        for m in self.modules():
            if hasattr(m, "_set_modes"):
                fwd = m.mode if forward is None else forward
                if backward is not None:
                    bwd = backward
                else:
                    bwd = m.backward_mode if forward is None else None   # None: follow forward
                m._set_modes(fwd, bwd)
        return self
