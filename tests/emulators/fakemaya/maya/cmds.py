"""Emulated ``maya.cmds``: a small subset backed by an in-memory scene.

Every command checks its flags like Maya (an unknown flag raises
``TypeError: Invalid flag 'x'``) and records an emulated crash when called
from a thread other than Maya's main thread.
"""

import fnmatch
import functools
import re

from mayaemu import _core
from mayaemu._scene import (ANGLE_UNITS, ATTR_ALIASES, DAG_TYPES, LINEAR_UNITS, SCENE,
                            SHAPE_TYPES, TRANSFORM_TYPES, UNIT_LONG, UNIT_SHORT, UNITS,
                            VECTOR_ATTRS, inherited_types, matrix_euler, plug_key,
                            unit_factor)

_ROTATE_ORDERS = ["xyz", "yzx", "zxy", "xzy", "yxz", "zyx"]
_UNITS = UNITS      # the scene's current UI units (shared with _scene)


def _command(*flags, any_flags=False, undoable=False):
    """Declare a command: its flags, and whether it is undoable (a successful
    run outside query mode records one entry in Maya's undo queue)."""
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
            result = fn(*args, **kwargs)
            if undoable and not _on(kwargs, "query", "q"):
                _core.record_undo(fn.__name__)
            return result
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
          "state", "st", "undoQueueEmpty", "uqe", "stateWithoutFlush", "swf",
          "length", "l", "infinity")
def undoInfo(**kwargs):
    """Undo chunks and recording. ``state=False`` turns recording off and
    flushes the queue; ``stateWithoutFlush=False`` turns it off and keeps it."""
    state = _core.STATE
    with state.lock:
        if _on(kwargs, "query", "q"):
            if _on(kwargs, "state", "st", "stateWithoutFlush", "swf"):
                return state.undo_state
            if _on(kwargs, "undoQueueEmpty", "uqe"):
                return not state.undo_queue
            if _on(kwargs, "length", "l"):
                return _core.UNDO_QUEUE_LENGTH
            if _on(kwargs, "infinity"):
                return False
            raise RuntimeError("undoInfo: this query is not emulated")
        if _on(kwargs, "openChunk", "ock"):
            if state.undo_depth == 0:
                state.undo_chunk_recorded = False
                state.undo_chunk_name = str(_get(kwargs, "chunkName", "cn", default=""))
            state.undo_depth += 1
            state.undo_chunks.append(str(_get(kwargs, "chunkName", "cn", default="")))
            del state.undo_chunks[:-50]
        if _on(kwargs, "closeChunk", "cck") and state.undo_depth > 0:
            state.undo_depth -= 1
            if state.undo_depth == 0:
                state.undo_chunk_recorded = False
        for flag in ("stateWithoutFlush", "swf"):
            if flag in kwargs:
                state.undo_state = bool(kwargs[flag])
        for flag in ("state", "st"):
            if flag in kwargs:
                state.undo_state = bool(kwargs[flag])
                if not state.undo_state:
                    state.undo_queue.clear()     # turning undo off flushes the queue
    return None


@_command()
def flushUndo():
    with _core.STATE.lock:
        _core.STATE.undo_queue.clear()


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
    """The UI units that getAttr/setAttr/joint/xform use (storage stays cm and degrees)."""
    if _on(kwargs, "query", "q"):
        if _on(kwargs, "angle", "a"):
            value = _UNITS["angle"]
        elif _on(kwargs, "time", "t"):
            return _UNITS["time"]
        else:
            value = _UNITS["linear"]
        return UNIT_LONG.get(value, value) if _on(kwargs, "fullName", "f") else value
    for key, names, table in (("linear", ("linear", "l"), LINEAR_UNITS),
                              ("angle", ("angle", "a"), ANGLE_UNITS),
                              ("time", ("time", "t"), None)):
        value = _get(kwargs, *names)
        if value is None:
            continue
        value = str(value)
        if table is not None:
            if value not in table:
                raise RuntimeError("currentUnit: Invalid %s unit '%s'." % (key, value))
            value = UNIT_SHORT.get(value, value)
        _UNITS[key] = value
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


