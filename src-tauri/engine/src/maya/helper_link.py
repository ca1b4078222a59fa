
# ---- The live link (appended to helper.py at install; one module in Maya) --------------
#
# Mosketch drives Maya joints from outside Maya: the app computes every channel's value
# and sends it by UDP to a receiver thread here, authenticated by the link's token. The
# thread keeps only the newest pose and asks Maya's main thread for one apply at a time
# (maya.utils.executeDeferred): the commandPort stays free for other tools, a slow Maya
# skips poses instead of queueing them, and the main thread only runs setAttr calls
# with ready-made numbers, undo recording suspended. "Follow Maya" samples the same
# nodes on the main thread (up to 30 Hz) and sends changed values back.

_LINK_MAGIC = b"MLL1"
_LINK_HEAD = struct.Struct(">4s16sBI")  # magic, token, kind, seq
_LK_POSE, _LK_KEEPALIVE, _LK_APPLIED, _LK_SAMPLE, _LK_SCENE = 1, 2, 10, 11, 12
_LINK_IDLE_LIMIT = 10.0  # no datagram from the app this long: it is gone, stop
# At most this share of Maya's main thread goes to applying poses: after an apply that
# took t, the next waits t * (1 - duty) / duty, so the commandPort, the UI and playback
# keep their turns even when Mosketch streams faster than Maya can apply.
_LINK_DUTY = 0.5
# How often an apply checks that the mapped scene is still the one open (one cheap
# query; another scene means the mapping no longer holds: the app maps again).
_LINK_SCENE_CHECK = 0.5


def _link_nodes(req):
    """Every joint and transform (long DAG paths), with the scene's units: the app
    maps Mosketch's names onto them."""
    import maya.cmds as cmds
    nodes, seen = [], set()
    for kind in ("joint", "transform"):  # a joint is also a transform: listed once
        for path in cmds.ls(type=kind, long=True) or []:
            if path not in seen:
                seen.add(path)
                nodes.append({"path": path, "kind": kind})
    return {"ok": True, "nodes": nodes, "units": _link_units(cmds)}


def _link_units(cmds):
    return {"linear": cmds.currentUnit(q=True, linear=True), "angle": cmds.currentUnit(q=True, angle=True)}


def _link_rest(req):
    """Rest data of the mapped nodes (values in the scene's UI units)."""
    import maya.cmds as cmds

    def vec(path, attr):
        try:
            v = cmds.getAttr("%s.%s" % (path, attr))
            return [float(x) for x in v[0]]
        except Exception:
            return [0.0, 0.0, 0.0]

    def blocked(plug):
        try:
            if cmds.getAttr(plug, lock=True):
                return "locked"
        except Exception:
            return "missing"
        try:
            if cmds.connectionInfo(plug, isDestination=True):
                # A keyed channel is driven by an animation curve but can be set (the
                # curve wins at the next time change); anything else driving it cannot.
                sources = cmds.listConnections(plug, source=True, destination=False) or []
                if not sources or not all(cmds.nodeType(n).startswith("animCurve") for n in sources):
                    return "connected"
        except Exception:
            pass
        return None

    out = []
    for path in req.get("nodes", []):
        if not cmds.objExists(path):
            out.append({"path": path, "found": False})
            continue
        parent = cmds.listRelatives(path, parent=True, fullPath=True) or []
        try:
            order = int(cmds.getAttr(path + ".rotateOrder"))
        except Exception:
            order = 0
        kind = cmds.nodeType(path)
        out.append({
            "path": path, "found": True, "kind": kind, "parent": parent[0] if parent else None,
            "rotateOrder": order, "rotate": vec(path, "rotate"), "translate": vec(path, "translate"),
            "jointOrient": vec(path, "jointOrient") if kind == "joint" else [0.0, 0.0, 0.0],
            "rotateAxis": vec(path, "rotateAxis"),
            "blocked": [blocked("%s.%s" % (path, a)) for a in
                        ("rotateX", "rotateY", "rotateZ", "translateX", "translateY", "translateZ")],
        })
    return {"ok": True, "nodes": out, "units": _link_units(cmds)}


def _link_read(req):
    """The current rotate and translate of nodes (UI units), in one call."""
    import maya.cmds as cmds
    values = []
    for path in req.get("nodes", []):
        try:
            values.append([float(x) for x in cmds.getAttr(path + ".rotate")[0]] +
                          [float(x) for x in cmds.getAttr(path + ".translate")[0]])
        except Exception:
            values.append(None)
    return {"ok": True, "values": values, "units": _link_units(cmds)}


