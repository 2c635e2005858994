"""mitchell.nn.functional: products, convolutions and their gradients in every mode.

Oracles: each function is checked against naive loops written here from the
definitions (torch.nn.functional's), whose every scalar product is the
elementwise ufunc of the mode (``np.multiply`` for exact, ``mitchell.mul`` for
Mitchell, the variant's ``.mul`` for the others) and whose sums are plain
float64 sums.  Operands are float64 so that the order of the additions
changes results by ~1e-15 while Mitchell's products differ from exact ones by
up to 1/9; the incoming gradients are random (never all ones, whose products
would be exact in every mode).
"""

import numpy as np
import pytest

import mitchell
from mitchell.nn import functional as F
from mitchell.nn import modes

RTOL = 1e-12


def assert_close(got, expected):
    """Equal up to float64 summation order: 1e-12 relative, or 1e-12 of the largest
    element for sums that cancel."""
    expected = np.asarray(expected)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=RTOL * np.abs(expected).max())


def mul_of(mode):
    if mode == "exact":
        return np.multiply
    if mode == "mitchell":
        return mitchell.mul
    return mitchell.variants[mode].mul


MODES = list(modes())


def rand(rng, *shape):
    # magnitudes spread over several binades, both signs, no exact powers of two
    return (rng.uniform(0.3, 3.0, shape) * rng.choice([-1.0, 1.0], shape)).astype(np.float64)


def naive_matmul(a, b, mul):
    return mul(a[..., :, :, None], b[..., None, :, :]).sum(axis=-2)


def naive_conv2d(x, w, stride, padding, dilation, groups, mul):
    n, c_in, h, wd = x.shape
    c_out, c_g, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, c_out, ho, wo))
    cog = c_out // groups
    for co in range(c_out):
        grp = co // cog
        for c in range(c_g):
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, grp * c_g + c, i * dh:i * dh + sh * (ho - 1) + 1:sh,
                               j * dw:j * dw + sw * (wo - 1) + 1:sw]
                    y[:, co] += mul(patch, w[co, c, i, j])
    return y


def naive_conv2d_grad_input(gy, w, x_shape, stride, padding, dilation, groups, mul):
    n, c_in, h, wd = x_shape
    c_out, c_g, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    dxp = np.zeros((n, c_in, h + 2 * ph + sh + dh * kh, wd + 2 * pw + sw + dw * kw))
    cog = c_out // groups
    ho, wo = gy.shape[2:]
    for co in range(c_out):
        grp = co // cog
        for c in range(c_g):
            for i in range(kh):
                for j in range(kw):
                    for oh in range(ho):
                        for ow in range(wo):
                            dxp[:, grp * c_g + c, oh * sh + i * dh, ow * sw + j * dw] += \
                                mul(gy[:, co, oh, ow], w[co, c, i, j])
    return dxp[:, :, ph:ph + h, pw:pw + wd]


def naive_conv2d_grad_weight(x, gy, w_shape, stride, padding, dilation, groups, mul):
    c_out, c_g, kh, kw = w_shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho, wo = gy.shape[2:]
    dw_ = np.zeros(w_shape)
    cog = c_out // groups
    for co in range(c_out):
        grp = co // cog
        for c in range(c_g):
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, grp * c_g + c, i * dh:i * dh + sh * (ho - 1) + 1:sh,
                               j * dw:j * dw + sw * (wo - 1) + 1:sw]
                    dw_[co, c, i, j] = mul(gy[:, co], patch).sum()
    return dw_