@_command(any_flags=True, undoable=True)
def polySphere(**kwargs):
    return _make_poly("polySphere", "pSphere", kwargs)


@_command(any_flags=True, undoable=True)
def polyCube(**kwargs):
    return _make_poly("polyCube", "pCube", kwargs)


def _matches(node, pattern, recursive=False):
    if recursive or any(c in pattern for c in "*?["):
        return SCENE.matches(node, pattern, recursive)
    return SCENE.find(pattern) is node


@_command("type", "typ", "selection", "sl", "long", "l", "dag", "transforms", "tr",
          "shapes", "s", "recursive", "r", "shortNames", "sn", "exactType", "et")
def ls(*args, **kwargs):
    """Patterns follow Maya: "*" does not cross ":" or "|", "*:Hips" matches Hips
    in a one-level namespace, recursive=True ignores namespaces."""
    patterns = _flatten(args)
    if _on(kwargs, "selection", "sl"):
        nodes = [SCENE.nodes[n] for n in SCENE.selection if n in SCENE.nodes]
    else:
        nodes = list(SCENE.nodes.values())
    if patterns:
        recursive = _on(kwargs, "recursive", "r")
        nodes = [n for n in nodes if any(_matches(n, p, recursive) for p in patterns)]
    types = _get(kwargs, "type", "typ")
    if types is not None:           # a type matches its subtypes: joints are transforms
        types = {types} if isinstance(types, str) else set(types)
        nodes = [n for n in nodes if types & set(inherited_types(n.type))]
    exact = _get(kwargs, "exactType", "et")
    if exact is not None:
        exact = {exact} if isinstance(exact, str) else set(exact)
        nodes = [n for n in nodes if n.type in exact]
    if _on(kwargs, "dag"):
        nodes = [n for n in nodes if n.type in DAG_TYPES]
    if _on(kwargs, "transforms", "tr"):
        nodes = [n for n in nodes if n.type in TRANSFORM_TYPES]
    if _on(kwargs, "shapes", "s"):
        nodes = [n for n in nodes if n.type in SHAPE_TYPES]
    long_names = _on(kwargs, "long", "l")
    return [SCENE.path(n) if long_names else n.name for n in nodes]


@_command("replace", "r", "add", "deselect", "d", "clear", "cl", "toggle", "tgl",
          "noExpand", "ne", undoable=True)
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
        try:
            _plug(name)
        except (ValueError, RuntimeError):
            return False
        return True
    return SCENE.find(name) is not None


@_command("inherited", "i", "apiType", "api")
def nodeType(name, **kwargs):
    node = SCENE.get(str(name).split(".", 1)[0])
    if _on(kwargs, "inherited", "i"):
        return inherited_types(node.type)
    if _on(kwargs, "apiType", "api"):
        return "k" + node.type[0].upper() + node.type[1:]
    return node.type


@_command(undoable=True)
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
          "o", "rotationOrder", "roo", "radius", "rad", "query", "q", "edit", "e",
          undoable=True)
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
    linear = LINEAR_UNITS[_UNITS["linear"]]          # -p is in UI units
    position = [float(v) * linear for v in _get(kwargs, "position", "p", default=(0, 0, 0))]
    if parent is not None and not _on(kwargs, "relative", "r"):
        origin = SCENE.world_translation(parent)     # -p is absolute by default
        position = [p - o for p, o in zip(position, origin)]
    node.attrs["translate"] = position
    orient = _get(kwargs, "orientation", "o")
    if orient is not None:
        node.attrs["jointOrient"] = [float(v) * ANGLE_UNITS[_UNITS["angle"]] for v in orient]
    order = _get(kwargs, "rotationOrder", "roo")
    if order is not None:
        node.attrs["rotateOrder"] = _ROTATE_ORDERS.index(str(order).lower())
    _select_only(node.name)
    return node.name


