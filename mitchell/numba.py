"""Mitchell's arithmetic for numba: ``@njit`` scalar kernels and NumPy ufuncs.

This is the second backend of mitchell (``MITCHELL_BACKEND=numba``), and the
way to use Mitchell's arithmetic inside your own numba kernels.  Every
function here computes bit for bit what the C kernels of ``csrc/kernels.h``
compute; the test suite checks both against the pure-Python oracle
``mitchell.reference``.

Scalar functions, callable from ``@njit`` code (and from Python):

``mul_f32(a, b)``, ``div_f32(a, b)``, ``mul_f64(a, b)``, ``div_f64(a, b)``
    On float32 / float64 values; return a value of the same type.
``mul_<fmt>_bits(a, b)``, ``div_<fmt>_bits(a, b)``
    On bit patterns (unsigned integers) of ``fmt`` in ``f16``, ``bf16``,
    ``f32``, ``f64``, ``f8e4m3fn``, ``f8e5m2``; return the result's bit
    pattern.  numba has no float16 / bfloat16 / float8 scalars on the CPU, so
    these formats are available on bits only (``x.view(np.uint16)``).
``mul_i8(a, b)`` ... ``mul_u64(a, b)``, ``div_i8(a, b)`` ... ``div_u32(a, b)``
    Mitchell's integer algorithm with the C ufuncs' type rules: products are
    twice as wide (int8 -> int16, ..., uint32 -> uint64), 64-bit products
    saturate, quotients are float64.

All of them raise the IEEE exceptions the C loops raise (overflow,
underflow, divide by zero, invalid), so NumPy's ``np.errstate`` sees them when
they run inside a ufunc; from plain ``@njit`` code the flags are only raised
in the FPU status, which numba does not report.

Ufuncs: ``mul`` and ``div`` are genuine ``numpy.ufunc`` objects with the same
loops (types, order, identity, docstrings) as ``mitchell.mul`` and
``mitchell.div`` of the C backend, compiled by numba when first accessed.

Examples
--------
>>> import numpy as np
>>> from numba import njit
>>> from mitchell.numba import mul_f32
>>> @njit
... def dot(x, y):
...     acc = np.float32(0)
...     for i in range(x.size):
...         acc += mul_f32(x[i], y[i])
...     return acc
>>> float(dot(np.float32([1.5, 3.0]), np.float32([1.5, 5.0])))
16.0
"""

import numpy as np

try:
    import numba
except ImportError as exc:
    raise ImportError(
        "mitchell.numba needs numba; install it with `pip install 'mitchell[numba]'`"
    ) from exc

from llvmlite import ir
from numba import njit, types
from numba.cpython.unsafe.numbers import leading_zeros
from numba.extending import intrinsic

from mitchell._docs import variant_doc
from mitchell._spec import FLOAT_FORMATS, INTEGER_TYPES, VARIANTS

__all__ = ["mul", "div", "raise_fp_flags"]

# The kernels' exception flags, as in csrc/kernels.h.
FLAG_INVALID = 1
FLAG_DIVIDE = 2
FLAG_OVERFLOW = 4
FLAG_UNDERFLOW = 8

_U = np.uint64
_ONE = _U(1)


# ---------------------------------------------------------------------------
# Raising IEEE exceptions from numba code.
#
# numba has no feraiseexcept, and LLVM folds or deletes floating-point
# operations whose results it can predict or that nobody uses.  An empty
# inline-assembly statement hides a value from the optimiser (_opaque) or
# makes it "used" (_sink); the string is empty, so this is the same on every
# architecture.  The operation in between then really runs on the FPU and
# sets exactly the flag IEEE says it sets.


@intrinsic
def _opaque(typingctx, x):
    def codegen(context, builder, signature, args):
        (value,) = args
        return builder.asm(ir.FunctionType(value.type, [value.type]), "", "=r,0", [value], True)

    return x(x), codegen


@intrinsic
def _sink(typingctx, x):
    def codegen(context, builder, signature, args):
        (value,) = args
        builder.asm(ir.FunctionType(ir.VoidType(), [value.type]), "", "r", [value], True)
        return context.get_dummy_value()

    return types.void(x), codegen


@intrinsic
def _bitcast(typingctx, x, to):
    """Reinterpret x's bits as the (same-sized) numeric type `to`."""
    target = to.instance_type

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(target))

    return target(x, to), codegen


_INF_BITS = np.float64(np.inf).view(np.uint64)
_HUGE_BITS = np.float64(1e300).view(np.uint64)
_TINY_BITS = np.float64(1e-300).view(np.uint64)
_ZERO_BITS = np.float64(0.0).view(np.uint64)


