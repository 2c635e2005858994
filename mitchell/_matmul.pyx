# cython: language_level=3
"""Registration of the C matrix product as a generalized ufunc.  No arithmetic here.

The gufunc has np.matmul's signature, so NumPy itself provides matmul's
broadcasting of batch dimensions, its treatment of 1-D operands, ``out=``
and its shape errors; the loops (csrc/matmul.c) run without the GIL.
"""

from libc.stdint cimport int64_t
from libc.stdlib cimport calloc

cimport numpy as cnp
from numpy cimport (NPY_FLOAT, NPY_DOUBLE, NPY_BYTE, NPY_UBYTE, NPY_INT32,
                    PyUFuncGenericFunction, PyUFunc_None)

from mitchell._spec import FORMATS, VARIANTS

cnp.import_array()
cnp.import_ufunc()

cdef extern from "numpy/ufuncobject.h":
    object PyUFunc_FromFuncAndDataAndSignature(
        PyUFuncGenericFunction *func, void **data, char *types, int ntypes,
        int nin, int nout, int identity, char *name, char *doc, int unused,
        char *signature)

cdef extern from "matmul.h":
    ctypedef struct mitchell_correction:
        int64_t constant
        const int64_t *table
        unsigned index_bits
    ctypedef struct mitchell_mm_variant:
        mitchell_correction f32
        mitchell_correction f64
        int plain
        unsigned narrow_eb
        unsigned narrow_fb
        mitchell_correction narrow
    void mitchell_mm_loop_f32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_mm_loop_f32_acc64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_mm_loop_f64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_mm_loop_i8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_mm_loop_u8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_mm_loop_i8u8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_mm_loop_u8i8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    int mitchell_matmul_set_threads(int n)
    int mitchell_matmul_get_threads()
    int mitchell_matmul_select(int isa)
    int mitchell_matmul_isa()
    void (*mitchell_matmul_alloc_failure_hook)() noexcept nogil
    void mitchell_matmul_fail_allocations(int n)

cdef extern from "isa.h":
    int mitchell_isa_best()

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

cdef void _set_correction(mitchell_correction *k, variant, fmt, target) except *:
    """The correction of ``fmt``'s products in the units of ``target``'s
    fraction (a float16 product computed by the float32 kernels keeps its own
    correction, scaled by 2^13: exact, and the same value)."""
    cdef int64_t *table
    shift = target.frac_bits - fmt.frac_bits
    if variant.kind == "region":
        entries = variant.table_for(fmt.frac_bits)
        table = <int64_t *>calloc(len(entries), sizeof(int64_t))
        if table == NULL:
            raise MemoryError()
        for i, t in enumerate(entries):
            table[i] = t << shift
        k.table = table
        k.index_bits = variant.index_bits
    else:
        k.constant = variant.correction("mul", fmt.short) << shift


cdef object _make_gufunc(variant, fmt):
    """The matrix product whose every scalar product is ``variant``'s in format
    ``fmt`` (float32: also float64 and byte operands), computed by the float32
    and float64 kernels: a mitchell_mm_variant as every loop's data, alive as
    long as the module."""
    cdef mitchell_mm_variant *v = <mitchell_mm_variant *>calloc(1, sizeof(mitchell_mm_variant))
    cdef void **data = <void **>calloc(NLOOPS, sizeof(void *))
    if v == NULL or data == NULL:
        raise MemoryError()
    v.plain = variant.name == "mitchell"
    own = FORMATS[fmt]
    _set_correction(&v.f32, variant, own, FORMATS["float32"])
    _set_correction(&v.f64, variant, FORMATS["float64"] if fmt == "float32" else own, FORMATS["float64"])
    if fmt != "float32":  # float16 / bfloat16 values arriving as float32
        v.narrow_eb = own.exp_bits
        v.narrow_fb = own.frac_bits
        _set_correction(&v.narrow, variant, own, own)
    for i in range(NLOOPS):
        data[i] = <void *>v
    # every one is called "matmul", so that NumPy's shape errors read as np.matmul's
    return PyUFunc_FromFuncAndDataAndSignature(
        LOOPS, data, LOOP_TYPES, NLOOPS, 2, 1, PyUFunc_None, b"matmul",
        <char *>_DOC, 0, b"(n?,k),(k,m?)->(n?,m?)")


cdef bytes _DOC = (b"matmul_gufunc(a, b, /, out=None, **kwargs)\n\n"
                   b"A Mitchell matrix product as a generalized ufunc; use mitchell.matmul.")

# {(variant name, product format): gufunc}, for the variants whose products
# are float corrections (the iterative multiplier has no float form); float16
# and bfloat16 products run through the float32 kernels (mitchell/_matmul_low.py).
GUFUNCS = {(name, fmt): _make_gufunc(v, fmt)
           for name, v in VARIANTS.items() if v.kind != "iterative"
           for fmt in ("float32", "float16", "bfloat16") if fmt == "float32" or FORMATS[fmt].short in v.mul}
matmul_gufunc = GUFUNCS["mitchell", "float32"]


def set_num_threads(int n):
    """Set the number of threads of the matrix product; returns the previous one."""
    return mitchell_matmul_set_threads(n)


def get_num_threads():
    """Number of threads the matrix product uses."""
    return mitchell_matmul_get_threads()


def select_isa(int isa):
    """Use micro-kernels of instruction set number ``isa`` (mitchell._isa); False if unsupported."""
    return mitchell_matmul_select(isa) == 0


def active_isa():
    """Number of the micro-kernels' instruction set in use."""
    return mitchell_matmul_isa()


select_isa(mitchell_isa_best())
