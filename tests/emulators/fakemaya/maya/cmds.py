"""Emulated ``maya.cmds``: a small subset backed by an in-memory scene.

Every command checks its flags like Maya (an unknown flag raises
``TypeError: Invalid flag 'x'``) and records an emulated crash when called
from a thread other than Maya's main thread.
"""

import fnmatch
import functools
import re

from mayaemu import _core
from mayaemu._scene import (ATTR_ALIASES, DAG_TYPES, SCENE, SHAPE_TYPES,
                            TRANSFORM_TYPES, VECTOR_ATTRS)

_ROTATE_ORDERS = ["xyz", "yzx", "zxy", "xzy", "yxz", "zyx"]
_UNITS = {"linear": "cm", "angle": "deg", "time": "film"}


def _command(*flags, any_flags=False):
    allowed = set(flags)

    def wrap(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if not _core.on_main_thread():
                _core.record_crash("maya.cmds.%s called from a non-main thread" % fn.__name__)
            if not any_flags:
                for key in kwargs:
                    if key not in allowed:
                        raise TypeError("Invalid flag '%s'" % key)
            return fn(*args, **kwargs)
        return wrapper
    return wrap


def _on(kwargs, *names):
    return any(kwargs.get(n) for n in names)


def _get(kwargs, *names, default=None):
    for n in names:
        if n in kwargs:
            return kwargs[n]
    return default


def _flatten(args):
    out = []
    for arg in args:
        if isinstance(arg, (list, tuple)):
            out.extend(_flatten(arg))
        elif arg is not None:
            out.append(str(arg))
    return out


def _number(value, what):
    if isinstance(value, (int, float)):
        return float(value)
    raise RuntimeError("setAttr: Error reading data element number %s: %r" % (what, value))


def _select_only(name):
    SCENE.selection = [name]


# -- about / file / output ---------------------------------------------------

def _api_version():
    m = re.match(r"^(\d{4})(?:\.(\d+))?", _core.CONFIG.version)
    if not m:
        return 0
    return int(m.group(1)) * 10000 + int(m.group(2) or 0) * 100


@_command("version", "v", "apiVersion", "api", "operatingSystem", "os", "product", "p",
          "batch", "b", "linux", "windows", "win", "mac", "macOS", "majorVersion")
def about(**kwargs):
    version = _core.CONFIG.version
    if _on(kwargs, "version", "v"):
        return version
    if _on(kwargs, "majorVersion"):
        return version.split(".")[0]
    if _on(kwargs, "apiVersion", "api"):
        return _api_version()
    if _on(kwargs, "operatingSystem", "os"):
        return "linux64"
    if _on(kwargs, "product", "p"):
        return "Maya " + version
    if _on(kwargs, "linux"):
        return True
    if kwargs:
        return False     # batch, windows, mac...
    raise RuntimeError("about: No flag was specified.")


@_command("query", "q", "sceneName", "sn", "location", "loc", "rename", "rn", "new",
          "force", "f", "modified", "mf", "save", "s", "type", "typ")
def file(*args, **kwargs):
    state = _core.STATE
    if _on(kwargs, "query", "q"):
        if _on(kwargs, "sceneName", "sn", "location", "loc"):
            return state.scene_name       # "" while the scene is untitled
        if _on(kwargs, "modified", "mf"):
            return False
        raise RuntimeError("file: this query is not emulated")
    rename = _get(kwargs, "rename", "rn")
    if rename is not None:
        state.scene_name = str(rename)
        return state.scene_name
    if _on(kwargs, "new"):
        SCENE.reset()
        state.scene_name = ""
        return ""
    if _on(kwargs, "save", "s"):
        if not state.scene_name:
            raise RuntimeError("File has not been named.")
        return state.scene_name
    raise RuntimeError("file: these flags are not emulated")


@_command()
def warning(*args):
    # The Script Editor shows "// Warning: msg //"; the callback gets this text.
    _core.emit("Warning: %s\n" % " ".join(str(a) for a in args), _core.kWarning)


@_command()
def error(*args):
    message = " ".join(str(a) for a in args)
    _core.emit("Error: %s\n" % message, _core.kError)
    raise RuntimeError(message)


@_command("openChunk", "ock", "closeChunk", "cck", "chunkName", "cn", "query", "q",
          "state", "st", "undoQueueEmpty", "uqe", "stateWithoutFlush", "swf")
def undoInfo(**kwargs):
    state = _core.STATE
    with state.lock:
        if _on(kwargs, "query", "q"):
            if _on(kwargs, "state", "st", "stateWithoutFlush", "swf"):
                return state.undo_state
            if _on(kwargs, "undoQueueEmpty", "uqe"):
                return True
            raise RuntimeError("undoInfo: this query is not emulated")
        if _on(kwargs, "openChunk", "ock"):
            state.undo_depth += 1
            state.undo_chunks.append(str(_get(kwargs, "chunkName", "cn", default="")))
            del state.undo_chunks[:-50]
        if _on(kwargs, "closeChunk", "cck") and state.undo_depth > 0:
            state.undo_depth -= 1
        for flag in ("state", "st", "stateWithoutFlush", "swf"):
            if flag in kwargs:
                state.undo_state = bool(kwargs[flag])
    return None


@_command("name", "n", "sourceType", "stp", "close", "cl", "query", "q", "listPorts", "lp",
          "bufferSize", "bs", "noreturn", "nr", "returnNumCommands", "rnc", "prefix", "pre",
          "echoOutput", "eo", "securityWarning", "sw", "pickleOutput", "po")
def commandPort(**kwargs):
    """Recorded only: no extra socket is opened."""
    state = _core.STATE
    with state.lock:
        state.commandport_calls.append({k: v if isinstance(v, (bool, int, float, str)) else repr(v)
                                        for k, v in kwargs.items()})
        if _on(kwargs, "listPorts", "lp"):
            return list(state.open_ports)
        name = _get(kwargs, "name", "n")
        if _on(kwargs, "query", "q"):
            return name in state.open_ports
        if name is None:
            raise RuntimeError("commandPort: the name flag is required")
        if _on(kwargs, "close", "cl"):
            if name not in state.open_ports:
                raise RuntimeError("commandPort: no command port named %s is open" % name)
            state.open_ports.remove(name)
            return None
        if name in state.open_ports:
            raise RuntimeError("Could not open command port %s: already active" % name)
        state.open_ports.append(name)
    return None


@_command("query", "q", "linear", "l", "angle", "a", "time", "t", "fullName", "f",
          "updateAnimation", "ua")
def currentUnit(**kwargs):
    if _on(kwargs, "query", "q"):
        if _on(kwargs, "angle", "a"):
            return _UNITS["angle"]
        if _on(kwargs, "time", "t"):
            return _UNITS["time"]
        return _UNITS["linear"]
    for key, names in (("linear", ("linear", "l")), ("angle", ("angle", "a")),
                       ("time", ("time", "t"))):
        value = _get(kwargs, *names)
        if value is not None:
            _UNITS[key] = str(value)
    return None


# -- scene ---------------------------------------------------------------------

def _make_poly(kind, stem, kwargs):
    xform = SCENE.create("transform", _get(kwargs, "name", "n"), stem=stem)
    SCENE.create("mesh", xform.name + "Shape", parent=xform)
    creator = SCENE.create(kind)
    _select_only(xform.name)
    if _get(kwargs, "constructionHistory", "ch", default=True):
        return [xform.name, creator.name]
    SCENE.delete(creator)
    return [xform.name]


@_command(any_flags=True)
def polySphere(**kwargs):
    return _make_poly("polySphere", "pSphere", kwargs)


@_command(any_flags=True)
def polyCube(**kwargs):
    return _make_poly("polyCube", "pCube", kwargs)


def _matches(node, pattern):
    if any(c in pattern for c in "*?["):
        target = SCENE.path(node) if "|" in pattern else node.name
        return fnmatch.fnmatchcase(target, pattern)
    return SCENE.find(pattern) is node


@_command("type", "typ", "selection", "sl", "long", "l", "dag", "transforms", "tr",
          "shapes", "s")
def ls(*args, **kwargs):
    patterns = _flatten(args)
    if _on(kwargs, "selection", "sl"):
        nodes = [SCENE.nodes[n] for n in SCENE.selection if n in SCENE.nodes]
    else:
        nodes = list(SCENE.nodes.values())
    if patterns:
        nodes = [n for n in nodes if any(_matches(n, p) for p in patterns)]
    types = _get(kwargs, "type", "typ")
    if types is not None:
        types = {types} if isinstance(types, str) else set(types)
        nodes = [n for n in nodes if n.type in types]
    if _on(kwargs, "dag"):
        nodes = [n for n in nodes if n.type in DAG_TYPES]
    if _on(kwargs, "transforms", "tr"):
        nodes = [n for n in nodes if n.type in TRANSFORM_TYPES]
    if _on(kwargs, "shapes", "s"):
        nodes = [n for n in nodes if n.type in SHAPE_TYPES]
    long_names = _on(kwargs, "long", "l")
    return [SCENE.path(n) if long_names else n.name for n in nodes]


@_command("replace", "r", "add", "deselect", "d", "clear", "cl", "toggle", "tgl",
          "noExpand", "ne")
def select(*args, **kwargs):
    names = _flatten(args)
    if _on(kwargs, "clear", "cl") or not names:
        SCENE.selection = []
        return None
    nodes = [SCENE.get(n) for n in names]
    if _on(kwargs, "add"):
        SCENE.selection += [n.name for n in nodes if n.name not in SCENE.selection]
    elif _on(kwargs, "deselect", "d"):
        SCENE.selection = [s for s in SCENE.selection if s not in {n.name for n in nodes}]
    elif _on(kwargs, "toggle", "tgl"):
        for n in nodes:
            if n.name in SCENE.selection:
                SCENE.selection.remove(n.name)
            else:
                SCENE.selection.append(n.name)
    else:
        SCENE.selection = []
        for n in nodes:
            if n.name not in SCENE.selection:
                SCENE.selection.append(n.name)
    return None


@_command()
def objExists(name):
    name = str(name)
    if "." in name:
        node_name, attr = name.split(".", 1)
        node = SCENE.find(node_name)
        alias = ATTR_ALIASES.get(attr)
        return bool(node and alias and alias[0] in node.attrs)
    return SCENE.find(name) is not None


@_command()
def nodeType(name):
    return SCENE.get(str(name)).type


@_command()
def delete(*args):
    names = _flatten(args) or list(SCENE.selection)
    if not names:
        raise RuntimeError("delete: Not enough objects or values.")
    nodes = [SCENE.get(n) for n in names]
    for node in nodes:
        if node.name in SCENE.nodes:
            SCENE.delete(node)
    return None


@_command("name", "n", "position", "p", "relative", "r", "absolute", "a", "orientation",
          "o", "rotationOrder", "roo", "radius", "rad", "query", "q", "edit", "e")
def joint(*args, **kwargs):
    if _on(kwargs, "query", "q", "edit", "e"):
        raise RuntimeError("joint: query/edit mode is not emulated")
    # Like Maya: a selected joint becomes the parent of the new joint.
    parent = None
    if SCENE.selection and SCENE.selection[-1] in SCENE.nodes:
        candidate = SCENE.nodes[SCENE.selection[-1]]
        if candidate.type == "joint":
            parent = candidate
    node = SCENE.create("joint", _get(kwargs, "name", "n"), parent=parent)
    position = [float(v) for v in _get(kwargs, "position", "p", default=(0, 0, 0))]
    if parent is not None and not _on(kwargs, "relative", "r"):
        origin = SCENE.world_translation(parent)     # -p is absolute by default
        position = [p - o for p, o in zip(position, origin)]
    node.attrs["translate"] = position
    orient = _get(kwargs, "orientation", "o")
    if orient is not None:
        node.attrs["jointOrient"] = [float(v) for v in orient]
    order = _get(kwargs, "rotationOrder", "roo")
    if order is not None:
        node.attrs["rotateOrder"] = _ROTATE_ORDERS.index(str(order).lower())
    _select_only(node.name)
    return node.name


@_command("name", "n", "parent", "p", "skipSelect", "ss", "shared", "s")
def createNode(node_type, **kwargs):
    node_type = str(node_type)
    parent_name = _get(kwargs, "parent", "p")
    parent = SCENE.get(parent_name) if parent_name else None
    if parent is not None and node_type not in DAG_TYPES:
        raise RuntimeError("createNode: a %s node cannot have a parent" % node_type)
    node = SCENE.create(node_type, _get(kwargs, "name", "n"), parent=parent)
    if not _on(kwargs, "skipSelect", "ss"):
        _select_only(node.name)
    return node.name


@_command("world", "w", "relative", "r", "absolute", "a", "shape", "s", "add")
def parent(*args, **kwargs):
    names = _flatten(args) or list(SCENE.selection)
    to_world = _on(kwargs, "world", "w")
    if to_world:
        children, new_parent = names, None
    else:
        if len(names) < 2:
            raise RuntimeError("parent: Not enough objects or values.")
        children, new_parent = names[:-1], SCENE.get(names[-1])
        if not new_parent.is_dag:
            raise RuntimeError("parent: %s is not a DAG node" % new_parent.name)
    result = []
    for name in children:
        child = SCENE.get(name)
        if child.parent is new_parent:
            continue           # already there
        world = SCENE.world_translation(child)
        SCENE.reparent(child, new_parent)
        if "translate" in child.attrs and not _on(kwargs, "relative", "r"):
            origin = SCENE.world_translation(new_parent) if new_parent else [0.0] * 3
            child.attrs["translate"] = [w - o for w, o in zip(world, origin)]
        result.append(child.name)
    return result


@_command("parent", "p", "children", "c", "allDescendents", "ad", "allParents", "ap",
          "shapes", "s", "type", "typ", "fullPath", "f", "path")
def listRelatives(*args, **kwargs):
    names = _flatten(args) or list(SCENE.selection)
    types = _get(kwargs, "type", "typ")
    if isinstance(types, str):
        types = {types}
    out = []
    for name in names:
        node = SCENE.get(name)
        if _on(kwargs, "parent", "p"):
            related = [node.parent] if node.parent else []
        elif _on(kwargs, "allParents", "ap"):
            related, up = [], node.parent
            while up is not None:
                related.append(up)
                up = up.parent
        elif _on(kwargs, "allDescendents", "ad"):
            related = list(reversed(SCENE.descendants(node)))   # Maya lists deepest first
        else:
            related = list(node.children)
        if _on(kwargs, "shapes", "s"):
            related = [r for r in related if r.type in SHAPE_TYPES]
        if types:
            related = [r for r in related if r.type in types]
        for r in related:
            text = SCENE.path(r) if _on(kwargs, "fullPath", "f", "path") else r.name
            if text not in out:
                out.append(text)
    return out or None    # Maya quirk: None, not [], when nothing is found


def _plug(plug):
    text = str(plug)
    if "." not in text:
        raise RuntimeError("The value '%s' is not a valid attribute name" % text)
    node_name, attr = text.split(".", 1)
    node = SCENE.find(node_name)
    alias = ATTR_ALIASES.get(attr)
    if node is None or alias is None or alias[0] not in node.attrs:
        raise ValueError("No object matches name: %s" % text)
    return node, alias[0], alias[1]


@_command("type", "typ", "asString", "as", "lock", "l")
def getAttr(plug, **kwargs):
    node, attr, index = _plug(plug)
    value = node.attrs[attr]
    if attr in VECTOR_ATTRS:
        if index is None:
            return [tuple(value)]     # Maya returns compound attributes as [(x, y, z)]
        return value[index]
    if attr == "rotateOrder":
        return int(value)
    return bool(value)


@_command("type", "typ", "lock", "l", "keyable", "k", "channelBox", "cb")
def setAttr(plug, *values, **kwargs):
    node, attr, index = _plug(plug)
    if attr in VECTOR_ATTRS and index is None:
        if len(values) != 3:
            raise RuntimeError("setAttr: Error reading data element number %d: %r"
                               % (len(values) + 1 if len(values) < 3 else 4, values))
        node.attrs[attr] = [_number(v, i + 1) for i, v in enumerate(values)]
        return None
    if len(values) != 1:
        raise RuntimeError("setAttr: Error reading data element number 2: %r" % (values,))
    value = values[0]
    if attr in VECTOR_ATTRS:
        node.attrs[attr][index] = _number(value, 1)
    elif attr == "rotateOrder":
        if isinstance(value, str) and value.lower() in _ROTATE_ORDERS:
            value = _ROTATE_ORDERS.index(value.lower())
        order = int(_number(value, 1))
        if not 0 <= order <= 5:
            raise RuntimeError("setAttr: value %r is out of range for rotateOrder" % value)
        node.attrs[attr] = order
    else:
        node.attrs[attr] = bool(_number(value, 1))
    return None