@njit(error_model="numpy")  # 1.0 / 0.0 must not raise ZeroDivisionError
def raise_fp_flags(flags):
    """Raise the IEEE exceptions of a kernel's ``flags`` in the FPU status."""
    if flags & FLAG_INVALID:
        inf = _bitcast(_opaque(_INF_BITS), types.float64)
        _sink(_bitcast(inf - inf, types.uint64))
    if flags & FLAG_DIVIDE:
        zero = _bitcast(_opaque(_ZERO_BITS), types.float64)
        _sink(_bitcast(1.0 / zero, types.uint64))
    if flags & FLAG_OVERFLOW:
        huge = _bitcast(_opaque(_HUGE_BITS), types.float64)
        _sink(_bitcast(huge * huge, types.uint64))
    if flags & FLAG_UNDERFLOW:
        tiny = _bitcast(_opaque(_TINY_BITS), types.float64)
        _sink(_bitcast(tiny * tiny, types.uint64))


@njit
def _ZERO_KAPPA(fa, fb):
    return np.int64(0)


def _constant_kappa(kappa):
    @njit
    def constant(fa, fb):
        return np.int64(kappa)

    return constant


def _table_kappa(entries, index_bits, frac_bits):
    table = np.array(entries, dtype=np.int64)  # frozen into the compiled code
    shift = _U(frac_bits - index_bits)
    r = _U(index_bits)

    @njit
    def region(fa, fb):
        return table[((fa >> shift) << r) | (fb >> shift)]

    return region


def _variant_kappa(variant, op, fmt):
    """The njit correction of a variant for op and a FloatFormat."""
    if variant.kind == "region":
        return _table_kappa(variant.table_for(fmt.frac_bits), variant.index_bits, fmt.frac_bits)
    kappa = variant.correction(op, fmt.short)
    return _constant_kappa(kappa) if kappa else _ZERO_KAPPA


@njit
def _msb_index(x):
    """Index of the most significant set bit of a nonzero uint64."""
    return 63 - np.int64(leading_zeros(x))


# ---------------------------------------------------------------------------
# Floating-point kernels, generic over the format's field widths.  Each
# returns (bits, flags) on uint64 bit patterns; see docs/semantics.md.


