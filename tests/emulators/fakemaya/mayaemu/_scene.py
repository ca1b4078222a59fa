"""A minimal in-memory Maya scene graph for ``maya.cmds``.

Nodes have unique short names (Maya allows duplicates under different
parents; the emulator does not). DAG nodes (transform, joint, shapes) have a
parent (None = world) and ordered children. Transform-like nodes carry the
attributes the app reads: translate, rotate, scale, rotateAxis, rotateOrder,
visibility, and for joints jointOrient.

Like a new Maya scene, the graph starts with the four default cameras.
"""

import json
import re

DAG_TYPES = {"transform", "joint", "mesh", "camera"}
TRANSFORM_TYPES = {"transform", "joint"}
SHAPE_TYPES = {"mesh", "camera"}

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


class Node:
    def __init__(self, name, node_type):
        self.name = name
        self.type = node_type
        self.parent = None
        self.children = []
        self.attrs = {}
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

    # -- loading ------------------------------------------------------------

    def load_json(self, path):
        """Preload joints: {"sceneName": "...", "joints": [{"name", "parent", "translate",
        "jointOrient", "rotateAxis", "rotateOrder", "rotate", "scale"}]}.
        Returns the scene name ("" if absent)."""
        with open(path, "r", encoding="utf-8") as fh:
            data = json.load(fh)
        joints = data.get("joints", [])
        created = []
        for spec in joints:
            name = spec["name"]
            if name in self.nodes:
                raise ValueError("duplicate node name in scene file: %s" % name)
            node = self.create("joint", name)
            for attr in ("translate", "rotate", "scale", "jointOrient", "rotateAxis"):
                if attr in spec:
                    value = [float(v) for v in spec[attr]]
                    if len(value) != 3:
                        raise ValueError("%s.%s needs 3 numbers" % (name, attr))
                    node.attrs[attr] = value
            if "rotateOrder" in spec:
                node.attrs["rotateOrder"] = int(spec["rotateOrder"])
            created.append((node, spec.get("parent")))
        for node, parent_name in created:      # parents may come after children
            if parent_name:
                if parent_name not in self.nodes:
                    raise ValueError("unknown parent %r of joint %r" % (parent_name, node.name))
                self.reparent(node, self.nodes[parent_name])
        return str(data.get("sceneName", ""))


SCENE = Scene()
