"""mitchell.torch: PyTorch products computed by mitchell, forward and backward.

Where expected values come from:
- forward values: ``mitchell.matmul`` / ``mitchell.conv2d`` (tested bit for bit
  against sequential sums of ``mitchell.mul`` in test_matmul.py) on the
  tensors' arrays, compared with ``torch.equal`` (bit for bit);
- gradients: ``mitchell.nn.functional``'s gradient functions (tested in
  test_nn_functional.py against naive loops of mode products and finite
  differences) on the same arrays, with an upstream gradient that is not all
  ones (products by exactly 1.0 are exact in Mitchell's arithmetic and would
  hide a wrong operand);
- the autograd plumbing in exact mode: ``torch.autograd.gradcheck`` (finite
  differences, float64) and torch's own operations (allclose);
- "every product went through mitchell": a TorchDispatchMode sees no ATen
  matrix-product operation, and the count of mitchell products equals the
  count of ATen product operations of the same model run by plain torch.
"""

import collections
import contextlib
import doctest
import importlib.util
import os
import re
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.utils._python_dispatch import TorchDispatchMode  # noqa: E402

import mitchell  # noqa: E402
import mitchell.torch as mt  # noqa: E402
from mitchell.nn import functional as nnf  # noqa: E402

F = torch.nn.functional


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """torch's OpenMP pool on a busy 2-CPU machine makes even a tiny softmax take 25 ms
    (measured: 3 x 3 float64, load average 8); one thread keeps these tests fast."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def rand(*shape, dtype=torch.float32, seed=0, requires_grad=False):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype).requires_grad_(requires_grad)


def arr(t):
    return t.detach().numpy()


def same(tensor, array):
    """Bit for bit: same dtype, shape and values (NaN-free data)."""
    expected = torch.from_numpy(np.array(array))
    return tensor.dtype == expected.dtype and torch.equal(tensor.detach(), expected)


# --------------------------------------------------------------------------- imports


def test_import_mitchell_does_not_import_torch():
    code = ("import sys, mitchell, mitchell.nn; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("module", ["__init__", "_approximate", "_modules"])
def test_docstring_examples(module):
    mod = sys.modules["mitchell.torch" if module == "__init__" else f"mitchell.torch.{module}"]
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = doctest.DocTestFinder().find(mod)
    assert sum(len(t.examples) for t in tests) > 0
    for t in tests:
        runner.run(t)
    assert runner.summarize(verbose=False).failed == 0


# --------------------------------------------------------------------------- forward values

MATMUL_SHAPES = [((4, 5), (5, 3)), ((5,), (5, 3)), ((4, 5), (5,)), ((5,), (5,)),
                 ((2, 4, 5), (5, 3)), ((2, 1, 4, 5), (3, 5, 6)), ((4, 5), (3, 5, 6)),
                 ((3, 4, 5), (3, 5, 2))]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_equals_mitchell_matmul(shapes, dtype):
    a = rand(*shapes[0], dtype=dtype, seed=1, requires_grad=True)
    b = rand(*shapes[1], dtype=dtype, seed=2)
    y = mt.matmul(a, b)
    assert same(y, mitchell.matmul(arr(a), arr(b)))
    assert y.requires_grad and y.device.type == "cpu"


def test_non_contiguous_operands():
    a = rand(6, 8, seed=3)[::2, 1::2]          # strided view
    b = rand(5, 4, seed=4).t()                  # transposed view
    assert not a.is_contiguous() and not b.is_contiguous()
    assert same(mt.matmul(a, b), mitchell.matmul(arr(a), arr(b)))
    x = rand(2, 3, 6, seed=5).transpose(0, 1)   # (3, 2, 6), non-contiguous batch
    w = rand(4, 6, seed=6)
    assert same(mt.linear(x, w), mitchell.matmul(arr(x), arr(w).T))
    # gradients through a strided view of a leaf that requires grad
    leaf = rand(5, 8, seed=7, requires_grad=True)
    view = leaf[:, ::2]                         # (5, 4), column stride 2
    y = mt.matmul(view, b)                      # b: the transposed view above
    g = rand(*y.shape, seed=8)
    y.backward(g)
    expected = np.zeros((5, 8), np.float32)
    expected[:, ::2] = nnf.matmul(arr(g), arr(b).T, mode="mitchell")
    assert same(leaf.grad, expected)


def test_linear_equals_mitchell_matmul_plus_bias():
    x, w, b = rand(2, 3, 6, seed=7), rand(4, 6, seed=8), rand(4, seed=9)
    assert same(mt.linear(x, w, b), mitchell.matmul(arr(x), arr(w).T) + arr(b))
    assert same(mt.linear(x[0, 0], w), mitchell.matmul(arr(x[0, 0]), arr(w).T))   # 1-D input


CONV2D_CASES = [dict(), dict(stride=2, padding=1), dict(padding=(1, 2), dilation=(2, 1)),
                dict(groups=2, stride=(1, 2)), dict(padding="same"), dict(padding="valid")]


@pytest.mark.parametrize("kwargs", CONV2D_CASES, ids=str)
def test_conv2d_equals_mitchell_conv2d(kwargs):
    groups = kwargs.get("groups", 1)
    x, w, b = rand(2, 4, 7, 8, seed=10), rand(6, 4 // groups, 3, 2, seed=11), rand(6, seed=12)
    y = mt.conv2d(x, w, b, **kwargs)
    assert same(y, mitchell.conv2d(arr(x), arr(w), arr(b), **kwargs))
    assert same(mt.conv2d(x[0], w, b, **kwargs), mitchell.conv2d(arr(x[0]), arr(w), arr(b), **kwargs))


CONV1D_CASES = [  # conv1d arguments, the equivalent conv2d arguments, explicit (left, right) zeros
    (dict(), dict(), (0, 0)),
    (dict(stride=2, padding=1, dilation=2), dict(stride=(1, 2), padding=(0, 1), dilation=(1, 2)), (0, 0)),
    (dict(groups=2), dict(groups=2), (0, 0)),
    (dict(padding="same"), dict(), (1, 2)),   # kernel 4: torch puts the odd zero at the end
]


@pytest.mark.parametrize("kwargs1d, kwargs2d, zeros", CONV1D_CASES, ids=lambda v: str(v))
def test_conv1d_equals_mitchell_conv2d_of_height_one(kwargs1d, kwargs2d, zeros):
    groups = kwargs1d.get("groups", 1)
    x, w, b = rand(3, 4, 11, seed=13), rand(2, 4 // groups, 4, seed=14), rand(2, seed=15)
    x2d = np.pad(arr(x), ((0, 0), (0, 0), zeros))[:, :, None]
    expected = mitchell.conv2d(x2d, arr(w)[:, :, None], arr(b), **kwargs2d)[:, :, 0]
    assert same(mt.conv1d(x, w, b, **kwargs1d), expected)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
def test_same_padding_matches_torch_shapes_and_exact_values():
    for k, d in [(4, 1), (3, 2), (2, 3)]:
        x, w = rand(1, 2, 9, 10, dtype=torch.float64, seed=16), rand(3, 2, k, k, dtype=torch.float64)
        y = mt.conv2d(x, w, padding="same", dilation=d, variant="exact")
        torch.testing.assert_close(y, F.conv2d(x, w, padding="same", dilation=d))


@pytest.mark.parametrize("variant", mitchell.nn.modes()[2:])
def test_variants_equal_mitchell_matmul_with_that_variant(variant):
    a, b = rand(3, 4, 6, seed=17), rand(6, 5, seed=18)
    x, w = rand(2, 3, 6, 7, seed=19), rand(4, 3, 3, 3, seed=20)
    assert same(mt.matmul(a, b, variant=variant), mitchell.matmul(arr(a), arr(b), variant=variant))
    assert not torch.equal(mt.matmul(a, b, variant=variant), mt.matmul(a, b))
    with mt.approximate(variant=variant) as mode:
        y = F.conv2d(x, w, stride=2, padding=1)
    assert same(y, nnf.conv2d(arr(x), arr(w), stride=2, padding=1, mode=variant))
    assert mode.backward == variant


def half_precision_check(dtype):
    """mitchell multiplies float16/bfloat16 in their format and sums in float32; the result is
    rounded once to the operands' dtype, as torch's own half-precision matmul does."""
    a = rand(4, 8, seed=21).to(dtype)
    b = rand(8, 3, seed=22).to(dtype)
    y = mt.matmul(a, b)
    if dtype == torch.bfloat16:
        import ml_dtypes
        np_dtype = ml_dtypes.bfloat16
    else:
        np_dtype = np.float16
    expected = mitchell.matmul(arr(a.float()).astype(np_dtype), arr(b.float()).astype(np_dtype))
    assert expected.dtype == np.float32 and y.dtype == dtype
    assert torch.equal(y, torch.from_numpy(expected).to(dtype))


def test_float16_products_in_their_format():
    half_precision_check(torch.float16)


@pytest.mark.skipif(importlib.util.find_spec("ml_dtypes") is None, reason="needs ml_dtypes")
def test_bfloat16_products_in_their_format():
    # in a child process: importing ml_dtypes here, where the conftest has built the numba
    # backend's ufuncs, would compile their bfloat16 loops (tens of seconds)
    code = ("import torch, test_torch; torch.set_num_threads(1); "
            "test_torch.half_precision_check(torch.bfloat16)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=os.path.dirname(__file__))


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("backward", ["mitchell", "exact"])
@pytest.mark.parametrize("shapes", [((4, 5), (5, 3)), ((3, 4, 5), (3, 5, 2)), ((2, 4, 5), (5, 3))],
                         ids=str)
def test_matmul_gradients_equal_nn_functional(shapes, backward):
    a = rand(*shapes[0], seed=20, requires_grad=True)
    b = rand(*shapes[1], seed=21, requires_grad=True)
    y = mt.matmul(a, b, backward=backward)
    g = rand(*y.shape, seed=22)
    y.backward(g)
    assert same(a.grad, nnf.matmul(arr(g), np.swapaxes(arr(b), -1, -2), mode=backward))
    if b.dim() == 2 and a.dim() == 3:   # the shared matrix: one product over the folded batch
        expected_b = nnf.linear_grad_weight(arr(g), arr(a), mode=backward)
    else:
        expected_b = nnf.matmul(np.swapaxes(arr(a), -1, -2), arr(g), mode=backward)
    assert same(b.grad, expected_b)


@pytest.mark.parametrize("backward", ["mitchell", "exact"])
def test_linear_gradients_equal_nn_functional(backward):
    x = rand(2, 3, 6, seed=23, requires_grad=True)
    w, b = rand(4, 6, seed=24, requires_grad=True), rand(4, seed=25, requires_grad=True)
    y = mt.linear(x, w, b, backward=backward)
    assert same(y, nnf.linear(arr(x), arr(w), arr(b), mode="mitchell"))
    g = rand(*y.shape, seed=26)
    y.backward(g)
    assert same(x.grad, nnf.linear_grad_input(arr(g), arr(w), mode=backward))
    assert same(w.grad, nnf.linear_grad_weight(arr(x), arr(g), mode=backward))
    assert same(b.grad, arr(g).reshape(-1, 4).sum(axis=0))


@pytest.mark.parametrize("backward", ["mitchell", "exact"])
@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1, dilation=(1, 2), groups=2)],
                         ids=str)
def test_conv2d_gradients_equal_nn_functional(kwargs, backward):
    groups = kwargs.get("groups", 1)
    x = rand(2, 4, 7, 8, seed=27, requires_grad=True)
    w = rand(6, 4 // groups, 3, 2, seed=28, requires_grad=True)
    b = rand(6, seed=29, requires_grad=True)
    y = mt.conv2d(x, w, b, backward=backward, **kwargs)
    assert same(y, nnf.conv2d(arr(x), arr(w), arr(b), mode="mitchell", **kwargs))
    g = rand(*y.shape, seed=30)
    y.backward(g)
    assert same(x.grad, nnf.conv2d_grad_input(arr(g), arr(w), x.shape, mode=backward, **kwargs))
    assert same(w.grad, nnf.conv2d_grad_weight(arr(x), arr(g), w.shape, mode=backward, **kwargs))
    assert same(b.grad, arr(g).sum(axis=(0, 2, 3)))


@pytest.mark.parametrize("backward", ["mitchell", "exact"])
def test_conv_transpose2d_equals_nn_functional(backward):
    geometry = dict(stride=2, padding=1, output_padding=1, groups=2, dilation=(1, 2))
    x = rand(2, 4, 5, 4, seed=90, requires_grad=True)
    w = rand(4, 3, 3, 2, seed=91, requires_grad=True)    # (C_in, C_out/groups, kH, kW)
    b = rand(6, seed=92, requires_grad=True)
    with mt.approximate(backward=backward) as mode:
        y = F.conv_transpose2d(x, w, b, **geometry)
    assert same(y, nnf.conv_transpose2d(arr(x), arr(w), arr(b), mode="mitchell", **geometry))
    g = rand(*y.shape, seed=93)
    y.backward(g)
    # the transposed convolution is the input gradient of conv2d with w: its own gradients
    # are that convolution (for x) and the convolution's weight gradient with g as input
    conv = dict(stride=2, padding=1, groups=2, dilation=(1, 2))
    assert same(x.grad, nnf.conv2d(arr(g), arr(w), mode=backward, **conv))
    assert same(w.grad, nnf.conv2d_grad_weight(arr(g), arr(x), w.shape, mode=backward, **conv))
    assert same(b.grad, arr(g).sum(axis=(0, 2, 3)))
    assert mode.products == {"forward": 1, "backward": 2}


def test_mitchell_gradients_differ_from_exact_ones():
    # guards the two tests above against a backward mode that is silently ignored
    a, b = rand(4, 5, seed=31, requires_grad=True), rand(5, 3, seed=32)
    mt.matmul(a, b, backward="mitchell").backward(rand(4, 3, seed=33))
    mitchell_grad = a.grad.clone()
    a.grad = None
    mt.matmul(a, b, backward="exact").backward(rand(4, 3, seed=33))
    assert not torch.equal(a.grad, mitchell_grad)
    torch.testing.assert_close(a.grad, rand(4, 3, seed=33) @ b.t())


def test_variant_names_reach_mitchell(monkeypatch):
    """A fake variant doubling every product doubles every forward and backward product."""
    real_matmul = mitchell.matmul
    calls = []

    def fake_matmul(a, b, *, variant=None):
        calls.append(variant)
        return real_matmul(a, b) if variant is None else 2 * np.matmul(a, b)

    monkeypatch.setattr(mitchell, "variants", {"mitchell": None, "twice": None})
    monkeypatch.setattr(mitchell, "matmul", fake_matmul)
    x = rand(2, 3, 6, 6, dtype=torch.float64, seed=34, requires_grad=True)
    w = rand(4, 3, 3, 3, dtype=torch.float64, seed=35, requires_grad=True)
    v = rand(5, 36, dtype=torch.float64, seed=36, requires_grad=True)

    def run(variant):
        with mt.approximate(variant=variant) as mode:
            y = F.linear(F.conv2d(x, w, stride=2, padding=1).flatten(1), v)   # (2, 5)
            y.backward(rand(2, 5, dtype=torch.float64, seed=37))
        grads = [t.grad.clone() for t in (x, w, v)]
        for t in (x, w, v):
            t.grad = None
        return y, grads, mode

    y2, g2, mode = run("twice")
    y1, g1, _ = run("exact")
    assert mode.variant == mode.backward == "twice"
    assert torch.equal(y2, 4 * y1)                            # two products in a row
    for a, b, factor in zip(g2, g1, [4, 4, 4]):               # each gradient: one doubled product
        assert torch.equal(a, factor * b)                     # of a doubled forward value
    calls.clear()
    run("mitchell")
    assert set(calls) == {None}                               # "mitchell" calls without variant=


def exact(fn):
    """fn computed under approximate(variant='exact'): mitchell.torch's plumbing, exact products."""
    def run(*args):
        with mt.approximate(variant="exact"):
            return fn(*args)
    return run