def _float_kernels(exp_bits, frac_bits, finite_only=False, kappa_mul=None, kappa_div=None):
    """(mul, div) kernels of one format; finite_only is float8_e4m3fn's rules.

    kappa_mul / kappa_div: njit functions (fa, fb) -> int64, a variant's
    correction of the log sum in units of 2**-frac_bits (docs/semantics.md,
    "Variants"); None is plain Mitchell."""
    kappa_mul = kappa_mul or _ZERO_KAPPA
    kappa_div = kappa_div or _ZERO_KAPPA
    bias = (1 << (exp_bits - 1)) - 1
    emin = 1 - bias
    emax = bias + 1 if finite_only else bias
    fb = _U(frac_bits)
    sign_mask = _U(1 << (exp_bits + frac_bits))
    abs_mask = _U((1 << (exp_bits + frac_bits)) - 1)
    frac_mask = _U((1 << frac_bits) - 1)
    implicit_one = _U(1 << frac_bits)
    inf = _U(((1 << exp_bits) - 1) << frac_bits)
    # NaN: the canonical quiet NaN, or E4M3FN's only NaN magnitude.
    nan = abs_mask if finite_only else _U(int(inf) | (1 << (frac_bits - 1)))

    @njit
    def decode(mag):
        """(e, m) with |x| = 2**e (1 + m / 2**frac_bits); subnormals normalised."""
        field = mag >> fb
        frac = mag & frac_mask
        if field != 0:
            return np.int64(field) - bias, frac
        shift = frac_bits - _msb_index(frac)
        return np.int64(emin - shift), (frac << _U(shift)) & frac_mask

    @njit
    def encode(sign, E, M):
        """Antilog 2**E (1 + M / 2**frac_bits): overflow, gradual underflow."""
        if finite_only:
            if E > emax or (E == emax and M == frac_mask):
                return nan, FLAG_OVERFLOW
        elif E > emax:
            return sign | inf, FLAG_OVERFLOW
        if E >= emin:
            return sign | (_U(E + bias) << fb) | M, 0
        sig = implicit_one | M
        shift = emin - E
        if shift > frac_bits + 1:
            return sign, FLAG_UNDERFLOW  # below half the smallest subnormal
        s = _U(shift)
        rem = sig & ((_ONE << s) - _ONE)
        half = _ONE << (s - _ONE)
        q = sig >> s
        if rem > half or (rem == half and (q & _ONE) != 0):
            q += _ONE
        return sign | q, (FLAG_UNDERFLOW if rem != 0 else 0)

    one = _U(bias << frac_bits)  # bit pattern of 1.0
    min_normal = implicit_one
    normal_span = inf - min_normal  # m - min_normal < normal_span: m is normal (IEEE formats)
    unit = np.int64(1 << frac_bits)

    @njit
    def combine(ma, mb, negate_b, kappa):
        """(floor(L), fraction field of frac(L)) of L = log a +- log b + kappa."""
        ea, fa = decode(ma)
        eb, fb_ = decode(mb)
        frac = np.int64(fa) - np.int64(fb_) if negate_b else np.int64(fa) + np.int64(fb_)
        frac += kappa(fa, fb_)
        carry = frac // unit  # floor division: carries and borrows alike
        return (ea - eb if negate_b else ea + eb) + carry, _U(frac - carry * unit)

    @njit
    def mul(a, b):
        a = _U(a)
        b = _U(b)
        sign = (a ^ b) & sign_mask
        ma = a & abs_mask
        mb = b & abs_mask
        if not finite_only and ma - min_normal < normal_span and mb - min_normal < normal_span:
            # normal operands: L is |a| + |b| + kappa - one in fixed point; if
            # that is a normal magnitude it is the result (as the general path)
            s = ma + mb + _U(kappa_mul(ma & frac_mask, mb & frac_mask))
            if s - min_normal >= one and s - one < inf:
                return sign | (s - one), 0
        if finite_only:
            if ma == nan or mb == nan:
                return nan, 0
        else:
            if ma > inf or mb > inf:
                return nan, 0
            if ma == inf or mb == inf:
                if ma == 0 or mb == 0:
                    return nan, FLAG_INVALID
                return sign | inf, 0
        if ma == 0 or mb == 0:
            return sign, 0
        E, M = combine(ma, mb, False, kappa_mul)
        return encode(sign, E, M)

    @njit
    def div(a, b):
        a = _U(a)
        b = _U(b)
        sign = (a ^ b) & sign_mask
        ma = a & abs_mask
        mb = b & abs_mask
        if not finite_only and ma - min_normal < normal_span and mb - min_normal < normal_span:
            s = ma + one + _U(kappa_div(ma & frac_mask, mb & frac_mask))  # |a| - |b| + kappa + one
            if s >= mb + min_normal and s - mb < inf:
                return sign | (s - mb), 0
        if finite_only:
            if ma == nan or mb == nan:
                return nan, 0
            if mb == 0:  # 0/0; x/0, whose infinity has no encoding
                return nan, (FLAG_INVALID if ma == 0 else FLAG_DIVIDE)
        else:
            if ma > inf or mb > inf:
                return nan, 0
            if ma == inf:
                if mb == inf:
                    return nan, FLAG_INVALID
                return sign | inf, 0
            if mb == inf:
                return sign, 0
            if mb == 0:
                if ma == 0:
                    return nan, FLAG_INVALID
                return sign | inf, FLAG_DIVIDE
        if ma == 0:
            return sign, 0
        E, M = combine(ma, mb, True, kappa_div)
        return encode(sign, E, M)

    # Branch-free forms of the one-addition path for the block loops
    # (_compile_loop): (result bits, covered) where `covered` says that the
    # result is the kernel's (both operands normal and a normal result, or a
    # zero operand with a finite other one); otherwise the block is redone by
    # the kernel.  Everything is arithmetic and selects, so LLVM vectorises
    # the loop that calls them.
    # In the format's own word W: numba widens every operation on narrower
    # integers to 64 bits, and wrapping each result back to W lets LLVM use
    # lanes of the word's width (sums of normal magnitudes never wrap in W).
    W = np.dtype(f"uint{1 + exp_bits + frac_bits}").type
    w_abs, w_sign, w_frac = W(abs_mask), W(sign_mask), W(frac_mask)
    w_one, w_min, w_span, w_inf = W(one), W(min_normal), W(normal_span), W(inf)

    @njit(inline="always")
    def fast_mul(a, b):
        ma = W(a & w_abs)
        mb = W(b & w_abs)
        s = W(ma + mb + W(kappa_mul(ma & w_frac, mb & w_frac)))
        plain = (W(ma - w_min) < w_span) & (W(mb - w_min) < w_span) \
            & (W(s - w_min) >= w_one) & (W(s - w_one) < w_inf)
        zero = ((ma == 0) | (mb == 0)) & (ma < w_inf) & (mb < w_inf)
        return W(W(a ^ b) & w_sign) | (W(s - w_one) if plain else W(0)), plain | zero

    @njit(inline="always")
    def fast_div(a, b):
        ma = W(a & w_abs)
        mb = W(b & w_abs)
        s = W(ma + w_one + W(kappa_div(ma & w_frac, mb & w_frac)))
        plain = (W(ma - w_min) < w_span) & (W(mb - w_min) < w_span) \
            & (s >= W(mb + w_min)) & (W(s - mb) < w_inf)
        zero = (ma == 0) & (W(mb - w_min) < w_span)
        return W(W(a ^ b) & w_sign) | (W(s - mb) if plain else W(0)), plain | zero

    if finite_only:  # E4M3FN has no one-addition path in the kernel either
        return mul, div, None, None
    return mul, div, fast_mul, fast_div


