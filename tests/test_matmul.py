"""mitchell.matmul, dot, tensordot and conv2d.

Where expected values come from:
- ``sequential_reference``: the products from ``mitchell.mul`` (the shipped
  ufunc, itself checked bit for bit against mitchell.reference in the
  foundation tests), added one at a time in increasing k starting from +0 in
  the accumulator's format -- the order docs/matmul.md promises -- so the
  C results must match it bit for bit.
- ``float64_reference``: the same products summed in float64; the float32
  results must be within float32 rounding of it (the issue's criterion).
- ``imul_reference``: Mitchell's integer product written here from its
  definition (leading-one detection), independent of the C code.
- shapes and errors: ``np.matmul`` / ``np.tensordot`` / ``np.dot`` on the
  same operands.
"""

import math
import os

import numpy as np
import pytest

import mitchell
from mitchell import _isa, _matmul, reference
from mitchell.linalg import set_num_threads

from fpflags import raised_flags

FLOAT_DTYPES = [np.float32, np.float64]
ISAS = list(_isa.available())


def sequential_reference(a, b, acc_dtype=None):
    """sum_k mul(a[..., i, k], b[..., k, j]), added in increasing k from +0, with np.matmul's shapes."""
    a = np.asarray(a)
    b = np.asarray(b)
    a2 = a[np.newaxis, :] if a.ndim == 1 else a
    b2 = b[:, np.newaxis] if b.ndim == 1 else b
    products = mitchell.mul(a2[..., :, :, np.newaxis], b2[..., np.newaxis, :, :])  # (..., M, K, N)
    acc = np.dtype(acc_dtype or products.dtype)
    total = np.zeros(products.shape[:-3] + products.shape[-3:-2] + products.shape[-1:], acc)
    with np.errstate(all="ignore"):
        for k in range(products.shape[-2]):
            total = total + products[..., k, :].astype(acc)
    if a.ndim == 1:
        total = total[..., 0, :]
    if b.ndim == 1:
        total = total[..., 0]
    return total


def float64_reference(a, b):
    products = mitchell.mul(a[..., :, :, np.newaxis], b[..., np.newaxis, :, :]).astype(np.float64)
    return products.sum(axis=-2)


def imul_reference(x, y):
    """Mitchell's integer product of two Python ints, from the definition."""
    if x == 0 or y == 0:
        return 0
    sign = -1 if (x < 0) != (y < 0) else 1
    x, y = abs(x), abs(y)
    k1, k2 = x.bit_length() - 1, y.bit_length() - 1
    f = (x - 2 ** k1) * 2 ** k2 + (y - 2 ** k2) * 2 ** k1   # 2^(k1+k2) (f1 + f2)
    unit = 2 ** (k1 + k2)
    return sign * (unit + f if f < unit else 2 * f)


