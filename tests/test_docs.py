"""The docstring examples run, and the command-line demo works."""

import doctest
import subprocess
import sys

import numpy as np
import pytest

import mitchell


VARIANT_UFUNCS = [getattr(v, op) for v in mitchell.variants.values() for op in ("mul", "div")
                  if v.name != "mitchell" and getattr(v, op) is not None]
DOCUMENTED = [mitchell.mul, mitchell.div, mitchell.reference, mitchell.lut, mitchell.matmul,
              mitchell.dot, mitchell.tensordot, mitchell.conv2d] + VARIANT_UFUNCS
if mitchell.backend == "c":
    DOCUMENTED.append(mitchell.set_isa)


@pytest.mark.parametrize("obj", DOCUMENTED, ids=lambda o: getattr(o, "__name__", repr(o)))
def test_docstring_examples(obj):
    finder = doctest.DocTestFinder(exclude_empty=False)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(obj, name=getattr(obj, "__name__", "doc"), globs={"np": np, "mitchell": mitchell})
    examples = sum(len(t.examples) for t in tests)
    for t in tests:
        runner.run(t)
    result = runner.summarize(verbose=False)
    assert result.failed == 0
    if obj in (mitchell.mul, mitchell.div):
        assert examples >= 2
    if obj in VARIANT_UFUNCS:  # each variant shows a call and its output
        assert examples >= 1


def test_docstrings_state_the_bound():
    assert "1/9" in mitchell.mul.__doc__
    assert "1/8" in mitchell.div.__doc__


def test_demo_runs():
    out = subprocess.run([sys.executable, "-m", "mitchell"], capture_output=True, text=True,
                         check=True).stdout
    assert "1.5 * 1.5" in out and "-11.1111%" in out   # (2 - 2.25) / 2.25
    assert "1 / 1.5" in out and "+12.5000%" in out     # (0.75 - 2/3) / (2/3)


def test_demo_dtype_option():
    out = subprocess.run([sys.executable, "-m", "mitchell", "demo", "--dtype", "float16"],
                         capture_output=True, text=True, check=True).stdout
    assert "float16" in out


def test_cli_rejects_unknown_dtype():
    proc = subprocess.run([sys.executable, "-m", "mitchell", "demo", "--dtype", "int3"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
