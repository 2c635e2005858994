"""Every variant of ``mitchell.variants``, on both backends, against the oracle.

Expected values come from ``mitchell.reference``, whose constant tables
(``KAPPA``, ``REALM_TABLE``) are transcribed from docs/semantics.md ("Variants")
independently of ``mitchell/_spec.py`` and the C.  Every float format and
integer type a variant has a loop for is compared bit for bit (NaNs included)
and by floating-point flags: random bit patterns, results aimed at the
overflow and underflow thresholds and at carries (and borrows) into one and two
binades, subnormal operands, all pairs of an edge-value table, all 256 x 256
pairs of the 8-bit formats and of int8/uint8; on every instruction set, through
the contiguous, stride-0 (scalar broadcast), strided and out=-aliasing paths
and at lengths around the vector widths.  The numba backend gets the same
comparisons once (it has no instruction-set switch); compiling its ufuncs is
the expensive part, so each is compiled once per session.

The flags are compared per group: the pairs whose oracle flags are one set S
go through the ufunc together and must raise exactly S (an empty S: nothing).
"""

import functools

import numpy as np
import pytest

import mitchell
from mitchell import _isa, _ufuncs, reference

from fpflags import raised_flags

ML_FORMATS = ("bfloat16", "float8_e4m3fn", "float8_e5m2")
FLOAT_FORMATS = ("float16", "bfloat16", "float32", "float64", "float8_e4m3fn", "float8_e5m2")
INT_TYPES = ("int8", "uint8", "int16", "uint16", "int32", "uint32")
ILM = ("ilm0", "ilm1", "ilm2", "ilm3")

try:
    import numba  # noqa: F401
except ImportError:
    HAVE_NUMBA = False
else:
    HAVE_NUMBA = True


def documented_float_cases():
    """(variant, op, format) that semantics.md defines: the kappa table and realm's formats."""
    cases = [(v, op, f) for (v, op), per_format in reference.KAPPA.items() for f in per_format]
    cases += [("realm", "mul", f) for f in reference.REALM_FORMATS]
    return sorted(cases, key=lambda c: (reference.VARIANTS.index(c[0]), c[1], FLOAT_FORMATS.index(c[2])))


FLOAT_CASES = documented_float_cases()
INT_CASES = ([(v, "mul", t) for v in reference.VARIANTS for t in INT_TYPES]
             + [("mitchell", "mul", t) for t in ("int64", "uint64")]
             + [(v, "div", t) for v in ("mitchell", "biasfree", "minimax") for t in INT_TYPES])


def case_id(case):
    return "-".join(case)


def float_dtype(name):
    if name in ML_FORMATS:
        ml_dtypes = pytest.importorskip("ml_dtypes")
        return np.dtype(getattr(ml_dtypes, name))
    return np.dtype(name)


@functools.lru_cache(maxsize=None)
def numba_ufunc(variant, op):
    import mitchell.numba

    return mitchell.numba.variant_ufunc(variant, op)


def backend_ufunc(backend, variant, op):
    if backend == "c":
        return _ufuncs.variant_ufunc(variant, op)
    if not HAVE_NUMBA:
        pytest.skip("numba is not installed")
    return numba_ufunc(variant, op)


@pytest.fixture(params=_isa.available())
def isa(request):
    """Run the test on one instruction set, restoring the previous one afterwards."""
    previous = _isa.active()
    assert _isa.set_isa(request.param) == request.param
    yield request.param
    _isa.set_isa(previous)


# ------------------------------------------------------------------ operands


def normal_field_max(fmt):
    """The largest exponent field of normal numbers (e4m3fn's top binade is finite)."""
    return fmt.exp_field_max - 1 if fmt.has_inf else fmt.exp_field_max


def compose(fmt, sign, field_e, m):
    uint = np.dtype(fmt.uint_dtype)
    s = np.asarray(sign, np.uint64) << np.uint64(fmt.width - 1)
    e = np.asarray(field_e, np.uint64) << np.uint64(fmt.frac_bits)
    return (s | e | np.asarray(m, np.uint64)).astype(uint)


def random_bits(fmt, n, rng):
    return rng.integers(0, 1 << fmt.width, n, dtype=np.uint64).astype(fmt.uint_dtype)


def edge_bits(fmt):
    """Zeros, infinities, NaNs (canonical, signalling, with payload), min/max normal
    and subnormal, values around 1 and 2 with fractions 0, 1/2 and 1 - 2^-p; both signs."""
    one = fmt.bias << fmt.frac_bits
    half = 1 << (fmt.frac_bits - 1)
    mags = [0, 1, 2, 3, half, fmt.frac_mask, fmt.frac_mask - 1,
            fmt.min_normal_bits, fmt.min_normal_bits | half, fmt.min_normal_bits | fmt.frac_mask,
            2 * fmt.min_normal_bits, one, one | 1, one | half, one | fmt.frac_mask, one - 1,
            one + fmt.min_normal_bits, fmt.max_finite_bits, fmt.max_finite_bits - 1,
            fmt.max_finite_bits & ~fmt.frac_mask, fmt.qnan_bits]
    if fmt.has_inf:
        mags += [fmt.inf_bits, fmt.inf_bits | 1, fmt.inf_bits | half | 5]
    mags = sorted(set(mags))
    return np.array(mags + [m | fmt.sign_mask for m in mags], fmt.uint_dtype)