GRADCHECK_CASES = {
    "matmul-2d": (lambda a, b: a @ b, [(3, 4), (4, 2)]),
    "matmul-broadcast": (torch.matmul, [(2, 1, 3, 4), (3, 4, 2)]),
    "matmul-shared": (torch.matmul, [(2, 3, 4), (4, 2)]),
    "matmul-vector": (torch.matmul, [(4,), (2, 4, 3)]),
    "linear": (F.linear, [(2, 3, 4), (5, 4), (5,)]),
    "addmm": (lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2.0), [(3, 2), (3, 4), (4, 2)]),
    "baddbmm": (torch.baddbmm, [(2, 3, 2), (2, 3, 4), (2, 4, 2)]),
    "einsum": (lambda a, b, c: torch.einsum("bij,jk,bkl->bil", a, b, c), [(2, 3, 4), (4, 5), (2, 5, 2)]),
    "conv1d": (lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2),
               [(2, 2, 9), (3, 2, 3), (3,)]),
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, groups=2),
               [(2, 4, 5, 6), (4, 2, 3, 2), (4,)]),
    "conv2d-same": (lambda x, w: F.conv2d(x, w, padding="same"), [(1, 2, 5, 5), (2, 2, 2, 3)]),
    "conv_transpose1d": (lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1,
                                                            output_padding=1, dilation=2),
                         [(2, 2, 5), (2, 3, 3), (3,)]),
    "conv_transpose2d": (lambda x, w: F.conv_transpose2d(x, w, stride=(2, 1), padding=1, groups=2),
                         [(1, 4, 3, 4), (4, 1, 3, 2)]),
    "sdpa": (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
             [(1, 2, 3, 4), (1, 2, 3, 4), (1, 2, 3, 4)]),
}


