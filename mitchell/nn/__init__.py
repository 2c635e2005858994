"""Neural-network layers whose matrix products run in a selectable arithmetic.

``mitchell.nn.functional`` has the products and convolutions (forward and
backward); the layers, losses and optimisers build on it.  See docs/nn.md.
"""

from mitchell.nn import functional
from mitchell.nn._product import modes

__all__ = ["functional", "modes"]
