# mayalink_helper: the only code Mayalink installs in Maya (documented in the README).
#
# Installed once per Maya process into sys.modules (never written to disk), then
# driven by one short line per call: __import__("mayalink_helper").call("<base64 JSON>"),
# which always returns a JSON string and never raises, so Maya's eval-then-exec rule
# can never run anything twice.
#
# It does four things: report Maya's identity (info), run user code exactly once
# (stage + run, Python in __main__ like the Script Editor, MEL through maya.mel.eval),
# stream Script Editor output to the app over UDP (one MCommandMessage callback per
# app session, keyed by session id), and remove exactly what it installed (cleanup).
import base64
import binascii
import collections
import itertools
import json
import linecache
import os
import socket
import struct
import sys
import threading
import time
import traceback
import types

VERSION = "__MAYALINK_HELPER_VERSION__"

# State that must outlive a re-install of this module (a newer helper replaces the
# module object): callback ids, sockets and heartbeat threads, per session.
_REGISTRY = sys.modules.get("_mayalink_registry")
if _REGISTRY is None:
    _REGISTRY = types.ModuleType("_mayalink_registry")
    _REGISTRY.sessions = {}
    _REGISTRY.staged = {}
    _REGISTRY.done = {}
    sys.modules["_mayalink_registry"] = _REGISTRY

# magic + token (20 bytes), kind, Maya message type, seq, chunk index, chunk count.
_FULL = struct.Struct(">20sBBIHH")
# A batch entry: seq, Maya message type, length, then the bytes.
_ENTRY = struct.Struct(">IBH")
_MAGIC = b"MLK1"
_KIND_MESSAGE, _KIND_HEARTBEAT, _KIND_BYE, _KIND_BATCH = 0, 1, 2, 3
_FLUSH_TICK = 0.05  # a partial line (no newline yet) waits at most this long
_EMSGSIZE = (90, 10040, 40)  # Linux, Windows, macOS


def _open_maya():
    try:
        from maya.api import OpenMaya as om
    except Exception:
        import maya.OpenMaya as om
    return om


def call(b64):
    """The single entry point. Returns a JSON string; never raises."""
    try:
        req = json.loads(base64.b64decode(b64).decode("utf-8"))
        op = _OPS.get(req.get("op"))
        if op is None:
            return json.dumps({"ok": False, "error": {"type": "MayalinkError", "message": "unknown op %r" % req.get("op"), "traceback": ""}})
        return json.dumps(op(req))
    except BaseException as e:  # the reply must always be JSON, whatever happened
        return json.dumps({"ok": False, "error": {"type": type(e).__name__, "message": str(e), "traceback": traceback.format_exc()}})


def q(arg):
    """The quick line for small Python runs, `q("<run id> <base64 code>")`: the `run`
    op without the JSON envelope. A plain success answers "ok <duration>[ <value>]"
    (no JSON to build in Maya's main thread); anything else answers the run's JSON.
    Never raises."""
    try:
        rid, _, b64 = arg.rpartition(" ")
        r = _REGISTRY.done.get(rid)  # a re-sent run: answer, never run twice
        if r is None:
            r = _finish(rid, _execute(binascii.a2b_base64(b64).decode("utf-8"), "python", None, "<mayalink>"))
        if r["ok"]:
            v = r.get("value")
            if v is None:
                return "ok %r" % r["duration"]
            if "\0" not in v:  # a NUL would end Maya's reply early
                return "ok %r %s" % (r["duration"], v)
        return json.dumps(r)
    except BaseException as e:
        return json.dumps({"ok": False, "error": {"type": type(e).__name__, "message": str(e), "traceback": traceback.format_exc()}})


def _info(req):
    scene, version = "", ""
    try:
        import maya.cmds as cmds
        version = str(cmds.about(version=True))
        scene = cmds.file(q=True, sceneName=True) or ""
    except Exception:
        pass
    try:
        import getpass
        user = getpass.getuser()
    except Exception:
        user = os.environ.get("USER") or os.environ.get("USERNAME") or ""
    return {"ok": True, "helper": VERSION, "maya": version, "pid": os.getpid(), "scene": scene,
            "user": user, "python": sys.version.split()[0], "platform": sys.platform}