# (exp_bits, frac_bits, finite_only, bits type) by short name, from the spec
_FLOAT_FORMATS = {f.short: (f.exp_bits, f.frac_bits, f.finite_only, getattr(np, f.uint))
                  for f in FLOAT_FORMATS}


def _bits_api(kernel, uint):
    @njit
    def on_bits(a, b):
        bits, flags = kernel(a, b)
        if flags:
            raise_fp_flags(flags)
        return uint(bits)

    return on_bits


def _float_api(kernel, uint, flt):
    @njit
    def on_floats(a, b):
        bits, flags = kernel(_bitcast(flt(a), uint), _bitcast(flt(b), uint))
        if flags:
            raise_fp_flags(flags)
        return _bitcast(uint(bits), flt)

    return on_floats


_FLOAT_KERNELS = {}
for _name, (_eb, _fb, _fn, _uint) in _FLOAT_FORMATS.items():
    _FLOAT_KERNELS[_name] = _float_kernels(_eb, _fb, _fn)[:2]
    _mul, _div = _FLOAT_KERNELS[_name]
    globals()[f"mul_{_name}_bits"] = _bits_api(_mul, _uint)
    globals()[f"div_{_name}_bits"] = _bits_api(_div, _uint)
    __all__ += [f"mul_{_name}_bits", f"div_{_name}_bits"]

mul_f32 = _float_api(_FLOAT_KERNELS["f32"][0], np.uint32, np.float32)
div_f32 = _float_api(_FLOAT_KERNELS["f32"][1], np.uint32, np.float32)
mul_f64 = _float_api(_FLOAT_KERNELS["f64"][0], np.uint64, np.float64)
div_f64 = _float_api(_FLOAT_KERNELS["f64"][1], np.uint64, np.float64)
__all__ += ["mul_f32", "div_f32", "mul_f64", "div_f64"]


# ---------------------------------------------------------------------------
# Mitchell's integer algorithm (csrc/kernels.h has the derivation).


@njit
def _imul_magnitude(a, b):
    """Mitchell product of magnitudes below 2**32 (exact, fits in uint64)."""
    if a == 0 or b == 0:
        return _U(0)
    k1 = _msb_index(a)
    k2 = _msb_index(b)
    x1 = a - (_ONE << _U(k1))
    x2 = b - (_ONE << _U(k2))
    unit = _ONE << _U(k1 + k2)
    cross = (x1 << _U(k2)) + (x2 << _U(k1))  # unit * (f1 + f2)
    return unit + cross if cross < unit else _U(2) * cross


@njit
def _imul_magnitude_sat(a, b, limit):
    """(product, flags) for 64-bit magnitudes, saturated to `limit`."""
    if a == 0 or b == 0:
        return _U(0), 0
    k1 = _msb_index(a)
    k2 = _msb_index(b)
    if k1 + k2 > 63:
        return limit, FLAG_OVERFLOW
    x1 = a - (_ONE << _U(k1))
    x2 = b - (_ONE << _U(k2))
    unit = _ONE << _U(k1 + k2)
    cross = (x1 << _U(k2)) + (x2 << _U(k1))
    if cross < unit:
        m = unit + cross
    elif cross >> _U(63):
        return limit, FLAG_OVERFLOW
    else:
        m = _U(2) * cross
    if m > limit:
        return limit, FLAG_OVERFLOW
    return m, 0


@njit
def _iabs(a):
    """|a| of an int64 as uint64, exact for the minimum."""
    return _U(0) - _U(a) if a < 0 else _U(a)


def _int_mul_api(signed, out):
    if signed:

        @njit
        def mul_int(a, b):
            a = np.int64(a)
            b = np.int64(b)
            m = np.int64(_imul_magnitude(_iabs(a), _iabs(b)))
            return out(-m if (a < 0) != (b < 0) else m)

    else:

        @njit
        def mul_int(a, b):
            return out(_imul_magnitude(_U(a), _U(b)))

    return mul_int


_INT_TYPES = {  # name: (input, mul output)
    "i8": (np.int8, np.int16),
    "u8": (np.uint8, np.uint16),
    "i16": (np.int16, np.int32),
    "u16": (np.uint16, np.uint32),
    "i32": (np.int32, np.int64),
    "u32": (np.uint32, np.uint64),
}
for _name, (_in, _out) in _INT_TYPES.items():
    globals()[f"mul_{_name}"] = _int_mul_api(_name.startswith("i"), _out)
    __all__.append(f"mul_{_name}")


@njit
def mul_i64(a, b):
    a = np.int64(a)
    b = np.int64(b)
    negative = (a < 0) != (b < 0)
    limit = (_ONE << _U(63)) if negative else (_ONE << _U(63)) - _ONE
    m, flags = _imul_magnitude_sat(_iabs(a), _iabs(b), limit)
    if flags:
        raise_fp_flags(flags)
    return np.int64(_U(0) - m) if negative else np.int64(m)


