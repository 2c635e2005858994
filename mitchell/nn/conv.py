"""``Conv2d`` and ``Conv1d`` with products in a selectable mode."""

import numpy as np

from mitchell.nn import functional as F
from mitchell.nn._im2col import pair
from mitchell.nn._layer import ProductLayer, uniform_init

__all__ = ["Conv2d", "Conv1d"]


class Conv2d(ProductLayer):
    """2-D convolution, ``torch.nn.Conv2d``'s shapes (NCHW), products in a selectable mode.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, dilation : int or (int, int)
    padding : int, (int, int), "valid" or "same"
    groups : int
    bias : bool
    mode, backward_mode, per_channel, rng, dtype :
        As for :class:`mitchell.nn.Linear` (per channel = per output channel).

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> conv = nn.Conv2d(1, 2, 3, padding=1, rng=0)
    >>> y = conv(np.ones((4, 1, 8, 8), np.float32))
    >>> y.shape
    (4, 2, 8, 8)
    >>> conv.backward(np.ones_like(y)).shape
    (4, 1, 8, 8)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, *, mode="mitchell", backward_mode=None, per_channel=True,
                 rng=None, dtype=np.float32):
        kh, kw = pair(kernel_size, "kernel_size")
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"groups={groups} must divide in_channels={in_channels} and "
                             f"out_channels={out_channels}")
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        rng = np.random.default_rng(rng)
        fan_in = in_channels // groups * kh * kw
        weight = uniform_init(rng, (out_channels, in_channels // groups, kh, kw), fan_in, dtype)
        b = uniform_init(rng, (out_channels,), fan_in, dtype) if bias else None
        super().__init__(weight, b, mode, backward_mode, per_channel)

    def _args(self):
        return self.stride, self.padding, self.dilation, self.groups

    def _op(self, x, w, mode):
        return F.conv2d(x, w, None, *self._args(), mode=mode)

    def _grad_input(self, g, w, x_shape, mode):
        return F.conv2d_grad_input(g, w, x_shape, *self._args(), mode=mode)

    def _grad_weight(self, x, g, mode):
        return F.conv2d_grad_weight(x, g, self.weight.shape, *self._args(), mode=mode)

    def __repr__(self):
        c_out, c_g, kh, kw = self.weight.shape
        return (f"Conv2d({c_g * self.groups}, {c_out}, ({kh}, {kw}), stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, groups={self.groups}, "
                f"{self._mode_repr()})")


def _one(value, name):
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{name} must be an int or a 1-tuple, got {value!r}")
        return value[0]
    return value


class Conv1d(ProductLayer):
    """1-D convolution, ``torch.nn.Conv1d``'s shapes ``(N, C, L)``: a 2-D one with height 1.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias :
        As for ``torch.nn.Conv1d`` (padding an int, "valid" or "same").
    mode, backward_mode, per_channel, rng, dtype :
        As for :class:`mitchell.nn.Linear`.

    Attributes
    ----------
    weight : Parameter
        ``(out_channels, in_channels / groups, kernel_size)``.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> conv = nn.Conv1d(1, 4, 5, stride=2, padding=1, rng=0)
    >>> conv(np.ones((3, 1, 40), np.float32)).shape
    (3, 4, 19)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, *, mode="mitchell", backward_mode=None, per_channel=True,
                 rng=None, dtype=np.float32):
        k = _one(kernel_size, "kernel_size")
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"groups={groups} must divide in_channels={in_channels} and "
                             f"out_channels={out_channels}")
        self.stride, self.dilation = _one(stride, "stride"), _one(dilation, "dilation")
        padding = _one(padding, "padding")
        self.padding, self.groups = padding, groups
        self._padding2 = padding if isinstance(padding, str) else (0, padding)
        rng = np.random.default_rng(rng)
        fan_in = in_channels // groups * k
        weight = uniform_init(rng, (out_channels, in_channels // groups, k), fan_in, dtype)
        b = uniform_init(rng, (out_channels,), fan_in, dtype) if bias else None
        super().__init__(weight, b, mode, backward_mode, per_channel)

    def _args(self):
        return (1, self.stride), self._padding2, (1, self.dilation), self.groups

    @staticmethod
    def _check(x):
        if x.ndim != 3:
            raise ValueError(f"Conv1d expects an input of shape (N, C, L), got {x.shape}")

    def _op(self, x, w, mode):
        self._check(x)
        return F.conv2d(x[:, :, None], w[:, :, None], None, *self._args(), mode=mode)[:, :, 0]

    def _grad_input(self, g, w, x_shape, mode):
        n, c, length = x_shape
        return F.conv2d_grad_input(g[:, :, None], w[:, :, None], (n, c, 1, length), *self._args(),
                                   mode=mode)[:, :, 0]

    def _grad_weight(self, x, g, mode):
        c_out, c_g, k = self.weight.shape
        return F.conv2d_grad_weight(x[:, :, None], g[:, :, None], (c_out, c_g, 1, k), *self._args(),
                                    mode=mode)[:, :, 0]

    def __repr__(self):
        c_out, c_g, k = self.weight.shape
        return (f"Conv1d({c_g * self.groups}, {c_out}, {k}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, groups={self.groups}, {self._mode_repr()})")
