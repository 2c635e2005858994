"""mitchell: Mitchell's multiplication-free approximate arithmetic as NumPy ufuncs.

``mitchell.mul`` and ``mitchell.div`` are genuine ``numpy.ufunc`` objects whose
inner loops are C kernels on the IEEE-754 bit patterns (one integer addition
per product).  The contract they follow is docs/semantics.md.

The environment variable ``MITCHELL_SIMD`` (``baseline``, ``avx2``,
``avx512``) forces the instruction set of the contiguous loops; by default the
best one this CPU supports is used.
"""

import os as _os
import warnings as _warnings

try:
    from mitchell import _ufuncs
except ImportError as exc:  # pragma: no cover - exercised only on broken installs
    raise ImportError(
        "mitchell's compiled extension could not be imported. Install the package "
        "with `pip install .` (a C compiler is needed) rather than importing it "
        f"from a source checkout. Original error: {exc}"
    ) from exc

__version__ = "0.1.0"

mul = _ufuncs.mul
div = _ufuncs.div

if not _ufuncs.select_simd(_os.environ.get("MITCHELL_SIMD", "")):
    _warnings.warn(
        f"MITCHELL_SIMD={_os.environ['MITCHELL_SIMD']!r} is not available here "
        f"(available: {', '.join(_ufuncs.simd_available())}); using "
        f"{_ufuncs.simd_active()!r}.",
        RuntimeWarning,
        stacklevel=2,
    )

from mitchell import linalg  # noqa: E402  (after the ufuncs: dot calls mitchell.mul)
from mitchell.linalg import conv2d, dot, matmul, tensordot  # noqa: E402

__all__ = ["mul", "div", "matmul", "dot", "tensordot", "conv2d", "linalg", "__version__"]
