"""``python -m mitchell demo``: Mitchell products and quotients beside the exact ones."""

import numpy as np

import mitchell

# (x, y, why the pair is shown)
MUL_PAIRS = [
    (1.5, 1.5, "the worst case: f1 = f2 = 1/2"),
    (3.0, 5.0, "3 = 2(1+1/2), 5 = 4(1+1/4): fractions add below 1"),
    (-2.0, 0.75, "a power of two is exact"),
    (1.75, 1.75, "fractions add past 1: carry into the exponent"),
    (0.1, 10.0, ""),
    (1e-40, 1e30, "subnormal operand, normalised exactly"),
]
DIV_PAIRS = [
    (1.0, 1.5, "the worst case: f1 = 0, f2 = 1/2"),
    (3.0, 5.0, "fractions 1/2 - 1/4: no borrow"),
    (-14.0, 5.0, "fractions 3/4 - 1/4"),
    (1.25, 1.75, "fractions 1/4 - 3/4: borrow from the exponent"),
    (7.0, 7.0, "x / x is exactly 1"),
    (1e-40, 1e-30, "subnormal dividend, normalised exactly"),
]


def add_arguments(parser):
    parser.add_argument("--dtype", default="float32", choices=["float16", "float32", "float64"],
                        help="floating-point format of the operands (default float32)")


def _rows(pairs, op, exact_op, dtype):
    tiny = np.finfo(dtype).tiny
    for x, y, why in pairs:
        a, b = dtype.type(x), dtype.type(y)
        with np.errstate(all="ignore"):
            approx = op(a, b)
            exact = exact_op(np.float64(a), np.float64(b))
        if a == 0 or b == 0 or not tiny <= abs(exact) <= np.finfo(dtype).max:
            continue  # the operand or the result is outside this format's normal range
        rel = (float(approx) - exact) / exact
        yield a, b, approx, exact, rel, why


def run(args):
    dtype = np.dtype(args.dtype)
    if mitchell.backend == "c":
        backend = f"C, {mitchell.isa()}"
    else:
        backend = mitchell.backend
    print(f"Mitchell arithmetic on {dtype.name}: one integer addition of bit patterns, "
          f"no multiplier (backend: {backend})\n")
    for title, pairs, op, exact_op, sym in [("mul", MUL_PAIRS, mitchell.mul, np.multiply, "*"),
                                            ("div", DIV_PAIRS, mitchell.div, np.divide, "/")]:
        print(f"{title}:")
        print(f"  {'x ' + sym + ' y':>24} {'mitchell':>14} {'exact':>14} {'rel. error':>11}")
        for a, b, approx, exact, rel, why in _rows(pairs, op, exact_op, dtype):
            note = f"  {why}" if why else ""
            print(f"  {f'{a:.6g} {sym} {b:.6g}':>24} {float(approx):>14.7g} {exact:>14.7g} "
                  f"{rel:>+11.4%}{note}")
        print()
    print("Bounds: mul is never above the exact product and at most 1/9 = 11.11% below it;\n"
          "div is never below the exact quotient and at most 1/8 = 12.5% above it.\n"
          "1.5 * 1.5 -> 2.0 attains the 1/9: (2.25 - 2) / 2.25 = 0.1111...")
    return 0
