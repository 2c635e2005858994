"""``lut(dtype, variant=...)`` and the LUT writers: each file is read back as its tool reads it.

Expected values: every entry a tool would look up for operands ``a`` and ``b``
must equal ``mitchell.mul(a, b)``.  The lookups are emulated from each tool's
own loader and index formula (cited in mitchell/_lut_writers.py and
docs/lut.md), working on operand *values*, not on ``lut``'s layout:

- TorchApprox: ``np.load``, an int16 256 x 256 array, ``lut[x][w]`` with both
  axes ordered 0 ... 127, -128 ... -1 for signed operands (docs/mwe.md);
- AdaPT: the header's ``const int16_t lut[256][256]``, looked up as
  ``lut[(uint8_t)a][(uint8_t)b]`` (cpu-kernels/axx_linear.cpp), parsed as text
  and, where a C++ compiler exists, compiled as AdaPT compiles it;
- TFApprox: 65,536 raw uint16 read straight into memory, entry ``(a << 8) | b``
  for unsigned operands (approx_ops_types.h, approx_nn_conv_ops_ref.cpp);
- ApproxTorch: ``np.loadtxt(path, dtype=np.int32)`` flattened, entry
  ``(a + 128) * 256 + (b + 128)`` (approxtorch/load_lut.py, README).
"""

import doctest
import re
import shutil
import subprocess
from types import SimpleNamespace

import numpy as np
import pytest

import mitchell
from mitchell import _lut
from mitchell._lut import write_lut

SIGNED = np.arange(-128, 128).astype(np.int8)
UNSIGNED = np.arange(256).astype(np.uint8)


def all_pairs(values):
    """Every (a, b) operand pair, as two 256 x 256 arrays of values."""
    return np.meshgrid(values, values, indexing="ij")


def test_lut_variant_mitchell_is_the_default():
    for dtype in (np.int8, np.uint8):
        np.testing.assert_array_equal(mitchell.lut(dtype, variant="mitchell"), mitchell.lut(dtype))
        assert mitchell.lut(dtype, variant="mitchell").dtype == mitchell.lut(dtype).dtype


@pytest.mark.parametrize("call", [lambda: mitchell.lut(np.int8, variant="no-such-variant"),
                                  lambda: write_lut("never-written", "adapt",
                                                    variant="no-such-variant")],
                         ids=["lut", "write_lut"])
def test_unknown_variant_lists_the_known_ones(call, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="unknown variant 'no-such-variant'") as error:
        call()
    known = error.value.args[0].split("known variants: ")[1].split(", ")
    assert known[0] == "mitchell"
    assert set(known) == {"mitchell", *getattr(mitchell, "variants", {})}
    assert not (tmp_path / "never-written").exists()


def test_variant_is_looked_up_in_mitchell_variants(tmp_path, monkeypatch):
    """A name other than "mitchell" takes ``mitchell.variants[name].mul`` (here
    an exact multiplier, so the expected table is a * b)."""
    exact = SimpleNamespace(mul=lambda a, b: a.astype(np.int16) * b.astype(np.int16))
    monkeypatch.setattr(mitchell, "variants", {"exact": exact, "nomul": SimpleNamespace(mul=None)},
                        raising=False)
    a, b = all_pairs(SIGNED)
    table = mitchell.lut(np.int8, variant="exact")
    np.testing.assert_array_equal(table[a.view(np.uint8), b.view(np.uint8)],
                                  a.astype(int) * b.astype(int))
    with pytest.raises(ValueError, match="'nomul' has no multiplication"):
        mitchell.lut(np.int8, variant="nomul")


# ---------------------------------------------------------------- each tool's lookup


def asymmetric(a, b):
    """A made-up multiplier with mul(a, b) != mul(b, a): Mitchell's product is
    symmetric, so only this one catches a transposed table."""
    wide = np.int16 if a.dtype == np.int8 else np.uint16
    return (2 * a.astype(np.int32) + b.astype(np.int32)).astype(wide)


@pytest.fixture(params=["mitchell", "asymmetric"])
def variant(request, monkeypatch):
    """(name, the multiplier it stands for) for write_lut's variant argument."""
    if request.param == "mitchell":
        return "mitchell", mitchell.mul
    monkeypatch.setattr(mitchell, "variants", {"asymmetric": SimpleNamespace(mul=asymmetric)},
                        raising=False)
    return "asymmetric", asymmetric


