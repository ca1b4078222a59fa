"""Emulated ``maya.api`` package."""