class _Link(object):
    """One link from the app into this Maya: a UDP socket, its receiver thread, the
    newest pose waiting for the main thread, and the figures sent back."""

    def __init__(self, link_id, session, token, nodes, host):
        self.id = link_id
        self.session = session
        self.token = token
        # Plugs built once: the main thread only formats nothing, it calls setAttr.
        self.rotate = [p + ".rotate" for p in nodes]
        self.translate = [p + ".translate" for p in nodes]
        self.channels = [[p + "." + a for a in ("rotateX", "rotateY", "rotateZ", "translateX", "translateY", "translateZ")] for p in nodes]
        self.nodes = nodes
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))
        self.sock.settimeout(0.25)
        self.peer = None
        self.latest = None  # (seq, entries); replaced whole, never queued
        self.pending = False
        self.superseded = 0
        self.applied = 0
        self.failed = {}  # plug -> message, each reported once
        self.unreported = []
        self.follow_hz = 0.0
        self.last_sample = None
        self.not_before = 0.0  # perf_counter time before which no apply is asked for
        self.scene = None  # the scene's name at start (set by _link_start)
        self.scene_checked = 0.0
        self.scene_left = False  # another scene is open: apply nothing, tell the app
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.receive, name="mayalink-link")
        self.thread.daemon = True

    def port(self):
        return self.sock.getsockname()[1]

    def receive(self):
        quiet_since = time.time()
        next_sample = 0.0
        while not self.stop.is_set():
            # A pose held back by the duty limit is asked for as soon as it is due.
            wait = 0.25
            if self.latest is not None and not self.pending:
                wait = max(0.0005, min(wait, self.not_before - time.perf_counter()))
            if self.follow_hz > 0:
                wait = max(0.0005, min(wait, next_sample - time.time()))
            self.sock.settimeout(wait)
            try:
                data, addr = self.sock.recvfrom(65536)
            except socket.timeout:
                data = None
            except Exception:
                break
            now = time.time()
            if data is not None and self._accept(data, addr):
                quiet_since = now
            elif now - quiet_since > _LINK_IDLE_LIMIT:
                break  # the app is gone without a goodbye: leave nothing running
            if self.latest is not None and not self.pending and time.perf_counter() >= self.not_before:
                self._defer(self.apply)
            if self.follow_hz > 0 and now >= next_sample and not self.pending:
                next_sample = now + 1.0 / self.follow_hz
                self._defer(self.sample)
        self.close()

    def _accept(self, data, addr):
        if len(data) < _LINK_HEAD.size:
            return False
        magic, token, kind, seq = _LINK_HEAD.unpack_from(data)
        if magic != _LINK_MAGIC or token != self.token:
            return False  # not ours: never act on it
        self.peer = addr
        if kind == _LK_POSE and self.follow_hz <= 0:  # following Maya: Maya leads
            try:
                calls = self._calls(data, _LINK_HEAD.size)
            except Exception:
                return True
            if self.latest is not None:
                self.superseded += 1
            self.latest = (seq, calls)
            if not self.pending and time.perf_counter() >= self.not_before:
                self._defer(self.apply)
        return True

    def _defer(self, fn):
        self.pending = True
        try:
            import maya.utils
            maya.utils.executeDeferred(fn)
        except Exception:
            self.pending = False

    def apply(self):
        # Maya's main thread: setAttr with ready values, nothing else that can wait.
        self.pending = False
        frame, self.latest = self.latest, None
        if frame is None or self.stop.is_set():
            return
        seq, calls = frame
        started = time.perf_counter()
        import maya.cmds as cmds
        if started - self.scene_checked >= _LINK_SCENE_CHECK:
            self.scene_checked = started
            name = cmds.file(q=True, sceneName=True)
            if name != self.scene or (self.nodes and not cmds.objExists(self.nodes[0])):
                self.scene_left = True
                self._send(_LK_SCENE, seq, name.encode("utf-8", "replace"))
        if self.scene_left:
            return
        setAttr, failed = cmds.setAttr, self.failed
        undo = cmds.undoInfo(q=True, stateWithoutFlush=True)
        if undo:
            cmds.undoInfo(stateWithoutFlush=False)  # a stream must not flood the undo queue
        try:
            for plug, values in calls:
                try:
                    setAttr(plug, *values)
                except Exception as e:
                    if plug not in failed:
                        self._fail(plug, e)
        finally:
            if undo:
                cmds.undoInfo(stateWithoutFlush=True)
        ended = time.perf_counter()
        took = ended - started
        self.not_before = ended + took * (1.0 - _LINK_DUTY) / _LINK_DUTY
        self.applied += 1
        self._send(_LK_APPLIED, seq, struct.pack(">dII", took, self.applied, self.superseded) + self._failures())

    def _calls(self, data, offset):
        """The pose datagram's body as the main thread's (plug, values) setAttr calls,
        built here on the receiver thread; a plug that failed once is left out (it
        was reported, and a locked channel raising every frame costs Maya)."""
        (n,) = struct.unpack_from(">H", data, offset)
        offset += 2
        calls, count, failed = [], len(self.nodes), self.failed
        for _ in range(n):
            index, mask = struct.unpack_from(">HB", data, offset)
            offset += 3
            r = t = None
            if mask & 7:
                r = struct.unpack_from(">3d", data, offset)
                offset += 24
            if mask & 56:
                t = struct.unpack_from(">3d", data, offset)
                offset += 24
            if index >= count:
                continue
            for first, whole, v in ((0, self.rotate, r), (3, self.translate, t)):
                bits = (mask >> first) & 7
                if bits == 7:
                    if whole[index] not in failed:
                        calls.append((whole[index], v))
                elif bits:
                    for i in range(3):
                        plug = self.channels[index][first + i]
                        if bits & (1 << i) and plug not in failed:
                            calls.append((plug, (v[i],)))
        return calls

    def _fail(self, plug, e):
        if plug not in self.failed:
            self.failed[plug] = str(e)
            self.unreported.append([plug, str(e)])

    def _failures(self):
        if not self.unreported:
            return b""
        text, self.unreported = json.dumps(self.unreported), []
        return text.encode("utf-8", "replace")

    def sample(self):
        # Maya's main thread, "Follow Maya": read the nodes, send them only when changed.
        self.pending = False
        if self.stop.is_set() or self.peer is None:
            return  # nobody to send to yet: sample once the app has been heard
        import maya.cmds as cmds
        getAttr = cmds.getAttr
        values = []
        for r, t in zip(self.rotate, self.translate):
            try:
                values.append(getAttr(r)[0] + getAttr(t)[0])
            except Exception:
                values.append((0.0,) * 6)
        if values != self.last_sample:
            self.last_sample = values
            body = struct.pack(">H", len(values)) + b"".join(struct.pack(">6d", *v) for v in values)
            self._send(_LK_SAMPLE, 0, body)

    def _send(self, kind, seq, body):
        if self.peer is None:
            return
        try:
            self.sock.sendto(_LINK_HEAD.pack(_LINK_MAGIC, self.token, kind, seq) + body, self.peer)
        except Exception:
            pass

    def close(self):
        self.stop.set()
        self.latest = None
        try:
            self.sock.close()
        except Exception:
            pass