def _kappa_guess(fmt, variant, op, m1, m2):
    return np.array([reference.kappa(variant, op, fmt, int(x), int(y)) for x, y in zip(m1, m2)], np.int64)


def aimed_pairs(fmt, variant, op, rng, n, exponents, carry):
    """Normal operand pairs whose result exponent is (about) one of ``exponents``.

    ``carry=False``: uniform fractions.  ``carry=True``: fraction pairs placed
    within two units of where the fixed-point fraction sum (with kappa) carries
    into one or two binades (mul) or borrows from one or two (div).
    """
    p, one = fmt.frac_bits, 1 << fmt.frac_bits
    top = normal_field_max(fmt)
    field1 = rng.integers(1, top + 1, n)
    target = rng.choice(np.asarray(exponents), n)
    e1 = field1 - fmt.bias
    e2 = target - e1 if op == "mul" else e1 - target
    field2 = e2 + fmt.bias
    m1 = rng.integers(0, one, n)
    if carry:
        bounds = [one, 2 * one] if op == "mul" else [0, -one]
        boundary = rng.choice(bounds, n) + rng.integers(-2, 2, n)
        m2 = np.zeros(n, np.int64)
        for _ in range(2):  # realm's kappa depends on m2's top bits: refine once
            k = _kappa_guess(fmt, variant, op, m1, np.clip(m2, 0, one - 1))
            m2 = boundary - k - m1 if op == "mul" else m1 + k - boundary
    else:
        m2 = rng.integers(0, one, n)
    keep = (field2 >= 1) & (field2 <= top) & (m2 >= 0) & (m2 < one)
    if fmt.name == "float8_e4m3fn":  # the all-ones magnitude is NaN, not a normal number
        keep &= ~((field1 == top) & (m1 == one - 1)) & ~((field2 == top) & (m2 == one - 1))
    signs = rng.integers(0, 2, (2, n))
    a = compose(fmt, signs[0][keep], field1[keep], m1[keep])
    b = compose(fmt, signs[1][keep], field2[keep], m2[keep])
    return a, b


def normal_runs(fmt, variant, op, rng, n):
    """Normal results well inside the range, a few special or edge operands sprinkled in
    (the vector loops take a fast path on blocks whose results are all normal)."""
    middle = np.arange(fmt.emin + 2, fmt.emax - 1)
    a, b = aimed_pairs(fmt, variant, op, rng, n, middle, carry=False)
    edges = edge_bits(fmt)
    for x in (a, b):
        where = rng.random(x.size) < 0.01
        x[where] = rng.choice(edges, where.sum())
    return a, b


@functools.lru_cache(maxsize=None)
def float_operands(variant, op, name):
    """The operand pairs (bit patterns) for one case: every 8-bit pair, or the
    union of the targeted sets for the wider formats."""
    fmt = reference.FORMATS[name]
    if fmt.width == 8:
        a, b = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8))
        return a.ravel(), b.ravel()
    rng = np.random.default_rng([FLOAT_FORMATS.index(name), reference.VARIANTS.index(variant), op == "mul"])
    p = fmt.frac_bits
    near_overflow = np.arange(fmt.emax - 1, fmt.emax + 2)
    near_underflow = np.arange(fmt.emin - p - 2, fmt.emin + 1)
    anywhere = np.arange(fmt.emin - p - 2, fmt.emax + 2)
    edges = edge_bits(fmt)
    ea, eb = np.meshgrid(edges, edges)
    sub = compose(fmt, rng.integers(0, 2, 3000), 0, rng.integers(1, 1 << p, 3000, dtype=np.uint64))
    other = random_bits(fmt, 3000, rng)
    parts = [
        (random_bits(fmt, 12000, rng), random_bits(fmt, 12000, rng)),
        aimed_pairs(fmt, variant, op, rng, 5000, near_overflow, carry=False),
        aimed_pairs(fmt, variant, op, rng, 5000, near_underflow, carry=False),
        aimed_pairs(fmt, variant, op, rng, 6000, np.concatenate([near_overflow, near_underflow]), carry=True),
        aimed_pairs(fmt, variant, op, rng, 3000, anywhere, carry=True),
        (sub, other), (other, sub), (sub, sub[::-1].copy()),
        (ea.ravel(), eb.ravel()),
        normal_runs(fmt, variant, op, rng, 4000),
    ]
    a = np.concatenate([x for x, _ in parts])
    b = np.concatenate([y for _, y in parts])
    return a, b


def oracle_per_element(kernel, a, b, fmt, variant):
    """Bits and the flags of each element, from the oracle."""
    out = np.empty(a.shape, fmt.uint_dtype)
    flags = []
    for i, (x, y) in enumerate(zip(a.tolist(), b.tolist())):
        out[i], f = kernel(x, y, fmt, variant)
        flags.append(f)
    return out, flags


@functools.lru_cache(maxsize=None)
def float_expected(variant, op, name):
    fmt = reference.FORMATS[name]
    a, b = float_operands(variant, op, name)
    kernel = reference.mul_bits if op == "mul" else reference.div_bits
    return oracle_per_element(kernel, a, b, fmt, variant)


