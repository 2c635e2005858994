"""Keep freed NumPy temporaries in the process heap while the verifier runs.

The checks work on many arrays of a few hundred kilobytes.  glibc serves
those with mmap, or trims them from the heap top, and so hands the memory
back to the kernel on every free; each new array then costs a page fault per
4 KiB, which made the verifier several times slower than its arithmetic
(worst in virtual machines).  Raising the two thresholds keeps the pages.
Elsewhere (other C libraries) this does nothing.
"""

import ctypes
import ctypes.util
import sys

# glibc's mallopt parameter numbers (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# arrays below this come from the heap (glibc's largest allowed value on 64-bit)
MMAP_BYTES = 32 << 20
# free memory at the heap top kept rather than trimmed
TRIM_BYTES = 256 << 20


def keep_freed_memory():
    """Ask glibc to keep freed memory in the heap (see above); True if done."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # not glibc (e.g. musl)
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_BYTES))
