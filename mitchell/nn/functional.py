"""Matrix products and convolutions, forward and backward, in a selectable mode.

Every function here computes all of its scalar products through one helper
(``mitchell.nn._product.product``) with the ``mode`` it is given:

* ``"exact"``: ordinary float products (``np.matmul``);
* ``"mitchell"``: Mitchell's products (``mitchell.matmul``);
* any other name of ``mitchell.variants``: that variant
  (``mitchell.matmul(a, b, variant=mode)``).

Shapes and arguments follow ``torch.nn.functional`` (NCHW; a linear weight
is ``(out_features, in_features)``).  Convolutions are im2col followed by one
batched matrix product per group; their gradients are that product's
gradients followed by col2im, and ``conv_transpose2d`` is the input gradient
of a convolution.  Additions (sums of products, biases, col2im) are ordinary
float additions.  int8/uint8 operands give int32 results in every mode.
"""

import dataclasses
import operator

import numpy as np

from mitchell.nn._im2col import geometry, im2col, col2im, pair
from mitchell.nn._product import product, check_mode, modes

__all__ = ["matmul", "linear", "linear_grad_input", "linear_grad_weight", "conv2d",
           "conv2d_grad_input", "conv2d_grad_weight", "conv_transpose2d", "modes"]


def matmul(a, b, *, mode="mitchell"):
    """Matrix product with ``np.matmul`` semantics, products in ``mode``.

    Parameters
    ----------
    a, b : array_like
    mode : str
        ``"exact"``, ``"mitchell"`` or a variant name (see :func:`modes`).

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell.nn import functional as F
    >>> a = np.float32([[1.5, 2.0]]); b = np.float32([[1.5], [0.5]])
    >>> F.matmul(a, b), F.matmul(a, b, mode="exact")   # 2 + 1 and 2.25 + 1
    (array([[3.]], dtype=float32), array([[3.25]], dtype=float32))
    """
    return product(np.asarray(a), np.asarray(b), mode)


def _bias(y, b, features, axis, name):
    if b is None:
        return y
    b = np.asarray(b)
    if b.shape != (features,):
        raise ValueError(f"{name}: the bias must have shape ({features},), got {b.shape}")
    shape = [1] * y.ndim
    shape[axis] = features
    return y + b.reshape(shape).astype(y.dtype, copy=False)


def linear(x, w, b=None, *, mode="mitchell"):
    """``x @ w.T + b`` with the products in ``mode`` (``torch.nn.functional.linear``).

    Parameters
    ----------
    x : array_like
        Input, shape ``(..., in_features)``.
    w : array_like
        Weight, shape ``(out_features, in_features)``.
    b : array_like, optional
        Bias, shape ``(out_features,)``; added exactly.
    mode : str

    Returns
    -------
    ndarray
        Shape ``(..., out_features)``.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell.nn import functional as F
    >>> x = np.float32([[3.0, 1.0]]); w = np.float32([[1.5, 2.0]])
    >>> F.linear(x, w, np.float32([0.5]))    # 3 * 1.5 is 4 in Mitchell's arithmetic
    array([[6.5]], dtype=float32)
    """
    x, w = np.asarray(x), np.asarray(w)
    if w.ndim != 2 or x.ndim < 1 or x.shape[-1] != w.shape[1]:
        raise ValueError(f"linear: the input's last axis must match the weight's (out, in) shape; "
                         f"got input {x.shape} and weight {w.shape}")
    if mode != "exact" and x.ndim >= 2 and w.size > x.size:
        # the larger operand on the left: mitchell.matmul packs its right operand in
        # full, per element, while the left one is packed a block at a time (1024 x 1024
        # weight, batch 256, Zen 4: 9.2-9.6 -> 7.5-8.2 ms).
        # The products commute and are added in the same order: the same bits.
        x2 = x.reshape(-1, x.shape[-1])
        y = np.ascontiguousarray(product(w, x2.T, mode).T).reshape(*x.shape[:-1], w.shape[0])
    else:
        y = product(x, w.T, mode)
    return _bias(y, b, w.shape[0], -1, "linear")


