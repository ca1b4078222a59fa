"""Tests of the Maya commandPort emulator, over real sockets to a real subprocess.

    python3 -m unittest discover -s tests/emulators -v      (from the repo root)

Every test starts its own emulator, so state never leaks between tests.
Every socket has a timeout and every process wait is bounded: nothing hangs.
"""

import ast
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "maya_emulator.py")
TIMEOUT = 5.0
READY_RE = re.compile(r"READY port=(\d+) control=(\d+) pid=(\d+)")

# Registers an output callback through API 2 that stores (text, type, clientData)
# in __main__.got. Multi-line, so it runs exactly once.
REGISTER = (
    "import maya.api.OpenMaya as om\n"
    "import __main__\n"
    "__main__.got = []\n"
    "def _cb(msg, kind, data):\n"
    "    __import__('__main__').got.append((msg, kind, data))\n"
    "__main__.cbid = om.MCommandMessage.addCommandOutputCallback(_cb, 'cd')\n"
)
GOT = "repr(__import__('__main__').got)"


def _readline_with_timeout(stream, timeout):
    box = []
    reader = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return box[0] if box else None


class Client:
    """A commandPort client that reads replies frame by frame (up to the NUL)."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(TIMEOUT)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data.encode("utf-8") if isinstance(data, str) else data)

    def frame(self, timeout=TIMEOUT):
        """One raw reply frame, terminator included."""
        self.sock.settimeout(timeout)
        while b"\0" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed; partial data %r" % self.buf)
            self.buf += chunk
        frame, self.buf = self.buf.split(b"\0", 1)
        return frame + b"\0"

    def text(self, timeout=TIMEOUT):
        frame = self.frame(timeout)
        assert frame.endswith(b"\n\0"), frame
        return frame[:-2].decode("utf-8")

    def call(self, code):
        self.send(code)
        return self.text()

    def read_until_eof(self, timeout=TIMEOUT):
        self.sock.settimeout(timeout)
        data = self.buf
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return data
            data += chunk

    def close(self):
        self.sock.close()


class Emulator:
    def __init__(self, *args):
        self.stderr_file = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, EMULATOR, *args],
                                     stdout=subprocess.PIPE, stderr=self.stderr_file)
        line = _readline_with_timeout(self.proc.stdout, 10)
        if not line:
            self.kill()
            raise RuntimeError("no READY line; stderr:\n" + self.stderr_text())
        self.ready_line = line.decode("utf-8")
        m = READY_RE.fullmatch(self.ready_line.rstrip("\n"))
        if not m:
            self.kill()
            raise RuntimeError("bad READY line %r" % self.ready_line)
        self.port, self.control_port, self.pid = (int(g) for g in m.groups())
        self.clients = []

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT)
        client = Client(sock)
        self.clients.append(client)
        return client

    def control(self, **request):
        with socket.create_connection(("127.0.0.1", self.control_port), timeout=TIMEOUT) as s:
            s.sendall((json.dumps(request) + "\n").encode("utf-8"))
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return json.loads(data)

    def state(self):
        return self.control(cmd="state")

    def stderr_text(self):
        self.stderr_file.seek(0)
        return self.stderr_file.read().decode("utf-8", "replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(TIMEOUT)
        self.proc.stdout.close()
        self.stderr_file.close()

    def stop(self):
        for client in self.clients:
            try:
                client.close()
            except OSError:
                pass
        if self.proc.poll() is None:
            try:
                self.control(cmd="shutdown")
                self.proc.wait(TIMEOUT)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        self.kill()


class EmulatorCase(unittest.TestCase):
    ARGS = ()

    def setUp(self):
        self.emu = Emulator(*self.ARGS)
        self.addCleanup(self.emu.stop)
        self.c = self.emu.connect()

    def wait_for(self, predicate, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                self.fail("condition not met within %.1f s" % timeout)
            time.sleep(0.02)

    def counter(self, name):
        return self.emu.state()["counters"].get(name, 0)

    def register(self, client=None):
        client = client or self.c
        self.assertEqual(client.call(REGISTER), "None")

    def got(self, client=None):
        return ast.literal_eval((client or self.c).call(GOT))


# --------------------------------------------------------------------------
# Process, Python port rules
# --------------------------------------------------------------------------

class TestProcess(EmulatorCase):
    def test_ready_line_and_silent_stdout(self):
        self.assertRegex(self.emu.ready_line, r"^READY port=\d+ control=\d+ pid=\d+\n$")
        self.assertEqual(self.emu.pid, self.emu.proc.pid)
        self.assertGreater(self.emu.port, 0)
        self.assertGreater(self.emu.control_port, 0)
        self.assertEqual(self.c.call("print('not on the real stdout')"), "None")
        self.assertEqual(self.emu.control(cmd="shutdown"), {"ok": True})
        self.assertEqual(self.emu.proc.wait(TIMEOUT), 0)
        self.assertEqual(self.emu.proc.stdout.read(), b"")    # nothing after READY

    def test_sigterm_exits_cleanly(self):
        os.kill(self.emu.pid, signal.SIGTERM)
        self.assertEqual(self.emu.proc.wait(TIMEOUT), 0)

    def test_sigint_exits_cleanly(self):
        os.kill(self.emu.pid, signal.SIGINT)
        self.assertEqual(self.emu.proc.wait(TIMEOUT), 0)

    def test_sigterm_interrupts_long_command(self):
        self.c.send("import time\ntime.sleep(30)")
        time.sleep(0.3)
        os.kill(self.emu.pid, signal.SIGTERM)
        self.assertEqual(self.emu.proc.wait(TIMEOUT), 0)

    def test_port_in_use(self):
        proc = subprocess.run([sys.executable, EMULATOR, "--port", str(self.emu.port)],
                              capture_output=True, timeout=10)
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stdout, b"")
        self.assertIn(b"Socket error creating command port", proc.stderr)

    @unittest.skipUnless(sys.platform.startswith("linux"), "comm is Linux-only")
    def test_proc_name(self):
        emu = Emulator("--proc-name", "maya.bin")
        self.addCleanup(emu.stop)
        with open("/proc/%d/comm" % emu.pid) as fh:
            self.assertEqual(fh.read().strip(), "maya.bin")


class TestPythonPort(EmulatorCase):
    def test_expression_reply_bytes_exact(self):
        self.c.send("1+1")
        self.assertEqual(self.c.frame(), b"2\n\0")

    def test_one_line_none_statement_runs_twice(self):
        # Maya quirk: eval() returns None, so the same text is exec()'d again.
        self.assertEqual(self.c.call('__import__("mayaemu").bump("x") and None'), "None")
        self.assertEqual(self.counter("x"), 2)
        self.assertEqual(self.emu.state()["executions"], 2)

    def test_one_line_value_runs_once(self):
        self.assertEqual(self.c.call('__import__("mayaemu").bump("y")'), "1")
        self.assertEqual(self.counter("y"), 1)
        self.assertEqual(self.emu.state()["executions"], 1)

    def test_one_line_statement_syntax_runs_once(self):
        # eval() cannot even compile an assignment, so only exec() runs it.
        self.assertEqual(self.c.call('import mayaemu; mayaemu.bump("s")'), "None")
        self.assertEqual(self.counter("s"), 1)

    def test_one_line_raising_expression_runs_twice(self):
        # eval raises -> exec runs it again -> the reply is the exec exception.
        self.assertEqual(self.c.call('__import__("mayaemu").bump("e") + 1/0'), "division by zero")
        self.assertEqual(self.counter("e"), 2)

    def test_multi_line_exec_runs_once(self):
        self.assertEqual(self.c.call('import mayaemu\nmayaemu.bump("z")\n"value ignored"'), "None")
        self.assertEqual(self.counter("z"), 1)

    def test_names_do_not_persist(self):
        self.assertEqual(self.c.call("x = 5"), "None")
        self.assertEqual(self.c.call("x"), "name 'x' is not defined")

    def test_functions_do_not_see_top_level_names(self):
        # Maya quirk of exec(code, __main__.__dict__, {}): top-level names live in
        # the throw-away locals, which function bodies cannot see.
        code = "def f():\n    return g()\ndef g():\n    return 1\nf()"
        self.assertEqual(self.c.call(code), "name 'g' is not defined")

    def test_main_attributes_persist(self):
        self.assertEqual(self.c.call("import __main__; __main__.keep = 42"), "None")
        self.assertEqual(self.c.call("__import__('__main__').keep"), "42")
        self.assertEqual(self.c.call("keep + 1"), "43")     # __main__ is the globals
        self.assertEqual(
            self.c.call("__import__('sys').modules['__main__'] is __import__('__main__')"), "True")
        # ... and it is Maya's namespace, not the emulator script.
        self.assertEqual(self.c.call("__import__('__main__').__dict__.get('__file__')"), "None")
        self.assertEqual(self.c.call("hasattr(__import__('__main__'), 'CommandPortServer')"),
                         "False")
        other = self.emu.connect()
        self.c.close()
        self.assertEqual(other.call("__import__('__main__').keep"), "42")

    def test_exception_replies_are_str_exc(self):
        self.register()
        self.assertEqual(self.c.call("1/0"), "division by zero")
        self.assertEqual(self.c.call("raise ValueError('boom')"), "boom")
        self.assertEqual(self.c.call("d = {}\nd['k']"), "'k'")
        self.assertIn("invalid syntax", self.c.call("x = = 1"))
        # Nothing reaches the Script Editor (output callbacks) for these.
        self.assertEqual(self.got(), [])

    def test_reply_is_str_of_result(self):
        self.assertEqual(self.c.call("'text'"), "text")
        self.assertEqual(self.c.call("[1, 'a']"), "[1, 'a']")
        self.assertEqual(self.c.call("'caf\u00e9 \u6f22'"), "caf\u00e9 \u6f22")

    def test_surrounding_whitespace_and_nuls_are_stripped(self):
        self.c.send(b"  \n 2*3 \n\0\0")
        self.assertEqual(self.c.frame(), b"6\n\0")
        self.assertEqual(self.emu.state()["last_messages"][-1], "2*3")

    def test_empty_message(self):
        # Only whitespace: eval("") fails, exec("") runs nothing -> "None".
        self.c.send("\n")
        self.assertEqual(self.c.text(), "None")

    def test_invalid_utf8_closes_connection(self):
        self.c.send(b"'\xff\xfe'")
        self.assertEqual(self.c.read_until_eof(), b"")       # no reply, closed
        deadline = time.time() + TIMEOUT
        while "invalid UTF-8" not in self.emu.stderr_text() and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn("invalid UTF-8", self.emu.stderr_text())
        self.assertEqual(self.emu.connect().call("1+1"), "2")
        self.assertEqual(self.emu.state()["executions"], 1)

    def test_second_client_served_after_first_disconnects(self):
        self.assertEqual(self.c.call("1+1"), "2")
        second = self.emu.connect()                 # accepted by the backlog only
        second.send("2+2")
        with self.assertRaises(socket.timeout):
            second.frame(timeout=0.5)
        self.assertEqual(self.c.call("3+3"), "6")    # the first is still served
        self.c.close()
        self.assertEqual(second.text(), "4")
        self.assertEqual(self.emu.state()["connections"], 2)

    def test_close_before_reply_is_counted(self):
        self.c.send("__import__('time').sleep(0.3) or 1")
        self.c.close()
        self.wait_for(lambda: self.emu.state()["early_closes"] == 1)
        self.assertEqual(self.emu.connect().call("1+1"), "2")
        self.assertEqual(self.emu.state()["early_closes"], 1)

    def test_state_counts(self):
        self.c.call("1+1")
        self.c.call("print('x')")                    # eval + exec
        self.c.call("a = 1\nb = 2")                  # exec
        self.c.close()
        self.emu.connect().call("'second'")
        state = self.emu.state()
        self.assertEqual(state["messages"], 4)
        self.assertEqual(state["executions"], 5)
        self.assertEqual(state["connections"], 2)
        self.assertEqual(state["last_messages"], ["1+1", "print('x')", "a = 1\nb = 2", "'second'"])
        self.assertEqual(state["print_type"], "info")
        self.assertEqual(state["undo_depth"], 0)
        self.assertEqual(state["crashes"], [])
        self.assertEqual(state["callbacks"], 0)
        self.assertEqual(state["early_closes"], 0)

    def test_last_messages_truncated_and_bounded(self):
        self.c.call("'%s'" % ("a" * 300))
        for i in range(25):
            self.c.call(str(i))
        last = self.emu.state()["last_messages"]
        self.assertEqual(len(last), 20)
        self.assertEqual(last[-1], "24")
        self.emu.control(cmd="reset_stats")
        self.c.call("'%s'" % ("b" * 300))
        self.assertEqual(len(self.emu.state()["last_messages"][0]), 200)


class TestBufferRule(EmulatorCase):
    def test_large_single_write_runs_once(self):
        # 10000 bytes in ONE write: the full 4096-byte reads make Maya read on.
        script = "import mayaemu\nmayaemu.bump('big')\n"
        script += "# " + "p" * (10000 - len(script) - 3) + "\n"
        self.assertEqual(len(script.encode()), 10000)
        self.assertEqual(self.c.call(script), "None")
        self.assertEqual(self.counter("big"), 1)
        one_line = "len('%s')" % ("a" * (10000 - 7))
        self.assertEqual(len(one_line), 10000)
        self.assertEqual(self.c.call(one_line), str(10000 - 7))
        self.assertEqual(self.emu.state()["messages"], 2)

    def test_two_quick_writes_merge(self):
        # Observed (and Maya's behaviour): writes that are queued while Maya is
        # busy come back from ONE recv as ONE message. "1+1\n" + "2+2" becomes the
        # two-line "1+1\n2+2", which goes to exec(): a single reply "None".
        self.c.send("__import__('time').sleep(1.0) or 'slow'")
        self.wait_for(lambda: self.emu.state()["messages"] == 1)   # now running it
        self.c.send("1+1\n")
        self.c.send("2+2")
        self.assertEqual(self.c.text(), "slow")
        self.assertEqual(self.c.text(), "None")
        with self.assertRaises(socket.timeout):
            self.c.frame(timeout=0.4)                 # no second reply
        state = self.emu.state()
        self.assertEqual(state["messages"], 2)
        self.assertEqual(state["last_messages"][-1], "1+1\n2+2")

    def test_split_write_runs_as_fragments(self):
        # A command split across two segments, the second arriving late, is run
        # as two fragments (the first read did not fill the buffer).
        self.c.send("1+")
        self.assertIn("invalid syntax", self.c.text())
        self.c.send("1")
        self.assertEqual(self.c.text(), "1")
        self.assertEqual(self.emu.state()["messages"], 2)


class TestSmallBuffer(EmulatorCase):
    ARGS = ("--buffer-size", "16")

    def test_read_filling_buffer_waits_for_more(self):
        # Exactly bufferSize bytes: Maya reads again and only the 1.5 s timeout ends it.
        started = time.monotonic()
        self.c.send("1+1".ljust(16))
        self.assertEqual(self.c.text(), "2")
        self.assertGreaterEqual(time.monotonic() - started, 1.3)

    def test_message_over_buffer_is_accumulated(self):
        started = time.monotonic()
        self.c.send("'%s'" % ("x" * 30))            # 32 bytes
        self.assertEqual(self.c.text(), "x" * 30)
        # 32 bytes = two full reads, then a third read that times out (1.5 s).
        self.assertGreaterEqual(time.monotonic() - started, 1.3)
        started = time.monotonic()
        self.c.send("'%s'" % ("y" * 20))            # 22 bytes: full read + short read
        self.assertEqual(self.c.text(), "y" * 20)
        self.assertLess(time.monotonic() - started, 1.0)


# --------------------------------------------------------------------------
# Output callbacks
# --------------------------------------------------------------------------

class TestCallbacks(EmulatorCase):
    def test_print_delivers_two_messages_as_info(self):
        self.register()
        self.assertEqual(self.c.call("x = 1\nprint('hi')"), "None")
        self.assertEqual(self.got(), [("hi", 2, "cd"), ("\n", 2, "cd")])

    def test_print_type_display(self):
        self.assertEqual(self.emu.control(cmd="set", print_type="display")["ok"], True)
        self.register()
        self.c.call("x = 1\nprint('hi')")
        self.assertEqual(self.got(), [("hi", 1, "cd"), ("\n", 1, "cd")])
        self.assertEqual(self.emu.state()["print_type"], "display")

    def test_one_line_print_runs_twice(self):
        self.register()
        self.c.call("print('twice')")
        self.assertEqual([m for m, _, _ in self.got()], ["twice", "\n", "twice", "\n"])

    def test_stderr_is_error(self):
        self.register()
        self.c.call("import sys\nsys.stderr.write('bad')")
        self.assertEqual(self.got(), [("bad", 4, "cd")])

    def test_warning_error_and_mglobal(self):
        self.register()
        self.c.call("import maya.cmds as cmds\ncmds.warning('careful')")
        self.assertEqual(self.c.call("import maya.cmds as cmds\ncmds.error('bad')"), "bad")
        self.c.call("import maya.api.OpenMaya as om\n"
                    "om.MGlobal.displayInfo('i')\n"
                    "om.MGlobal.displayWarning('w')\n"
                    "om.MGlobal.displayError('e')")
        self.assertEqual(self.got(), [("Warning: careful\n", 3, "cd"), ("Error: bad\n", 4, "cd"),
                                      ("i\n", 2, "cd"), ("Warning: w\n", 3, "cd"),
                                      ("Error: e\n", 4, "cd")])

    def test_message_type_constants(self):
        for module in ("maya.OpenMaya", "maya.api.OpenMaya"):
            code = ("[getattr(__import__('%s', fromlist=['x']).MCommandMessage, k) for k in "
                    "('kHistory','kDisplay','kInfo','kWarning','kError','kResult','kStackTrace')]"
                    % module)
            self.assertEqual(self.c.call(code), "[0, 1, 2, 3, 4, 5, 6]")

    def test_api1_and_api2_share_registry(self):
        self.register()
        self.c.call("import maya.OpenMaya as om1\nimport __main__\n"
                    "__main__.id1 = om1.MCommandMessage.addCommandOutputCallback("
                    "lambda m, t, d: None)")
        self.assertEqual(self.c.call("type(__import__('__main__').id1).__name__"), "MCallbackId")
        self.assertEqual(self.c.call("isinstance(__import__('__main__').id1, int)"), "True")
        state = self.emu.state()
        self.assertEqual(state["callbacks"], 2)
        cbid = int(self.c.call("__import__('__main__').cbid"))
        id1 = int(self.c.call("int(__import__('__main__').id1)"))
        self.assertEqual(state["callback_ids"], [cbid, id1])
        # An API 1 id can be removed through API 2.
        self.c.call("import maya.api.OpenMaya as om\nimport __main__\n"
                    "om.MMessage.removeCallback(__main__.id1)")
        self.assertEqual(self.emu.state()["callback_ids"], [cbid])

    def test_remove_callback(self):
        self.register()
        self.c.call("import maya.api.OpenMaya as om\nimport __main__\n"
                    "om.MMessage.removeCallback(__main__.cbid)")
        self.assertEqual(self.emu.state()["callbacks"], 0)
        self.c.call("x = 1\nprint('unheard')")
        self.assertEqual(self.got(), [])
        code = ("import maya.api.OpenMaya as om\nimport __main__\n"
                "try:\n    om.MMessage.removeCallback(__main__.cbid)\n"
                "except RuntimeError:\n    __main__.err = 'RuntimeError'\n")
        self.c.call(code)
        self.assertEqual(self.c.call("__import__('__main__').err"), "RuntimeError")
        self.assertEqual(self.emu.state()["crashes"], [])

    def crashes_after(self, callback_body, code):
        """Registers an output callback with this body, runs `code`: the crashes."""
        self.c.call("import maya.api.OpenMaya as om\n"
                    "def cb(m, t, d):\n    " + callback_body + "\n"
                    "om.MCommandMessage.addCommandOutputCallback(cb)")
        self.c.call(code)
        return self.emu.state()["crashes"]

    def test_exception_in_callback_is_crash(self):
        crashes = self.crashes_after("raise ValueError('kaboom')", "x = 1\nprint('hi')")
        self.assertEqual(len(crashes), 2)            # one per message ("hi", "\n")
        self.assertIn("ValueError: kaboom", crashes[0])
        self.assertEqual(self.c.call("1+1"), "2")   # the emulator carries on

    def test_print_inside_callback_is_crash(self):
        crashes = self.crashes_after("print('echo: ' + m)", "import sys\nsys.stdout.write('once')")
        self.assertEqual(len(crashes), 2)            # print = two writes, both re-enter
        self.assertIn("re-entrant", crashes[0])
        self.assertEqual(self.c.call("1+1"), "2")

    def test_deferred_output_reaches_callbacks(self):
        self.register()
        self.c.call("import maya.utils\nmaya.utils.executeDeferred(print, 'later')")
        # Deferred work runs on the main thread before the next command.
        self.assertEqual([m for m, _, _ in self.got()], ["later", "\n"])


# --------------------------------------------------------------------------
# Faults (control port)
# --------------------------------------------------------------------------

class TestFaults(EmulatorCase):
    def test_hang(self):
        self.assertEqual(self.emu.control(cmd="fault", mode="hang"), {"ok": True, "fault": "hang"})
        self.c.send("1+1")
        with self.assertRaises(socket.timeout):
            self.c.frame(timeout=0.5)
        self.c.close()                                # the hang ends when the client leaves
        self.assertEqual(self.emu.connect().call("1+1"), "2")
        self.assertEqual(self.emu.state()["executions"], 1)

    def test_no_nul_eof(self):
        self.emu.control(cmd="fault", mode="no_nul_eof")
        self.c.send("1+1")
        self.assertEqual(self.c.read_until_eof(), b"2")
        self.assertEqual(self.emu.connect().call("1+1"), "2")   # applied once

    def test_close(self):
        self.emu.control(cmd="fault", mode="close")
        self.c.send("__import__('mayaemu').bump('never')")
        self.assertEqual(self.c.read_until_eof(), b"")
        self.assertEqual(self.emu.connect().call("1+1"), "2")
        self.assertEqual(self.counter("never"), 0)
        self.assertEqual(self.emu.state()["fault"], "none")

    def test_delay_and_none(self):
        self.emu.control(cmd="fault", mode="delay", seconds=0.3)
        started = time.monotonic()
        self.assertEqual(self.c.call("1+1"), "2")
        self.assertGreaterEqual(time.monotonic() - started, 0.25)
        self.emu.control(cmd="fault", mode="close")
        self.emu.control(cmd="fault", mode="none")
        self.assertEqual(self.c.call("1+1"), "2")

    def test_bad_control_requests(self):
        self.assertFalse(self.emu.control(cmd="fault", mode="explode")["ok"])
        self.assertFalse(self.emu.control(cmd="nope")["ok"])
        self.assertFalse(self.emu.control(cmd="set", print_type="loud")["ok"])

    def test_reset_counters(self):
        self.c.call("__import__('mayaemu').bump('r')")
        self.assertEqual(self.counter("r"), 1)
        self.assertEqual(self.emu.control(cmd="reset_counters"), {"ok": True})
        self.assertEqual(self.emu.state()["counters"], {})


# --------------------------------------------------------------------------
# MEL port
# --------------------------------------------------------------------------

class TestMelPort(EmulatorCase):
    ARGS = ("--source-type", "mel", "--version", "2024")

    def test_one_reply_per_line(self):
        self.c.send('about -v;\ngetpid;\nprint "hi";')
        self.assertEqual([self.c.text() for _ in range(3)], ["2024", str(self.emu.pid), ""])
        self.assertEqual(self.emu.state()["mel_lines"], 3)

    def test_python_command(self):
        self.assertEqual(self.c.call('python("1+2")'), "3")
        self.assertEqual(self.c.call('python("1+2");'), "3")
        self.assertEqual(self.c.call('python "3*3";'), "9")
        self.assertEqual(self.c.call('python("[\'a\', \'b\']")'), "a\tb")   # arrays: tabs

    def test_mel_string_escapes(self):
        self.assertEqual(self.c.call(r'python("\"a\" + \"b\"")'), "ab")
        self.assertEqual(self.c.call('python("len(\'a\\\\tb\')")'), "3")  # MEL \\ -> \
        self.assertEqual(self.c.call(r'python("len(\"a\tb\")")'), "3")     # \t -> TAB

    def test_python_one_liner_runs_twice(self):
        self.assertEqual(self.c.call('python("__import__(\'mayaemu\').bump(\'m\') and None")'), "")
        self.assertEqual(self.counter("m"), 2)

    def test_unknown_procedure(self):
        self.assertRegex(self.c.call("foo;"),
                         r'^// Error: Line 1\.\d+: Cannot find procedure "foo"\. //$')
        self.assertEqual(self.c.call("about -version"), "2024")

    def test_empty_line_gets_empty_reply(self):
        self.c.send("about -v\n\ngetpid")
        self.assertEqual([self.c.text() for _ in range(3)], ["2024", "", str(self.emu.pid)])

    def test_current_unit(self):
        self.assertEqual(self.c.call('currentUnit -linear "m" -angle "rad"'), "")
        self.assertEqual(self.c.call("currentUnit -q -linear"), "m")
        self.assertEqual(self.c.call("currentUnit -q -fullName -angle"), "radian")
        self.assertEqual(self.c.call('currentUnit -linear "parsec"'),
                         "// Error: Line 1.28: currentUnit: Invalid linear unit 'parsec'. //")
        self.assertEqual(self.c.call('python("import maya.cmds as c")'), "")
        self.assertEqual(self.c.call('python("c.joint(p=(0, 1, 0))")'), "joint1")
        self.assertEqual(self.c.call('currentUnit -linear "cm"'), "")
        self.assertEqual(self.c.call("python(\"c.getAttr('joint1.ty')\")"), "100")

    def test_python_error(self):
        self.assertIn("ZeroDivisionError: division by zero", self.c.call('python("1/0")'))

    def test_a_multi_line_proc_breaks_line_by_line(self):
        # Each line is evaluated on its own: the definition never happens.
        self.c.send('global proc mlkPortProc()\n{\n    print "in proc\\n";\n}\nmlkPortProc;')
        replies = [self.c.text() for _ in range(5)]
        self.assertRegex(replies[0], r"^// Error: Line 1\.\d+: Syntax error //$")
        self.assertRegex(replies[1], r"^// Error: Line 1\.1: Syntax error //$")
        self.assertEqual(replies[2], "")
        self.assertRegex(replies[4], r'Cannot find procedure "mlkPortProc"\.')


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

class TestMainThreadAccounting(EmulatorCase):
    def test_deferred_pending_runs_and_time(self):
        state = self.emu.state()
        self.assertEqual((state["deferred_pending"], state["deferred_run_total"],
                          state["deferred_us_total"]), (0, 0, 0))
        code = ("import maya.utils, time\n"
                "maya.utils.executeDeferred(time.sleep, 0.4)\n"
                "maya.utils.executeDeferred(len, 'a')\n"
                "maya.utils.executeDeferred('x = 1')")
        self.assertEqual(self.c.call(code), "None")
        self.wait_for(lambda: self.emu.state()["deferred_pending"] == 2, timeout=0.3)
        self.wait_for(lambda: self.emu.state()["deferred_run_total"] == 3)
        state = self.emu.state()
        self.assertEqual(state["deferred_pending"], 0)
        self.assertGreaterEqual(state["deferred_us_total"], 400000)
        self.assertLess(state["deferred_us_total"], 2000000)
        self.assertGreaterEqual(state["main_busy_us_total"], state["deferred_us_total"])

    def test_deferred_from_thread_runs_promptly_without_client(self):
        # A thread waits until the client is gone, then defers 20 jobs one after
        # the other and keeps the worst latency (deferred -> running on the main thread).
        code = ("import threading, time, maya.utils, __main__\n"
                "def work():\n"
                "    import time, threading, maya.utils, __main__\n"
                "    time.sleep(0.3)\n"
                "    worst = 0.0\n"
                "    for _ in range(20):\n"
                "        done = threading.Event()\n"
                "        box = []\n"
                "        def job():\n"
                "            box.append(time.perf_counter())\n"
                "            box.append(threading.current_thread().name)\n"
                "            done.set()\n"
                "        t0 = time.perf_counter()\n"
                "        maya.utils.executeDeferred(job)\n"
                "        done.wait(2)\n"
                "        worst = max(worst, box[0] - t0)\n"
                "        time.sleep(0.01)\n"
                "    __main__.latency = (worst, box[1])\n"
                "threading.Thread(target=work, name='latency').start()")
        self.assertEqual(self.c.call(code), "None")
        self.c.close()
        self.emu.clients.remove(self.c)
        time.sleep(1.2)
        c = self.emu.connect()
        self.wait_for(lambda: c.call("repr(getattr(__import__('__main__'), 'latency', None))")
                      != "None")
        worst, thread = ast.literal_eval(c.call("repr(__import__('__main__').latency)"))
        self.assertEqual(thread, "MainThread")
        self.assertLess(worst, 0.05, "worst deferred latency %.1f ms" % (worst * 1000))

    def test_user_threads(self):
        self.assertEqual(self.emu.state()["user_threads"], [])
        code = ("import threading, __main__\n"
                "__main__.stop = threading.Event()\n"
                "def parent():\n"
                "    stop = __import__('__main__').stop\n"
                "    t = __import__('threading').Thread(target=stop.wait, args=(10,),\n"
                "                                       name='grandchild')\n"
                "    t.start()\n"
                "    __import__('__main__').stop.wait(10)\n"
                "threading.Thread(target=parent, name='worker', daemon=True).start()")
        self.assertEqual(self.c.call(code), "None")
        self.wait_for(lambda: self.emu.state()["user_threads"] == ["grandchild", "worker"])
        self.c.call("__import__('__main__').stop.set()")
        self.wait_for(lambda: self.emu.state()["user_threads"] == [])

    def test_user_sockets(self):
        self.assertEqual(self.emu.state()["user_sockets"], [])    # not the port's own
        code = ("import socket, threading, __main__\n"
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                "s.bind(('127.0.0.1', 0))\n"
                "__main__.udp = s\n"
                "__main__.tcp = []\n"
                "def make():\n"
                "    __import__('__main__').tcp.append(__import__('socket').socket())\n"
                "t = threading.Thread(target=make)\nt.start()\nt.join()\n"
                "__main__.port = s.getsockname()[1]")
        self.assertEqual(self.c.call(code), "None")
        port = int(self.c.call("__import__('__main__').port"))
        self.assertEqual(self.emu.state()["user_sockets"],
                         ["tcp unbound", "udp 127.0.0.1:%d" % port])
        self.assertEqual(self.c.call("type(__import__('__main__').udp).__name__"), "socket")
        self.c.call("__import__('__main__').udp.close()")
        self.assertEqual(self.emu.state()["user_sockets"], ["tcp unbound"])
        self.c.call("__import__('__main__').tcp.clear()")      # dropped: the GC closes it
        self.wait_for(lambda: self.emu.state()["user_sockets"] == [])

    def test_callbacks_count_with_leftovers(self):
        self.register()
        state = self.emu.state()
        self.assertEqual((state["callbacks"], state["user_threads"], state["user_sockets"]),
                         (1, [], []))


class TestKillSemantics(unittest.TestCase):
    """Maya quitting or killed: threads left by code run in Maya never keep the
    emulator alive, and the control port's shutdown, SIGTERM and SIGKILL work."""

    LEFTOVERS = ("import threading, socket, __main__\n"
                 "__main__.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                 "threading.Thread(target=threading.Event().wait, name='stuck').start()")

    def start(self):
        emu = Emulator()
        self.addCleanup(emu.stop)
        c = emu.connect()
        self.assertEqual(c.call(self.LEFTOVERS), "None")
        self.assertEqual(emu.state()["user_threads"], ["stuck"])     # not a daemon
        c.close()
        emu.clients.remove(c)
        return emu

    def test_shutdown_with_non_daemon_thread(self):
        emu = self.start()
        self.assertEqual(emu.control(cmd="shutdown"), {"ok": True})
        self.assertEqual(emu.proc.wait(TIMEOUT), 0)

    def test_sigterm_with_non_daemon_thread(self):
        emu = self.start()
        emu.proc.send_signal(signal.SIGTERM)
        self.assertEqual(emu.proc.wait(TIMEOUT), 0)

    def test_sigkill(self):
        emu = self.start()
        emu.proc.kill()
        self.assertEqual(emu.proc.wait(TIMEOUT), -signal.SIGKILL)
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", emu.port), timeout=1).close()


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


@unittest.skipUnless(hasattr(socket, "AF_UNIX"), "no Unix sockets")
class TestUnixSocket(unittest.TestCase):
    def test_unix_socket(self):
        tmp = tempfile.mkdtemp()
        path = os.path.join(tmp, "mayaCommand")
        emu = Emulator("--unix", path)
        self.addCleanup(emu.stop)
        self.assertEqual(emu.port, 0)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT)
        sock.connect(path)
        client = Client(sock)
        client.send("1+1")
        self.assertEqual(client.frame(), b"2\n\0")
        client.close()
        self.assertEqual(emu.control(cmd="shutdown"), {"ok": True})
        self.assertEqual(emu.proc.wait(TIMEOUT), 0)
        self.assertFalse(os.path.exists(path))
        os.rmdir(tmp)


if __name__ == "__main__":
    unittest.main()
