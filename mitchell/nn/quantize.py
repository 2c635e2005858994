"""Symmetric int8 quantisation and the calibration of activation scales.

A tensor ``t`` with scale ``s`` is stored as ``q = clip(rint(t / s), -127, 127)``
(int8) and stands for ``q * s``.  Weights get ``s = max|w| / 127`` per tensor
or per output channel; a layer's input gets one scale per tensor, the
largest magnitude seen on calibration data divided by 127.
"""

import numpy as np

from mitchell.nn._product import check_mode

__all__ = ["parse_mode", "quantize", "weight_scale", "calibrate"]

QMAX = 127


def parse_mode(mode, *, allow_int8=True):
    """Split a layer mode into ``(int8, product mode)``; ``ValueError`` if unknown.

    Examples
    --------
    >>> from mitchell.nn.quantize import parse_mode
    >>> parse_mode("int8-mitchell"), parse_mode("exact")
    ((True, 'mitchell'), (False, 'exact'))
    """
    if allow_int8 and isinstance(mode, str) and mode.startswith("int8-"):
        base = mode[len("int8-"):]
        try:
            return True, check_mode(base)
        except ValueError as error:
            raise ValueError(f"unknown int8 mode {mode!r}: {error}") from None
    return False, check_mode(mode)


def quantize(t, scale):
    """int8 ``clip(rint(t / scale), -127, 127)``; ``scale`` broadcasts against ``t``.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell.nn.quantize import quantize
    >>> quantize(np.float32([0.5, -1.0, 3.0]), np.float32(1 / 127))
    array([  64, -127,  127], dtype=int8)
    """
    return np.clip(np.rint(t / scale), -QMAX, QMAX).astype(np.int8)


def weight_scale(w, per_channel):
    """Symmetric scale of a weight: ``max|w| / 127`` over the tensor or per output channel (axis 0).

    Returns an array of shape ``(C_out,)`` (per channel) or ``()``; an all-zero
    channel gets scale 1.

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell.nn.quantize import weight_scale
    >>> w = np.float32([[127, -254], [0, 0]])
    >>> weight_scale(w, True), weight_scale(w, False)
    (array([2., 1.], dtype=float32), array(2., dtype=float32))
    """
    w = np.asarray(w)
    axes = tuple(range(1, w.ndim)) if per_channel else None
    m = np.max(np.abs(w), axis=axes).astype(w.dtype) / w.dtype.type(QMAX)
    return np.where(m > 0, m, w.dtype.type(1)).astype(w.dtype)


def calibrate(model, x, batch_size=256, mode="exact"):
    """Set the int8 input scale of every multiplying layer from data.

    Runs ``x`` through ``model`` with forward mode ``mode`` (the float model
    by default), records the largest input magnitude of each layer and sets
    its ``input_scale`` to that over 127.  The layers' modes are restored.

    Parameters
    ----------
    model : Module
    x : ndarray
        Calibration inputs (training data), batch axis first.
    batch_size : int
    mode : str
        Forward mode during calibration.

    Returns
    -------
    model

    Examples
    --------
    >>> import numpy as np
    >>> from mitchell import nn
    >>> layer = nn.Linear(2, 1, rng=0)
    >>> _ = nn.calibrate(layer, np.float32([[0.5, -2.54]]))
    >>> round(float(layer.input_scale), 6)     # 2.54 / 127
    0.02
    """
    layers = [m for m in model.modules() if hasattr(m, "input_scale")]
    saved = [(m.mode, m.backward_mode) for m in layers]
    try:
        for m in layers:
            m._set_modes(mode, m.backward_mode)
            m._observed = 0.0
        for start in range(0, len(x), batch_size):
            model.forward(x[start:start + batch_size])
        for m in layers:
            peak = m._observed
            m.input_scale = np.float32(peak / QMAX if peak > 0 else 1.0)
    finally:
        for m, (fwd, bwd) in zip(layers, saved):
            m._observed = None
            m._set_modes(fwd, bwd)
    return model