@pytest.mark.parametrize("name", list(GRADCHECK_CASES))
def test_gradcheck_exact_mode(name):
    fn, shapes = GRADCHECK_CASES[name]
    inputs = [rand(*s, dtype=torch.float64, seed=40 + i, requires_grad=True) for i, s in enumerate(shapes)]
    assert torch.autograd.gradcheck(exact(fn), inputs)
    torch.testing.assert_close(exact(fn)(*inputs), fn(*inputs))   # torch's own result


# --------------------------------------------------------------------------- approximate()


def test_approximate_intercepts_each_product_function():
    a, b, c = rand(3, 4, seed=50), rand(4, 5, seed=51), rand(3, 5, seed=52)
    A, B, C = rand(2, 3, 4, seed=53), rand(2, 4, 5, seed=54), rand(2, 3, 5, seed=55)
    v = rand(4, seed=56)
    ab = mitchell.matmul(arr(a), arr(b))
    AB = mitchell.matmul(arr(A), arr(B))
    expected = {
        "matmul": (lambda: torch.matmul(a, b), ab),
        "@": (lambda: a @ b, ab),
        "Tensor.matmul": (lambda: a.matmul(b), ab),
        "mm": (lambda: torch.mm(a, b), ab),
        "Tensor.mm": (lambda: a.mm(b), ab),
        "bmm": (lambda: torch.bmm(A, B), AB),
        "mv": (lambda: torch.mv(a, v), mitchell.matmul(arr(a), arr(v))),
        "dot": (lambda: torch.dot(v, v), mitchell.matmul(arr(v), arr(v))),
        "addmm": (lambda: torch.addmm(c, a, b), arr(c) + ab),
        "addmm-scaled": (lambda: torch.addmm(c, a, b, beta=0.5, alpha=3.0), arr(c) * 0.5 + ab * 3),
        "Tensor.addmm": (lambda: c.addmm(a, b), arr(c) + ab),
        "baddbmm": (lambda: torch.baddbmm(C, A, B), arr(C) + AB),
        "einsum": (lambda: torch.einsum("ij,jk->ik", a, b), ab),
        "einsum-batch": (lambda: torch.einsum("bij,bjk->bik", A, B), AB),
        "einsum-list": (lambda: torch.einsum("ij,jk", [a, b]), ab),
        "einsum-sublists": (lambda: torch.einsum(a, [0, 1], b, [1, 2], [0, 2]), ab),
        "einsum-sublists-implicit": (lambda: torch.einsum(a, [Ellipsis, 1], b, [1, 2]), ab),
        "linear": (lambda: F.linear(a, b.t()), ab),
    }
    for name, (fn, value) in expected.items():
        with mt.approximate() as mode:
            y = fn()
        assert same(y, value), name
        assert mode.products["forward"] == 1, name
        assert sum(mode.counts.values()) == 1, name


