# cython: language_level=3
"""Registration of the C loops as NumPy ufuncs, one pair per variant of
mitchell/_spec.py.  No arithmetic lives here: the loops are csrc/loops.c and
a variant reaches them as the loops' data pointer (its correction)."""

from libc.stdint cimport int64_t, intptr_t
from libc.stdlib cimport calloc

cimport numpy as cnp
from numpy cimport PyUFuncGenericFunction, PyUFunc_FromFuncAndData, PyUFunc_RegisterLoopForType

import numpy as np

from mitchell._docs import variant_doc
from mitchell._spec import FLOAT_FORMATS, INTEGER_TYPES, VARIANTS

cnp.import_array()
cnp.import_ufunc()

cdef extern from "numpy/ufuncobject.h":
    enum: PyUFunc_None, PyUFunc_One

cdef extern from "kernels.h":
    ctypedef struct mitchell_correction:
        int64_t constant
        const int64_t *table
        unsigned index_bits

ctypedef void (*loop_fn)(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) noexcept nogil

cdef extern from "loops.h":
    void mitchell_loop_mul_f16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_f16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_bf16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_bf16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_f32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_f32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_f64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_f64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_f8e4m3fn(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_f8e4m3fn(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_f8e5m2(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_f8e5m2(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_i8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_u8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_i16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_u16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_i32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_u32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_i64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_u64(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_i8_corrected(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_u8_corrected(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_i16_corrected(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_u16_corrected(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_i32_corrected(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_mul_u32_corrected(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_ilm_i8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_ilm_u8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_ilm_i16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_ilm_u16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_ilm_i32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_ilm_u32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_i8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_u8(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_i16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_u16(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_i32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil
    void mitchell_loop_div_u32(char **, const cnp.npy_intp *, const cnp.npy_intp *, void *) nogil

cdef extern from "isa.h":
    int MITCHELL_ISA_COUNT
    const char *mitchell_isa_names[]
    int mitchell_isa_supported(int isa)
    int mitchell_isa_best()

cdef extern from "contiguous.h":
    int mitchell_contig_select(int isa)
    int mitchell_contig_active()

# The C loops by name ("mul_f32", "ilm_i8", "mul_i8_corrected", ...).  Cython
# needs each symbol spelled out once; which loop serves which variant and
# type is decided from the spec below.
cdef dict _LOOPS = {}

cdef _add(str name, loop_fn fn):
    _LOOPS[name] = <intptr_t>fn

_add("mul_f16", mitchell_loop_mul_f16); _add("div_f16", mitchell_loop_div_f16)
_add("mul_bf16", mitchell_loop_mul_bf16); _add("div_bf16", mitchell_loop_div_bf16)
_add("mul_f32", mitchell_loop_mul_f32); _add("div_f32", mitchell_loop_div_f32)
_add("mul_f64", mitchell_loop_mul_f64); _add("div_f64", mitchell_loop_div_f64)
_add("mul_f8e4m3fn", mitchell_loop_mul_f8e4m3fn); _add("div_f8e4m3fn", mitchell_loop_div_f8e4m3fn)
_add("mul_f8e5m2", mitchell_loop_mul_f8e5m2); _add("div_f8e5m2", mitchell_loop_div_f8e5m2)
_add("mul_i8", mitchell_loop_mul_i8); _add("mul_u8", mitchell_loop_mul_u8)
_add("mul_i16", mitchell_loop_mul_i16); _add("mul_u16", mitchell_loop_mul_u16)
_add("mul_i32", mitchell_loop_mul_i32); _add("mul_u32", mitchell_loop_mul_u32)
_add("mul_i64", mitchell_loop_mul_i64); _add("mul_u64", mitchell_loop_mul_u64)
_add("mul_i8_corrected", mitchell_loop_mul_i8_corrected)
_add("mul_u8_corrected", mitchell_loop_mul_u8_corrected)
_add("mul_i16_corrected", mitchell_loop_mul_i16_corrected)
_add("mul_u16_corrected", mitchell_loop_mul_u16_corrected)
_add("mul_i32_corrected", mitchell_loop_mul_i32_corrected)
_add("mul_u32_corrected", mitchell_loop_mul_u32_corrected)
_add("ilm_i8", mitchell_loop_ilm_i8); _add("ilm_u8", mitchell_loop_ilm_u8)
_add("ilm_i16", mitchell_loop_ilm_i16); _add("ilm_u16", mitchell_loop_ilm_u16)
_add("ilm_i32", mitchell_loop_ilm_i32); _add("ilm_u32", mitchell_loop_ilm_u32)
_add("div_i8", mitchell_loop_div_i8); _add("div_u8", mitchell_loop_div_u8)
_add("div_i16", mitchell_loop_div_i16); _add("div_u16", mitchell_loop_div_u16)
_add("div_i32", mitchell_loop_div_i32); _add("div_u32", mitchell_loop_div_u32)


# ---------------------------------------------------------------------------
# Loop data: every correction and term count lives as long as the module
# (NumPy keeps the pointers).  Never freed.

cdef void *_correction(variant, str op, fmt):
    """A mitchell_correction for variant, op and a FloatFormat."""
    cdef mitchell_correction *k = <mitchell_correction *>calloc(1, sizeof(mitchell_correction))
    cdef int64_t *table
    if k == NULL:
        raise MemoryError()
    if variant.kind == "region":
        entries = variant.table_for(fmt.frac_bits)
        table = <int64_t *>calloc(len(entries), sizeof(int64_t))
        if table == NULL:
            raise MemoryError()
        for i, t in enumerate(entries):
            table[i] = t
        k.table = table
        k.index_bits = variant.index_bits
    else:
        k.constant = variant.correction(op, fmt.short)
    return <void *>k


cdef void *_terms(unsigned n):
    cdef unsigned *p = <unsigned *>calloc(1, sizeof(unsigned))
    if p == NULL:
        raise MemoryError()
    p[0] = n
    return <void *>p


_F64 = next(f for f in FLOAT_FORMATS if f.short == "f64")


cdef list _loops(variant, str op):
    """[(loop name, data pointer as int, (in, in, out) dtype names)] for the NumPy types,
    in NumPy's search order: integers first, narrowest first, then floats (NumPy takes
    the first loop all inputs cast to safely, so int8 x int8 picks the int8 loop, and a
    float operand, which never casts safely to an integer, falls through to the first
    float loop wide enough, exactly as NumPy's own promotion)."""
    loops = []
    plain = variant.name == "mitchell"
    integer_data = None
    if variant.kind == "iterative":
        integer_data = <intptr_t>_terms(variant.terms)
    elif variant.integers and (op == "mul" or variant.div is not None):
        integer_data = <intptr_t>_correction(variant, op, _F64)
    for t in INTEGER_TYPES:
        if op == "mul":
            if variant.kind == "iterative":
                if t.mul_out != t.name:
                    loops.append((f"ilm_{t.short}", integer_data, (t.name, t.name, t.mul_out)))
            elif plain:
                loops.append((f"mul_{t.short}", 0, (t.name, t.name, t.mul_out)))
            elif t.mul_out != t.name:
                loops.append((f"mul_{t.short}_corrected", integer_data, (t.name, t.name, t.mul_out)))
        elif t.div_out is not None and variant.div is not None:
            loops.append((f"div_{t.short}", integer_data, (t.name, t.name, t.div_out)))
    for fmt in FLOAT_FORMATS:
        if fmt.provider == "numpy" and fmt.short in variant.formats(op):
            loops.append((f"{op}_{fmt.short}", <intptr_t>_correction(variant, op, fmt),
                          (fmt.name,) * 3))
    return loops


# NumPy keeps the name and docstring pointers: they live as long as the module.
_KEEPALIVE = []


cdef object _make_ufunc(variant, str op):
    loops = _loops(variant, op)
    cdef int n = len(loops)
    cdef PyUFuncGenericFunction *funcs = <PyUFuncGenericFunction *>calloc(n, sizeof(PyUFuncGenericFunction))
    cdef void **data = <void **>calloc(n, sizeof(void *))
    cdef char *types = <char *>calloc(3 * n, sizeof(char))
    if funcs == NULL or data == NULL or types == NULL:
        raise MemoryError()
    for i, (name, pointer, dtypes) in enumerate(loops):
        funcs[i] = <PyUFuncGenericFunction><intptr_t>_LOOPS[name]
        data[i] = <void *><intptr_t>pointer
        for j in range(3):
            types[3 * i + j] = np.dtype(dtypes[j]).num
    name = (op if variant.name == "mitchell" else f"{variant.name}_{op}").encode()
    doc = variant_doc(variant, op).encode()
    _KEEPALIVE.append((name, doc))
    # 1 is an exact identity of the plain product and of the iterative one
    # (mul(1, x) == x), so their reductions over empty axes give 1 as
    # np.multiply does; a correction moves mul(1, x) off x.
    identity = PyUFunc_One if op == "mul" and variant.kind != "region" and (
        variant.kind == "iterative" or all(c == 0 for c in variant.mul.values())) else PyUFunc_None
    return PyUFunc_FromFuncAndData(funcs, data, types, n, 2, 1, identity, <char *>name,
                                   <char *>doc, 0)


# {variant name: (mul ufunc, div ufunc or None)}
UFUNCS = {}
for _variant in VARIANTS.values():
    UFUNCS[_variant.name] = (
        _make_ufunc(_variant, "mul"),
        _make_ufunc(_variant, "div") if _variant.div is not None else None,
    )
mul, div = UFUNCS["mitchell"]


def variant_ufunc(name, op):
    """The ufunc of variant ``name`` for ``op`` ('mul' or 'div'), or None."""
    return UFUNCS[name][0 if op == "mul" else 1]


# ---------------------------------------------------------------------------
# Instruction set of the contiguous loops (mitchell/_isa.py is the switch).

ISA_NAMES = tuple(mitchell_isa_names[i].decode() for i in range(MITCHELL_ISA_COUNT))


def isa_supported(int isa):
    """Whether this build has code for instruction set number ``isa`` and the CPU runs it."""
    return bool(mitchell_isa_supported(isa))


def select_isa(int isa):
    """Use instruction set number ``isa`` (an index of ISA_NAMES); False if unsupported."""
    return mitchell_contig_select(isa) == 0


def active_isa():
    """Index in ISA_NAMES of the instruction set in use."""
    return mitchell_contig_active()


# The best instruction set until mitchell._isa applies MITCHELL_ISA.
select_isa(mitchell_isa_best())


cdef int _register(ufunc, int typenum, PyUFuncGenericFunction loop, void *data) except -1:
    cdef int types[3]
    types[0] = types[1] = types[2] = typenum
    return PyUFunc_RegisterLoopForType(ufunc, typenum, loop, types, data)


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


def register_ml_dtypes(typenums):
    """Register the (T, T) -> T loops of ml_dtypes' formats, given {format name: type number}.

    User dtypes get their numbers when ml_dtypes is imported, so these loops
    cannot be in the tables above; mitchell._ml_dtypes calls this.
    Registering again replaces the loops with the same ones.
    """
    for fmt in FLOAT_FORMATS:
        if fmt.provider != "ml_dtypes":
            continue
        typenum = typenums[fmt.name]
        for variant in VARIANTS.values():
            for op, ufunc in zip(("mul", "div"), UFUNCS[variant.name]):
                if ufunc is None or fmt.short not in variant.formats(op):
                    continue
                _register(ufunc, typenum, <PyUFuncGenericFunction><intptr_t>_LOOPS[f"{op}_{fmt.short}"],
                          _correction(variant, op, fmt))
                _add_python_float_promoters(ufunc, typenum)


# ml_dtypes' formats get their loops as soon as this module exists, whichever
# backend mitchell.mul is.
from mitchell import _ml_dtypes
_ml_dtypes.register(register_ml_dtypes)