# ------------------------------------------------------------------ comparisons


def call(ufunc, *args, **kwargs):
    with np.errstate(all="ignore"):
        return ufunc(*args, **kwargs)


def report_mismatch(got_bits, expected_bits, a, b, what):
    bad = np.flatnonzero(np.asarray(got_bits).ravel() != np.asarray(expected_bits).ravel())
    if bad.size:
        lines = [f"  a={int(a.ravel()[i]):#x} b={int(b.ravel()[i]):#x}: got {int(got_bits.ravel()[i]):#x}, "
                 f"expected {int(expected_bits.ravel()[i]):#x}" for i in bad[:8]]
        pytest.fail(f"{what}: {bad.size} of {got_bits.size} differ\n" + "\n".join(lines))


def check_flag_groups(ufunc, a, b, flags, view, what):
    """The pairs whose oracle flags are S raise exactly S when computed together."""
    groups = {}
    for i, f in enumerate(flags):
        groups.setdefault(f, []).append(i)
    for expected, idx in groups.items():
        idx = np.array(idx)
        _, seen = raised_flags(lambda: ufunc(view(a[idx]), view(b[idx])))
        assert seen == set(expected), f"{what}: {len(idx)} pairs, e.g. a={int(a[idx[0]]):#x} b={int(b[idx[0]]):#x}"


def check_paths(ufunc, a, b, expected, flags, view, as_bits, what):
    """Contiguous, lengths around the vector widths, strided, reversed, stride-0 and out=-aliasing."""
    got = as_bits(call(ufunc, view(a), view(b)))
    report_mismatch(got, expected, a, b, f"{what} contiguous")
    check_flag_groups(ufunc, a, b, flags, view, f"{what} flags")
    for n in (1, 3, 15, 16, 17, 31, 32, 33, 63, 64, 65, 129):
        for start in (0, 5, a.size - n - 1):
            s = slice(start, start + n)
            report_mismatch(as_bits(call(ufunc, view(a[s]), view(b[s]))), expected[s], a[s], b[s], f"{what} n={n}")
    # strided inputs and output
    wide_a = np.zeros(2 * a.size, a.dtype)
    wide_b = np.zeros(3 * b.size, b.dtype)
    wide_a[::2], wide_b[::3] = a, b
    out = call(ufunc, view(wide_a)[::2], view(wide_b)[::3])
    strided_out = np.zeros_like(np.concatenate([out, out]))[1::2]
    call(ufunc, view(wide_a)[::2], view(wide_b)[::3], out=strided_out)
    report_mismatch(as_bits(strided_out), expected, a, b, f"{what} strided")
    report_mismatch(as_bits(call(ufunc, view(a)[::-1], view(b)[::-1]))[::-1], expected, a, b, f"{what} reversed")
    return got


def check_scalar_broadcast(ufunc, a, scalars, kernel_expected, view, as_bits, what):
    """One operand a 0-d array (stride 0 in the loop), on either side."""
    for s in scalars:
        s_arr = np.asarray(s, a.dtype)
        for side in ("left", "right"):
            x, y = (np.full_like(a, s), a) if side == "left" else (a, np.full_like(a, s))
            expected, _ = kernel_expected(x, y)
            args = (view(s_arr), view(a)) if side == "left" else (view(a), view(s_arr))
            report_mismatch(as_bits(call(ufunc, *args)), expected, x, y, f"{what} scalar {side} {int(s):#x}")
            report_mismatch(as_bits(call(ufunc, view(x), view(y))), expected, x, y, f"{what} full {side} {int(s):#x}")


@pytest.mark.parametrize("case", FLOAT_CASES, ids=case_id)
def test_documented_float_loops_exist(case):
    """Each (variant, op, format) the document defines has a native loop on the C backend."""
    variant, op, name = case
    dtype = float_dtype(name)
    ufunc = getattr(mitchell.variants[variant], op)
    if mitchell.backend == "c":  # mitchell.variants serves the active backend's ufuncs
        assert ufunc is _ufuncs.variant_ufunc(variant, op)
    ufunc = _ufuncs.variant_ufunc(variant, op)
    one = np.ones(2, dtype)
    assert call(ufunc, one, one, casting="no").dtype == dtype


def test_variant_operations_are_those_of_the_document():
    """mul and div exist exactly where semantics.md defines them."""
    documented = {(v, op) for v, op, _ in FLOAT_CASES + INT_CASES}
    for name in mitchell.variants:
        for op in ("mul", "div"):
            has = getattr(mitchell.variants[name], op) is not None
            assert has == ((name, op) in documented), (name, op)
    assert tuple(mitchell.variants) == reference.VARIANTS


def test_formats_without_a_loop_raise():
    """realm has no float8 loops, the ilm variants no float loops (integers only)."""
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = np.ones(2, ml_dtypes.float8_e5m2)
    with pytest.raises(TypeError):
        mitchell.variants["realm"].mul(x, x, casting="no")
    for name in ILM:
        with pytest.raises(TypeError):
            mitchell.variants[name].mul(np.ones(2, np.float32), np.ones(2, np.float32))


def float_views(name):
    dtype = float_dtype(name)
    fmt = reference.FORMATS[name]

    def view(bits):
        return np.asarray(bits).view(dtype)

    def as_bits(x):
        assert x.dtype == dtype
        return np.asarray(x).view(fmt.uint_dtype)

    return view, as_bits


