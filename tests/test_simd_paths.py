"""Every contiguous (SIMD) loop is bit-identical to the strided scalar loop.

The strided loop of csrc/loops.c calls the scalar kernels of csrc/kernels.h
element by element; the contiguous loops (csrc/contiguous_loops.h, compiled
once per instruction set) must give the same bits and raise the same
floating-point flags for every input.  The expected values here therefore
come from the same ufunc applied to a non-contiguous copy of the operands
(stride 2 elements), which always takes the scalar path.  Each test runs once
per instruction set this build and CPU support (``baseline`` everywhere;
``avx2`` / ``avx512`` on x86-64 CPUs that have them).
"""

import functools
import importlib.util
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import mitchell
from mitchell import _isa, _ufuncs, reference
from mitchell._spec import FORMATS

from fpflags import raised_flags

DTYPES = [np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)]
BITS = {np.dtype(np.float16): np.dtype(np.uint16),
        np.dtype(np.float32): np.dtype(np.uint32),
        np.dtype(np.float64): np.dtype(np.uint64)}
OPS = {"mul": mitchell.mul, "div": mitchell.div}

# Around every vector and block width (generic loops: blocks of two vectors, 8
# to 64 lanes; AVX-512 float32/float64 loops: four vectors, 32 or 64 lanes)
# plus the lengths named in the issue.
LENGTHS = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129,
           255, 256, 257, 1000]



@pytest.fixture(params=_isa.available())
def isa(request):
    """Select one instruction set for the test, then restore what was active."""
    previous = _isa.active()
    assert _isa.set_isa(request.param) == request.param
    assert _isa.active() == request.param
    yield request.param
    _isa.set_isa(previous)


@pytest.fixture(params=DTYPES, ids=lambda d: d.name)
def dtype(request):
    return request.param


@pytest.fixture(params=sorted(OPS))
def op(request):
    return OPS[request.param]


def strided_copy(x):
    """The same values as x, but every other element of a buffer (stride 2)."""
    x = np.asarray(x)
    buffer = np.empty(2 * x.size, x.dtype)
    buffer[::2] = x.ravel()
    return buffer[::2].reshape(x.shape)


def call_with_flags(ufunc, *args, **kwargs):
    """Result of the call and the set of FP exceptions NumPy saw it raise."""
    return raised_flags(lambda: ufunc(*args, **kwargs))


def assert_same_bits(actual, expected):
    bits = BITS[actual.dtype]
    a, e = actual.view(bits), expected.view(bits)
    bad = np.flatnonzero(a != e)
    assert bad.size == 0, (f"{bad.size} of {a.size} differ; first at {bad[:5]}: "
                           f"got {[hex(v) for v in a[bad[:5]]]}, "
                           f"expected {[hex(v) for v in e[bad[:5]]]}")


def check_contiguous_matches_strided(ufunc, a, b):
    """Contiguous loop vs strided loop on the same values: bits and flags."""
    got, got_flags = call_with_flags(ufunc, a, b)
    expected, expected_flags = call_with_flags(ufunc, strided_copy(a), strided_copy(b))
    assert_same_bits(got, expected)
    assert got_flags == expected_flags


def random_bits(rng, dtype, n):
    """n uniformly random bit patterns: every class of value, in proportion."""
    bits = BITS[dtype]
    return rng.integers(0, np.iinfo(bits).max, n, dtype=bits, endpoint=True).view(dtype)


def specials(dtype):
    """Edge values of the format: zeros, inf, NaNs, subnormals, range ends."""
    info = np.finfo(dtype)
    bits = BITS[dtype]
    tiny_sub = np.array(1, bits).view(dtype)
    values = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, tiny_sub, -tiny_sub,
              info.tiny, info.tiny * 0.75, info.max, -info.max, 1.0, 2.0, 0.5,
              info.max / 2, info.tiny * 2, info.eps]
    out = np.array(values, dtype)
    # a signalling NaN and a NaN with payload (bit patterns)
    fmt = FORMATS[dtype.name]
    exp_bits, frac_bits = fmt.exp_bits, fmt.frac_bits
    inf_bits = ((1 << exp_bits) - 1) << frac_bits
    nans = np.array([inf_bits | 1, inf_bits | (1 << (frac_bits - 1)) | 5], bits).view(dtype)
    return np.concatenate([out, nans])


