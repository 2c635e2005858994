# cython: language_level=3
"""Registration of the C loops as NumPy ufuncs.  No arithmetic lives here."""

cimport numpy as cnp
from numpy cimport (NPY_FLOAT, NPY_DOUBLE, NPY_INT8, NPY_UINT8, NPY_INT16, NPY_UINT16, NPY_INT32,
                    NPY_UINT32, NPY_INT64, NPY_UINT64, PyUFuncGenericFunction,
                    PyUFunc_FromFuncAndData, PyUFunc_RegisterLoopForType, PyUFunc_None, PyUFunc_One)

from mitchell._docs import MUL_DOC, DIV_DOC

# numpy's .pxd does not declare the half type number.
cdef extern from "numpy/ndarraytypes.h":
    enum: NPY_HALF

cnp.import_array()
cnp.import_ufunc()

cdef extern from "loops.h":
    void mitchell_loop_mul_f16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_f16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_bf16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_bf16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_f32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_f32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_f64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_f64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil

cdef extern from "contiguous.h":
    int mitchell_contig_select(const char *request)
    const char *mitchell_contig_available()
    const char *mitchell_contig_name()

cdef extern from "integer_loops.h":
    void mitchell_loop_mul_i8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_u8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_i16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_u16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_i32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_u32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_i64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_u64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_i8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_u8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_i16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_u16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_i32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_u32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil

