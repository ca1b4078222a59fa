"""Core of the Maya commandPort emulator.

Everything that code running "inside Maya" shares lives here:

* the configuration and the observable state (read by the control port);
* Maya's interactive ``__main__`` module;
* the single "main thread" on which every piece of Maya code runs;
* the ``MCommandMessage`` output-callback registry, the stand-ins for
  ``sys.stdout`` / ``sys.stderr`` that feed it, and the emulated crashes;
* the commandPort's Python rule (eval first, then exec).

The rules come from /work/shared/docs/maya-commandport.md. Deliberate Maya
quirks are marked "Maya quirk".
"""

import builtins
import collections
import io
import queue
import socket
import sys
import threading
import time
import traceback
import types
import weakref

# MCommandMessage message types (same numbering in API 1 and API 2).
kHistory, kDisplay, kInfo, kWarning, kError, kResult, kStackTrace = range(7)

# The emulator's own streams. Only the READY line goes to stdout; logs go to stderr.
REAL_STDOUT = sys.__stdout__
REAL_STDERR = sys.__stderr__
MAIN_THREAD = threading.main_thread()


class EmulatorShutdown(BaseException):
    """Raised on the main thread to stop the emulator (SIGTERM/SIGINT/shutdown).

    A BaseException so that user code's ``except Exception`` does not swallow it.
    """


def log(text):
    """Write one line to the emulator's log (its real stderr)."""
    try:
        REAL_STDERR.write("[maya-emulator] %s\n" % (text,))
        REAL_STDERR.flush()
    except Exception:
        pass


def on_main_thread():
    return threading.current_thread() is MAIN_THREAD


# --------------------------------------------------------------------------
# Configuration and observable state
# --------------------------------------------------------------------------

class Config:
    version = "2025"
    source_type = "python"
    buffer_size = 4096
    print_type = "info"        # "info" -> kInfo, "display" -> kDisplay
    hang_seconds = 60.0
    verbose = False


CONFIG = Config()


UNDO_QUEUE_LENGTH = 50


class State:
    """Counters and records shown by the control port's ``state`` command."""

    def __init__(self):
        self.lock = threading.RLock()
        self.counters = {}
        self.fault = "none"
        self.fault_seconds = None
        self.undo_depth = 0
        self.undo_chunks = []
        self.undo_state = True
        # Maya's undo queue: one entry per undoable command, or per outermost
        # chunk; bounded like Maya's (50 entries by default). Names only.
        self.undo_queue = collections.deque(maxlen=UNDO_QUEUE_LENGTH)
        self.undo_chunk_recorded = False   # the open chunk already has its entry
        self.undo_chunk_name = ""          # name of the outermost open chunk
        self.commandport_calls = []
        self.open_ports = []
        self.scene_name = ""
        self.reset_stats()

    def reset_stats(self):
        with self.lock:
            self.messages = 0       # commandPort messages received
            self.executions = 0     # Python eval()/exec() runs that started
            self.mel_lines = 0      # MEL lines evaluated by a MEL port
            self.connections = 0    # accepted commandPort connections
            self.early_closes = 0   # replies due after the client had sent EOF
            self.crashes = []       # emulated "Maya crashes" (descriptions)
            self.last_messages = collections.deque(maxlen=20)
            self.output = collections.deque(maxlen=200)   # (text, type) emitted
            self.undo_entries_total = 0  # undo queue entries ever recorded
            self.deferred_run_total = 0  # deferred jobs run on the main thread
            self.deferred_ns_total = 0   # main-thread time spent in them
            self.main_busy_ns_total = 0  # main-thread time in commands + deferred jobs

    def take_fault(self):
        """Return the pending fault (and its seconds) and reset it: faults apply once."""
        with self.lock:
            fault, seconds = self.fault, self.fault_seconds
            self.fault, self.fault_seconds = "none", None
            return fault, seconds


STATE = State()


def record_crash(description):
    """Record an emulated Maya crash and carry on (a real Maya would be gone)."""
    with STATE.lock:
        STATE.crashes.append(description)
    log("EMULATED MAYA CRASH: " + description)


def bump(name):
    """Increment counter ``name``; return the new count *as a string*."""
    with STATE.lock:
        STATE.counters[name] = STATE.counters.get(name, 0) + 1
        return str(STATE.counters[name])


def counters():
    with STATE.lock:
        return dict(STATE.counters)


def emitted():
    """The (text, type) messages emitted to output callbacks (last 200)."""
    with STATE.lock:
        return list(STATE.output)


def crashes():
    with STATE.lock:
        return list(STATE.crashes)