@_command("name", "n", "parent", "p", "skipSelect", "ss", "shared", "s", undoable=True)
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


@_command("world", "w", "relative", "r", "absolute", "a", "shape", "s", "add", undoable=True)
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


def _plug(plug, create=False):
    """(node, attr, index) of a plug "node.attr" ("Hips.rx", "|rig|ns:Hips.rotate").
    attr is the long name of the attribute (the compound for "rotateX"), index
    0-2 for a child, None otherwise. Non-DAG nodes also have the dynamic
    attributes in their attrs (create=True adds one, for connectAttr sources)."""
    text = str(plug)
    if "." not in text:
        raise RuntimeError("The value '%s' is not a valid attribute name" % text)
    node_name, attr = text.split(".", 1)
    node = SCENE.find(node_name)
    if node is not None and not node.is_dag and (attr in node.attrs or create):
        node.attrs.setdefault(attr, 0.0)
        return node, attr, None
    alias = ATTR_ALIASES.get(attr)
    if node is None or alias is None or alias[0] not in node.attrs:
        raise ValueError("No object matches name: %s" % text)
    return node, alias[0], alias[1]


def _to_ui(attr, value):
    factor = unit_factor(attr)
    return value if factor == 1.0 else value / factor


def _attr_type(node, attr, index):
    if not node.is_dag:
        return "double"
    if attr in VECTOR_ATTRS:
        if index is None:
            return "double3"
        return ("doubleLinear" if attr == "translate" else
                "double" if attr == "scale" else "doubleAngle")
    return "enum" if attr == "rotateOrder" else "bool"


@_command("type", "typ", "asString", "as", "lock", "l")
def getAttr(plug, **kwargs):
    """Values in the current UI units; a connected plug reads its source."""
    node, attr, index = _plug(plug)
    if _on(kwargs, "lock", "l"):
        return plug_key(attr, index) in node.locked
    if _on(kwargs, "type", "typ"):
        return _attr_type(node, attr, index)
    if not node.is_dag:                               # a dynamic attribute
        return SCENE.read_key(node, attr)
    if attr in VECTOR_ATTRS:
        if index is None:                  # Maya returns compounds as [(x, y, z)]
            return [tuple(_to_ui(attr, SCENE.read_leaf(node, attr, i)) for i in range(3))]
        return _to_ui(attr, SCENE.read_leaf(node, attr, index))
    value = SCENE.read_leaf(node, attr, None)
    if attr == "rotateOrder":
        if _on(kwargs, "asString", "as"):
            return _ROTATE_ORDERS[int(value)]
        return int(value)
    return bool(value)


def _check_settable(node, attr, index):
    blocked = SCENE.blocked_key(node, attr, index)
    if blocked is not None:
        raise RuntimeError("setAttr: The attribute '%s' is locked or connected and cannot "
                           "be modified." % SCENE.plug_name(node, blocked))


@_command("type", "typ", "lock", "l", "keyable", "k", "channelBox", "cb", "clamp", "c",
          undoable=True)
def setAttr(plug, *values, **kwargs):
    """Values in the current UI units. A locked or connected plug (or a compound
    with such a child) cannot be set. lock=True/False (un)locks the plug, a
    compound's children with it; with values, it unlocks before / locks after."""
    node, attr, index = _plug(plug)
    lock = _get(kwargs, "lock", "l")
    if lock is not None and not lock:
        SCENE.lock(node, attr, index, False)
    if values:
        _set_values(node, attr, index, values)
    elif lock is None and not any(k in kwargs for k in ("keyable", "k", "channelBox", "cb")):
        raise RuntimeError("setAttr: No value specified for '%s'." % plug)
    if lock:
        SCENE.lock(node, attr, index, True)
    return None


