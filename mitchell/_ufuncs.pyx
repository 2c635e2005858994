# cython: language_level=3
"""Registration of the C loops as NumPy ufuncs.  No arithmetic lives here."""

cimport numpy as cnp
from numpy cimport NPY_FLOAT, NPY_DOUBLE, PyUFuncGenericFunction, PyUFunc_FromFuncAndData, PyUFunc_None, PyUFunc_One

from mitchell._docs import MUL_DOC, DIV_DOC

# numpy's .pxd does not declare the half type number.
cdef extern from "numpy/ndarraytypes.h":
    enum: NPY_HALF

cnp.import_array()
cnp.import_ufunc()

cdef extern from "loops.h":
    void mitchell_loop_mul_f16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_f16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_f32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_f32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_f64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_f64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil

cdef extern from "contiguous.h":
    int mitchell_contig_select(const char *request)
    const char *mitchell_contig_available()
    const char *mitchell_contig_name()

# Loop order is NumPy's search order for type resolution: narrowest first.
cdef char LOOP_TYPES[9]
cdef int _i
for _i in range(3):
    LOOP_TYPES[_i] = NPY_HALF
    LOOP_TYPES[3 + _i] = NPY_FLOAT
    LOOP_TYPES[6 + _i] = NPY_DOUBLE
cdef void *NO_DATA[3]
for _i in range(3):
    NO_DATA[_i] = NULL

cdef PyUFuncGenericFunction MUL_LOOPS[3]
MUL_LOOPS[:] = [<PyUFuncGenericFunction>mitchell_loop_mul_f16,
                <PyUFuncGenericFunction>mitchell_loop_mul_f32,
                <PyUFuncGenericFunction>mitchell_loop_mul_f64]
cdef PyUFuncGenericFunction DIV_LOOPS[3]
DIV_LOOPS[:] = [<PyUFuncGenericFunction>mitchell_loop_div_f16,
                <PyUFuncGenericFunction>mitchell_loop_div_f32,
                <PyUFuncGenericFunction>mitchell_loop_div_f64]

# NumPy keeps the docstring pointer, so the bytes must live as long as the module.
cdef bytes _MUL_DOC = MUL_DOC.encode()
cdef bytes _DIV_DOC = DIV_DOC.encode()

# 1 is an exact identity of mul (mul(1, x) == x for every x), so reductions
# over empty axes give 1 as np.multiply does.
mul = PyUFunc_FromFuncAndData(MUL_LOOPS, NO_DATA, LOOP_TYPES, 3, 2, 1,
                              PyUFunc_One, b"mul", <char *>_MUL_DOC, 0)
div = PyUFunc_FromFuncAndData(DIV_LOOPS, NO_DATA, LOOP_TYPES, 3, 2, 1,
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
