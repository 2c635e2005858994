"""The product table of an 8-bit integer type, for LUT-based multiplier emulators."""

import numpy as np


def lut(dtype):
    """Mitchell products of every pair of 8-bit integers, as a 256 x 256 table.

    Approximate-multiplier emulators (TFApprox, AdaPT and similar) take a
    multiplier as a lookup table indexed by the operands' 8-bit patterns;
    this is mitchell's, so its multiplier can be fed to those tools.

    Parameters
    ----------
    dtype : {np.int8, np.uint8}
        The operand type.

    Returns
    -------
    table : ndarray, shape (256, 256), dtype int16 (for int8) or uint16
        ``table[i, j] == mitchell.mul(x, y)`` where ``x`` and ``y`` are the
        values whose bit patterns are ``i`` and ``j``: for uint8 the values
        themselves, for int8 the two's-complement patterns (``i = x & 0xFF``,
        so rows 128-255 hold -128 ... -1).  Index with
        ``table[a.view(np.uint8), b.view(np.uint8)]``; ``table.ravel()`` is
        the row-major ``(a << 8) | b`` layout of a flat 65536-entry table.

    Raises
    ------
    ValueError
        For any dtype other than int8 and uint8.

    Notes
    -----
    Every entry is Mitchell's integer product (see ``mitchell.mul``): exact
    when an operand is zero or a power of two, otherwise at most 1/9 below
    the true product, never above it.  The output type is twice as wide, so
    no entry wraps.

    Examples
    --------
    >>> import numpy as np
    >>> import mitchell
    >>> table = mitchell.lut(np.int8)
    >>> table.shape, table.dtype
    ((256, 256), dtype('int16'))
    >>> int(table[3, 3]), int(table[np.uint8(-3 & 0xFF), 5])
    (8, -14)
    >>> a, b = np.int8([3, -3, 127]), np.int8([3, 5, 127])
    >>> bool(np.array_equal(table[a.view(np.uint8), b.view(np.uint8)], mitchell.mul(a, b)))
    True
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.int8), np.dtype(np.uint8)):
        raise ValueError(f"lut needs an 8-bit integer dtype (int8 or uint8), got {dtype}")
    import mitchell

    values = np.arange(256, dtype=np.uint8).view(dtype)
    return mitchell.mul(values[:, None], values[None, :])