def test_torchapprox(tmp_path, variant):
    name, mul = variant
    path = tmp_path / "mitchell_lut.npy"
    write_lut(path, "torchapprox", dtype=np.int8, variant=name)
    table = np.load(path)
    # LUTGeMM.lut: 256 x 256, signed 16-bit (a NumPy array goes through .short())
    assert table.shape == (256, 256) and table.dtype == np.int16
    a, b = all_pairs(SIGNED)
    position = {v: i for i, v in enumerate(list(range(128)) + list(range(-128, 0)))}  # mwe.md
    rows = np.vectorize(position.get)(a.astype(int))
    cols = np.vectorize(position.get)(b.astype(int))
    np.testing.assert_array_equal(table[rows, cols], mul(a, b))


def test_adapt_header_text(tmp_path, variant):
    name, mul = variant
    path = tmp_path / "mul8s_mitchell.h"
    write_lut(path, "adapt", dtype=np.int8, variant=name)
    text = path.read_text(encoding="ascii")
    assert "#include <stdint.h>" in text
    declaration = r".*const int16_t lut\s*\[256\]\s*\[256\]\s*=\s*\{(.*)\}\s*;\s*"
    body = re.fullmatch(declaration, text, re.S)
    assert body is not None
    rows = re.findall(r"\{([^{}]*)\}", body.group(1))
    table = np.array([[int(v) for v in row.split(",")] for row in rows])
    assert table.shape == (256, 256)
    a, b = all_pairs(SIGNED)
    np.testing.assert_array_equal(table[a.view(np.uint8), b.view(np.uint8)],  # (uint8_t) casts
                                  mul(a, b))


CXX = next((c for c in ("c++", "g++", "clang++") if shutil.which(c)), None)


@pytest.mark.skipif(CXX is None, reason="no C++ compiler to compile the header with")
def test_adapt_header_compiles_as_adapt_includes_it(tmp_path):
    """AdaPT #includes the header into C++ (torch's cpp_extension); C++ rejects a
    narrowing brace initialiser, so an entry that does not fit int16 fails here."""
    (tmp_path / "axx_mults").mkdir()
    write_lut(tmp_path / "axx_mults" / "mul8s_mitchell.h", "adapt", dtype=np.int8)
    (tmp_path / "dump.cpp").write_text(
        "#include <cstdio>\n"
        "#define STR(s) STR2(s)\n#define STR2(s) #s\n#define EXPAND(s) s\n"
        "#include STR(axx_mults/EXPAND(AXX_MULT).h)\n"  # as adapt/cpu-kernels/axx_linear.cpp
        "int main() {\n"
        "    static_assert(sizeof lut == 256 * 256 * 2, \"int16_t lut[256][256]\");\n"
        "    return std::fwrite(lut, sizeof lut, 1, stdout) == 1 ? 0 : 1;\n}\n")
    subprocess.run([CXX, "-std=c++11", "-Werror", "-DAXX_MULT=mul8s_mitchell", "-I", str(tmp_path),
                    "-o", str(tmp_path / "dump"), str(tmp_path / "dump.cpp")], check=True)
    dumped = subprocess.run([str(tmp_path / "dump")], capture_output=True, check=True).stdout
    table = np.frombuffer(dumped, dtype=np.int16).reshape(256, 256)
    a, b = all_pairs(SIGNED)
    np.testing.assert_array_equal(table[a.view(np.uint8), b.view(np.uint8)], mitchell.mul(a, b))


def test_tfapprox(tmp_path, variant):
    name, mul = variant
    path = tmp_path / "mul8u_mitchell.bin"
    write_lut(path, "tfapprox", dtype=np.uint8, variant=name)
    assert path.stat().st_size == 65536 * 2  # no header: 1 << 16 uint16
    flat = np.fromfile(path, dtype="<u2")
    a, b = all_pairs(UNSIGNED)
    index = (a.astype(np.int64) << 8) | b  # lookupTable[(inputValueQ << bitWidth) | filterValueQ]
    np.testing.assert_array_equal(flat[index], mul(a, b))


def test_approxtorch(tmp_path, variant):
    name, mul = variant
    path = tmp_path / "mitchell.txt"
    write_lut(path, "approxtorch", dtype=np.int8, variant=name)
    lines = path.read_text(encoding="ascii").splitlines()
    assert len(lines) == 256 and all(len(line.split("\t")) == 256 for line in lines)
    flat = np.loadtxt(path, dtype=np.int32).reshape(256, 256).reshape(256 * 256)  # load_lut
    a, b = all_pairs(SIGNED)
    index = (a.astype(np.int64) + 128) * 256 + (b.astype(np.int64) + 128)
    np.testing.assert_array_equal(flat[index], mul(a, b))


