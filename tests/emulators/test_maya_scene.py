"""Tests of the Maya commandPort emulator's scene, over real sockets to a real
subprocess: the maya modules, locks, attribute queries, connections, keys, units,
the scene's maths, undo, names and a preloaded scene.

    python3 -m unittest discover -s tests/emulators -v      (from the repo root)

Every test starts its own emulator, so state never leaks between tests.
"""

import ast
import json
import os
import subprocess
import sys
import tempfile
import unittest

from emulator_fixtures import EMULATOR, Emulator, EmulatorCase, HERE


class TestMayaModules(EmulatorCase):
    def test_about_and_file(self):
        c = self.c
        self.assertEqual(c.call("__import__('maya.cmds', fromlist=['x']).about(version=True)"), "2025")
        self.assertEqual(c.call("__import__('maya.cmds', fromlist=['x']).about(v=True)"), "2025")
        self.assertEqual(c.call("__import__('maya.cmds', fromlist=['x']).about(apiVersion=True)"),
                         "20250000")
        self.assertEqual(c.call("repr(__import__('maya.cmds', fromlist=['x']).file(q=True, sn=True))"),
                         "''")
        c.call("import maya.cmds as cmds\ncmds.file(rename='/tmp/shot.ma')")
        self.assertEqual(c.call("__import__('maya.cmds', fromlist=['x']).file(q=True, sceneName=True)"),
                         "/tmp/shot.ma")
        self.assertEqual(c.call("__import__('maya.cmds', fromlist=['x']).about(nope=True)"),
                         "Invalid flag 'nope'")

    def test_undo_chunks(self):
        self.c.call("import maya.cmds as cmds\ncmds.undoInfo(openChunk=True, chunkName='run')")
        self.assertEqual(self.emu.state()["undo_depth"], 1)
        self.c.call("import maya.cmds as cmds\ncmds.undoInfo(closeChunk=True)")
        state = self.emu.state()
        self.assertEqual(state["undo_depth"], 0)
        self.assertEqual(state["undo_chunks"], ["run"])
        self.assertEqual(self.c.call("__import__('maya.cmds', fromlist=['x']).undoInfo(q=True, state=True)"),
                         "True")

    def test_scene_graph(self):
        code = ("import maya.cmds as cmds\nimport __main__\n"
                "cmds.select(clear=True)\n"
                "a = cmds.joint(name='root', p=(0, 10, 0))\n"
                "b = cmds.joint(name='tip', p=(0, 15, 0))\n"
                "s = cmds.polySphere(name='ball')\n"
                "cmds.parent('ball', 'tip')\n"
                "cmds.setAttr('root.rotate', 0, 90, 0)\n"
                "__main__.r = [cmds.ls(type='joint'), cmds.getAttr('tip.translate'),\n"
                "   cmds.getAttr('root.ry'), cmds.listRelatives('tip', parent=True),\n"
                "   cmds.listRelatives('tip', children=True), cmds.listRelatives('ballShape'),\n"
                "   cmds.objExists('ball'), s, cmds.ls(sl=True)]\n"
                "cmds.delete('tip')\n"
                "__main__.r.append(cmds.objExists('ball'))")
        self.assertEqual(self.c.call(code), "None")
        result = ast.literal_eval(self.c.call("repr(__import__('__main__').r)"))
        self.assertEqual(result, [["root", "tip"], [(0.0, 5.0, 0.0)], 90.0, ["root"], ["ball"],
                                  None, True, ["ball", "polySphere1"], ["ball"], False])
        self.assertEqual(self.c.call("__import__('maya.cmds', fromlist=['x']).getAttr('nope.tx')"),
                         "No object matches name: nope.tx")

    def test_mel_eval(self):
        self.register()
        self.assertEqual(self.c.call("__import__('maya.mel', fromlist=['x']).eval('about -v')"), "2025")
        self.assertEqual(self.c.call("__import__('maya.mel', fromlist=['x']).eval("
                                     "'python(\"1\");\\npython(\"2+5\")')"), "7")
        reply = self.c.call("__import__('maya.mel', fromlist=['x']).eval('nosuchproc')")
        self.assertTrue(reply.startswith("Error occurred during execution of MEL script"), reply)
        got = self.got()
        self.assertEqual([t for _, t, _ in got], [4, 4])     # eval + exec, one each
        self.assertIn('Cannot find procedure "nosuchproc".', got[0][0])

    def test_mel_eval_user_procs(self):
        self.register()
        block = ('global proc string mlkTwoLines()\n{\n    print ("first " +\n        "line\\n");\n'
                 '    print "second line\\n";\n}\nmlkTwoLines;\nmlkTwoLines();')
        self.assertEqual(self.c.call("import maya.mel\nmaya.mel.eval(%r)" % block), "None")
        printed = "".join(text for text, _, _ in self.got())
        self.assertEqual(printed, "first line\nsecond line\n" * 2)
        # Global procs persist; parameters and nested blocks are not in the subset.
        self.assertEqual(self.c.call("__import__('maya.mel', fromlist=['x']).eval('mlkTwoLines')"), "None")
        for bad in ("proc f($x) { print 1; }", "proc g() { { print 1; } }", "proc h() { print 1;"):
            reply = self.c.call("__import__('maya.mel', fromlist=['x']).eval(%r)" % bad)
            self.assertIn("Syntax error", reply)

    def test_utils(self):
        code = ("import maya.utils, threading, __main__\n"
                "__main__.order = []\n"
                "maya.utils.executeDeferred(__main__.order.append, 'deferred')\n"
                "__main__.order.append('command')")
        self.c.call(code)
        self.assertEqual(self.c.call("__import__('__main__').order"), "['command', 'deferred']")
        code = ("import maya.utils, threading, __main__\n"
                "def work():\n"
                "    # (top-level imports are invisible here: the locals quirk)\n"
                "    __import__('__main__').res = __import__('maya.utils', fromlist=['x'])"
                ".executeInMainThreadWithResult(\n"
                "        lambda: __import__('threading').current_thread().name)\n"
                "t = threading.Thread(target=work)\nt.start()\n")
        self.c.call(code)
        result = "getattr(__import__('__main__'), 'res', 'pending')"
        self.wait_for(lambda: self.c.call(result) != "pending")
        self.assertEqual(self.c.call(result), "MainThread")

    def test_cmds_from_other_thread_is_crash(self):
        code = ("import threading\n"
                "t = threading.Thread(target=lambda: __import__('maya.cmds', fromlist=['x']).ls())\n"
                "t.start()\nt.join()")
        self.assertEqual(self.c.call(code), "None")
        crashes = self.emu.state()["crashes"]
        self.assertEqual(len(crashes), 1)
        self.assertIn("maya.cmds.ls called from a non-main thread", crashes[0])

    def test_commandport_recorded(self):
        self.c.call("import maya.cmds as cmds\ncmds.commandPort(name=':7001', sourceType='python')")
        self.assertEqual(self.c.call(
            "__import__('maya.cmds', fromlist=['x']).commandPort(name=':7001', q=True)"), "True")
        self.assertIn("already active", self.c.call(
            "__import__('maya.cmds', fromlist=['x']).commandPort(name=':7001')"))
        self.assertEqual(self.emu.state()["commandport_calls"][0],
                         {"name": ":7001", "sourceType": "python"})


