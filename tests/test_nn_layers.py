"""mitchell.nn layers: gradients against finite differences (exact mode) and against
the same formulas written with explicit ``mitchell.mul`` products (Mitchell mode).

The losses are softmax cross-entropy or ``sum(R * y)`` with a random R, so the
incoming gradients are never all ones (products with 1.0 are exact in
Mitchell's arithmetic and would hide a product computed in the wrong mode).
"""

import numpy as np
import pytest

import mitchell
from mitchell import nn
from test_nn_functional import (assert_close, naive_conv2d, naive_conv2d_grad_input,
                                naive_conv2d_grad_weight)

F64 = np.float64


def mlp(rng=0, mode="exact", backward_mode=None):
    return nn.Sequential(nn.Linear(6, 7, rng=rng, dtype=F64, mode=mode, backward_mode=backward_mode),
                         nn.ReLU(),
                         nn.Linear(7, 4, rng=rng + 1, dtype=F64, mode=mode, backward_mode=backward_mode))


def cnn1d(rng=0):
    return nn.Sequential(nn.Conv1d(2, 3, 3, stride=2, padding=1, rng=rng, dtype=F64, mode="exact"),
                         nn.ReLU(), nn.MaxPool1d(2), nn.Flatten(),
                         nn.Linear(3 * 3, 4, rng=rng + 1, dtype=F64, mode="exact"))


def cnn2d(rng=0):
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, groups=2, rng=rng, dtype=F64, mode="exact"),
                         nn.ReLU(), nn.MaxPool2d(3, stride=2), nn.AvgPool2d(2), nn.Flatten(),
                         nn.Linear(4, 3, rng=rng + 1, dtype=F64, mode="exact"))


def check_finite_differences(model, x, labels, n_checks=6, seed=0):
    """Backward of CE(model(x)) against central differences on parameters and input."""
    loss = nn.CrossEntropyLoss()
    model.zero_grad()
    loss(model(x), labels)
    dx = model.backward(loss.backward())
    rng = np.random.default_rng(seed)
    eps = 1e-6
    targets = [(p.data, p.grad) for p in model.parameters()] + [(x, dx)]
    for data, grad in targets:
        for _ in range(n_checks):
            idx = tuple(int(rng.integers(0, s)) for s in data.shape)
            old = data[idx]
            data[idx] = old + eps
            up = loss(model(x), labels)
            data[idx] = old - eps
            down = loss(model(x), labels)
            data[idx] = old
            assert (up - down) / (2 * eps) == pytest.approx(grad[idx], rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("make, shape", [(mlp, (5, 6)), (cnn1d, (5, 2, 11)), (cnn2d, (3, 2, 7, 7))],
                         ids=["mlp", "cnn1d", "cnn2d"])
def test_exact_gradients_against_finite_differences(make, shape):
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape)
    labels = rng.integers(0, 3, shape[0])
    check_finite_differences(make(), x, labels)


def test_mlp_mitchell_backward_against_explicit_products():
    """Mogami 2020's setting: forward and backward products are Mitchell's."""
    model = mlp(mode="mitchell")
    rng = np.random.default_rng(2)
    x, labels = rng.normal(size=(5, 6)), rng.integers(0, 4, 5)
    loss = nn.CrossEntropyLoss()
    loss(model(x), labels)
    dx = model.backward(loss.backward())
    mul = mitchell.mul
    l1, l2 = model[0], model[2]
    w1, b1, w2, b2 = l1.weight.data, l1.bias.data, l2.weight.data, l2.bias.data
    h = mul(x[:, None, :], w1[None]).sum(-1) + b1          # (5, 7)
    a = np.maximum(h, 0)
    z = mul(a[:, None, :], w2[None]).sum(-1) + b2          # (5, 4)
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    gz = (p - np.eye(4)[labels]) / 5
    assert not np.allclose(gz, gz.flat[0])                # the incoming gradient is not uniform
    assert_close(l2.weight.grad, mul(gz[:, :, None], a[:, None, :]).sum(0))
    assert_close(l2.bias.grad, gz.sum(0))
    ga = mul(gz[:, :, None], w2[None]).sum(1) * (h > 0)
    assert_close(l1.weight.grad, mul(ga[:, :, None], x[:, None, :]).sum(0))
    assert_close(dx, mul(ga[:, :, None], w1[None]).sum(1))
    # and the exact backward differs visibly
    exact = mlp(mode="mitchell", backward_mode="exact")
    loss(exact(x), labels)
    exact.backward(loss.backward())
    assert not np.allclose(exact[0].weight.grad, l1.weight.grad, rtol=1e-4)


