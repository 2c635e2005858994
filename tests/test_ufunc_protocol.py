"""mitchell.mul / mitchell.div behave as NumPy ufuncs exactly as np.multiply does.

Values are checked elsewhere against the reference; here each ufunc feature
is compared with the same call on contiguous copies (values) and with
np.multiply / np.divide (shapes, dtypes, errors).
"""

import numpy as np
import pytest

import mitchell
from conftest import OPS, as_bits


def contiguous_result(op, a, b):
    """The ufunc on fresh contiguous copies: the plain loop every feature must agree with."""
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    return op.ufunc(np.ascontiguousarray(a), np.ascontiguousarray(b))


def sample(dtype, shape, seed=0, zeros=True):
    """Normal-range values of both signs (and ~20% zeros unless zeros=False):
    no warnings from either operation, and the vector loops' zero lanes used."""
    rng = np.random.default_rng(seed)
    x = np.asarray((rng.uniform(0.25, 8, shape) * rng.choice([-1, 1], shape)).astype(dtype))
    if zeros:
        x[rng.random(shape) < 0.2] = 0
    return x


def test_are_ufuncs():
    for ufunc, name in [(mitchell.mul, "mul"), (mitchell.div, "div")]:
        assert isinstance(ufunc, np.ufunc)
        assert (ufunc.nin, ufunc.nout, ufunc.__name__) == (2, 1, name)
        assert {"ee->e", "ff->f", "dd->d"} <= set(ufunc.types)


@pytest.mark.parametrize("shapes", [((3, 1), (4,)), ((2, 3, 4), (3, 1)), ((5,), ()), ((), (5,)),
                                    ((1, 7), (6, 1))], ids=str)
def test_broadcasting(op, float_dtype, shapes):
    a, b = sample(float_dtype, shapes[0], 1), sample(float_dtype, shapes[1], 2, zeros=False)
    got = op.ufunc(a, b)
    expected = op.exact(a, b)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(as_bits(got), as_bits(contiguous_result(op, a, b)))


@pytest.mark.parametrize("n", [4, 37, 1000])
def test_two_scalar_operands_fill_the_output(op, float_dtype, n):
    """Both operands broadcast (stride 0) into n outputs: every element is the
    product of the two scalars.  The vector loops read at most one operand as a
    scalar; before the float loop sent this case to the scalar kernel they read
    n elements from behind each scalar (garbage, and a read out of bounds)."""
    x, y = sample(float_dtype, (2,), seed=n, zeros=False)
    expected = op.ufunc(x[np.newaxis], y[np.newaxis])              # one element
    full = op.ufunc(np.broadcast_to(x, (n,)), np.broadcast_to(y, (n,)))
    assert np.array_equal(as_bits(full), np.broadcast_to(as_bits(expected), (n,)))
    out = op.ufunc(x, y, out=np.empty(n, float_dtype))             # 0-d operands, 1-d out
    assert np.array_equal(as_bits(out), np.broadcast_to(as_bits(expected), (n,)))


def test_out_argument(op, float_dtype):
    a, b = sample(float_dtype, 50, 1), sample(float_dtype, 50, 2, zeros=False)
    out = np.empty(50, float_dtype)
    assert op.ufunc(a, b, out=out) is out
    assert op.ufunc(a, b, out=(out,)) is out
    np.testing.assert_array_equal(as_bits(out), as_bits(op.ufunc(a, b)))


@pytest.mark.parametrize("which", ["a", "b", "both"])
def test_out_aliases_input(op, float_dtype, which):
    # lengths past one vector chunk, with a zero and an infinity to force the scalar fix-up
    a, b = sample(float_dtype, 1000, 1), sample(float_dtype, 1000, 2, zeros=False)
    a[500], b[700] = 0, np.inf
    with np.errstate(invalid="ignore"):
        expected = op.ufunc(a.copy(), (a if which == "both" else b).copy())
        if which == "a":
            got = op.ufunc(a, b, out=a)
        elif which == "b":
            got = op.ufunc(a, b, out=b)
        else:
            got = op.ufunc(a, a, out=a)
    np.testing.assert_array_equal(as_bits(got), as_bits(expected))


def test_where(op, float_dtype):
    a, b = sample(float_dtype, 40, 1), sample(float_dtype, 40, 2, zeros=False)
    mask = np.arange(40) % 3 == 0
    out = np.full(40, 7, float_dtype)
    op.ufunc(a, b, out=out, where=mask)
    full = op.ufunc(a, b)
    np.testing.assert_array_equal(as_bits(out[mask]), as_bits(full[mask]))
    assert np.all(out[~mask] == 7)


