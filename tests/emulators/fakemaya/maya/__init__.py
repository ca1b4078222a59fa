"""Emulated ``maya`` package (tests only): cmds, mel, utils, OpenMaya, api.OpenMaya."""
