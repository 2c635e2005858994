"""Loops for ml_dtypes' bfloat16, float8_e4m3fn and float8_e5m2.

ml_dtypes is optional (extra ``[ml_dtypes]``).  Its dtypes are user dtypes
whose type numbers exist only once it is imported, so their loops are
registered at run time: at ``import mitchell`` if ml_dtypes is already
imported, otherwise the moment it is.  Importing ml_dtypes takes most of a
second (0.85 s for ml_dtypes 0.7), several times ``import mitchell``, and
nobody can hold an ml_dtypes array without importing it, so mitchell does not
import it on its own.
"""

import importlib.abc
import importlib.util
import sys
import threading

from mitchell._spec import FLOAT_FORMATS

# The ml_dtypes formats with loops.
FORMATS = tuple(f.name for f in FLOAT_FORMATS if f.provider == "ml_dtypes")

_lock = threading.Lock()
_pending = []  # callbacks waiting for ml_dtypes to be imported


def available():
    """True if ml_dtypes can be imported (without importing it)."""
    return importlib.util.find_spec("ml_dtypes") is not None


def on_import(callback):
    """Call ``callback(ml_dtypes)`` now if ml_dtypes is imported, else right after it is.

    Returns False if ml_dtypes is not installed (the callback is then never
    called), True otherwise.
    """
    module = sys.modules.get("ml_dtypes")
    if module is not None and not _initialising(module):
        callback(module)
        return True
    if not available():
        return False
    with _lock:
        if not _pending:
            sys.meta_path.insert(0, _Finder())
        _pending.append(callback)
    return True


def register(register_ml_dtypes):
    """Call ``register_ml_dtypes({format name: type number})`` once ml_dtypes is imported."""
    def with_type_numbers(ml_dtypes):
        import numpy as np

        register_ml_dtypes({name: np.dtype(getattr(ml_dtypes, name)).num for name in FORMATS})

    return on_import(with_type_numbers)


def _initialising(module):
    spec = getattr(module, "__spec__", None)
    return spec is not None and getattr(spec, "_initializing", False)


def _run_pending(module):
    with _lock:
        callbacks = list(_pending)
        _pending.clear()
        for finder in [f for f in sys.meta_path if isinstance(f, _Finder)]:
            sys.meta_path.remove(finder)
    for callback in callbacks:
        try:
            callback(module)
        except Exception as error:  # never break the user's `import ml_dtypes`
            import warnings

            warnings.warn(f"mitchell could not add its loops for ml_dtypes: {error!r}", RuntimeWarning,
                          stacklevel=2)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds ml_dtypes with the other finders and wraps its loader, so that the
    pending callbacks run as soon as the module has executed."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "ml_dtypes":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _Loader(spec.loader)
        return spec


class _Loader(importlib.abc.Loader):
    """The original loader, plus the callbacks after ``exec_module``."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        module.__loader__ = module.__spec__.loader = self._loader  # no trace of the wrapper
        _run_pending(module)

    def __getattr__(self, name):  # get_resource_reader, is_package, get_source, ...
        return getattr(self._loader, name)