@njit
def mul_u64(a, b):
    m, flags = _imul_magnitude_sat(_U(a), _U(b), _U(0xFFFFFFFFFFFFFFFF))
    if flags:
        raise_fp_flags(flags)
    return m


__all__ += ["mul_i64", "mul_u64"]


def _int_div_api():
    @njit
    def div_int(a, b):
        # operands of up to 32 bits are exact in float64
        return div_f64(np.float64(a), np.float64(b))

    return div_int


for _name in _INT_TYPES:
    globals()[f"div_{_name}"] = _int_div_api()
    __all__.append(f"div_{_name}")


# ---------------------------------------------------------------------------
# The variants on integers (docs/semantics.md, "Variants on integers" and
# "The iterative logarithmic multiplier").

_F64_FRAC = 52
_F64_BIAS = 1023


@njit
def _round_f64_magnitude(bits, limit):
    """(integer nearest to a positive float64's bits, ties to even, saturated; flags)."""
    if bits == 0:
        return _U(0), 0
    e = np.int64(bits >> _U(_F64_FRAC)) - _F64_BIAS
    sig = (_ONE << _U(_F64_FRAC)) | (bits & ((_ONE << _U(_F64_FRAC)) - _ONE))
    if e >= 64:
        return limit, FLAG_OVERFLOW
    if e >= _F64_FRAC:
        q = sig << _U(e - _F64_FRAC)
    elif _F64_FRAC - e >= 64:
        q = _U(0)
    else:
        shift = _U(_F64_FRAC - e)
        rem = sig & ((_ONE << shift) - _ONE)
        half = _ONE << (shift - _ONE)
        q = sig >> shift
        if rem > half or (rem == half and (q & _ONE) != 0):
            q += _ONE
    if q > limit:
        return limit, FLAG_OVERFLOW
    return q, 0


def _int_variant_api(f64_mul, signed, out):
    """A variant's integer mul: the rounded float64 product, saturated to `out`."""
    bits = np.dtype(out).itemsize * 8
    top = _U((1 << (bits - 1)) - 1) if signed else _U((1 << bits) - 1)

    @njit
    def mul_int(a, b):
        a = np.int64(a)
        b = np.int64(b)
        if a == 0 or b == 0:
            return out(0)
        negative = signed and (a < 0) != (b < 0)
        limit = top + _ONE if negative else top
        x = _bitcast(np.float64(_iabs(a)), types.uint64)
        y = _bitcast(np.float64(_iabs(b)), types.uint64)
        product, _ = f64_mul(x, y)  # nonzero integers below 2**33: normal, no flag
        m, flags = _round_f64_magnitude(product, limit)
        if flags:
            raise_fp_flags(flags)
        return out(np.int64(_U(0) - m)) if negative else out(m)

    return mul_int


def _int_variant_div_api(f64_div):
    @njit
    def div_int(a, b):
        bits, flags = f64_div(_bitcast(np.float64(a), types.uint64), _bitcast(np.float64(b), types.uint64))
        if flags:
            raise_fp_flags(flags)
        return _bitcast(_U(bits), types.float64)

    return div_int


@njit
def _ilm_magnitude(a, b, terms):
    """Babic's basic block and `terms` correction terms (kernels.h)."""
    total = _U(0)
    for _ in range(terms + 1):
        if a == 0 or b == 0:
            break
        k1 = _msb_index(a)
        k2 = _msb_index(b)
        x1 = a - (_ONE << _U(k1))
        x2 = b - (_ONE << _U(k2))
        total += (_ONE << _U(k1 + k2)) + (x1 << _U(k2)) + (x2 << _U(k1))
        a = x1
        b = x2
    return total


def _ilm_api(terms, signed, out):
    @njit
    def ilm(a, b):
        a = np.int64(a)
        b = np.int64(b)
        m = _ilm_magnitude(_iabs(a), _iabs(b), terms)
        return out(np.int64(_U(0) - m)) if signed and (a < 0) != (b < 0) else out(m)

    return ilm


# ---------------------------------------------------------------------------
# The ufuncs, built from numba-compiled inner loops.
#
# numba's @vectorize returns a DUFunc, not a numpy.ufunc, and cannot declare
# float16 loops; numba's ufunc constructor mishandles `where=`, and its loop
# wrapper ignores the output stride when the inputs are contiguous.  So each
# inner loop is a numba @cfunc (_compile_loop) over the unsigned type that
# holds the operands' bits, and the loops are assembled with NumPy's own C
# API (PyUFunc_FromFuncAndData, reached through NumPy's capsule) into a
# genuine numpy.ufunc declared with the real dtypes: the float16 loop is the
# uint16 loop of the float16 kernel, whose bits it reads and writes.


