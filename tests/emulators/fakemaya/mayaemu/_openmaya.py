"""The pieces of OpenMaya shared by API 1 (``maya.OpenMaya``) and API 2
(``maya.api.OpenMaya``). Both talk to the same callback registry in _core."""

from . import _core


class MCallbackId(int):
    """API 1 returns an MCallbackId object rather than an int; an int subclass
    keeps it usable as a dict key and comparable with the API 2 ids."""

    def __repr__(self):
        return "<maya.OpenMaya.MCallbackId %d>" % int(self)


def make_classes(id_type):
    class MMessage(object):
        @staticmethod
        def removeCallback(callback_id):
            """Remove a callback; RuntimeError for an unknown id."""
            _core.remove_callback(callback_id)

        @staticmethod
        def removeCallbacks(callback_ids):
            for callback_id in list(callback_ids):
                _core.remove_callback(callback_id)

    class MCommandMessage(MMessage):
        kHistory = _core.kHistory
        kDisplay = _core.kDisplay
        kInfo = _core.kInfo
        kWarning = _core.kWarning
        kError = _core.kError
        kResult = _core.kResult
        kStackTrace = _core.kStackTrace

        @staticmethod
        def addCommandOutputCallback(function, clientData=None):
            """``function(message, messageType, clientData)`` is called for every
            piece of output, synchronously on the main thread."""
            return id_type(_core.add_output_callback(function, clientData))

    class MGlobal(object):
        @staticmethod
        def displayInfo(message):
            _core.emit("%s\n" % message, _core.kInfo)

        @staticmethod
        def displayWarning(message):
            _core.emit("Warning: %s\n" % message, _core.kWarning)

        @staticmethod
        def displayError(message):
            _core.emit("Error: %s\n" % message, _core.kError)

        @staticmethod
        def mayaVersion():
            return _core.CONFIG.version

        @staticmethod
        def apiVersion():
            from maya import cmds
            return cmds.about(apiVersion=True)

        @staticmethod
        def executeCommand(command, displayEnabled=False, undoEnabled=False):
            from maya import mel
            mel.eval(command)

        @staticmethod
        def executePythonCommand(command, displayEnabled=False, undoEnabled=False):
            return _core.run_python_in_main(command)

    return MMessage, MCommandMessage, MGlobal