# --------------------------------------------------------------------------
# The rig rules the live link relies on (maya-joints.md)
# --------------------------------------------------------------------------

LOCKED = "setAttr: The attribute '%s' is locked or connected and cannot be modified."


class RigCase(EmulatorCase):
    """rig(code) runs `code` (cmds imported, Hips and Spine joints made by
    setUp) and returns the literal value of `r` that the code assigned."""

    def setUp(self):
        super().setUp()
        self.rig("cmds.select(clear=True)\n"
                 "cmds.joint(name='Hips', p=(0, 100, 0))\n"
                 "cmds.joint(name='Spine', p=(0, 110, 0))\n"
                 "cmds.select(clear=True)\nr = None")

    def rig(self, code):
        # cmds becomes a global, so comprehensions see it (the locals quirk)
        reply = self.c.call("import maya.cmds, __main__\n__main__.cmds = maya.cmds\n" + code
                            + "\n__main__.r = r")
        self.assertEqual(reply, "None")
        return ast.literal_eval(self.c.call("repr(__import__('__main__').r)"))

    def call(self, expression):
        """Reply of a one-line cmds expression: str(result) or str(exc). Beware:
        a one-liner whose value is None runs twice (eval, then exec)."""
        return self.c.call("__import__('maya.cmds', fromlist=['x'])." + expression)

    def expect_calls(self, *expected):
        """Runs each (expression, reply) in order; each must give its reply."""
        for expression, reply in expected:
            self.assertEqual(self.call(expression), reply, expression)


class TestLocks(RigCase):
    def test_locked_child_cannot_be_set(self):
        self.expect_calls(
            ("setAttr('Hips.rx', lock=True)", "None"),
            ("getAttr('Hips.rx', lock=True)", "True"),
            ("getAttr('Hips.rotateY', l=True)", "False"),
            ("setAttr('Hips.rotateX', 5)", LOCKED % "Hips.rotateX"),
        )
        # the compound with a locked child fails as a whole, naming the child
        self.expect_calls(
            ("setAttr('Hips.rotate', 1, 2, 3)", LOCKED % "Hips.rotateX"),
            ("getAttr('Hips.rotate')", "[(0.0, 0.0, 0.0)]"),
            ("getAttr('Hips.rotate', lock=True)", "False"),
            ("setAttr('Hips.ry', 7)", "None"),
            ("setAttr('Hips.rx', lock=False)", "None"),
            ("setAttr('Hips.rotate', 1, 2, 3)", "None"),
            ("getAttr('Hips.rotate')", "[(1.0, 2.0, 3.0)]"),
        )

    def test_error_is_runtime_error(self):
        r = self.rig("try:\n    cmds.setAttr('Hips.tx', lock=True)\n"
                     "    cmds.setAttr('Hips.tx', 1)\n    r = None\n"
                     "except RuntimeError as e:\n    r = [type(e).__name__, str(e)]")
        self.assertEqual(r, ["RuntimeError", LOCKED % "Hips.translateX"])

    def test_locking_compound_locks_children(self):
        self.call("setAttr('Hips.rotate', lock=True)")
        self.assertEqual(self.rig("r = [cmds.getAttr('Hips.' + a, lock=True) for a in "
                                  "('rotate', 'rx', 'ry', 'rz', 'tx')]"),
                         [True, True, True, True, False])
        self.assertEqual(self.call("setAttr('Hips.rotate', 1, 2, 3)"), LOCKED % "Hips.rotate")
        self.assertEqual(self.call("setAttr('Hips.rz', 1)"), LOCKED % "Hips.rotateZ")
        self.call("setAttr('Hips.rotate', lock=False)")
        self.assertEqual(self.rig("r = [cmds.getAttr('Hips.' + a, lock=True) for a in "
                                  "('rotate', 'rx', 'ry', 'rz')]"), [False] * 4)

    def test_set_value_and_lock_together(self):
        self.assertEqual(self.rig("r = cmds.setAttr('Hips.tx', 3, lock=True)"), None)
        self.expect_calls(
            ("getAttr('Hips.tx')", "3.0"),
            ("setAttr('Hips.tx', 4)", LOCKED % "Hips.translateX"),
            ("setAttr('Hips.tx', 4, lock=False)", "None"),
            ("getAttr('Hips.tx')", "4.0"),
        )

    def test_other_locked_attributes(self):
        for plug, value, name in (("Hips.rotateOrder", "2", "Hips.rotateOrder"),
                                  ("Hips.jox", "2", "Hips.jointOrientX"),
                                  ("Hips.rotateAxis", "1, 2, 3", "Hips.rotateAxis")):
            self.call("setAttr('%s', lock=True)" % plug)
            self.assertEqual(self.call("setAttr('%s', %s)" % (plug, value)), LOCKED % name)


