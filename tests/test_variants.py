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
    assert ufunc is _ufuncs.variant_ufunc(variant, op)
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
