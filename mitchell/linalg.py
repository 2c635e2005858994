"""Matrix products whose scalar products are Mitchell products.

``matmul`` is a generalized ufunc with ``np.matmul``'s signature backed by a
packed, cache-blocked C kernel (csrc/matmul_gemm.c); ``dot``, ``tensordot`` and
``conv2d`` reshape their operands and call it.  Each output element is
``+0 + p_0 + p_1 + ... + p_(K-1)``: the exact Mitchell products (the value of
``mitchell.mul``) added one at a time in increasing k in the accumulator's
format, so results do not depend on the instruction set or the thread count.
See docs/matmul.md.
"""

import functools
import operator
import os

import numpy as np

from mitchell import _matmul
from mitchell._spec import FORMATS, VARIANTS

__all__ = ["matmul", "dot", "tensordot", "conv2d", "get_num_threads", "set_num_threads"]

# The operand types with a native loop; anything else is refused rather than
# silently computed in another format (NumPy would keep int64).
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_BYTES = (np.dtype(np.int8), np.dtype(np.uint8))
# The thin path of matmul: plain Mitchell products of two ndarrays of one of
# these types, with the loop signature the general path would choose.
_PLAIN_SIGNATURES = {d: (d, d, d) for d in _FLOATS}


def _low_precision_formats():
    """{dtype: FloatFormat} of the 16-bit float formats available here, whose
    products run through the float32 kernels (float16; bfloat16 with ml_dtypes)."""
    formats = {np.dtype(np.float16): FORMATS["float16"]}
    import sys

    ml_dtypes = sys.modules.get("ml_dtypes")  # whoever holds a bfloat16 array imported it
    if ml_dtypes is not None:
        formats[np.dtype(ml_dtypes.bfloat16)] = FORMATS["bfloat16"]
    return formats


def _gufunc(variant, fmt="float32"):
    """The matrix-product gufunc of a variant, products in format ``fmt``."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")
    try:
        return _matmul.GUFUNCS[variant, fmt]
    except KeyError:
        raise ValueError(f"variant {variant!r} has no matrix product "
                         f"(the iterative multiplier is elementwise only)") from None


_PLAIN = _gufunc("mitchell")  # the gufunc of matmul's thin path


def _default_threads():
    """MITCHELL_NUM_THREADS, else the CPUs this process may run on."""
    requested = os.environ.get("MITCHELL_NUM_THREADS", "").strip()
    if requested:
        try:
            n = int(requested)
        except ValueError:
            raise ValueError(f"MITCHELL_NUM_THREADS={requested!r} is not an integer") from None
        if n < 1:
            raise ValueError(f"MITCHELL_NUM_THREADS={requested!r} must be at least 1")
        return n
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def apply_thread_environment():
    """Set the thread count from MITCHELL_NUM_THREADS (else every CPU); mitchell's import calls it."""
    _matmul.set_num_threads(_default_threads())


def get_num_threads():
    """Number of threads ``matmul`` uses (``MITCHELL_NUM_THREADS`` at import, else all CPUs).

    Examples
    --------
    >>> import mitchell
    >>> mitchell.linalg.get_num_threads() >= 1
    True
    """
    return _matmul.get_num_threads()


def set_num_threads(n):
    """Set the number of threads of ``matmul``; returns the previous value.

    Results never depend on it: every output element is computed by one
    thread in a fixed order.

    Examples
    --------
    >>> import mitchell
    >>> old = mitchell.linalg.set_num_threads(1)
    >>> _ = mitchell.linalg.set_num_threads(old)
    """
    n = operator.index(n)
    if n < 1:
        raise ValueError(f"the thread count must be at least 1, got {n}")
    return _matmul.set_num_threads(n)


def _is_dask(x):
    return type(x).__module__.startswith("dask.")