@pytest.mark.parametrize("equation, shapes", [
    ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (1, 4, 5)]),
    ("i,i->", [(4,), (4,)]),
    ("ij,ij->i", [(3, 4), (3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ijk,jl", [(2, 3, 4), (3, 5)]),   # implicit output, k summed in one operand only
], ids=lambda v: v if isinstance(v, str) else "")
def test_einsum_equations(equation, shapes):
    ops = [rand(*s, dtype=torch.float64, seed=60 + i) for i, s in enumerate(shapes)]
    with mt.approximate(variant="exact"):
        y = torch.einsum(equation, *ops)
    torch.testing.assert_close(y, torch.einsum(equation, *ops))
    with mt.approximate() as mode:
        z = torch.einsum(equation, *ops)
    assert mode.products["forward"] == len(ops) - 1
    assert z.shape == y.shape and not torch.equal(z, y)


def test_einsum_pair_equals_mitchell_matmul_of_the_permuted_operands():
    a, b = rand(3, 4, seed=64), rand(5, 4, seed=65)
    assert same(mt.einsum("ij,kj->ik", a, b), mitchell.matmul(arr(a), arr(b).T))


def test_sdpa_equals_its_reference_code_with_mitchell_products():
    q, k, v = rand(2, 4, 3, 8, seed=70), rand(2, 2, 5, 8, seed=71), rand(2, 2, 5, 6, seed=72)
    mask = rand(3, 5, seed=73) > 0
    with mt.approximate() as mode:
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
    assert mode.counts["scaled_dot_product_attention"] == 1 and mode.products["forward"] == 2
    kk, vv = arr(k).repeat(2, axis=1), arr(v).repeat(2, axis=1)
    scores = torch.from_numpy(mitchell.matmul(arr(q), np.swapaxes(kk, -1, -2))) * (1 / 8 ** 0.5)
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    assert same(y, mitchell.matmul(arr(weights), vv))


@pytest.mark.parametrize("kwargs", [dict(), dict(is_causal=True), dict(scale=0.3), dict(mask="float"),
                                    dict(mask="bool")], ids=str)
def test_sdpa_exact_mode_matches_torch(kwargs):
    q, k, v = (rand(2, 3, 4, 8, dtype=torch.float64, seed=74 + i) for i in range(3))
    if "mask" in kwargs:
        m = rand(4, 4, dtype=torch.float64, seed=77)
        kwargs = dict(attn_mask=m > 0 if kwargs["mask"] == "bool" else m)
        kwargs["attn_mask"][..., 0] = True if kwargs["attn_mask"].dtype == torch.bool else 0.0
    with mt.approximate(variant="exact"):
        y = F.scaled_dot_product_attention(q, k, v, **kwargs)
    torch.testing.assert_close(y, F.scaled_dot_product_attention(q, k, v, **kwargs))


def test_approximate_counts_backward_products_and_unhandled_calls():
    x = rand(4, 3, seed=80, requires_grad=True)
    layer = torch.nn.Linear(3, 2)
    with mt.approximate(backward="exact") as mode:
        y = layer(x)
        F.conv3d(rand(1, 1, 2, 2, 2), rand(1, 1, 1, 1, 1))
    assert mode.backward == "exact" and mode.variant == "mitchell"
    y.backward(rand(4, 2, seed=81))              # after the block: still counted
    assert mode.products == {"forward": 1, "backward": 2}
    assert mode.counts == {"linear": 1} and mode.unhandled == {"conv3d": 1}


def test_backward_defaults_to_the_forward_variant():
    assert mt.approximate().backward == "mitchell"
    assert mt.approximate(variant="exact").backward == "exact"
    assert mt.approximate(backward="exact").variant == "mitchell"


# --------------------------------------------------------------------------- errors


def test_unsupported_dtypes_and_devices_raise_clear_errors():
    # RuntimeError, as torch's own dtype errors (a TypeError from `@` would become NotImplemented)
    with pytest.raises(RuntimeError, match="int64"):
        mt.matmul(torch.ones(2, 2, dtype=torch.int64), torch.ones(2, 2, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="complex64"):
        mt.matmul(torch.ones(2, 2, dtype=torch.complex64), torch.ones(2, 2, dtype=torch.complex64))
    with pytest.raises(RuntimeError, match="one dtype"):
        mt.matmul(torch.ones(2, 2), torch.ones(2, 2, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="CPU"):
        mt.matmul(torch.ones(2, 2, device="meta"), torch.ones(2, 2, device="meta"))
    with mt.approximate(), pytest.raises(RuntimeError, match="int64"):
        torch.ones(2, 2, dtype=torch.int64) @ torch.ones(2, 2, dtype=torch.int64)
    with mt.approximate(), pytest.raises(RuntimeError, match="bool"):
        torch.ones(2, 2, dtype=torch.bool) @ torch.ones(2, 2, dtype=torch.bool)
    with mt.approximate(), pytest.raises(TypeError, match="out="):
        torch.mm(torch.ones(2, 2), torch.ones(2, 2), out=torch.empty(2, 2))


def test_unknown_modes_raise():
    with pytest.raises(ValueError, match="'mitchell'"):
        mt.approximate(variant="mitchel")
    with pytest.raises(ValueError, match="int8 modes"):
        mt.approximate(variant="int8-mitchell")
    with pytest.raises(ValueError, match="backward mode"):
        mt.approximate(backward="bogus")
    with pytest.raises(ValueError, match="variant"):
        mt.convert(torch.nn.Linear(2, 2), variant="bogus")


def test_shape_errors():
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        mt.matmul(torch.ones(2, 3), torch.ones(4, 2))
    with pytest.raises(NotImplementedError, match="diagonal"):
        mt.einsum("ii,ij->j", torch.ones(2, 2), torch.ones(2, 2))


# --------------------------------------------------------------------------- modules and convert


def small_cnn():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(4, 4, 3, stride=2, padding_mode="reflect", padding=1), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 3))


def test_convert_keeps_state_dict_and_equals_the_functional_path():
    model = small_cnn()
    approx = mt.convert(model)
    assert [type(m).__name__ for m in approx[::2]] == ["MitchellConv2d", "MitchellConv2d", "Flatten"]
    assert type(approx[5]) is mt.MitchellLinear and type(model[0]) is torch.nn.Conv2d
    sd, sd2 = model.state_dict(), approx.state_dict()
    assert list(sd) == list(sd2) and all(torch.equal(sd[k], sd2[k]) for k in sd)
    x = rand(2, 1, 8, 8, seed=90)
    p = {k: arr(v) for k, v in sd.items()}
    h = np.maximum(nnf.conv2d(arr(x), p["0.weight"], p["0.bias"], padding=1), 0)
    h = np.pad(h, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="reflect")
    h = np.maximum(nnf.conv2d(h, p["2.weight"], p["2.bias"], stride=2), 0)
    expected = nnf.linear(h.reshape(2, -1), p["5.weight"], p["5.bias"])
    y = approx(x)
    assert same(y, expected)
    with mt.approximate():
        assert torch.equal(model(x), y)   # the same products either way


def test_convert_inplace_shares_parameters_and_handles_shared_modules():
    shared = torch.nn.Linear(3, 3)
    model = torch.nn.Sequential(shared, torch.nn.Conv1d(1, 2, 2), shared)
    weight = shared.weight
    out = mt.convert(model, variant="exact", backward="exact", inplace=True)
    assert out is model and model[0] is model[2] and model[0].weight is weight
    assert type(model[1]) is mt.MitchellConv1d and model[1].variant == "exact"
    assert mt.convert(torch.nn.Linear(2, 2)).__class__ is mt.MitchellLinear
    assert "variant='mitchell'" in repr(mt.MitchellConv2d(1, 1, 1))


def test_mitchell_modules_construct_like_torch_ones():
    lin = mt.MitchellLinear(4, 2, variant="exact")
    assert list(lin.state_dict()) == list(torch.nn.Linear(4, 2).state_dict())
    conv = mt.MitchellConv1d(2, 3, 3, padding="same", padding_mode="circular", backward="exact")
    x = rand(1, 2, 7, seed=91)
    ref = torch.nn.Conv1d(2, 3, 3, padding="same", padding_mode="circular")
    ref.load_state_dict(conv.state_dict())
    torch.testing.assert_close(mt.convert(ref, variant="exact")(x), ref(x))
    assert conv(x).shape == (1, 3, 7)


# --------------------------------------------------------------------------- training


def blobs(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    centres = torch.tensor([[2.0, 0.0, -1.0, 1.0], [-2.0, 1.0, 0.5, 0.0], [0.0, -2.0, 1.0, -1.0]])
    return centres[y] + 0.7 * torch.randn(n, 4, generator=g), y


def train(model, x, y, steps, context):
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(steps):
        with context():
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_mlp_trains_in_mitchell_mode():
    torch.manual_seed(1)
    x, y = blobs()
    model = mt.convert(torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)))
    losses = train(model, x, y, 30, contextlib.nullcontext)
    assert losses[-1] < 0.3 * losses[0]
    assert (model(x).argmax(1) == y).float().mean() > 0.9


