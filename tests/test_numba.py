"""The numba backend: scalar functions inside user kernels, and backend selection."""

import sys

import numpy as np
import pytest

import mitchell

numba = pytest.importorskip("numba")
import mitchell.numba as mn  # noqa: E402
from mitchell import _ufuncs  # noqa: E402

from fpflags import raised_flags  # noqa: E402


def random_bits(dtype, n, seed):
    uint = np.dtype(f"u{np.dtype(dtype).itemsize}")
    return np.random.default_rng(seed).integers(0, np.iinfo(uint).max, n, dtype=uint, endpoint=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda t: np.dtype(t).name)
@pytest.mark.parametrize("op", ["mul", "div"])
def test_scalar_functions_in_a_user_kernel_match_c(op, dtype):
    suffix = "f32" if dtype == np.float32 else "f64"
    scalar = getattr(mn, f"{op}_{suffix}")

    @numba.njit
    def apply(x, y, out):
        for i in range(x.size):
            out[i] = scalar(x[i], y[i])

    a, b = random_bits(dtype, 5000, 1).view(dtype), random_bits(dtype, 5000, 2).view(dtype)
    out = np.empty_like(a)
    with np.errstate(all="ignore"):
        apply(a, b, out)
        expected = getattr(_ufuncs, op)(a, b)
    np.testing.assert_array_equal(out.view(f"u{a.itemsize}"),
                                  expected.view(f"u{a.itemsize}"))


def test_bits_and_integer_scalar_functions():
    @numba.njit
    def kernel(h1, h2, i, j):
        return mn.mul_f16_bits(h1, h2), mn.mul_i8(i, j), mn.div_i8(i, j)

    one_and_half = np.float16(1.5).view(np.uint16)
    h, p, q = kernel(one_and_half, one_and_half, np.int8(-3), np.int8(5))
    assert np.uint16(h).view(np.float16) == 2.0  # 1.5 * 1.5 -> 2 (the 1/9 worst case)
    assert p == -14 and q == -0.625  # (1+1/2)-(2+1/4) = -0.75: -2^-1 (1.25)


def test_ufuncs_are_numpy_ufuncs_with_the_c_loops():
    for op in ("mul", "div"):
        ufunc, c = getattr(mn, op), getattr(_ufuncs, op)
        assert isinstance(ufunc, np.ufunc) and ufunc.__name__ == op
        assert ufunc.types[:len(c.types)] == c.types
        assert ufunc.identity == c.identity and ufunc.__doc__ == c.__doc__


def test_flags_reach_errstate():
    _, flags = raised_flags(lambda: mn.mul(np.float32([3e38, 1e-30]), np.float32([3e38, 1e-30])))
    assert flags == {"overflow", "underflow"}
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError, match="divide by zero encountered in div"):
        mn.div(np.float64(1.0), np.float64(0.0))


def test_backend_selection(monkeypatch):
    assert mitchell.backend in ("c", "numba")
    assert mitchell._select_backend("numba") == ("numba", mn)
    assert mitchell._select_backend("c") == ("c", _ufuncs)
    with pytest.raises(ImportError, match="expected 'c' or 'numba'"):
        mitchell._select_backend("fortran")


def test_fallback_to_numba_and_error_naming_what_to_install(monkeypatch):
    monkeypatch.delattr(mitchell, "_ufuncs")
    monkeypatch.setitem(sys.modules, "mitchell._ufuncs", None)  # C extension missing
    assert mitchell._select_backend("") == ("numba", mn)
    with pytest.raises(ImportError):
        mitchell._select_backend("c")
    monkeypatch.delattr(mitchell, "numba")
    monkeypatch.setitem(sys.modules, "mitchell.numba", None)  # and numba missing
    with pytest.raises(ImportError, match=r"pip install 'mitchell\[numba\]'"):
        mitchell._select_backend("")


def test_module_docstring_example():
    import doctest

    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = doctest.DocTestFinder().find(mn, "mitchell.numba", globs={})
    docstring_tests = [t for t in tests if t.name == "mitchell.numba"]
    assert docstring_tests and docstring_tests[0].examples
    runner.run(docstring_tests[0])
    assert runner.summarize(verbose=False).failed == 0
