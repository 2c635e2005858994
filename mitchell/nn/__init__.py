"""Neural-network layers whose matrix products run in a selectable arithmetic.

Every product of every matrix product and convolution, forward and backward,
goes through one mode: ``"exact"``, ``"mitchell"``, a name of
``mitchell.variants`` or, in the layers' forward pass, ``"int8-" + one of
those`` (symmetric int8 weights and inputs, int32 sums, dequantised).
``mitchell.nn.functional`` has the functions; the layers, the loss and the
optimisers build on them.  See docs/nn.md.

Examples
--------
>>> import numpy as np
>>> from mitchell import nn
>>> model = nn.Sequential(nn.Linear(4, 16, rng=0), nn.ReLU(), nn.Linear(16, 3, rng=1))
>>> model.set_mode(forward="mitchell", backward="exact")[0]
Linear(4, 16, bias=True, mode='mitchell', backward_mode='exact')
>>> loss = nn.CrossEntropyLoss()
>>> opt = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
>>> x, y = np.ones((8, 4), np.float32), np.zeros(8, np.int64)
>>> losses = []
>>> for step in range(5):     # training: Mitchell forward, exact gradients
...     losses.append(loss(model(x), y))
...     _ = model.backward(loss.backward())
...     opt.step(); opt.zero_grad()
>>> losses[-1] < losses[0]
True
"""

from mitchell.nn import functional
from mitchell.nn._product import modes
from mitchell.nn.activation import ReLU
from mitchell.nn.container import Flatten, Sequential
from mitchell.nn.conv import Conv1d, Conv2d
from mitchell.nn.linear import Linear
from mitchell.nn.loss import CrossEntropyLoss
from mitchell.nn.module import Module, Parameter
from mitchell.nn.optim import SGD, Adam
from mitchell.nn.pooling import AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from mitchell.nn.quantize import calibrate

__all__ = ["functional", "modes", "Module", "Parameter", "Linear", "Conv1d", "Conv2d", "ReLU",
           "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "Flatten", "Sequential",
           "CrossEntropyLoss", "SGD", "Adam", "calibrate"]
