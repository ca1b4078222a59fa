"""Fixtures for the Maya commandPort emulator's tests: the emulator as a real
subprocess (with its control port for assertions), a client of its ports, and the
test case that starts one emulator per test.

Every socket has a timeout and every process wait is bounded: nothing hangs.
"""

import ast
import json
import os
import re
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
