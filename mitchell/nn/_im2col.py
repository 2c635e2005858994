"""Convolution geometry: argument checks, im2col and its adjoint col2im.

The column layout is that of ``mitchell.conv2d`` (``mitchell/linalg.py``):
``cols[n, g, ho * Wo + wo, (c, i, j)]`` with the contraction index in C order
over (input channel of the group, kernel row, kernel column), so a
convolution computed here in ``"mitchell"`` mode adds the same products in
the same order as ``mitchell.conv2d`` and gives the same bits.
"""

import operator
from dataclasses import dataclass

import numpy as np

__all__ = ["pair", "Geometry", "geometry", "im2col", "col2im"]


def pair(value, name):
    """``(v, v)`` for an int, the two ints of a pair; ``ValueError`` otherwise."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return operator.index(value[0]), operator.index(value[1])
    try:
        v = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}") from None
    return v, v


@dataclass(frozen=True)
class Geometry:
    """Shapes of one 2-D convolution ``x (N, C_in, H, W) * w (C_out, C_in/G, kH, kW)``."""

    n: int
    c_in: int
    h: int
    w: int
    c_out: int
    kh: int
    kw: int
    groups: int
    stride: tuple
    dilation: tuple
    pad_h: tuple   # (top, bottom)
    pad_w: tuple   # (left, right)
    ho: int
    wo: int

    @property
    def c_g(self):
        return self.c_in // self.groups

    @property
    def k(self):
        """Length of one contraction: C_in/G * kH * kW."""
        return self.c_g * self.kh * self.kw

    @property
    def output_shape(self):
        return (self.n, self.c_out, self.ho, self.wo)


def _padding(padding, kh, kw, stride, dilation):
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError("padding='same' is not supported for strided convolutions")
            th, tw = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
            return (th // 2, th - th // 2), (tw // 2, tw - tw // 2)
        raise ValueError(f"padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    p0, p1 = pair(padding, "padding")
    if min(p0, p1) < 0:
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    return (p0, p0), (p1, p1)


def geometry(x_shape, w_shape, stride, padding, dilation, groups):
    """Check a convolution's arguments and return its :class:`Geometry`.

    ``x_shape`` is ``(N, C_in, H, W)``; ``w_shape`` ``(C_out, C_in/groups, kH, kW)``.
    """
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ValueError(f"conv2d expects an input of shape (N, C, H, W) or (C, H, W) and a weight of "
                         f"shape (C_out, C_in/groups, kH, kW); got {tuple(x_shape)} and {tuple(w_shape)}")
    groups = operator.index(groups)
    n, c_in, h, w = (int(s) for s in x_shape)
    c_out, c_g, kh, kw = (int(s) for s in w_shape)
    if groups < 1 or c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must be positive and divide C_in={c_in} and C_out={c_out}")
    if c_g != c_in // groups:
        raise ValueError(f"the weight has {c_g} input channels per group, expected "
                         f"C_in/groups = {c_in}/{groups} = {c_in // groups}")
    if kh < 1 or kw < 1:
        raise ValueError(f"the kernel must not be empty, got {kh}x{kw}")
    stride = pair(stride, "stride")
    dilation = pair(dilation, "dilation")
    if min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"stride and dilation must be positive, got {stride} and {dilation}")
    pad_h, pad_w = _padding(padding, kh, kw, stride, dilation)
    span_h, span_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    hp, wp = h + sum(pad_h), w + sum(pad_w)
    if hp < span_h or wp < span_w:
        raise ValueError(f"the (padded) input {(hp, wp)} is smaller than the kernel span {(span_h, span_w)}")
    ho = (hp - span_h) // stride[0] + 1
    wo = (wp - span_w) // stride[1] + 1
    return Geometry(n, c_in, h, w, c_out, kh, kw, groups, stride, dilation, pad_h, pad_w, ho, wo)


def im2col(x, g):
    """Columns ``(N, G, Ho*Wo, C_in/G*kH*kW)`` of ``x (N, C_in, H, W)``."""
    xp = np.pad(x, ((0, 0), (0, 0), g.pad_h, g.pad_w))
    (sh, sw), (dh, dw) = g.stride, g.dilation
    span = (dh * (g.kh - 1) + 1, dw * (g.kw - 1) + 1)
    windows = np.lib.stride_tricks.sliding_window_view(xp, span, axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dh, ::dw][:, :, :g.ho, :g.wo]   # (N, C, Ho, Wo, kH, kW)
    cols = windows.reshape(g.n, g.groups, g.c_g, g.ho, g.wo, g.kh, g.kw).transpose(0, 1, 3, 4, 2, 5, 6)
    return cols.reshape(g.n, g.groups, g.ho * g.wo, g.k)


def col2im(cols, g):
    """The adjoint of :func:`im2col`: add columns ``(N, G, Ho*Wo, K)`` back into ``(N, C_in, H, W)``.

    Every column entry is added (ordinary addition) to the input element it
    was read from; entries read from the zero padding are dropped.
    """
    (sh, sw), (dh, dw) = g.stride, g.dilation
    hp, wp = g.h + sum(g.pad_h), g.w + sum(g.pad_w)
    out = np.zeros((g.n, g.groups, g.c_g, hp, wp), dtype=cols.dtype)
    # (N, G, Ho, Wo, C_g, kH, kW) -> (N, G, C_g, kH, kW, Ho, Wo)
    c = cols.reshape(g.n, g.groups, g.ho, g.wo, g.c_g, g.kh, g.kw).transpose(0, 1, 4, 5, 6, 2, 3)
    for i in range(g.kh):
        for j in range(g.kw):
            r, s = i * dh, j * dw
            out[:, :, :, r:r + sh * (g.ho - 1) + 1:sh, s:s + sw * (g.wo - 1) + 1:sw] += c[:, :, :, i, j]
    out = out[:, :, :, g.pad_h[0]:g.pad_h[0] + g.h, g.pad_w[0]:g.pad_w[0] + g.w]
    return out.reshape(g.n, g.c_in, g.h, g.w)