def _loop_signature(a, b, acc_dtype):
    """The gufunc loop for these operands: refuse types without one."""
    da, db = a.dtype, b.dtype
    if da in _BYTES and db in _BYTES:
        if acc_dtype is not None and np.dtype(acc_dtype) != np.int32:
            raise TypeError("int8/uint8 operands accumulate in int32; acc_dtype must be None or int32")
        return None
    if (da in _FLOATS or da in _BYTES) and (db in _FLOATS or db in _BYTES):
        compute = np.result_type(da, db)
        if compute not in _FLOATS:  # float32 with... only floats and bytes reach here
            compute = np.dtype(np.float64)
        if acc_dtype is None or np.dtype(acc_dtype) == compute:
            return (compute, compute, compute)
        if compute == np.float32 and np.dtype(acc_dtype) == np.float64:
            return (compute, compute, np.dtype(np.float64))
        raise TypeError(f"acc_dtype={np.dtype(acc_dtype)} is not supported for {compute} products "
                        "(float32 products may accumulate in float64)")
    raise TypeError(
        f"mitchell.matmul supports float16, bfloat16, float32, float64, int8 and uint8 operands, "
        f"got {da} and {db}; convert them explicitly or pass dtype=")


def _shares_memory(out, a, b):
    """Whether out= (an array or a 1-tuple of one) may overlap operand a or b."""
    target = out[0] if isinstance(out, tuple) and len(out) == 1 else out
    if not isinstance(target, np.ndarray):
        return False
    return any(isinstance(x, np.ndarray) and np.may_share_memory(target, x) for x in (a, b))


def matmul(a, b, /, out=None, *, acc_dtype=None, dtype=None, variant="mitchell"):
    """Matrix product of two arrays with Mitchell's approximate products.

    Follows ``np.matmul``: 1-D operands are promoted to matrices and the
    added dimension removed afterwards, leading dimensions are broadcast as a
    stack of matrices, and shape mismatches raise the same ``ValueError``.

    Parameters
    ----------
    a, b : array_like
        float32, float64, int8 or uint8 operands (mixtures of floats and
        bytes are promoted as NumPy promotes them), or float16 / bfloat16
        ones (products in that format, see ``dtype``); other types raise
        ``TypeError``.  Dask arrays give a dask array (docs/scaling.md).
    out : ndarray, optional
        Where to put the result; it must have the result's shape.  It may be
        (or overlap) an operand: the product is then computed into a new
        array and copied in, as ``np.matmul`` does.
    acc_dtype : dtype, optional
        Accumulator format.  float32 products may accumulate in float64
        (``acc_dtype=np.float64``, the result is then float64).  Default: the
        products' format (float32 for float16 and bfloat16 products);
        int8/uint8 operands always accumulate in int32.
    dtype : dtype, optional
        The format of the products: both operands are converted to it first
        (``casting="same_kind"``, so float64 data rounds to float32).  By
        default the operands' common type, as NumPy promotes them.
    variant : str, optional
        The multiplier of every product, a key of ``mitchell.variants``
        (default ``"mitchell"``; the ``ilm`` variants are elementwise only).

    Returns
    -------
    ndarray
        ``sum_k mul(a[..., i, k], b[..., k, j])`` with the variant's ``mul``
        (for integers, its integer products before any saturation to 16
        bits).  float32/float64 results
        for float operands, int32 for int8/uint8 operands (int32 arithmetic
        wraps around as NumPy's does).

    Notes
    -----
    Every scalar product equals ``mitchell.mul`` of the two elements, so each
    is at most 1/9 below the exact product (never above it, for equal
    signs); the sum adds them with ordinary rounding, one at a time in
    increasing k, starting from +0.  Zeros give exact zeros, NaN and
    infinities propagate as through ``mitchell.mul`` followed by addition,
    and the floating-point exceptions of products and additions are
    reported as NumPy reports them for ``np.matmul``.  Integer operands use
    Mitchell's integer product, which for magnitudes below 256 equals the
    float product of the converted values.

    Examples
    --------
    >>> import numpy as np, mitchell
    >>> a = np.array([[1.5, 2.0], [3.0, 0.0]], dtype=np.float32)
    >>> b = np.array([[1.5, 1.0], [0.5, 4.0]], dtype=np.float32)
    >>> mitchell.matmul(a, b)   # Mitchell: 1.5 * 1.5 = 2, 3 * 1.5 = 4
    array([[3. , 9.5],
           [4. , 3. ]], dtype=float32)
    >>> mitchell.matmul(np.array([3, -5], np.int8), np.array([[3], [3]], np.int8))
    array([-6], dtype=int32)

    The integer products are 3 * 3 = 8 and -5 * 3 = -14.
    """
    # The C product reads its operands while it writes out=, so an out= that
    # shares memory with an operand gets a fresh result copied in, as np.matmul
    # does (NumPy's gufunc machinery does not copy overlapping core operands).
    if out is not None and _shares_memory(out, a, b):
        result = matmul(a, b, acc_dtype=acc_dtype, dtype=dtype, variant=variant)
        target = out[0] if isinstance(out, tuple) and len(out) == 1 else out
        if isinstance(target, np.ndarray) and target.shape == result.shape:
            np.copyto(target, result, casting="same_kind")
            return target
    # The common call, straight to the gufunc: what follows would choose the
    # same gufunc and signature, at a cost of several microseconds.
    if (type(a) is np.ndarray and type(b) is np.ndarray and dtype is None and acc_dtype is None
            and variant == "mitchell"):
        signature = _PLAIN_SIGNATURES.get(a.dtype)
        if signature is not None and b.dtype == a.dtype:
            if out is None:
                return _PLAIN(a, b, signature=signature)
            return _PLAIN(a, b, out=out, signature=signature)
    if _is_dask(a) or _is_dask(b):
        if out is not None:
            raise TypeError("out= is not supported for dask arrays")
        from mitchell import _dask

        return _dask.matmul(a, b, functools.partial(matmul, acc_dtype=acc_dtype, dtype=dtype,
                                                    variant=variant))
    gufunc = _gufunc(variant)
    a = np.asanyarray(a)
    b = np.asanyarray(b)
    low = _low_precision_formats()
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype not in _FLOATS and dtype not in low:
            raise TypeError(f"dtype={dtype} is not a product format of mitchell.matmul "
                            "(float16, bfloat16, float32 or float64)")
        a = a.astype(dtype, casting="same_kind", copy=False)
        b = b.astype(dtype, casting="same_kind", copy=False)
    if a.dtype in low or b.dtype in low:
        from mitchell import _matmul_low

        return _matmul_low.matmul(a, b, out, acc_dtype, variant, low)
    signature = _loop_signature(a, b, acc_dtype)
    if signature is None:
        return gufunc(a, b, out=out)
    return gufunc(a, b, out=out, signature=signature)