def record_undo(command):
    """Record one undoable command in Maya's undo queue: nothing while undo is
    off; inside an open chunk, the whole outermost chunk is one entry."""
    with STATE.lock:
        if not STATE.undo_state:
            return
        if STATE.undo_depth > 0:
            if STATE.undo_chunk_recorded:
                return
            STATE.undo_chunk_recorded = True
            command = "chunk:" + STATE.undo_chunk_name
        STATE.undo_queue.append(command)
        STATE.undo_entries_total += 1


def snapshot():
    """The control port's ``state`` reply."""
    with STATE.lock:
        return {
            "undo_entries_total": STATE.undo_entries_total,
            "undo_queue_length": len(STATE.undo_queue),
            "undo_queue": list(STATE.undo_queue)[-10:],
            "undo_state": STATE.undo_state,
            "deferred_pending": len(_deferred),
            "deferred_run_total": STATE.deferred_run_total,
            "deferred_us_total": STATE.deferred_ns_total // 1000,
            "main_busy_us_total": STATE.main_busy_ns_total // 1000,
            "user_threads": user_threads(),
            "user_sockets": user_sockets(),
            "messages": STATE.messages,
            "executions": STATE.executions,
            "connections": STATE.connections,
            "callbacks": len(_callbacks),
            "callback_ids": list(_callbacks),
            "crashes": list(STATE.crashes),
            "counters": dict(STATE.counters),
            "undo_depth": STATE.undo_depth,
            "print_type": CONFIG.print_type,
            "last_messages": list(STATE.last_messages),
            # extras
            "mel_lines": STATE.mel_lines,
            "early_closes": STATE.early_closes,
            "output": [[t, k] for t, k in list(STATE.output)[-50:]],
            "undo_chunks": list(STATE.undo_chunks),
            "scene_name": STATE.scene_name,
            "commandport_calls": list(STATE.commandport_calls),
            "fault": STATE.fault,
            "source_type": CONFIG.source_type,
            "version": CONFIG.version,
            "buffer_size": CONFIG.buffer_size,
        }


# --------------------------------------------------------------------------
# Maya's interactive __main__
# --------------------------------------------------------------------------

MAYA_MAIN = types.ModuleType("__main__")
MAYA_MAIN.__dict__["__builtins__"] = builtins
LAUNCHER_MAIN = None   # keeps the emulator script's own module alive


def install_maya_main():
    """Make the emulated interactive namespace ``sys.modules["__main__"]``.

    The emulator's own functions keep working through their function globals.
    """
    global LAUNCHER_MAIN
    LAUNCHER_MAIN = sys.modules.get("__main__")
    sys.modules["__main__"] = MAYA_MAIN


# --------------------------------------------------------------------------
# The main thread
# --------------------------------------------------------------------------

class _Job:
    __slots__ = ("fn", "args", "done", "result", "error")

    def __init__(self, fn, args):
        self.fn, self.args = fn, args
        self.done = threading.Event()
        self.result = self.error = None


_jobs = queue.Queue()
_in_job = [False]      # the main thread is running a commandPort job
_deferred = collections.deque()
_STOP = object()
_WAKE = object()
stop_event = threading.Event()


def call_in_main_thread(fn, *args):
    """Run ``fn(*args)`` on the main thread and return its result (or raise).

    Like ``maya.utils.executeInMainThreadWithResult``: from the main thread it
    simply calls ``fn``; from another thread it waits, so one command at a time.
    """
    if on_main_thread():
        return fn(*args)
    job = _Job(fn, args)
    _jobs.put(job)
    while not job.done.wait(0.2):
        if stop_event.is_set():
            raise EmulatorShutdown()
    if job.error is not None:
        raise job.error
    return job.result


def defer(fn, *args):
    """Queue ``fn(*args)`` to run on the main thread after the current command."""
    _deferred.append((fn, args))
    if not on_main_thread():
        _jobs.put(_WAKE)


def _run_deferred():
    while _deferred:
        fn, args = _deferred.popleft()
        start = time.perf_counter_ns()
        try:
            if isinstance(fn, str):
                exec(compile(fn, "<maya console>", "exec", dont_inherit=True),
                     MAYA_MAIN.__dict__)
            else:
                fn(*args)
        except EmulatorShutdown:
            raise
        except BaseException:
            # Maya reports errors of deferred code in the Script Editor.
            sys.stderr.write(traceback.format_exc())
        finally:
            spent = time.perf_counter_ns() - start
            with STATE.lock:
                STATE.deferred_run_total += 1
                STATE.deferred_ns_total += spent
                if not _in_job[0]:       # processIdleEvents() inside a command: counted there
                    STATE.main_busy_ns_total += spent


