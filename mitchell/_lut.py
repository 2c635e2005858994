"""The product table of an 8-bit integer type, for LUT-based multiplier emulators.

``lut`` builds the table; ``write_lut`` writes it in the file format of an
emulator, whose formats are in ``mitchell._lut_writers``.
"""

import os

import numpy as np

from mitchell import _lut_writers


def variant_mul(variant):
    """The ``mul`` ufunc of the variant named ``variant``.

    ``"mitchell"`` is ``mitchell.mul``; any other name is looked up in
    ``mitchell.variants`` (where that mapping exists).  An unknown name raises
    ValueError listing the known ones.
    """
    import mitchell

    if variant == "mitchell":
        return mitchell.mul
    variants = getattr(mitchell, "variants", {})
    if variant not in variants:
        known = ["mitchell"] + [name for name in variants if name != "mitchell"]
        raise ValueError(f"unknown variant {variant!r}; known variants: {', '.join(known)}")
    mul = variants[variant].mul
    if mul is None:
        raise ValueError(f"variant {variant!r} has no multiplication")
    return mul


def lut(dtype, variant="mitchell"):
    """Mitchell products of every pair of 8-bit integers, as a 256 x 256 table.

    Approximate-multiplier emulators (TorchApprox, AdaPT, TFApprox,
    ApproxTorch) take a multiplier as a lookup table indexed by the operands'
    8-bit patterns; this is mitchell's, so its multiplier can be fed to those
    tools.  ``mitchell.write_lut`` writes it in each tool's file format
    (docs/lut.md).

    Parameters
    ----------
    dtype : {np.int8, np.uint8}
        The operand type.
    variant : str, optional
        The multiplier: ``"mitchell"`` (the default, ``mitchell.mul``) or
        the name of one of ``mitchell.variants``, whose ``mul`` is used.

    Returns
    -------
    table : ndarray, shape (256, 256), dtype int16 (for int8) or uint16
        ``table[i, j] == mul(x, y)`` where ``x`` and ``y`` are the values
        whose bit patterns are ``i`` and ``j``: for uint8 the values
        themselves, for int8 the two's-complement patterns (``i = x & 0xFF``,
        so rows 128-255 hold -128 ... -1).  The first operand indexes the
        rows.  Index with ``table[a.view(np.uint8), b.view(np.uint8)]``;
        ``table.ravel()`` is the row-major ``(a << 8) | b`` layout of a flat
        65536-entry table.  The output type is the variant's (``mul``
        widens: int16 for int8, uint16 for uint8); a product beyond it is
        saturated by the variant's ``mul``, which raises its overflow
        warning (``np.errstate`` controls it).

    Raises
    ------
    ValueError
        For any dtype other than int8 and uint8, for an unknown variant
        (the message lists the known ones), and for a variant without a loop
        for ``dtype``.

    Notes
    -----
    Every entry of the default table is Mitchell's integer product (see
    ``mitchell.mul``): exact when an operand is zero or a power of two,
    otherwise at most 1/9 below the true product, never above it.  The output
    type is twice as wide, so no entry wraps.

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
    >>> bool(np.array_equal(mitchell.lut(np.uint8, variant="mitchell"), mitchell.lut(np.uint8)))
    True
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.int8), np.dtype(np.uint8)):
        raise ValueError(f"lut needs an 8-bit integer dtype (int8 or uint8), got {dtype}")
    mul = variant_mul(variant)
    values = np.arange(256, dtype=np.uint8).view(dtype)
    try:
        return mul(values[:, None], values[None, :])
    except TypeError as error:  # no loop for this dtype (e.g. a float-only variant)
        raise ValueError(f"variant {variant!r} has no {dtype} multiplication: {error}") from error



def write_lut(path, tool, dtype=np.int8, variant="mitchell"):
    """Write the product table in the file format an approximate-multiplier emulator reads.

    The table is ``lut(dtype, variant)``; each tool's layout (file type,
    index order, entry type, byte order) follows the tool's own loader
    (docs/lut.md, which cites each one):

    ``"torchapprox"``
        TorchApprox: a ``.npy`` file of the 256 x 256 int16 array its
        ``LUTGeMM.lut`` takes (``layer.approx_op.lut = np.load(path)``),
        indexed by the operands' bit patterns (two's-complement order for
        int8: 0 ... 127, -128 ... -1).
    ``"adapt"``
        AdaPT: a C header ``const int16_t lut[256][256] = {...};``, indexed by
        ``(uint8_t)`` casts of the int8 operands.  Save it as
        ``adapt/cpu-kernels/axx_mults/NAME.h`` and pass ``axx_mult='NAME'``
        to AdaPT's layers.  int8 only.
    ``"tfapprox"``
        TFApprox: the raw binary ``mul_map_file``, 65,536 little-endian
        uint16 entries, entry ``(a << 8) | b`` the product of the unsigned
        operands ``a`` (input) and ``b`` (filter).  uint8 only.
    ``"approxtorch"``
        ApproxTorch: a text file of 256 lines of 256 tab-separated integers,
        rows ``a`` and columns ``b`` both -128 ... 127, read by its
        ``load_lut`` as the flat table with entry ``(a+128)*256 + (b+128)``.
        int8 only.

    In every format the first operand of ``mul`` indexes the rows (the
    activation, or input, in each tool).

    Parameters
    ----------
    path : str or os.PathLike
        The file to write, exactly this name (no suffix is added).
    tool : {"torchapprox", "adapt", "tfapprox", "approxtorch"}
        The emulator whose format to write (case-insensitive).
    dtype : {np.int8, np.uint8}, optional
        The operand type; each tool reads the types listed above.
    variant : str, optional
        ``"mitchell"`` (``mitchell.mul``, the default) or a name in
        ``mitchell.variants``; see ``lut``.

    Raises
    ------
    ValueError
        For an unknown tool or variant, an operand type the tool does not
        read, products that do not fit the tool's entry type (uint8
        Mitchell products reach 65,024, beyond TorchApprox's int16), or
        products the variant's ``mul`` saturates (its overflow flag: the
        entry would not be the product).  Every check runs before the file
        is opened: on error nothing is written and an existing file is left
        as it was.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import mitchell
    >>> path = os.path.join(tempfile.mkdtemp(), "mitchell.bin")
    >>> mitchell.write_lut(path, "tfapprox", dtype=np.uint8)
    >>> flat = np.fromfile(path, dtype="<u2")    # TFApprox reads it this way
    >>> int(flat[(200 << 8) | 100]), int(mitchell.mul(np.uint8(200), np.uint8(100)))
    (18432, 18432)
    >>> mitchell.write_lut(path, "adapt", dtype=np.uint8)
    Traceback (most recent call last):
    ...
    ValueError: AdaPT reads int8 operands only, not uint8; use dtype=np.int8
    """
    fmt = _lut_writers.format_for(tool, dtype)
    with np.errstate(over="raise"):  # a product mul saturated is not the variant's product
        try:
            table = lut(dtype, variant)
        except FloatingPointError as error:
            raise ValueError(
                f"some {variant} products of {np.dtype(dtype).name} operands overflow the "
                f"type mul returns (it saturates them), so no {fmt.title} table can hold "
                f"them; nothing was written") from error
    note = (f"mitchell {_version()}: lut[a][b] = {variant} product of {np.dtype(dtype).name} "
            f"operands a, b, written by mitchell.write_lut").replace("*/", "* /")
    data = _lut_writers.encode(fmt, table, note)
    with open(os.fspath(path), "wb") as file:
        file.write(data)


def _version():
    import mitchell

    return mitchell.__version__
