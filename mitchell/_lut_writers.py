"""File formats of the LUT-based approximate-multiplier emulators (docs/lut.md).

One ``Format`` per tool: the operand types it reads, the type of its table
entries, and the encoder that turns a 256 x 256 product table (``lut``'s
layout: row and column ``i`` are the operand with bit pattern ``i``, the first
operand indexes the rows) into the bytes of the tool's file.  Each layout is
read off the tool's own loader, cited next to its encoder.  Pure NumPy: the
table comes from ``mitchell._lut``.
"""

import io
from dataclasses import dataclass
from typing import Callable

import numpy as np

INT8 = np.dtype(np.int8)
UINT8 = np.dtype(np.uint8)


@dataclass(frozen=True)
class Format:
    name: str                               # write_lut's ``tool`` argument
    title: str                              # the tool, as its authors spell it
    operands: tuple                         # the operand dtypes the tool reads
    entries: np.dtype                       # the type of the tool's table entries
    encode: Callable[[np.ndarray, str], bytes]  # (table, one-line note) -> file bytes


def _torchapprox(table, note):
    # TorchApprox (Trommer, github.com/etrommer/torch-approx):
    # src/torchapprox/operators/lut.py, LUTGeMM.lut setter: a 2-D 256 x 256
    # array; a torch.Tensor "needs to be signed 16 Bit Integer" (torch.short), a
    # NumPy array is converted with .short() (which would wrap, hence the range
    # check).  docs/mwe.md, "Lookup Table Ordering": unsigned multipliers in
    # numerical order 0..255, signed ones "by the numerical order of the
    # unsigned twos-complement equivalent of each index", i.e. 0..127, -128..-1:
    # lut's own layout.  Products are looked up as lut[x][w] (activation row,
    # weight column).  The tool takes an array, not a file: we write the .npy
    # that np.load returns (m.approx_op.lut = np.load(path)).
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(table, dtype=np.int16), allow_pickle=False)
    return buffer.getvalue()


def _adapt(table, note):
    # AdaPT (Danopoulos et al., github.com/dimdano/adapt): "only 8-bit signed
    # multipliers are supported ... the C header files must include a 256x256
    # array" (README).  adapt/cpu-kernels/axx_linear.cpp and axx_conv2d.cpp
    # #include "axx_mults/<AXX_MULT>.h" (AXX_MULT = the layers' axx_mult
    # argument, e.g. 'mul8s_acc') and look products up as
    # lut[(uint8_t)a][(uint8_t)b], a the int8 input and b the int8 weight: the
    # two's-complement order of lut.  Layout as in axx_mults/mul8s_acc.h and
    # tools/LUT_convert.ipynb: `#include <stdint.h>`, then
    # `const int16_t lut [256][256] = {{...},\n{...}};`, decimal entries.
    rows = ",\n".join("{" + ", ".join(map(str, row)) + "}" for row in table.tolist())
    text = (f"/* {note} */\n#include <stdint.h>\n\n"
            f"const int16_t lut[256][256] = {{\n{rows}\n}};\n")
    return text.encode("ascii")


def _tfapprox(table, note):
    # TFApprox (Vaverka, Mrazek et al., github.com/ehw-fit/tf-approximate):
    # tf2/src/approx_ops_types.h, BaseTableApproxOpType_t::LoadLookupTable
    # reads the mul_map_file as raw bytes straight into a
    # std::vector<uint16> of 1 << 16 entries (no header, host byte order:
    # little-endian on the x86-64/CUDA hosts it runs on); operands are
    # unsigned (quantMin 0, quantMax 255) and the product of input a and
    # filter b is lookupTable[(a << 8) | b] (approx_nn_conv_ops_ref.cpp; the
    # default table is (i >> 8) * (i & 0xFF)).  That is lut(uint8).ravel().
    return np.ascontiguousarray(table, dtype="<u2").tobytes()


def _approxtorch(table, note):
    # ApproxTorch (Ma & Kimura, ISOCC 2022, github.com/woshimark666/ApproxTorch):
    # README "Prepare your LUT": "a 256*256 matrix saved as a .txt file", rows
    # A and columns B both -128 ... 127 in numerical order, no index labels
    # (example/exact.txt: 256 lines of 256 tab-separated decimal integers).
    # approxtorch/load_lut.py: np.loadtxt(path, dtype=np.int32).reshape(256,
    # 256), flattened, so the product of a and b is entry (a+128)*256 + (b+128).
    # lut's rows are in two's-complement order: rolling by 128 puts -128 first.
    ordered = np.roll(table, 128, axis=(0, 1))
    lines = ("\t".join(map(str, row)) for row in ordered.tolist())
    return ("\n".join(lines) + "\n").encode("ascii")


FORMATS = {f.name: f for f in [
    Format("torchapprox", "TorchApprox", (INT8, UINT8), np.dtype(np.int16), _torchapprox),
    Format("adapt", "AdaPT", (INT8,), np.dtype(np.int16), _adapt),
    Format("tfapprox", "TFApprox", (UINT8,), np.dtype(np.uint16), _tfapprox),
    Format("approxtorch", "ApproxTorch", (INT8,), np.dtype(np.int32), _approxtorch),
]}


def format_for(tool, dtype):
    """The Format of ``tool`` after checking that it reads ``dtype`` operands.

    Raises ValueError for an unknown tool (listing the known ones) or an
    operand type the tool does not read.
    """
    fmt = FORMATS.get(str(tool).lower())
    if fmt is None:
        raise ValueError(f"unknown tool {tool!r}; write_lut writes {', '.join(FORMATS)}")
    dtype = np.dtype(dtype)
    if dtype not in fmt.operands:
        readable = " and ".join(d.name for d in fmt.operands)
        raise ValueError(f"{fmt.title} reads {readable} operands only, not {dtype}; "
                         f"use dtype={'np.' + fmt.operands[0].name}")
    return fmt


def encode(fmt, table, note):
    """The bytes of ``table`` in ``fmt``; ValueError if an entry does not fit its type."""
    info = np.iinfo(fmt.entries)
    low, high = int(table.min()), int(table.max())
    if low < info.min or high > info.max:
        raise ValueError(
            f"{fmt.title} stores products as {fmt.entries.name} ({info.min:,} ... {info.max:,}), "
            f"but these products range from {low:,} to {high:,}; nothing was written")
    return fmt.encode(table, note)