def _links():
    return _REGISTRY.__dict__.setdefault("links", {})


def _link_start(req):
    link_id = req["link"]
    _link_stop_one(link_id)
    link = _Link(link_id, req.get("session", ""), base64.b64decode(req["token"]), list(req["nodes"]), req.get("host", "127.0.0.1"))
    link.follow_hz = min(30.0, float(req.get("follow_hz", 0.0)))
    import maya.cmds as cmds
    link.scene = cmds.file(q=True, sceneName=True)
    _links()[link_id] = link
    link.thread.start()
    return {"ok": True, "port": link.port(), "scene": link.scene}


def _link_follow(req):
    link = _links().get(req["link"])
    if link is None:
        return {"ok": False, "error": {"type": "MayalinkError", "message": "no such link", "traceback": ""}}
    link.follow_hz = min(30.0, float(req.get("hz", 0.0)))
    link.last_sample = None
    if link.follow_hz > 0:
        link.latest = None  # a Mosketch pose still waiting must not land on Maya's
    return {"ok": True}


def _link_stop_one(link_id):
    link = _links().pop(link_id, None)
    if link is None:
        return False
    link.close()
    link.thread.join(1.0)
    return True


def _link_stop(req):
    stopped = _link_stop_one(req["link"])
    return {"ok": True, "stopped": stopped, "links_left": len(_links())}


def _link_cleanup(session):
    for link_id in [k for k, l in _links().items() if l.session == session]:
        _link_stop_one(link_id)


_CLEANUP_HOOKS.append(_link_cleanup)
_OPS.update({"link_nodes": _link_nodes, "link_rest": _link_rest, "link_read": _link_read,
             "link_start": _link_start, "link_follow": _link_follow, "link_stop": _link_stop})