def naive_conv_transpose2d(x, w, stride, padding, output_padding, groups, dilation, mul):
    """torch's definition: every input element scatters x * w into the output."""
    n, c_in, h, wd = x.shape
    _, cog, kh, kw = w.shape
    (sh, sw), (ph, pw), (oh_, ow_), (dh, dw) = stride, padding, output_padding, dilation
    h_out = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oh_ + 1
    w_out = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + ow_ + 1
    full = np.zeros((n, cog * groups, h_out + 2 * ph + sh + dh * kh, w_out + 2 * pw + sw + dw * kw))
    cig = c_in // groups
    for ci in range(c_in):
        grp = ci // cig
        for co in range(cog):
            for i in range(kh):
                for j in range(kw):
                    for ih in range(h):
                        for iw in range(wd):
                            full[:, grp * cog + co, ih * sh + i * dh, iw * sw + j * dw] += \
                                mul(x[:, ci, ih, iw], w[ci, co, i, j])
    return full[:, :, ph:ph + h_out, pw:pw + w_out]


# (x shape, w shape, stride, padding, dilation, groups)
CONV_CASES = [
    ((2, 3, 7, 6), (4, 3, 3, 3), (1, 1), (0, 0), (1, 1), 1),
    ((2, 4, 8, 7), (6, 2, 3, 2), (2, 1), (1, 2), (1, 1), 2),
    ((1, 2, 9, 9), (2, 1, 3, 3), (2, 3), (2, 1), (2, 1), 2),
    ((3, 1, 1, 12), (5, 1, 1, 5), (1, 2), (0, 1), (1, 1), 1),      # a 1-D convolution
    ((2, 6, 5, 5), (3, 2, 2, 2), (1, 1), (1, 1), (2, 2), 3),
]
CONV_IDS = [f"x{c[0]}-w{c[1]}-s{c[2]}-p{c[3]}-d{c[4]}-g{c[5]}" for c in CONV_CASES]


@pytest.mark.parametrize("mode", MODES)
def test_matmul_and_linear_against_naive_products(mode):
    rng = np.random.default_rng(0)
    mul = mul_of(mode)
    a, b = rand(rng, 2, 5, 7), rand(rng, 7, 3)
    np.testing.assert_allclose(F.matmul(a, b, mode=mode), naive_matmul(a, b, mul))
    x, w, bias = rand(rng, 4, 2, 7), rand(rng, 5, 7), rand(rng, 5)
    assert_close(F.linear(x, w, bias, mode=mode),
                               naive_matmul(x, w.T, mul) + bias)
    g = rand(rng, 4, 2, 5)
    assert_close(F.linear_grad_input(g, w, mode=mode), naive_matmul(g, w, mul))
    expected = mul(g[..., :, None], x[..., None, :]).sum(axis=(0, 1))   # sum over the batch axes
    got = F.linear_grad_weight(x, g, mode=mode)
    assert got.shape == (5, 7)
    assert_close(got, expected)


def test_mitchell_mode_is_not_exact():
    # guards the oracle tests above: Mitchell's products are visibly different
    rng = np.random.default_rng(1)
    a, b = rand(rng, 6, 9), rand(rng, 9, 4)
    assert not np.allclose(F.matmul(a, b, mode="mitchell"), a @ b, rtol=1e-4)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv2d_and_gradients_against_naive_loops(case, mode):
    x_shape, w_shape, stride, padding, dilation, groups = case
    mul = mul_of(mode)
    rng = np.random.default_rng(2)
    x, w, bias = rand(rng, *x_shape), rand(rng, *w_shape), rand(rng, w_shape[0])
    y = F.conv2d(x, w, bias, stride, padding, dilation, groups, mode=mode)
    assert_close(y, naive_conv2d(x, w, stride, padding, dilation, groups, mul)
                               + bias[:, None, None])
    gy = rand(rng, *y.shape)
    assert_close(
        F.conv2d_grad_input(gy, w, x_shape, stride, padding, dilation, groups, mode=mode),
        naive_conv2d_grad_input(gy, w, x_shape, stride, padding, dilation, groups, mul))
    assert_close(
        F.conv2d_grad_weight(x, gy, w_shape, stride, padding, dilation, groups, mode=mode),
        naive_conv2d_grad_weight(x, gy, w_shape, stride, padding, dilation, groups, mul))


