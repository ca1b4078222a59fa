"""A minimal in-memory Maya scene graph for ``maya.cmds``.

Nodes have unique names (Maya allows duplicate short names under different
parents; the emulator does not). A namespace is part of the name, so
``a:Hips`` and ``b:Hips`` are two distinct nodes. DAG nodes (transform, joint, shapes) have a
parent (None = world) and ordered children. Transform-like nodes carry the
attributes the app reads: translate, rotate, scale, rotateAxis, rotateOrder,
visibility, and for joints jointOrient.

Like a new Maya scene, the graph starts with the four default cameras.
"""

import fnmatch
import json
import math
import re

DAG_TYPES = {"transform", "joint", "mesh", "camera"}
TRANSFORM_TYPES = {"transform", "joint"}
SHAPE_TYPES = {"mesh", "camera"}

# Maya's node type inheritance, as far as ls(type=...) and nodeType(inherited=True) go:
# a joint IS a transform, so ls(type="transform") lists joints too.
INHERITED_TYPES = {"joint": ["dagNode", "transform", "joint"],
                   "transform": ["dagNode", "transform"],
                   "mesh": ["dagNode", "shape", "mesh"],
                   "camera": ["dagNode", "shape", "camera"]}


def inherited_types(node_type):
    return INHERITED_TYPES.get(node_type, [node_type])

VECTOR_ATTRS = {"translate": "t", "rotate": "r", "scale": "s",
                "jointOrient": "jo", "rotateAxis": "ra"}
SCALAR_ATTRS = {"rotateOrder": "ro", "visibility": "v"}


def _build_attr_aliases():
    aliases = {}
    for long_name, short in VECTOR_ATTRS.items():
        aliases[long_name] = aliases[short] = (long_name, None)
        for i, axis in enumerate("XYZ"):
            aliases[long_name + axis] = aliases[short + axis.lower()] = (long_name, i)
    for long_name, short in SCALAR_ATTRS.items():
        aliases[long_name] = aliases[short] = (long_name, None)
    return aliases


ATTR_ALIASES = _build_attr_aliases()

# Which UI unit each attribute is shown in (internal storage: cm and degrees).
LINEAR_ATTRS = {"translate"}
ANGLE_ATTRS = {"rotate", "jointOrient", "rotateAxis"}
LINEAR_UNITS = {"mm": 0.1, "millimeter": 0.1, "cm": 1.0, "centimeter": 1.0,
                "m": 100.0, "meter": 100.0, "km": 100000.0, "kilometer": 100000.0,
                "in": 2.54, "inch": 2.54, "ft": 30.48, "foot": 30.48,
                "yd": 91.44, "yard": 91.44, "mi": 160934.4, "mile": 160934.4}
ANGLE_UNITS = {"deg": 1.0, "degree": 1.0, "rad": 180.0 / math.pi, "radian": 180.0 / math.pi}
UNIT_SHORT = {"millimeter": "mm", "centimeter": "cm", "meter": "m", "kilometer": "km",
              "inch": "in", "foot": "ft", "yard": "yd", "mile": "mi",
              "degree": "deg", "radian": "rad"}
UNIT_LONG = {v: k for k, v in UNIT_SHORT.items()}

# The scene's current UI units (cmds.currentUnit). Values are stored internally
# in centimetres and degrees whatever these say.
UNITS = {"linear": "cm", "angle": "deg", "time": "film"}


def unit_factor(attr):
    """Internal value = UI value * factor, for attribute ``attr`` (long name)."""
    if attr in LINEAR_ATTRS:
        return LINEAR_UNITS[UNITS["linear"]]
    if attr in ANGLE_ATTRS:
        return ANGLE_UNITS[UNITS["angle"]]
    return 1.0


def plug_key(attr, index):
    """The long name of a plug: "rotate" for the compound, "rotateX" for a child."""
    return attr if index is None else attr + "XYZ"[index]


# -- 4x4 matrices, row vectors (Maya's convention: p' = p . M) -------------------

ROTATE_ORDERS = ["xyz", "yzx", "zxy", "xzy", "yxz", "zyx"]


def mat_mul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(4)) for j in range(4)] for i in range(4)]


def mat_identity():
    return [[1.0 if i == j else 0.0 for j in range(4)] for i in range(4)]