@pytest.mark.parametrize("layout", ["step2", "reversed", "transposed", "fortran", "broadcast_row"])
def test_strided_layouts(op, float_dtype, layout):
    base_a, base_b = sample(float_dtype, (40, 30), 1), sample(float_dtype, (40, 30), 2, zeros=False)
    a, b = {
        "step2": (base_a[::2, ::3], base_b[::2, ::3]),
        "reversed": (base_a[::-1, ::-1], base_b[::-1]),
        "transposed": (base_a.T, base_b.T),
        "fortran": (np.asfortranarray(base_a), base_b),
        "broadcast_row": (base_a, base_b[0]),
    }[layout]
    np.testing.assert_array_equal(as_bits(op.ufunc(a, b)), as_bits(contiguous_result(op, a, b)))


def test_strided_out(op, float_dtype):
    a, b = sample(float_dtype, 30, 1), sample(float_dtype, 30, 2, zeros=False)
    out = np.zeros(90, float_dtype)
    op.ufunc(a, b, out=out[::3])
    np.testing.assert_array_equal(as_bits(out[::3]), as_bits(op.ufunc(a, b)))
    assert np.all(out[1::3] == 0) and np.all(out[2::3] == 0)


def test_zero_dim_and_scalars(op, float_dtype):
    a, b = float_dtype.type(3.0), float_dtype.type(5.0)
    for x, y in [(a, b), (np.asarray(a), np.asarray(b))]:
        got, expected = op.ufunc(x, y), op.exact(x, y)
        assert type(got) is type(expected) and got.dtype == expected.dtype


def test_python_scalars():
    # 3 = 2(1+1/2), 5 = 4(1+1/4): L = 1.5 + 2.25 = 3.75, result 2^3 (1.75) = 14
    assert mitchell.mul(3.0, 5.0) == 14.0
    assert type(mitchell.mul(3.0, 5.0)) is np.float64
    # 1 = 2^0, 3 = 2^1 (1.5): L = -1.5, result 2^-2 (1.5) = 0.375
    assert mitchell.div(1.0, 3.0) == 0.375
    assert mitchell.mul(3, 5) == 14  # Python ints take the int64 loop: Mitchell's integer product
    assert mitchell.mul([1.5, 2.0], 1.5).tolist() == [2.0, 3.0]


@pytest.mark.parametrize("shape_a, shape_b", [((0,), (0,)), ((3, 0), (1, 0)), ((0,), ())], ids=str)
def test_empty(op, float_dtype, shape_a, shape_b):
    a, b = np.ones(shape_a, float_dtype), np.ones(shape_b, float_dtype)
    got, expected = op.ufunc(a, b), op.exact(a, b)
    assert got.shape == expected.shape and got.dtype == expected.dtype


def test_read_only_out_raises(op):
    a = np.ones(4, np.float32)
    out = np.zeros(4, np.float32)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        np.multiply(a, a, out=out)
    with pytest.raises(ValueError, match="read-only"):
        op.ufunc(a, a, out=out)
    assert np.all(out == 0)


def test_wrong_out_shape_raises_like_numpy(op):
    a = np.ones(4, np.float32)
    with pytest.raises(ValueError) as numpy_error:
        np.multiply(a, a, out=np.empty(3, np.float32))
    with pytest.raises(ValueError) as mitchell_error:
        op.ufunc(a, a, out=np.empty(3, np.float32))
    assert type(numpy_error.value) is type(mitchell_error.value)


@pytest.mark.parametrize("kind", ["complex", "object", "str", "bytes", "datetime"])
def test_inputs_without_a_loop_raise_type_error(op, kind):
    x = {"complex": np.array([1 + 2j]), "object": np.array([1.0], dtype=object),
         "str": np.array(["1.0"]), "bytes": np.array([b"1"]),
         "datetime": np.array(["2020-01-01"], dtype="datetime64[D]")}[kind]
    with pytest.raises(TypeError, match=op.name):
        op.ufunc(x, x)


@pytest.mark.parametrize("a_type, b_type", [(np.float32, np.float64), (np.float16, np.float32),
                                            (np.int16, np.float32), (np.int32, np.float32),
                                            (np.uint8, np.float16), (np.bool_, np.float32)],
                         ids=lambda t: np.dtype(t).name)
def test_mixed_types_promote_like_numpy(op, a_type, b_type):
    a, b = np.ones(3, a_type), np.ones(3, b_type)
    assert op.ufunc(a, b).dtype == np.result_type(a_type, b_type)


@pytest.mark.parametrize("int_type", [np.int8, np.uint8, np.int16, np.uint16, np.int32,
                                      np.uint32, np.int64, np.uint64],
                         ids=lambda t: np.dtype(t).name)
@pytest.mark.parametrize("div", [op for op in OPS if op.name == "div"], ids=repr)
def test_integer_div_is_the_float64_loop_on_the_converted_operands(div, int_type):
    """Integer div returns float64 (integer mul has its own loops, see
    test_integer.py); operands of up to 32 bits convert exactly, 64-bit ones
    are rounded by the cast as np.divide rounds them."""
    a = np.array([3, 7, 100], int_type)
    b = np.array([5, 2, 9], int_type)
    got = div.ufunc(a, b)
    assert got.dtype == np.float64
    expected = div.ufunc(a.astype(np.float64), b.astype(np.float64))
    np.testing.assert_array_equal(as_bits(got), as_bits(expected))