def test_cnn_trains_under_approximate():
    torch.manual_seed(2)
    g = torch.Generator().manual_seed(3)
    y = torch.arange(48) % 3                      # class = which third of the image is bright
    x = 0.3 * torch.randn(48, 1, 8, 8, generator=g)
    for i in range(3):
        x[y == i, :, :, 3 * i:3 * i + 2] += 1.0
    model = small_cnn()
    modes = []

    def context():
        modes.append(mt.approximate())
        return modes[-1]
    losses = train(model, x, y, 25, context)
    assert losses[-1] < 0.3 * losses[0]
    assert all(m.products["forward"] == 3 and m.products["backward"] == 5 for m in modes)


# --------------------------------------------------------------------------- a transformers BERT

_PRODUCT_OP = re.compile(r"mm|matmul|linear|conv|dot|addmv|\bmv\b|einsum|attention|bilinear|tensordot")


class AtenProducts(TorchDispatchMode):
    """Counts the ATen operations that compute matrix products."""

    def __init__(self):
        super().__init__()
        self.ops = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func._schema.name.split("::")[1]
        if _PRODUCT_OP.search(name):
            self.ops[name] += 1
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("train", [False, True], ids=["eval", "train"])
def test_torch_transformer_layers_run_every_product_through_mitchell(train):
    # nn.MultiheadAttention computes inside F.multi_head_attention_forward, a Python
    # function the mode must run with itself still active
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(16, 2, 32, batch_first=True).train(train)
    mha = torch.nn.MultiheadAttention(16, 2)
    x = rand(2, 5, 16, seed=100)
    with AtenProducts() as inside, mt.approximate() as mode:
        y = layer(x)
        out, weights = mha(x, x, x)
        (y.sum() + out.sum()).backward()
    assert inside.ops == {}
    # layer: packed in-projection, out-projection, two feed-forward linears + attention's
    # 2 products; mha (need_weights): 2 linears + 2 batched products
    assert mode.products["forward"] == 6 + 4
    with mt.approximate() as mode:
        torch.nn.LSTM(4, 8)(rand(3, 2, 4))
    assert mode.unhandled == {"lstm": 1} and mode.products == {}