def run_float_case(ufunc, case):
    variant, op, name = case
    fmt = reference.FORMATS[name]
    view, as_bits = float_views(name)
    a, b = float_operands(variant, op, name)
    expected, flags = float_expected(variant, op, name)
    what = f"{case_id(case)}"
    check_paths(ufunc, a, b, expected, flags, view, as_bits, what)
    kernel = reference.mul_bits if op == "mul" else reference.div_bits
    # out= aliasing an input: positions past the fast path's block must still read the inputs
    for target in ("a", "b"):
        x, y = view(a.copy()), view(b.copy())
        out = x if target == "a" else y
        assert call(ufunc, x, y, out=out) is out
        report_mismatch(as_bits(out), expected, a, b, f"{what} out={target}")
    sub = slice(0, 1500)
    xx = view(a[sub].copy())
    call(ufunc, xx, xx, out=xx)
    report_mismatch(as_bits(xx), oracle_per_element(kernel, a[sub], a[sub], fmt, variant)[0],
                    a[sub], a[sub], f"{what} out=a=b")
    # stride 0
    rng = np.random.default_rng(5)
    scalars = list(edge_bits(fmt)[[0, 11, -1]]) + list(random_bits(fmt, 2, rng))
    some = a[rng.permutation(a.size)[:400]]
    check_scalar_broadcast(ufunc, some, scalars,
                           lambda x, y: oracle_per_element(kernel, x, y, fmt, variant), view, as_bits, what)


@pytest.mark.parametrize("case", FLOAT_CASES, ids=case_id)
def test_float_c_against_oracle(case, isa):
    variant, op, _ = case
    run_float_case(backend_ufunc("c", variant, op), case)


@pytest.mark.parametrize("case", FLOAT_CASES, ids=case_id)
def test_float_numba_against_oracle(case):
    variant, op, _ = case
    run_float_case(backend_ufunc("numba", variant, op), case)


# ------------------------------------------------------------------ integers


def int_edges(name):
    info = np.iinfo(name)
    values = {0, 1, 2, 3, 5, 7, info.max, info.max - 1, info.max // 2, info.max // 2 + 1, info.min, info.min + 1}
    for k in range(1, info.bits - (info.min < 0)):
        values.update({(1 << k) - 1, 1 << k, (1 << k) + 1, 3 << (k - 1)})
    if info.min < 0:
        values |= {-v for v in values if -v >= info.min}
    return np.array(sorted(v for v in values if info.min <= v <= info.max), name)


@functools.lru_cache(maxsize=None)
def int_operands(name):
    info = np.iinfo(name)
    if info.bits == 8:
        a, b = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8))
        return a.ravel().view(name), b.ravel().view(name)
    rng = np.random.default_rng(info.bits + (info.min < 0))
    edges = int_edges(name)
    if edges.size > 120:
        edges = np.concatenate([edges[:40], edges[-40:], rng.choice(edges, 40)])
    ea, eb = np.meshgrid(edges, edges)
    uniform = rng.integers(info.min, info.max, (2, 6000), dtype=name, endpoint=True)
    # magnitudes near the top: products near the widened type's limit (saturation)
    top = rng.integers(info.max - (info.max >> 4), info.max, (2, 3000), dtype=name, endpoint=True)
    if info.min < 0:
        top[:, ::2] = -top[:, ::2]
        top[0, ::5] = info.min
    # small magnitudes with many zero bits (the ilm terms stop early)
    sparse = (rng.integers(0, 2, (2, 3000, info.bits - 1)) *
              (rng.random((2, 3000, info.bits - 1)) < 0.25)) << np.arange(info.bits - 1)
    sparse = sparse.sum(axis=-1).astype(name)
    a = np.concatenate([ea.ravel(), uniform[0], top[0], sparse[0]])
    b = np.concatenate([eb.ravel(), uniform[1], top[1], sparse[1]])
    return a, b


@functools.lru_cache(maxsize=None)
def int_expected(variant, op, name):
    a, b = int_operands(name)
    kernel = reference.imul if op == "mul" else reference.idiv
    values, flags = [], []
    for x, y in zip(a.tolist(), b.tolist()):
        v, f = kernel(x, y, name, variant)
        values.append(v)
        flags.append(f)
    if op == "mul":
        return np.array(values, reference.IMUL_RESULT[name]), flags
    return np.array(values, np.uint64), flags


def int_views(op, name):
    out_dtype = np.dtype(reference.IMUL_RESULT[name]) if op == "mul" else np.dtype(np.float64)

    def as_bits(x):
        assert x.dtype == out_dtype
        return x if op == "mul" else x.view(np.uint64)

    return (lambda x: x), as_bits


@pytest.mark.parametrize("case", INT_CASES, ids=case_id)
def test_integer_loops_exist(case):
    variant, op, name = case
    ufunc = getattr(mitchell.variants[variant], op)
    x = np.ones(2, name)
    out = reference.IMUL_RESULT[name] if op == "mul" else "float64"
    assert call(ufunc, x, x, casting="no").dtype == np.dtype(out)