def test_dtype_and_casting_keywords(op):
    a, b = sample(np.float32, 10, 1), sample(np.float32, 10, 2, zeros=False)
    got = op.ufunc(a, b, dtype=np.float64)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, op.ufunc(a.astype(np.float64), b.astype(np.float64)))
    with pytest.raises(TypeError):  # np.multiply raises the same UFuncTypeError here
        op.ufunc(a, b.astype(np.float64), casting="no")
    with pytest.raises(TypeError):
        np.multiply(a, b.astype(np.float64), casting="no")
    out16 = np.empty(10, np.float16)
    with pytest.raises(TypeError):  # the float32 loop's output does not cast safely to float16
        op.ufunc(a, b, out=out16, casting="safe")


def test_outer(op, float_dtype):
    a, b = sample(float_dtype, 5, 1), sample(float_dtype, 4, 2, zeros=False)
    got = op.ufunc.outer(a, b)
    assert got.shape == (5, 4)
    np.testing.assert_array_equal(as_bits(got), as_bits(op.ufunc(a[:, None], b[None, :])))


def test_mul_reduce_and_accumulate(float_dtype):
    # factors near 1 keep the running product in float16's range
    a = np.random.default_rng(3).uniform(0.6, 1.6, 12).astype(float_dtype)
    acc = a[0]
    steps = [acc]
    for x in a[1:]:
        acc = mitchell.mul(acc, x)
        steps.append(acc)
    assert as_bits(mitchell.mul.reduce(a)) == as_bits(acc)
    np.testing.assert_array_equal(as_bits(mitchell.mul.accumulate(a)), as_bits(np.array(steps)))
    # identity 1 (exact: mul(1, x) == x), as np.multiply.reduce gives for an empty axis
    assert mitchell.mul.identity == 1
    assert mitchell.mul.reduce(np.array([], float_dtype)) == 1
    assert mitchell.mul.reduce(np.ones((3, 0), float_dtype), axis=1).tolist() == [1, 1, 1]


def test_div_has_no_identity():
    assert mitchell.div.identity is None
    with pytest.raises(ValueError):
        mitchell.div.reduce(np.array([], np.float32))


def test_at(op):
    a = np.array([1.5, 3.0, 2.0, 6.0], np.float32)
    expected = a.copy()
    for i in [0, 2, 0]:
        expected[i] = op.ufunc(expected[i], np.float32(1.5))
    op.ufunc.at(a, [0, 2, 0], np.float32(1.5))
    np.testing.assert_array_equal(a, expected)


class Recorder:
    """A minimal duck array: records the ufunc calls NumPy dispatches to it."""

    def __init__(self, data):
        self.data = np.asarray(data)
        self.calls = []

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        self.calls.append((ufunc, method))
        unwrapped = [x.data if isinstance(x, Recorder) else x for x in inputs]
        return Recorder(getattr(ufunc, method)(*unwrapped, **kwargs))


def test_array_ufunc_dispatch(op):
    r = Recorder(np.float32([1.5, 3.0]))
    result = op.ufunc(r, np.float32(1.5))
    assert isinstance(result, Recorder)
    assert r.calls == [(op.ufunc, "__call__")]
    np.testing.assert_array_equal(result.data, op.ufunc(np.float32([1.5, 3.0]), np.float32(1.5)))


def test_dask_dispatch(op):
    da = pytest.importorskip("dask.array")
    x = np.linspace(0.5, 8, 100, dtype=np.float32)
    dx = da.from_array(x, chunks=30)
    result = op.ufunc(dx, dx[::-1])
    assert isinstance(result, da.Array)
    np.testing.assert_array_equal(result.compute(), op.ufunc(x, x[::-1]))


def test_xarray_dispatch(op):
    xr = pytest.importorskip("xarray")
    x = xr.DataArray(np.float32([1.5, 3.0, 5.0]), dims="t", coords={"t": [0, 1, 2]})
    result = op.ufunc(x, x)
    assert isinstance(result, xr.DataArray) and result.dims == ("t",)
    np.testing.assert_array_equal(result.values, op.ufunc(x.values, x.values))


@pytest.mark.parametrize("n", [0, 1, 7, 255, 256, 257, 1000, 4099])
def test_lengths_around_chunk_boundaries(op, float_dtype, n):
    a, b = sample(float_dtype, n, 5), sample(float_dtype, n, 6, zeros=False)
    if n:
        a[n // 2] = np.inf  # one special in the middle forces the scalar fix-up path
    with np.errstate(invalid="ignore"):
        got = op.ufunc(a, b)
        elementwise = np.array([op.ufunc(x, y) for x, y in zip(a, b)], float_dtype)
    np.testing.assert_array_equal(as_bits(got), as_bits(elementwise.reshape(got.shape)))

