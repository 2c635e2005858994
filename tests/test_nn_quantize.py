"""int8 modes of the layers: symmetric int8 weights (per tensor or per channel) and
inputs (per tensor, calibrated), int32 sums of integer products, dequantised.

The oracle quantises by the definition in mitchell/nn/quantize.py's docstring
and multiplies with ``mitchell.mul`` on int8 operands (Mitchell's integer
product, int16 results) or exactly, summing in int64.
"""

import numpy as np
import pytest

import mitchell
from mitchell import nn
from mitchell.nn.quantize import quantize, weight_scale
from test_nn_functional import naive_conv2d


def q(t, s):
    return np.clip(np.rint(t / s), -127, 127).astype(np.int8)


def int_mul(mode):
    if mode == "exact":
        return lambda a, b: a.astype(np.int64) * b.astype(np.int64)
    return lambda a, b: mitchell.mul(a, b).astype(np.int64)


@pytest.mark.parametrize("per_channel", [True, False], ids=["per-channel", "per-tensor"])
@pytest.mark.parametrize("base", ["exact", "mitchell"])
def test_linear_int8_against_the_definition(base, per_channel):
    rng = np.random.default_rng(0)
    layer = nn.Linear(20, 6, rng=1, per_channel=per_channel)
    layer.weight.data *= np.linspace(0.2, 3, 6, dtype=np.float32)[:, None]  # channels of different ranges
    x_train = rng.normal(size=(64, 20)).astype(np.float32)
    nn.calibrate(layer, x_train)
    sx = np.float32(np.abs(x_train).max() / 127)
    assert layer.input_scale == pytest.approx(sx, rel=1e-7)
    layer.set_mode(f"int8-{base}")
    x = rng.normal(size=(5, 20)).astype(np.float32) * 1.3     # some inputs beyond the calibrated range clip
    y = layer(x)
    w = layer.weight.data
    sw = (np.abs(w).max(axis=1) if per_channel else np.full(6, np.abs(w).max())).astype(np.float32) / 127
    qx, qw = q(x, layer.input_scale), q(w, sw[:, None])
    acc = int_mul(base)(qx[:, None, :], qw[None]).sum(-1)
    expected = acc.astype(np.float32) * (layer.input_scale * sw) + layer.bias.data
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-6)
    # close to the float layer: the quantisation error, plus Mitchell's
    exact = nn.Linear(20, 6, rng=1, mode="exact")
    exact.weight.data[:] = w
    err = np.abs(y - exact(x)).max() / np.abs(exact(x)).max()
    assert err < (0.02 if base == "exact" else 0.15)


@pytest.mark.parametrize("base", ["exact", "mitchell"])
def test_conv2d_int8_against_the_definition(base):
    rng = np.random.default_rng(2)
    layer = nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, rng=3)
    x = rng.normal(size=(2, 4, 7, 7)).astype(np.float32)
    nn.calibrate(layer, x)
    layer.set_mode(f"int8-{base}")
    y = layer(x)
    w = layer.weight.data
    sw = np.abs(w).max(axis=(1, 2, 3)) / np.float32(127)
    qx, qw = q(x, layer.input_scale), q(w, sw[:, None, None, None])
    acc = naive_conv2d(qx, qw, (2, 2), (1, 1), (1, 1), 2, int_mul(base))
    expected = acc.astype(np.float32) * (layer.input_scale * sw)[:, None, None] + layer.bias.data[:, None, None]
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-6)


def test_calibration_sees_each_layers_input_and_restores_modes():
    rng = np.random.default_rng(4)
    model = nn.Sequential(nn.Linear(5, 8, rng=0, mode="mitchell", backward_mode="exact"), nn.ReLU(),
                          nn.Linear(8, 3, rng=1, mode="mitchell", backward_mode="exact"))
    x = rng.normal(size=(100, 5)).astype(np.float32)
    nn.calibrate(model, x, batch_size=7)
    hidden = np.maximum(x @ model[0].weight.data.T + model[0].bias.data, 0)   # calibrated in exact mode
    assert model[0].input_scale == pytest.approx(np.abs(x).max() / 127, rel=1e-6)
    assert model[2].input_scale == pytest.approx(hidden.max() / 127, rel=1e-5)
    assert (model[0].mode, model[0].backward_mode) == ("mitchell", "exact")


def test_uncalibrated_int8_layer_raises():
    layer = nn.Linear(3, 2, mode="int8-mitchell")
    with pytest.raises(RuntimeError, match=r"call mitchell.nn.calibrate\(model, training_inputs\)"):
        layer(np.ones((1, 3), np.float32))


def test_int8_backward_is_straight_through():
    layer = nn.Linear(4, 2, rng=0, mode="int8-mitchell", dtype=np.float64)
    layer.input_scale = np.float32(0.01)
    rng = np.random.default_rng(5)
    x, r = rng.normal(size=(3, 4)), rng.normal(size=(3, 2))
    layer(x)
    dx = layer.backward(r)
    np.testing.assert_allclose(dx, mitchell.mul(r[:, :, None], layer.weight.data[None]).sum(1), rtol=1e-12)


def test_quantize_rounds_and_clips():
    np.testing.assert_array_equal(quantize(np.float32([0.24, 0.26, -0.26, 100, -100]), np.float32(0.5)),
                                  np.int8([0, 1, -1, 127, -127]))
    w = np.zeros((2, 3), np.float32)
    w[0] = [1.27, -2.54, 0.0]
    np.testing.assert_allclose(weight_scale(w, True), [0.02, 1.0], rtol=1e-6)
