"""``Linear``: ``y = x @ weight.T + bias`` with products in a selectable mode."""

import numpy as np

from mitchell.nn import functional as F
from mitchell.nn._layer import ProductLayer, uniform_init

__all__ = ["Linear"]


class Linear(ProductLayer):
    """Fully connected layer, ``torch.nn.Linear``'s shapes, Mitchell (or other) products.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
    mode : str
        Forward products: ``"exact"``, ``"mitchell"``, a variant name, or
        ``"int8-" + one of those`` (int8 weights and inputs, int32 sums,
        dequantised; needs :func:`mitchell.nn.calibrate`).
    backward_mode : str, optional
        Products of the gradients (``"mitchell"`` is Mogami 2020's setting,
        ``"exact"`` keeps gradients exact); default: the forward mode's
        product mode.
    per_channel : bool
        int8 modes: one weight scale per output feature (else one per tensor).
    rng : int or numpy.random.Generator, optional
        Seed of the initialisation, U(±1/sqrt(in_features)) as torch's.
    dtype : dtype
        float32 (default) or float64.

    Attributes
    ----------
    weight : Parameter
        ``(out_features, in_features)``.
    bias : Parameter or None
        ``(out_features,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> layer = nn.Linear(2, 1, rng=0)
    >>> layer.weight.data[:] = [[1.5, 2.0]]; layer.bias.data[:] = 0.5
    >>> y = layer(np.float32([[3.0, 1.0]]))      # 3 * 1.5 is 4 in Mitchell's arithmetic
    >>> y
    array([[6.5]], dtype=float32)
    >>> layer.backward(np.float32([[3.0]]))     # 3 * 1.5 -> 4, 3 * 2 = 6
    array([[4., 6.]], dtype=float32)
    >>> layer.weight.grad                       # 3 * 3 -> 8, 3 * 1 = 3
    array([[8., 3.]], dtype=float32)
    """

    channel_axis = -1

    def __init__(self, in_features, out_features, bias=True, *, mode="mitchell", backward_mode=None,
                 per_channel=True, rng=None, dtype=np.float32):
        rng = np.random.default_rng(rng)
        weight = uniform_init(rng, (out_features, in_features), in_features, dtype)
        b = uniform_init(rng, (out_features,), in_features, dtype) if bias else None
        super().__init__(weight, b, mode, backward_mode, per_channel)

    def _op(self, x, w, mode):
        if x.shape[-1:] != w.shape[1:]:
            raise ValueError(f"Linear({w.shape[1]}, {w.shape[0]}) got an input of shape {x.shape}")
        return F.linear(x, w, mode=mode)

    def _grad_input(self, g, w, x_shape, mode):
        return F.linear_grad_input(g, w, mode=mode)

    def _grad_weight(self, x, g, mode):
        return F.linear_grad_weight(x, g, mode=mode)

    def __repr__(self):
        out_f, in_f = self.weight.shape
        return f"Linear({in_f}, {out_f}, bias={self.bias is not None}, {self._mode_repr()})"
