"""Emulated API 2 ``maya.api.OpenMaya`` (output callbacks and MGlobal only).

Shares its callback registry with ``maya.OpenMaya``; ids are plain ints.
"""

from mayaemu._openmaya import make_classes

MMessage, MCommandMessage, MGlobal = make_classes(int)