# (x shape, w shape, stride, padding, output_padding, groups, dilation)
TRANSPOSE_CASES = [
    ((2, 3, 4, 5), (3, 2, 3, 3), (1, 1), (0, 0), (0, 0), 1, (1, 1)),
    ((1, 4, 3, 3), (4, 3, 3, 2), (2, 3), (1, 0), (1, 2), 2, (1, 1)),
    ((2, 2, 4, 3), (2, 1, 2, 3), (1, 2), (1, 1), (1, 0), 1, (2, 1)),   # output_padding < dilation
    ((1, 6, 2, 2), (6, 1, 3, 3), (3, 3), (2, 2), (2, 1), 3, (2, 2)),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=lambda c: f"x{c[0]}-w{c[1]}-s{c[2]}-p{c[3]}-op{c[4]}-g{c[5]}-d{c[6]}")
def test_conv_transpose2d_against_naive_loop(case, mode):
    x_shape, w_shape, stride, padding, output_padding, groups, dilation = case
    rng = np.random.default_rng(3)
    x, w = rand(rng, *x_shape), rand(rng, *w_shape)
    bias = rand(rng, w_shape[1] * groups)
    got = F.conv_transpose2d(x, w, bias, stride, padding, output_padding, groups, dilation, mode=mode)
    expected = naive_conv_transpose2d(x, w, stride, padding, output_padding, groups, dilation, mul_of(mode))
    assert got.shape == expected.shape
    assert_close(got, expected + bias[:, None, None])


@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_exact_gradients_against_finite_differences(case):
    # L = sum(R * conv2d(x, w)) with a random R; central differences are exact
    # up to rounding because L is linear in each of x and w
    x_shape, w_shape, stride, padding, dilation, groups = case
    rng = np.random.default_rng(4)
    x, w = rand(rng, *x_shape), rand(rng, *w_shape)
    args = (stride, padding, dilation, groups)
    r = rand(rng, *F.conv2d(x, w, None, *args, mode="exact").shape)

    def loss(x_, w_):
        return float(np.sum(r * F.conv2d(x_, w_, None, *args, mode="exact")))

    dx = F.conv2d_grad_input(r, w, x.shape, *args, mode="exact")
    dw = F.conv2d_grad_weight(x, r, w.shape, *args, mode="exact")
    eps = 1e-6
    for arr, grad, which in ((x, dx, "x"), (w, dw, "w")):
        for idx in [tuple(rng.integers(0, s) for s in arr.shape) for _ in range(6)]:
            plus, minus = arr.copy(), arr.copy()
            plus[idx] += eps
            minus[idx] -= eps
            if which == "x":
                fd = (loss(plus, w) - loss(minus, w)) / (2 * eps)
            else:
                fd = (loss(x, plus) - loss(x, minus)) / (2 * eps)
            assert fd == pytest.approx(grad[idx], rel=1e-6, abs=1e-8), (which, idx)


def test_exact_linear_gradients_against_finite_differences():
    rng = np.random.default_rng(5)
    x, w = rand(rng, 3, 4, 6), rand(rng, 5, 6)
    r = rand(rng, 3, 4, 5)
    loss = lambda x_, w_: float(np.sum(r * F.linear(x_, w_, mode="exact")))   # noqa: E731
    dx, dw = F.linear_grad_input(r, w, mode="exact"), F.linear_grad_weight(x, r, mode="exact")
    eps = 1e-6
    for idx in [(0, 1, 2), (2, 3, 5), (1, 0, 0)]:
        p, m = x.copy(), x.copy()
        p[idx] += eps
        m[idx] -= eps
        assert (loss(p, w) - loss(m, w)) / (2 * eps) == pytest.approx(dx[idx], rel=1e-6)
    for idx in [(0, 0), (4, 5), (2, 3)]:
        p, m = w.copy(), w.copy()
        p[idx] += eps
        m[idx] -= eps
        assert (loss(x, p) - loss(x, m)) / (2 * eps) == pytest.approx(dw[idx], rel=1e-6)


