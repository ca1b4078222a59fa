#!/usr/bin/env python3
"""Test emulator of Autodesk Maya's commandPort (Python 3 stdlib only).

Reproduces the rules of /work/shared/docs/maya-commandport.md, quirks included,
so the engine's tests have an oracle without a real Maya. See README.md.

    python3 tests/emulators/maya_emulator.py [--port 0] [--source-type python|mel] ...

Once listening it prints exactly one line to stdout:
    READY port=<commandport> control=<controlport> pid=<pid>
and nothing else there (logs go to stderr).
"""

import argparse
import json
import os
import select
import signal
import socket
import socketserver
import sys
import threading
import time
import _thread

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "fakemaya"))   # makes `import maya.cmds` work

from mayaemu import _core, _scene   # noqa: E402

EXTRA_READ_TIMEOUT = 1.5          # Maya's timeout for each chunk after a full read
LISTEN_BACKLOG = 5
FAULT_MODES = ("none", "hang", "no_nul_eof", "close", "delay")
REPLY_TERMINATOR = b"\n\0"

log = _core.log


# --------------------------------------------------------------------------
# The commandPort server
# --------------------------------------------------------------------------

class CommandPortServer(threading.Thread):
    """Maya's port server: plain and non-threaded. It serves ONE connection at a
    time, looping over that client's requests until it disconnects; other
    clients wait in the listen backlog (Maya quirk: a held connection locks
    every other tool out)."""

    def __init__(self, sock):
        super().__init__(name="commandPort", daemon=True)
        self.sock = sock

    def run(self):
        while not _core.stop_event.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                if _core.stop_event.is_set():
                    break
                time.sleep(0.05)
                continue
            with _core.STATE.lock:
                _core.STATE.connections += 1
            try:
                self.serve_connection(conn)
            except _core.EmulatorShutdown:
                break
            except Exception as exc:          # Maya logs it and goes on
                log("commandPort connection error: %s: %s" % (type(exc).__name__, exc))
            finally:
                try:
                    conn.close()
                except OSError:
                    pass

    @staticmethod
    def receive(conn):
        """Maya quirk, no framing: one recv(bufferSize); ONLY if that read filled
        the buffer does it read on, chunk by chunk (1.5 s timeout each), while
        each chunk fills the buffer. So two quick writes can merge into one
        message and a message split across segments can run as fragments."""
        size = _core.CONFIG.buffer_size
        data = conn.recv(size)
        if len(data) == size:
            conn.settimeout(EXTRA_READ_TIMEOUT)
            try:
                while True:
                    try:
                        chunk = conn.recv(size)
                    except socket.timeout:
                        break
                    data += chunk
                    if len(chunk) < size:
                        break
            finally:
                conn.settimeout(None)
        return data

    def serve_connection(self, conn):
        conn.settimeout(None)
        state = _core.STATE
        while True:
            try:
                data = self.receive(conn)
            except OSError as exc:
                log("commandPort recv failed: %s" % exc)
                return
            if not data:                      # EOF: the client is gone
                return
            with state.lock:
                state.messages += 1
            raw = data.rstrip(b"\0").strip()  # trailing NULs, surrounding whitespace
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                # Maya drops the message, warns on its stderr and ends the connection.
                log("Warning: commandPort received invalid UTF-8 (%s); message dropped, "
                    "connection closed" % exc)
                with state.lock:
                    state.last_messages.append("<invalid UTF-8: %d bytes>" % len(raw))
                return
            with state.lock:
                state.last_messages.append(text[:200])
            if _core.CONFIG.verbose:
                log("message: %r" % text[:200])

            fault, seconds = state.take_fault()
            if fault == "close":
                log("fault 'close': closing the connection without a reply")
                return
            if fault == "hang":
                self.hang(conn, seconds if seconds is not None else _core.CONFIG.hang_seconds)
                return
            if fault == "delay":
                time.sleep(seconds if seconds is not None else 1.0)

            if _core.CONFIG.source_type == "mel":
                # MEL ports: each line is evaluated on its own, one reply per line.
                units = [(_core.run_port_mel_line, line) for line in text.split("\n")]
            else:
                units = [(_core.run_port_python, text)]
            for index, (run, unit) in enumerate(units):
                reply = _core.call_in_main_thread(run, unit)
                if index == 0 and self.peer_sent_eof(conn):
                    # Closing before the reply makes Maya log an exception (and has
                    # been reported to crash it): count it so tests can assert 0.
                    with state.lock:
                        state.early_closes += 1
                    log("client closed the connection before reading the reply "
                        "(Maya would log an exception)")
                payload = reply.encode("utf-8", "replace")
                last = index == len(units) - 1
                if not (fault == "no_nul_eof" and last):
                    payload += REPLY_TERMINATOR   # every reply ends with "\n\0"
                try:
                    conn.sendall(payload)
                except OSError as exc:
                    # Maya logs an exception when the client left before the reply.
                    log("commandPort could not send the reply: %s" % exc)
                    return
            if fault == "no_nul_eof":
                log("fault 'no_nul_eof': reply sent without its terminator; closing")
                return

    @staticmethod
    def peer_sent_eof(conn):
        """True if the client has already closed (or shut down) its side."""
        try:
            readable, _, _ = select.select([conn], [], [], 0)
            return bool(readable) and conn.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    @staticmethod
    def hang(conn, seconds):
        """Fault 'hang': no reply; wait until the client disconnects (or the time
        is up, or shutdown), then drop the connection."""
        log("fault 'hang': not replying for up to %.1f s" % seconds)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not _core.stop_event.is_set():
            try:
                readable, _, _ = select.select([conn], [], [], 0.1)
                if readable:
                    if not conn.recv(65536, socket.MSG_PEEK):
                        return            # EOF: the client disconnected
                    time.sleep(0.1)       # data is waiting; keep ignoring it
            except (OSError, ValueError):
                return