class TestAttributeQueries(RigCase):
    def test_types_and_existence(self):
        types = self.rig("r = [cmds.getAttr('Hips.' + a, type=True) for a in ('translate', 'tx',"
                         " 'rotate', 'rx', 'jox', 'rax', 'sx', 'rotateOrder', 'v')]")
        self.assertEqual(types, ["double3", "doubleLinear", "double3", "doubleAngle",
                                 "doubleAngle", "doubleAngle", "double", "enum", "bool"])
        self.assertEqual(self.call("getAttr('Hips.rotateOrder', asString=True)"), "xyz")
        self.rig("cmds.createNode('expression', name='e')\n"
                 "r = cmds.connectAttr('e.out', 'Hips.rx')")
        found = self.rig("r = [cmds.objExists(p) for p in ('Hips.rx', 'Hips.nope', 'e.out',"
                         " 'e.other', 'nope.rx', '|Hips|Spine.jointOrientZ')]")
        self.assertEqual(found, [True, False, True, False, False, True])


class TestConnections(RigCase):
    def setUp(self):
        super().setUp()
        self.rig("cmds.createNode('transform', name='driver')\n"
                 "cmds.setAttr('driver.rotate', 10, 20, 30)\nr = None")

    def test_connected_child(self):
        self.assertEqual(self.call("connectAttr('driver.rx', 'Hips.rx')"),
                         "Connected driver.rotateX to Hips.rotateX.")
        info = self.rig("r = [cmds.connectionInfo(p, **{f: True}) for p in "
                        "('Hips.rx', 'Hips.ry', 'Hips.rotate') for f in "
                        "('isDestination', 'isExactDestination')]")
        self.assertEqual(info, [True, True, False, False, False, False])
        self.assertEqual(self.call("connectionInfo('Hips.rx', sourceFromDestination=True)"),
                         "driver.rotateX")
        self.assertEqual(self.call("connectionInfo('driver.rx', isSource=True)"), "True")
        found = self.rig("r = [cmds.listConnections(p, source=True, destination=False, "
                         "plugs=True) for p in ('Hips.rx', 'Hips.ry', 'Hips.rotate')]\n"
                         "r += [cmds.listConnections('Hips.rx', s=True, d=False),\n"
                         "      cmds.listConnections('Hips.rx', source=False, destination=True),\n"
                         "      cmds.listConnections('driver', plugs=True, connections=True)]")
        self.assertEqual(found, [["driver.rotateX"], None, ["driver.rotateX"], ["driver"], None,
                                 ["driver.rotateX", "Hips.rotateX"]])
        self.assertEqual(self.call("setAttr('Hips.rx', 1)"), LOCKED % "Hips.rotateX")
        self.assertEqual(self.call("setAttr('Hips.rotate', 1, 2, 3)"), LOCKED % "Hips.rotateX")
        # the destination reads its source
        self.assertEqual(self.call("getAttr('Hips.rotate')"), "[(10.0, 0.0, 0.0)]")
        self.call("setAttr('driver.rx', 45)")
        self.assertEqual(self.call("getAttr('Hips.rx')"), "45.0")
        # disconnected, it keeps its last value and can be set again
        self.assertEqual(self.call("disconnectAttr('driver.rx', 'Hips.rx')"),
                         "Disconnected driver.rotateX from Hips.rotateX.")
        self.expect_calls(
            ("connectionInfo('Hips.rx', isDestination=True)", "False"),
            ("getAttr('Hips.rx')", "45.0"),
            ("setAttr('Hips.rx', 1)", "None"),
        )

    def test_connected_compound(self):
        self.call("connectAttr('driver.rotate', 'Hips.rotate')")
        info = self.rig("r = [cmds.connectionInfo('Hips.ry', isDestination=True),\n"
                        "     cmds.connectionInfo('Hips.ry', isExactDestination=True),\n"
                        "     cmds.connectionInfo('Hips.rotate', isExactDestination=True),\n"
                        "     cmds.listConnections('Hips.ry', source=True, destination=False,"
                        " plugs=True)]")
        self.assertEqual(info, [True, False, True, ["driver.rotate"]])
        self.expect_calls(
            ("setAttr('Hips.ry', 1)", LOCKED % "Hips.rotateY"),
            ("setAttr('Hips.rotate', 1, 2, 3)", LOCKED % "Hips.rotate"),
            ("getAttr('Hips.rotate')", "[(10.0, 20.0, 30.0)]"),
            ("setAttr('Hips.tx', 1)", "None"),
        )

    def test_connect_errors_and_delete(self):
        self.call("connectAttr('driver.rx', 'Hips.rx')")
        self.assertEqual(self.call("connectAttr('driver.ry', 'Hips.rx')"),
                         "connectAttr: 'driver.rotateX' is already connected to 'Hips.rotateX'.")
        self.assertEqual(self.call("connectAttr('driver.ry', 'Hips.rx', force=True)"),
                         "Connected driver.rotateY to Hips.rotateX.")
        self.assertIn("not compatible", self.call("connectAttr('driver.rotate', 'Hips.ry')"))
        self.call("setAttr('Hips.rz', lock=True)")
        self.assertIn("must be writable", self.call("connectAttr('driver.rz', 'Hips.rz')"))
        self.assertIn("no connection", self.call("disconnectAttr('driver.rz', 'Hips.ry')"))
        self.call("setAttr('driver.ry', 33)")
        self.call("delete('driver')")
        self.assertEqual(self.call("connectionInfo('Hips.rx', isDestination=True)"), "False")
        self.assertEqual(self.call("getAttr('Hips.rx')"), "33.0")     # its last value
        self.assertEqual(self.call("setAttr('Hips.rx', 1)"), "None")