def _c_api(capsule_name):
    """One of NumPy's C-API tables (the arrays `import_umath()` and `import_array()` fill in C)."""
    import ctypes

    from numpy._core import _multiarray_umath

    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    capsule = getattr(_multiarray_umath, capsule_name)
    return ctypes.cast(get_pointer(capsule, None), ctypes.POINTER(ctypes.c_void_p))


def _ufunc_c_api():
    return _c_api("_UFUNC_API")


# Indices in NumPy's ufunc API table (numpy/__ufunc_api.h): the first two are
# stable since 1.0, PyUFunc_AddPromoter exists from NumPy 2.0 on.
_API_FROM_FUNC_AND_DATA = 1
_API_REGISTER_LOOP_FOR_TYPE = 2
_API_ADD_PROMOTER = 44
# PyArray_PyFloatDType, the DType of Python floats, in the array API table
# (numpy/_public_dtype_api_table.h: PyArray_API + 320, entry 36).
_API_PYFLOAT_DTYPE = 320 + 36
_IDENTITY = {1: 1, None: -1}  # PyUFunc_One, PyUFunc_None

# Everything NumPy's ufunc objects point to but do not own: the compiled
# code, the loop tables, the names and docstrings.  Lives as long as the module.
_KEEPALIVE = []


def _format_kernel(variant, op, fmt):
    """The njit (bits, flags) kernel of a variant for op and a FloatFormat."""
    return _format_kernels(variant, op, fmt)[0]


def _format_kernels(variant, op, fmt):
    """(kernel, branch-free fast path or None) of a variant for op and a FloatFormat."""
    key = (variant.name, op, fmt.short)
    if key not in _VARIANT_KERNELS:
        kappa = _variant_kappa(variant, op, fmt)
        mul, div, fast_mul, fast_div = _float_kernels(fmt.exp_bits, fmt.frac_bits, fmt.finite_only,
                                                      kappa_mul=kappa if op == "mul" else None,
                                                      kappa_div=kappa if op == "div" else None)
        _VARIANT_KERNELS[key] = (mul, fast_mul) if op == "mul" else (div, fast_div)
    return _VARIANT_KERNELS[key]


_VARIANT_KERNELS = {}
_F64 = next(f for f in FLOAT_FORMATS if f.short == "f64")


def _variant_loops(variant, op):
    """[(scalar function, operand storage type, result storage type, NumPy dtypes)] in
    the C backend's order (mitchell/_ufuncs.pyx): integers narrowest first, then floats."""
    g = globals()
    loops = []
    plain = variant.name == "mitchell"
    for t in INTEGER_TYPES:
        ins, out = getattr(np, t.name), getattr(np, t.mul_out)
        widening = t.mul_out != t.name
        if op == "mul":
            if variant.kind == "iterative":
                if widening:
                    loops.append((_ilm_api(variant.terms, t.name.startswith("i"), out), ins, out))
            elif plain:
                loops.append((g[f"mul_{t.short}"], ins, out))
            elif widening:
                loops.append((_int_variant_api(_format_kernel(variant, "mul", _F64), t.name.startswith("i"), out),
                              ins, out))
        elif t.div_out is not None and variant.div is not None:
            div = g[f"div_{t.short}"] if plain else _int_variant_div_api(_format_kernel(variant, "div", _F64))
            loops.append((div, ins, np.float64))
    loops = [(f, i, o, (np.dtype(i).name, np.dtype(i).name, np.dtype(o).name), None) for f, i, o in loops]
    for fmt in FLOAT_FORMATS:
        if fmt.provider == "numpy" and fmt.short in variant.formats(op):
            uint = getattr(np, fmt.uint)
            kernel, fast = _format_kernels(variant, op, fmt)
            loops.append((_bits_api(kernel, uint), uint, uint, (fmt.name,) * 3, fast))
    return loops


@intrinsic
def _load(typingctx, base, offset, ty):
    """The `ty` stored at byte `offset` from `base` (no alignment assumed)."""
    target = ty.instance_type

    def codegen(context, builder, signature, args):
        address = builder.gep(builder.bitcast(args[0], ir.IntType(8).as_pointer()), [args[1]])
        typed = builder.bitcast(address, context.get_value_type(target).as_pointer())
        return builder.load(typed, align=1)

    return target(base, offset, ty), codegen


@intrinsic
def _store(typingctx, base, offset, value):
    """Store `value` at byte `offset` from `base` (no alignment assumed)."""

    def codegen(context, builder, signature, args):
        address = builder.gep(builder.bitcast(args[0], ir.IntType(8).as_pointer()), [args[1]])
        typed = builder.bitcast(address, args[2].type.as_pointer())
        builder.store(args[2], typed, align=1)
        return context.get_dummy_value()

    return types.void(base, offset, value), codegen


@intrinsic
def _address(typingctx, pointer):
    """The integer address of a pointer."""

    def codegen(context, builder, signature, args):
        return builder.ptrtoint(args[0], ir.IntType(64))

    return types.uint64(pointer), codegen