@pytest.mark.parametrize("forward, backward", [("mitchell", "exact"), ("exact", "mitchell")])
def test_forward_and_backward_modes_are_separate(forward, backward):
    model = mlp(mode=forward, backward_mode=backward)
    rng = np.random.default_rng(3)
    x, r = rng.normal(size=(4, 6)), rng.normal(size=(4, 4))
    model(x)
    dx = model.backward(r)
    fmul = mitchell.mul if forward == "mitchell" else np.multiply
    bmul = mitchell.mul if backward == "mitchell" else np.multiply
    l1, l2 = model[0], model[2]
    h = fmul(x[:, None, :], l1.weight.data[None]).sum(-1) + l1.bias.data
    a = np.maximum(h, 0)
    assert_close(l2.weight.grad, bmul(r[:, :, None], a[:, None, :]).sum(0))
    ga = bmul(r[:, :, None], l2.weight.data[None]).sum(1) * (h > 0)
    assert_close(dx, bmul(ga[:, :, None], l1.weight.data[None]).sum(1))


@pytest.mark.parametrize("mode", ["exact", "mitchell"])
def test_conv2d_layer_against_naive_loops(mode):
    mul = mitchell.mul if mode == "mitchell" else np.multiply
    layer = nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2,
                      rng=4, dtype=F64, mode=mode)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 4, 7, 8))
    y = layer(x)
    args = ((2, 1), (1, 0), (1, 2), 2)
    w = layer.weight.data
    assert_close(y, naive_conv2d(x, w, *args, mul) + layer.bias.data[:, None, None])
    r = rng.normal(size=y.shape)
    dx = layer.backward(r)
    assert_close(dx, naive_conv2d_grad_input(r, w, x.shape, *args, mul))
    assert_close(layer.weight.grad, naive_conv2d_grad_weight(x, r, w.shape, *args, mul))
    assert_close(layer.bias.grad, r.sum(axis=(0, 2, 3)))


@pytest.mark.parametrize("mode", ["exact", "mitchell"])
def test_conv1d_layer_against_naive_loops(mode):
    mul = mitchell.mul if mode == "mitchell" else np.multiply
    layer = nn.Conv1d(3, 4, 5, stride=2, padding=2, dilation=1, rng=6, dtype=F64, mode=mode)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3, 3, 13))
    y = layer(x)
    assert y.shape == (3, 4, 7)
    args = ((1, 2), (0, 2), (1, 1), 1)
    w4 = layer.weight.data[:, :, None]
    assert_close(y, naive_conv2d(x[:, :, None], w4, *args, mul)[:, :, 0] + layer.bias.data[:, None])
    r = rng.normal(size=y.shape)
    dx = layer.backward(r)
    assert_close(dx, naive_conv2d_grad_input(r[:, :, None], w4, (3, 3, 1, 13), *args, mul)[:, :, 0])
    assert_close(layer.weight.grad,
                 naive_conv2d_grad_weight(x[:, :, None], r[:, :, None], w4.shape, *args, mul)[:, :, 0])


def test_conv1d_same_padding_and_shapes():
    layer = nn.Conv1d(2, 3, 4, padding="same", dilation=2, rng=0)
    x = np.ones((2, 2, 9), np.float32)
    y = layer(x)
    assert y.shape == (2, 3, 9) and y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).shape == x.shape
    assert layer.weight.grad.shape == (3, 2, 4)


def test_pooling_against_naive_loops():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(2, 3, 7, 9))
    pool = nn.MaxPool2d((3, 2), stride=(2, 3))
    y = pool(x)
    ho, wo = (7 - 3) // 2 + 1, (9 - 2) // 3 + 1
    expected = np.array([[[[x[n, c, 2 * i:2 * i + 3, 3 * j:3 * j + 2].max() for j in range(wo)]
                           for i in range(ho)] for c in range(3)] for n in range(2)])
    np.testing.assert_array_equal(y, expected)
    avg = nn.AvgPool2d(2)(x)
    np.testing.assert_allclose(avg, x[:, :, :6, :8].reshape(2, 3, 3, 2, 4, 2).mean(axis=(3, 5)), rtol=1e-14)
    x1 = rng.normal(size=(2, 3, 11))
    np.testing.assert_array_equal(nn.MaxPool1d(3, stride=2)(x1),
                                  np.stack([x1[:, :, 2 * i:2 * i + 3].max(-1) for i in range(5)], -1))
    np.testing.assert_allclose(nn.AvgPool1d(2)(x1), x1[:, :, :10].reshape(2, 3, 5, 2).mean(-1), rtol=1e-14)


def test_max_pool_gradient_goes_to_the_maximum():
    pool = nn.MaxPool1d(2)
    pool(np.float32([[[1, 3, 4, 2]]]))
    np.testing.assert_array_equal(pool.backward(np.float32([[[5, 7]]])), np.float32([[[0, 5, 7, 0]]]))


def test_cross_entropy_is_stable_and_its_gradient_matches_finite_differences():
    loss = nn.CrossEntropyLoss()
    assert loss(np.float64([[1000.0, 0.0]]), np.array([0])) == pytest.approx(0.0, abs=1e-12)
    assert loss(np.float64([[1000.0, 0.0]]), np.array([1])) == pytest.approx(1000.0)
    rng = np.random.default_rng(9)
    z, y = rng.normal(size=(4, 5)), rng.integers(0, 5, 4)
    loss(z, y)
    g = loss.backward()
    for idx in [(0, 0), (1, 3), (3, 4)]:
        zp, zm = z.copy(), z.copy()
        zp[idx] += 1e-6
        zm[idx] -= 1e-6
        assert (loss(zp, y) - loss(zm, y)) / 2e-6 == pytest.approx(g[idx], rel=1e-6)


