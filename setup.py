"""Build of the C extension; metadata lives in pyproject.toml."""

import os
import runpy
import sys

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# The contiguous loops are explicit vector code (csrc/contiguous_loops.h); the
# instruction sets beyond the baseline are chosen at run time, never -march.
UNIX_FLAGS = ["-O3", "-std=c11", "-fno-strict-aliasing"]
MSVC_FLAGS = ["/O2"]


HERE = os.path.dirname(os.path.abspath(__file__))
# The C format list is generated from the one spec (mitchell/_spec.py, plain
# Python), into a build directory that both extensions include.
GENERATED = os.path.join("build", "generated")


def write_generated_headers():
    spec = runpy.run_path(os.path.join(HERE, "mitchell", "_spec.py"))
    os.makedirs(os.path.join(HERE, GENERATED), exist_ok=True)
    path = os.path.join(HERE, GENERATED, "mitchell_formats.h")
    text = spec["c_formats_header"]()
    if not os.path.exists(path) or open(path).read() != text:  # keep the timestamp otherwise
        with open(path, "w") as f:
            f.write(text)


write_generated_headers()


class BuildExt(build_ext):
    def build_extensions(self):
        flags = MSVC_FLAGS if self.compiler.compiler_type == "msvc" else UNIX_FLAGS
        for ext in self.extensions:
            ext.extra_compile_args = flags + ext.extra_compile_args
        super().build_extensions()


ufuncs = Extension(
    "mitchell._ufuncs",
    sources=["mitchell/_ufuncs.pyx", "csrc/loops.c", "csrc/contiguous.c", "csrc/isa.c",
             "csrc/contiguous_baseline.c", "csrc/contiguous_avx2.c", "csrc/contiguous_avx512.c"],
    include_dirs=["csrc", GENERATED, numpy.get_include()],
    depends=["csrc/ieee754.h", "csrc/kernels.h", "csrc/loops.h", "csrc/contiguous.h",
             "csrc/contiguous_loops.h", "csrc/contiguous_avx512_additive.h", "csrc/fpflags.h",
             "csrc/strided_loop.h", "csrc/isa.h",
             "mitchell/_spec.py"],
    # NumPy 2's C API: the promoters of the ml_dtypes loops (_ufuncs.pyx)
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_25_API_VERSION"),
                   ("NPY_TARGET_VERSION", "NPY_2_0_API_VERSION")],
)

matmul = Extension(
    "mitchell._matmul",
    # the elementwise loops too: the matrix product's general path uses them
    sources=["mitchell/_matmul.pyx", "csrc/matmul.c", "csrc/matmul_gemm.c", "csrc/matmul_kernels.c",
             "csrc/isa.c", "csrc/contiguous_baseline.c", "csrc/contiguous_avx2.c",
             "csrc/contiguous_avx512.c"],
    include_dirs=["csrc", GENERATED, numpy.get_include()],
    depends=["csrc/ieee754.h", "csrc/kernels.h", "csrc/matmul.h", "csrc/matmul_gemm.h",
             "csrc/matmul_pool.h", "csrc/matmul_pack_avx512.h",
             "csrc/matmul_kernels.h", "csrc/matmul_team.h", "csrc/fpflags.h", "csrc/isa.h",
             "csrc/contiguous.h", "csrc/contiguous_loops.h", "csrc/contiguous_avx512_additive.h",
             "mitchell/_spec.py"],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_25_API_VERSION")],
    # the worker threads of the matrix product (none on Windows)
    libraries=[] if sys.platform == "win32" else ["pthread"],
)

setup(
    ext_modules=cythonize([ufuncs, matmul], compiler_directives={"language_level": "3"}),
    cmdclass={"build_ext": BuildExt},
)