def run_int_case(ufunc, case):
    variant, op, name = case
    a, b = int_operands(name)
    expected, flags = int_expected(variant, op, name)
    view, as_bits = int_views(op, name)
    check_paths(ufunc, a, b, expected, flags, view, as_bits, case_id(case))
    kernel = reference.imul if op == "mul" else reference.idiv

    def kernel_expected(x, y):
        vals = [kernel(p, q, name, variant)[0] for p, q in zip(x.tolist(), y.tolist())]
        return np.array(vals, expected.dtype), None

    check_scalar_broadcast(ufunc, a[::257][:300], list(int_edges(name)[[0, 1, -1]]) + [3],
                           kernel_expected, view, as_bits, case_id(case))


@pytest.mark.parametrize("case", INT_CASES, ids=case_id)
def test_integer_c_against_oracle(case, isa):
    variant, op, _ = case
    run_int_case(backend_ufunc("c", variant, op), case)


@pytest.mark.parametrize("case", INT_CASES, ids=case_id)
def test_integer_numba_against_oracle(case):
    variant, op, _ = case
    run_int_case(backend_ufunc("numba", variant, op), case)


# ------------------------------------------------------------------ the constants, re-derived
# semantics.md says how each kappa was chosen; these tests choose it again from
# that description alone and compare with the document's table (as transcribed
# in mitchell.reference) and with what the shipped ufuncs compute.


def implemented_kappa(variant, op, name):
    """kappa as the C ufunc computes it: bits(op(1, 1)) - bits(1) (a normal result,
    2^0 (1 + kappa/2^p) or, for kappa < 0, 2^-1 (1 + (2^p + kappa)/2^p))."""
    dtype = float_dtype(name)
    fmt = reference.FORMATS[name]
    one = np.ones(1, dtype)
    result = call(getattr(mitchell.variants[variant], op), one, one)
    return int(result.view(fmt.uint_dtype)[0]) - int(one.view(fmt.uint_dtype)[0])


def lmul_offset_exponent(m):
    """Luo & Sun (2024), eq. 4: l(m) = m for m <= 3, 3 for m = 4, 4 for m > 4."""
    return m if m <= 3 else 3 if m == 4 else 4


@pytest.mark.parametrize("name", FLOAT_FORMATS)
def test_lmul_offset_rule(name):
    p = reference.FORMATS[name].frac_bits
    expected = 1 << (p - lmul_offset_exponent(p))
    assert reference.KAPPA[("lmul", "mul")][name] == expected
    assert implemented_kappa("lmul", "mul", name) == expected


@pytest.mark.parametrize("case", [c for c in FLOAT_CASES if c[0] != "realm"], ids=case_id)
def test_implemented_kappa_is_the_documented_one(case):
    assert implemented_kappa(*case) == reference.KAPPA[case[:2]][case[2]]


def grid_relative_errors(p, op, kappa):
    """(approx - exact) / exact for every pair of p-bit fractions, kappa added in units of 2^-p.

    The exponents cancel in the ratio, so the pairs 2^0 (1 + m1/2^p), 2^0 (1 + m2/2^p) stand
    for every pair of normal operands with a normal result.
    """
    one = 1 << p
    m1, m2 = np.meshgrid(np.arange(one, dtype=np.int64), np.arange(one, dtype=np.int64), indexing="ij")
    s = m1 + m2 + kappa if op == "mul" else m1 - m2 + kappa
    approx = np.ldexp(1.0 + (s & (one - 1)) / one, s >> p)  # 2^floor(L) (1 + frac(L))
    exact = (one + m1) * (one + m2) / one**2 if op == "mul" else (one + m1) / (one + m2)
    return approx / exact - 1.0


def best_kappa(p, op, objective):
    """The integer kappa, |kappa| < 2^p, minimising objective(errors).

    The approximation increases with kappa for every pair, so the mean error
    increases with kappa, the largest overestimate is non-decreasing and the
    largest underestimate non-increasing.  The minimum of |mean| (or of the
    larger of the two extremes) is therefore next to the crossing point, found
    by bisection; for p <= 7 every kappa is tried instead.
    """
    lo, hi = -(1 << p) + 1, (1 << p) - 1
    if p <= 7:
        candidates = range(lo, hi + 1)
    else:
        def rising(k):  # the increasing quantity whose sign change brackets the optimum
            err = grid_relative_errors(p, op, k)
            return err.mean() if objective is mean_abs else err.max() + err.min()
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if rising(mid) < 0:
                lo = mid
            else:
                hi = mid
        candidates = range(lo - 1, hi + 2)
    scores = {k: objective(grid_relative_errors(p, op, k)) for k in candidates}
    best = min(scores.values())
    return [k for k, v in scores.items() if v == best]


def mean_abs(err):
    return abs(err.mean())


def max_abs(err):
    return np.abs(err).max()


SMALL_FORMATS = ("float16", "bfloat16", "float8_e4m3fn", "float8_e5m2")


@pytest.mark.parametrize("op", ["mul", "div"])
@pytest.mark.parametrize("variant, objective", [("biasfree", mean_abs), ("minimax", max_abs)], ids=["biasfree", "minimax"])
@pytest.mark.parametrize("name", SMALL_FORMATS)
def test_small_format_kappa_by_exhaustive_search(name, variant, objective, op):
    """semantics.md: the integer kappa making the mean signed relative error over all pairs
    of the format's fractions closest to 0 (biasfree), or the maximum absolute one least (minimax)."""
    p = reference.FORMATS[name].frac_bits
    best = best_kappa(p, op, objective)
    assert len(best) == 1, f"kappa is not unique: {best}"
    assert reference.KAPPA[(variant, op)][name] == best[0]
    assert implemented_kappa(variant, op, name) == best[0]


