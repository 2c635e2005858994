"""Elementwise speed: mitchell.mul/div beside the operations they replace.

Run with ``pytest bench/ --benchmark-only`` (a few minutes).  Each group,
e.g. ``mul float32 1M dense`` or ``mul float32 1M zeros``, holds on the same
arrays (``b`` dense; ``a`` dense, or with 20% zeros like a ReLU output):
``mitchell`` (the C ufunc), ``numpy`` (np.multiply or np.divide, the exact
operation), ``numba`` (mitchell.numba, when numba and that backend are
installed) and, in the dense groups, ``emulation`` (the pure-NumPy Mitchell of
bench/emulation.py, the naive baseline).  Compare the medians within a group;
``python -m mitchell bench`` prints the same comparison as ratios.
Not collected by the test suite (testpaths = tests).
"""

import functools

import numpy as np
import pytest

from mitchell._bench import SIZES, ZERO_FRACTION, implementations, make_operands

DTYPES = ["float16", "float32", "float64"]
IMPLS = ["mitchell", "numpy", "numba", "emulation"]
DATA = {"dense": 0.0, "zeros": ZERO_FRACTION}

# dtype, size and data vary slowest so that one pair of arrays serves a whole
# group; the emulation's time hardly depends on zeros (np.where on every
# element), so it runs on the dense operands only
CASES = [(op, dtype, size, data, impl)
         for dtype in DTYPES for size in SIZES for data in DATA for op in ["mul", "div"]
         for impl in IMPLS if not (impl == "emulation" and data == "zeros")]


@functools.lru_cache(maxsize=1)
def operands(dtype, n, data):
    return make_operands(dtype, n, zero_fraction=DATA[data])


@pytest.mark.parametrize("op, dtype, size, data, impl", CASES,
                         ids=[" ".join(case) for case in CASES])
def test_elementwise(benchmark, op, dtype, size, data, impl):
    if impl == "numba":
        pytest.importorskip("mitchell.numba")
    n = SIZES[size]
    a, b = operands(dtype, n, data)
    fn = implementations(op, n=np.inf if impl == "emulation" else 0)[impl]
    out = np.empty_like(a)
    benchmark.group = f"{op} {dtype} {size} {data}"
    benchmark.extra_info["elements"] = n
    rounds = max(5, min(200, (1 << 24) // n))
    with np.errstate(all="ignore"):
        benchmark.pedantic(fn, args=(a, b, out), rounds=rounds, warmup_rounds=1)
