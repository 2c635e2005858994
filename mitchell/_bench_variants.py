"""The variants' speed next to plain Mitchell and NumPy (``python -m mitchell bench``).

Elementwise: every variant's float32 (and float16) ``mul``/``div`` timed in
turn with plain ``mitchell.mul``/``div`` and the exact NumPy operation on the
same arrays; matrix products: ``mitchell.matmul(variant=...)`` against plain
Mitchell's on one thread.  Ratios are throughput relative to the variant
(> 1: the variant is faster); medians of interleaved runs.
"""

import numpy as np

import mitchell
from mitchell._bench import ZERO_FRACTION, interleaved, interleaved_medians, make_operands

ELEMENTWISE_SIZES = {"64K": 1 << 16, "1M": 1 << 20}
MATMUL_SIZE = 512


def _elementwise(op, dtype, n, budget):
    a, b = make_operands(dtype, n)
    plain = getattr(mitchell, op)
    exact = np.multiply if op == "mul" else np.divide
    impls = {"mitchell": lambda x, y, out: plain(x, y, out=out),
             "numpy": lambda x, y, out: exact(x, y, out=out)}
    for name, variant in mitchell.variants.items():
        ufunc = getattr(variant, op)
        if name != "mitchell" and ufunc is not None and any(t.startswith(np.dtype(dtype).char * 2)
                                                            for t in ufunc.types):
            impls[name] = (lambda f: lambda x, y, out: f(x, y, out=out))(ufunc)
    return interleaved_medians(impls, a, b, budget)


def _matmul(budget, size=MATMUL_SIZE):
    from mitchell._bench_matmul import operands

    a, b = operands((size, size, size))
    names = [n for n, v in mitchell.variants.items() if v.kind != "iterative"]
    calls = {n: (lambda name: lambda: mitchell.matmul(a, b, variant=name))(n) for n in names}
    previous = mitchell.linalg.set_num_threads(1)
    try:
        return interleaved(calls, rounds=3, budget=budget * len(names), max_rounds=50)
    finally:
        mitchell.linalg.set_num_threads(previous)


def run(budget, sizes=None, matmul_size=MATMUL_SIZE):
    """Print the variant tables; `budget` is seconds per implementation and case,
    `sizes` {name: length} of the elementwise table (default 64K and 1M)."""
    sizes = ELEMENTWISE_SIZES if sizes is None else sizes
    print("\nvariants, elementwise: throughput relative to plain Mitchell and to NumPy "
          f"(>1: the variant is faster); a with {ZERO_FRACTION:.0%} zeros, b dense")
    print(f"{'op':4} {'dtype':8} {'n':>4} {'variant':9} {'ns/elem':>8} {'vs mitchell':>12} {'vs numpy':>9}")
    for op in ["mul", "div"]:
        for dtype in ["float32", "float16"]:
            for size, n in sizes.items():
                med = _elementwise(op, dtype, n, budget)
                for name, seconds in med.items():
                    if name in ("mitchell", "numpy"):
                        continue
                    print(f"{op:4} {dtype:8} {size:>4} {name:9} {seconds / n * 1e9:>8.3f} "
                          f"{med['mitchell'] / seconds:>11.2f}x {med['numpy'] / seconds:>8.2f}x",
                          flush=True)
    med = _matmul(budget * 10, matmul_size)
    flops = 2 * matmul_size ** 3
    print(f"\nvariants, matmul float32 {matmul_size}^3 on one thread: throughput relative to plain Mitchell")
    for name, seconds in med.items():
        print(f"{name:9} {seconds * 1e3:8.2f} ms {flops / seconds / 1e9:7.1f} GFLOP/s "
              f"{med['mitchell'] / seconds:6.2f}x", flush=True)