class TestKeyed(RigCase):
    def test_keyed_plug_can_be_set_until_time_changes(self):
        """maya-joints.md: a keyed attribute can be set, but the animation curve wins
        at the next time change. Keyed plugs ARE destinations of a connection."""
        self.rig("cmds.setAttr('Hips.rx', 10)\nr = cmds.setKeyframe('Hips.rx')")
        info = self.rig("r = [cmds.connectionInfo('Hips.rx', isDestination=True),\n"
                        "     cmds.listConnections('Hips.rx', source=True, destination=False,"
                        " plugs=True),\n"
                        "     cmds.nodeType('Hips_rotateX')]")
        self.assertEqual(info, [True, ["Hips_rotateX.output"], "animCurveTA"])
        self.expect_calls(
            ("setAttr('Hips.rx', 25)", "None"),
            ("setAttr('Hips.rotate', 25, 1, 2)", "None"),
            ("getAttr('Hips.rx')", "25.0"),
            ("currentTime(5)", "5.0"),
            ("currentTime(q=True)", "5.0"),
            ("getAttr('Hips.rotate')", "[(10.0, 1.0, 2.0)]"),
        )
        # keying a node keys translate, rotate and scale: nine curves
        self.assertEqual(self.rig("r = cmds.setKeyframe('Spine')"), 9)
        self.assertEqual(self.call("ls(type='animCurveTL')"),
                         "['Spine_translateX', 'Spine_translateY', 'Spine_translateZ']")
        # a plug driven by anything else still cannot be set, nor keyed
        self.rig("cmds.createNode('transform', name='d')\n"
                 "r = cmds.connectAttr('d.ry', 'Hips.ry')")
        self.assertEqual(self.call("setAttr('Hips.ry', 1)"), LOCKED % "Hips.rotateY")
        self.assertEqual(self.call("setKeyframe('Hips.ry')"),
                         "setKeyframe: 'Hips.rotateY' is connected and cannot be keyed.")