def assert_same_bits(actual, expected):
    """Equal bit patterns, except that a NaN may be any NaN (docs/matmul.md: the
    sign of the NaN from inf + (-inf) is the hardware's and the order of the two
    operands of a NaN + NaN addition is the compiler's)."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    if actual.dtype.kind == "f":
        nan = np.isnan(actual)
        assert np.array_equal(nan, np.isnan(expected)), "NaNs in different places"
        actual, expected = np.where(nan, 0, actual), np.where(nan, 0, expected)
    as_bytes = lambda x: np.ascontiguousarray(x).reshape(-1).view(np.uint8)
    assert np.array_equal(as_bytes(actual), as_bytes(expected)), \
        f"max abs difference {np.nanmax(np.abs(actual.astype(np.float64) - expected))}"


def random_matrix(rng, shape, dtype, zeros=0.0):
    x = rng.standard_normal(shape).astype(dtype)
    if zeros:
        x[rng.random(shape) < zeros] = 0
    return x


@pytest.fixture(params=ISAS)
def isa(request):
    """Run with each instruction set this CPU supports, then restore the best."""
    assert _isa.set_isa(request.param) == request.param
    assert _isa.names()[_matmul.active_isa()] == request.param
    yield request.param
    _isa.set_isa(None)


@pytest.fixture
def threads():
    """Restore the thread count after a test that changes it."""
    old = mitchell.linalg.get_num_threads()
    yield
    set_num_threads(old)


# --- values -----------------------------------------------------------------

# M, K, N: single elements, sizes around the tiles (5 or 12 rows by the
# instruction set, 16 / 8 columns), K across the 192/256/512-product blocks, M across
# the 60/120-row blocks
ODD_SIZES = [(1, 1, 1), (1, 7, 1), (7, 1, 7), (5, 3, 17), (4, 16, 16), (12, 5, 16), (25, 9, 17),
             (9, 257, 33), (129, 300, 7), (65, 513, 20), (3, 2, 2100)]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("mkn", ODD_SIZES, ids=lambda s: "x".join(map(str, s)))
def test_bit_exact_sequential_sum(isa, dtype, mkn):
    m, k, n = mkn
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    a = random_matrix(rng, (m, k), dtype, zeros=0.2)
    b = random_matrix(rng, (k, n), dtype, zeros=0.1)
    assert_same_bits(mitchell.matmul(a, b), sequential_reference(a, b))


def test_float32_sum_within_rounding_of_float64_sum():
    rng = np.random.default_rng(1)
    a = rng.uniform(0.5, 2, (40, 1000)).astype(np.float32)   # positive: no cancellation
    b = rng.uniform(0.5, 2, (1000, 30)).astype(np.float32)
    exact_sum = float64_reference(a, b)
    rel = np.abs(mitchell.matmul(a, b) - exact_sum) / exact_sum
    # sequential float32 summation: each addition rounds by at most 2^-24
    assert rel.max() < 1000 * 2.0 ** -24


def test_acc_dtype_float64(isa):
    """float32 products (with float32's overflow and underflow) added in float64."""
    rng = np.random.default_rng(2)
    a = random_matrix(rng, (13, 300), np.float32, zeros=0.1)
    b = random_matrix(rng, (300, 40), np.float32)
    result = mitchell.matmul(a, b, acc_dtype=np.float64)
    assert result.dtype == np.float64
    assert_same_bits(result, sequential_reference(a, b, acc_dtype=np.float64))
    # products beyond float32's range: inf and float32 subnormals, not float64 values
    a[:3, :100] *= np.float32(2.0 ** 100)
    b[:100, :10] *= np.float32(2.0 ** 40)
    b[200:, 20:] *= np.float32(2.0 ** -120)
    a[5, 7] = np.finfo(np.float32).smallest_subnormal
    with np.errstate(all="ignore"):
        result = mitchell.matmul(a, b, acc_dtype=np.float64)
        expected = sequential_reference(a, b, acc_dtype=np.float64)
    assert not np.isfinite(result[:3, :10]).any()   # +inf and -inf products: inf or NaN sums
    assert_same_bits(result, expected)


def test_k1_equals_mul_on_edge_values(isa):
    """A 1x1x1 product is one Mitchell product: mul's value, specials and subnormals included."""
    for dtype in FLOAT_DTYPES:
        info = np.finfo(dtype)
        edges = np.array([0.0, -0.0, 1.0, -1.5, 1.75, info.tiny, info.tiny / 4, info.smallest_subnormal,
                          -info.smallest_subnormal * 3, info.max, -info.max / 3, 2.0 ** 60, 2.0 ** -60,
                          math.inf, -math.inf, math.nan], dtype=dtype)
        a = edges[:, np.newaxis, np.newaxis]          # (E, 1, 1) stacks of 1x1 matrices
        b = edges[np.newaxis, np.newaxis, :]          # (1, 1, E)
        with np.errstate(all="ignore"):
            expected = mitchell.mul(edges[:, np.newaxis], edges[np.newaxis, :]) + dtype(0)
            got = mitchell.matmul(a, b)[:, 0, :]
        # "+ 0" above: a sum starts at +0, so a -0 product gives +0
        assert_same_bits(got, expected)


def test_k1_equals_reference_oracle():
    """The same for a few pairs straight from the pure-Python oracle (no C involved)."""
    fmt = reference.FORMATS["float32"]
    for x, y in [(1.5, 1.5), (3.0, -5.0), (2.0 ** -149, 2.0 ** 127), (2.0 ** 127, 2.0)]:
        bx, by = (int(np.float32(v).view(np.uint32)) for v in (x, y))
        expected_bits, _ = reference.mul_bits(bx, by, fmt)
        with np.errstate(all="ignore"):
            got = mitchell.matmul(np.array([[x]], np.float32), np.array([[y]], np.float32))
        assert int(got.view(np.uint32)[0, 0]) == expected_bits


def test_zeros_are_exact_positive_zeros(isa):
    rng = np.random.default_rng(3)
    for dtype in FLOAT_DTYPES:
        a = random_matrix(rng, (9, 40), dtype)
        b = -np.abs(random_matrix(rng, (40, 20), dtype))
        a[2] = 0.0
        a[5] = -0.0
        b[:, 3] = -0.0
        result, flags = raised_flags(lambda: mitchell.matmul(a, b))
        for rows in (result[2], result[5], result[:, 3]):
            assert np.all(np.signbit(rows) == 0) and np.all(rows == 0), "zero rows/columns must give +0"
        assert flags == set(), "the zero packing must not leak an underflow flag"
        assert_same_bits(result, sequential_reference(a, b))


def test_specials_propagate(isa):
    rng = np.random.default_rng(4)
    for dtype in FLOAT_DTYPES:
        a = random_matrix(rng, (6, 300), dtype)
        b = random_matrix(rng, (300, 18), dtype)
        a[0, 5] = math.nan
        a[1, 280] = math.inf
        b[7, 2] = -math.inf
        a[3, :] = 0.0
        b[10, 4] = np.finfo(dtype).smallest_subnormal
        with np.errstate(all="ignore"):
            result = mitchell.matmul(a, b)
            expected = sequential_reference(a, b)
        assert np.isnan(result[0]).all()
        assert np.isinf(result[1]).sum() + np.isnan(result[1]).sum() == 18
        assert np.isnan(result[3, 2]), "0 * inf is NaN"
        assert_same_bits(result, expected)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_wide_exponent_ranges_take_the_general_path(isa, dtype):
    """Blocks whose magnitudes leave the fast kernel's safe range must still be exact."""
    rng = np.random.default_rng(5)
    info = np.finfo(dtype)
    big = float(info.maxexp) * 0.7          # 2^(0.7 emax): products overflow
    a = random_matrix(rng, (70, 600), dtype) * dtype(2.0 ** int(big * 0.6))
    b = random_matrix(rng, (600, 40), dtype)
    b[300:, :20] *= dtype(2.0 ** int(big * 0.6))
    b[:100, 20:] *= dtype(2.0 ** -int(big))
    with np.errstate(all="ignore"):
        assert_same_bits(mitchell.matmul(a, b), sequential_reference(a, b))


def test_overflow_is_reported():
    a = np.array([[2.0 ** 127]], np.float32)
    _, flags = raised_flags(lambda: mitchell.matmul(a, np.array([[4.0]], np.float32)))
    assert "overflow" in flags
    big = np.full((1, 4), 2.0 ** 126, np.float32)          # each product exact, the sum overflows
    result, flags = raised_flags(lambda: mitchell.matmul(big, np.full((4, 1), 1.5, np.float32)))
    assert np.isinf(result[0, 0]) and "overflow" in flags


def scaled_matrix(rng, shape, axis):
    """Random values whose scale changes along `axis` (rows of A, columns of B) from
    2^-75 to 2^10, so that products range from about 2^-150 to 2^20: some blocks take
    the general path, some may flush to zero and others may not; a few lines all
    zero, some with leading zeros (sums that stay +0 for a while), a few zeros
    scattered."""
    x = rng.standard_normal(shape)
    lines = shape[axis]
    scale = 2.0 ** rng.uniform(-75, 10, lines)
    x *= scale[:, None] if axis == 0 else scale[None, :]
    x[rng.random(shape) < 0.1] = 0
    for line in rng.choice(lines, size=max(1, lines // 8), replace=False):
        lead = rng.integers(0, x.shape[1 - axis] + 1)
        if axis == 0:
            x[line, :lead] = 0
        else:
            x[:lead, line] = 0
    return x.astype(np.float32)


@pytest.mark.parametrize("seed", range(3))
def test_mixed_scales_and_zero_runs_any_threads(isa, threads, seed):
    """The fast kernel, flush-to-zero, the general path and the teams together on
    one product, against the sequential sum: every thread count gives the
    reference's bits.  (Random data rarely cancels into the subnormals; the
    guard of flush-to-zero has its own tests below, which do.)"""
    rng = np.random.default_rng(100 + seed)
    m, k, n = [(130, 401, 300), (37, 200, 130), (7, 401, 620)][seed]
    a, b = scaled_matrix(rng, (m, k), 0), scaled_matrix(rng, (k, n), 1)
    expected = sequential_reference(a, b)
    for count in (1, 2, 3):
        set_num_threads(count)
        assert_same_bits(mitchell.matmul(a, b), expected)


def test_results_do_not_depend_on_thread_count(threads):
    rng = np.random.default_rng(6)
    a = random_matrix(rng, (203, 300), np.float32, zeros=0.3)
    b = random_matrix(rng, (300, 150), np.float32)
    stack_a = random_matrix(rng, (16, 20, 64), np.float32)
    stack_b = random_matrix(rng, (16, 64, 2000), np.float32)
    # one tile of rows: a team splits the columns; two column blocks of B
    short_a = random_matrix(rng, (4, 600), np.float32)
    wide_b = random_matrix(rng, (600, 2100), np.float32)
    results = []
    for n in (1, 2, 3, 8):
        set_num_threads(n)
        results.append((mitchell.matmul(a, b), mitchell.matmul(b.T, a.T), mitchell.matmul(stack_a, stack_b),
                        mitchell.matmul(short_a, wide_b)))
    for other in results[1:]:
        for x, y in zip(results[0], other):
            assert_same_bits(x, y)


# --- packing paths (csrc/matmul_pack_avx512.h) -----------------------------

def awkward_matrix(rng, shape):
    """Standard normal values with zeros, subnormals, infinities, NaNs and
    values near the ends of float32's range sprinkled in (each block then takes
    the fast kernel, the general path or flush-to-zero differently)."""
    x = rng.standard_normal(shape).astype(np.float32)
    pick = rng.random(shape)
    x[pick < 0.15] = 0
    x[(pick > 0.15) & (pick < 0.16)] = np.float32(3e-39)
    x[(pick > 0.16) & (pick < 0.165)] = np.inf
    x[(pick > 0.165) & (pick < 0.17)] = np.nan
    x[(pick > 0.17) & (pick < 0.18)] *= np.float32(2.0 ** 100)
    return x


@pytest.mark.parametrize("mkn", [(1, 1, 1), (4, 15, 17), (6, 16, 16), (9, 33, 47), (12, 16, 16),
                                 (13, 200, 31), (25, 40, 33), (5, 17, 100), (131, 190, 40)])
@pytest.mark.parametrize("kind", ["normal", "tiny", "huge", "special", "awkward"])
def test_packing_paths_agree(isa, mkn, kind):
    """The AVX-512 packing reads float32 operands straight from their memory
    (tails of 16 columns masked, contiguous rows loaded, transposed, strided and
    reversed ones gathered, 12-row panels transposed in registers, padding rows
    repeated); the other instruction sets pack through row copies into 5-row
    panels.  Every path gives the sequential sum's bits, on contiguous,
    strided, transposed and reversed operands."""
    rng = np.random.default_rng(sum(mkn) + len(kind))
    m, k, n = mkn
    make = {"normal": lambda r, s: random_matrix(r, s, np.float32, zeros=0.2),
            # normal numbers only, whose products may underflow; or overflow
            "tiny": lambda r, s: (random_matrix(r, s, np.float32, zeros=0.2)
                                  * np.exp2(r.integers(-120, 1, s))).astype(np.float32),
            "huge": lambda r, s: (random_matrix(r, s, np.float32, zeros=0.2)
                                  * np.exp2(r.integers(0, 70, s))).astype(np.float32),
            # ordinary magnitudes with a few specials or subnormals
            "special": lambda r, s: np.where(r.random(s) < 0.02, r.choice(np.array(
                [np.inf, -np.inf, np.nan, 3e-39], np.float32), s), random_matrix(r, s, np.float32)),
            "awkward": awkward_matrix}[kind]
    a, b = make(rng, (m, k)), make(rng, (k, n))
    with np.errstate(all="ignore"):
        expected = sequential_reference(a, b)
        assert_same_bits(mitchell.matmul(a, b), expected)
        wide_a, wide_b = np.repeat(a, 2, axis=1), np.repeat(b, 2, axis=1)
        assert_same_bits(mitchell.matmul(wide_a[:, ::2], wide_b[:, ::2]), expected)
        assert_same_bits(mitchell.matmul(np.asfortranarray(a), np.asfortranarray(b)), expected)
        reversed_a = np.ascontiguousarray(a[:, ::-1])[:, ::-1]    # the same values, column stride -4
        reversed_b = np.ascontiguousarray(b[::-1, ::-1])[::-1, ::-1]
        assert_same_bits(mitchell.matmul(reversed_a, reversed_b), expected)


def test_thin_path_keeps_the_semantics():
    """Plain float32/float64 ndarrays go straight to the gufunc (mitchell/linalg.py);
    everything else the thin path does not take gives what the general path
    gives: out= of the same or another type, byte-swapped and mixed operands,
    broadcasting, 1-D operands and np.matmul's shape errors."""
    rng = np.random.default_rng(41)
    a = random_matrix(rng, (3, 32, 64), np.float32)
    b = random_matrix(rng, (64, 128), np.float32)
    expected = sequential_reference(a, b)
    assert_same_bits(mitchell.matmul(a, b), expected)
    out = np.empty((3, 32, 128), np.float32)
    assert mitchell.matmul(a, b, out=out) is out
    assert_same_bits(out, expected)
    wide = np.empty((3, 32, 128), np.float64)
    mitchell.matmul(a, b, out=wide)   # float32 products, stored as float64
    assert_same_bits(wide, expected.astype(np.float64))
    with pytest.raises(TypeError, match=">f4"):   # refused as before the thin path
        mitchell.matmul(a.astype(">f4"), b)
    assert_same_bits(mitchell.matmul(a[0, 0], b), expected[0, 0])
    assert_same_bits(mitchell.matmul(a.astype(np.float64), b.astype(np.float64)),
                     sequential_reference(a.astype(np.float64), b.astype(np.float64)))
    assert mitchell.matmul(a, b.astype(np.float64)).dtype == np.float64
    with pytest.raises(ValueError, match="matmul"):
        mitchell.matmul(a, a)
    with pytest.raises(TypeError):
        mitchell.matmul(a.astype(np.int64), b)


# --- the worker pool (csrc/matmul_pool.h) ----------------------------------

def pool_operands(rng):
    """Products large enough for several threads: a team (one product of 10.5 M
    products) and a batch shared out whole (4 products of 2.1 M)."""
    return [(random_matrix(rng, (256, 160), np.float32, zeros=0.2), random_matrix(rng, (160, 256), np.float32)),
            (random_matrix(rng, (4, 128, 128), np.float32), random_matrix(rng, (4, 128, 128), np.float32))]


def test_pool_follows_changing_thread_counts(threads):
    """The pool grows and shrinks with set_num_threads between calls (workers
    created for 4 threads are reused for 2 and 3); every count gives the
    sequential sum's bits."""
    rng = np.random.default_rng(31)
    operands = pool_operands(rng)
    expected = [sequential_reference(a, b) for a, b in operands]
    for n in (2, 4, 1, 3, 2, 2, 4):
        set_num_threads(n)
        for (a, b), e in zip(operands, expected):
            assert_same_bits(mitchell.matmul(a, b), e)


def test_pool_under_concurrent_python_threads(threads):
    """Products called at once from several Python threads (the GIL is released
    in the loop, so they do overlap): one of them has the pool, the others run
    on their own threads; all results are the sequential sums."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(32)
    operands = pool_operands(rng) * 3
    expected = [sequential_reference(a, b) for a, b in operands]
    set_num_threads(2)
    for _ in range(3):
        with ThreadPoolExecutor(4) as executor:
            results = list(executor.map(lambda ab: mitchell.matmul(*ab), operands))
        for r, e in zip(results, expected):
            assert_same_bits(r, e)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_pool_after_fork(threads):
    """A child forked after the pool has workers has none of them: it creates
    its own and computes the same bits (a child that waited for the parent's
    workers would hang, and the test with it)."""
    rng = np.random.default_rng(33)
    a, b = pool_operands(rng)[0]
    set_num_threads(2)
    expected = mitchell.matmul(a, b)  # the parent's pool now has a worker
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report the bits and leave without pytest's cleanup
        try:
            data = memoryview(mitchell.matmul(a, b).tobytes())
            while data:
                data = data[os.write(write, data):]
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    assert data == expected.tobytes()
    assert_same_bits(mitchell.matmul(a, b), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("which", ["a", "b"])
@pytest.mark.parametrize("k", [40, 600], ids=["one K block", "several K blocks"])
def test_out_may_be_an_operand(dtype, which, k):
    """out= that is an operand gives what a fresh output gives, as with np.matmul.
    The C product reads its operands while writing out=; with subnormals (the
    general path writes C row by row) or K beyond one block (C holds partial
    sums between blocks) an aliased operand would be overwritten early."""
    rng = np.random.default_rng(k)
    a = random_matrix(rng, (30, k) if which == "a" else (k, k), dtype, zeros=0.1)
    b = random_matrix(rng, (k, k) if which == "a" else (k, 30), dtype, zeros=0.1)
    a[rng.random(a.shape) < 0.02] = np.finfo(dtype).smallest_subnormal * 3
    expected = mitchell.matmul(a, b)
    with np.errstate(under="ignore"):
        if which == "a":
            result = mitchell.matmul(a, b, out=a)
            assert result is a
        else:
            result = mitchell.matmul(a, b, out=(b,))
            assert result is b
    assert_same_bits(result, expected)


@pytest.mark.parametrize("k", [3, 1040], ids=["in one K block", "into later K blocks"])
def test_subnormal_partial_sums_survive_vanishing_zero_products(isa, k):
    """The kernel runs in flush-to-zero mode only where no sum can be subnormal
    (csrc/matmul_gemm.c, "Flush to zero").  Here two products (exact: b is a
    power of two) cancel to 2^-145, a subnormal, and the zeros in A that follow
    add vanishing products: IEEE keeps 2^-145, FTZ would give 0.  With K = 1040
    the pair ends the first K block (float32: 3 blocks of 347, KC = 512) and the
    later blocks hold only zeros, which alone would allow FTZ: the history of
    the sum must not."""
    x = np.float32(1.5 * 2.0 ** -60)
    row = np.zeros(k, np.float32)
    row[[0, 1] if k == 3 else [345, 346]] = x, -np.nextafter(x, np.float32(0))
    a = np.tile(row, (24, 1))      # two full 12-row tiles (AVX-512); four 5-row tiles and a 4-row one
    b = np.full((k, 32), 2.0 ** -62, np.float32)               # two full 16-column panels
    expected = sequential_reference(a, b)
    assert expected[0, 0] == np.float32(2.0 ** -145)           # one ulp of x (2^-83) times 2^-62
    assert_same_bits(mitchell.matmul(a, b), expected)


@pytest.mark.parametrize("case", ["one thread", "team of 2", "batch"])
def test_allocation_failure_raises_memory_error(threads, case):
    """An exhausted allocator gives MemoryError (not a warning and garbage), and nothing leaks."""
    from mitchell import _matmul

    rng = np.random.default_rng(9)
    shape_a, shape_b = {"one thread": ((40, 30), (30, 20)), "team of 2": ((250, 130), (130, 250)),
                        "batch": ((4, 100, 150), (4, 150, 100))}[case]
    a, b = random_matrix(rng, shape_a, np.float32), random_matrix(rng, shape_b, np.float32)
    set_num_threads(1 if case == "one thread" else 2)
    _matmul._fail_allocations(1)
    with pytest.raises(MemoryError, match="packing buffers"):
        mitchell.matmul(a, b)
    _matmul._fail_allocations(0)
    assert_same_bits(mitchell.matmul(a, b), sequential_reference(a, b))


def test_portable_and_simd_kernels_agree():
    rng = np.random.default_rng(7)
    a = random_matrix(rng, (37, 515), np.float32, zeros=0.1)
    b = random_matrix(rng, (515, 45), np.float32)
    results = []
    for isa in ISAS:
        _isa.set_isa(isa)
        results.append((mitchell.matmul(a, b), mitchell.matmul(a.astype(np.float64), b.astype(np.float64))))
    _isa.set_isa(None)
    for other in results[1:]:
        for x, y in zip(results[0], other):
            assert_same_bits(x, y)


# --- np.matmul's semantics ----------------------------------------------------

BROADCAST_SHAPES = [
    ((3,), (3,)),                 # vector . vector -> scalar
    ((3,), (3, 4)),               # 1-D on the left: prepended dimension removed
    ((2, 3), (3,)),               # 1-D on the right: appended dimension removed
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),          # stack with a matrix
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((5, 1, 2, 3), (1, 6, 3, 4)), # batch broadcasting both ways
    ((1, 2, 3), (7, 3, 4)),
    ((4, 3), (2, 1, 3, 5)),
    ((3,), (2, 3, 4)),            # 1-D with a stack
    ((2, 4, 3), (3,)),
    ((0, 3), (3, 4)),             # empty dimensions
    ((2, 0), (0, 4)),             # K = 0: zeros
    ((2, 3), (3, 0)),
    ((0, 2, 3), (3, 4)),
]


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=lambda s: f"{s[0]}@{s[1]}")
def test_broadcasting_like_np_matmul(shapes):
    rng = np.random.default_rng(8)
    a = random_matrix(rng, shapes[0], np.float32)
    b = random_matrix(rng, shapes[1], np.float32)
    result = mitchell.matmul(a, b)
    expected_shape = np.matmul(a, b).shape
    assert np.shape(result) == expected_shape
    assert_same_bits(np.asarray(result), np.asarray(sequential_reference(a, b)).reshape(expected_shape))


BAD_SHAPES = [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), ()), ((), (3,)), ((2, 2, 3), (3, 3, 4))]


@pytest.mark.parametrize("shapes", BAD_SHAPES, ids=lambda s: f"{s[0]}@{s[1]}")
def test_shape_errors_like_np_matmul(shapes):
    a = np.ones(shapes[0], np.float32)
    b = np.ones(shapes[1], np.float32)
    with pytest.raises(ValueError) as expected:
        np.matmul(a, b)
    with pytest.raises(ValueError) as got:
        mitchell.matmul(a, b)
    assert str(got.value) == str(expected.value)


def test_out_argument():
    rng = np.random.default_rng(9)
    a = random_matrix(rng, (3, 4, 5), np.float32)
    b = random_matrix(rng, (5, 6), np.float32)
    out = np.full((3, 4, 6), np.nan, np.float32)
    assert mitchell.matmul(a, b, out=out) is out
    assert_same_bits(out, sequential_reference(a, b))
    strided = np.zeros((3, 4, 12), np.float32)[:, :, ::2]     # non-contiguous out
    mitchell.matmul(a, b, out=strided)
    assert_same_bits(np.ascontiguousarray(strided), sequential_reference(a, b))
    with pytest.raises(ValueError):
        mitchell.matmul(a, b, out=np.zeros((3, 4, 7), np.float32))


def test_non_contiguous_and_transposed_operands(isa):
    rng = np.random.default_rng(10)
    base_a = random_matrix(rng, (70, 90), np.float32)
    base_b = random_matrix(rng, (90, 80), np.float32)
    cases = [
        (base_a.T[:, :70].T, base_b),                        # a Fortran-ordered view
        (base_a[::2, ::3], base_b[::3, ::2]),                # steps
        (base_a[::-1, :], base_b[:, ::-1]),                  # negative strides
        (np.asfortranarray(base_a), np.asfortranarray(base_b)),
        (base_b.T, base_a.T),                                # transposes
        (np.broadcast_to(base_a[:1], (70, 90)), base_b),     # zero stride
    ]
    for a, b in cases:
        assert_same_bits(mitchell.matmul(a, b), sequential_reference(np.ascontiguousarray(a),
                                                                     np.ascontiguousarray(b)))
    unaligned = np.frombuffer(np.zeros(4 * 6 * 5 + 1, np.uint8).tobytes()[1:], np.float32).reshape(6, 5)
    assert_same_bits(mitchell.matmul(unaligned, unaligned.T), sequential_reference(unaligned, unaligned.T))


def test_type_promotion_and_refusals():
    a32 = np.ones((2, 2), np.float32)
    assert mitchell.matmul(a32, a32).dtype == np.float32
    assert mitchell.matmul(a32, a32.astype(np.float64)).dtype == np.float64
    assert mitchell.matmul(a32, np.ones((2, 2), np.int8)).dtype == np.float32
    for bad in (np.int16, np.int64, np.complex64, np.bool_):
        with pytest.raises(TypeError, match="float16, bfloat16, float32, float64, int8 and uint8"):
            mitchell.matmul(np.ones((2, 2), bad), np.ones((2, 2), bad))
    with pytest.raises(TypeError, match="acc_dtype"):
        mitchell.matmul(a32, a32, acc_dtype=np.float16)


# --- the integer path -----------------------------------------------------------

@pytest.mark.parametrize("ta,tb", [(np.int8, np.int8), (np.uint8, np.uint8), (np.int8, np.uint8),
                                   (np.uint8, np.int8)], ids=lambda t: np.dtype(t).name)
def test_integer_products_all_pairs(ta, tb):
    """Every pair of byte values, as the outer product (K = 1) of the two ranges."""
    xa = np.arange(np.iinfo(ta).min, np.iinfo(ta).max + 1).astype(ta)
    xb = np.arange(np.iinfo(tb).min, np.iinfo(tb).max + 1).astype(tb)
    result = mitchell.matmul(xa[:, np.newaxis], xb[np.newaxis, :])
    assert result.dtype == np.int32
    table = {(x, y): imul_reference(x, y) for x in xa.tolist() for y in xb.tolist()}
    expected = np.array([[table[x, y] for y in xb.tolist()] for x in xa.tolist()], np.int32)
    assert np.array_equal(result, expected)


def test_integer_sums_bit_exact(isa, threads):
    rng = np.random.default_rng(11)
    a = rng.integers(-128, 128, (37, 700)).astype(np.int8)
    b = rng.integers(-128, 128, (700, 23)).astype(np.int8)
    products = np.vectorize(imul_reference, otypes=[np.int64])(a[:, :, None], b[None, :, :])
    expected = products.sum(axis=1).astype(np.int32)
    for n in (1, 2):
        set_num_threads(n)
        assert np.array_equal(mitchell.matmul(a, b), expected)
        assert np.array_equal(mitchell.matmul(a.T.copy().T, b[::-1][::-1]), expected)


def test_integer_accumulation_wraps_like_int32():
    k = 2 ** 17 + 5                             # 16384 * k > 2^31
    a = np.full((1, k), -128, np.int8)
    result = mitchell.matmul(a, a.T)            # (-128)(-128) = 2^14 exactly in Mitchell's arithmetic
    assert int(result[0, 0]) == (2 ** 14 * k + 2 ** 31) % 2 ** 32 - 2 ** 31


# --- dot, tensordot, conv2d -----------------------------------------------------------

def mitchell_tensordot_reference(a, b, axes_a, axes_b):
    """float64 sum of mitchell.mul over the contracted axes, by broadcasting."""
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [i for i in range(b.ndim) if i not in axes_b]
    at = np.transpose(a, free_a + axes_a)
    bt = np.transpose(b, axes_b + free_b)
    nfa, nfb, nk = len(free_a), len(free_b), len(axes_a)
    at = at.reshape(at.shape + (1,) * nfb)
    bt = bt.reshape((1,) * nfa + bt.shape)
    products = mitchell.mul(at, bt).astype(np.float64)
    return products.sum(axis=tuple(range(nfa, nfa + nk)))


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3, 4)), ((2, 5, 3), (3,)),
                                   ((2, 5, 3), (4, 3, 2)), ((3,), (2, 3, 4))], ids=str)
def test_dot_like_np_dot(sa, sb):
    rng = np.random.default_rng(12)
    a = random_matrix(rng, sa, np.float64)
    b = random_matrix(rng, sb, np.float64)
    result = mitchell.dot(a, b)
    assert np.shape(result) == np.dot(a, b).shape
    # np.dot contracts a's last axis with b's second-to-last (its only one if 1-D)
    expected = mitchell_tensordot_reference(a, b, [a.ndim - 1], [max(b.ndim - 2, 0)])
    assert np.allclose(result, expected, rtol=1e-12, atol=1e-12)


def test_dot_with_a_scalar_is_mul():
    x = np.array([1.5, 3.0], np.float32)
    assert np.array_equal(mitchell.dot(np.float32(1.5), x), mitchell.mul(np.float32(1.5), x))


@pytest.mark.parametrize("sa,sb,axes", [
    ((3, 4, 5), (4, 5, 2), 2),
    ((3, 4, 5), (5, 2), 1),
    ((3, 4), (5, 2), 0),
    ((3, 4, 5), (5, 3, 2), ([0, 2], [1, 0])),
    ((3, 4, 5), (2, 3, 4), ([1], [2])),
], ids=str)
def test_tensordot_like_np_tensordot(sa, sb, axes):
    rng = np.random.default_rng(13)
    a = random_matrix(rng, sa, np.float64)
    b = random_matrix(rng, sb, np.float64)
    result = mitchell.tensordot(a, b, axes)
    assert result.shape == np.tensordot(a, b, axes).shape
    if isinstance(axes, int):
        axes_a, axes_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        axes_a, axes_b = axes
    expected = mitchell_tensordot_reference(a, b, list(axes_a), list(axes_b))
    assert np.allclose(result, expected, rtol=1e-12, atol=1e-12)


def test_tensordot_shape_mismatch():
    with pytest.raises(ValueError, match="shape-mismatch"):
        mitchell.tensordot(np.ones((3, 4)), np.ones((7, 7)), 1)


def conv2d_reference(x, w, stride, padding, dilation, groups):
    """Direct definition of torch's conv2d with mitchell.mul products, summed in float64."""
    n, c_in, h, wd = x.shape
    c_out, c_g, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    ho = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (wd + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, c_out, ho, wo))
    per_group = c_out // groups
    for co in range(c_out):
        g = co // per_group
        for y in range(ho):
            for xx in range(wo):
                patch = xp[:, g * c_g:(g + 1) * c_g,
                           y * stride[0]: y * stride[0] + dilation[0] * (kh - 1) + 1: dilation[0],
                           xx * stride[1]: xx * stride[1] + dilation[1] * (kw - 1) + 1: dilation[1]]
                out[:, co, y, xx] = mitchell.mul(patch, w[co]).astype(np.float64).sum(axis=(1, 2, 3))
    return out


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    (1, 0, 1, 1), (2, 1, 1, 1), ((1, 2), (2, 0), 1, 1), (1, 2, 2, 1), (1, 1, 1, 2), (2, 1, (2, 1), 4),
], ids=str)
def test_conv2d_matches_definition(stride, padding, dilation, groups):
    rng = np.random.default_rng(14)
    x = random_matrix(rng, (2, 4, 9, 8), np.float32, zeros=0.3)
    w = random_matrix(rng, (8, 4 // groups, 3, 2), np.float32)
    pair = lambda v: v if isinstance(v, tuple) else (v, v)
    result = mitchell.conv2d(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    expected = conv2d_reference(x, w, pair(stride), pair(padding), pair(dilation), groups)
    assert result.shape == expected.shape and result.dtype == np.float32
    assert np.allclose(result, expected, rtol=1e-5, atol=1e-5)


def test_conv2d_padding_modes_and_bias():
    rng = np.random.default_rng(15)
    x = random_matrix(rng, (3, 6, 7), np.float64)                 # unbatched
    w = random_matrix(rng, (5, 3, 3, 3), np.float64)
    same = mitchell.conv2d(x, w, padding="same", dilation=2)
    assert same.shape == (5, 6, 7)
    assert mitchell.conv2d(x, w, padding="valid").shape == (5, 4, 5)
    bias = np.arange(5.0)
    with_bias = mitchell.conv2d(x, w, bias=bias, padding=1)
    assert np.array_equal(with_bias, mitchell.conv2d(x, w, padding=1) + bias[:, None, None])
    with pytest.raises(ValueError):
        mitchell.conv2d(x, w, padding="same", stride=2)
    with pytest.raises(ValueError):
        mitchell.conv2d(x, w, groups=2)


def test_int8_conv2d():
    rng = np.random.default_rng(16)
    x = rng.integers(0, 256, (1, 2, 5, 5)).astype(np.uint8)
    w = rng.integers(-128, 128, (3, 2, 3, 3)).astype(np.int8)
    result = mitchell.conv2d(x, w)
    assert result.dtype == np.int32
    expected = conv2d_reference(x.astype(np.int64), w.astype(np.int64), (1, 1), (0, 0), (1, 1), 1)
    assert np.array_equal(result, expected)


def test_out_overlapping_an_input():
    """NumPy's overlap detection hands the loop a copy, as for np.matmul(a, a, out=a)."""
    rng = np.random.default_rng(17)
    a = random_matrix(rng, (40, 40), np.float32)
    expected = sequential_reference(a, a)
    mitchell.matmul(a, a, out=a)
    assert_same_bits(a, expected)


def test_docstring_examples():
    """The examples in mitchell.linalg's docstrings run and print what they say."""
    import doctest

    result = doctest.testmod(mitchell.linalg, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0


from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(data=st.data(), dtype=st.sampled_from([np.float32, np.float64]),
       m=st.integers(1, 12), k=st.integers(1, 40), n=st.integers(1, 20))
def test_any_values_match_the_sequential_sum(data, dtype, m, k, n):
    """Arbitrary bit patterns (specials, subnormals, extremes) mixed with ordinary values."""
    elements = st.one_of(st.floats(width=np.finfo(dtype).bits, allow_nan=True),
                         st.floats(-4, 4, width=np.finfo(dtype).bits))
    a = data.draw(hnp.arrays(dtype, (m, k), elements=elements))
    b = data.draw(hnp.arrays(dtype, (k, n), elements=elements))
    with np.errstate(all="ignore"):
        assert_same_bits(mitchell.matmul(a, b), sequential_reference(a, b))
