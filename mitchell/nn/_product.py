"""The one place where ``mitchell.nn`` multiplies: every matrix product and
convolution, forward and backward, calls :func:`product` with a mode.

Modes: ``"exact"`` (``np.matmul``, ordinary float products), ``"mitchell"``
(``mitchell.matmul``) and any other name of ``mitchell.variants``
(``mitchell.matmul(a, b, variant=name)``).  int8 operands accumulate in int32
in every mode (``"exact"`` then multiplies exactly in int32).
"""

import numpy as np

import mitchell

__all__ = ["modes", "check_mode", "product"]

_BYTES = (np.dtype(np.int8), np.dtype(np.uint8))


_HAS_MATMUL = {}   # (name, mitchell.matmul) -> whether matmul accepts variant=name


def _has_matmul(name):
    """Whether ``mitchell.matmul`` computes products of variant ``name`` (some are elementwise only)."""
    key = (name, mitchell.matmul)
    if key not in _HAS_MATMUL:
        one = np.ones((1, 1), np.float32)
        try:
            mitchell.matmul(one, one, variant=name)
        except (ValueError, TypeError):
            _HAS_MATMUL[key] = False
        else:
            _HAS_MATMUL[key] = True
    return _HAS_MATMUL[key]


def _variants():
    """The variant names ``mitchell.matmul`` accepts (``"mitchell"`` at least)."""
    names = [n for n in getattr(mitchell, "variants", {"mitchell": None}) if n == "mitchell" or _has_matmul(n)]
    if "mitchell" not in names:
        names.insert(0, "mitchell")
    return names


def modes():
    """The product modes available here: ``"exact"`` and the variant names.

    Returns
    -------
    tuple of str
        ``("exact", "mitchell", ...)``: the names of ``mitchell.variants``
        whose matrix product ``mitchell.matmul`` computes (variants that are
        elementwise only are left out).  The int8 modes of the layers are
        ``"int8-" + mode`` for each of these.

    Examples
    --------
    >>> from mitchell import nn
    >>> nn.modes()[:2]
    ('exact', 'mitchell')
    """
    return ("exact", *_variants())


def check_mode(mode):
    """Return ``mode`` if it is a product mode, else raise a ``ValueError`` listing them."""
    if mode in ("exact", "mitchell"):
        return mode
    if not isinstance(mode, str) or mode not in modes():
        raise ValueError(f"unknown product mode {mode!r}; valid modes: {', '.join(modes())}"
                         + ("" if not (isinstance(mode, str) and mode.startswith("int8-")) else
                            " (int8 modes belong to the layers: quantise the operands to int8 and "
                            "pass the variant's name here)"))
    return mode


def product(a, b, mode):
    """``np.matmul(a, b)`` with every scalar product computed in ``mode``.

    Parameters
    ----------
    a, b : ndarray
        Operands with ``np.matmul`` semantics (float32, float64, int8 or
        uint8 for the Mitchell modes).
    mode : str
        One of :func:`modes`.

    Returns
    -------
    ndarray
        int32 for int8/uint8 operands in every mode.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell.nn._product import product
    >>> a = np.float32([[1.5, 3.0]]); b = np.float32([[1.5], [1.0]])
    >>> product(a, b, "exact"), product(a, b, "mitchell")   # 2.25 + 3 and 2 + 3
    (array([[5.25]], dtype=float32), array([[5.]], dtype=float32))
    """
    check_mode(mode)
    if mode == "exact":
        if a.dtype in _BYTES and b.dtype in _BYTES:
            return np.matmul(a.astype(np.int32), b.astype(np.int32))
        return np.matmul(a, b)
    if mode == "mitchell":
        return mitchell.matmul(a, b)
    return mitchell.matmul(a, b, variant=mode)