# --------------------------------------------------------------------------
# The control port (tests only)
# --------------------------------------------------------------------------

def handle_control(request):
    cmd = request.get("cmd")
    if cmd == "state":
        reply = _core.snapshot()
        reply["ok"] = True
        return reply
    if cmd == "set":
        if "print_type" in request:
            if request["print_type"] not in ("info", "display"):
                raise ValueError("print_type must be 'info' or 'display'")
            _core.CONFIG.print_type = request["print_type"]
        return {"ok": True, "print_type": _core.CONFIG.print_type}
    if cmd == "fault":
        mode = request.get("mode", "none")
        if mode not in FAULT_MODES:
            raise ValueError("mode must be one of %s" % ", ".join(FAULT_MODES))
        seconds = request.get("seconds")
        with _core.STATE.lock:
            _core.STATE.fault = mode
            _core.STATE.fault_seconds = float(seconds) if seconds is not None else None
        return {"ok": True, "fault": mode}
    if cmd == "reset_counters":
        with _core.STATE.lock:
            _core.STATE.counters.clear()
        return {"ok": True}
    if cmd == "reset_stats":
        _core.STATE.reset_stats()
        return {"ok": True}
    if cmd == "shutdown":
        return {"ok": True}
    if cmd == "ping":
        return {"ok": True, "pid": os.getpid()}
    raise ValueError("unknown cmd %r" % (cmd,))


class ControlHandler(socketserver.StreamRequestHandler):
    """Newline-delimited JSON requests, one JSON line reply each."""

    def handle(self):
        for raw in self.rfile:
            line = raw.strip()
            if not line:
                continue
            request = {}
            try:
                request = json.loads(line)
                if not isinstance(request, dict):
                    raise ValueError("request must be a JSON object")
                reply = handle_control(request)
            except Exception as exc:
                reply = {"ok": False, "error": "%s: %s" % (type(exc).__name__, exc)}
            self.wfile.write((json.dumps(reply) + "\n").encode("utf-8"))
            self.wfile.flush()
            if request.get("cmd") == "shutdown":
                request_shutdown()
                return


class ControlServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


# --------------------------------------------------------------------------
# Start-up and shutdown
# --------------------------------------------------------------------------

_shutdown_raised = [False]


def _on_signal(signum, frame):
    _core.stop_event.set()
    if not _shutdown_raised[0]:
        _shutdown_raised[0] = True
        raise _core.EmulatorShutdown()   # interrupts whatever the main thread runs


def request_shutdown():
    log("shutdown requested")
    _core.request_stop()
    try:
        _thread.interrupt_main(signal.SIGINT)   # stop long-running user code too
    except Exception:
        pass