def fraction_root(f, lo, hi, bits=120):
    """A root of the increasing-or-decreasing rational f on [lo, hi] (exact Fractions), to 2^-bits."""
    from fractions import Fraction

    lo, hi = Fraction(lo), Fraction(hi)
    sign_lo = f(lo) > 0
    for _ in range(bits):
        mid = (lo + hi) / 2
        if (f(mid) > 0) == sign_lo:
            lo = mid
        else:
            hi = mid
    return lo


def nearest_grid(c, p):
    from fractions import Fraction

    return round(Fraction(c) * (1 << p))


@pytest.mark.parametrize("name", ["float32", "float64"])
def test_wide_format_minimax_kappa_from_the_continuous_optimum(name):
    """semantics.md: mul's optimum is the root of k = 1 - 8/(3 - k)^2 (about 0.0688575),
    div's the root of -k/(1 - k) = (3 + k)^2/8 - 1 (about -0.0748032); kappa is the nearest grid point."""
    p = reference.FORMATS[name].frac_bits
    c_mul = fraction_root(lambda k: k - 1 + 8 / (3 - k) ** 2, 0, "0.5")
    c_div = fraction_root(lambda k: -k / (1 - k) - (3 + k) ** 2 / 8 + 1, "-0.5", 0)
    assert abs(float(c_mul) - 0.0688575) < 5e-8 and abs(float(c_div) + 0.0748032) < 5e-8
    found = {op: (nearest_grid(c, p), float(c * 2**p)) for op, c in (("mul", c_mul), ("div", c_div))}
    documented = {op: reference.KAPPA[("minimax", op)][name] for op in found}
    implemented = {op: implemented_kappa("minimax", op, name) for op in found}
    expected = {op: k for op, (k, _) in found.items()}
    assert documented == expected and implemented == expected, f"optimum * 2^p = {found}"


def continuous_mean_error(op, c, f1_range=(0, 1), f2_range=(0, 1)):
    """Mean of (approx - exact)/exact over a rectangle of continuous fractions, with the
    log-domain correction c (mpmath): the inner integral over f2 in closed form, the outer by quadrature."""
    import mpmath

    a1, b1 = (mpmath.mpf(x) for x in f1_range)
    a2, b2 = (mpmath.mpf(x) for x in f2_range)

    def pieces(bounds):
        cuts = sorted({a2, b2} | {x for x in bounds if a2 < x < b2})
        return zip(cuts[:-1], cuts[1:])

    def inner(f1):
        total = mpmath.mpf(0)
        if op == "mul":
            # s = f1 + f2 + c; approx = 1 + s (s < 1), 2 s (s < 2), 4 (s - 1) (s < 3): linear in f2
            for lo, hi in pieces([1 - c - f1, 2 - c - f1]):
                s = f1 + (lo + hi) / 2 + c
                q0, q1 = ((1 + f1 + c, 1) if s < 1 else (2 * (f1 + c), 2) if s < 2 else (4 * (f1 + c - 1), 4))
                # integral of (q0 + q1 f2) / (1 + f2)
                total += q1 * (hi - lo) + (q0 - q1) * mpmath.log((1 + hi) / (1 + lo))
            return total / (1 + f1)
        # div: s = f1 - f2 + c; approx = 1 + s (s >= 0), (2 + s)/2 (s >= -1), (3 + s)/4 (s >= -2)
        for lo, hi in pieces([f1 + c, f1 + c + 1]):
            s = f1 - (lo + hi) / 2 + c
            d0, d1 = ((1 + f1 + c, -1) if s >= 0 else ((2 + f1 + c) / 2, -mpmath.mpf(1) / 2) if s >= -1
                      else ((3 + f1 + c) / 4, -mpmath.mpf(1) / 4))

            def prim(x):  # integral of (d0 + d1 x)(1 + x)
                return d0 * (x + x**2 / 2) + d1 * (x**2 / 2 + x**3 / 3)

            total += prim(hi) - prim(lo)
        return total / (1 + f1)

    breaks = [1 - c - a2, 1 - c - b2, 2 - c - a2, 2 - c - b2] if op == "mul" else [a2 - c, b2 - c, a2 - c - 1, b2 - c - 1]
    cuts = sorted({a1, b1} | {x for x in breaks if a1 < x < b1})
    integral = sum(mpmath.quad(inner, [lo, hi]) for lo, hi in zip(cuts[:-1], cuts[1:]))
    return integral / ((b1 - a1) * (b2 - a2)) - 1


