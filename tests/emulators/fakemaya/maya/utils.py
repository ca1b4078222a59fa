"""Emulated ``maya.utils``: running code on Maya's main thread."""

from mayaemu import _core


def _as_callable(fn, args):
    if isinstance(fn, str):                    # Maya also accepts a string of Python
        return lambda: _core.run_python_in_main(fn)
    if not callable(fn):
        raise TypeError("expected a callable or a string of Python code")
    return lambda: fn(*args)


def executeDeferred(fn, *args):
    """Queue ``fn(*args)`` (or a Python string) to run on the main thread once
    the current command has finished."""
    if isinstance(fn, str):
        _core.defer(fn)
    else:
        if not callable(fn):
            raise TypeError("executeDeferred: expected a callable or a string")
        _core.defer(fn, *args)


def executeInMainThreadWithResult(fn, *args):
    """Run ``fn(*args)`` on the main thread, wait, and return its result.
    From the main thread it simply runs it."""
    return _core.call_in_main_thread(_as_callable(fn, args))


def processIdleEvents():
    """Run the deferred queue now (like Maya's idle processing)."""
    if _core.on_main_thread():
        _core._run_deferred()