def _stage(req):
    # Chunks of a large script, kept by run id and index: re-sending a chunk is harmless.
    # Raw UTF-8 bytes, base64'd: a chunk boundary may split a character.
    _REGISTRY.staged.setdefault(req["id"], {})[int(req["index"])] = base64.b64decode(req["data"])
    return {"ok": True}


def _run(req):
    rid = req["id"]
    if rid in _REGISTRY.done:  # a re-sent run request: answer, never run twice
        return _REGISTRY.done[rid]
    if "data" in req:
        code = base64.b64decode(req["data"]).decode("utf-8")
    else:
        parts = _REGISTRY.staged.pop(rid, {})
        count = int(req["chunks"])
        if len(parts) != count:
            return {"ok": False, "error": {"type": "MayalinkError", "message": "missing chunks: got %d of %d" % (len(parts), count), "traceback": ""}}
        code = b"".join(parts[i] for i in range(count)).decode("utf-8")
    return _finish(rid, _execute(code, req.get("lang", "python"), req.get("undo"), req.get("file") or "<mayalink>"))


def _finish(rid, result):
    """Remembers a run's result by id, after its output has left."""
    if _REGISTRY.sessions:
        for stream in list(_REGISTRY.sessions.values()):
            stream.flush_held()  # the run's last partial line leaves before its reply
    done = _REGISTRY.done
    done[rid] = result
    if len(done) > 64:
        del done[next(iter(done))]  # dicts keep insertion order: drop the oldest
    return result


def _execute(code, lang, undo, filename):
    started = time.perf_counter()
    cmds = None
    if undo:
        try:
            import maya.cmds as cmds
            cmds.undoInfo(openChunk=True, chunkName=str(undo))
        except Exception:
            cmds = None
    value, error = None, None
    try:
        if lang == "mel":
            import maya.mel
            value = maya.mel.eval(code)
        else:
            import __main__
            value = _exec_python(code, filename, __main__.__dict__)
    except BaseException as e:
        if lang != "mel":
            _remember_source(filename, code)  # only now: a run that succeeds pays nothing
        tb = _user_traceback(e)
        error = {"type": type(e).__name__, "message": str(e), "traceback": tb}
        # Maya prints tracebacks of Script Editor runs: send ours to the console as a stack trace.
        _emit_all(tb, 6)
    finally:
        if cmds is not None:
            try:
                cmds.undoInfo(closeChunk=True)
            except Exception:
                pass
    out = {"ok": error is None, "duration": time.perf_counter() - started}
    if error is not None:
        out["error"] = error
    elif value is not None:
        try:
            out["value"] = repr(value) if lang != "mel" else str(value)
        except Exception as e:
            out["value"] = "<unrepresentable %s: %s>" % (type(value).__name__, e)
    return out


def _remember_source(filename, code):
    """Tracebacks then quote the artist's lines, as they do for a file on disk."""
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    _REGISTRY.__dict__.setdefault("sources", set()).add(filename)


def _user_traceback(e):
    """The traceback from the artist's code down, like the Script Editor's: the
    helper's frames that started the run are noise there."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == _execute.__code__.co_filename:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(e), e, tb))


def _exec_python(code, filename, ns):
    """Runs code once in `ns`; a final expression's value is returned (shown as the
    run's result, like an interactive prompt)."""
    expression, body, last = _compiled(code, filename)
    if expression is not None:
        return eval(expression, ns)
    if body is not None:
        exec(body, ns)
    if last is not None:
        return eval(last, ns)
    return None


# Compiled code by (source, file name): running the same script or query again
# (the usual edit-run loop on a tool, a selection query) skips compiling it.
# Code objects are immutable, so reusing one runs exactly what compiling anew would.
_COMPILED = collections.OrderedDict()
_COMPILED_MAX, _COMPILED_MAX_SOURCE = 32, 256 * 1024


def _compiled(code, filename):
    key = (code, filename)
    hit = _COMPILED.get(key)
    if hit is not None:
        _COMPILED.move_to_end(key)
        return hit
    try:
        hit = (compile(code, filename, "eval"), None, None)  # one expression: the quick path
    except SyntaxError:
        hit = None
    if hit is None:
        import ast
        try:
            tree = ast.parse(code, filename, "exec")
        except SyntaxError as e:
            # The artist's mistake, at their line: no frame of ours (or of ast.py) to show.
            raise e.with_traceback(None) from None
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = compile(ast.Expression(tree.body.pop().value), filename, "eval")
        hit = (None, compile(tree, filename, "exec") if tree.body else None, last)
    if len(code) <= _COMPILED_MAX_SOURCE:
        _COMPILED[key] = hit
        if len(_COMPILED) > _COMPILED_MAX:
            _COMPILED.popitem(last=False)
    return hit