def linear_grad_input(grad_out, w, *, mode):
    """Gradient of :func:`linear` with respect to its input: ``grad_out @ w``.

    Parameters
    ----------
    grad_out : array_like
        Shape ``(..., out_features)``.
    w : array_like
        Shape ``(out_features, in_features)``.
    mode : str

    Returns
    -------
    ndarray
        Shape ``(..., in_features)``.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell.nn import functional as F
    >>> F.linear_grad_input(np.float32([[3.0]]), np.float32([[1.5, 2.0]]), mode="mitchell")
    array([[4., 6.]], dtype=float32)
    """
    grad_out, w = np.asarray(grad_out), np.asarray(w)
    if w.ndim != 2 or grad_out.ndim < 1 or grad_out.shape[-1] != w.shape[0]:
        raise ValueError(f"linear_grad_input: grad_out's last axis must match the weight's first; "
                         f"got grad_out {grad_out.shape} and weight {w.shape}")
    return product(grad_out, w, mode)


def linear_grad_weight(x, grad_out, *, mode):
    """Gradient of :func:`linear` with respect to its weight: ``grad_out^T @ x``.

    The leading (batch) axes are flattened into the contraction, so the sum
    over the batch is part of one matrix product.

    Parameters
    ----------
    x : array_like
        The input of the forward pass, shape ``(..., in_features)``.
    grad_out : array_like
        Shape ``(..., out_features)``, the same leading axes.
    mode : str

    Returns
    -------
    ndarray
        Shape ``(out_features, in_features)``.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell.nn import functional as F
    >>> x = np.float32([[3.0, 1.0], [1.0, 1.0]]); g = np.float32([[1.5], [2.0]])
    >>> F.linear_grad_weight(x, g, mode="mitchell")    # [4 + 2, 1.5 + 2]
    array([[6. , 3.5]], dtype=float32)
    """
    x, grad_out = np.asarray(x), np.asarray(grad_out)
    if x.ndim < 1 or grad_out.ndim < 1 or x.shape[:-1] != grad_out.shape[:-1]:
        raise ValueError(f"linear_grad_weight: x and grad_out must have the same leading axes; "
                         f"got {x.shape} and {grad_out.shape}")
    x2 = x.reshape(-1, x.shape[-1])
    g2 = grad_out.reshape(-1, grad_out.shape[-1])
    return product(g2.T, x2, mode)


def _batched(x, name):
    x = np.asarray(x)
    if x.ndim == 3:
        return x[None], False
    if x.ndim != 4:
        raise ValueError(f"{name} must have shape (N, C, H, W) or (C, H, W), got {x.shape}")
    return x, True


def _grouped(lhs, rhs, mode):
    """``lhs (N, G, M, K) @ rhs (G, K, C)`` -> ``(N, G, M, C)``; one GEMM of N*M rows when G = 1."""
    n, groups, m, k = lhs.shape
    if groups == 1:
        return product(lhs.reshape(n * m, k), rhs[0], mode).reshape(n, 1, m, rhs.shape[-1])
    return product(lhs, rhs[None], mode)


def _filters(w, g):
    """``(G, C_out/G, K)`` view of a weight."""
    return w.reshape(g.groups, g.c_out // g.groups, g.k)


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, *, mode="mitchell"):
    """2-D convolution (cross-correlation) as ``torch.nn.functional.conv2d``, products in ``mode``.

    Parameters
    ----------
    x : array_like
        Input, shape ``(N, C_in, H, W)`` or ``(C_in, H, W)``.
    w : array_like
        Weight, shape ``(C_out, C_in/groups, kH, kW)``.
    b : array_like, optional
        Bias, shape ``(C_out,)``.
    stride, dilation : int or (int, int)
    padding : int, (int, int), "valid" or "same"
    groups : int
    mode : str

    Returns
    -------
    ndarray
        Shape ``(N, C_out, H_out, W_out)``,
        ``H_out = (H + 2 pH - dH (kH - 1) - 1) // sH + 1``.

    Notes
    -----
    In ``"mitchell"`` mode the result is bit for bit ``mitchell.conv2d``'s:
    the same products added in the same order.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell.nn import functional as F
    >>> x = np.ones((1, 1, 3, 3), np.float32); w = np.full((1, 1, 2, 2), 1.5, np.float32)
    >>> F.conv2d(x, w, stride=2, padding=1)[0, 0]   # windows hold 1, 2, 2 and 4 ones
    array([[1.5, 3. ],
           [3. , 6. ]], dtype=float32)
    """
    check_mode(mode)
    x, batched = _batched(x, "conv2d: the input")
    w = np.asarray(w)
    g = geometry(x.shape, w.shape, stride, padding, dilation, groups)
    cols = im2col(x, g)                                              # (N, G, Ho*Wo, K)
    y = _grouped(cols, np.swapaxes(_filters(w, g), -1, -2), mode)   # (N, G, Ho*Wo, C_out/G)
    y = np.swapaxes(y, -1, -2).reshape(g.output_shape)
    y = _bias(y, b, g.c_out, 1, "conv2d")
    return y if batched else y[0]