def test_sgd_momentum_and_adam_follow_torchs_rules():
    # the update rules of torch.optim.SGD and torch.optim.Adam, written out in float64
    grads = [np.array([0.5, -1.0]), np.array([0.25, 2.0]), np.array([-1.0, 0.5])]
    p = nn.Parameter(np.array([1.0, 2.0]))
    opt = nn.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    ref, v = np.array([1.0, 2.0]), None
    for g in grads:
        p.grad[:] = g
        opt.step()
        d = g + 0.01 * ref
        v = d if v is None else 0.9 * v + d
        ref = ref - 0.1 * v
    np.testing.assert_allclose(p.data, ref, rtol=1e-15)
    p = nn.Parameter(np.array([1.0, 2.0]))
    opt = nn.Adam([p], lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    ref, m, s = np.array([1.0, 2.0]), 0.0, 0.0
    for t, g in enumerate(grads, 1):
        p.grad[:] = g
        opt.step()
        m = 0.8 * m + 0.2 * g
        s = 0.99 * s + 0.01 * g * g
        ref = ref - 0.01 * (m / (1 - 0.8 ** t)) / (np.sqrt(s / (1 - 0.99 ** t)) + 1e-6)
    np.testing.assert_allclose(p.data, ref, rtol=1e-14)
    opt.zero_grad()
    assert not p.grad.any()


@pytest.mark.parametrize("mode", ["exact", "mitchell"])
def test_a_small_network_learns(mode):
    # three Gaussian blobs in 5-D, well separated: any working trainer reaches ~100 %
    rng = np.random.default_rng(10)
    centres = rng.normal(scale=5.0, size=(3, 5))
    labels = rng.integers(0, 3, 300)
    x = (centres[labels] + rng.normal(size=(300, 5))).astype(np.float32)
    model = nn.Sequential(nn.Linear(5, 16, rng=0, mode=mode), nn.ReLU(), nn.Linear(16, 3, rng=1, mode=mode))
    loss, opt = nn.CrossEntropyLoss(), nn.Adam(model.parameters(), lr=0.02)
    first = loss(model(x), labels)
    for epoch in range(30):
        for i in range(0, 300, 50):
            loss(model(x[i:i + 50]), labels[i:i + 50])
            model.backward(loss.backward())
            opt.step()
            opt.zero_grad()
    assert loss(model(x), labels) < first / 4
    assert (model(x).argmax(1) == labels).mean() > 0.95


def test_set_mode_propagates_and_validates():
    model = mlp()
    model.set_mode("int8-mitchell")
    assert [model[0].mode, model[0].backward_mode] == ["int8-mitchell", "mitchell"]
    model.set_mode(backward="exact")
    assert [model[2].mode, model[2].backward_mode] == ["int8-mitchell", "exact"]
    model.set_mode("mitchell")
    assert model[2].backward_mode == "mitchell"
    with pytest.raises(ValueError, match="valid modes: exact, mitchell"):
        model.set_mode("lmull")
    with pytest.raises(ValueError, match="unknown int8 mode 'int8-foo'"):
        nn.Linear(2, 2, mode="int8-foo")
    with pytest.raises(ValueError, match="backward mode"):
        nn.Linear(2, 2, backward_mode="int8-mitchell")


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.Linear(3, 2).backward(np.ones((1, 2))), RuntimeError, "before forward"),
    (lambda: nn.Linear(3, 2)(np.ones((4, 5), np.float32)), ValueError, r"Linear\(3, 2\) got an input of shape"),
    (lambda: nn.Conv1d(2, 2, 3)(np.ones((2, 2, 1, 5), np.float32)), ValueError, r"\(N, C, L\)"),
    (lambda: nn.Conv2d(3, 2, 3, groups=2), ValueError, "groups=2 must divide"),
    (lambda: nn.MaxPool2d(2)(np.ones((2, 3, 4))), ValueError, r"\(N, C, H, W\)"),
    (lambda: nn.MaxPool2d(5)(np.ones((1, 1, 4, 4))), ValueError, "smaller than the kernel"),
    (lambda: nn.CrossEntropyLoss()(np.ones((2, 3)), np.array([0, 3])), ValueError, r"in \[0, 3\)"),
    (lambda: nn.CrossEntropyLoss()(np.ones((2, 3)), np.array([0.0, 1.0])), ValueError, "integers"),
    (lambda: nn.Sequential(nn.ReLU(), np.tanh), TypeError, "mitchell.nn modules"),
    (lambda: nn.SGD([], lr=0.1), ValueError, "no parameters"),
    (lambda: nn.Adam(nn.Linear(2, 2).parameters(), lr=0), ValueError, "learning rate"),
])
def test_bad_input_raises_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