@pytest.mark.parametrize("name", ["float32", "float64"])
def test_wide_format_biasfree_kappa_from_the_continuous_optimum(name):
    """semantics.md: the grid point nearest the c with zero mean relative error over continuous
    fractions (about 0.0566233 for mul, -0.0579951 for div)."""
    mpmath = pytest.importorskip("mpmath")
    p = reference.FORMATS[name].frac_bits
    with mpmath.workdps(40):
        c_mul = mpmath.findroot(lambda c: continuous_mean_error("mul", c), mpmath.mpf("0.0566"))
        c_div = mpmath.findroot(lambda c: continuous_mean_error("div", c), mpmath.mpf("-0.058"))
        assert abs(c_mul - mpmath.mpf("0.0566233")) < 5e-8 and abs(c_div + mpmath.mpf("0.0579951")) < 5e-8
        found = {}
        for op, c in (("mul", c_mul), ("div", c_div)):
            scaled = c * 2**p
            kappa = int(mpmath.nint(scaled))
            assert abs(scaled - kappa) < mpmath.mpf("0.5") - mpmath.mpf(10) ** -20  # not a near tie
            found[op] = (kappa, mpmath.nstr(scaled, 25))
    documented = {op: reference.KAPPA[("biasfree", op)][name] for op in found}
    implemented = {op: implemented_kappa("biasfree", op, name) for op in found}
    expected = {op: k for op, (k, _) in found.items()}
    assert documented == expected and implemented == expected, f"optimum * 2^p = {found}"


def test_realm_table_zeroes_the_mean_error_of_each_region():
    """semantics.md: T[i][j] (units of 2^-16) makes the mean relative error of the corrected
    product over [i/8, (i+1)/8) x [j/8, (j+1)/8) of continuous fractions zero; each entry must
    be that root rounded to the 2^-16 grid."""
    mpmath = pytest.importorskip("mpmath")
    found = {}
    with mpmath.workdps(20):
        for i in range(8):
            for j in range(i, 8):  # the table is symmetric, checked below
                region = ((mpmath.mpf(i) / 8, mpmath.mpf(i + 1) / 8), (mpmath.mpf(j) / 8, mpmath.mpf(j + 1) / 8))
                c = mpmath.findroot(lambda c: continuous_mean_error("mul", c, *region), mpmath.mpf(0.05))
                found[i, j] = float(c * 2**16)
    bad = {ij: (reference.REALM_TABLE[ij[0]][ij[1]], round(v, 3)) for ij, v in found.items()
           if abs(v - reference.REALM_TABLE[ij[0]][ij[1]]) > 0.5}
    assert not bad, f"(i, j): (documented, root * 2^16): {bad}"
    assert all(reference.REALM_TABLE[i][j] == reference.REALM_TABLE[j][i] for i in range(8) for j in range(8))


@pytest.mark.parametrize("name", reference.REALM_FORMATS)
def test_realm_implemented_kappa_per_region(name):
    """realm.mul(1 + i/8, 1 + j/8) = the documented kappa of region (i, j):
    round(T[i][j] 2^(p-16)), ties to even (the result is normal: kappa = bits(r) - bits(x) - bits(y) + bits(1))."""
    fmt = reference.FORMATS[name]
    dtype = float_dtype(name)
    x = (1 + np.arange(8) / 8).astype(dtype)
    got = call(mitchell.variants["realm"].mul, x[:, None], x[None, :]).view(fmt.uint_dtype).astype(np.int64)
    xb = x.view(fmt.uint_dtype).astype(np.int64)
    one = fmt.bias << fmt.frac_bits
    implemented = got - xb[:, None] - xb[None, :] + one
    p = fmt.frac_bits
    documented = [[reference.kappa("realm", "mul", fmt, i << (p - 3), j << (p - 3)) for j in range(8)] for i in range(8)]
    assert implemented.tolist() == documented
    if p >= 16:
        assert documented == [[t << (p - 16) for t in row] for row in reference.REALM_TABLE]


# ------------------------------------------------------------------ the iterative multiplier


def test_ilm_hand_values():
    # 255 = 2^7 + 127: P(255, 255) = 2^14 + 2 * 127 * 2^7 = 48896; residues 127 = 2^6 + 63:
    # P(127, 127) = 2^12 + 2 * 63 * 2^6 = 12160; then P(63, 63) = 2^10 + 2 * 31 * 2^5 = 3008,
    # P(31, 31) = 2^8 + 2 * 15 * 2^4 = 736.  255^2 = 65025.
    assert [reference.ilm(255, 255, t) for t in range(4)] == [48896, 48896 + 12160, 48896 + 12160 + 3008,
                                                              48896 + 12160 + 3008 + 736]
    assert reference.ilm(-3, 5, 0) == -(8 + 1 * 4 + 1 * 2)  # 3 = 2 + 1, 5 = 4 + 1: P = 2^3 + 1 * 2^2 + 1 * 2^1
    assert reference.ilm(-3, 5, 1) == -15  # + P(1, 1) = 1: exact
    ufunc = mitchell.variants["ilm0"].mul
    assert call(ufunc, np.uint8([255]), np.uint8([255]))[0] == 48896