class TestUnits(RigCase):
    def test_linear_units(self):
        for unit, expected in (("mm", 1000.0), ("cm", 100.0), ("m", 1.0), ("in", 100 / 2.54),
                               ("ft", 100 / 30.48), ("yd", 100 / 91.44)):
            self.call("currentUnit(linear=%r)" % unit)
            self.assertAlmostEqual(float(self.call("getAttr('Hips.ty')")), expected, places=9)
            self.assertEqual(self.call("currentUnit(q=True, linear=True)"), unit)
        self.call("currentUnit(linear='meter')")
        self.expect_calls(
            ("currentUnit(q=True, linear=True)", "m"),
            ("currentUnit(q=True, linear=True, fullName=True)", "meter"),
            ("getAttr('Hips.translate')", "[(0.0, 1.0, 0.0)]"),
        )
        self.call("setAttr('Hips.translate', 0.5, 2, 0)")
        self.call("setAttr('Spine.tz', 0.25)")
        self.call("currentUnit(linear='cm')")
        self.expect_calls(
            ("getAttr('Hips.translate')", "[(50.0, 200.0, 0.0)]"),
            ("getAttr('Spine.tz')", "25.0"),
            ("getAttr('Hips.scale')", "[(1.0, 1.0, 1.0)]"),
        )

    def test_angle_units(self):
        self.call("setAttr('Hips.rotate', 90, 180, -45)")
        self.call("setAttr('Hips.jointOrient', 0, 0, 90)")
        self.call("setAttr('Hips.rotateAxis', 30, 0, 0)")
        self.call("currentUnit(angle='rad')")
        self.assertEqual(self.call("currentUnit(q=True, angle=True)"), "rad")
        values = self.rig("r = [cmds.getAttr('Hips.rotate')[0], cmds.getAttr('Hips.jointOrient')[0],"
                          " cmds.getAttr('Hips.rotateAxis')[0], cmds.getAttr('Hips.rotateOrder'),"
                          " cmds.getAttr('Hips.scale')[0]]")
        import math
        for got, want in zip(values[0] + values[1] + values[2],
                             (math.pi / 2, math.pi, -math.pi / 4, 0, 0, math.pi / 2,
                              math.pi / 6, 0, 0)):
            self.assertAlmostEqual(got, want, places=12)
        self.assertEqual(values[3:], [0, (1.0, 1.0, 1.0)])
        self.call("setAttr('Hips.rx', %r)" % (math.pi / 4))
        self.call("setAttr('Hips.jointOrient', 0, %r, 0)" % math.pi)
        self.call("currentUnit(angle='degree')")
        self.assertEqual(self.call("currentUnit(q=True, angle=True, fullName=True)"), "degree")
        self.assertAlmostEqual(float(self.call("getAttr('Hips.rx')")), 45.0, places=9)
        self.assertAlmostEqual(float(self.call("getAttr('Hips.joy')")), 180.0, places=9)

    def test_bad_unit_and_joint_positions(self):
        self.assertEqual(self.call("currentUnit(linear='parsec')"),
                         "currentUnit: Invalid linear unit 'parsec'.")
        self.assertEqual(self.call("currentUnit(angle='grad')"),
                         "currentUnit: Invalid angle unit 'grad'.")
        self.call("currentUnit(linear='m')")
        self.rig("cmds.select(clear=True)\ncmds.joint(name='Head', p=(0, 1.5, 0))\nr = None")
        self.call("currentUnit(linear='cm')")
        self.assertEqual(self.call("getAttr('Head.translate')"), "[(0.0, 150.0, 0.0)]")

    def test_xform(self):
        self.call("setAttr('Hips.rotateOrder', 2)")
        self.expect_calls(
            ("xform('Hips', q=True, roo=True)", "zxy"),
            ("xform('Spine', q=True, t=True)", "[0.0, 10.0, 0.0]"),
            ("xform('Spine', q=True, ws=True, t=True)", "[0.0, 110.0, 0.0]"),
        )
        # rotating the parent (90 degrees about Z) swings the child's world position
        self.call("setAttr('Hips.rz', 90)")
        ws = ast.literal_eval(self.call("xform('Spine', q=True, ws=True, t=True)"))
        for got, want in zip(ws, (-10.0, 100.0, 0.0)):
            self.assertAlmostEqual(got, want, places=9)
        # jointOrient and rotateAxis count too, scale of the parent is compensated
        self.call("setAttr('Hips.rz', 0)")
        self.call("setAttr('Hips.jointOrient', 0, 0, 90)")
        ws = ast.literal_eval(self.call("xform('Spine', q=True, ws=True, t=True)"))
        for got, want in zip(ws, (-10.0, 100.0, 0.0)):
            self.assertAlmostEqual(got, want, places=9)
        self.call("currentUnit(linear='m', angle='rad')")
        ws = ast.literal_eval(self.call("xform('Spine', q=True, ws=True, t=True)"))
        for got, want in zip(ws, (-0.1, 1.0, 0.0)):
            self.assertAlmostEqual(got, want, places=9)
        self.call("xform('Hips', ro=(0.5, 0, 0))")
        self.assertAlmostEqual(ast.literal_eval(self.call("xform('Hips', q=True, ro=True)"))[0],
                               0.5, places=12)
        self.call("setAttr('Hips.rx', lock=True)")
        self.assertEqual(self.call("xform('Hips', ro=(0, 0, 0))"), LOCKED % "Hips.rotateX")


    def test_xform_world_follows_spec_order(self):
        """maya-joints.md: [S][RA][R][JO][IS][T] with row vectors, RA first, then R
        (in its rotate order, "xyz" = X first), then JO."""
        def world(setup):
            self.rig("for a in ('rotate', 'rotateAxis', 'jointOrient'):\n"
                     "    cmds.setAttr('Hips.' + a, 0, 0, 0)\n" + setup + "\nr = None")
            ws = ast.literal_eval(self.call("xform('Spine', q=True, ws=True, t=True)"))
            return [round(v, 9) + 0.0 for v in ws]
        self.assertEqual(world("cmds.setAttr('Hips.rotate', 90, 0, 90)\n"
                               "cmds.setAttr('Hips.rotateOrder', 0)"), [0.0, 100.0, 10.0])
        self.assertEqual(world("cmds.setAttr('Hips.rotate', 90, 0, 90)\n"
                               "cmds.setAttr('Hips.rotateOrder', 5)"), [-10.0, 100.0, 0.0])
        self.assertEqual(world("cmds.setAttr('Hips.rotateOrder', 0)\n"
                               "cmds.setAttr('Hips.rotateAxis', 90, 0, 0)\n"
                               "cmds.setAttr('Hips.rotate', 0, 0, 90)"), [0.0, 100.0, 10.0])
        self.assertEqual(world("cmds.setAttr('Hips.rotate', 90, 0, 0)\n"
                               "cmds.setAttr('Hips.jointOrient', 0, 0, 90)"), [0.0, 100.0, 10.0])
        # the parent's scale stretches the child's offset, and the child joint's [IS]
        # (segment scale compensate) cancels it in the child's own axes
        self.assertEqual(world("cmds.setAttr('Hips.scale', 2, 2, 2)"), [0.0, 120.0, 0.0])
        m = ast.literal_eval(self.call("xform('Spine', q=True, ws=True, m=True)"))
        self.assertEqual([round(v, 9) + 0.0 for v in m],
                         [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 120, 0, 1])


    def test_xform_world_rotation(self):
        """ws ro: the world rotation (jointOrient, rotateAxis and the parents
        included) as Euler angles in the node's own rotate order, UI units."""
        self.rig("cmds.setAttr('Hips.jointOrient', 0, 0, 30)\n"
                 "cmds.setAttr('Spine.rotateAxis', 0, 0, 10)\n"
                 "cmds.setAttr('Spine.rotate', 0, 0, 20)\nr = None")
        ro = ast.literal_eval(self.call("xform('Spine', q=True, ws=True, ro=True)"))
        for got, want in zip(ro, (0.0, 0.0, 60.0)):
            self.assertAlmostEqual(got, want, places=9)
        self.assertEqual(ast.literal_eval(self.call("xform('Spine', q=True, ro=True)")),
                         [0.0, 0.0, 20.0])
        # a non-trivial rotation comes back in the node's order, and rebuilds the same matrix
        self.rig("cmds.setAttr('Hips.jointOrient', 0, 0, 0)\n"
                 "cmds.setAttr('Spine.rotateAxis', 0, 0, 0)\n"
                 "cmds.setAttr('Hips.rotate', 10, 20, 30)\n"
                 "cmds.setAttr('Spine.rotate', 0, 0, 0)\n"
                 "cmds.setAttr('Spine.rotateOrder', 5)\nr = None")
        ro = ast.literal_eval(self.call("xform('Spine', q=True, ws=True, ro=True)"))
        m = ast.literal_eval(self.call("xform('Hips', q=True, ws=True, m=True)"))
        self.rig("cmds.setAttr('Hips.rotate', 0, 0, 0)\n"
                 "cmds.setAttr('Spine.rotate', %r, %r, %r)\nr = None" % tuple(ro))
        m2 = ast.literal_eval(self.call("xform('Spine', q=True, ws=True, m=True)"))
        for got, want in zip(m2[:12], m[:12]):
            self.assertAlmostEqual(got, want, places=9)
        self.assertNotAlmostEqual(ro[0], 10.0, places=3)     # zyx, not the parent's xyz
        self.call("currentUnit(angle='rad')")
        ro_rad = ast.literal_eval(self.call("xform('Spine', q=True, ws=True, ro=True)"))
        for got, want in zip(ro_rad, ro):
            self.assertAlmostEqual(got, want * 3.141592653589793 / 180, places=9)