@njit
def _overlaps(out, inp, m, n, size):
    """Whether out[0, n) and inp[0, m) share memory without being the same array."""
    o = _address(out)
    i = _address(inp)
    if o == i and m == n:
        return False
    return o < i + _U(m * size) and i < o + _U(n * size)


_LOOP_SIGNATURE = types.void(types.CPointer(types.voidptr), types.CPointer(types.intp),
                             types.CPointer(types.intp), types.voidptr)


# Elements per block of the vectorised loops: a block whose every element the
# fast path covered is stored as computed, any other is redone by the kernel.
_BLOCK = 64


def _compile_loop(scalar, in_type, out_type, fast=None):
    """Address of a NumPy inner loop applying `scalar` element by element, or,
    given `fast` (a branch-free one-addition path, see _float_kernels), in
    blocks that LLVM vectorises when the operands are contiguous or scalars.

    Written here rather than taken from numba's ufunc wrapper, whose fast path
    ignores the output's stride (out=x[::3] would be written contiguously).
    """
    from numba import cfunc

    if fast is None:

        @cfunc(_LOOP_SIGNATURE)
        def loop(args, dimensions, steps, data):
            n = dimensions[0]
            sa, sb, so = steps[0], steps[1], steps[2]
            a, b, out = args[0], args[1], args[2]
            for i in range(n):
                x = _load(a, i * sa, in_type)
                y = _load(b, i * sb, in_type)
                _store(out, i * so, out_type(scalar(x, y)))

        _KEEPALIVE.append(loop)
        return loop.address

    size = np.dtype(in_type).itemsize
    both, scalar_a, scalar_b = _block_loops(fast, in_type, size)

    @cfunc(_LOOP_SIGNATURE)
    def block_loop(args, dimensions, steps, data):
        n = dimensions[0]
        sa, sb, so = steps[0], steps[1], steps[2]
        a, b, out = args[0], args[1], args[2]
        i = 0
        # an output that overlaps an input without being it (accumulate passes
        # out = a + 1 element: each result feeds the next) goes element by element,
        # and so do two scalar operands (the block functions read at most one so)
        if so == size and (sa == size or sa == 0) and (sb == size or sb == 0) \
                and (sa != 0 or sb != 0) \
                and not _overlaps(out, a, n if sa else 1, n, size) \
                and not _overlaps(out, b, n if sb else 1, n, size):
            buffer = np.empty(_BLOCK, in_type)  # out may be a: compute, then store
            while i + _BLOCK <= n:
                if sa == size and sb == size:
                    covered = both(a, b, i, buffer)
                elif sb == size:
                    covered = scalar_a(a, b, i, buffer)
                else:
                    covered = scalar_b(a, b, i, buffer)
                if covered:
                    for j in range(_BLOCK):
                        _store(out, (i + j) * size, buffer[j])
                else:
                    for j in range(i, i + _BLOCK):
                        _store(out, j * so, out_type(scalar(_load(a, j * sa, in_type),
                                                            _load(b, j * sb, in_type))))
                i += _BLOCK
        for j in range(i, n):
            _store(out, j * so, out_type(scalar(_load(a, j * sa, in_type), _load(b, j * sb, in_type))))

    _KEEPALIVE.append(block_loop)
    return block_loop.address


def _block_loops(fast, in_type, size):
    """Three block functions (a and b contiguous; a scalar; b scalar): fill
    buffer with the fast path of elements [i, i + _BLOCK) and say whether it
    covered them all.  Literal strides, so that LLVM vectorises each."""

    @njit
    def both(a, b, i, buffer):
        covered = True
        for j in range(_BLOCK):
            r, ok = fast(_load(a, (i + j) * size, in_type), _load(b, (i + j) * size, in_type))
            buffer[j] = r
            covered &= ok
        return covered

    @njit
    def scalar_a(a, b, i, buffer):
        x = _load(a, 0, in_type)
        covered = True
        for j in range(_BLOCK):
            r, ok = fast(x, _load(b, (i + j) * size, in_type))
            buffer[j] = r
            covered &= ok
        return covered

    @njit
    def scalar_b(a, b, i, buffer):
        y = _load(b, 0, in_type)
        covered = True
        for j in range(_BLOCK):
            r, ok = fast(_load(a, (i + j) * size, in_type), y)
            buffer[j] = r
            covered &= ok
        return covered

    return both, scalar_a, scalar_b