class _Stream(object):
    """One app session's output: its UDP socket, callback id and heartbeat thread."""

    def __init__(self, session, host, port, token):
        self.session = session
        self.addr = (host, int(port))
        self.prefix = _MAGIC + token
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.setblocking(False)  # the callback runs on Maya's main thread: never wait
        self.counter = itertools.count()  # message sequence numbers, C-speed
        # Packed entries waiting for the end of their line: print("x") writes "x"
        # then "\n", and both leave in one datagram. deque append/popleft are atomic,
        # so the flusher thread and Maya's main thread can both drain it.
        self.held = collections.deque()
        self.batch_header = _FULL.pack(self.prefix, _KIND_BATCH, 0, 0, 0, 1)
        self.chunk = 8192
        self.dropped = 0
        self.callback_id = None
        self.stop = threading.Event()
        self.thread = None

    def next_seq(self):
        # The next number the counter will give, without consuming it.
        return int(repr(self.counter)[6:-1]) & 0xFFFFFFFF

    def send_message(self, data, mtype, seq=None):
        """Sends one message, in chunks when large; halves the chunk size on EMSGSIZE."""
        if seq is None:
            seq = next(self.counter) & 0xFFFFFFFF
        while True:
            size = self.chunk
            count = (len(data) + size - 1) // size or 1
            if count > 0xFFFF:
                self.dropped += 1
                return
            try:
                for i in range(count):
                    self.sock.sendto(_FULL.pack(self.prefix, _KIND_MESSAGE, mtype, seq, i, count) + data[i * size:(i + 1) * size], self.addr)
                return
            except OSError as e:
                if getattr(e, "errno", None) in _EMSGSIZE and size > 512:
                    self.chunk = max(512, size // 2)
                    continue
                self.dropped += 1  # buffer full: the app sees the gap and says so
                return

    def flush_held(self):
        parts = []
        popleft = self.held.popleft
        try:
            while True:
                parts.append(popleft())
        except IndexError:
            pass
        group, size = [], 0
        for part in parts:
            if group and size + len(part) > self.chunk:
                self._send_batch(group)
                group, size = [], 0
            group.append(part)
            size += len(part)
        if group:
            self._send_batch(group)

    def _send_batch(self, group):
        try:
            self.sock.sendto(self.batch_header + b"".join(group), self.addr)
        except OSError:
            self.dropped += len(group)

    def send_control(self, kind):
        try:
            payload = json.dumps({"pid": os.getpid(), "dropped": self.dropped}).encode()
            self.sock.sendto(_FULL.pack(self.prefix, kind, 0, self.next_seq(), 0, 1) + payload, self.addr)
        except Exception:
            pass

    def heartbeat(self, period):
        # Liveness without holding Maya's single-client port, and the flush of
        # partial lines that no newline followed.
        ticks = max(1, int(round(period / _FLUSH_TICK)))
        n = 0
        while not self.stop.wait(_FLUSH_TICK):
            if self.held:
                self.flush_held()
            n += 1
            if n >= ticks:
                n = 0
                self.send_control(_KIND_HEARTBEAT)


def _make_callback(stream):
    # Maya's main thread pays for every instruction here: locals bound once, one
    # pack and one sendto per message on the common path.
    counter = stream.counter
    held = stream.held
    hold = held.append
    entry = _ENTRY.pack
    flush = stream.flush_held

    def _mayalink_output(message, message_type, client_data):
        # Runs for every piece of output. An exception escaping here crashes Maya,
        # and printing re-enters it: fully guarded, never prints. Anything unusual
        # (bytes, lone surrogates, a large message, seq past 2**32, a full socket
        # buffer) raises out of the fast path into _slow_path.
        seq = None
        try:
            seq = next(counter)
            data = message.encode()
            if len(data) > 4096:
                raise OverflowError
            hold(entry(seq, message_type, len(data)) + data)
            if data.endswith(b"\n") or len(held) > 63:
                flush()
        except BaseException as e:
            try:
                _slow_path(stream, e, message, message_type, seq)
            except BaseException:
                pass
    return _mayalink_output


def _slow_path(stream, error, message, message_type, seq):
    if seq is None:
        stream.dropped += 1
        return
    seq &= 0xFFFFFFFF
    stream.flush_held()
    if isinstance(error, OSError) and getattr(error, "errno", None) not in _EMSGSIZE:
        stream.dropped += 1  # socket buffer full or app gone: drop, never wait
        return
    data = message if isinstance(message, bytes) else str(message).encode("utf-8", "replace")
    stream.send_message(data, int(message_type) & 0xFF, seq)


def _output_start(req):
    session = req["session"]
    _stop_session(session)  # replace this session's old callback, never another's
    stream = _Stream(session, req["host"], req["port"], base64.b64decode(req["token"]))
    om = _open_maya()
    stream.callback_id = om.MCommandMessage.addCommandOutputCallback(_make_callback(stream), None)
    period = float(req.get("heartbeat", 1.0))
    stream.thread = threading.Thread(target=stream.heartbeat, args=(period,), name="mayalink-heartbeat")
    stream.thread.daemon = True
    stream.thread.start()
    _REGISTRY.sessions[session] = stream
    stream.send_control(_KIND_HEARTBEAT)
    return {"ok": True, "callbacks": len(_REGISTRY.sessions)}


def _stop_session(session):
    stream = _REGISTRY.sessions.pop(session, None)
    if stream is None:
        return False
    stream.stop.set()
    if stream.callback_id is not None:
        try:
            _open_maya().MMessage.removeCallback(stream.callback_id)
        except Exception:
            pass
    stream.flush_held()  # everything before the bye
    stream.send_control(_KIND_BYE)
    try:
        stream.sock.close()
    except Exception:
        pass
    return True


def _emit_all(text, mtype):
    # Used for tracebacks of runs: Maya gives the Script Editor a stack trace; the
    # commandPort path does not, so the helper sends it to every session's stream.
    try:
        data = text.encode("utf-8", "replace")
        for stream in list(_REGISTRY.sessions.values()):
            stream.flush_held()
            stream.send_message(data, mtype)
    except Exception:
        pass


_CLEANUP_HOOKS = []  # what other parts of the helper installed for a session (the live link)


def _cleanup(req):
    session = req["session"]
    for hook in _CLEANUP_HOOKS:
        try:
            hook(session)
        except Exception:
            pass
    removed = _stop_session(session)
    for rid in [r for r in _REGISTRY.staged if r.startswith(session + ":")]:
        del _REGISTRY.staged[rid]
    left = len(_REGISTRY.sessions)
    if req.get("unload") and left == 0:
        # Last session gone: leave Maya as we found it.
        for filename in _REGISTRY.__dict__.get("sources", ()):
            linecache.cache.pop(filename, None)
        sys.modules.pop("mayalink_helper", None)
        sys.modules.pop("_mayalink_registry", None)
        sys.modules.pop("_mayalink_stage", None)
    return {"ok": True, "removed": removed, "sessions_left": left}


def _skeleton(req):
    import maya.cmds as cmds
    joints = []
    for name in req.get("names", []):
        if not cmds.objExists(name):
            joints.append({"name": name, "found": False})
            continue
        parent = cmds.listRelatives(name, parent=True) or []

        def vec(attr):
            try:
                v = cmds.getAttr("%s.%s" % (name, attr))
                return list(v[0]) if isinstance(v, (list, tuple)) and v and isinstance(v[0], (list, tuple)) else [0.0, 0.0, 0.0]
            except Exception:
                return [0.0, 0.0, 0.0]
        try:
            ro = int(cmds.getAttr(name + ".rotateOrder"))
        except Exception:
            ro = 0
        joints.append({"name": name, "found": True, "parent": parent[0] if parent else None,
                       "translate": vec("translate"), "jointOrient": vec("jointOrient"),
                       "rotateAxis": vec("rotateAxis"), "rotateOrder": ro})
    return {"ok": True, "joints": joints}


_OPS = {"info": _info, "stage": _stage, "run": _run, "output_start": _output_start,
        "cleanup": _cleanup, "skeleton": _skeleton}
