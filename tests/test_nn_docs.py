"""The docstring examples of mitchell.nn run."""

import doctest
import importlib

import numpy as np
import pytest

MODULES = ["mitchell.nn", "mitchell.nn.functional", "mitchell.nn._product", "mitchell.nn.module",
           "mitchell.nn.quantize", "mitchell.nn.linear", "mitchell.nn.conv", "mitchell.nn.activation",
           "mitchell.nn.pooling", "mitchell.nn.container", "mitchell.nn.loss", "mitchell.nn.optim"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, globs={"np": np})
    assert result.failed == 0
    assert result.attempted > 0
