"""The output stream of Mayalink's helper (src-tauri/engine/src/maya/helper.py, the Python
the app installs in Maya), without Maya: its queue and sender against a real UDP socket.

    python3 -m unittest tests/emulators/test_helper_stream.py -v      (from the repo root)
"""

import importlib.util
import os
import socket
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
HELPER = os.path.join(HERE, "..", "..", "src-tauri", "engine", "src", "maya", "helper.py")
_spec = importlib.util.spec_from_file_location("mayalink_helper_under_test", HELPER)
helper = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helper)
TOKEN = b"t" * 16


class StreamTest(unittest.TestCase):
    def setUp(self):
        self.rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rx.bind(("127.0.0.1", 0))
        self.addCleanup(self.rx.close)
        self.stream = helper._Stream("s", "127.0.0.1", self.rx.getsockname()[1], TOKEN)
        self.addCleanup(self.stream.stop)

    def messages(self, wait=0.2):
        """Each datagram received within `wait`, as the list of its messages' texts."""
        got = []
        self.rx.settimeout(wait)
        while True:
            try:
                data = self.rx.recv(65536)
            except socket.timeout:
                return got
            prefix, kind, _, _, _, _ = helper._FULL.unpack_from(data)
            self.assertEqual(prefix, helper._MAGIC + TOKEN)
            if kind != helper._KIND_BATCH:
                continue  # heartbeats
            texts, pos = [], helper._FULL.size
            while pos < len(data):
                _, _, n = helper._ENTRY.unpack_from(data, pos)
                pos += helper._ENTRY.size
                texts.append(data[pos:pos + n].decode())
                pos += n
            got.append(texts)
            self.rx.settimeout(0.05)

    def test_an_unfinished_line_waits_for_its_end_then_leaves_whole(self):
        # print("late", 476) reaches the callback as four pieces; the sender may wake
        # after any of them.
        q = self.stream.queue
        q.extend([("late", 1), (" ", 1)])
        self.stream.flush_held(hold_partial=True)
        self.assertEqual(self.messages(), [], "half a line was sent")
        q.extend([("476", 1), ("\n", 1), ("next", 1), (" ", 1)])
        self.stream.flush_held(hold_partial=True)
        self.assertEqual(self.messages(), [["late 476\n"]])
        # A forced flush (a run's end, the bye) sends the unfinished rest too.
        self.stream.flush_held()
        self.assertEqual(self.messages(), [["next "]])

    def test_a_partial_line_alone_still_leaves_after_the_hold(self):
        # A progress message without a newline: the sender thread sends it once nothing
        # more comes, through the callback Maya calls.
        self.stream.thread = threading.Thread(target=self.stream.sender, args=(30.0,), daemon=True)
        self.stream.thread.start()
        callback = helper._make_callback(self.stream)
        started = time.monotonic()
        callback("Exporting...", 1, None)
        got = self.messages(wait=2.0)
        self.assertEqual(got, [["Exporting..."]])
        self.assertGreaterEqual(time.monotonic() - started, helper._HOLD_PARTIAL)


if __name__ == "__main__":
    unittest.main()
