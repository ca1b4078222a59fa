#!/usr/bin/env python3
"""A minimal Mosketch client, the baseline for `mayalink bench-mosketch`.

What a straightforward script does: read lines from the socket, json.loads each,
answer the handshake, and ack every JointsStream right after parsing it. Prints one
JSON line: {"frames": N, "seconds": S, "fps": F, "cpu_s": C} measured after a
warm-up (C: this process's CPU time over those frames, time.process_time()).
"""
import argparse
import json
import socket
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=16094)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--warmup", type=float, default=0.5)
    args = ap.parse_args()

    sock = socket.create_connection((args.host, args.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = sock.makefile("rb")
    first = None
    start = None
    cpu_start = 0.0
    frames = 0
    for line in reader:
        msg = json.loads(line)
        if isinstance(msg, list):
            msg = msg[0]
        kind = msg.get("Type")
        if kind == "JointsStream":
            sock.sendall(b'{"Type":"JointsStreamAck"}')
            now = time.perf_counter()
            if first is None:
                first = now
            elif start is None:
                if now - first >= args.warmup:
                    start = now
                    cpu_start = time.process_time()
            else:
                frames += 1
                if now - start >= args.seconds:
                    break
        elif kind == "Hierarchy":
            sock.sendall(b'{"Type":"AckHierarchyInitialized"}')
        elif kind == "JointsUuids":
            sock.sendall(b'{"Type":"JointsUuidsAck"}')
    elapsed = time.perf_counter() - start if start else 0.0
    cpu = time.process_time() - cpu_start if start else 0.0
    sock.close()
    print(json.dumps({"frames": frames, "seconds": elapsed, "fps": frames / elapsed if elapsed else 0.0, "cpu_s": cpu}))


if __name__ == "__main__":
    main()
