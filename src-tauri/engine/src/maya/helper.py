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
import operator
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
_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)
_QUEUE_MAX = 1 << 18  # messages waiting for the sender thread at most (later ones are dropped, counted)
# print("a", 1) reaches the callback as "a", " ", "1", "\n": the sender, woken by the first
# piece, keeps an unfinished line's pieces back this long (seconds) for the rest, so a
# line is never cut in two datagrams mid-print (the app may show a partial line alone).
_HOLD_PARTIAL = 0.01
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
            stream.flush_held()  # the run's output leaves before its reply (also what the sender has in hand)
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
    """One app session's output: its UDP socket, callback id and sender thread.

    Maya's main thread pays only for the callback, which appends a message and
    its type to `queue` (and wakes the sender if it sleeps); the sender thread
    numbers, encodes, batches and sends. Run replies and clean-up flush from the main
    thread first, so a run's output always leaves before its reply and the bye
    comes last."""

    def __init__(self, session, host, port, token):
        self.session = session
        self.addr = (host, int(port))
        self.prefix = _MAGIC + token
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.setblocking(False)  # flushes on Maya's main thread never wait
        # (message, type) from the callback, oldest first; deque append and
        # popleft are atomic. At _QUEUE_MAX the callback counts instead of
        # appending (overflow[0]): memory stays bounded whatever Maya prints,
        # and the sender turns the count into a seq gap the app reports as lost.
        self.queue = collections.deque()
        self.overflow = [0]
        self.overflow_seen = 0
        self.seq = 0  # the next message's seq (sender side, under send_lock)
        self.out = []  # packed entries waiting for their datagram
        # The callback releases `wake` when awake[0] is False, and sets it; the
        # sender clears it when it wakes, before draining. A release of the
        # unlocked lock (a race with the sender's timeout) raises and is ignored.
        self.wake = threading.Lock()
        self.wake.acquire()
        self.awake = [False]
        self.send_lock = threading.Lock()  # one drainer at a time: datagrams leave in seq order
        self.batch_header = _FULL.pack(self.prefix, _KIND_BATCH, 0, 0, 0, 1)
        self.chunk = 8192
        self.dropped = 0
        self.callback_id = None
        self.closed = False
        self.thread = None
        self.held_since = None  # when the sender first kept an unfinished line back

    def flush_held(self, hold_partial=False):
        """Sends everything queued so far (any thread); with hold_partial, the pieces of
        a line still being printed stay queued. Never raises."""
        try:
            with self.send_lock:
                if not self.closed:
                    self._drain(hold_partial)
        except Exception:
            pass

    def _drain(self, hold_partial=False):
        # Holding send_lock. Consecutive messages of one type are joined and
        # encoded at once, then cut (at a newline when there is one) into
        # messages of at most a datagram, each with its own seq: the app splits
        # lines itself and keeps each message's type, so the console shows the
        # same. Maya's Python shares one lock between threads, so every Python
        # instruction here is time Maya's main thread may wait: per-message work
        # is all C-level (join, encode), and few, large datagrams leave.
        q = self.queue
        over = self.overflow[0]
        if over != self.overflow_seen:
            self.seq += over - self.overflow_seen  # what the full queue refused: a gap the app reports
            self.dropped += over - self.overflow_seen
            self.overflow_seen = over
        while q:
            items = list(itertools.islice(iter(q.popleft, None), len(q)))
            if hold_partial:
                n = _unfinished(items)
                if n:  # back in front, in order; newer pieces are appended behind them
                    q.extendleft(reversed(items[-n:]))
                    del items[-n:]
            types = list(map(_SECOND, items))
            msgs = list(map(_FIRST, items))
            n, start = len(items), 0
            while start < n:
                mtype = types[start]
                stop = n if start == 0 and types.count(mtype) == n else start + 1
                while stop < n and types[stop] == mtype:
                    stop += 1
                try:
                    data = "".join(msgs[start:stop]).encode("utf-8", "replace")
                except Exception:  # not all str (bytes from a test, an odd object)
                    data = b"".join(_odd(m, mtype)[0] for m in msgs[start:stop])
                self._queue_text(data, mtype)
                start = stop
            if hold_partial:
                break  # what is left waits for the rest of its line
        self._send_pending()

    def _queue_text(self, data, mtype):
        try:
            mtype = int(mtype) & 0xFF
        except Exception:
            mtype = 1
        limit, pos, end = self.chunk - 7, 0, len(data)
        out = self.out
        while pos < end:
            cut = end
            if end - pos > limit:
                cut = data.rfind(b"\n", pos, pos + limit) + 1
                if cut <= pos:  # no newline: cut at a character boundary
                    cut = pos + limit
                    while data[cut] & 0xC0 == 0x80:
                        cut -= 1
            piece = data[pos:cut] if pos or cut < end else data
            out.append(_ENTRY.pack(self.seq & 0xFFFFFFFF, mtype, len(piece)) + piece)
            self.seq += 1
            pos = cut

    def _send_pending(self):
        out, self.out = self.out, []
        group, size = [], 0
        for entry in out:
            if group and size + len(entry) > self.chunk:
                self._send_batch(group)
                group, size = [], 0
            group.append(entry)
            size += len(entry)
        if group:
            self._send_batch(group)

    def _send_batch(self, group):
        try:
            self.sock.sendto(self.batch_header + b"".join(group), self.addr)
        except OSError as e:
            if getattr(e, "errno", None) in _EMSGSIZE and self.chunk > 512:
                self.chunk = max(512, self.chunk // 2)
                for entry in group:  # each re-cut to the smaller size, same seq
                    seq, mtype, _ = _ENTRY.unpack_from(entry)
                    self._resend(entry[7:], mtype, seq)
                return
            self.dropped += len(group)

    def _resend(self, data, mtype, seq):
        # One message after EMSGSIZE: as chunks of one seq, which the app reassembles.
        size = self.chunk
        count = (len(data) + size - 1) // size or 1
        try:
            for i in range(count):
                self.sock.sendto(_FULL.pack(self.prefix, _KIND_MESSAGE, mtype, seq, i, count) + data[i * size:(i + 1) * size], self.addr)
        except OSError:
            self.dropped += 1

    def send_control(self, kind):
        """A heartbeat or the bye: everything queued leaves first, so its seq (the
        messages sent so far) never makes the app count queued ones as lost."""
        try:
            with self.send_lock:
                if self.closed:
                    return
                self._drain()
                seq = self.seq & 0xFFFFFFFF
                payload = json.dumps({"pid": os.getpid(), "dropped": self.dropped}).encode()
                self.sock.sendto(_FULL.pack(self.prefix, kind, 0, seq, 0, 1) + payload, self.addr)
                if kind == _KIND_BYE:
                    self.closed = True
                    self.sock.close()
        except Exception:
            pass

    def sender(self, period):
        # The only thread that sends while Maya prints: woken by the callback,
        # and every `period` for the heartbeat (liveness without holding Maya's
        # single-client port).
        wait = self.wake.acquire
        beat = time.monotonic() + period
        while not self.closed:
            try:
                until = beat if self.held_since is None else min(beat, self.held_since + _HOLD_PARTIAL)
                wait(True, max(0.0, until - time.monotonic()))
                self.awake[0] = False
                if self.queue:
                    now = time.monotonic()
                    self.flush_held(self.held_since is None or now - self.held_since < _HOLD_PARTIAL)
                    self.held_since = (self.held_since or now) if self.queue else None
                if time.monotonic() >= beat:
                    beat = time.monotonic() + period
                    self.send_control(_KIND_HEARTBEAT)
            except BaseException:
                time.sleep(0.01)  # never a busy loop, never a traceback

    def stop(self):
        """Everything queued, then the bye; the sender thread then ends."""
        self.send_control(_KIND_BYE)
        self.closed = True
        for end in (self.sock.close, self.wake.release):
            try:
                end()
            except Exception:
                pass


def _unfinished(items):
    # How many of the last (message, type) pieces come after the last finished line.
    k = len(items)
    while k and isinstance(items[k - 1][0], str) and not items[k - 1][0].endswith("\n"):
        k -= 1
    return len(items) - k


def _odd(message, mtype):
    # Whatever Maya (or a test) passes: always some bytes and a type 0..255.
    try:
        data = message if isinstance(message, bytes) else str(message).encode("utf-8", "replace")
    except Exception:
        data = b"<unprintable output>"
    try:
        mtype = int(mtype) & 0xFF
    except Exception:
        mtype = 1
    return data, mtype


def _make_callback(stream):
    # Maya's main thread pays for every instruction here: locals bound once, and
    # no encoding, packing or system call on the common path (the sender thread
    # does those).
    queue = stream.queue
    hold, size = queue.append, queue.__len__
    overflow = stream.overflow
    awake = stream.awake
    wake = stream.wake.release

    def _mayalink_output(message, message_type, client_data):
        # Runs for every piece of output. An exception escaping here crashes Maya,
        # and printing re-enters it: fully guarded, never prints, never waits.
        try:
            if size() < _QUEUE_MAX:
                hold((message, message_type))
                if not awake[0]:
                    awake[0] = True
                    wake()
            else:
                overflow[0] += 1
        except BaseException:
            pass
    return _mayalink_output


def _output_start(req):
    session = req["session"]
    _stop_session(session)  # replace this session's old callback, never another's
    stream = _Stream(session, req["host"], req["port"], base64.b64decode(req["token"]))
    om = _open_maya()
    stream.callback_id = om.MCommandMessage.addCommandOutputCallback(_make_callback(stream), None)
    period = float(req.get("heartbeat", 1.0))
    stream.thread = threading.Thread(target=stream.sender, args=(period,), name="mayalink-output")
    stream.thread.daemon = True
    stream.thread.start()
    _REGISTRY.sessions[session] = stream
    stream.send_control(_KIND_HEARTBEAT)
    if getattr(_REGISTRY, "atexit", None) is None:
        import atexit
        atexit.register(_flush_at_exit)  # Maya quitting: queued output still leaves
        _REGISTRY.atexit = _flush_at_exit
    return {"ok": True, "callbacks": len(_REGISTRY.sessions)}


def _flush_at_exit():
    try:
        registry = sys.modules.get("_mayalink_registry")
        for stream in list(registry.sessions.values()) if registry is not None else ():
            stream.flush_held()
    except Exception:
        pass


def _stop_session(session):
    stream = _REGISTRY.sessions.pop(session, None)
    if stream is None:
        return False
    if stream.callback_id is not None:
        try:
            _open_maya().MMessage.removeCallback(stream.callback_id)
        except Exception:
            pass
    stream.stop()  # everything queued before the bye
    return True


def _emit_all(text, mtype):
    # Used for tracebacks of runs: Maya gives the Script Editor a stack trace; the
    # commandPort path does not, so the helper queues it on every session's
    # stream (the run's reply flushes it).
    try:
        for stream in list(_REGISTRY.sessions.values()):
            stream.queue.append((text, mtype))
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
        try:
            import atexit
            atexit.unregister(_REGISTRY.__dict__.get("atexit"))
        except Exception:
            pass
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