def test_transposed_convolution_modules_run_through_mitchell():
    torch.manual_seed(0)
    up2d = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    up1d = torch.nn.ConvTranspose1d(3, 2, 4, stride=2)
    x2d, x1d = rand(1, 3, 4, 5, seed=101), rand(3, 6, seed=102)     # x1d unbatched
    with AtenProducts() as inside, mt.approximate(variant="exact") as mode:
        y2d = up2d(x2d, output_size=(8, 10))    # output_padding chosen by the module
        y1d = up1d(x1d)
    assert inside.ops == {} and mode.products["forward"] == 2
    torch.testing.assert_close(y2d, up2d(x2d, output_size=(8, 10)))
    torch.testing.assert_close(y1d, up1d(x1d))


@pytest.mark.parametrize("attention", ["eager", "sdpa"])
def test_bert_runs_with_every_matrix_product_through_mitchell(attention):
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=64, vocab_size=100,
                                     attn_implementation=attention)
    torch.manual_seed(0)
    model = transformers.BertModel(config).eval()   # no dropout: runs comparable
    ids = torch.randint(0, 100, (2, 7))
    mask = torch.ones(2, 7, dtype=torch.long)
    mask[1, 5:] = 0

    def loss_of(out):
        return out.last_hidden_state.square().mean() + out.pooler_output.sum()

    with AtenProducts() as plain:
        reference = model(input_ids=ids, attention_mask=mask)
    # 2 layers x (q, k, v, attention output, intermediate, output) + pooler; 2 attention products per layer
    linears = sum(isinstance(m, torch.nn.Linear) for m in model.modules())
    assert linears == 13
    with AtenProducts() as inside, mt.approximate() as mode:
        out = model(input_ids=ids, attention_mask=mask)
        loss_of(out).backward()
    assert inside.ops == {}, "matrix products computed by torch"
    assert mode.products["forward"] == linears + 2 * 2
    if attention == "eager":   # torch's own count of its product kernels agrees
        assert sum(plain.ops.values()) == mode.products["forward"]
    assert mode.products["backward"] == 2 * mode.products["forward"]   # both operands need gradients
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    diff = (out.last_hidden_state - reference.last_hidden_state).abs().max().item()
    assert 0 < diff < 0.1   # Mitchell arithmetic, not exact, but close for a LayerNorm-ed output