def _check_grad_out(grad_out, g, name):
    expected = g.output_shape
    if grad_out.shape != expected:
        raise ValueError(f"{name}: grad_out has shape {grad_out.shape}, but the convolution's output "
                         f"has shape {expected}")


def _input_grad(grad_out, w, g, mode):
    gy = grad_out.reshape(g.n, g.groups, g.c_out // g.groups, g.ho * g.wo)
    cols = _grouped(np.swapaxes(gy, -1, -2), _filters(w, g), mode)   # (N, G, Ho*Wo, K)
    return col2im(cols, g)


def conv2d_grad_input(grad_out, w, input_shape, stride=1, padding=0, dilation=1, groups=1, *,
                      mode="mitchell"):
    """Gradient of :func:`conv2d` with respect to its input (``torch.nn.grad.conv2d_input``).

    Parameters
    ----------
    grad_out : array_like
        Shape of the convolution's output, ``(N, C_out, H_out, W_out)`` (or unbatched).
    w : array_like
        Weight, ``(C_out, C_in/groups, kH, kW)``.
    input_shape : tuple of int
        ``(N, C_in, H, W)`` (or ``(C_in, H, W)``).
    stride, padding, dilation, groups :
        As for :func:`conv2d`.
    mode : str

    Returns
    -------
    ndarray
        Shape ``input_shape``.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell.nn import functional as F
    >>> g = np.full((1, 1, 2, 2), 3.0, np.float32); w = np.full((1, 1, 2, 2), 1.5, np.float32)
    >>> F.conv2d_grad_input(g, w, (1, 1, 3, 3))[0, 0]      # 3 * 1.5 is 4 in Mitchell's arithmetic
    array([[ 4.,  8.,  4.],
           [ 8., 16.,  8.],
           [ 4.,  8.,  4.]], dtype=float32)
    """
    check_mode(mode)
    input_shape = tuple(int(s) for s in input_shape)
    batched = len(input_shape) == 4
    grad_out = np.asarray(grad_out)
    if not batched:
        input_shape, grad_out = (1, *input_shape), grad_out[None]
    w = np.asarray(w)
    g = geometry(input_shape, w.shape, stride, padding, dilation, groups)
    _check_grad_out(grad_out, g, "conv2d_grad_input")
    dx = _input_grad(grad_out, w, g, mode)
    return dx if batched else dx[0]


def conv2d_grad_weight(x, grad_out, weight_shape, stride=1, padding=0, dilation=1, groups=1, *,
                       mode="mitchell"):
    """Gradient of :func:`conv2d` with respect to its weight (``torch.nn.grad.conv2d_weight``).

    The batch and the output positions form one contraction: each weight
    gradient is one sum of ``N * H_out * W_out`` products.

    Parameters
    ----------
    x : array_like
        The forward input, ``(N, C_in, H, W)`` (or unbatched).
    grad_out : array_like
        ``(N, C_out, H_out, W_out)`` (or unbatched).
    weight_shape : tuple of int
        ``(C_out, C_in/groups, kH, kW)``.
    stride, padding, dilation, groups :
        As for :func:`conv2d`.
    mode : str

    Returns
    -------
    ndarray
        Shape ``weight_shape``.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell.nn import functional as F
    >>> x = np.full((1, 1, 3, 3), 3.0, np.float32); g = np.full((1, 1, 2, 2), 1.5, np.float32)
    >>> F.conv2d_grad_weight(x, g, (1, 1, 2, 2))[0, 0]     # four products 3 * 1.5 = 4
    array([[16., 16.],
           [16., 16.]], dtype=float32)
    """
    check_mode(mode)
    x, batched = _batched(x, "conv2d_grad_weight: x")
    grad_out = np.asarray(grad_out)
    if not batched:
        grad_out = grad_out[None]
    weight_shape = tuple(int(s) for s in weight_shape)
    g = geometry(x.shape, weight_shape, stride, padding, dilation, groups)
    _check_grad_out(grad_out, g, "conv2d_grad_weight")
    cols = im2col(x, g)                                                        # (N, G, P, K)
    cols = cols.transpose(1, 0, 2, 3).reshape(g.groups, g.n * g.ho * g.wo, g.k)  # (G, N*P, K)
    cog = g.c_out // g.groups
    gy = grad_out.reshape(g.n, g.groups, cog, g.ho * g.wo).transpose(1, 2, 0, 3)
    gy = gy.reshape(g.groups, cog, g.n * g.ho * g.wo)                           # (G, C_out/G, N*P)
    return product(gy, cols, mode).reshape(weight_shape)


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1, *,
                     mode="mitchell"):
    """Transposed convolution as ``torch.nn.functional.conv_transpose2d``, products in ``mode``.

    Parameters
    ----------
    x : array_like
        Input, ``(N, C_in, H, W)`` or ``(C_in, H, W)``.
    w : array_like
        Weight, ``(C_in, C_out/groups, kH, kW)``.
    b : array_like, optional
        Bias, ``(C_out,)``.
    stride, padding, output_padding, dilation : int or (int, int)
        ``output_padding`` must be smaller than the stride or the dilation.
    groups : int
    mode : str

    Returns
    -------
    ndarray
        Shape ``(N, C_out, H_out, W_out)``,
        ``H_out = (H - 1) sH - 2 pH + dH (kH - 1) + opH + 1``.

    Notes
    -----
    It is the input gradient of the convolution with weight ``w``, which
    maps ``(N, C_out, H_out, W_out)`` to ``(N, C_in, H, W)``.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell.nn import functional as F
    >>> x = np.full((1, 1, 2, 2), 3.0, np.float32); w = np.full((1, 1, 2, 2), 1.5, np.float32)
    >>> F.conv_transpose2d(x, w, stride=2)[0, 0]
    array([[4., 4., 4., 4.],
           [4., 4., 4., 4.],
           [4., 4., 4., 4.],
           [4., 4., 4., 4.]], dtype=float32)
    """
    check_mode(mode)
    x, batched = _batched(x, "conv_transpose2d: the input")
    w = np.asarray(w)
    if w.ndim != 4:
        raise ValueError(f"conv_transpose2d: the weight must have shape (C_in, C_out/groups, kH, kW), "
                         f"got {w.shape}")
    groups_ = operator.index(groups)
    if groups_ < 1:
        raise ValueError(f"conv_transpose2d: groups must be positive, got {groups}")
    if w.shape[0] != x.shape[1]:
        raise ValueError(f"conv_transpose2d: the weight has {w.shape[0]} input channels "
                         f"(shape (C_in, C_out/groups, kH, kW)), the input {x.shape[1]}")
    sh, sw = pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    oh, ow = pair(output_padding, "output_padding")
    dh, dw = pair(dilation, "dilation")
    if min(sh, sw, dh, dw) < 1 or min(ph, pw, oh, ow) < 0:
        raise ValueError("conv_transpose2d: stride and dilation must be positive, padding and "
                         "output_padding non-negative")
    if not (oh < max(sh, dh) and ow < max(sw, dw)):
        raise ValueError(f"conv_transpose2d: output_padding {(oh, ow)} must be smaller than the stride "
                         f"{(sh, sw)} or the dilation {(dh, dw)}")
    n, _, h, wd = x.shape
    kh, kw = w.shape[2:]
    h_out = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oh + 1
    w_out = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + ow + 1
    if h_out < 1 or w_out < 1:
        raise ValueError(f"conv_transpose2d: the output would be {(h_out, w_out)}")
    c_out = w.shape[1] * groups_
    g = geometry((n, c_out, h_out, w_out), w.shape, (sh, sw), (ph, pw), (dh, dw), groups_)
    g = dataclasses.replace(g, ho=h, wo=wd)   # output_padding rows read no input
    y = _input_grad(x, w, g, mode)
    y = _bias(y, b, c_out, 1, "conv_transpose2d")
    return y if batched else y[0]