def tensordot(a, b, axes=2, *, dtype=None, variant="mitchell"):
    """Sum of Mitchell products over the given axes, as ``np.tensordot``.

    Parameters
    ----------
    a, b : array_like
        Operands (types as for ``matmul``).
    axes : int or (sequence of int, sequence of int)
        ``N``: the last N axes of ``a`` with the first N of ``b``; or the
        two lists of axes to contract, paired in order.
    dtype, variant : optional
        The products' format and multiplier, as for ``matmul``.

    Returns
    -------
    ndarray
        Shape: the free axes of ``a`` followed by the free axes of ``b``.

    Notes
    -----
    The contracted axes are flattened in C order into one ``matmul``
    contraction, so its summation order and error bound apply.

    Examples
    --------
    >>> import numpy as np, mitchell
    >>> a = np.ones((2, 3, 4), np.float32)
    >>> b = np.full((3, 4, 5), 1.5, np.float32)
    >>> mitchell.tensordot(a, b, axes=2).shape
    (2, 5)
    >>> float(mitchell.tensordot(a, b, axes=2)[0, 0])   # twelve exact products 1 * 1.5
    18.0
    """
    a = np.asanyarray(a)
    b = np.asanyarray(b)
    try:
        iter(axes)
    except TypeError:
        n = operator.index(axes)
        if n < 0:
            raise ValueError("axes must be a non-negative integer") from None
        axes_a = list(range(a.ndim - n, a.ndim))
        axes_b = list(range(n))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if np.ndim(axes_a) == 0 else list(axes_a)
        axes_b = [axes_b] if np.ndim(axes_b) == 0 else list(axes_b)
    if len(axes_a) != len(axes_b):
        raise ValueError("shape-mismatch for sum")
    axes_a = [operator.index(x) % a.ndim if a.ndim else x for x in axes_a]
    axes_b = [operator.index(x) % b.ndim if b.ndim else x for x in axes_b]
    for x, y in zip(axes_a, axes_b):
        if a.shape[x] != b.shape[y]:
            raise ValueError("shape-mismatch for sum")
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [i for i in range(b.ndim) if i not in axes_b]
    k = int(np.prod([a.shape[i] for i in axes_a], dtype=np.int64))
    a2 = a.transpose(free_a + axes_a).reshape(-1, k)
    b2 = b.transpose(axes_b + free_b).reshape(k, -1)
    result = matmul(a2, b2, dtype=dtype, variant=variant)
    return result.reshape([a.shape[i] for i in free_a] + [b.shape[i] for i in free_b])


