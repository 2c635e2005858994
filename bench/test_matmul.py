"""Matrix-product speed: float32 mitchell.matmul beside np.matmul (OpenBLAS sgemm).

Run with ``pytest bench/test_matmul.py --benchmark-only`` (under a minute).
Each group, e.g. ``matmul 1024^3 1 thread``, holds ``mitchell``
(``mitchell.matmul``) and ``numpy`` (``np.matmul``) on the same operands,
both on one thread: mitchell's through ``mitchell.linalg.set_num_threads``,
OpenBLAS's through threadpoolctl (``pip install 'mitchell[bench]'``; without
it the ``numpy`` cases are skipped, since OpenBLAS would use every CPU).
Compare the medians within a group; ``python -m mitchell bench --sections
matmul`` prints the same comparison as ratios, at two threads too.  For
OpenBLAS at its best, run with ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE``
unset (``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE pytest ...``).
Not collected by the test suite (testpaths = tests).
"""

import functools

import numpy as np
import pytest

import mitchell
from mitchell._bench_matmul import (blas_threads, mitchell_threads, operands, parse_shape,
                                    shape_name, threadpoolctl)

SHAPES = ["256", "1024", "32x64x128", "128x32x10"]  # N^3 or (M, K) @ (K, N)
IMPLS = {"mitchell": mitchell.matmul, "numpy": np.matmul}

CASES = [(shape, impl) for shape in SHAPES for impl in IMPLS]


@functools.lru_cache(maxsize=1)
def cached_operands(shape):
    return operands(shape)


@pytest.mark.parametrize("shape, impl", CASES, ids=[f"{s} {i}" for s, i in CASES])
def test_matmul_one_thread(benchmark, shape, impl):
    if impl == "numpy" and threadpoolctl() is None:
        pytest.skip("threadpoolctl is needed to hold OpenBLAS to one thread "
                    "(pip install 'mitchell[bench]')")
    dims = parse_shape(shape)
    a, b = cached_operands(dims)
    benchmark.group = f"matmul {shape_name(dims)} 1 thread"
    benchmark.extra_info["GFLOP"] = 2 * np.prod(dims, dtype=float) / 1e9
    with mitchell_threads(1), blas_threads(1):
        benchmark(IMPLS[impl], a, b)