def _build_ufunc(name, doc, identity, loops):
    import ctypes

    n = len(loops)
    functions = (ctypes.c_void_p * n)(*[_compile_loop(*loop[:3], fast=loop[4]) for loop in loops])
    data = (ctypes.c_void_p * n)()
    type_codes = (ctypes.c_char * (3 * n))(*[np.dtype(d).num for loop in loops for d in loop[3]])
    name_bytes, doc_bytes = name.encode(), doc.encode()
    _KEEPALIVE.append((functions, data, type_codes, name_bytes, doc_bytes))
    from_func_and_data = ctypes.PYFUNCTYPE(
        ctypes.py_object, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
        ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int,
    )(_ufunc_c_api()[_API_FROM_FUNC_AND_DATA])
    return from_func_and_data(functions, data, type_codes, n, 2, 1, _IDENTITY[identity],
                              name_bytes, doc_bytes, 0)


def _register_ml_dtypes(ufunc, variant, op):
    """Add (T, T) -> T loops for ml_dtypes' formats, as the C backend does:
    now if ml_dtypes is imported, else when it is (mitchell._ml_dtypes)."""
    from mitchell import _ml_dtypes

    _ml_dtypes.on_import(lambda ml_dtypes: _add_ml_dtypes_loops(ufunc, variant, op, ml_dtypes))


def _add_ml_dtypes_loops(ufunc, variant, op, ml_dtypes):
    import ctypes

    register = ctypes.PYFUNCTYPE(
        ctypes.c_int, ctypes.py_object, ctypes.c_int, ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_int), ctypes.c_void_p,
    )(_ufunc_c_api()[_API_REGISTER_LOOP_FOR_TYPE])
    for fmt in FLOAT_FORMATS:
        if fmt.provider != "ml_dtypes" or fmt.short not in variant.formats(op):
            continue
        uint = getattr(np, fmt.uint)
        typenum = np.dtype(getattr(ml_dtypes, fmt.name)).num
        arg_types = (ctypes.c_int * 3)(typenum, typenum, typenum)
        _KEEPALIVE.append(arg_types)
        kernel, fast = _format_kernels(variant, op, fmt)
        loop = _compile_loop(_bits_api(kernel, uint), uint, uint, fast=fast)
        if register(ufunc, typenum, loop, arg_types, None) < 0:
            raise RuntimeError(f"could not register the {fmt.name} loop of {ufunc.__name__}")
        _add_python_float_promoters(ufunc, np.dtype(getattr(ml_dtypes, fmt.name)))


def _add_python_float_promoters(ufunc, dtype):
    """Promote (dtype, Python float) as NumPy does, like the C backend's promoter.

    Python floats are weak (NEP 50) and the legacy type resolution cannot see
    them, so it would pick the float32 loop where np.multiply keeps the format
    (ml_dtypes >= 0.7).  The format's own answer is fixed once it is imported,
    so the promoter only hands out the DTypes computed here.
    """
    import ctypes

    fmt = type(dtype)
    common = type(np.result_type(dtype, 0.0))  # the format's rule first, as np.multiply
    python_float = ctypes.cast(_c_api("_ARRAY_API")[_API_PYFLOAT_DTYPE], ctypes.py_object).value
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.c_void_p]

    @ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                      ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p))
    def promoter(_ufunc, _op_dtypes, signature, new_op_dtypes):
        for i in range(3):  # new references; a DType fixed by the caller wins
            new_op_dtypes[i] = signature[i] or id(common)
            incref(new_op_dtypes[i])
        return 0

    capsule_new = ctypes.pythonapi.PyCapsule_New
    capsule_new.restype = ctypes.py_object
    capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    add_promoter = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.py_object,
                                     ctypes.py_object)(_ufunc_c_api()[_API_ADD_PROMOTER])
    _KEEPALIVE.append((promoter, common))
    for dtypes in ((fmt, python_float, None), (python_float, fmt, None)):
        capsule = capsule_new(ctypes.cast(promoter, ctypes.c_void_p), b"numpy._ufunc_promoter", None)
        if add_promoter(ufunc, dtypes, capsule) < 0:
            raise RuntimeError(f"could not add the Python float promoter of {dtype}")


_UFUNCS = {}


def variant_ufunc(name, op):
    """The ufunc of variant ``name`` for ``op`` ('mul' or 'div'), or None if it has
    none; compiled on first use (seconds), like ``mul`` and ``div``."""
    variant = VARIANTS[name]
    if op == "div" and variant.div is None:
        return None
    if (name, op) not in _UFUNCS:
        plain_mul = op == "mul" and (variant.kind == "iterative" or (
            variant.kind == "additive" and not any(variant.mul.values())))
        ufunc_name = op if name == "mitchell" else f"{name}_{op}"
        ufunc = _build_ufunc(ufunc_name, variant_doc(variant, op), 1 if plain_mul else None,
                             _variant_loops(variant, op))
        _register_ml_dtypes(ufunc, variant, op)
        _UFUNCS[name, op] = ufunc
    return _UFUNCS[name, op]


def __getattr__(attr):
    # The ufuncs are compiled on first access (seconds), not at import.
    if attr in ("mul", "div"):
        return variant_ufunc("mitchell", attr)
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
