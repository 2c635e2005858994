# cython: language_level=3
"""Registration of the C matrix product as a generalized ufunc.  No arithmetic here.

The gufunc has np.matmul's signature, so NumPy itself provides matmul's
broadcasting of batch dimensions, its treatment of 1-D operands, ``out=``
and its shape errors; the loops (csrc/matmul.c) run without the GIL.
"""

cimport numpy as cnp
from numpy cimport (NPY_FLOAT, NPY_DOUBLE, NPY_BYTE, NPY_UBYTE, NPY_INT32,
                    PyUFuncGenericFunction, PyUFunc_None)

cnp.import_array()
cnp.import_ufunc()

cdef extern from "numpy/ufuncobject.h":
    object PyUFunc_FromFuncAndDataAndSignature(
        PyUFuncGenericFunction *func, void **data, char *types, int ntypes,
        int nin, int nout, int identity, char *name, char *doc, int unused,
        char *signature)

cdef extern from "matmul.h":
    void mitchell_mm_loop_f32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_mm_loop_f32_acc64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_mm_loop_f64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_mm_loop_i8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_mm_loop_u8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_mm_loop_i8u8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_mm_loop_u8i8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    int mitchell_matmul_set_threads(int n)
    int mitchell_matmul_get_threads()
    int mitchell_matmul_select(const char *request)
    const char *mitchell_matmul_isa()
    const char *mitchell_matmul_isa_available()
    void (*mitchell_matmul_alloc_failure_hook)() noexcept nogil
    void mitchell_matmul_fail_allocations(int n)

cdef extern from "Python.h":
    # declared here without an exception value, so that Cython leaves the
    # error it sets for NumPy to find
    void PyErr_SetString(object exc_type, const char *message)


cdef void _report_alloc_failure() noexcept nogil:
    # NumPy checks for a Python error after the loop and raises it
    with gil:
        PyErr_SetString(MemoryError, b"mitchell.matmul: cannot allocate the packing buffers")


mitchell_matmul_alloc_failure_hook = _report_alloc_failure


def _fail_allocations(int n):
    """Tests only: make the next ``n`` packing-buffer allocations fail."""
    mitchell_matmul_fail_allocations(n)

# NumPy picks the first loop whose inputs the operands cast to safely, so the
# integer loops come first (int8 casts safely to float32) and the float32 ->
# float64 accumulation loop last (it is chosen only by an explicit signature).
DEF NLOOPS = 7
cdef char LOOP_TYPES[3 * NLOOPS]
LOOP_TYPES[:] = [NPY_BYTE, NPY_BYTE, NPY_INT32,
                 NPY_UBYTE, NPY_UBYTE, NPY_INT32,
                 NPY_BYTE, NPY_UBYTE, NPY_INT32,
                 NPY_UBYTE, NPY_BYTE, NPY_INT32,
                 NPY_FLOAT, NPY_FLOAT, NPY_FLOAT,
                 NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE,
                 NPY_FLOAT, NPY_FLOAT, NPY_DOUBLE]
cdef PyUFuncGenericFunction LOOPS[NLOOPS]
LOOPS[:] = [<PyUFuncGenericFunction>mitchell_mm_loop_i8,
            <PyUFuncGenericFunction>mitchell_mm_loop_u8,
            <PyUFuncGenericFunction>mitchell_mm_loop_i8u8,
            <PyUFuncGenericFunction>mitchell_mm_loop_u8i8,
            <PyUFuncGenericFunction>mitchell_mm_loop_f32,
            <PyUFuncGenericFunction>mitchell_mm_loop_f64,
            <PyUFuncGenericFunction>mitchell_mm_loop_f32_acc64]
cdef void *NO_DATA[NLOOPS]
cdef int _i
for _i in range(NLOOPS):
    NO_DATA[_i] = NULL

cdef bytes _DOC = (b"matmul_gufunc(a, b, /, out=None, **kwargs)\n\n"
                   b"The Mitchell matrix product as a generalized ufunc; use mitchell.matmul.")

matmul_gufunc = PyUFunc_FromFuncAndDataAndSignature(
    LOOPS, NO_DATA, LOOP_TYPES, NLOOPS, 2, 1, PyUFunc_None, b"matmul",
    <char *>_DOC, 0, b"(n?,k),(k,m?)->(n?,m?)")


def set_num_threads(int n):
    """Set the number of threads of the matrix product; returns the previous one."""
    return mitchell_matmul_set_threads(n)


def get_num_threads():
    """Number of threads the matrix product uses."""
    return mitchell_matmul_get_threads()


def select_isa(request=None):
    """Choose the micro-kernel instruction set ("portable", "avx2", "avx512"; None = best).

    Returns True if honoured, False if unknown or unsupported here (the best
    available is then active).
    """
    return mitchell_matmul_select((request or "").encode()) == 0


def isa_active():
    """Name of the micro-kernel instruction set in use."""
    return mitchell_matmul_isa().decode()


def isa_available():
    """Micro-kernel instruction sets this build can use on this CPU."""
    return tuple(mitchell_matmul_isa_available().decode().split(","))