def normal_runs(rng, dtype, n):
    """Long runs of normal values (20% zeros, like ReLU outputs) spanning the
    whole exponent range, so that some products and quotients overflow or
    underflow, with a few specials sprinkled in."""
    info = np.finfo(dtype)
    log_max = np.log2(float(info.max))
    x = np.exp2(rng.uniform(-log_max, log_max, n)) * rng.choice([-1.0, 1.0], n)
    with np.errstate(over="ignore", under="ignore"):
        x = x.astype(dtype)
    x[rng.random(n) < 0.2] = 0
    sp = specials(dtype)
    where = rng.random(n) < 0.01
    x[where] = rng.choice(sp, where.sum())
    return x


def test_random_bit_patterns(isa, dtype, op):
    rng = np.random.default_rng(20261123)
    a, b = random_bits(rng, dtype, 100_003), random_bits(rng, dtype, 100_003)
    check_contiguous_matches_strided(op, a, b)


def test_float16_every_pattern_against_random_partners(isa, op):
    """All 65536 float16 patterns as the left and as the right operand."""
    rng = np.random.default_rng(16)
    every = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    partners = random_bits(rng, np.dtype(np.float16), 1 << 16)
    check_contiguous_matches_strided(op, every, partners)
    check_contiguous_matches_strided(op, partners, every)


def test_specials_in_normal_runs(isa, dtype, op):
    rng = np.random.default_rng(7)
    a, b = normal_runs(rng, dtype, 50_000), normal_runs(rng, dtype, 50_000)
    check_contiguous_matches_strided(op, a, b)


def test_all_special_pairs(isa, dtype, op):
    sp = specials(dtype)
    a, b = np.meshgrid(sp, sp)
    check_contiguous_matches_strided(op, a.ravel().copy(), b.ravel().copy())


