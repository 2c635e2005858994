"""mitchell: Mitchell's multiplication-free approximate arithmetic as NumPy ufuncs.

``mitchell.mul`` and ``mitchell.div`` are genuine ``numpy.ufunc`` objects whose
inner loops are C kernels on the IEEE-754 bit patterns (one integer addition
per product).  The contract they follow is docs/semantics.md.

Backends: the C extension by default; the numba ufuncs of ``mitchell.numba``
(bit for bit the same results) when the environment variable
``MITCHELL_BACKEND=numba`` is set or the C extension cannot be imported.
``mitchell.backend`` names the active one (``"c"`` or ``"numba"``).

``mitchell.variants`` maps every approximate multiplier of the family
(``"lmul"``, ``"biasfree"``, ``"minimax"``, ``"realm"``, ``"ilm1"``, ...) to
its ufuncs, definition, citation and certified error figures;
``mitchell.lmul`` is ``mitchell.variants["lmul"].mul``.

The environment variable ``MITCHELL_ISA`` (``baseline``, ``avx2``,
``avx512``) or ``mitchell.set_isa`` forces the instruction set of the C loops
and of the matrix product; by default the best one this CPU supports is used.

When ``ml_dtypes`` is installed, the ufuncs also have loops for its
``bfloat16``, ``float8_e4m3fn`` and ``float8_e5m2``, added when ml_dtypes is
imported (``import mitchell`` does not import it: that takes most of a second).
"""

import os as _os

from mitchell import _variants
from mitchell._lut import lut, write_lut

__version__ = "0.1.0"


def _load_c():
    from mitchell import _isa, _ufuncs

    _isa.apply_environment()
    return _ufuncs


def _load_numba():
    import mitchell.numba

    return mitchell.numba


def _select_backend(requested):
    """(name, module with mul and div) of the backend to use."""
    if requested not in ("", "c", "numba"):
        raise ImportError(f"MITCHELL_BACKEND={requested!r}: expected 'c' or 'numba'")
    if requested == "numba":
        return "numba", _load_numba()
    try:
        return "c", _load_c()
    except ImportError as c_error:
        if requested == "c":
            raise
        try:
            return "numba", _load_numba()
        except ImportError as numba_error:
            raise ImportError(
                "mitchell needs either its compiled C extension or numba. Install the "
                "package with `pip install .` (a C compiler is needed), or install the "
                "numba backend with `pip install 'mitchell[numba]'`.\n"
                f"C extension: {c_error}\nnumba: {numba_error}"
            ) from c_error


backend, _backend_module = _select_backend(_os.environ.get("MITCHELL_BACKEND", "").strip().lower())
mul = _backend_module.mul
div = _backend_module.div
variants = _variants.build(_backend_module.variant_ufunc)

__all__ = ["mul", "div", "lmul", "variants", "lut", "write_lut", "backend", "__version__"]

if backend == "c":
    from mitchell._isa import active as isa, available as isa_available, set_isa

    __all__ += ["isa", "isa_available", "set_isa"]

try:  # after the ufuncs: dot calls mitchell.mul
    from mitchell import linalg
except ImportError:
    if backend == "c":
        raise
    # the numba fallback, without the compiled extensions, has no matmul family
else:
    linalg.apply_thread_environment()
    from mitchell.linalg import conv2d, dot, matmul, tensordot

    __all__ += ["matmul", "dot", "tensordot", "conv2d", "linalg"]


def __getattr__(name):
    # a shortcut, resolved on use: the numba backend compiles ufuncs on first use
    if name == "lmul":
        return variants["lmul"].mul
    raise AttributeError(f"module 'mitchell' has no attribute {name!r}")