def set_proc_name(name):
    """On Linux set comm (what process-based discovery sees); ignore failures."""
    if not name or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_NAME = 15
        libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode("utf-8")[:15]), 0, 0, 0)
    except Exception as exc:
        log("could not set the process name: %s" % exc)


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Emulator of Maya's commandPort (tests).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = ephemeral")
    parser.add_argument("--unix", metavar="PATH", help="listen on a Unix socket instead")
    parser.add_argument("--source-type", choices=("python", "mel"), default="python")
    parser.add_argument("--buffer-size", type=int, default=4096)
    parser.add_argument("--print-type", choices=("info", "display"), default="info")
    parser.add_argument("--version", default="2025", help="Maya version string")
    parser.add_argument("--control-port", type=int, default=0)
    parser.add_argument("--proc-name", help="process name (Linux comm), e.g. maya.bin")
    parser.add_argument("--scene", metavar="FILE.json", help="preload joints")
    parser.add_argument("--hang-seconds", type=float, default=60.0,
                        help="how long the 'hang' fault waits (default 60)")
    parser.add_argument("--verbose", action="store_true", help="log messages and output")
    args = parser.parse_args(argv)
    if args.buffer_size < 1:
        parser.error("--buffer-size must be positive")
    return args


def open_command_socket(args):
    if args.unix:
        if not hasattr(socket, "AF_UNIX"):
            raise SystemExit("Unix sockets are not supported on this platform")
        if os.path.exists(args.unix):
            import stat
            if not stat.S_ISSOCK(os.stat(args.unix).st_mode):
                raise SystemExit("%s exists and is not a socket" % args.unix)
            os.unlink(args.unix)           # stale socket from an earlier run
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(args.unix)
        sock.listen(LISTEN_BACKLOG)
        return sock, 0, args.unix
    host = args.host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if os.name != "nt":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, args.port))
    sock.listen(LISTEN_BACKLOG)
    port = sock.getsockname()[1]
    return sock, port, ":%d" % port


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    set_proc_name(args.proc_name)

    config = _core.CONFIG
    config.version = args.version
    config.source_type = args.source_type
    config.buffer_size = args.buffer_size
    config.print_type = args.print_type
    config.hang_seconds = args.hang_seconds
    config.verbose = args.verbose

    if args.scene:
        try:
            _core.STATE.scene_name = _scene.SCENE.load_json(args.scene)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log("cannot load scene %s: %s" % (args.scene, exc))
            return 2

    # The emulator's own uncaught errors go to its log, not to Maya's streams.
    sys.excepthook = lambda *exc: _core.REAL_STDERR.write("".join(
        __import__("traceback").format_exception(*exc)))

    # Code sent by clients sees Maya's interactive __main__ and Maya's streams.
    _core.install_maya_main()
    sys.stdout = _core.MayaOutputStream("stdout", is_error=False)
    sys.stderr = _core.MayaOutputStream("stderr", is_error=True)

    try:
        sock, port, port_name = open_command_socket(args)
    except OSError as exc:
        # What Maya says when another program holds the port.
        log("Socket error creating command port %s: %s"
            % (args.unix or "%s:%d" % (args.host, args.port), exc))
        return 1
    _core.STATE.open_ports.append(port_name)
    control = ControlServer(("127.0.0.1", args.control_port), ControlHandler)
    control_port = control.server_address[1]

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        CommandPortServer(sock).start()
        threading.Thread(target=control.serve_forever, kwargs={"poll_interval": 0.2},
                         name="control", daemon=True).start()
        _core.REAL_STDOUT.write("READY port=%d control=%d pid=%d\n"
                                % (port, control_port, os.getpid()))
        _core.REAL_STDOUT.flush()
        log("listening on %s (%s port, bufferSize %d), control port %d"
            % (port_name, config.source_type, config.buffer_size, control_port))
        # From here on the main thread only runs Maya code: track its threads and sockets.
        _core.install_leftover_tracking()
        _core.run_main_loop()          # this thread is Maya's main thread
    except _core.EmulatorShutdown:
        pass
    finally:
        _shutdown_raised[0] = True     # no further interruption during clean-up
        _core.stop_event.set()
        try:
            sock.close()
            control.server_close()
            if args.unix and os.path.exists(args.unix):
                os.unlink(args.unix)
        except Exception as exc:
            log("clean-up error: %s" % exc)
        log("stopped")
    return 0


if __name__ == "__main__":
    status = main()
    # Like Maya quitting: threads left running by code run in Maya (even
    # non-daemon ones) do not keep the process alive.
    for stream in (_core.REAL_STDOUT, _core.REAL_STDERR):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(status)