class TestSceneMaths(unittest.TestCase):
    """The scene's matrix maths, in process (no emulator needed)."""

    def test_euler_round_trip_all_orders(self):
        sys.path.insert(0, os.path.join(HERE, "fakemaya"))
        try:
            from mayaemu._scene import ROTATE_ORDERS, euler_matrix, matrix_euler
        finally:
            sys.path.remove(os.path.join(HERE, "fakemaya"))
        import random
        rng = random.Random(7)
        for order, axes in enumerate(ROTATE_ORDERS):
            for _ in range(300):
                first, middle, last = (rng.uniform(-179, 179), rng.uniform(-89, 89),
                                       rng.uniform(-179, 179))
                angles = [0.0] * 3
                for axis, value in zip(axes, (first, middle, last)):
                    angles["xyz".index(axis)] = value
                back = matrix_euler(euler_matrix(angles, order), order)
                for got, want in zip(back, angles):
                    self.assertAlmostEqual(got, want, places=7, msg=(axes, angles, back))
            # gimbal lock (middle angle 90): other angles, same matrix
            angles = [0.0] * 3
            for axis, value in zip(axes, (30.0, 90.0, 20.0)):
                angles["xyz".index(axis)] = value
            m = euler_matrix(angles, order)
            back = euler_matrix(matrix_euler(m, order), order)
            for row, row2 in zip(m, back):
                for got, want in zip(row2, row):
                    self.assertAlmostEqual(got, want, places=9)

    def test_rotate_order_meaning(self):
        """maya-joints.md: "xyz" applies X first: row-vector Rx.Ry.Rz."""
        sys.path.insert(0, os.path.join(HERE, "fakemaya"))
        try:
            from mayaemu._scene import euler_matrix
        finally:
            sys.path.remove(os.path.join(HERE, "fakemaya"))
        def apply(point, angles, order):
            m = euler_matrix(angles, order)
            return [round(sum(point[r] * m[r][c] for r in range(3)), 9) + 0.0 for c in range(3)]
        # +90 about X takes +Y to +Z, then +90 about Z keeps it
        self.assertEqual(apply([0, 1, 0], [90, 0, 90], 0), [0.0, 0.0, 1.0])
        # zyx: Z first takes +Y to -X, X keeps it
        self.assertEqual(apply([0, 1, 0], [90, 0, 90], 5), [-1.0, 0.0, 0.0])