def run_main_loop():
    """The main thread's event loop; returns when a stop is requested."""
    while not stop_event.is_set():
        _run_deferred()
        try:
            job = _jobs.get(timeout=0.1)
        except queue.Empty:
            continue
        if job is _STOP:
            break
        if job is _WAKE:
            continue
        start = time.perf_counter_ns()
        _in_job[0] = True
        try:
            job.result = job.fn(*job.args)
        except EmulatorShutdown:
            raise
        except BaseException as exc:
            job.error = exc
        finally:
            _in_job[0] = False
            spent = time.perf_counter_ns() - start
            with STATE.lock:
                STATE.main_busy_ns_total += spent
            job.done.set()


def request_stop():
    """Ask the main loop to end (used by the control port's ``shutdown``)."""
    stop_event.set()
    _jobs.put(_STOP)


# --------------------------------------------------------------------------
# Leftovers: threads and sockets created by code run in Maya
# --------------------------------------------------------------------------

_TRACKING = [False]
_user_sockets = weakref.WeakSet()
_REAL_SOCKET = socket.socket
_REAL_THREAD_START = threading.Thread.start


def _in_maya_code():
    """True when the current thread runs code "in Maya": the main thread (once
    the emulator's own threads are up, it only runs Maya code) or a thread that
    such code started (directly or not)."""
    if not _TRACKING[0]:
        return False
    return on_main_thread() or getattr(threading.current_thread(), "_mayaemu_user", False)


def _tracked_thread_start(self):
    if _in_maya_code():
        self._mayaemu_user = True
    return _REAL_THREAD_START(self)


class _MayaSocket(_REAL_SOCKET):
    """``socket.socket`` as code run in Maya sees it: remembers the sockets it
    creates (weakly: a socket dropped without close() is closed by the GC)."""

    __slots__ = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if _in_maya_code():
            with STATE.lock:
                _user_sockets.add(self)


_MayaSocket.__name__ = _MayaSocket.__qualname__ = "socket"
_MayaSocket.__module__ = "socket"


def install_leftover_tracking():
    """From now on, threads started and sockets created by code run in Maya are
    tracked. Call once the emulator's own threads and sockets exist."""
    threading.Thread.start = _tracked_thread_start
    socket.socket = _MayaSocket
    _TRACKING[0] = True


def user_threads():
    """Names of the live threads started by code run in Maya."""
    return sorted(t.name for t in threading.enumerate()
                  if getattr(t, "_mayaemu_user", False) and t.is_alive())


def _describe_socket(sock):
    kind = {socket.SOCK_STREAM: "tcp", socket.SOCK_DGRAM: "udp"}.get(sock.type, str(sock.type))
    if getattr(socket, "AF_UNIX", None) is not None and sock.family == socket.AF_UNIX:
        kind = "unix-" + kind
    try:
        addr = sock.getsockname()
        if isinstance(addr, tuple):
            host = addr[0]
            if not addr[1]:
                return "%s unbound" % kind
            addr = ("[%s]:%d" if ":" in host else "%s:%d") % (host, addr[1])
        addr = str(addr) or "unbound"
    except OSError:
        addr = "unbound"
    return "%s %s" % (kind, addr)


def user_sockets():
    """Descriptions ("udp 127.0.0.1:5000") of the open sockets created by code
    run in Maya."""
    with STATE.lock:
        socks = list(_user_sockets)
    out = []
    for sock in socks:
        try:
            if sock.fileno() != -1:
                out.append(_describe_socket(sock))
        except Exception:
            pass
    return sorted(out)


# --------------------------------------------------------------------------
# Output callbacks (MCommandMessage) and the stdout/stderr stand-ins
# --------------------------------------------------------------------------

class _Callback:
    __slots__ = ("id", "func", "client_data")

    def __init__(self, cid, func, client_data):
        self.id, self.func, self.client_data = cid, func, client_data


_callbacks = collections.OrderedDict()   # id -> _Callback (shared by API 1 and 2)
_next_callback_id = [1000]
_in_callback = [None]                    # id of the callback now running


def add_output_callback(func, client_data=None):
    if not callable(func):
        raise TypeError("addCommandOutputCallback: argument 1 must be callable")
    with STATE.lock:
        _next_callback_id[0] += 1
        cid = _next_callback_id[0]
        _callbacks[cid] = _Callback(cid, func, client_data)
    return cid


def remove_callback(cid):
    try:
        key = int(cid)
    except (TypeError, ValueError):
        raise TypeError("removeCallback: argument 1 must be a callback id") from None
    with STATE.lock:
        if key not in _callbacks:
            raise RuntimeError("(kInvalidParameter): No callback with id %d" % key)
        del _callbacks[key]