@pytest.mark.parametrize("n", LENGTHS)
def test_lengths(isa, dtype, op, n):
    """Remainders and the padded last block; one special at each position
    makes a different block fall back to the kernel each time."""
    rng = np.random.default_rng(n)
    a, b = normal_runs(rng, dtype, n), normal_runs(rng, dtype, n)
    check_contiguous_matches_strided(op, a, b)
    for position in range(0, n, max(1, n // 7)):
        a_special = a.copy()
        a_special[position] = np.inf
        check_contiguous_matches_strided(op, a_special, b)


@pytest.mark.parametrize("side", ["left", "right"])
def test_scalar_operand(isa, dtype, op, side):
    """A 0-d operand reaches the loop with stride 0 (the broadcast loop)."""
    rng = np.random.default_rng(3)
    array = normal_runs(rng, dtype, 1001)
    for scalar in list(specials(dtype)) + list(normal_runs(rng, dtype, 20)):
        scalar = np.asarray(scalar, dtype)
        args = (scalar, array) if side == "left" else (array, scalar)
        strided_args = tuple(x if x.ndim == 0 else strided_copy(x) for x in args)
        got, got_flags = call_with_flags(op, *args)
        expected, expected_flags = call_with_flags(op, *strided_args)
        assert_same_bits(got, expected)
        assert got_flags == expected_flags


def scalar_operands(dtype):
    """Normal scalars of both signs from one end of the exponent range to the
    other (the broadcast loops check such a scalar once per call and fold its
    magnitude into the constant of the sum), and the ones that must keep the
    general loop: zeros, subnormals, infinities and NaNs."""
    fmt = reference.FORMATS[dtype.name]
    ulp = 1 << fmt.frac_bits  # one step of the exponent field
    one = fmt.bias * ulp
    normal = [fmt.min_normal_bits, fmt.min_normal_bits + 1, 2 * fmt.min_normal_bits - 1,
              fmt.min_normal_bits + ulp, one, one + ulp // 2, one - 1,
              (fmt.bias // 2) * ulp, (fmt.bias * 3 // 2) * ulp + ulp // 2,
              fmt.max_finite_bits - ulp + 1, fmt.max_finite_bits - 1, fmt.max_finite_bits]
    other = [0, 1, fmt.min_normal_bits - 1, fmt.inf_bits, fmt.qnan_bits, fmt.inf_bits | 1]
    return [b | sign for b in normal + other for sign in (0, fmt.sign_mask)]


def partner_magnitude(fmt, name, scalar_is_a, m, target):
    """The array magnitude x whose one-addition sum with the scalar magnitude m
    is target (semantics.md: mul adds the logarithms, div subtracts the
    divisor's), for choosing inputs only; the expected values are the oracle's."""
    one = fmt.bias << fmt.frac_bits
    if name == "mul":
        return target - m + one
    return m + one - target if scalar_is_a else target + m - one


@functools.lru_cache(maxsize=None)
def scalar_case(dtype, name, scalar_is_a, scalar_bits):
    """(scalar, array, the oracle's bits and flags) for one broadcast call.

    The array is, in order: values whose results land on either side of the
    smallest normal and of infinity, one per 67 elements among fillers whose
    results are plain (so that in every block the edge lane alone decides);
    every exponent of the format, sorted (blocks of plain lanes, then blocks
    that underflow or overflow); fillers with a zero in every third lane; and
    the specials (subnormals, inf, NaN), each among fillers.
    """
    fmt = reference.FORMATS[dtype.name]
    bits = BITS[dtype]
    rng = np.random.default_rng([fmt.width, name == "mul", scalar_is_a, scalar_bits])
    m = scalar_bits & ~fmt.sign_mask
    low, high = fmt.min_normal_bits, fmt.max_finite_bits

    def clip(x):
        return min(max(x, low), high)

    def signs(n):
        return rng.choice([0, fmt.sign_mask], n)

    if low <= m <= high:
        filler = clip(partner_magnitude(fmt, name, scalar_is_a, m, fmt.bias << fmt.frac_bits))
        edges = [partner_magnitude(fmt, name, scalar_is_a, m, t + d)
                 for t in (low, fmt.inf_bits) for d in (-2, -1, 0, 1, 2)]
    else:
        filler, edges = fmt.bias << fmt.frac_bits, []
    edges = [x for x in edges if low <= x <= high]
    edge_part = np.full(67 * len(edges), filler, np.uint64)
    for k, x in enumerate(edges):
        edge_part[67 * k + k] = x
    per_exponent = {16: 8, 32: 2, 64: 1}[fmt.width]
    exponents = np.repeat(np.arange(1, fmt.exp_field_max, dtype=np.uint64), per_exponent)
    fractions = rng.integers(0, 1 << fmt.frac_bits, exponents.size, dtype=np.uint64)
    sweep = (exponents << np.uint64(fmt.frac_bits)) | fractions
    zero_part = np.full(99, filler, np.uint64)
    zero_part[::3] = 0
    special_bits = specials(dtype).view(bits).astype(np.uint64)
    special_part = np.full((special_bits.size, 4), filler, np.uint64)
    special_part[:, 1] = special_bits
    array = np.concatenate([edge_part, sweep, zero_part, special_part.ravel()])
    array = (array | signs(array.size).astype(np.uint64)).astype(bits)
    scalar = np.asarray(scalar_bits, bits)
    kernel = reference.mul_bits_array if name == "mul" else reference.div_bits_array
    a, b = (scalar, array) if scalar_is_a else (array, scalar)
    expected, flags = kernel(a, b, fmt)
    return scalar.view(dtype), array.view(dtype), expected.view(dtype), set(flags)


@pytest.mark.parametrize("side", ["left", "right"])
def test_scalar_operand_against_the_oracle(isa, dtype, op, side):
    """Every kind of scalar on each side against arrays whose results reach
    both ends of the normal range and beyond, with zeros and specials: the
    folded constant of a normal scalar must give the oracle's bits and flags,
    and must hand exactly the failing blocks to the kernel."""
    for scalar_bits in scalar_operands(dtype):
        scalar, array, expected, expected_flags = scalar_case(dtype, op.__name__, side == "left",
                                                              scalar_bits)
        args = (scalar, array) if side == "left" else (array, scalar)
        got, got_flags = call_with_flags(op, *args)
        assert_same_bits(got, expected)
        assert got_flags == expected_flags, hex(scalar_bits)


@pytest.mark.parametrize("n", [5, 70, 1000])
def test_every_alignment_of_the_output(isa, dtype, op, n):
    """The AVX-512 loops first compute the elements before a 64-byte boundary
    of the output (a masked block), then whole aligned blocks: every offset
    of the three arrays within a cache line, with specials near the start."""
    rng = np.random.default_rng(n)
    lanes = 64 // dtype.itemsize
    for offset in range(lanes):
        a = np.empty(n + lanes, dtype)[offset:offset + n]
        b = np.empty(n + lanes, dtype)[lanes - 1 - offset:lanes - 1 - offset + n]
        a[:], b[:] = normal_runs(rng, dtype, n), normal_runs(rng, dtype, n)
        a[min(offset, n - 1)] = np.inf if offset % 2 else np.array(1, BITS[dtype]).view(dtype)
        check_contiguous_matches_strided(op, a, b)


@pytest.mark.parametrize("n", [37, 100, 300])
def test_one_lane_below_the_normal_range_at_every_position(isa, dtype, op, n):
    """One result just below the normal range (the one-addition sum lands in
    [0, min normal): the vector path must hand its block to the kernel, which
    rounds it to a subnormal) at every position of a row, so in every lane of
    whole blocks, of the tail (whose last vector is partial) and of the head
    before an aligned output; with two arrays and with a scalar operand."""
    info = np.finfo(dtype)
    emin = int(np.log2(float(info.tiny)))
    e1 = emin // 2
    e2 = emin - 1 - e1
    x = np.asarray(1.5 * 2.0 ** e1, dtype)
    partner = np.asarray(2.0 ** e2 if op is mitchell.mul else 2.0 ** -e2, dtype)
    a = np.full(n, x)
    for r in range(n):
        b = np.full(n, np.asarray(3.0, dtype))
        b[r] = partner
        for got in (op(a, b), op(x, b), op(b, x) if op is mitchell.mul else op(a, b)):
            assert got[r] != 0 and abs(got[r]) < info.tiny, (r, got[r])
        check_contiguous_matches_strided(op, a, b)


def test_zero_runs_stay_exact(isa, dtype, op):
    """Blocks made only of zeros (0 * 0, 0 / 0), zeros against every special,
    and zeros mixed into dense runs: the vector path finishes zero lanes itself
    and must leave 0 / 0, 0 * inf and 0 * NaN to the kernel."""
    rng = np.random.default_rng(23)
    n = 4096
    dense = normal_runs(rng, dtype, n)
    zeros = np.zeros(n, dtype)
    zeros[1::3] = -0.0
    for a, b in [(zeros, zeros), (zeros, dense), (dense, zeros),
                 (zeros, np.resize(specials(dtype), n)), (np.resize(specials(dtype), n), zeros)]:
        check_contiguous_matches_strided(op, a, b)


@pytest.mark.parametrize("target", ["a", "b"])
def test_out_aliases_an_input(isa, dtype, op, target):
    """out=a: a block that falls back to the kernel must still read its inputs."""
    rng = np.random.default_rng(11)
    a, b = normal_runs(rng, dtype, 5000), normal_runs(rng, dtype, 5000)
    expected, expected_flags = call_with_flags(op, strided_copy(a), strided_copy(b))
    out = a if target == "a" else b
    got, got_flags = call_with_flags(op, a, b, out=out)
    assert got is out
    assert_same_bits(out, expected)
    assert got_flags == expected_flags


@pytest.mark.parametrize("n", [2, 3, 17, 33, 64, 65, 300])
def test_accumulate_feeds_each_result_into_the_next(isa, dtype, op, n):
    """accumulate hands the loop out = a + 1 element: a partial overlap that
    must be computed in order (expected values: one 0-d call per step)."""
    rng = np.random.default_rng(n)
    x = np.exp2(rng.uniform(-2, 2, n)).astype(dtype)
    x[n // 2] = 0  # mul: zeros from here on; div: x / 0 raises divide by zero
    expected, expected_flags = [x[0]], set()
    for value in x[1:]:
        step, flags = call_with_flags(op, expected[-1], value)
        expected.append(step)
        expected_flags |= flags
    got, got_flags = call_with_flags(op.accumulate, x)
    assert_same_bits(got, np.array(expected, dtype))
    assert got_flags == expected_flags


@pytest.mark.parametrize("dtype", [np.dtype(np.float32), np.dtype(np.float64)], ids=str)
def test_large_output_streaming_stores(isa, dtype, op):
    """Outputs of 16 MiB and more are written with streaming stores after a
    head that aligns the output; an output view one element off alignment
    exercises the head, and specials make some blocks fall back."""
    rng = np.random.default_rng(17)
    n = (16 << 20) // dtype.itemsize + 45
    a, b = normal_runs(rng, dtype, n), normal_runs(rng, dtype, n)
    expected, expected_flags = call_with_flags(op, strided_copy(a), strided_copy(b))
    for offset in [0, 1]:
        out = np.empty(n + 1, dtype)[offset:offset + n]
        got, got_flags = call_with_flags(op, a, b, out=out)
        assert_same_bits(got, expected)
        assert got_flags == expected_flags


def test_flags_raise_under_errstate(isa, op):
    """The same exceptions reach np.errstate(all='raise') from both paths."""
    a = np.float32([3e38, 1.0, 1e-30, 0.0, 2.0] * 10)
    b = np.float32([3e38, 0.0, 1e-30, 0.0, np.inf] * 10)
    for args in [(a, b), (strided_copy(a), strided_copy(b))]:
        with np.errstate(all="raise"), pytest.raises(FloatingPointError):
            op(*args)


def test_plain_values_raise_no_flags(isa, dtype, op):
    """Normal operands with normal results and zeros: no warning at all."""
    rng = np.random.default_rng(5)
    a = np.exp2(rng.uniform(-4, 4, 4099)).astype(dtype)
    a[::5] = 0
    b = np.exp2(rng.uniform(-4, 4, 4099)).astype(dtype)
    with np.errstate(all="raise"):
        op(a, b)


def test_environment_variable_forces_the_portable_path():
    """MITCHELL_ISA=baseline (what CI sets for its second run) is honoured at import,
    by the elementwise loops and the matrix product alike."""
    code = ("import mitchell; from mitchell import _isa, _matmul; "
            "print(_isa.active(), _isa.names()[_matmul.active_isa()])")
    env = dict(os.environ, MITCHELL_ISA="baseline", MITCHELL_BACKEND="c")
    root = pathlib.Path(mitchell.__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=root,
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "baseline baseline"


def test_unavailable_environment_request_warns_and_uses_the_best():
    code = "import mitchell; from mitchell import _isa; print(_isa.active())"
    env = dict(os.environ, MITCHELL_ISA="no-such-isa", MITCHELL_BACKEND="c")
    root = pathlib.Path(mitchell.__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=root,
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == _isa.available()[-1]
    assert "MITCHELL_ISA='no-such-isa'" in done.stderr


def test_unknown_instruction_set_is_refused():
    previous = _isa.active()
    try:
        with pytest.raises(ValueError, match="unknown instruction set"):
            _isa.set_isa("no-such-isa")
        assert _isa.active() == previous  # unchanged
    finally:
        _isa.set_isa(previous)


def load_emulation():
    path = pathlib.Path(__file__).resolve().parent.parent / "bench" / "emulation.py"
    spec = importlib.util.spec_from_file_location("mitchell_bench_emulation", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(OPS))
def test_benchmark_emulation_matches_on_normal_inputs(dtype, name):
    """The pure-NumPy baseline of bench/ computes the same function where it
    claims to (normal or zero operands, normal results)."""
    emulation = load_emulation()
    rng = np.random.default_rng(2)
    # exponents within +-4 of 0: products and quotients stay normal in float16
    a = (np.exp2(rng.uniform(-4, 4, 10_000)) * rng.choice([-1, 1], 10_000)).astype(dtype)
    b = (np.exp2(rng.uniform(-4, 4, 10_000)) * rng.choice([-1, 1], 10_000)).astype(dtype)
    a[rng.random(a.size) < 0.2] = 0
    assert_same_bits(getattr(emulation, name)(a, b), OPS[name](a, b))