def _set_values(node, attr, index, values):
    if not node.is_dag:                               # a dynamic attribute
        _check_settable(node, attr, None)
        if len(values) != 1:
            raise RuntimeError("setAttr: Error reading data element number 2: %r" % (values,))
        node.attrs[attr] = _number(values[0], 1)
        return
    factor = unit_factor(attr)
    if attr in VECTOR_ATTRS and index is None:
        if len(values) != 3:
            raise RuntimeError("setAttr: Error reading data element number %d: %r"
                               % (len(values) + 1 if len(values) < 3 else 4, values))
        numbers = [_number(v, i + 1) * factor for i, v in enumerate(values)]
        _check_settable(node, attr, index)
        node.attrs[attr] = numbers
        return
    if len(values) != 1:
        raise RuntimeError("setAttr: Error reading data element number 2: %r" % (values,))
    value = values[0]
    if attr in VECTOR_ATTRS:
        number = _number(value, 1) * factor
        _check_settable(node, attr, index)
        node.attrs[attr][index] = number
    elif attr == "rotateOrder":
        if isinstance(value, str) and value.lower() in _ROTATE_ORDERS:
            value = _ROTATE_ORDERS.index(value.lower())
        order = int(_number(value, 1))
        if not 0 <= order <= 5:
            raise RuntimeError("setAttr: value %r is out of range for rotateOrder" % value)
        _check_settable(node, attr, index)
        node.attrs[attr] = order
    else:
        number = bool(_number(value, 1))
        _check_settable(node, attr, index)
        node.attrs[attr] = number


# -- connections -----------------------------------------------------------------

def _plug_shape(node, attr, index):
    return "vector" if attr in VECTOR_ATTRS and index is None else "scalar"


@_command("force", "f", "lock", "l", "nextAvailable", "na", "referenceDest", "rd",
          undoable=True)
def connectAttr(source, destination, **kwargs):
    """Connect source -> destination. Maya's messages are paraphrased (inferred)."""
    src = _plug(source, create=True)
    dst = _plug(destination)
    src_key, dst_key = plug_key(src[1], src[2]), plug_key(dst[1], dst[2])
    s_name, d_name = SCENE.plug_name(src[0], src_key), SCENE.plug_name(dst[0], dst_key)
    if src[0] is dst[0] and src_key == dst_key:
        raise RuntimeError("connectAttr: Connection not made: '%s' -> '%s'. Source and "
                           "destination are the same attribute." % (s_name, d_name))
    if src[0].is_dag and dst[0].is_dag and _plug_shape(*src) != _plug_shape(*dst):
        raise RuntimeError("connectAttr: Connection not made: '%s' -> '%s'. Data types of "
                           "source and destination are not compatible." % (s_name, d_name))
    if dst_key in dst[0].locked:
        raise RuntimeError("connectAttr: Connection not made: '%s' -> '%s'. Destination "
                           "attribute must be writable." % (s_name, d_name))
    current = SCENE.source_of(dst[0], dst_key)
    if current is not None:
        if current == (src[0], src_key):
            raise RuntimeError("connectAttr: '%s' is already connected to '%s'."
                               % (s_name, d_name))
        if not _on(kwargs, "force", "f"):
            raise RuntimeError("connectAttr: '%s' is already connected to '%s'."
                               % (SCENE.plug_name(*current), d_name))
    if not src[0].is_dag and src[0].attrs[src[1]] == 0.0:
        # a new dynamic source holds the value the destination had
        src[0].attrs[src[1]] = SCENE.read_key(dst[0], dst_key)
    SCENE.connect((src[0], src_key), (dst[0], dst_key))
    return "Connected %s to %s." % (s_name, d_name)


@_command("nextAvailable", "na", undoable=True)
def disconnectAttr(source, destination, **kwargs):
    src = _plug(source)
    dst = _plug(destination)
    src_key, dst_key = plug_key(src[1], src[2]), plug_key(dst[1], dst[2])
    if SCENE.source_of(dst[0], dst_key) != (src[0], src_key):
        raise RuntimeError("disconnectAttr: There is no connection from '%s' to '%s' to "
                           "disconnect." % (SCENE.plug_name(src[0], src_key),
                                            SCENE.plug_name(dst[0], dst_key)))
    SCENE.disconnect((dst[0], dst_key))          # the plug keeps its last value
    return "Disconnected %s from %s." % (SCENE.plug_name(src[0], src_key),
                                         SCENE.plug_name(dst[0], dst_key))