def print_message_type():
    return kDisplay if CONFIG.print_type == "display" else kInfo


def emit(text, msg_type):
    """Deliver one output message to every registered output callback.

    Callbacks run synchronously on the main thread. Maya quirks reproduced as
    recorded crashes: an exception escaping a callback hard-crashes Maya, and
    output produced inside a callback re-enters it (endless recursion).
    """
    if not on_main_thread():
        log("output from non-main thread %r (type %d): %r"
            % (threading.current_thread().name, msg_type, text))
        return
    if _in_callback[0] is not None:
        record_crash("output emitted inside output callback %d (re-entrant callback): "
                     "type %d %r" % (_in_callback[0], msg_type, text[:200]))
        return
    with STATE.lock:
        STATE.output.append((text, msg_type))
        targets = list(_callbacks.values())
    if CONFIG.verbose:
        log("output type %d: %r" % (msg_type, text))
    for cb in targets:
        if cb.id not in _callbacks:       # removed by an earlier callback
            continue
        _in_callback[0] = cb.id
        try:
            cb.func(text, msg_type, cb.client_data)
        except EmulatorShutdown:
            raise
        except BaseException as exc:
            record_crash("exception escaped output callback %d: %s: %s"
                         % (cb.id, type(exc).__name__, exc))
        finally:
            _in_callback[0] = None


class MayaOutputStream(io.TextIOBase):
    """Stand-in for Maya's ``sys.stdout`` / ``sys.stderr``.

    Each ``write()`` call on the main thread reaches the output callbacks as
    one message, so ``print("x")`` arrives as "x" then "\\n" (Maya quirk).
    stdout writes are kInfo or kDisplay (``print_type``); stderr writes kError.
    Writes from other threads only go to the emulator's log.
    """

    def __init__(self, name, is_error):
        super().__init__()
        self.name = "<%s>" % name
        self._is_error = is_error

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "strict"

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        raise io.UnsupportedOperation("fileno")

    def flush(self):
        pass

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not %s" % type(text).__name__)
        if text:     # empty writes (e.g. print(end="")) carry no message
            emit(text, kError if self._is_error else print_message_type())
        return len(text)


# --------------------------------------------------------------------------
# Python execution: the commandPort rule
# --------------------------------------------------------------------------

def _run_code(text, mode, globals_, locals_):
    code = compile(text, "<string>", mode, dont_inherit=True)   # SyntaxError: not a run
    with STATE.lock:
        STATE.executions += 1
    if mode == "eval":
        return eval(code, globals_, locals_)
    exec(code, globals_, locals_)
    return None


def eval_then_exec(text, globals_, locals_):
    """Maya quirk: a single-line text is first tried with eval(); if that raises
    OR returns None it is run again with exec(). So a one-line statement whose
    value is None (``print("x")``) runs twice. Multi-line text goes straight to
    exec(). Returns the value (None for exec); the exec exception propagates.
    """
    if "\n" not in text:
        try:
            result = _run_code(text, "eval", globals_, locals_)
        except EmulatorShutdown:
            raise
        except BaseException:
            result = None     # eval's error is forgotten; exec gets its turn
        if result is not None:
            return result
    _run_code(text, "exec", globals_, locals_)
    return None


def safe_str(obj):
    try:
        return str(obj)
    except EmulatorShutdown:
        raise
    except BaseException as exc:          # a broken __str__ must not kill the port
        return "<str() failed: %s: %s>" % (type(exc).__name__, exc)


def run_port_python(text):
    """Run one Python commandPort message; return the reply text.

    Maya quirk: the code runs with Maya's __main__ as globals but a fresh
    throw-away dict as locals, so top-level names vanish after the message
    (and functions defined in it cannot see each other's top-level names).
    The reply is str(result), "None" for statements, or str(exc) on an
    exception: no traceback, and nothing is sent to the output callbacks.
    """
    try:
        result = eval_then_exec(text, MAYA_MAIN.__dict__, {})
    except EmulatorShutdown:
        raise
    except BaseException as exc:
        return safe_str(exc)
    return safe_str(result)


def run_python_in_main(text):
    """Python run by MEL's python() or a string passed to maya.utils: eval-then-exec
    in __main__ itself (globals and locals), so names persist there."""
    return eval_then_exec(text, MAYA_MAIN.__dict__, MAYA_MAIN.__dict__)


def run_port_mel_line(line):
    """Evaluate one line of a MEL commandPort message; return the reply text."""
    from . import _mel
    with STATE.lock:
        STATE.mel_lines += 1
    try:
        value = _mel.eval_block(line)
    except _mel.MelError as exc:
        return exc.display()
    return _mel.to_text(value)