def test_conv_transpose2d_is_the_input_gradient():
    rng = np.random.default_rng(6)
    w = rand(rng, 4, 3, 3, 3)                 # conv: 3 -> 4 channels; transposed: 4 -> 3
    g = rand(rng, 2, 4, 5, 5)
    a = F.conv_transpose2d(g, w, stride=2, padding=1, mode="mitchell")
    b = F.conv2d_grad_input(g, w, (2, 3, 9, 9), stride=2, padding=1, mode="mitchell")
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv2d_equals_mitchell_conv2d_bit_for_bit(case, dtype):
    x_shape, w_shape, stride, padding, dilation, groups = case
    rng = np.random.default_rng(7)
    x, w = rand(rng, *x_shape).astype(dtype), rand(rng, *w_shape).astype(dtype)
    b = rand(rng, w_shape[0]).astype(dtype)
    got = F.conv2d(x, w, b, stride, padding, dilation, groups)
    expected = mitchell.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    assert got.dtype == expected.dtype == dtype
    np.testing.assert_array_equal(got, expected)


def test_float32_stays_float32_and_padding_strings():
    rng = np.random.default_rng(8)
    x, w = rand(rng, 1, 2, 6, 6).astype(np.float32), rand(rng, 3, 2, 3, 3).astype(np.float32)
    for mode in ("exact", "mitchell"):
        same = F.conv2d(x, w, padding="same", dilation=2, mode=mode)
        assert same.shape == (1, 3, 6, 6) and same.dtype == np.float32
        assert F.conv2d(x, w, padding="valid", mode=mode).shape == (1, 3, 4, 4)
    np.testing.assert_array_equal(F.conv2d(x, w, padding="same", dilation=2),
                                  mitchell.conv2d(x, w, padding="same", dilation=2))


def test_unbatched_shapes():
    rng = np.random.default_rng(9)
    x, w = rand(rng, 2, 5, 5), rand(rng, 4, 2, 3, 3)
    y = F.conv2d(x, w, padding=1)
    assert y.shape == (4, 5, 5)
    np.testing.assert_array_equal(y, F.conv2d(x[None], w, padding=1)[0])
    assert F.conv2d_grad_input(y, w, x.shape, padding=1).shape == x.shape
    assert F.conv2d_grad_weight(x, y, w.shape, padding=1).shape == w.shape
    assert F.conv_transpose2d(y, w, padding=1).shape == (2, 5, 5)


def test_int8_operands_accumulate_in_int32():
    rng = np.random.default_rng(10)
    a = rng.integers(-127, 128, (4, 300), dtype=np.int8)
    b = rng.integers(-127, 128, (300, 5), dtype=np.int8)
    exact = F.matmul(a, b, mode="exact")
    assert exact.dtype == np.int32
    np.testing.assert_array_equal(exact, a.astype(np.int64) @ b.astype(np.int64))
    approx = F.matmul(a, b)
    assert approx.dtype == np.int32
    # Mitchell's integer product of magnitudes < 256 equals the float one (docs/matmul.md)
    np.testing.assert_array_equal(approx, naive_matmul(a.astype(np.float64), b.astype(np.float64),
                                                       mitchell.mul).astype(np.int32))