@pytest.mark.parametrize("name", ["int8", "uint8", "int16"])
def test_ilm_properties(name):
    """Never above |a b|, error non-increasing in the number of terms, exact once a residue is 0,
    sign-magnitude signs; for the shipped ufuncs on the whole operand set of the type."""
    a, b = int_operands(name)
    wide = reference.IMUL_RESULT[name]
    exact = a.astype(np.int64) * b.astype(np.int64)
    results = [call(mitchell.variants[v].mul, a, b).astype(np.int64) for v in ILM]
    errors = [np.abs(exact) - np.abs(r) for r in results]
    for r in results:
        assert r.dtype == np.int64 and np.all(np.sign(r) == np.sign(exact))
    for t, err in enumerate(errors):
        assert np.all(err >= 0), f"ilm{t} above |a b|"
        if t:
            assert np.all(err <= errors[t - 1]), f"ilm{t} worse than ilm{t - 1}"
    # exact when a residue is 0 after T + 1 blocks: each block clears the leading one of both operands,
    # so with at most T + 1 one-bits in either magnitude the result is exact
    pop = np.vectorize(lambda v: bin(abs(int(v))).count("1"))
    fewest = np.minimum(pop(a), pop(b))
    for t, err in enumerate(errors):
        assert np.all(err[fewest <= t + 1] == 0), f"ilm{t} inexact with a residue 0"
    assert np.iinfo(wide).max >= np.abs(results[-1]).max()


# ------------------------------------------------------------------ identities


def test_identity_of_plain_and_ilm():
    """mul's identity is 1 for plain Mitchell and the iterative multiplier (1 is a power of two:
    exact); an empty reduction of plain mul gives 1.  The ilm loops widen (int8 -> int16, ...), so
    no ilm loop can chain a reduction; their identity is checked as the attribute and as 1 * x = x."""
    plain = mitchell.variants["mitchell"].mul
    assert plain.identity == 1
    for dtype in (np.float16, np.float32, np.float64, np.int64, np.uint64):
        r = plain.reduce(np.empty((0, 3), dtype), axis=0)
        assert r.dtype == np.dtype(dtype) and np.all(r == 1)
    for name in ILM:
        ufunc = mitchell.variants[name].mul
        assert ufunc.identity == 1
        for t in INT_TYPES:
            x = int_operands(t)[0]
            assert np.array_equal(call(ufunc, np.ones_like(x), x), x)
            assert np.array_equal(call(ufunc, x, np.ones_like(x)), x)


@pytest.mark.parametrize("variant", ["lmul", "biasfree", "minimax", "realm"])
def test_corrected_variants_have_no_identity(variant):
    """kappa != 0 at f = 0 moves 1 * x away from x, so 1 is no identity and an empty reduction
    must raise (NumPy: 'zero-size array to reduction operation ... which has no identity')."""
    ufunc = mitchell.variants[variant].mul
    assert ufunc.identity is None
    one = np.float32(1)
    assert call(ufunc, one, one) != 1  # 2^0 (1 + kappa / 2^p), kappa > 0 at region (0, 0)
    with pytest.raises(ValueError, match="identity"):
        ufunc.reduce(np.empty(0, np.float32))


# ------------------------------------------------------------------ the operand sets do their job


@pytest.mark.parametrize("case", [("lmul", "mul", "float16"), ("minimax", "div", "float32"),
                                  ("realm", "mul", "float16"), ("biasfree", "div", "float64")], ids=case_id)
def test_operand_sets_reach_the_boundaries(case):
    """The targeted pairs do produce what they aim at: carries into two binades (mul, kappa > 0)
    or borrows from two (div, kappa < 0), overflows, underflows with and without rounding, results
    that round up to the smallest normal, and exact subnormal results."""
    variant, op, name = case
    fmt = reference.FORMATS[name]
    a, b = float_operands(variant, op, name)
    expected, flags = float_expected(variant, op, name)
    da = [reference.decode(x, fmt) for x in a.tolist()]
    db = [reference.decode(y, fmt) for y in b.tolist()]
    shifts = set()
    for x, y, r in zip(da, db, expected.tolist()):
        dr = reference.decode(r, fmt)
        if x.kind == y.kind == dr.kind == "normal":
            shifts.add(dr.e - (x.e + y.e if op == "mul" else x.e - y.e))
    assert shifts == ({0, 1, 2} if op == "mul" else {0, -1, -2})
    assert {frozenset({"overflow"}), frozenset({"underflow"}), frozenset()} <= set(flags)
    magnitude = [r & (fmt.sign_mask - 1) for r in expected.tolist()]
    rounded_up = [i for i, f in enumerate(flags) if f == {"underflow"} and magnitude[i] == fmt.min_normal_bits]
    exact_subnormal = [i for i, f in enumerate(flags) if not f and 0 < magnitude[i] < fmt.min_normal_bits
                       and da[i].kind == db[i].kind == "normal"]
    assert rounded_up and exact_subnormal


@pytest.mark.parametrize("variant", ["lmul", "biasfree", "minimax", "realm"])
def test_uint32_saturation_raises_overflow(variant, isa):
    """semantics.md ("Variants on integers"): a product beyond the result type's range saturates
    and raises 'overflow'.  (2^32 - 2)^2 with a positive correction exceeds 2^64 - 1."""
    from fpflags import raised_flags

    x = np.array([2**32 - 2], np.uint32)
    expected = reference.imul(2**32 - 2, 2**32 - 2, "uint32", variant)
    assert expected == (2**64 - 1, frozenset({"overflow"}))
    got, seen = raised_flags(lambda: mitchell.variants[variant].mul(x, x))
    assert got.dtype == np.uint64 and int(got[0]) == expected[0]
    assert seen == {"overflow"}