@_command("isDestination", "id", "isExactDestination", "ied", "isSource", "is",
          "isExactSource", "ies", "sourceFromDestination", "sfd",
          "destinationFromSource", "dfs", "getExactDestination", "ged",
          "getExactSource", "ges")
def connectionInfo(plug, **kwargs):
    """isDestination: the plug or its parent compound is a destination;
    isExactDestination: the plug itself is."""
    node, attr, index = _plug(plug)
    key = plug_key(attr, index)
    parent = attr if index is not None else None
    exact_src = SCENE.source_of(node, key)
    src = exact_src or (SCENE.source_of(node, parent) if parent else None)
    if _on(kwargs, "isExactDestination", "ied"):
        return exact_src is not None
    if _on(kwargs, "isDestination", "id"):
        return src is not None
    outgoing = [d for d, s in SCENE.connections.items() if s[0] is node and s[1] == key]
    parent_out = [d for d, s in SCENE.connections.items()
                  if parent and s[0] is node and s[1] == parent]
    if _on(kwargs, "isExactSource", "ies"):
        return bool(outgoing)
    if _on(kwargs, "isSource", "is"):
        return bool(outgoing or parent_out)
    if _on(kwargs, "sourceFromDestination", "sfd", "getExactSource", "ges"):
        if _on(kwargs, "getExactSource", "ges"):
            src = exact_src
        return SCENE.plug_name(*src) if src else ""
    if _on(kwargs, "destinationFromSource", "dfs"):
        return [SCENE.plug_name(*d) for d in outgoing + parent_out]
    raise RuntimeError("connectionInfo: No flag was specified.")


@_command("source", "s", "destination", "d", "plugs", "p", "connections", "c",
          "skipConversionNodes", "scn", "type", "t", "shapes", "sh")
def listConnections(*args, **kwargs):
    """Connections of plugs ("Hips.rx": that plug, its parent compound's and its
    children's) or of whole nodes. None when there are none (Maya quirk)."""
    want_src = kwargs.get("source", kwargs.get("s", True))
    want_dst = kwargs.get("destination", kwargs.get("d", True))
    plugs = _on(kwargs, "plugs", "p")
    pairs = _on(kwargs, "connections", "c")
    types = _get(kwargs, "type", "t")
    out = []
    for name in _flatten(args) or list(SCENE.selection):
        if "." in name:
            node, attr, index = _plug(name)
            keys = {plug_key(attr, index)}
            if index is not None:
                keys.add(attr)
            elif attr in VECTOR_ATTRS and node.is_dag:
                keys |= {plug_key(attr, i) for i in range(3)}
            mine = lambda n, k: n is node and k in keys
        else:
            node = SCENE.get(name)
            mine = lambda n, k: n is node
        found = []
        for (dn, dk), (sn, sk) in SCENE.connections.items():
            if want_src and mine(dn, dk):
                found.append(((dn, dk), (sn, sk)))
            if want_dst and mine(sn, sk):
                found.append(((sn, sk), (dn, dk)))
        for (mn, mk), (on, ok) in found:
            if types and on.type != types:
                continue
            if pairs:
                out.append(SCENE.plug_name(mn, mk))
            out.append(SCENE.plug_name(on, ok) if plugs else on.name)
    return out or None


# -- keys and time -------------------------------------------------------------------

_TIME = [1.0]


@_command("attribute", "at", undoable=True)
def setKeyframe(*args, **kwargs):
    """Key plugs (or a node's translate/rotate/scale and the other channels named
    with attribute=) at their current value. Returns the number of keys set."""
    attrs = _get(kwargs, "attribute", "at")
    if isinstance(attrs, str):
        attrs = [attrs]
    count = 0
    for name in _flatten(args) or list(SCENE.selection):
        if "." in name:
            plugs = [_plug(name)]
        else:
            node = SCENE.get(name)
            wanted = attrs or ["translate", "rotate", "scale"]
            plugs = [(node,) + ATTR_ALIASES[a] for a in wanted]
        for node, attr, index in plugs:
            for i in ([index] if index is not None or attr not in VECTOR_ATTRS else range(3)):
                SCENE.key(node, attr, i)
                count += 1
    return count