def _axis_matrix(axis, degrees):
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    m = mat_identity()
    i, j = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}[axis]
    m[i][i], m[i][j], m[j][i], m[j][j] = c, s, -s, c     # row-vector rotation
    return m


def euler_matrix(degrees, order=0):
    """Rotation matrix (row vectors) of Euler angles in degrees; order "xyz" applies
    X first: Rx . Ry . Rz."""
    m = mat_identity()
    for axis in ROTATE_ORDERS[order]:
        m = mat_mul(m, _axis_matrix(axis, degrees["xyz".index(axis)]))
    return m


def matrix_euler(m, order=0):
    """Euler angles in degrees, in rotate order ``order``, of the rotation part of
    the row-vector matrix m (its rows normalised, so scale does not count).
    Inverse of euler_matrix; near gimbal lock the last angle is 0."""
    rows = []
    for r in m[:3]:
        n = math.sqrt(sum(v * v for v in r[:3])) or 1.0
        rows.append([v / n for v in r[:3]])
    # column-vector form R = M^T = Rk.Rj.Ri for order "ijk" (i applied first)
    R = [[rows[c][r] for c in range(3)] for r in range(3)]
    i, j, k = ("xyz".index(a) for a in ROTATE_ORDERS[order])
    sign = 1.0 if (i, j, k) in ((0, 1, 2), (1, 2, 0), (2, 0, 1)) else -1.0
    sb = max(-1.0, min(1.0, -sign * R[k][i]))
    b = math.asin(sb)
    if abs(sb) < 1.0 - 1e-12:
        a = math.atan2(sign * R[k][j], R[k][k])
        c = math.atan2(sign * R[j][i], R[i][i])
    else:                                   # gimbal lock: fold the last angle into the first
        a = math.atan2(-sign * R[j][k], R[j][j])
        c = 0.0
    out = [0.0, 0.0, 0.0]
    out[i], out[j], out[k] = math.degrees(a), math.degrees(b), math.degrees(c)
    return out


class Node:
    def __init__(self, name, node_type):
        self.name = name
        self.type = node_type
        self.parent = None
        self.children = []
        self.attrs = {}
        self.locked = set()      # plug keys: "rotate", "rotateX", "rotateOrder"...
        self.inputs = set()      # plug keys that are destinations of a connection
        if node_type in TRANSFORM_TYPES:
            self.attrs.update(translate=[0.0, 0.0, 0.0], rotate=[0.0, 0.0, 0.0],
                              scale=[1.0, 1.0, 1.0], rotateAxis=[0.0, 0.0, 0.0],
                              rotateOrder=0, visibility=True)
            if node_type == "joint":
                self.attrs["jointOrient"] = [0.0, 0.0, 0.0]
        elif node_type in SHAPE_TYPES:
            self.attrs["visibility"] = True

    @property
    def is_dag(self):
        return self.type in DAG_TYPES