def test_every_product_goes_through_the_mode(monkeypatch):
    """A fake variant doubling every product doubles every result (biases aside)."""
    calls = []
    real = mitchell.matmul

    def fake_matmul(a, b, *, variant=None):
        calls.append(variant)
        assert variant in (None, "twice")
        return real(a, b) if variant is None else 2 * np.matmul(a, b)

    monkeypatch.setattr(mitchell, "variants", {"mitchell": None, "twice": None}, raising=False)
    monkeypatch.setattr(mitchell, "matmul", fake_matmul)
    rng = np.random.default_rng(11)
    x, w = rand(rng, 2, 3, 6, 6), rand(rng, 4, 3, 3, 3)
    gy = rand(rng, 2, 4, 3, 3)
    args = (2, 1, 1, 1)
    for fn, fargs in [(F.conv2d, (x, w, None, *args)),
                      (F.conv2d_grad_input, (gy, w, x.shape, *args)),
                      (F.conv2d_grad_weight, (x, gy, w.shape, *args)),
                      (F.conv_transpose2d, (gy, w, None, 2, 1, 1)),
                      (F.matmul, (x, rand(rng, 6, 2))),
                      (F.linear, (x, rand(rng, 5, 6))),
                      (F.linear_grad_input, (x, rand(rng, 6, 5))),
                      (F.linear_grad_weight, (x, rand(rng, 2, 3, 6, 4)))]:
        np.testing.assert_allclose(fn(*fargs, mode="twice"), 2 * fn(*fargs, mode="exact"), rtol=1e-12)
        calls.clear()
        fn(*fargs, mode="mitchell")
        assert calls == [None]                        # "mitchell" calls matmul without variant=
    assert "twice" in modes()


@pytest.mark.parametrize("mode", ["lmul-typo", "int8-mitchell", 3, None])
def test_unknown_mode_lists_the_valid_ones(mode):
    with pytest.raises(ValueError, match="valid modes: exact, mitchell"):
        F.matmul(np.eye(2), np.eye(2), mode=mode)
    with pytest.raises(ValueError, match="valid modes"):
        F.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), mode=mode)


@pytest.mark.parametrize("call, message", [
    (lambda: F.linear(np.ones((2, 3)), np.ones((4, 5))), "last axis must match"),
    (lambda: F.linear(np.ones((2, 3)), np.ones((4, 3)), np.ones(3)), r"bias must have shape \(4,\)"),
    (lambda: F.linear_grad_input(np.ones((2, 3)), np.ones((4, 3)), mode="exact"), "last axis"),
    (lambda: F.linear_grad_weight(np.ones((2, 3)), np.ones((3, 4)), mode="exact"), "same leading axes"),
    (lambda: F.conv2d(np.ones((1, 4, 5, 5)), np.ones((2, 3, 3, 3))), "input channels per group"),
    (lambda: F.conv2d(np.ones((1, 4, 5, 5)), np.ones((3, 2, 3, 3)), groups=2), "must be positive and divide"),
    (lambda: F.conv2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))), "smaller than the kernel span"),
    (lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=0), "must be positive"),
    (lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=(1, 2, 3)), "pair of ints"),
    (lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), padding="full"), "'valid' or 'same'"),
    (lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), padding="same", stride=2), "strided"),
    (lambda: F.conv2d(np.ones((5, 5)), np.ones((1, 1, 3, 3))), r"\(N, C, H, W\)"),
    (lambda: F.conv2d_grad_input(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), (1, 1, 5, 5)),
     r"grad_out has shape \(1, 1, 4, 4\), but the convolution's output has shape \(1, 1, 3, 3\)"),
    (lambda: F.conv2d_grad_weight(np.ones((1, 1, 5, 5)), np.ones((1, 2, 3, 3)), (1, 1, 3, 3)), "grad_out has shape"),
    (lambda: F.conv_transpose2d(np.ones((1, 2, 3, 3)), np.ones((3, 1, 3, 3))), "input channels"),
    (lambda: F.conv_transpose2d(np.ones((1, 2, 3, 3)), np.ones((2, 1, 3, 3)), stride=2, output_padding=2),
     "smaller than the stride"),
    (lambda: F.conv_transpose2d(np.ones((1, 2, 3, 3)), np.ones((2, 1, 3, 3)), groups=0), "groups must be positive"),
])
def test_bad_input_raises_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_unsupported_dtype_raises_in_mitchell_mode():
    with pytest.raises(TypeError, match="int8 and uint8 operands"):
        F.matmul(np.ones((2, 2), np.int64), np.ones((2, 2), np.int64))