def test_tool_names_are_case_insensitive(tmp_path):
    write_lut(tmp_path / "a.bin", "TFApprox", dtype=np.uint8)
    write_lut(tmp_path / "b.bin", "tfapprox", dtype=np.uint8)
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()


# ---------------------------------------------------------------- errors: nothing is written


@pytest.mark.parametrize("tool, dtype, message", [
    ("adapt", np.uint8, "AdaPT reads int8 operands only, not uint8"),
    ("approxtorch", np.uint8, "ApproxTorch reads int8 operands only, not uint8"),
    ("tfapprox", np.int8, "TFApprox reads uint8 operands only, not int8"),
    # uint8 products reach 65,024: 255 = 2^7 (1 + 127/128), fractions sum past 1, so
    # 255 x 255 -> 2^(7+7+1) (127/128 + 127/128) = 65024 (Mitchell 1962, by hand)
    ("torchapprox", np.uint8, r"TorchApprox stores products as int16 .* range from 0 to 65,024"),
    ("evoapprox", np.int8, "unknown tool 'evoapprox'; write_lut writes torchapprox, adapt, "
                           "tfapprox, approxtorch"),
    ("adapt", np.int16, "AdaPT reads int8 operands only, not int16"),
])
def test_refusals_write_nothing(tmp_path, tool, dtype, message):
    missing, existing = tmp_path / "missing", tmp_path / "existing"
    existing.write_bytes(b"kept")
    for path in (missing, existing):
        with pytest.raises(ValueError, match=message):
            write_lut(path, tool, dtype=dtype)
    assert not missing.exists()
    assert existing.read_bytes() == b"kept"


def test_products_beyond_the_entry_type_are_refused(tmp_path, monkeypatch):
    """A variant whose int8 products leave int16 (here 4 a b, up to 65,536) fits
    ApproxTorch's int32 but not TorchApprox's or AdaPT's int16."""
    wide = SimpleNamespace(mul=lambda a, b: 4 * a.astype(np.int32) * b.astype(np.int32))
    monkeypatch.setattr(mitchell, "variants", {"wide": wide}, raising=False)
    for tool in ("torchapprox", "adapt"):
        with pytest.raises(ValueError, match=r"int16 \(-32,768 \.\.\. 32,767\).*-65,024 to 65,536"):
            write_lut(tmp_path / tool, tool, dtype=np.int8, variant="wide")
        assert not (tmp_path / tool).exists()
    write_lut(tmp_path / "approxtorch", "approxtorch", dtype=np.int8, variant="wide")
    assert np.loadtxt(tmp_path / "approxtorch", dtype=np.int32).max() == 65536  # -128 x -128 x 4


def saturating(a, b):
    """A made-up multiplier whose uint8 products (2 a b) saturate at 65,535
    with NumPy's overflow flag, as mitchell's integer loops do."""
    exact = 2 * a.astype(np.int64) * b.astype(np.int64)
    if (exact > 65535).any():
        np.uint16(65535) * np.uint16(2)  # sets the overflow flag: warns, or raises under errstate
    return np.minimum(exact, 65535).astype(np.uint16)


def test_saturated_products_are_refused(tmp_path, monkeypatch):
    """A saturated entry is not the variant's product: TFApprox's uint16 would
    hold 65,535, so write_lut refuses instead of writing it."""
    monkeypatch.setattr(mitchell, "variants", {"saturating": SimpleNamespace(mul=saturating)},
                        raising=False)
    with pytest.raises(ValueError, match="saturating products of uint8 operands overflow"):
        write_lut(tmp_path / "t.bin", "tfapprox", dtype=np.uint8, variant="saturating")
    assert not (tmp_path / "t.bin").exists()
    with pytest.warns(RuntimeWarning, match="overflow"):  # lut itself keeps mul's semantics
        assert mitchell.lut(np.uint8, variant="saturating").max() == 65535


def test_write_lut_docstring_examples(monkeypatch):
    # the examples call mitchell.write_lut; mitchell/__init__ may not export it yet
    monkeypatch.setattr(mitchell, "write_lut", write_lut, raising=False)
    finder = doctest.DocTestFinder(exclude_empty=False)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(_lut.write_lut, name="write_lut", globs={"np": np, "mitchell": mitchell})
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0 and result.attempted >= 5