def dot(a, b, out=None, *, dtype=None, variant="mitchell"):
    """Dot product with Mitchell products, as ``np.dot``.

    Parameters
    ----------
    a, b : array_like
        Operands (types as for ``matmul``).  A 0-d operand multiplies
        element-wise (``mitchell.mul``); 1-D and 2-D operands are as for
        ``matmul``; otherwise the last axis of ``a`` is contracted with the
        second-to-last of ``b`` (the last if ``b`` is 1-D).
    out : ndarray, optional
        Where to put the result (its shape must match).
    dtype, variant : optional
        The products' format and multiplier, as for ``matmul``.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import numpy as np, mitchell
    >>> float(mitchell.dot(np.array([1.5, 2.0]), np.array([1.5, 0.25])))
    2.5
    >>> float(mitchell.dot(np.array([1.5, 2.0]), np.array([1.5, 0.25]), variant="lmul"))
    2.65625
    """
    a = np.asanyarray(a)
    b = np.asanyarray(b)
    if a.ndim == 0 or b.ndim == 0:
        from mitchell import variants

        _gufunc(variant)  # the same refusals as the other products
        return variants[variant].mul(a, b, out=out, dtype=dtype)
    if a.ndim <= 2 and b.ndim <= 2:
        return matmul(a, b, out=out, dtype=dtype, variant=variant)
    result = tensordot(a, b, axes=([a.ndim - 1], [max(b.ndim - 2, 0)]), dtype=dtype, variant=variant)
    if out is None:
        return result
    if out.shape != result.shape:
        raise ValueError(f"output array has shape {out.shape}, expected {result.shape}")
    np.copyto(out, result, casting="same_kind")
    return out


def _pair(value, name):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return operator.index(value[0]), operator.index(value[1])
    v = operator.index(value)
    return v, v


