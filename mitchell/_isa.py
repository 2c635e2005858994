"""The one switch of the instruction set, for the elementwise loops and the
matrix product alike (csrc/isa.c is the one CPU probe behind both).

``MITCHELL_ISA`` (``baseline``, ``avx2``, ``avx512``) chooses it at import;
:func:`set_isa` at run time.  The switch is atomic in C: a loop running on
another thread sees either the old or the new set of loops, never a mix.
"""

import os
import warnings

ENVIRONMENT = "MITCHELL_ISA"


def _modules():
    from mitchell import _matmul, _ufuncs

    return _ufuncs, _matmul


def names():
    """Every instruction set mitchell has code for, in increasing order."""
    from mitchell import _ufuncs

    return _ufuncs.ISA_NAMES


def available():
    """The instruction sets this build can use on this CPU, in increasing order."""
    from mitchell import _ufuncs

    return tuple(n for i, n in enumerate(_ufuncs.ISA_NAMES) if _ufuncs.isa_supported(i))


def active():
    """The instruction set in use."""
    from mitchell import _ufuncs

    return _ufuncs.ISA_NAMES[_ufuncs.active_isa()]


def set_isa(name=None):
    """Use the vector code of one instruction set, or the best one (``None``).

    Parameters
    ----------
    name : {None, "baseline", "avx2", "avx512"}
        ``baseline`` is the portable C every machine runs.

    Returns
    -------
    str
        The instruction set now in use.

    Raises
    ------
    ValueError
        If ``name`` is unknown or this CPU (or build) does not have it; the
        instruction set in use is then unchanged.

    Examples
    --------
    >>> import mitchell
    >>> previous = mitchell.isa()
    >>> mitchell.set_isa("baseline")
    'baseline'
    >>> _ = mitchell.set_isa(previous)
    """
    ufuncs, matmul = _modules()
    if name is None:
        name = available()[-1]
    if name not in ufuncs.ISA_NAMES:
        raise ValueError(f"unknown instruction set {name!r}; expected one of {', '.join(ufuncs.ISA_NAMES)}")
    if name not in available():
        raise ValueError(f"instruction set {name!r} is not available here "
                         f"(available: {', '.join(available())})")
    index = ufuncs.ISA_NAMES.index(name)
    ufuncs.select_isa(index)
    matmul.select_isa(index)
    return name


def apply_environment():
    """Choose the instruction set named by MITCHELL_ISA (warn and use the best if unavailable)."""
    requested = os.environ.get(ENVIRONMENT, "").strip().lower()
    try:
        set_isa(requested or None)
    except ValueError as error:
        warnings.warn(f"{ENVIRONMENT}={requested!r}: {error}; using {set_isa(None)!r}.",
                      RuntimeWarning, stacklevel=3)
