"""Emulated ``maya.mel``: ``eval`` runs the emulator's MEL subset."""

from mayaemu import _core, _mel


def eval(code):
    """Run a MEL block (statements separated by ``;`` and newlines) and return
    the value of the last statement: str, int, float, list or None.

    A MEL error is shown in the Script Editor (a kError message to the output
    callbacks) and raised as RuntimeError, as in Maya.
    """
    try:
        value = _mel.eval_block(str(code))
    except _mel.MelError as exc:
        if not exc.emitted:
            _core.emit("Error: %s\n" % exc.text(), _core.kError)
        raise RuntimeError("Error occurred during execution of MEL script\n%s"
                           % exc.text()) from None
    return value