cdef extern from "float8_loops.h":
    void mitchell_loop_mul_f8e4m3fn(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_f8e4m3fn(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_f8e5m2(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_f8e5m2(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil

# Loop order is NumPy's search order for type resolution: it takes the first
# loop all inputs cast to safely.  Integers come first, narrowest first, so
# that int8 x int8 picks (int8, int8) -> int16 rather than a float loop; a
# float operand never casts safely to an integer, so mixed integer/float
# inputs fall through to the first float loop wide enough for both, exactly
# as NumPy's own type resolution promotes them (int8 with float32 -> float32,
# int32 with float32 -> float64).
#
# mul widens: the Mitchell product never exceeds |a b|, which fits twice the
# width.  64-bit integers have nothing wider and saturate (kernels.h).
cdef char MUL_TYPES[33]
MUL_TYPES[:] = [NPY_INT8, NPY_INT8, NPY_INT16,
                NPY_UINT8, NPY_UINT8, NPY_UINT16,
                NPY_INT16, NPY_INT16, NPY_INT32,
                NPY_UINT16, NPY_UINT16, NPY_UINT32,
                NPY_INT32, NPY_INT32, NPY_INT64,
                NPY_UINT32, NPY_UINT32, NPY_UINT64,
                NPY_INT64, NPY_INT64, NPY_INT64,
                NPY_UINT64, NPY_UINT64, NPY_UINT64,
                NPY_HALF, NPY_HALF, NPY_HALF,
                NPY_FLOAT, NPY_FLOAT, NPY_FLOAT,
                NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE]
cdef PyUFuncGenericFunction MUL_LOOPS[11]
MUL_LOOPS[:] = [<PyUFuncGenericFunction>mitchell_loop_mul_i8,
                <PyUFuncGenericFunction>mitchell_loop_mul_u8,
                <PyUFuncGenericFunction>mitchell_loop_mul_i16,
                <PyUFuncGenericFunction>mitchell_loop_mul_u16,
                <PyUFuncGenericFunction>mitchell_loop_mul_i32,
                <PyUFuncGenericFunction>mitchell_loop_mul_u32,
                <PyUFuncGenericFunction>mitchell_loop_mul_i64,
                <PyUFuncGenericFunction>mitchell_loop_mul_u64,
                <PyUFuncGenericFunction>mitchell_loop_mul_f16,
                <PyUFuncGenericFunction>mitchell_loop_mul_f32,
                <PyUFuncGenericFunction>mitchell_loop_mul_f64]

# div of integers is float64: operands of up to 32 bits convert exactly.
# 64-bit integers have no loop: NumPy casts them to float64 (rounding beyond
# 2**53, as np.divide does) and the float64 loop runs.
cdef char DIV_TYPES[27]
DIV_TYPES[:] = [NPY_INT8, NPY_INT8, NPY_DOUBLE,
                NPY_UINT8, NPY_UINT8, NPY_DOUBLE,
                NPY_INT16, NPY_INT16, NPY_DOUBLE,
                NPY_UINT16, NPY_UINT16, NPY_DOUBLE,
                NPY_INT32, NPY_INT32, NPY_DOUBLE,
                NPY_UINT32, NPY_UINT32, NPY_DOUBLE,
                NPY_HALF, NPY_HALF, NPY_HALF,
                NPY_FLOAT, NPY_FLOAT, NPY_FLOAT,
                NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE]
cdef PyUFuncGenericFunction DIV_LOOPS[9]
DIV_LOOPS[:] = [<PyUFuncGenericFunction>mitchell_loop_div_i8,
                <PyUFuncGenericFunction>mitchell_loop_div_u8,
                <PyUFuncGenericFunction>mitchell_loop_div_i16,
                <PyUFuncGenericFunction>mitchell_loop_div_u16,
                <PyUFuncGenericFunction>mitchell_loop_div_i32,
                <PyUFuncGenericFunction>mitchell_loop_div_u32,
                <PyUFuncGenericFunction>mitchell_loop_div_f16,
                <PyUFuncGenericFunction>mitchell_loop_div_f32,
                <PyUFuncGenericFunction>mitchell_loop_div_f64]

cdef void *NO_DATA[11]
for _i in range(11):
    NO_DATA[_i] = NULL

# The contiguous loops' dispatch table is empty until an instruction set is
# chosen: choose now (MITCHELL_SIMD, else the best; an unavailable request
# leaves the best), so the loops work however this module is imported.
# mitchell/__init__ repeats the choice with the C backend, to warn about an
# unavailable request; the numba backend and the tests import this directly.
import os as _os
cdef bytes _requested_simd = _os.environ.get("MITCHELL_SIMD", "").encode()
mitchell_contig_select(_requested_simd)

# NumPy keeps the docstring pointer, so the bytes must live as long as the module.
cdef bytes _MUL_DOC = MUL_DOC.encode()
cdef bytes _DIV_DOC = DIV_DOC.encode()

# 1 is an exact identity of mul (mul(1, x) == x for every x), so reductions
# over empty axes give 1 as np.multiply does.
mul = PyUFunc_FromFuncAndData(MUL_LOOPS, NO_DATA, MUL_TYPES, 11, 2, 1,
                              PyUFunc_One, b"mul", <char *>_MUL_DOC, 0)
div = PyUFunc_FromFuncAndData(DIV_LOOPS, NO_DATA, DIV_TYPES, 9, 2, 1,
                              PyUFunc_None, b"div", <char *>_DIV_DOC, 0)


def select_simd(request=None):
    """Choose the instruction set of the contiguous loops.

    ``None`` or ``""`` picks the best this CPU supports.  Returns True if the
    request was honoured, False if it is unknown or unsupported here (the
    automatic choice is then active).
    """
    encoded = (request or "").encode()
    return mitchell_contig_select(encoded) == 0


def simd_active():
    """Name of the instruction set the contiguous loops use now."""
    return mitchell_contig_name().decode()


def simd_available():
    """Instruction sets this build can use on this CPU, in increasing order."""
    return tuple(mitchell_contig_available().decode().split(","))


cdef int _register(ufunc, int typenum, PyUFuncGenericFunction loop) except -1:
    cdef int types[3]
    types[0] = types[1] = types[2] = typenum
    return PyUFunc_RegisterLoopForType(ufunc, typenum, loop, types, NULL)


# Python floats are "weak" (NEP 50): bfloat16 * 2.0 has whatever dtype NumPy
# promotes the pair to, which ml_dtypes decides (bfloat16 from ml_dtypes 0.7 on,
# float32 before).  The legacy type resolver cannot see that a float operand
# was a Python float and would always pick the float32 loop, so the user
# formats get a promoter that asks NumPy to promote the pair.
cdef extern from *:
    """
    #include <numpy/dtype_api.h>
    #if NPY_FEATURE_VERSION < NPY_2_0_API_VERSION
    #error "promoters need NumPy's 2.0 C API (NPY_TARGET_VERSION in setup.py)"
    #endif
    /* Registered for (format, Python float) and (Python float, format). */
    static int mitchell_common_dtype_promoter(PyObject *ufunc,
            PyArray_DTypeMeta *const op_dtypes[], PyArray_DTypeMeta *const signature[],
            PyArray_DTypeMeta *new_op_dtypes[])
    {
        (void)ufunc;
        /* The format's rule first, whichever side the Python float is on:
         * PyArray_CommonDType asks its first argument first, and the Python
         * float's own rule knows only NumPy's types (it answers float32). */
        PyArray_DTypeMeta *fmt = op_dtypes[0], *other = op_dtypes[1];
        if (fmt == &PyArray_PyFloatDType) {
            fmt = op_dtypes[1];
            other = op_dtypes[0];
        }
        PyArray_DTypeMeta *common = PyArray_CommonDType(fmt, other);
        if (common == NULL)
            return -1;
        for (int i = 0; i < 3; i++) {
            new_op_dtypes[i] = signature[i] != NULL ? signature[i] : common;
            Py_INCREF(new_op_dtypes[i]);
        }
        Py_DECREF(common);
        return 0;
    }
    static PyObject *mitchell_common_dtype_promoter_capsule(void)
    {
        return PyCapsule_New((void *)&mitchell_common_dtype_promoter, "numpy._ufunc_promoter", NULL);
    }
    static PyObject *mitchell_python_float_dtype(void)
    {
        Py_INCREF((PyObject *)&PyArray_PyFloatDType);
        return (PyObject *)&PyArray_PyFloatDType;
    }
    """
    object mitchell_common_dtype_promoter_capsule()
    object mitchell_python_float_dtype()
    int PyUFunc_AddPromoter(object ufunc, object dtypes, object promoter) except -1


cdef _add_python_float_promoters(ufunc, int typenum):
    dtype_class = type(cnp.PyArray_DescrFromType(typenum))
    python_float = mitchell_python_float_dtype()
    for dtypes in ((dtype_class, python_float, None), (python_float, dtype_class, None)):
        PyUFunc_AddPromoter(ufunc, dtypes, mitchell_common_dtype_promoter_capsule())


def register_ml_dtypes(int bfloat16, int float8_e4m3fn, int float8_e5m2):
    """Register the (T, T) -> T loops of ml_dtypes' formats, given their type numbers.

    User dtypes get their numbers when ml_dtypes is imported, so these loops
    cannot be in the static tables above; mitchell._ml_dtypes calls this.
    Registering again replaces the loops with the same ones.
    """
    _register(mul, bfloat16, <PyUFuncGenericFunction>mitchell_loop_mul_bf16)
    _register(div, bfloat16, <PyUFuncGenericFunction>mitchell_loop_div_bf16)
    _register(mul, float8_e4m3fn, <PyUFuncGenericFunction>mitchell_loop_mul_f8e4m3fn)
    _register(div, float8_e4m3fn, <PyUFuncGenericFunction>mitchell_loop_div_f8e4m3fn)
    _register(mul, float8_e5m2, <PyUFuncGenericFunction>mitchell_loop_mul_f8e5m2)
    _register(div, float8_e5m2, <PyUFuncGenericFunction>mitchell_loop_div_f8e5m2)
    for ufunc in (mul, div):
        for typenum in (bfloat16, float8_e4m3fn, float8_e5m2):
            _add_python_float_promoters(ufunc, typenum)


# ml_dtypes' formats get their loops as soon as this module exists, whichever
# backend mitchell.mul is.
from mitchell import _ml_dtypes
_ml_dtypes.register(register_ml_dtypes)