@_command("query", "q", "edit", "e", "update", "u")
def currentTime(*args, **kwargs):
    """Query or change the current time; a change re-evaluates every keyed plug."""
    if _on(kwargs, "query", "q"):
        return _TIME[0]
    if not args:
        raise RuntimeError("currentTime: Not enough objects or values.")
    _TIME[0] = float(args[0])
    SCENE.evaluate_curves()
    return _TIME[0]


# -- xform -------------------------------------------------------------------------

@_command("query", "q", "edit", "e", "worldSpace", "ws", "objectSpace", "os",
          "translation", "t", "rotation", "ro", "rotateOrder", "roo", "matrix", "m",
          "relative", "r", "absolute", "a", "scale", "s", "preserve", "p", undoable=True)
def xform(*args, **kwargs):
    """Query t, ro (world space: Euler angles in the node's rotate order), roo, s, m,
    in object or world space; set t, ro, s, roo in object space. UI units."""
    names = _flatten(args) or list(SCENE.selection)
    if not names:
        raise RuntimeError("xform: Not enough objects or values.")
    node = SCENE.get(names[0])
    if node.type not in TRANSFORM_TYPES:
        raise RuntimeError("xform: Object %s is not a transform." % node.name)
    world = _on(kwargs, "worldSpace", "ws")
    linear = LINEAR_UNITS[_UNITS["linear"]]
    angle = ANGLE_UNITS[_UNITS["angle"]]
    if _on(kwargs, "query", "q"):
        if _on(kwargs, "rotateOrder", "roo"):
            return _ROTATE_ORDERS[int(SCENE.read_leaf(node, "rotateOrder", None))]
        if _on(kwargs, "matrix", "m"):
            m = SCENE.world_matrix(node) if world else SCENE.local_matrix(node)
            flat = [v for row in m for v in row]
            return [v / linear if i in (12, 13, 14) else v for i, v in enumerate(flat)]
        if _on(kwargs, "translation", "t"):
            if world:
                return [v / linear for v in SCENE.world_matrix(node)[3][:3]]
            return [SCENE.read_leaf(node, "translate", i) / linear for i in range(3)]
        if _on(kwargs, "rotation", "ro"):
            if world:       # the world rotation, as Euler angles in the node's rotate order
                order = int(SCENE.read_leaf(node, "rotateOrder", None))
                return [v / angle for v in matrix_euler(SCENE.world_matrix(node), order)]
            return [SCENE.read_leaf(node, "rotate", i) / angle for i in range(3)]
        if _on(kwargs, "scale", "s"):
            return [SCENE.read_leaf(node, "scale", i) for i in range(3)]
        raise RuntimeError("xform: this query is not emulated")
    if world:
        raise RuntimeError("xform: world-space edits are not emulated")
    relative = _on(kwargs, "relative", "r")
    order = _get(kwargs, "rotateOrder", "roo")
    if order is not None:
        _check_settable(node, "rotateOrder", None)
        node.attrs["rotateOrder"] = _ROTATE_ORDERS.index(str(order).lower())
    for flags, attr, factor in ((("translation", "t"), "translate", linear),
                                (("rotation", "ro"), "rotate", angle),
                                (("scale", "s"), "scale", 1.0)):
        value = _get(kwargs, *flags)
        if value is None:
            continue
        numbers = [float(v) * factor for v in value]
        if len(numbers) != 3:
            raise RuntimeError("xform: %s needs 3 values" % flags[0])
        _check_settable(node, attr, None)
        if relative:
            old = node.attrs[attr]
            numbers = [o * n if attr == "scale" else o + n for o, n in zip(old, numbers)]
        node.attrs[attr] = numbers
    return None