class Scene:
    def __init__(self):
        self.reset()

    def reset(self):
        self.nodes = {}          # name -> Node, in creation order
        self.selection = []
        self.connections = {}    # (dst node, dst key) -> (src node, src key)
        for cam, pos in (("persp", (28.0, 21.0, 28.0)), ("top", (0.0, 1000.1, 0.0)),
                         ("front", (0.0, 0.0, 1000.1)), ("side", (1000.1, 0.0, 0.0))):
            xform = self.create("transform", cam)
            xform.attrs["translate"] = list(pos)
            xform.attrs["visibility"] = cam == "persp"
            self.create("camera", cam + "Shape", parent=xform)

    # -- names --------------------------------------------------------------

    def unique_name(self, wanted, default_stem):
        """Maya-style naming: "pCube" -> "pCube1"; a taken "x" -> "x1", "x7" -> "x8"."""
        if not wanted:
            stem, n = default_stem, 1
        elif wanted not in self.nodes:
            return wanted
        else:
            m = re.match(r"^(.*?)(\d+)$", wanted)
            stem, n = (m.group(1), int(m.group(2)) + 1) if m else (wanted, 1)
        while "%s%d" % (stem, n) in self.nodes:
            n += 1
        return "%s%d" % (stem, n)

    def find(self, name):
        """Node for a short name or a DAG path ("|a|b", "a|b"), or None."""
        if not isinstance(name, str):
            return None
        short = name.rstrip("|").rsplit("|", 1)[-1]
        node = self.nodes.get(short)
        if node is None:
            return None
        if "|" in name and self.path(node).lstrip("|") != name.strip("|"):
            return None
        return node

    def get(self, name):
        node = self.find(name)
        if node is None:
            raise ValueError("No object matches name: %s" % (name,))
        return node

    def path(self, node):
        if not node.is_dag:
            return node.name
        parts = []
        while node is not None:
            parts.append(node.name)
            node = node.parent
        return "|" + "|".join(reversed(parts))

    # -- graph edits ----------------------------------------------------------

    def create(self, node_type, name=None, parent=None, stem=None):
        node = Node(self.unique_name(name, stem or node_type), node_type)
        self.nodes[node.name] = node
        if parent is not None:
            self.reparent(node, parent)
        return node

    def reparent(self, node, parent):
        ancestor = parent
        while ancestor is not None:
            if ancestor is node:
                raise RuntimeError("Cannot parent '%s' under itself or its descendant '%s'."
                                   % (node.name, parent.name))
            ancestor = ancestor.parent
        if node.parent is not None:
            node.parent.children.remove(node)
        node.parent = parent
        if parent is not None:
            parent.children.append(node)

    def descendants(self, node):
        """Depth-first, pre-order."""
        out = []
        for child in node.children:
            out.append(child)
            out.extend(self.descendants(child))
        return out

    def delete(self, node):
        for child in list(node.children):
            self.delete(child)
        if node.parent is not None:
            node.parent.children.remove(node)
        self.nodes.pop(node.name, None)
        for dst, src in list(self.connections.items()):
            if dst[0] is node or src[0] is node:
                self.disconnect(dst)
        if node.name in self.selection:
            self.selection.remove(node.name)

    def world_translation(self, node):
        """Sum of translations up the hierarchy. Approximation: ignores rotations,
        orients and scale (enough for joint(p=...) and parent())."""
        total = [0.0, 0.0, 0.0]
        while node is not None:
            t = node.attrs.get("translate", [0.0, 0.0, 0.0])
            total = [a + b for a, b in zip(total, t)]
            node = node.parent
        return total

    # -- plugs: values, locks, connections -------------------------------------

    def plug_name(self, node, key):
        """What Maya prints for a plug: the node's name and the attribute's long name."""
        return "%s.%s" % (node.name, key)

    def source_of(self, node, key):
        """The (node, key) connected into plug ``key`` of ``node``, or None."""
        return self.connections.get((node, key))

    def blocked_key(self, node, attr, index):
        """The plug key that makes setting (attr, index) impossible, or None.

        A plug cannot be set when it, its parent compound or (for a compound)
        any of its children is locked or the destination of a connection.
        Named: the plug being set, or for a compound the first blocked one."""
        if not node.locked and not node.inputs:       # the common case, kept cheap
            return None
        blocking = lambda k: k in node.locked or (k in node.inputs and not is_anim_curve(
            self.connections[(node, k)][0]))
        key = plug_key(attr, index)
        if index is not None:
            keys = (key, attr)
        elif attr in VECTOR_ATTRS:
            keys = (key,) + tuple(plug_key(attr, i) for i in range(3))
        else:
            keys = (key,)
        for k in keys:
            if blocking(k):
                return key if index is not None else k
        return None

    def read_leaf(self, node, attr, index, depth=0):
        """Internal value of one number (index None for a scalar attribute),
        following incoming connections (the source's value wins)."""
        if node.inputs and depth < 32:
            key = plug_key(attr, index)
            src = self.connections.get((node, key))
            if src is not None and not is_anim_curve(src[0]):
                return self.read_key(src[0], src[1], depth + 1)
            if index is not None:
                src = self.connections.get((node, attr))
                if src is not None and not is_anim_curve(src[0]):
                    value = self.read_key(src[0], src[1], depth + 1)
                    return value[index] if isinstance(value, list) else value
        value = node.attrs[attr]
        return value[index] if index is not None else value

    def read_key(self, node, key, depth=0):
        alias = ATTR_ALIASES.get(key)
        if alias is None or alias[0] not in node.attrs:     # a dynamic attribute
            return node.attrs.get(key, 0.0)
        attr, index = alias
        if index is None and attr in VECTOR_ATTRS:
            return [self.read_leaf(node, attr, i, depth) for i in range(3)]
        return self.read_leaf(node, attr, index, depth)

    def lock(self, node, attr, index, locked):
        """Lock or unlock a plug; (un)locking a compound (un)locks its children."""
        keys = [plug_key(attr, index)]
        if index is None and attr in VECTOR_ATTRS:
            keys += [plug_key(attr, i) for i in range(3)]
        for k in keys:
            if locked:
                node.locked.add(k)
            else:
                node.locked.discard(k)

    # -- transforms -------------------------------------------------------------

    def local_matrix(self, node):
        """Maya's local matrix, row vectors: [S].[RA].[R].[JO].[IS].[T] for a joint,
        [S].[RA].[R].[T] for a transform (pivots and shear are zero here)."""
        if node.type not in TRANSFORM_TYPES:
            return mat_identity()
        read = lambda attr: [self.read_leaf(node, attr, i) for i in range(3)]
        m = mat_identity()
        for i, s in enumerate(read("scale")):
            m[i][i] = s
        m = mat_mul(m, euler_matrix(read("rotateAxis")))
        m = mat_mul(m, euler_matrix(read("rotate"), int(self.read_leaf(node, "rotateOrder", None))))
        if node.type == "joint":
            m = mat_mul(m, euler_matrix(read("jointOrient")))
            if node.parent is not None and "scale" in node.parent.attrs:
                inverse = mat_identity()
                for i, s in enumerate(self.read_leaf(node.parent, "scale", i) for i in range(3)):
                    inverse[i][i] = 1.0 / s if s else 0.0
                m = mat_mul(m, inverse)
        m[3][0:3] = read("translate")
        return m

    def world_matrix(self, node):
        m = mat_identity()
        while node is not None:
            m = mat_mul(m, self.local_matrix(node))
            node = node.parent
        return m

    # -- names ------------------------------------------------------------------

    def matches(self, node, pattern, recursive=False):
        """Maya-style ls patterns: "*" and "?" never cross ":" or "|"; a pattern
        without a namespace matches root-namespace names only, unless recursive;
        "*:Hips" matches Hips in any one-level namespace; "|a|b" and "a|b" match
        DAG paths (the latter as a suffix)."""
        if "|" in pattern:
            parts = self.path(node).strip("|").split("|")
            wanted = pattern.strip("|").split("|")
            if pattern.startswith("|") and len(parts) != len(wanted):
                return False
            if len(wanted) > len(parts):
                return False
            parts = parts[len(parts) - len(wanted):]
            return all(_match_ns(p, w, recursive) for p, w in zip(parts, wanted))
        return _match_ns(node.name, pattern, recursive)

    # -- loading ------------------------------------------------------------

    def connect(self, src, dst):
        """Record the connection src -> dst (each a (node, key) pair)."""
        self.connections[dst] = src
        dst[0].inputs.add(dst[1])

    def key(self, node, attr, index):
        """setKeyframe on one number: its animation curve (made on first use, named
        like Maya's, "Hips_rotateX") now holds the current value. Returns the curve."""
        key = plug_key(attr, index)
        src = self.connections.get((node, key))
        if src is not None and is_anim_curve(src[0]):
            curve = src[0]
        else:
            if src is not None:
                raise RuntimeError("setKeyframe: '%s' is connected and cannot be keyed."
                                   % self.plug_name(node, key))
            kind = ("animCurveTL" if attr in LINEAR_ATTRS else
                    "animCurveTA" if attr in ANGLE_ATTRS else "animCurveTU")
            curve = self.create(kind, "%s_%s" % (node.name, key))
            self.connect((curve, "output"), (node, key))
        curve.attrs["output"] = self.read_leaf(node, attr, index)
        return curve

    def evaluate_curves(self):
        """A time change: every keyed plug takes its curve's value again (the
        curves here are constant: the value of their last key)."""
        for (node, key), (src, _) in list(self.connections.items()):
            if is_anim_curve(src):
                attr, index = ATTR_ALIASES[key]
                if index is None:
                    node.attrs[attr] = src.attrs["output"]
                else:
                    node.attrs[attr][index] = src.attrs["output"]

    def disconnect(self, dst):
        """Remove the connection into dst; the plug keeps the last value it read."""
        node, key = dst
        value = self.read_key(node, key)
        del self.connections[dst]
        node.inputs.discard(key)
        alias = ATTR_ALIASES.get(key)
        if not node.is_dag or alias is None or alias[0] not in node.attrs:
            node.attrs[key] = value
        elif alias[1] is not None:
            node.attrs[alias[0]][alias[1]] = value
        else:
            node.attrs[alias[0]] = list(value) if isinstance(value, list) else value

    def load_json(self, path):
        """Preload joints (see README.md, "Scene files"):
        {"sceneName": "...", "units": {"linear": "m", "angle": "rad"},
         "joints": [{"name", "type", "parent", "translate", "rotate", "scale",
                     "jointOrient", "rotateAxis", "rotateOrder", "locked", "connected",
                     "keyed"}]}.
        Values are internal (centimetres, degrees) whatever the units say.
        Returns the scene name ("" if absent)."""
        with open(path, "r", encoding="utf-8") as fh:
            data = json.load(fh)
        units = data.get("units") or {}
        for kind, table in (("linear", LINEAR_UNITS), ("angle", ANGLE_UNITS)):
            if kind in units:
                unit = str(units[kind])
                if unit not in table:
                    raise ValueError("unknown %s unit %r" % (kind, unit))
                UNITS[kind] = UNIT_SHORT.get(unit, unit)
        joints = data.get("joints", [])
        created = []
        for spec in joints:
            name = spec["name"]
            if name in self.nodes:
                raise ValueError("duplicate node name in scene file: %s" % name)
            node_type = spec.get("type", "joint")
            if node_type not in TRANSFORM_TYPES:
                raise ValueError("%s: type must be 'joint' or 'transform'" % name)
            node = self.create(node_type, name)
            for attr in ("translate", "rotate", "scale", "jointOrient", "rotateAxis"):
                if attr in spec:
                    if attr not in node.attrs:
                        raise ValueError("%s has no %s (a %s)" % (name, attr, node_type))
                    value = [float(v) for v in spec[attr]]
                    if len(value) != 3:
                        raise ValueError("%s.%s needs 3 numbers" % (name, attr))
                    node.attrs[attr] = value
            if "rotateOrder" in spec:
                node.attrs["rotateOrder"] = int(spec["rotateOrder"])
            created.append((node, spec))
        for node, spec in created:      # parents may come after children
            parent_name = spec.get("parent")
            if parent_name:
                if parent_name not in self.nodes:
                    raise ValueError("unknown parent %r of joint %r" % (parent_name, node.name))
                self.reparent(node, self.nodes[parent_name])
            for key in spec.get("locked", []):
                attr, index = self._scene_plug(node, key)
                self.lock(node, attr, index, True)
            for key in spec.get("keyed", []):
                attr, index = self._scene_plug(node, key)
                for i in ([index] if index is not None or attr not in VECTOR_ATTRS else range(3)):
                    self.key(node, attr, i)
            connected = spec.get("connected", [])
            if connected:
                # An "expression" node drives them, holding the values they had.
                driver = self.create("expression", node.name + "_driver")
                for key in connected:
                    attr, index = self._scene_plug(node, key)
                    value = node.attrs[attr]
                    out = "out_" + plug_key(attr, index)
                    driver.attrs[out] = (list(value) if index is None and isinstance(value, list)
                                         else value[index] if index is not None else value)
                    self.connect((driver, out), (node, plug_key(attr, index)))
        return str(data.get("sceneName", ""))

    @staticmethod
    def _scene_plug(node, key):
        alias = ATTR_ALIASES.get(key)
        if alias is None or alias[0] not in node.attrs:
            raise ValueError("%s has no attribute %r" % (node.name, key))
        return alias


def is_anim_curve(node):
    """Keyed plugs are connected from an animation curve, yet can be set."""
    return node.type.startswith("animCurve")


def _match_ns(name, pattern, recursive):
    names = name.split(":")
    wanted = pattern[1:].split(":") if pattern.startswith(":") else pattern.split(":")
    if recursive and not pattern.startswith(":") and len(wanted) < len(names):
        names = names[len(names) - len(wanted):]
    if len(names) != len(wanted):
        return False
    return all(fnmatch.fnmatchcase(n, w) for n, w in zip(names, wanted))


SCENE = Scene()
