"""Emulated API 1 ``maya.OpenMaya`` (output callbacks and MGlobal only)."""

from mayaemu._openmaya import MCallbackId, make_classes

MMessage, MCommandMessage, MGlobal = make_classes(MCallbackId)
