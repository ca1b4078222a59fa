"""Tests of the Maya commandPort emulator's ports and process, over real sockets to
a real subprocess: Python and MEL ports, the buffer rule, output callbacks, faults,
main-thread accounting, kill semantics and Unix sockets. The scene and its commands:
test_maya_scene.py.

    python3 -m unittest discover -s tests/emulators -v      (from the repo root)

Every test starts its own emulator, so state never leaks between tests.
Every socket has a timeout and every process wait is bounded: nothing hangs.
"""

import ast
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from emulator_fixtures import Client, EMULATOR, Emulator, EmulatorCase, TIMEOUT


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
