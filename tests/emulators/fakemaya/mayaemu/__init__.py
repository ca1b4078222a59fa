"""Test hooks importable by code running inside the Maya emulator.

    import mayaemu
    mayaemu.bump("x")    # -> "1", then "2", ... (a *string*: a one-line call is an
                         #    expression with a non-None value, so it runs once)
    mayaemu.counters()   # -> {"x": 2}

Tests use the counters to prove how many times a piece of code really ran
(Maya's commandPort runs some one-liners twice, see README.md).
The underscore modules are the emulator's internals.
"""

from ._core import bump, counters, emitted, crashes

__all__ = ["bump", "counters", "emitted", "crashes"]