class TestUndoQueue(RigCase):
    def entries(self):
        return self.emu.state()["undo_entries_total"]

    def test_each_undoable_command_is_one_entry(self):
        before = self.entries()
        self.rig("cmds.setAttr('Hips.rx', 1)\n"
                 "cmds.setAttr('Hips.ry', 1)\n"
                 "cmds.getAttr('Hips.rx')\n"
                 "cmds.ls(type='joint')\n"
                 "cmds.createNode('transform', name='g')\n"
                 "cmds.parent('g', 'Hips')\n"
                 "cmds.select('Spine')\n"
                 "cmds.delete('g')\n"
                 "cmds.xform('Hips', q=True, t=True)\n"
                 "cmds.currentUnit(q=True, linear=True)\nr = None")
        state = self.emu.state()
        self.assertEqual(state["undo_entries_total"] - before, 6)
        self.assertEqual(state["undo_queue"][-6:],
                         ["setAttr", "setAttr", "createNode", "parent", "select", "delete"])
        # a command that fails records nothing
        self.call("setAttr('nope.rx', 1)")
        self.assertEqual(self.entries() - before, 6)

    def test_chunk_is_one_entry(self):
        before = self.entries()
        self.rig("cmds.undoInfo(openChunk=True, chunkName='pose')\n"
                 "for i in range(100):\n    cmds.setAttr('Hips.rx', i)\n"
                 "cmds.undoInfo(openChunk=True)\ncmds.setAttr('Hips.ry', 1)\n"
                 "cmds.undoInfo(closeChunk=True)\n"
                 "cmds.undoInfo(closeChunk=True)\n"
                 "cmds.undoInfo(openChunk=True)\ncmds.undoInfo(closeChunk=True)\nr = None")
        state = self.emu.state()
        self.assertEqual(state["undo_entries_total"] - before, 1)     # empty chunks: nothing
        self.assertEqual(state["undo_queue"][-1], "chunk:pose")
        self.assertEqual(state["undo_depth"], 0)

    def test_recording_off(self):
        self.call("setAttr('Hips.rx', 1)")
        before = self.emu.state()
        self.assertEqual(self.call("undoInfo(q=True, undoQueueEmpty=True)"), "False")
        self.rig("cmds.undoInfo(stateWithoutFlush=False)\n"
                 "for i in range(100):\n    cmds.setAttr('Hips.rx', i)\n"
                 "r = cmds.undoInfo(q=True, stateWithoutFlush=True)\n"
                 "cmds.undoInfo(stateWithoutFlush=True)")
        after = self.emu.state()
        self.assertEqual(after["undo_entries_total"], before["undo_entries_total"])
        self.assertEqual(after["undo_queue_length"], before["undo_queue_length"])   # kept
        self.assertTrue(after["undo_state"])
        # state=False also stops recording, and flushes the queue
        self.rig("cmds.undoInfo(state=False)\ncmds.setAttr('Hips.rx', 3)\nr = None")
        state = self.emu.state()
        self.assertEqual(state["undo_entries_total"], before["undo_entries_total"])
        self.assertEqual(state["undo_queue_length"], 0)
        self.assertFalse(state["undo_state"])
        self.assertEqual(self.call("undoInfo(q=True, undoQueueEmpty=True)"), "True")
        self.rig("cmds.undoInfo(state=True)\nr = cmds.setAttr('Hips.rx', 4)")
        self.assertEqual(self.entries(), before["undo_entries_total"] + 1)

    def test_queue_is_bounded_and_total_counts(self):
        before = self.entries()
        self.rig("for i in range(120):\n    cmds.setAttr('Hips.rx', i)\nr = None")
        state = self.emu.state()
        self.assertEqual(state["undo_entries_total"] - before, 120)
        self.assertEqual(state["undo_queue_length"], 50)
        self.assertEqual(self.call("undoInfo(q=True, length=True)"), "50")
        self.call("flushUndo()")
        self.assertEqual(self.emu.state()["undo_queue_length"], 0)


class TestNames(RigCase):
    def setUp(self):
        super().setUp()
        self.rig("cmds.createNode('transform', name='rig')\n"
                 "for n in ('mixamorig:Hips', 'a:Hips', 'b:Hips', 'a:b:Hips'):\n"
                 "    cmds.select(clear=True)\n    cmds.joint(name=n)\n"
                 "cmds.parent('mixamorig:Hips', 'rig')\n"
                 "cmds.select(clear=True)\nr = None")

    def test_namespaces_and_paths(self):
        r = self.rig("r = [cmds.ls('*:Hips'), cmds.ls('*:*:Hips'), cmds.ls('Hips'),\n"
                     "     cmds.ls('*Hips'), cmds.ls('Hips', recursive=True),\n"
                     "     cmds.ls('a:*'), cmds.ls('mixamorig:Hips', long=True),\n"
                     "     cmds.ls('|rig|mixamorig:Hips'), cmds.ls('rig|*:Hips'),\n"
                     "     cmds.nodeType('a:b:Hips'), cmds.nodeType('|rig|mixamorig:Hips'),\n"
                     "     cmds.getAttr('|rig|mixamorig:Hips.rotateOrder'),\n"
                     "     cmds.listRelatives('rig', children=True, fullPath=True),\n"
                     "     cmds.listRelatives('mixamorig:Hips', parent=True)]")
        self.assertEqual(r, [["mixamorig:Hips", "a:Hips", "b:Hips"], ["a:b:Hips"], ["Hips"],
                             ["Hips"], ["Hips", "mixamorig:Hips", "a:Hips", "b:Hips", "a:b:Hips"],
                             ["a:Hips"], ["|rig|mixamorig:Hips"], ["mixamorig:Hips"],
                             ["mixamorig:Hips"], "joint", "joint", 0, ["|rig|mixamorig:Hips"],
                             ["rig"]])
        joints = ast.literal_eval(self.call("ls(type='joint', long=True)"))
        self.assertEqual(joints, ["|Hips", "|Hips|Spine", "|rig|mixamorig:Hips", "|a:Hips",
                                  "|b:Hips", "|a:b:Hips"])
        self.assertEqual(self.call("ls(long=True)").count("|rig|mixamorig:Hips"), 1)

    def test_types_inherit(self):
        # a joint is a transform (Maya's ls -type matches subtypes); exactType does not
        self.assertEqual(self.call("ls('*', type='transform')"),
                         "['persp', 'top', 'front', 'side', 'Hips', 'Spine', 'rig']")
        self.assertEqual(self.call("ls('*', exactType='transform')"),
                         "['persp', 'top', 'front', 'side', 'rig']")
        self.assertEqual(self.call("ls(type='shape')"),
                         "['perspShape', 'topShape', 'frontShape', 'sideShape']")
        self.assertEqual(self.call("nodeType('a:Hips', inherited=True)"),
                         "['dagNode', 'transform', 'joint']")
        self.assertEqual(self.call("nodeType('a:Hips.rx')"), "joint")

    def test_same_short_name_in_two_namespaces(self):
        self.call("setAttr('a:Hips.rx', 10)")
        self.assertEqual(self.call("getAttr('b:Hips.rx')"), "0.0")
        self.assertEqual(self.call("getAttr('a:Hips.rx')"), "10.0")
        self.call("setAttr('a:Hips.rx', lock=True)")
        self.assertEqual(self.call("setAttr('a:Hips.rx', 1)"), LOCKED % "a:Hips.rotateX")
        # a taken name gets a number, namespace kept; names stay unique
        self.assertEqual(self.rig("cmds.select(clear=True)\nr = cmds.joint(name='a:Hips')"),
                         "a:Hips1")