def test_variants_without_a_matrix_product_are_not_modes(monkeypatch):
    real = mitchell.matmul

    def matmul(a, b, *, variant=None):
        if variant == "elementwise":
            raise ValueError("variant 'elementwise' has no matrix product")
        return real(a, b)

    monkeypatch.setattr(mitchell, "variants", {"mitchell": None, "elementwise": None, "other": None},
                        raising=False)
    monkeypatch.setattr(mitchell, "matmul", matmul)
    assert modes() == ("exact", "mitchell", "other")
    with pytest.raises(ValueError, match="valid modes: exact, mitchell, other$"):
        F.matmul(np.eye(2), np.eye(2), mode="elementwise")


@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_exact_mode_matches_torch(case):
    """A second, independent oracle where torch is installed: exact mode is torch's float64 arithmetic."""
    torch = pytest.importorskip("torch")
    x_shape, w_shape, stride, padding, dilation, groups = case
    rng = np.random.default_rng(12)
    x, w, b = rand(rng, *x_shape), rand(rng, *w_shape), rand(rng, w_shape[0])
    tx, tw, tb = (torch.from_numpy(a) for a in (x, w, b))
    y = F.conv2d(x, w, b, stride, padding, dilation, groups, mode="exact")
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride, padding, dilation, groups)
    assert_close(y, ty.numpy())
    g = rand(rng, *y.shape)
    tg = torch.from_numpy(g)
    assert_close(F.conv2d_grad_input(g, w, x_shape, stride, padding, dilation, groups, mode="exact"),
                 torch.nn.grad.conv2d_input(x_shape, tw, tg, stride, padding, dilation, groups).numpy())
    assert_close(F.conv2d_grad_weight(x, g, w_shape, stride, padding, dilation, groups, mode="exact"),
                 torch.nn.grad.conv2d_weight(tx, w_shape, tg, stride, padding, dilation, groups).numpy())


@pytest.mark.parametrize("case", TRANSPOSE_CASES,
                         ids=lambda c: f"x{c[0]}-w{c[1]}-s{c[2]}-p{c[3]}-op{c[4]}-g{c[5]}-d{c[6]}")
def test_conv_transpose2d_exact_mode_matches_torch(case):
    torch = pytest.importorskip("torch")
    x_shape, w_shape, stride, padding, output_padding, groups, dilation = case
    rng = np.random.default_rng(13)
    x, w = rand(rng, *x_shape), rand(rng, *w_shape)
    b = rand(rng, w_shape[1] * groups)
    got = F.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation, mode="exact")
    expected = torch.nn.functional.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b),
                                                    stride, padding, output_padding, groups, dilation)
    assert_close(got, expected.numpy())


@pytest.mark.parametrize("x_shape", [(3, 50), (2, 3, 50), (50,)], ids=["2-D", "3-D", "1-D"])
@pytest.mark.parametrize("dtype", [np.float32, np.int8])
def test_linear_is_bit_for_bit_mitchell_matmul_whichever_operand_is_larger(x_shape, dtype):
    # a weight larger than the input takes the other operand order inside linear
    rng = np.random.default_rng(14)
    if dtype == np.int8:
        x = rng.integers(-127, 128, x_shape, dtype=np.int8)
        w = rng.integers(-127, 128, (40, 50), dtype=np.int8)
    else:
        x, w = rand(rng, *x_shape).astype(dtype), rand(rng, 40, 50).astype(dtype)
    for weight in (w, w[:2]):                 # larger and smaller than the input
        got = F.linear(x, weight)
        expected = mitchell.matmul(x, weight.T)
        assert got.dtype == expected.dtype and got.flags.c_contiguous
        np.testing.assert_array_equal(got, expected)