def conv2d(x, w, bias=None, stride=1, padding=0, dilation=1, groups=1, *, dtype=None,
           variant="mitchell", acc_dtype=None):
    """2-D convolution (cross-correlation) of NCHW input with Mitchell products.

    Shapes and arguments as ``torch.nn.functional.conv2d``; computed as
    im2col followed by ``matmul``.

    Parameters
    ----------
    x : array_like
        Input, shape ``(N, C_in, H, W)`` (or ``(C_in, H, W)``).
    w : array_like
        Filters, shape ``(C_out, C_in / groups, kH, kW)``.
    bias : array_like, optional
        Shape ``(C_out,)``; added (ordinary addition) after the sums.
    stride, dilation : int or (int, int)
    padding : int, (int, int), "valid" or "same"
        Zero padding on both sides of H and W ("same" needs stride 1).
    groups : int
        ``C_in`` and ``C_out`` must be divisible by it.
    dtype : dtype, optional
        The format of the products (float16, bfloat16, float32, float64):
        both operands are converted to it first.  By default their common
        type, so float64 data with float32 weights computes float64
        products: pass ``dtype=np.float32`` for float32 ones.
    variant : str, optional
        The multiplier of every product, a key of ``mitchell.variants``.
    acc_dtype : dtype, optional
        The format of the sums, as for ``matmul``.

    Returns
    -------
    ndarray
        Shape ``(N, C_out, H_out, W_out)`` with
        ``H_out = (H + 2 pH - dH (kH - 1) - 1) // sH + 1`` (likewise W).

    Notes
    -----
    Each output element sums over (input channel, kernel row, kernel column)
    in C order with ``matmul``'s order and error bound; padded zeros
    contribute exact zeros.

    Examples
    --------
    >>> import numpy as np, mitchell
    >>> x = np.ones((1, 1, 4, 4), np.float32)
    >>> w = np.full((2, 1, 3, 3), 1.5, np.float32)
    >>> y = mitchell.conv2d(x, w, padding=1)
    >>> y.shape
    (1, 2, 4, 4)
    >>> float(y[0, 0, 0, 0]), float(y[0, 0, 1, 1])   # 4 and 9 products 1 * 1.5
    (6.0, 13.5)
    """
    x = np.asanyarray(x)
    w = np.asanyarray(w)
    batched = x.ndim == 4
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"conv2d expects x of shape (N, C, H, W) or (C, H, W) and w of shape "
                         f"(C_out, C_in/groups, kH, kW); got {x.shape} and {w.shape}")
    groups = operator.index(groups)
    n, c_in, h, wd = x.shape
    c_out, c_g, kh, kw = w.shape
    if groups < 1 or c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide C_in={c_in} and C_out={c_out}")
    if c_g != c_in // groups:
        raise ValueError(f"w has {c_g} input channels per group, expected C_in/groups = {c_in // groups}")
    sh, sw = _pair(stride, "stride")
    dh, dw = _pair(dilation, "dilation")
    if min(sh, sw, dh, dw) < 1:
        raise ValueError("stride and dilation must be positive")
    if isinstance(padding, str):
        if padding == "valid":
            ph = pw = (0, 0)
        elif padding == "same":
            if (sh, sw) != (1, 1):
                raise ValueError("padding='same' is not supported for strided convolutions")
            th, tw = dh * (kh - 1), dw * (kw - 1)
            ph, pw = (th // 2, th - th // 2), (tw // 2, tw - tw // 2)
        else:
            raise ValueError(f"padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    else:
        p0, p1 = _pair(padding, "padding")
        if min(p0, p1) < 0:
            raise ValueError("padding must be non-negative")
        ph, pw = (p0, p0), (p1, p1)
    xp = np.pad(x, ((0, 0), (0, 0), ph, pw))
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if xp.shape[2] < span_h or xp.shape[3] < span_w:
        raise ValueError(f"the (padded) input {xp.shape[2:]} is smaller than the kernel span "
                         f"{(span_h, span_w)}")
    windows = np.lib.stride_tricks.sliding_window_view(xp, (span_h, span_w), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dh, ::dw]          # (N, C, Ho, Wo, kH, kW)
    ho, wo = windows.shape[2], windows.shape[3]
    # columns: (N, G, Ho*Wo, C_g*kH*kW), contracted against (G, C_out/G, C_g*kH*kW)
    cols = windows.reshape(n, groups, c_g, ho, wo, kh, kw).transpose(0, 1, 3, 4, 2, 5, 6)
    cols = cols.reshape(n, groups, ho * wo, c_g * kh * kw)
    filters = w.reshape(groups, c_out // groups, c_g * kh * kw)
    # columns @ filters^T: the large operand is then read along its rows (the
    # Mitchell product commutes, so the values are those of filters @ columns^T)
    y = matmul(cols, np.swapaxes(filters, -1, -2)[None], dtype=dtype, variant=variant,
               acc_dtype=acc_dtype)                            # (N, G, Ho*Wo, C_out/G)
    y = np.swapaxes(y, -1, -2).reshape(n, c_out, ho, wo)
    if bias is not None:
        y = y + np.asarray(bias).reshape(1, c_out, 1, 1).astype(y.dtype, copy=False)
    return y if batched else y[0]