# --------------------------------------------------------------------------
# Main-thread accounting and leftovers
# --------------------------------------------------------------------------


class TestScenePreload(unittest.TestCase):
    def test_scene_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump({"joints": [
                {"name": "Hips", "parent": None, "translate": [0, 100, 0],
                 "jointOrient": [0, 0, 0], "rotateAxis": [0, 0, 0], "rotateOrder": 0},
                {"name": "Spine", "parent": "Hips", "translate": [0, 10, 0],
                 "jointOrient": [0, 0, 90], "rotateAxis": [0, 0, 0], "rotateOrder": 3}]}, fh)
        self.addCleanup(os.unlink, fh.name)
        emu = Emulator("--scene", fh.name)
        self.addCleanup(emu.stop)
        c = emu.connect()
        cmds = "__import__('maya.cmds', fromlist=['x'])"
        self.assertEqual(c.call(cmds + ".ls(type='joint')"), "['Hips', 'Spine']")
        self.assertEqual(c.call(cmds + ".getAttr('Hips.translate')"), "[(0.0, 100.0, 0.0)]")
        self.assertEqual(c.call(cmds + ".getAttr('Spine.jointOrient')"), "[(0.0, 0.0, 90.0)]")
        self.assertEqual(c.call(cmds + ".getAttr('Spine.rotateOrder')"), "3")
        self.assertEqual(c.call(cmds + ".listRelatives('Spine', parent=True)"), "['Hips']")
        self.assertEqual(c.call(cmds + ".ls('Spine', long=True)"), "['|Hips|Spine']")


    def test_scene_rig_rules(self):
        """Plain transforms, namespaces, locked and connected attributes, units."""
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump({"sceneName": "rig.ma", "units": {"linear": "m", "angle": "radian"},
                       "joints": [
                {"name": "rig", "type": "transform", "rotate": [0, 90, 0]},
                {"name": "mixamorig:Hips", "parent": "rig", "translate": [0, 100, 0],
                 "locked": ["rotateX", "tz"], "connected": ["rotateY"]},
                {"name": "mixamorig:Spine", "parent": "mixamorig:Hips",
                 "rotate": [0, 0, 45], "connected": ["rotate"], "keyed": ["translate"]}]}, fh)
        self.addCleanup(os.unlink, fh.name)
        emu = Emulator("--scene", fh.name)
        self.addCleanup(emu.stop)
        c = emu.connect()
        cmds = "__import__('maya.cmds', fromlist=['x'])."
        self.assertEqual(c.call(cmds + "ls(type='joint', long=True)"),
                         "['|rig|mixamorig:Hips', '|rig|mixamorig:Hips|mixamorig:Spine']")
        self.assertEqual(c.call(cmds + "nodeType('rig')"), "transform")
        self.assertEqual(c.call(cmds + "objExists('rig.jointOrient')"), "False")
        self.assertEqual(c.call(cmds + "currentUnit(q=True, linear=True)"), "m")
        self.assertEqual(c.call(cmds + "currentUnit(q=True, angle=True)"), "rad")
        self.assertEqual(c.call(cmds + "getAttr('mixamorig:Hips.ty')"), "1.0")     # 100 cm
        self.assertAlmostEqual(float(c.call(cmds + "getAttr('rig.ry')")), 1.5707963267948966)
        self.assertEqual(c.call(cmds + "getAttr('mixamorig:Hips.rx', lock=True)"), "True")
        self.assertEqual(c.call(cmds + "getAttr('mixamorig:Hips.translateZ', lock=True)"), "True")
        self.assertEqual(c.call(cmds + "setAttr('mixamorig:Hips.rx', 0)"),
                         LOCKED % "mixamorig:Hips.rotateX")
        self.assertEqual(c.call(cmds + "setAttr('mixamorig:Hips.ry', 0)"),
                         LOCKED % "mixamorig:Hips.rotateY")
        self.assertEqual(c.call(cmds + "setAttr('mixamorig:Hips.rz', 0.5)"), "None")
        self.assertEqual(c.call(cmds + "connectionInfo('mixamorig:Hips.ry', isDestination=True)"),
                         "True")
        self.assertEqual(c.call(cmds + "listConnections('mixamorig:Hips.ry', source=True, "
                                "destination=False, plugs=True)"),
                         "['mixamorig:Hips_driver.out_rotateY']")
        self.assertEqual(c.call(cmds + "nodeType('mixamorig:Hips_driver')"), "expression")
        # the driven plug keeps its value
        self.assertAlmostEqual(float(c.call(cmds + "getAttr('mixamorig:Spine.rz')")), 0.7853981633974483)
        self.assertEqual(c.call(cmds + "setAttr('mixamorig:Spine.rx', 0)"),
                         LOCKED % "mixamorig:Spine.rotateX")
        self.assertEqual(c.call(cmds + "connectionInfo('mixamorig:Spine.ty', isDestination=True)"),
                         "True")
        self.assertEqual(c.call(cmds + "setAttr('mixamorig:Spine.translate', 1, 2, 3)"), "None")
        bad = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        with bad:
            json.dump({"joints": [{"name": "a", "locked": ["nope"]}]}, bad)
        self.addCleanup(os.unlink, bad.name)
        proc = subprocess.run([sys.executable, EMULATOR, "--scene", bad.name],
                              capture_output=True, timeout=10)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(b"has no attribute 'nope'", proc.stderr)


if __name__ == "__main__":
    unittest.main()
